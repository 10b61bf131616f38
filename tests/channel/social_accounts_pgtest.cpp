// Social accounts per region, end to end through the daemon: an action posts on X and on
// Mastodon as the accounts whose regions its area touches (a national one as the national
// account only), its update and its closing go to the same accounts, and no post holds personal
// data. Both fakes answer in 200-500 ms and record which account each post came from.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "action/population.hpp"
#include "burgernet/net/encoding.hpp"
#include "support/fake_provider.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;

namespace {

// The square of the neighbouring "municipality", 5 km east of Amsterdam's (2 km half sides).
Place east_centre() { return offset(centre(), 0, 5000); }
// Far from both: in no account's region.
Place elsewhere() { return offset(centre(), -40000, 20000); }

// A post as a user of the network sees it: which account posted which text.
struct Post {
  std::string account;
  std::string text;
};

class SocialAccounts : public DatabaseTest {
 protected:
  void SetUp() override {
    for (const auto* name : {"amsterdam", "oost", "landelijk"}) {
      std::ofstream(secrets_ + "/x-" + std::string(name)) << "x-secret-" << name << "\n";
      std::ofstream(secrets_ + "/m-" + std::string(name)) << "mastodon-token-" << name << "\n";
    }
    std::ofstream(secrets_ + "/x-consumer") << "x-consumer-secret\n";
    x_.latency(200ms, 500ms);
    mastodon_.latency(200ms, 500ms);
    x_.answer_with([n = std::make_shared<std::atomic<int>>(0)](const RecordedRequest&) {
      return FakeAnswer{201, R"({"data":{"id":")" + std::to_string(++*n) + R"(","text":"posted"}})"};
    });
    mastodon_.answer_with([n = std::make_shared<std::atomic<int>>(0)](const RecordedRequest&) {
      return FakeAnswer{200, R"({"id":")" + std::to_string(++*n) + R"("})"};
    });
    add_square_area(database, "GM0363", centre());
    add_square_area(database, "GM0437", east_centre());
    add_square_area(database, "GM0080", elsewhere());
    // One CA bundle for both fakes: they are two providers on one loopback.
    ca_bundle_ = secrets_ + "/cas.pem";
    std::ofstream out(ca_bundle_);
    out << std::ifstream(x_.ca_file()).rdbuf() << std::ifstream(mastodon_.ca_file()).rdbuf();
  }
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log ---\n" << daemon_->log() << "---\n";
  }

  // amsterdam speaks for region PE-AMS (municipality GM0363), oost for municipality GM0437.
  nlohmann::json accounts(const std::string& network) {
    const auto secret = [&](const std::string& name) { return secrets_ + "/" + network + "-" + name; };
    const auto keys = [&](const std::string& name) -> nlohmann::json {
      if (network == "x")
        return {{"access_token", "token-" + name}, {"access_token_secret_file", secret(name)}};
      return {{"token_file", secret(name)}};
    };
    auto amsterdam = keys("amsterdam"), oost = keys("oost"), landelijk = keys("landelijk");
    amsterdam["regions"] = {"PE-AMS"};
    oost["municipalities"] = {"GM0437"};
    landelijk["national"] = true;
    return {{"amsterdam", amsterdam}, {"oost", oost}, {"landelijk", landelijk}};
  }

