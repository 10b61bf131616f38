// `burgernetctl token create|list|revoke`: a token is printed once and only its hash is stored;
// every create and revoke leaves an audit row in the same transaction.
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {
namespace {

// Who ran burgernetctl, as the audit log's actor: the OS account, since the command line has
// no token of its own.
std::string local_actor() {
  std::string user;
  if (const passwd* pw = getpwuid(geteuid())) user = pw->pw_name;
  if (user.empty()) user = std::to_string(geteuid());
  return "burgernetctl:" + user;
}

audit::Entry local_entry(std::string action, std::string target, std::string result = "ok") {
  audit::Entry entry;
  entry.actor = local_actor();
  entry.action = std::move(action);
  entry.target = std::move(target);
  entry.remote = "local";
  entry.result = std::move(result);
  return entry;
}

std::string utc_timestamp(std::chrono::system_clock::time_point at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

}  // namespace

int run_token_create(const config::Config& config, const TokenOptions& options) {
  if (options.role == "municipal" && !options.area) {
    std::cerr << "burgernetctl: a municipal token needs --area (its municipality code)\n";
    return 2;
  }
  if (options.area && options.role != "municipal" && options.role != "operator") {
    // Nothing would hold a registrar or admin token to it: refuse rather than pretend.
    std::cerr << "burgernetctl: --area binds municipal and operator tokens only\n";
    return 2;
  }
  std::optional<std::string> expires_at;
  if (options.expires_in_days) {
    expires_at =
        utc_timestamp(std::chrono::system_clock::now() + std::chrono::hours(24) * *options.expires_in_days);
  }
  db::Connection connection(config.database.url);
  const std::string token = auth::new_secret("bn_");
  try {
    db::Transaction tx(connection);
    const auto id = connection
                        .exec(sql::query("TokenCreate"), options.name, options.role, options.area,
                              auth::secret_hash_param(token), expires_at)
                        .string(0, 0);
    auto entry = local_entry("token.create", options.name);
    entry.details = {{"token_id", id}, {"role", options.role}};
    if (options.area) entry.details["area"] = *options.area;
    if (expires_at) entry.details["expires_at"] = *expires_at;
    audit::append(connection, entry);
    tx.commit();
  } catch (const db::UniqueViolation&) {
    std::cerr << "burgernetctl: a token named \"" << options.name << "\" exists already\n";
    return 1;
  }
  std::cout << token << "\n";
  return 0;
}

int run_token_list(const config::Config& config) {
  db::Connection connection(config.database.url);
  const auto r = connection.exec(sql::query("TokenList"));
  auto cell = [&](int row, int column) {
    return r.is_null(row, column) ? std::string("-") : r.string(row, column);
  };
  std::cout << "id\tname\trole\tarea\tcreated\texpires\trevoked\n";
  for (int row = 0; row < r.rows(); ++row) {
    for (int column = 0; column < 7; ++column) std::cout << (column ? "\t" : "") << cell(row, column);
    std::cout << "\n";
  }
  return 0;
}

int run_token_revoke(const config::Config& config, const std::string& name_or_id) {
  db::Connection connection(config.database.url);
  db::Transaction tx(connection);
  const auto revoked = connection.exec(sql::query("TokenRevoke"), name_or_id);
  if (revoked.empty()) {
    const auto found = connection.exec(sql::query("TokenFind"), name_or_id);
    const bool already = !found.empty();
    audit::append(connection,
                  local_entry("token.revoke", name_or_id, already ? "already_revoked" : "not_found"));
    tx.commit();
    if (already) {
      std::cerr << "burgernetctl: token \"" << found.string(0, 1) << "\" was revoked already\n";
      return 0;
    }
    std::cerr << "burgernetctl: no token named or with id \"" << name_or_id << "\"\n";
    return 1;
  }
  auto entry = local_entry("token.revoke", revoked.string(0, 1));
  entry.details = {{"token_id", revoked.string(0, 0)}};
  audit::append(connection, entry);
  tx.commit();
  std::cout << "revoked " << revoked.string(0, 1) << " (" << revoked.string(0, 0) << ")\n";
  return 0;
}

}  // namespace burgernet::ctl
