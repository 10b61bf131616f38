// Template-cloned test databases: migrating once and cloning is ~20x faster than migrating
// every test's database.
#include "support/test_database.hpp"

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <stdexcept>
#include <thread>

#include "burgernet/db/migrate.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::testing {
namespace {

std::string admin_exec(const std::string& sql) {
  PGconn* conn = PQconnectdb(cluster_url().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("test cluster: " + error);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(result);
  std::string out;
  if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) out = PQgetvalue(result, 0, 0);
  std::string error = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error("test cluster: " + error);
  return out;
}

// The template's name carries a digest of the migrations, so a changed migration gets a new
// template instead of a stale one.
std::string template_name() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (const auto& m : sql::migrations()) {
    EVP_DigestUpdate(ctx, m.name.data(), m.name.size());
    EVP_DigestUpdate(ctx, m.text.data(), m.text.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "burgernet_template_";
  for (unsigned i = 0; i < 6; ++i) {
    name += kHex[digest[i] >> 4];
    name += kHex[digest[i] & 15];
  }
  return name;
}

std::string unique_name(const char* prefix) {
  static std::atomic<int> counter{0};
  std::random_device random;
  return std::string(prefix) + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(random() % 100000);
}

void ensure_template(const std::string& name) {
  // ctest runs test processes in parallel: one builds the template, the others wait on the lock.
  PGconn* conn = PQconnectdb(cluster_url().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("test cluster: " + error);
  }
  auto run = [&](const std::string& sql) {
    PGresult* r = PQexec(conn, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    std::string value = ok && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    std::string error = PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) throw std::runtime_error("test cluster: " + error);
    return value;
  };
  run("SELECT pg_advisory_lock(4242)");
  try {
    if (run("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") == "0") {
      const std::string building = name + "_building";
      run("DROP DATABASE IF EXISTS " + building);
      run("CREATE DATABASE " + building);
      {
        db::Connection migrated(url_for_database(cluster_url(), building));
        db::migrate(migrated);
      }
      // Renamed only when complete, so a crashed build never leaves a half template behind.
      run("ALTER DATABASE " + building + " RENAME TO " + name);
    }
  } catch (...) {
    run("SELECT pg_advisory_unlock(4242)");
    PQfinish(conn);
    throw;
  }
  run("SELECT pg_advisory_unlock(4242)");
  PQfinish(conn);
}

}  // namespace

std::string cluster_url() {
  const char* url = std::getenv("BURGERNET_TEST_DATABASE_URL");
  if (!url || !*url) {
    throw std::runtime_error("BURGERNET_TEST_DATABASE_URL is not set: run the tests with scripts/test");
  }
  return url;
}

std::string url_for_database(const std::string& url, const std::string& database) {
  // postgresql://user@/NAME?host=...: the name sits between the first '/' after the
  // authority and the '?'.
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) throw std::runtime_error("cannot find the database name in the test URL");
  const auto question = url.find('?', slash);
  return url.substr(0, slash + 1) + database + (question == std::string::npos ? "" : url.substr(question));
}

TestDatabase::TestDatabase() : name_(unique_name("burgernet_test_")) {
  const auto tmpl = template_name();
  ensure_template(tmpl);
  admin_exec("CREATE DATABASE " + name_ + " TEMPLATE " + tmpl);
  url_ = url_for_database(cluster_url(), name_);
  // The template may be older than this month (it lives as long as the cluster): the months
  // of deliveries a daemon would create at start (migration 0009).
  connection().exec_script("delivery partitions", "SELECT burgernet_delivery_partitions_ensure(2)");
}

TestDatabase::TestDatabase(Empty) : name_(unique_name("burgernet_empty_")) {
  admin_exec("CREATE DATABASE " + name_);
  url_ = url_for_database(cluster_url(), name_);
}

std::unique_ptr<TestDatabase> TestDatabase::empty() { return std::unique_ptr<TestDatabase>(new TestDatabase(Empty{})); }

TestDatabase::~TestDatabase() {
  connection_.reset();
  try {
    admin_exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A leftover test database is harmless; the cluster is private and thrown away.
  }
}

db::Connection& TestDatabase::connection() {
  if (!connection_) connection_ = std::make_unique<db::Connection>(url_);
  return *connection_;
}

std::string TestDatabase::scalar(const std::string& sql) {
  PGresult* r = PQexec(connection().native(), sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  std::string value = ok && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
  std::string error = PQresultErrorMessage(r);
  PQclear(r);
  if (!ok) throw std::runtime_error("scalar(" + sql + "): " + error);
  return value;
}

bool TestDatabase::wait_for(const std::string& sql, const std::string& expected, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (scalar(sql) == expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace burgernet::testing
