// Tokens, the audit log, per-token rate limits and log redaction, through the real daemon and
// burgernetctl.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <signal.h>

#include "burgernet/auth/secret.hpp"
#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

class SecurityTest : public DatabaseTest {
 protected:
  nlohmann::json config() { return daemon_config(database.url(), make_temp_dir("burgernet-outbox-")); }

  std::string create_token(const DaemonProcess& daemon, const std::string& role, const std::string& name,
                           std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"token", "create", "--role", role, "--name", name};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string out, err;
    EXPECT_EQ(run_ctl(daemon.config_path(), args, &out, &err), 0) << err;
    out.erase(out.find_last_not_of('\n') + 1);
    return out;
  }
};

TEST_F(SecurityTest, TokensAreListedWithoutSecretsRevokedAndExpiredTokensGet401AndAllIsAudited) {
  DaemonProcess daemon(config());
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  const auto admin = create_token(daemon, "admin", "ops");
  const auto desk = create_token(daemon, "operator", "desk", {"--expires-in", "30"});
  ASSERT_EQ(desk.rfind("bn_", 0), 0u);

  std::string list, err;
  ASSERT_EQ(run_ctl(daemon.config_path(), {"token", "list"}, &list, &err), 0) << err;
  EXPECT_NE(list.find("\tops\tadmin\t-\t"), std::string::npos) << list;
  EXPECT_NE(list.find("\tdesk\toperator\t-\t"), std::string::npos) << list;
  EXPECT_EQ(list.find("bn_"), std::string::npos) << "a secret in the listing";
  EXPECT_EQ(list.find("\\x"), std::string::npos) << "a hash in the listing";

  HttpClient client(daemon.port(), desk);
  EXPECT_EQ(client.get("/v1/actions").status, 200);
  ASSERT_EQ(run_ctl(daemon.config_path(), {"token", "revoke", "desk"}, nullptr, &err), 0) << err;
  // A daemon remembers a token for one second (docs/architecture.md): refused within it.
  const auto revoked_at = std::chrono::steady_clock::now();
  auto revoked = client.get("/v1/actions");
  while (revoked.status == 200 && std::chrono::steady_clock::now() - revoked_at < std::chrono::milliseconds(1500)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    revoked = client.get("/v1/actions");
  }
  EXPECT_LE(std::chrono::steady_clock::now() - revoked_at, std::chrono::milliseconds(1200));
  EXPECT_EQ(revoked.status, 401);
  EXPECT_EQ(revoked.error_code(), "unauthorized");
  EXPECT_EQ(run_ctl(daemon.config_path(), {"token", "revoke", "desk"}, nullptr, &err), 0)
      << "revoked twice: harmless";
  EXPECT_EQ(run_ctl(daemon.config_path(), {"token", "revoke", "nobody"}, nullptr, &err), 3)
      << "not found";
  ASSERT_EQ(run_ctl(daemon.config_path(), {"token", "list"}, &list, &err), 0);
  const auto line_start = list.find("\tdesk\t");
  ASSERT_NE(line_start, std::string::npos) << list;
  const auto line = list.substr(line_start, list.find('\n', line_start) - line_start);
  EXPECT_NE(line.substr(line.rfind('\t')), "\t-") << "no revocation time: " << line;

  // Expired: the same lookup refuses it, whatever else is right about the token.
  const auto old = auth::new_secret("bn_");
  database.connection().exec(sql::query("TokenCreate"), "old", "admin", nullptr, auth::secret_hash_param(old),
                             std::string("2001-01-01T00:00:00Z"));
  EXPECT_EQ(HttpClient(daemon.port(), old).get("/v1/actions").status, 401);

  HttpClient auditor(daemon.port(), admin);
  auto audit = auditor.get("/v1/audit");
  ASSERT_EQ(audit.status, 200) << audit.body;
  const auto records = audit.json()["records"];
  ASSERT_EQ(records.size(), 5u) << records.dump();
  EXPECT_EQ(records[0]["action"], "token.revoke");
  EXPECT_EQ(records[0]["result"], "not_found");
  EXPECT_EQ(records[1]["result"], "already_revoked");
  EXPECT_EQ(records[2]["target"], "desk");
  EXPECT_EQ(records[2]["result"], "ok");
  EXPECT_EQ(records[3]["action"], "token.create");
  EXPECT_EQ(records[3]["details"]["role"], "operator");
  EXPECT_TRUE(records[3]["details"].contains("expires_at"));
  EXPECT_EQ(records[4]["target"], "ops");
  EXPECT_EQ(records[4]["remote"], "local");
  EXPECT_EQ(records[4]["actor"].get<std::string>().rfind("burgernetctl:", 0), 0u);

  EXPECT_EQ(auditor.get("/v1/audit?action=token.create").json()["records"].size(), 2u);
  const auto first = auditor.get("/v1/audit?limit=2");
  ASSERT_TRUE(first.json()["next_cursor"].is_string()) << first.body;
  const auto second =
      auditor.get("/v1/audit?limit=2&cursor=" + first.json()["next_cursor"].get<std::string>());
  EXPECT_EQ(second.json()["records"][0]["id"], records[2]["id"]);
  EXPECT_TRUE(auditor.get("/v1/audit?since=2999-01-01T00:00:00Z").json()["records"].empty());
  const auto bad = auditor.get("/v1/audit?since=yesterday");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["error"]["field"], "since");
  EXPECT_EQ(auditor.get("/v1/audit?limit=0").status, 400);
  EXPECT_EQ(auditor.get("/v1/audit?until=2026-02-31").status, 400)
      << "no such day: 400, not a database error";
  EXPECT_EQ(auditor.get("/v1/audit?until=2026-02-28T24:00:00Z").status, 400);
  EXPECT_EQ(auditor.get("/v1/audit?until=2026-02-28T23:59:59.5%2B01:00").status, 200);
  EXPECT_EQ(auditor.get("/v1/audit?cursor=abc").status, 400);

  const auto other = create_token(daemon, "operator", "desk-2");
  EXPECT_EQ(HttpClient(daemon.port(), other).get("/v1/audit").status, 403) << "the audit log is for admins";
}

