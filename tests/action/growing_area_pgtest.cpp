// Updates follow the first message's rules, and may grow the area (issue 15, item 3): the people
// a new area adds get the action and the update in one message, once; the others the update only.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <thread>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class GrowingAreaTest : public ActionDaemonTest {
 protected:
  int of(const std::string& id, const std::string& where) {
    return std::stoi(
        count("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "' AND (" + where + ")"));
  }
  // Rows of `kind` to `participant`.
  int to(const std::string& id, const std::string& participant, const std::string& kind,
         const std::string& where = "true") {
    return of(id, "participant_id = '" + participant + "' AND kind = '" + kind + "' AND (" + where + ")");
  }
  HttpResult update(const std::string& id, json body, HttpClient c) {
    return c.post("/v1/actions/" + id + "/updates", body);
  }
  HttpResult update(const std::string& id, json body) { return update(id, std::move(body), client()); }
  static json corridor(std::vector<Place> points, double width_m) {
    json line = {{"type", "LineString"}, {"coordinates", json::array()}};
    for (const auto& p : points) line["coordinates"].push_back({p.lon, p.lat});
    return {{"corridor", {{"line", line}, {"width_m", width_m}}}};
  }
  // The lines the file channel `channel` has written so far.
  std::vector<json> outbox(const std::string& channel) {
    std::vector<json> lines;
    std::ifstream in(outbox_ + "/" + channel + ".jsonl");
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
  // Waits until `sql` answers `expected` (the fan-out worker and the senders run on their own).
  bool eventually(const std::string& sql, const std::string& expected, std::chrono::seconds within = 15s) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      if (count(sql) == expected) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
};

TEST_F(GrowingAreaTest, AnUrgentUpdateCallsNobodyInsideTheirQuietHoursAndItsOtherChannelsStillGo) {
  start();
  const auto quiet = add_participant(database, {{offset(centre(), 100, 0), "{voice,sms}"}});
  const auto awake = add_participant(database, {{offset(centre(), 200, 0), "{voice,sms}"}});
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  ASSERT_EQ(to(id, quiet, "action", "channel = 'voice'"), 1);  // called before the quiet hours began
  database.scalar("UPDATE deliveries SET status = 'sent', sent_at = now() WHERE action_id = '" + id + "'");
  database.scalar("UPDATE participant_addresses SET quiet_from = '" + local_hhmm(database, -60) +
                  "', quiet_to = '" + local_hhmm(database, 60) + "' WHERE participant_id = '" + quiet + "'");
  // Someone the update's wider area adds, inside their quiet hours too.
  const auto added = add_participant(database, {{offset(centre(), 1500, 0), "{voice,sms}",
                                                 local_hhmm(database, -60), local_hhmm(database, 60)}});

  const auto r =
      update(id, {{"message", "De man is gezien bij het station."}, {"area", circle(centre(), 2000)}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(to(id, quiet, "update", "channel = 'voice'"), 0);
  EXPECT_EQ(to(id, quiet, "update", "channel = 'sms'"), 1);
  EXPECT_EQ(to(id, awake, "update", "channel = 'voice'"), 1);
  EXPECT_EQ(to(id, awake, "update", "channel = 'sms'"), 1);
  EXPECT_EQ(to(id, added, "action", "channel = 'voice'"), 0);
  EXPECT_EQ(to(id, added, "action", "channel = 'sms' AND run_after <= now()"), 1);
}

TEST_F(GrowingAreaTest, AnAlertsNewPeopleInsideTheirQuietHoursWaitForTheirEnd) {
  start();
  add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
  const auto to_hhmm = local_hhmm(database, 60);
  const auto added =
      add_participant(database, {{offset(centre(), 1500, 0), "{sms}", local_hhmm(database, -60), to_hhmm}});
  const auto id = raise_action(client(), action(circle(centre(), 1000), "alert"));
  ASSERT_EQ(update(id, {{"message", "Ook in Noord."}, {"area", circle(centre(), 2000)}}).status, 201);
  EXPECT_EQ(count("SELECT to_char(run_after AT TIME ZONE 'Europe/Amsterdam', 'HH24:MI') FROM deliveries "
                  "WHERE action_id = '" +
                  id + "' AND participant_id = '" + added + "'"),
            to_hhmm);
}

TEST_F(GrowingAreaTest, AWiderCircleReachesTheNewPeopleOnceWithBothTextsAndTheOthersWithTheUpdateOnly) {
  start(json::object(), /*dispatch=*/true);
  const auto old = add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
  const auto added = add_participant(database, {{offset(centre(), 1500, 0), "{sms}"}});
  const auto newest = add_participant(database, {{offset(centre(), 2500, 0), "{sms}"}});
  const auto far = add_participant(database, {{offset(centre(), 8000, 0), "{sms}"}});
  auto body = action(circle(centre(), 1000));
  body["channels"] = {"sms"};
  const auto id = raise_action(client(), body);
  ASSERT_TRUE(
      eventually("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "' AND status = 'sent'", "1"));

  const std::string first_update = "Gezien bij het station, fiets zonder licht.";
  const auto r = update(id, {{"message", first_update}, {"area", circle(centre(), 2000)}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["recipients"], 1);  // the update alone: the one reached before
  EXPECT_EQ(r.json()["new_recipients"], 1);
  EXPECT_EQ(r.json()["new_by_channel"], json({{"sms", 1}}));
  EXPECT_EQ(r.json()["area_fanout"], "done");
  EXPECT_EQ(to(id, added, "action"), 1);
  EXPECT_EQ(to(id, added, "update"), 0);
  EXPECT_EQ(to(id, old, "update"), 1);
  EXPECT_EQ(to(id, newest, "action"), 0);
  ASSERT_TRUE(
      eventually("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "' AND status = 'sent'", "3"));

  // What people read: one message with both texts for the new one, the update alone for the old.
  int both = 0, update_only = 0, action_only = 0;
  const std::string action_text = body["message"];
  for (const auto& line : outbox("sms")) {
    const std::string text = line["text"];
    const bool has_action = text.find(action_text) != std::string::npos;
    const bool has_update = text.find(first_update) != std::string::npos;
    both += has_action && has_update;
    update_only += !has_action && has_update;
    action_only += has_action && !has_update;
  }
  EXPECT_EQ(both, 1);
  EXPECT_EQ(update_only, 1);
  EXPECT_EQ(action_only, 1);

  // A second, wider circle reaches only the newest; the update goes to everyone reached so far.
  const auto second = update(id, {{"message", "Nu richting de snelweg."}, {"area", circle(centre(), 3000)}});
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.json()["recipients"], 2);
  EXPECT_EQ(second.json()["new_recipients"], 1);
  EXPECT_EQ(to(id, newest, "action"), 1);
  EXPECT_EQ(to(id, added, "action"), 1);
  EXPECT_EQ(to(id, old, "action"), 1);
  EXPECT_EQ(to(id, added, "update"), 1);
  EXPECT_EQ(to(id, far, "action"), 0);

  // The action remembers its areas; the current one is the last.
  const auto got = client().get("/v1/actions/" + id).json();
  ASSERT_EQ(got["areas"].size(), 2u) << got.dump();
  EXPECT_EQ(got["areas"][1]["request"], circle(centre(), 3000));
  EXPECT_EQ(got["areas"][0]["new_recipients"], 1);
  EXPECT_EQ(got["current_area"], got["areas"][1]["area"]);
  EXPECT_EQ(got["current_area"]["type"], "Polygon");
}

TEST_F(GrowingAreaTest, ACorridorFollowsARoadAndADryRunCountsWithoutStoringAnything) {
  start();
  add_participant(database, {{offset(centre(), -300, 0), "{sms}"}});
  const auto on_road =
      add_participant(database, {{offset(centre(), 50, 2000), "{voice,sms,push}"}}, {{std::nullopt}});
  const auto beside = add_participant(database, {{offset(centre(), 400, 2000), "{sms}"}});
  const auto id = raise_action(client(), action(circle(centre(), 500)));
  const auto road = corridor({centre(), offset(centre(), 0, 1500), offset(centre(), 0, 3000)}, 200);

  const auto deliveries = count("SELECT count(*) FROM deliveries");
  const auto dry = update(id, {{"message", "Richting Diemen."}, {"area", road}, {"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.json()["new_recipients"], 1);
  EXPECT_EQ(dry.json()["by_channel"], json({{"voice", 1}, {"sms", 1}, {"push", 1}, {"twitter", 1}}));
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), deliveries);
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE kind = 'update'"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM action_areas"), "0");
  EXPECT_EQ(update(id, {{"message", "x"}, {"dry_run", true}}).json()["error"]["field"], "dry_run");

  const auto r = update(id, {{"message", "Richting Diemen."}, {"area", road}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["new_recipients"], 1);
  EXPECT_EQ(to(id, on_road, "action"), 3);  // voice, sms, push
  EXPECT_EQ(to(id, beside, "action"), 0);
  EXPECT_EQ(of(id, "kind = 'update' AND channel = 'twitter'"), 1);  // one post per update, as before
  EXPECT_EQ(client().get("/v1/actions/" + id).json()["areas"][0]["request"], road);

  // A corridor is an action's area too.
  const auto raised = client().post("/v1/actions", action(road));
  ASSERT_EQ(raised.status, 201) << raised.body;
  EXPECT_EQ(raised.json()["recipients"], 1);
}

TEST_F(GrowingAreaTest, ABadCorridorIsRefusedNamingTheFieldAndNothingIsStored) {
  start();
  const auto id = raise_action(client(), action(circle(centre(), 500)));
  const auto line = [](json coordinates) {
    return json{{"type", "LineString"}, {"coordinates", coordinates}};
  };
  const json a = {centre().lon, centre().lat}, b = {centre().lon + 0.01, centre().lat};
  const std::vector<std::pair<json, std::string>> cases = {
      {{{"corridor", {{"line", line({a, b})}, {"width_m", 10}}}}, "area.corridor.width_m"},
      {{{"corridor", {{"line", line({a, b})}, {"width_m", 50000}}}}, "area.corridor.width_m"},
      {{{"corridor", {{"line", line({a, b})}}}}, "area.corridor.width_m"},
      {{{"corridor", {{"line", line({a})}, {"width_m", 200}}}}, "area.corridor.line.coordinates"},
      {{{"corridor", {{"width_m", 200}}}}, "area.corridor.line"},
      {{{"corridor", {{"line", {{"type", "Polygon"}, {"coordinates", {a, b}}}}, {"width_m", 200}}}},
       "area.corridor.line.type"},
      {{{"corridor", {{"line", line({a, {40.0, 10.0}})}, {"width_m", 200}}}},
       "area.corridor.line.coordinates[1]"},
      {{{"corridor", {{"line", line({a, b})}, {"width_m", 200}, {"speed", 3}}}}, "area.corridor.speed"},
  };
  for (const auto& [area, field] : cases) {
    const auto r = update(id, {{"message", "x"}, {"area", area}});
    EXPECT_EQ(r.status, 400) << area.dump();
    EXPECT_EQ(r.json()["error"]["field"], field) << r.body;
    auto body = action(area);
    const auto raised = client().post("/v1/actions", body);
    EXPECT_EQ(raised.status, 400) << area.dump();
    EXPECT_EQ(raised.json()["error"]["field"], field) << raised.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE kind = 'update'"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "1");
  EXPECT_EQ(count("SELECT count(*) FROM action_areas"), "0");
}

TEST_F(GrowingAreaTest, AMunicipalTokenCannotGrowBeyondItsOwnArea) {
  start();
  database.scalar(
      "INSERT INTO areas (code, name, geom) VALUES ('GM0363', 'Amsterdam', "
      "ST_Multi(ST_Buffer(" +
      sql_point(centre()) + ", 3000))) RETURNING code");
  const auto town = token("municipal", "amsterdam", "GM0363");
  add_participant(database, {{offset(centre(), 1500, 0), "{sms}"}});
  const auto id = raise_action(client(town), action(circle(centre(), 1000), "alert"));
  const auto refused =
      update(id, {{"message", "Verder weg."}, {"area", circle(centre(), 5000)}}, client(town));
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE kind = 'update'"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM action_areas"), "0");
  const auto inside =
      update(id, {{"message", "Iets verder."}, {"area", circle(centre(), 2000)}}, client(town));
  ASSERT_EQ(inside.status, 201) << inside.body;
  EXPECT_EQ(inside.json()["new_recipients"], 1);
  EXPECT_EQ(of(id, "kind = 'action' AND channel = 'voice'"), 0);  // a municipal alert never rings
}

TEST_F(GrowingAreaTest, ALargeNewAreaIsWrittenInChunksEachPersonOnceAndTheCloseReachesThemAll) {
  start({{"fanout_chunk", 50}, {"first_chunk", 50}});
  add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
  // 400 people on a 40 m grid, from 1200 m to 2000 m east of the centre.
  database.scalar(
      "WITH p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
      "  SELECT 'active', '\\x00', convert_to('+3163' || lpad(i::text, 7, '0'), 'UTF8'), now() "
      "  FROM generate_series(0, 399) i RETURNING id, substr(convert_from(phone_lookup, 'UTF8'), 6)::int AS "
      "n) "
      "INSERT INTO participant_addresses (participant_id, position, location, channels) "
      "SELECT id, 0, ST_Translate(" +
      sql_point(centre()) +
      ", 1200 + (n % 20) * 40, (n / 20) * 40 - 400), "
      "'{sms}' FROM p RETURNING 1");
  const auto id = raise_action(client(), action(circle(centre(), 500)));
  const auto r =
      update(id, {{"message", "Het kind is gezien bij het park."}, {"area", circle(centre(), 3000)}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["area_fanout"], "in_progress");
  EXPECT_LT(r.json()["new_recipients"].get<int>(), 400);
  ASSERT_TRUE(eventually("SELECT done FROM action_areas", "t", 30s));
  EXPECT_EQ(count("SELECT recipients FROM action_areas"), "400");
  EXPECT_EQ(count("SELECT count(*) FROM action_area_chunks"), "0");
  EXPECT_EQ(of(id, "kind = 'action' AND appended_message_id IS NOT NULL"), 400);
  EXPECT_EQ(count("SELECT count(DISTINCT participant_id) FROM deliveries WHERE action_id = '" + id +
                  "' AND kind = 'action'"),
            "401");
  EXPECT_EQ(client().get("/v1/actions/" + id).json()["areas"][0]["fanout"], "done");

  // Closing reaches everyone who was sent the action, the new people included.
  database.scalar("UPDATE deliveries SET status = 'sent', sent_at = now() WHERE action_id = '" + id +
                  "' AND channel = 'sms'");
  const auto closed =
      client().post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Gevonden."}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  ASSERT_TRUE(eventually("SELECT count(*) FROM action_jobs", "0", 30s));
  EXPECT_EQ(of(id, "kind = 'closing' AND channel = 'sms'"), 401);
}

TEST_F(GrowingAreaTest,
       ADaemonKilledWhileWritingTheNewPeopleIsResumedByTheNextWithoutDuplicatesToThePreviewsCount) {
  start({{"fanout_chunk", 50}, {"first_chunk", 50}});
  // 2000 people on a 40 m grid east of the centre, from 1200 m on; every third also by voice.
  database.scalar(
      "WITH p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
      "  SELECT 'active', '\\x00', convert_to('+3164' || lpad(i::text, 7, '0'), 'UTF8'), now() "
      "  FROM generate_series(0, 1999) i RETURNING id, substr(convert_from(phone_lookup, 'UTF8'), 6)::int AS "
      "n) "
      "INSERT INTO participant_addresses (participant_id, position, location, channels) "
      "SELECT id, 0, ST_Translate(" +
      sql_point(centre()) +
      ", 1200 + (n % 40) * 40, (n / 40) * 40 - 1000), "
      "CASE WHEN n % 3 = 0 THEN '{voice,sms}'::text[] ELSE '{sms}' END FROM p RETURNING 1");
  const auto id = raise_action(client(), action(circle(centre(), 500)));
  const json grow = {{"message", "Gezien bij de brug."}, {"area", circle(centre(), 4000)}};
  auto dry = grow;
  dry["dry_run"] = true;
  const auto preview = client().post("/v1/actions/" + id + "/updates", dry);
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json()["new_recipients"], 2000);
  const auto r = client().post("/v1/actions/" + id + "/updates", grow);
  ASSERT_EQ(r.status, 201) << r.body;
  const auto wait_until = std::chrono::steady_clock::now() + 10s;
  while (std::stoi(count("SELECT next_chunk FROM action_areas")) < 3 &&
         std::chrono::steady_clock::now() < wait_until)
    std::this_thread::sleep_for(2ms);
  daemon_->signal(SIGKILL);
  ASSERT_TRUE(daemon_->wait_exit(5s).has_value());
  std::cout << "[ growth ] killed after " << count("SELECT next_chunk || ' of ' || chunks FROM action_areas")
            << " chunks\n";

  auto config = daemon_config(database.url(), outbox_);
  config["limits"] = {{"fanout_chunk", 50}, {"first_chunk", 50}};
  DaemonProcess next(config);
  ASSERT_TRUE(next.wait_ready()) << next.log();
  ASSERT_TRUE(eventually("SELECT done FROM action_areas", "t", 30s)) << next.log();
  EXPECT_EQ(count("SELECT count(*) - count(DISTINCT (participant_id, channel, device_id)) FROM deliveries "
                  "WHERE action_id = '" +
                  id + "' AND kind = 'action'"),
            "0");
  EXPECT_EQ(count("SELECT recipients FROM action_areas"), "2000");
  const auto by_channel = preview.json()["by_channel"];
  for (const auto& [channel, n] : by_channel.items()) {
    if (channel == "twitter") continue;  // the update's one post, not a new person's
    EXPECT_EQ(of(id, "kind = 'action' AND appended_message_id IS NOT NULL AND channel = '" + channel + "'"),
              n.get<int>())
        << channel;
  }
}

}  // namespace
}  // namespace burgernet::testing
