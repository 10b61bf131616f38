// The daemon as a process: config errors, readiness, routing, errors, limits, signals.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "burgernet/db/migrate.hpp"
#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/private_cluster.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

class DaemonTest : public DatabaseTest {
 protected:
  nlohmann::json config() { return daemon_config(database.url(), outbox_); }
  std::string outbox_ = make_temp_dir("burgernet-outbox-");
};

TEST(DaemonConfig, ABadConfigIsOneLineNamingTheKeyAndExitCode2) {
  const auto dir = make_temp_dir("burgernet-config-");
  auto run = [&](const std::string& text) {
    std::ofstream(dir + "/c.json") << text;
    std::string out, err;
    const std::string binary = std::string(BURGERNET_TEST_BINARY_DIR) + "/burgernetd";
    const std::string cmd = binary + " --config " + dir + "/c.json 2>" + dir + "/err";
    const int status = std::system(cmd.c_str());
    std::ifstream in(dir + "/err");
    std::getline(in, err);
    std::string rest;
    std::getline(in, rest);
    EXPECT_TRUE(rest.empty()) << "more than one line: " << rest;
    return std::make_pair(WEXITSTATUS(status), err);
  };
  auto [code, err] = run(R"({"http":{"listen":"127.0.0.1:1"},"database":{"url":"x"},"limits":{"confirm_abvoe":1}})");
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("limits.confirm_abvoe: unknown key"), std::string::npos) << err;
  std::tie(code, err) = run(R"({"http":{"listen":"127.0.0.1:1"}})");
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("database.url"), std::string::npos) << err;
  std::tie(code, err) = run(R"({"http":{"threads":"two"},"database":{"url":"x"}})");
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("http.threads: must be a whole number"), std::string::npos) << err;
  std::tie(code, err) = run("{ not json");
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("not valid JSON"), std::string::npos) << err;
}