TEST_F(SecurityTest, EachTokenHasItsOwnRateLimitAnswered429WithRetryAfter) {
  auto c = config();
  c["limits"] = {{"api_per_token_per_s", 0.2}, {"api_per_token_burst", 3}};
  DaemonProcess daemon(c);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  HttpClient busy(daemon.port(), create_token(daemon, "operator", "busy"));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(busy.get("/v1/actions").status, 200) << i;
  const auto limited = busy.get("/v1/actions");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.error_code(), "rate_limited");
  EXPECT_TRUE(limited.json()["error"]["message"].is_string());
  const int retry_after = std::stoi(limited.header("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 5);
  EXPECT_EQ(HttpClient(daemon.port(), create_token(daemon, "operator", "calm")).get("/v1/actions").status,
            200)
      << "another token is not slowed down by the busy one";
  EXPECT_EQ(busy.get("/healthz").status, 200) << "public routes are not limited per token";
}

TEST_F(SecurityTest, NoPhoneNumberEmailTokenOrCoordinateReachesTheLog) {
  auto c = config();
  c["log"] = {{"level", "trace"}};
  DaemonProcess daemon(c);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  const auto token = create_token(daemon, "operator", "desk");
  const std::string leaks[] = {"612345678", "0612345678", "31612345678",   "jan.jansen@example.nl",
                               "52.370216", "4.895168",   token.substr(3), "bn_aaaaaaaaaaaaaaaaaaaaaaaa"};

  HttpClient client(daemon.port(), token);
  // Values in URLs, query strings, headers that are logged (X-Request-Id), and bodies.
  client.get("/v1/participants?phone=%2B31612345678&email=jan.jansen%40example.nl");
  client.get("/v1/nothing/0612345678/52.370216,4.895168");
  client.request(boost::beast::http::verb::get, "/v1/actions", {}, {{"X-Request-Id", "0612345678"}});
  client.request(boost::beast::http::verb::get, "/v1/actions", {}, {{"X-Request-Id", token}});
  client.post("/v1/actions",
              {{"kind", "urgent"},
               {"category", "burglary"},
               {"title", "call +31612345678 or mail jan.jansen@example.nl"},
               {"message", "seen at 52.370216,4.895168"},
               {"area", {{"circle", {{"lat", 52.370216}, {"lon", 4.895168}, {"radius_m", 10}}}}}});
  client.post("/v1/participants", {{"phone", "0612345678"}, {"email", "jan.jansen@example.nl"}});
  HttpClient stranger(daemon.port(), "bn_aaaaaaaaaaaaaaaaaaaaaaaa");
  stranger.get("/v1/actions");
  HttpClient(daemon.port()).raw_exchange("GET /+31612345678 HTTP/1.1\r\nHost: jan.jansen@example.nl\r\n\r\n");
  daemon.signal(SIGTERM);
  ASSERT_TRUE(daemon.wait_exit(10s).has_value());

  const auto log = daemon.log();
  for (const auto& leak : leaks)
    EXPECT_EQ(log.find(leak), std::string::npos) << leak << " in the log:\n" << log;
  // The layer really ran: the request ids above are logged, masked.
  EXPECT_NE(log.find("id=[phone]"), std::string::npos) << log;
  EXPECT_NE(log.find("id=[token]"), std::string::npos) << log;
}

}  // namespace
}  // namespace burgernet::testing
