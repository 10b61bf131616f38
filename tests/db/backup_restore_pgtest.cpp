// docs/operations.md's backup and restore, done as written: pg_dump -Fc of a database with
// participants and a sent action, plus copies of the key files; the database dropped; created
// again and pg_restore'd; a daemon started on it with the copied keys raises an action, and the
// restored participants get it (their sealed numbers open with the restored keys).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

const std::string kBin = "/usr/lib/postgresql/15/bin/";
const std::vector<std::string> kPhones = {"+31612340001", "+31612340002", "+31612340003"};

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Runs a PostgreSQL client program; its output goes to `log`.
int run(const std::string& command, const std::string& log) {
  return std::system((command + " >" + quoted(log) + " 2>&1").c_str());
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The lines of a file channel's outbox once it has `n` (or what it has after `timeout`).
std::vector<json> wait_for_lines(const std::string& path, std::size_t n, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::vector<json> lines;
  do {
    lines.clear();
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(json::parse(line));
    if (lines.size() >= n) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < until);
  return lines;
}

json urgent_action(const std::string& title) {
  return {{"kind", "urgent"},
          {"category", "burglary"},
          {"title", title},
          {"message", "Verdachte gevlucht richting Nieuwmarkt. Gezien? Bel 112."},
          {"area", {{"circle", {{"lat", 52.3731}, {"lon", 4.8926}, {"radius_m", 1000}}}}},
          {"channels", {"sms"}}};
}

std::set<std::string> recipients(const std::vector<json>& lines, const std::string& action) {
  std::set<std::string> to;
  for (const auto& line : lines)
    if (line["action_id"] == action && line["kind"] == "action") to.insert(line["to"].get<std::string>());
  return to;
}

TEST(BackupRestore, ADumpAndTheKeyFilesRestoreADatabaseThatSendsAgain) {
  TestDatabase database;  // its own connection is never opened: the database can be dropped
  const auto dir = make_temp_dir("burgernet-backup-");
  fs::create_directories(dir + "/outbox-before");
  fs::create_directories(dir + "/outbox-after");
  auto config = daemon_config(database.url(), dir + "/outbox-before");
  const std::string config_path = dir + "/config.json";
  std::ofstream(config_path) << config.dump(2);

  // Before: participants imported, a token, an action sent to them.
  std::ofstream(dir + "/participants.csv") << "phone,lat,lon,channels,quiet_from,quiet_to,language\n"
                                           << kPhones[0] << ",52.3731,4.8926,sms,,,nl\n"
                                           << kPhones[1] << ",52.3740,4.8900,sms,,,nl\n"
                                           << kPhones[2] << ",52.3720,4.8950,sms,,,en\n";
  std::string out, err;
  ASSERT_EQ(run_ctl(config_path, {"participants", "import", dir + "/participants.csv"}, &out, &err), 0)
      << out << err;
  ASSERT_EQ(
      run_ctl(config_path, {"token", "create", "--role", "operator", "--name", "meldkamer"}, &out, &err), 0)
      << err;
  const std::string token = out.substr(0, out.find_first_of("\r\n"));
  std::string first;
  {
    DaemonProcess daemon(config);
    ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
    first = raise_action(HttpClient(daemon.port(), token), urgent_action("Inbraak Damstraat"));
    const auto sent = wait_for_lines(dir + "/outbox-before/sms.jsonl", kPhones.size(), 20s);
    ASSERT_EQ(recipients(sent, first), std::set<std::string>(kPhones.begin(), kPhones.end())) << daemon.log();
  }  // stopped

  // The backup: the dump, and the key files copied elsewhere (the operator keeps them apart).
  const std::string dump = dir + "/burgernet.dump";
  ASSERT_EQ(
      run(kBin + "pg_dump --format=custom --dbname=" + quoted(database.url()) + " --file=" + quoted(dump),
          dir + "/pg_dump.log"),
      0)
      << slurp(dir + "/pg_dump.log");
  fs::create_directories(dir + "/keys");
  for (const char* key : {"key_file", "lookup_key_file"}) {
    const std::string copy = dir + "/keys/" + key;
    fs::copy_file(config["privacy"][key].get<std::string>(), copy);
    config["privacy"][key] = copy;
  }

  // The disk dies: the database is gone.
  const std::string maintenance = cluster_url();
  ASSERT_EQ(
      run(kBin + "dropdb --force --maintenance-db=" + quoted(maintenance) + " " + quoted(database.name()),
          dir + "/dropdb.log"),
      0)
      << slurp(dir + "/dropdb.log");
  {
    db::Connection cluster(maintenance);
    ASSERT_EQ(
        cluster
            .exec(sql::Query{"BackupDatabaseExists", "SELECT count(*) FROM pg_database WHERE datname = $1"},
                  database.name())
            .int64(0, 0),
        0);
  }

  // The restore: an empty database (template0: the dump creates the PostGIS extension itself).
  ASSERT_EQ(run(kBin + "createdb --template=template0 --maintenance-db=" + quoted(maintenance) + " " +
                    quoted(database.name()),
                dir + "/createdb.log"),
            0)
      << slurp(dir + "/createdb.log");
  ASSERT_EQ(run(kBin + "pg_restore --exit-on-error --no-owner --dbname=" + quoted(database.url()) + " " +
                    quoted(dump),
                dir + "/pg_restore.log"),
            0)
      << slurp(dir + "/pg_restore.log");

  // A daemon with the copied keys; the token, the participants and the first action came back.
  config["channels"]["sms"]["path"] = dir + "/outbox-after/sms.jsonl";
  DaemonProcess daemon(config);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient client(daemon.port(), token);
  const auto before = client.get("/v1/actions/" + first);
  ASSERT_EQ(before.status, 200) << before.body;
  const auto second = raise_action(client, urgent_action("Inbraak Zeedijk"));
  ASSERT_FALSE(second.empty());
  const auto sent = wait_for_lines(dir + "/outbox-after/sms.jsonl", kPhones.size(), 20s);
  EXPECT_EQ(recipients(sent, second), std::set<std::string>(kPhones.begin(), kPhones.end())) << daemon.log();
  EXPECT_TRUE(recipients(sent, first).empty())
      << "the restored action was sent already and must not go again";
}

}  // namespace
}  // namespace burgernet::testing