TEST_F(DaemonTest, ServesHealthReadinessAndMetrics) {
  DaemonProcess daemon(config());
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient client(daemon.port());
  EXPECT_EQ(client.get("/healthz").status, 200);
  const auto ready = client.get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json()["schema_version"], sql::latest_migration_version());
  const auto metrics = client.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.body.find("burgernet_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("burgernet_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(DaemonTest, ErrorsFollowTheSpecFormat) {
  DaemonProcess daemon(config());
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient client(daemon.port());
  const auto missing = client.get("/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "not_found");
  EXPECT_TRUE(missing.json()["error"]["message"].is_string());
  EXPECT_EQ(missing.header("content-type"), "application/json");

  const auto wrong_method = client.request(boost::beast::http::verb::delete_, "/healthz");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.error_code(), "method_not_allowed");
  EXPECT_EQ(wrong_method.header("allow"), "GET");
}

TEST_F(DaemonTest, ABodyOverTheLimitIs413AndTheDaemonServesOn) {
  auto c = config();
  c["http"]["body_limit_bytes"] = 4096;
  DaemonProcess daemon(c);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient client(daemon.port());
  const auto big = client.request(boost::beast::http::verb::post, "/healthz", std::string(10000, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.error_code(), "body_too_large");
  EXPECT_EQ(HttpClient(daemon.port()).get("/healthz").status, 200);
}

TEST_F(DaemonTest, OversizedHeadersAre431AndGarbageIs400) {
  auto c = config();
  c["http"]["header_limit_bytes"] = 2048;
  DaemonProcess daemon(c);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient client(daemon.port());
  const auto big = client.request(boost::beast::http::verb::get, "/healthz", {}, {{"X-Filler", std::string(4000, 'a')}});
  EXPECT_EQ(big.status, 431);
  const auto garbage = client.raw_exchange("HELLO THERE\r\n\r\n");
  EXPECT_NE(garbage.find("400"), std::string::npos) << garbage;
  EXPECT_EQ(HttpClient(daemon.port()).get("/healthz").status, 200);
}

TEST_F(DaemonTest, KeepAliveReusesOneConnection) {
  DaemonProcess daemon(config());
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient client(daemon.port());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(DaemonTest, ASlowClientIsCutOffAfterTheReadTimeout) {
  auto c = config();
  c["http"]["read_timeout_ms"] = 500;
  DaemonProcess daemon(c);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  // Half a request line, then nothing: the server must hang up rather than wait forever.
  HttpClient client(daemon.port());
  const auto started = std::chrono::steady_clock::now();
  const auto answer = client.raw_exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n", 5000);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s) << "the connection was not closed";
  EXPECT_EQ(answer.find("200 OK"), std::string::npos);
  EXPECT_EQ(HttpClient(daemon.port()).get("/healthz").status, 200);
}

TEST_F(DaemonTest, V1RoutesWithoutATokenAre401) {
  DaemonProcess daemon(config());
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient client(daemon.port());
  const auto r = client.get("/v1/actions");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "unauthorized");
  client.set_token("bn_not_a_real_token");
  EXPECT_EQ(client.get("/v1/actions").status, 401);
}

TEST_F(DaemonTest, SigtermFinishesTheRequestInFlightAndExitsZero) {
  DaemonProcess daemon(config());
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  // An idle keep-alive connection must not hold the shutdown up.
  HttpClient idle(daemon.port());
  ASSERT_EQ(idle.get("/healthz").status, 200);
  daemon.signal(SIGTERM);
  const auto code = daemon.wait_exit(10s);
  ASSERT_TRUE(code.has_value()) << "still running after SIGTERM\n" << daemon.log();
  EXPECT_EQ(*code, 0) << daemon.log();
  EXPECT_NE(daemon.log().find("draining"), std::string::npos);
}

TEST_F(DaemonTest, SighupReloadsAndABadReloadKeepsServing) {
  DaemonProcess daemon(config());
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  auto c = config();
  c["http"]["listen"] = "127.0.0.1:" + std::to_string(daemon.port());
  c["log"] = {{"level", "debug"}};
  std::ofstream(daemon.config_path()) << c.dump();
  daemon.signal(SIGHUP);
  std::this_thread::sleep_for(300ms);
  EXPECT_NE(daemon.log().find("configuration reloaded"), std::string::npos) << daemon.log();
  std::ofstream(daemon.config_path()) << "{ broken";
  daemon.signal(SIGHUP);
  std::this_thread::sleep_for(300ms);
  EXPECT_NE(daemon.log().find("not reloaded"), std::string::npos) << daemon.log();
  EXPECT_EQ(HttpClient(daemon.port()).get("/healthz").status, 200);
  EXPECT_TRUE(daemon.running());
}

TEST(DaemonSchema, RefusesToServeWhileTheSchemaIsBehindAndRecoversAfterMigrate) {
  auto database = TestDatabase::empty();
  const auto outbox = make_temp_dir("burgernet-outbox-");
  DaemonProcess daemon(daemon_config(database->url(), outbox));
  ASSERT_TRUE(daemon.wait_for_status("/healthz", 200, 20s)) << daemon.log();
  HttpClient client(daemon.port());
  const auto behind = client.get("/readyz");
  EXPECT_EQ(behind.status, 503);
  EXPECT_EQ(behind.error_code(), "schema_behind");
  EXPECT_EQ(client.get("/v1/actions").status, 503);
  // The warning is written by the daemon's database watcher: give a busy machine a moment.
  for (int i = 0; i < 50 && daemon.log().find("burgernetctl migrate") == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_NE(daemon.log().find("burgernetctl migrate"), std::string::npos) << daemon.log();

  std::string out, err;
  ASSERT_EQ(run_ctl(daemon.config_path(), {"migrate"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("schema at version"), std::string::npos);
  ASSERT_EQ(run_ctl(daemon.config_path(), {"migrate"}, &out, &err), 0) << "a second migrate is harmless: " << err;
  EXPECT_EQ(out.find("applied"), std::string::npos) << out;
  EXPECT_TRUE(daemon.wait_ready(10s)) << daemon.log();
}

}  // namespace
}  // namespace burgernet::testing

namespace burgernet::testing {
namespace {

TEST(DaemonDatabaseRestart, Answers503DuringAnOutageAndRecoversByItself) {
  PrivateCluster cluster;
  {
    db::Connection c(cluster.url());
    db::migrate(c);
  }
  const auto outbox = make_temp_dir("burgernet-outbox-");
  DaemonProcess daemon(daemon_config(cluster.url(), outbox));
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  std::string out;
  ASSERT_EQ(run_ctl(daemon.config_path(), {"token", "create", "--role", "admin", "--name", "ops"}, &out), 0);
  HttpClient client(daemon.port());
  ASSERT_EQ(client.get("/readyz").status, 200);

  cluster.stop();
  const auto during = client.get("/readyz");
  EXPECT_EQ(during.status, 503);
  EXPECT_EQ(during.error_code(), "database_unavailable");
  HttpClient authed(daemon.port(), out.substr(0, out.find('\n')));
  const auto v1 = authed.get("/v1/actions");
  EXPECT_EQ(v1.status, 503) << v1.body;
  EXPECT_FALSE(v1.header("retry-after").empty());
  EXPECT_TRUE(daemon.running());

  cluster.start();
  EXPECT_TRUE(daemon.wait_ready(std::chrono::seconds(15))) << daemon.log();
  EXPECT_EQ(client.get("/healthz").status, 200);
  EXPECT_TRUE(daemon.running());
}

}  // namespace
}  // namespace burgernet::testing
