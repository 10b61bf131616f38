// GET /v1/stats and the four outcomes, through the daemon's API on a small known set of
// actions, sends and participants (docs/statistics.md).
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

// GM0363 is the square of 4 km around Dam square; GM0599 the same 20 km to the north.
const Place kAmsterdam = centre();
const Place kElsewhere = offset(centre(), 20000, 0);

class StatsTest : public ActionDaemonTest {
 protected:
  void SetUp() override {
    add_area("GM0363", kAmsterdam);
    add_area("GM0599", kElsewhere);
    start();
    admin_ = token("admin", "beheer");
    municipal_ = token("municipal", "gemeente-amsterdam", "GM0363");
  }

  void add_area(const std::string& code, Place at) { add_square_area(database, code, at); }

  std::string raise(Place at, const std::string& category = "burglary", const std::string& token = {},
                    const std::string& kind = "urgent") {
    auto body = action(circle(at, 500), kind);
    body["category"] = category;
    return raise_action(client(token), body);
  }

  void close(const std::string& id, const std::string& outcome, const std::string& token = {}) {
    const auto r = client(token).post("/v1/actions/" + id + "/close", {{"outcome", outcome}, {"message", "Klaar."}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["outcome"], outcome);
  }

  // As the senders record it (ActionsTouchSent): first and last message sent, seconds after creation.
  void sent(const std::string& id, int first_s, int last_s) {
    database.scalar("INSERT INTO action_sends (action_id, first_sent_at, last_sent_at) SELECT id, created_at + "
                    "interval '" + std::to_string(first_s) + " seconds', created_at + interval '" +
                    std::to_string(last_s) + " seconds' FROM actions WHERE id = '" + id + "'");
  }

  json stats(const std::string& token, const std::string& query = "") {
    const auto r = client(token).get("/v1/stats" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : json::object();
  }

  std::string this_month() {
    return database.scalar("SELECT to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM')");
  }

  std::string admin_, municipal_;
};

TEST_F(StatsTest, ClosingTakesEachOfTheFourOutcomesAndRefusesAnyOther) {
  for (const char* outcome : {"resolved_by_tip", "resolved", "unresolved", "cancelled"}) {
    const auto id = raise(kAmsterdam);
    close(id, outcome);
    EXPECT_EQ(client().get("/v1/actions/" + id).json()["outcome"], outcome);
    EXPECT_EQ(count("SELECT outcome::text FROM actions WHERE id = '" + id + "'"), outcome);
  }
  const auto id = raise(kAmsterdam);
  for (const json& bad : {json("solved"), json(""), json(1), json("RESOLVED")}) {
    const auto r = client().post("/v1/actions/" + id + "/close", {{"outcome", bad}, {"message", "Klaar."}});
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.json()["error"]["field"], "outcome") << r.body;
  }
  // Nothing changed: the action still runs, and no closing was written.
  EXPECT_EQ(count("SELECT status::text FROM actions WHERE id = '" + id + "'"), "active");
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE action_id = '" + id + "' AND kind = 'closing'"), "0");
}

TEST_F(StatsTest, FiguresOfAKnownSetOfActionsAndParticipantsAdminSeesAllAMunicipalityItsOwn) {
  // Amsterdam, the operator's: six closed (one by tip, two resolved, two not, one cancelled)
  // and one still open; elsewhere one unresolved; and the municipality's own alert, by tip.
  std::vector<std::string> ams;
  for (int i = 0; i < 7; ++i) ams.push_back(raise(offset(kAmsterdam, 100 * i, 0)));
  const auto far = raise(kElsewhere, "vehicle");
  const auto own = raise(kAmsterdam, "witness_call", municipal_, "alert");
  // Sent 2, 4 and 6 s after creation; the last messages 10, 20 and 30 s after.
  sent(ams[0], 2, 10);
  sent(ams[1], 4, 20);
  sent(ams[2], 6, 30);
  close(ams[0], "resolved_by_tip");
  close(ams[1], "resolved");
  close(ams[2], "resolved");
  close(ams[3], "unresolved");
  close(ams[4], "unresolved");
  close(ams[5], "cancelled");
  close(far, "unresolved");
  close(own, "resolved_by_tip", municipal_);
  // The closing messages go out an hour later: not the actions' last messages.
  database.scalar("UPDATE action_sends SET last_sent_at = now() + interval '1 hour'");

  // Participants: two active in Amsterdam (one with the app), one pending there, one elsewhere
  // who is then erased through the API.
  add_participant(database, {{offset(kAmsterdam, 300, 0), "{voice,sms}"}});
  add_participant(database, {{offset(kAmsterdam, 600, 0), "{sms}"}}, {{std::nullopt}});
  add_participant(database, {{offset(kAmsterdam, 900, 0), "{sms}"}}, {}, "pending_verification");
  add_participant(database, {{offset(kElsewhere, 300, 0), "{push}"}});
  const auto gone = add_participant(database, {{offset(kElsewhere, 600, 0), "{email}"}});
  ASSERT_EQ(client(token("registrar", "website")).del("/v1/participants/" + gone).status, 204);

  // The daemon counts the participants as it starts (maybe before these were added); when that
  // count is over ten minutes old, a request counts them again.
  database.scalar("INSERT INTO participant_counts_taken VALUES (true, now() - interval '11 minutes') "
                  "ON CONFLICT (only_row) DO UPDATE SET counted_at = excluded.counted_at RETURNING 1");

  const auto month = this_month();
  const auto all = stats(admin_);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all["scope"], "national");
  EXPECT_EQ(all["to"], month);
  const auto& actions = all["actions"];
  EXPECT_EQ(actions["actions"], 9);
  EXPECT_EQ(actions["by_outcome"], json({{"resolved_by_tip", 2}, {"resolved", 2}, {"unresolved", 3},
                                         {"cancelled", 1}, {"open", 1}}));
  EXPECT_EQ(actions["decided"], 7);
  EXPECT_DOUBLE_EQ(actions["share_resolved"].get<double>(), 4.0 / 7);
  EXPECT_DOUBLE_EQ(actions["share_resolved_by_tip"].get<double>(), 2.0 / 7);
  EXPECT_EQ(actions["by_month"].size(), 12u) << "the last twelve months by default";
  EXPECT_EQ(actions["by_month"][month]["actions"], 9);
  EXPECT_DOUBLE_EQ(actions["by_month"][month]["share_resolved_by_tip"].get<double>(), 2.0 / 7);
  EXPECT_EQ(actions["by_category"]["burglary"]["actions"], 7);
  EXPECT_EQ(actions["by_category"]["vehicle"]["by_outcome"]["unresolved"], 1);
  EXPECT_EQ(actions["by_category"]["witness_call"]["by_outcome"]["resolved_by_tip"], 1);
  EXPECT_EQ(actions["by_region"]["GM0363"]["actions"], 8);
  EXPECT_EQ(actions["by_region"]["GM0599"]["actions"], 1);

