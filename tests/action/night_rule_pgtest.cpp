// The night rule (SPEC "Selection rules", issue 15): alerts never go out between
// alerts.night_from and alerts.night_to (Europe/Amsterdam) on any channel; an alert raised at
// night waits for the morning, one scheduled into the night is refused. And a municipal alert
// never rings anyone. The test sets a night around its own now, whatever the hour it runs at.
#include <gtest/gtest.h>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

class NightRuleTest : public ActionDaemonTest {
 protected:
  // A daemon whose night runs from `from_minutes` to `to_minutes` after now (local time).
  void start_with_night(int from_minutes, int to_minutes) {
    auto config = daemon_config(database.url(), outbox_);
    config["alerts"] = {{"night_from", local_hhmm(database, from_minutes)},
                        {"night_to", local_hhmm(database, to_minutes)}};
    config["queue"] = {{"dispatch", false}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_token_ = token("operator", "op");
    // One participant with a phone on an address in the area, voice and sms chosen.
    add_participant(database, {{centre()}});
  }
  // Seconds from now until the earliest run_after of the action's rows (by `where`).
  double wait_s(const std::string& id, const std::string& where = "true") {
    return std::stod(count("SELECT coalesce(extract(epoch FROM min(run_after) - now()), -1) FROM deliveries "
                           "WHERE action_id = '" + id + "' AND (" + where + ")"));
  }
};

TEST_F(NightRuleTest, AnAlertRaisedAtNightWaitsForTheMorningOnEveryChannelSocialPostsIncluded) {
  // Night began 60 minutes ago and ends in 90.
  start_with_night(-60, 90);
  auto response = client().post("/v1/actions", action(circle(centre(), 500), "alert"));
  ASSERT_EQ(response.status, 201) << response.body;
  const auto id = response.json()["id"].get<std::string>();
  ASSERT_GT(rows(id), 0);
  // Every row, the twitter post too, waits until the night's end (89-90 minutes from now).
  EXPECT_GT(wait_s(id), 88 * 60) << "an alert row may go out at night";
  EXPECT_GT(wait_s(id, "channel = 'twitter'"), 88 * 60) << "the social post goes out at night";
  EXPECT_LE(wait_s(id), 90 * 60 + 5);
  // The answer says when it will go out.
  const auto send_at = count("SELECT extract(epoch FROM '" + response.json()["send_at"].get<std::string>() +
                             "'::timestamptz - now())");
  EXPECT_GT(std::stod(send_at), 88 * 60) << response.body;

  // An urgent action at the same moment goes out at once: the rule is for alerts.
  const auto urgent = raise_action(client(), action(circle(centre(), 500), "urgent"));
  EXPECT_LT(wait_s(urgent), 5);

  // An update of the alert, written at night, waits for the morning too.
  const auto update = client().post("/v1/actions/" + id + "/updates", json{{"message", "Nog steeds gezocht."}});
  ASSERT_EQ(update.status, 201) << update.body;
  EXPECT_GT(std::stod(count("SELECT coalesce(extract(epoch FROM min(run_after) - now()), -1) FROM deliveries "
                            "WHERE action_id = '" + id + "' AND kind = 'update'")),
            88 * 60);
}

TEST_F(NightRuleTest, ASendAtAtNightIs400NamingTheFieldAndChangesNothing) {
  // Night from 2 to 4 hours from now: now is day, a send_at in 3 hours falls in the night.
  start_with_night(120, 240);
  auto body = action(circle(centre(), 500), "alert");
  body["send_at"] = count("SELECT to_char(now() + interval '3 hours', 'YYYY-MM-DD\"T\"HH24:MI:SSOF') || ':00'");
  const auto refused = client().post("/v1/actions", body);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.json()["error"]["field"], "send_at") << refused.body;
  EXPECT_NE(refused.body.find("night"), std::string::npos) << refused.body;
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "0");

  // By day the same alert, sent now, goes out at once; scheduled after the night, it is taken.
  body.erase("send_at");
  const auto now = raise_action(client(), body);
  EXPECT_LT(wait_s(now), 5);
  body["send_at"] = count("SELECT to_char(now() + interval '5 hours', 'YYYY-MM-DD\"T\"HH24:MI:SSOF') || ':00'");
  EXPECT_EQ(client().post("/v1/actions", body).status, 201);
}

TEST_F(NightRuleTest, AMunicipalAlertNeverRingsAnyone) {
  start_with_night(120, 240);  // day
  database.scalar("INSERT INTO areas (code, name, geom) VALUES ('GM0363', 'Amsterdam', "
                "ST_Multi(ST_Buffer(" + sql_point(centre()) + ", 3000))) RETURNING code");
  const auto town = token("municipal", "amsterdam", "GM0363");
  // Naming voice is refused, naming the field.
  auto body = action({{"municipality", "GM0363"}}, "alert");
  body["channels"] = {"voice", "sms"};
  const auto refused = client(town).post("/v1/actions", body);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.json()["error"]["field"], "channels") << refused.body;
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "0");
  // By default every channel but the calling one: an sms, no call.
  body.erase("channels");
  const auto id = raise_action(client(town), body);
  EXPECT_GT(rows(id, "channel = 'sms'"), 0);
  EXPECT_EQ(rows(id, "channel = 'voice'"), 0);
  // An operator's urgent action in the same place still calls.
  const auto urgent = raise_action(client(), action(circle(centre(), 500), "urgent"));
  EXPECT_GT(rows(urgent, "channel = 'voice'"), 0);
}

}  // namespace
}  // namespace burgernet::testing