  void start() {
    auto config = daemon_config(database.url(), outbox_);
    config["channels"] = {{"twitter",
                           {{"driver", "x"},
                            {"base_url", x_.url()},
                            {"consumer_key", "ck"},
                            {"consumer_secret_file", secrets_ + "/x-consumer"},
                            {"ca_file", ca_bundle_},
                            {"accounts", accounts("x")}}},
                          {"mastodon",
                           {{"driver", "mastodon"},
                            {"base_url", mastodon_.url()},
                            {"ca_file", ca_bundle_},
                            {"accounts", accounts("m")}}}};
    config["regions"] = {{{"code", "PE-AMS"},
                          {"name", "Politie Amsterdam"},
                          {"callback_number", "0900-8844"},
                          {"areas", {"GM0363"}}}};
    config["queue"] = {{"poll_ms", 100}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    std::string out, err;
    ASSERT_EQ(run_ctl(daemon_->config_path(), {"token", "create", "--role", "operator", "--name", "op"}, &out,
                      &err),
              0)
        << err;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    token_ = out;
  }

  nlohmann::json action(Place at, double radius_m, const std::string& category = "burglary") {
    return {{"kind", "urgent"},
            {"category", category},
            {"title", "Inbraak"},
            {"message", "Man in donkere jas gevlucht. Getuige: j.jansen@example.nl, 06-12345678."},
            {"area", {{"circle", {{"lat", at.lat}, {"lon", at.lon}, {"radius_m", radius_m}}}}}};
  }

  // Waits until every post of the action is sent (or failed), and says how many there were.
  void wait_sent(const std::string& id) {
    ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                                      "' AND status NOT IN ('sent', 'delivered', 'failed')",
                                  "0", 30s));
    EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                              "' AND status = 'failed'"),
              "0")
        << database.scalar(
               "SELECT string_agg(channel || ':' || coalesce(last_error, ''), ', ') FROM deliveries");
  }

  // Everything posted so far, by account, as the account's credentials tell it.
  std::vector<Post> x_posts() const {
    std::vector<Post> out;
    for (const auto& r : x_.requests()) {
      const std::string auth = r.headers.at("authorization");
      const auto at = auth.find("oauth_token=\"token-");
      EXPECT_NE(at, std::string::npos) << auth;
      const auto begin = at + std::string("oauth_token=\"token-").size();
      out.push_back(
          {auth.substr(begin, auth.find('"', begin) - begin), nlohmann::json::parse(r.body).at("text")});
    }
    return out;
  }
  std::vector<Post> mastodon_posts() const {
    std::vector<Post> out;
    for (const auto& r : mastodon_.requests()) {
      const std::string auth = r.headers.at("authorization");
      out.push_back({auth.substr(std::string("Bearer mastodon-token-").size()),
                     nlohmann::json::parse(r.body).at("status")});
    }
    return out;
  }

  // "amsterdam:actie,oost:actie": who posted what kind of message (the text's lead line).
  static std::string summary(const std::vector<Post>& posts) {
    std::multiset<std::string> lines;
    for (const auto& p : posts) {
      std::string kind = "?";
      if (p.text.starts_with("Burgernet-actie")) kind = "actie";
      if (p.text.starts_with("Burgernet-update")) kind = "update";
      if (p.text.starts_with("Burgernet afgesloten")) kind = "afgesloten";
      lines.insert(p.account + ":" + kind);
    }
    std::string out;
    for (const auto& line : lines) out += (out.empty() ? "" : ",") + line;
    return out;
  }

  std::string raise(const nlohmann::json& body) {
    HttpClient api(daemon_->port(), token_);
    const std::string id = raise_action(api, body);
    if (!id.empty()) wait_sent(id);
    return id;
  }

  void expect_no_personal_data() {
    for (const auto& posts : {x_posts(), mastodon_posts()}) {
      for (const auto& p : posts) {
        EXPECT_EQ(p.text.find("jansen"), std::string::npos) << p.text;
        EXPECT_EQ(p.text.find("12345678"), std::string::npos) << p.text;
      }
    }
  }

  std::string outbox_ = make_temp_dir("social-outbox-");
  std::string secrets_ = make_temp_dir("social-secrets-");
  std::string ca_bundle_;
  FakeProvider x_;
  FakeProvider mastodon_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string token_;
};

TEST_F(SocialAccounts, AnActionInAmsterdamIsPostedByTheAmsterdamAccountOnlyAndSoAreItsUpdateAndClosing) {
  start();
  const std::string id = raise(action(centre(), 1000));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(summary(x_posts()), "amsterdam:actie");
  EXPECT_EQ(summary(mastodon_posts()), "amsterdam:actie");

  // The update grows the area into the neighbour's municipality: still the same accounts, so
  // that nobody reads an update or a closing of an action they never saw.
  HttpClient api(daemon_->port(), token_);
  const auto update = api.post(
      "/v1/actions/" + id + "/updates",
      {{"message", "Gezien richting het oosten."},
       {"area", {{"circle", {{"lat", east_centre().lat}, {"lon", east_centre().lon}, {"radius_m", 3000}}}}}});
  ASSERT_EQ(update.status, 201) << update.body;
  wait_sent(id);
  const auto closed =
      api.post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Aangehouden."}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  wait_sent(id);
  EXPECT_EQ(summary(x_posts()), "amsterdam:actie,amsterdam:afgesloten,amsterdam:update");
  EXPECT_EQ(summary(mastodon_posts()), "amsterdam:actie,amsterdam:afgesloten,amsterdam:update");
  expect_no_personal_data();
}

TEST_F(SocialAccounts, AnActionAcrossTwoRegionsIsPostedByBoth) {
  start();
  // Centred on the gap between the two squares, wide enough to reach into both.
  ASSERT_FALSE(raise(action(offset(centre(), 0, 2500), 1500)).empty());
  EXPECT_EQ(summary(x_posts()), "amsterdam:actie,oost:actie");
  EXPECT_EQ(summary(mastodon_posts()), "amsterdam:actie,oost:actie");
  expect_no_personal_data();
}

TEST_F(SocialAccounts, ANationalActionIsPostedByTheNationalAccountOnly) {
  start();
  // An AMBER Alert is national wherever its area lies.
  ASSERT_FALSE(raise(action(centre(), 1000, "amber_alert")).empty());
  EXPECT_EQ(summary(x_posts()), "landelijk:actie");
  EXPECT_EQ(summary(mastodon_posts()), "landelijk:actie");
  // So is an area in no account's region: the national account tells it.
  ASSERT_FALSE(raise(action(elsewhere(), 1000)).empty());
  EXPECT_EQ(summary(x_posts()), "landelijk:actie,landelijk:actie");
  EXPECT_EQ(summary(mastodon_posts()), "landelijk:actie,landelijk:actie");
  expect_no_personal_data();
}

}  // namespace