  const auto& times = all["time_to_message"];
  EXPECT_EQ(times["actions"], 3);
  EXPECT_DOUBLE_EQ(times["first_message_s"]["median"].get<double>(), 4);
  EXPECT_NEAR(times["first_message_s"]["p90"].get<double>(), 5.6, 1e-9);
  EXPECT_DOUBLE_EQ(times["last_message_s"]["median"].get<double>(), 20) << "the closings are left out";
  EXPECT_NEAR(times["last_message_s"]["p90"].get<double>(), 28, 1e-9);
  EXPECT_EQ(times["by_month"][month]["actions"], 3);

  EXPECT_EQ(all["participants"]["by_channel"], json({{"app", 1}, {"push", 1}, {"sms", 2}, {"voice", 1}}));
  EXPECT_EQ(all["participants"]["by_municipality"], json({{"GM0363", 2}, {"GM0599", 1}}));
  EXPECT_EQ(all["signups"][month], json({{"signed_up", 4}, {"erased", 1}}));

  // The municipality: its own alert only, and the participants with an address in its area.
  const auto own_stats = stats(municipal_);
  ASSERT_FALSE(own_stats.empty());
  EXPECT_EQ(own_stats["scope"], "GM0363");
  EXPECT_EQ(own_stats["actions"]["actions"], 1);
  EXPECT_EQ(own_stats["actions"]["by_outcome"]["resolved_by_tip"], 1);
  EXPECT_DOUBLE_EQ(own_stats["actions"]["share_resolved_by_tip"].get<double>(), 1.0);
  EXPECT_EQ(own_stats["actions"]["by_region"].size(), 1u);
  EXPECT_EQ(own_stats["actions"]["by_region"]["GM0363"]["actions"], 1);
  EXPECT_EQ(own_stats["time_to_message"]["actions"], 0);
  EXPECT_EQ(own_stats["participants"]["by_channel"], json({{"app", 1}, {"sms", 2}, {"voice", 1}}));
  EXPECT_EQ(own_stats["participants"]["by_municipality"], json({{"GM0363", 2}}));
  EXPECT_EQ(own_stats["signups"][month], json({{"signed_up", 2}, {"erased", nullptr}}));

  // A period without this month has none of it.
  const auto last_year = database.scalar(
      "SELECT to_char((now() AT TIME ZONE 'Europe/Amsterdam') - interval '1 year', 'YYYY-MM')");
  const auto before = stats(admin_, "?from=" + last_year + "&to=" + last_year);
  EXPECT_EQ(before["actions"]["actions"], 0);
  EXPECT_EQ(before["actions"]["by_month"].size(), 1u);
  EXPECT_TRUE(before["actions"]["share_resolved"].is_null());
  EXPECT_TRUE(before["time_to_message"]["first_message_s"]["median"].is_null());
}

TEST_F(StatsTest, BadPeriodsAre400sNamingTheFieldAndOtherRolesAreRefused) {
  const std::pair<const char*, const char*> bad[] = {{"?from=2026-13", "from"},       {"?from=2026-1", "from"},
                                                      {"?to=26-01", "to"},             {"?to=2026-01-01", "to"},
                                                      {"?from=2026-05&to=2026-01", "from"}, {"?from=", "from"}};
  for (const auto& [query, field] : bad) {
    const auto r = client(admin_).get(std::string("/v1/stats") + query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.json()["error"]["field"], field) << query << ": " << r.body;
  }
  EXPECT_EQ(client(admin_).get("/v1/stats?from=2025-11&to=2026-02").json()["actions"]["by_month"].size(), 4u);
  EXPECT_EQ(client().get("/v1/stats").status, 403);  // operator
  EXPECT_EQ(client(token("operator", "eenheid", "GM0363")).get("/v1/stats").status, 403);
  EXPECT_EQ(client(token("registrar", "website")).get("/v1/stats").status, 403);
  EXPECT_EQ(HttpClient(daemon_->port()).get("/v1/stats").status, 401);
}

TEST_F(StatsTest, TheCommandLinePrintsTheSameFigures) {
  close(raise(kAmsterdam), "resolved_by_tip");
  std::string out, err;
  ASSERT_EQ(run_ctl(daemon_->config_path(), {"stats", "--json"}, &out, &err), 0) << err;
  const auto printed = json::parse(out);
  EXPECT_EQ(printed["actions"]["by_outcome"]["resolved_by_tip"], 1);
  EXPECT_EQ(printed["actions"], stats(admin_)["actions"]);
  EXPECT_EQ(run_ctl(daemon_->config_path(), {"stats", "--from", "2026-13"}, &out, &err), 2);
  ASSERT_EQ(run_ctl(daemon_->config_path(), {"stats"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("share resolved by tip 1.000"), std::string::npos) << out;
}

TEST_F(StatsTest, MetricsCountClosedActionsPerOutcomeAndTheShareResolvedByTip) {
  close(raise(kAmsterdam), "resolved_by_tip");
  close(raise(kAmsterdam), "unresolved");
  close(raise(kAmsterdam), "cancelled");
  // The figures are read as the daemon starts and then once a minute: a new daemon reads these.
  daemon_->signal(SIGTERM);
  ASSERT_TRUE(daemon_->wait_exit(std::chrono::seconds(10)));
  auto config = daemon_config(database.url(), outbox_);
  config["queue"] = {{"dispatch", false}};
  daemon_ = std::make_unique<DaemonProcess>(config);
  ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
  auto line_of = [](const std::string& text, const std::string& start, const std::string& also) {
    for (std::size_t at = text.find(start); at != std::string::npos; at = text.find(start, at + 1)) {
      const auto line = text.substr(at, text.find('\n', at) - at);
      if ((at == 0 || text[at - 1] == '\n') && line.find(also) != std::string::npos) return line;
    }
    return std::string();
  };
  std::string metrics;
  for (int i = 0; i < 100 && line_of(metrics, "burgernet_actions_share_resolved_by_tip", " ").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    metrics = HttpClient(daemon_->port()).get("/metrics").body;
  }
  const auto tip = line_of(metrics, "burgernet_actions_closed{", "outcome=\"resolved_by_tip\"");
  EXPECT_NE(tip.find("kind=\"urgent\""), std::string::npos) << metrics;
  EXPECT_EQ(tip.substr(tip.rfind(' ') + 1), "1") << tip;
  EXPECT_NE(line_of(metrics, "burgernet_actions_closed{", "outcome=\"cancelled\""), "") << metrics;
  // Of the two decided (the cancelled one is not), one by tip.
  const auto share = line_of(metrics, "burgernet_actions_share_resolved_by_tip ", " ");
  EXPECT_EQ(share.substr(share.rfind(' ') + 1), "0.5") << metrics;
}

}  // namespace
}  // namespace burgernet::testing
