// The selection rules of SPEC.md over HTTP against the real daemon: who gets an action, by
// which channels, when, and what a preview or a confirmation does.
#include <gtest/gtest.h>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

class SelectionTest : public ActionDaemonTest {
 protected:
  void SetUp() override { start(); }
  int of(const std::string& id, const std::string& participant, const std::string& channel = {}) {
    return rows(id, "participant_id = '" + participant + "'" +
                        (channel.empty() ? "" : " AND channel = '" + channel + "'"));
  }
};

TEST_F(SelectionTest, ACircleSelectsTheAddressesInsideItOnly) {
  const auto inside = add_participant(database, {{offset(centre(), 400, 300)}});
  const auto outside = add_participant(database, {{offset(centre(), 1500, 0)}});
  const auto r = client().post("/v1/actions", action(circle(centre(), 1000)));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = r.json()["id"].get<std::string>();
  EXPECT_EQ(r.json()["recipients"], 1);
  EXPECT_EQ(r.json()["status"], "active");
  EXPECT_EQ(r.json()["by_channel"], json({{"voice", 1}, {"sms", 1}, {"twitter", 1}}));
  EXPECT_EQ(of(id, inside, "voice"), 1);
  EXPECT_EQ(of(id, inside, "sms"), 1);
  EXPECT_EQ(of(id, inside, "push"), 0);
  EXPECT_EQ(of(id, outside), 0);
  // Every row: urgent priority, the action's expiry, the channel's attempts, queued now.
  EXPECT_EQ(
      count("SELECT count(*) FROM deliveries d JOIN actions a ON a.id = d.action_id WHERE d.priority = 0 AND "
            "d.expires_at = a.expires_at AND d.max_attempts = 5 AND d.status = 'queued' AND "
            "d.run_after <= now()"),
      "3");
  EXPECT_EQ(count("SELECT recipients FROM actions WHERE id = '" + id + "'"), "1");
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE action_id = '" + id + "' AND kind = 'action'"),
            "1");
}

TEST_F(SelectionTest, BroadcastChannelsGetExactlyOneRowWithoutAParticipant) {
  for (int i = 0; i < 5; ++i) add_participant(database, {{offset(centre(), 100 * i, 0)}});
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  EXPECT_EQ(rows(id, "channel = 'twitter'"), 1);
  EXPECT_EQ(rows(id, "channel = 'twitter' AND participant_id IS NULL AND device_id IS NULL"), 1);
  EXPECT_EQ(rows(id, "channel = 'sms'"), 5);
}

TEST_F(SelectionTest, APolygonSelectsTheAddressesInsideIt) {
  const auto sw = offset(centre(), -1000, -1000), ne = offset(centre(), 1000, 1000);
  const json polygon = {
      {"type", "Polygon"},
      {"coordinates",
       {{{sw.lon, sw.lat}, {ne.lon, sw.lat}, {ne.lon, ne.lat}, {sw.lon, ne.lat}, {sw.lon, sw.lat}}}}};
  const auto inside = add_participant(database, {{offset(centre(), 600, -700), "{sms}"}});
  const auto outside = add_participant(database, {{offset(centre(), 1600, 0), "{sms}"}});
  const auto id = raise_action(client(), action({{"polygon", polygon}}));
  EXPECT_EQ(of(id, inside, "sms"), 1);
  EXPECT_EQ(of(id, outside), 0);
  // The area reads back as GeoJSON in WGS84.
  const auto got = client().get("/v1/actions/" + id).json();
  EXPECT_EQ(got["area"]["type"], "Polygon");
  EXPECT_NEAR(got["area"]["coordinates"][0][0][0].get<double>(), sw.lon, 1e-5);
}

TEST_F(SelectionTest, AMunicipalityAreaComesFromTheAreasTable) {
  const auto sw = offset(centre(), -2000, -2000), ne = offset(centre(), 2000, 2000);
  char sql[400];
  std::snprintf(sql, sizeof sql,
                "INSERT INTO areas (code, name, geom) VALUES ('GM0363', 'Amsterdam', "
                "ST_Multi(ST_Transform(ST_MakeEnvelope(%.9f, %.9f, %.9f, %.9f, 4326), 28992)))",
                sw.lon, sw.lat, ne.lon, ne.lat);
  database.scalar(sql);
  const auto inside = add_participant(database, {{offset(centre(), 1500, 1500), "{sms}"}});
  const auto outside = add_participant(database, {{offset(centre(), 2600, 0), "{sms}"}});
  const auto id = raise_action(client(), action({{"municipality", "GM0363"}}, "alert"));
  EXPECT_EQ(of(id, inside, "sms"), 1);
  EXPECT_EQ(of(id, outside), 0);
  EXPECT_EQ(rows(id, "priority = 1"), 2);  // an alert: sms and the tweet
}

TEST_F(SelectionTest, SeveralMatchingAddressesMakeOneRecipientWithTheChannelsOfEach) {
  const auto person =
      add_participant(database,
                      {{offset(centre(), 100, 0), "{sms}"},
                       {offset(centre(), -200, 0), "{push}"},
                       {offset(centre(), 5000, 0), "{voice}"}},
                      {{std::nullopt}, {offset(centre(), 9000, 0)}, {std::nullopt, 60, /*disabled=*/true}});
  const auto r = client().post("/v1/actions", action(circle(centre(), 1000)));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = r.json()["id"].get<std::string>();
  EXPECT_EQ(r.json()["recipients"], 1);
  EXPECT_EQ(of(id, person, "sms"), 1);
  // push to every device that is not disabled, wherever it is; one row per device.
  EXPECT_EQ(of(id, person, "push"), 2);
  EXPECT_EQ(rows(id, "channel = 'push' AND device_id IS NOT NULL"), 2);
  EXPECT_EQ(of(id, person, "voice"), 0);  // the address that chose voice is outside the area
}

TEST_F(SelectionTest, AFreshDeviceLocationAloneGetsPushToTheDevicesInTheArea) {
  const auto located = add_participant(database, {{offset(centre(), 8000, 0), "{voice,sms,push}"}},
                                       {{offset(centre(), 200, 0)}, {offset(centre(), 7000, 0)}});
  const auto stale =
      add_participant(database, {{offset(centre(), 8000, 0)}}, {{offset(centre(), 200, 0), 3 * 3600}});
  const auto disabled =
      add_participant(database, {{offset(centre(), 8000, 0)}}, {{offset(centre(), 200, 0), 60, true}});
  const auto pending = add_participant(database, {{offset(centre(), 100, 0)}}, {{offset(centre(), 100, 0)}},
                                       "pending_verification");
  const auto r = client().post("/v1/actions", action(circle(centre(), 1000)));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = r.json()["id"].get<std::string>();
  EXPECT_EQ(r.json()["recipients"], 1);
  EXPECT_EQ(of(id, located), 1);
  EXPECT_EQ(of(id, located, "push"), 1);
  EXPECT_EQ(
      count("SELECT count(*) FROM deliveries d JOIN devices v ON v.id = d.device_id WHERE d.action_id = '" +
            id + "' AND ST_DWithin(v.location, " + sql_point(centre()) + ", 1000)"),
      "1");
  EXPECT_EQ(of(id, stale), 0);
  EXPECT_EQ(of(id, disabled), 0);
  EXPECT_EQ(of(id, pending), 0);
}

TEST_F(SelectionTest, UrgentActionsCallNobodyInsideQuietHoursButSendTheRest) {
  const auto quiet_from = local_hhmm(database, -60), quiet_to = local_hhmm(database, 60);
  const auto later_from = local_hhmm(database, 60), later_to = local_hhmm(database, 120);
  const auto sleeping =
      add_participant(database, {{offset(centre(), 100, 0), "{voice,sms}", quiet_from, quiet_to}});
  const auto awake =
      add_participant(database, {{offset(centre(), 200, 0), "{voice,sms}", later_from, later_to}});
  // Quiet at home, not at work: any matching address that allows the call is enough.
  const auto two_places = add_participant(
      database,
      {{offset(centre(), 300, 0), "{voice}", quiet_from, quiet_to}, {offset(centre(), -300, 0), "{voice}"}});
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  EXPECT_EQ(of(id, sleeping, "voice"), 0);
  EXPECT_EQ(of(id, sleeping, "sms"), 1);
  EXPECT_EQ(of(id, awake, "voice"), 1);
  EXPECT_EQ(of(id, awake, "sms"), 1);
  EXPECT_EQ(of(id, two_places, "voice"), 1);
  EXPECT_EQ(rows(id, "run_after > now()"), 0);
}

TEST_F(SelectionTest, AlertsWaitUntilQuietHoursEndIncludingWindowsAcrossMidnight) {
  // The local wall-clock moment `minutes` from now, as the run_after of a delivery reads.
  // Computed by the database, so the test holds at any hour, also just after midnight.
  auto local_at = [&](int minutes) {
    return database.scalar("SELECT to_char((now() AT TIME ZONE 'Europe/Amsterdam') + interval '" +
                           std::to_string(minutes) + " minutes', 'YYYY-MM-DD HH24:MI')");
  };
  auto local_run_after = [&](const std::string& id, const std::string& participant) {
    return database.scalar(
        "SELECT to_char(min(run_after) AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM-DD HH24:MI') "
        "FROM deliveries WHERE action_id = '" +
        id + "' AND participant_id = '" + participant + "'");
  };
  const auto m60 = local_hhmm(database, -60), p60 = local_hhmm(database, 60),
             m120 = local_hhmm(database, -120), p120 = local_hhmm(database, 120);
  // An ordinary window around now: waits until it ends, in an hour.
  const auto plain = add_participant(database, {{offset(centre(), 100, 0), "{sms}", m60, p60}});
  // A window from an hour ago until two hours ago on the clock is 23 hours long: it ends
  // at that clock time tomorrow, 22 hours from now.
  const auto evening = add_participant(database, {{offset(centre(), 200, 0), "{sms}", m60, m120}});
  // A window from two hours ahead until one hour ahead: now is inside it, so it ends in an hour.
  const auto morning = add_participant(database, {{offset(centre(), 300, 0), "{sms}", p120, p60}});
  const auto outside_window = add_participant(database, {{offset(centre(), 400, 0), "{sms}", p60, m60}});
  // Two addresses quiet until +60 and +120 minutes: the earliest allowed moment wins.
  const auto two = add_participant(database, {{offset(centre(), 500, 0), "{sms}", m60, p60},
                                              {offset(centre(), -500, 0), "{sms}", m60, p120}});
  const auto id = raise_action(client(), action(circle(centre(), 1000), "alert"));
  EXPECT_EQ(local_run_after(id, plain), local_at(60));
  EXPECT_EQ(local_run_after(id, evening), local_at(22 * 60));
  EXPECT_EQ(local_run_after(id, morning), local_at(60));
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "' AND participant_id = '" +
                  outside_window + "' AND run_after <= now()"),
            "1");
  EXPECT_EQ(local_run_after(id, two), local_at(60));
  EXPECT_EQ(of(id, two), 1);
  EXPECT_EQ(rows(id, "priority = 1"), rows(id));
}

TEST_F(SelectionTest, ScheduledAlertsStartAtSendAtAndQuietHoursEndInTheRightOffsetAcrossDst) {
  const auto night = add_participant(
      database, {{offset(centre(), 100, 0), "{sms}", std::string("23:00"), std::string("07:00")}});
  const auto anytime = add_participant(database, {{offset(centre(), 200, 0), "{sms}"}});
  auto body = action(circle(centre(), 1000), "alert");
  // The night the clocks go forward (2027-03-28, 02:00 CET becomes 03:00 CEST): 07:00 that
  // morning is 05:00 UTC, not 06:00.
  body["send_at"] = "2027-03-27T23:30:00+01:00";
  auto id = raise_action(client(), body);
  EXPECT_EQ(count("SELECT run_after = '2027-03-28 05:00:00+00' FROM deliveries WHERE action_id = '" + id +
                  "' AND participant_id = '" + night + "'"),
            "t");
  EXPECT_EQ(count("SELECT run_after = '2027-03-27 22:30:00+00' FROM deliveries WHERE action_id = '" + id +
                  "' AND participant_id = '" + anytime + "'"),
            "t");
  // And back (2027-10-31, 03:00 CEST becomes 02:00 CET): 07:00 is 06:00 UTC.
  body["send_at"] = "2027-10-30T23:30:00+02:00";
  id = raise_action(client(), body);
  EXPECT_EQ(count("SELECT run_after = '2027-10-31 06:00:00+00' FROM deliveries WHERE action_id = '" + id +
                  "' AND participant_id = '" + night + "'"),
            "t");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                  "' AND run_after < '2027-10-30 21:30:00+00'"),
            "0");
}

TEST_F(SelectionTest, ChannelsLimitWhatIsSent) {
  const auto person =
      add_participant(database, {{offset(centre(), 100, 0), "{voice,sms,push}"}}, {{std::nullopt}});
  auto body = action(circle(centre(), 1000));
  body["channels"] = {"sms", "push"};
  const auto id = raise_action(client(), body);
  EXPECT_EQ(of(id, person, "sms"), 1);
  EXPECT_EQ(of(id, person, "push"), 1);
  EXPECT_EQ(of(id, person, "voice"), 0);
  EXPECT_EQ(rows(id, "channel = 'twitter'"), 0);
}

TEST_F(SelectionTest, ADryRunCountsTheSameAndStoresNothing) {
  for (int i = 0; i < 4; ++i)
    add_participant(database, {{offset(centre(), 100 * i, 0), "{voice,sms,push}"}}, {{std::nullopt}});
  add_participant(database, {{offset(centre(), 5000, 0)}}, {{offset(centre(), 50, 50)}});
  auto body = action(circle(centre(), 1000));
  body["dry_run"] = true;
  const auto preview = client().post("/v1/actions", body);
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json()["recipients"], 5);
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM action_messages"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "0");
  body.erase("dry_run");
  const auto real = client().post("/v1/actions", body);
  ASSERT_EQ(real.status, 201) << real.body;
  EXPECT_EQ(real.json()["recipients"], preview.json()["recipients"]);
  EXPECT_EQ(real.json()["by_channel"], preview.json()["by_channel"]);
  EXPECT_EQ(preview.json()["by_channel"], json({{"voice", 4}, {"sms", 4}, {"push", 5}, {"twitter", 1}}));
}

class ConfirmationTest : public ActionDaemonTest {
 protected:
  void SetUp() override { start({{"confirm_above", 2}}); }
};

TEST_F(ConfirmationTest, MoreRecipientsThanTheLimitNeedAConfirmedCount) {
  for (int i = 0; i < 3; ++i) add_participant(database, {{offset(centre(), 100 * i, 0)}});
  auto body = action(circle(centre(), 1000));
  body["dry_run"] = true;
  auto r = client().post("/v1/actions", body);
  EXPECT_EQ(r.status, 200) << "a preview needs no confirmation: " << r.body;
  body.erase("dry_run");
  r = client().post("/v1/actions", body);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.error_code(), "confirmation_required");
  EXPECT_EQ(r.json()["error"]["recipients"], 3);
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("3"), std::string::npos);
  body["confirm_recipients"] = 2;
  EXPECT_EQ(client().post("/v1/actions", body).status, 409);
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "0");
  body["confirm_recipients"] = 3;
  r = client().post("/v1/actions", body);
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["recipients"], 3);
}

TEST_F(SelectionTest, BadInputIsA400NamingTheFieldAndStoresNothing) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  const auto sw = offset(centre(), -1000, -1000), ne = offset(centre(), 1000, 1000);
  const json bowtie = {
      {"type", "Polygon"},
      {"coordinates",
       {{{sw.lon, sw.lat}, {ne.lon, ne.lat}, {ne.lon, sw.lat}, {sw.lon, ne.lat}, {sw.lon, sw.lat}}}}};
  const json open_ring = {
      {"type", "Polygon"},
      {"coordinates", {{{sw.lon, sw.lat}, {ne.lon, sw.lat}, {ne.lon, ne.lat}, {sw.lon, ne.lat}}}}};
  const json abroad = {{"type", "Polygon"},
                       {"coordinates", {{{sw.lon, sw.lat}, {9.0, sw.lat}, {9.0, ne.lat}, {sw.lon, sw.lat}}}}};
  struct Case {
    std::string name;
    std::function<void(json&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"missing kind", [](json& b) { b.erase("kind"); }, "kind"},
      {"unknown kind", [](json& b) { b["kind"] = "panic"; }, "kind"},
      {"unknown category", [](json& b) { b["category"] = "jaywalking"; }, "category"},
      {"empty title", [](json& b) { b["title"] = "  "; }, "title"},
      {"message too long", [](json& b) { b["message"] = std::string(1001, 'x'); }, "message"},
      {"message not a string", [](json& b) { b["message"] = 42; }, "message"},
      {"radius too small", [](json& b) { b["area"]["circle"]["radius_m"] = 10; }, "area.circle.radius_m"},
      {"radius too large", [](json& b) { b["area"]["circle"]["radius_m"] = 50000; }, "area.circle.radius_m"},
      {"centre abroad", [](json& b) { b["area"]["circle"]["lat"] = 48.85; }, "area.circle.lat"},
      {"lon not a number", [](json& b) { b["area"]["circle"]["lon"] = "4.9"; }, "area.circle.lon"},
      {"unknown area field", [](json& b) { b["area"]["circle"]["radius"] = 5; }, "area.circle.radius"},
      {"two area forms", [](json& b) { b["area"]["municipality"] = "GM0363"; }, "area"},
      {"unknown municipality",
       [](json& b) {
         b["area"] = {{"municipality", "GM9999"}};
       },
       "area.municipality"},
      {"self-intersecting polygon",
       [&](json& b) {
         b["area"] = {{"polygon", bowtie}};
       },
       "area.polygon"},
      {"open ring",
       [&](json& b) {
         b["area"] = {{"polygon", open_ring}};
       },
       "area.polygon.coordinates[0]"},
      {"polygon point abroad",
       [&](json& b) {
         b["area"] = {{"polygon", abroad}};
       },
       "area.polygon.coordinates[0][1]"},
      {"unconfigured channel",
       [](json& b) {
         b["channels"] = {"sms", "pigeon"};
       },
       "channels"},
      {"empty channels", [](json& b) { b["channels"] = json::array(); }, "channels"},
      {"send_at on an urgent action", [](json& b) { b["send_at"] = "2030-01-01T10:00:00+01:00"; }, "send_at"},
      {"send_at without offset",
       [](json& b) {
         b["kind"] = "alert";
         b["send_at"] = "2030-01-01T10:00:00";
       },
       "send_at"},
      {"send_at not a date",
       [](json& b) {
         b["kind"] = "alert";
         b["send_at"] = "2030-02-30T10:00:00Z";
       },
       "send_at"},
      {"expires_in_s too small", [](json& b) { b["expires_in_s"] = 5; }, "expires_in_s"},
      {"dry_run not a boolean", [](json& b) { b["dry_run"] = "yes"; }, "dry_run"},
      {"negative confirm_recipients", [](json& b) { b["confirm_recipients"] = -1; }, "confirm_recipients"},
      {"unknown field", [](json& b) { b["priority"] = "high"; }, "priority"},
  };
  auto c = client();
  for (const auto& test : cases) {
    auto body = action(circle(centre(), 1000));
    test.change(body);
    const auto r = c.post("/v1/actions", body);
    EXPECT_EQ(r.status, 400) << test.name << ": " << r.body;
    EXPECT_EQ(r.error_code(), "invalid_request") << test.name;
    EXPECT_EQ(r.json()["error"].value("field", ""), test.field) << test.name << ": " << r.body;
    EXPECT_EQ(r.body.find("52.3"), std::string::npos) << "no coordinates in errors: " << r.body;
  }
  EXPECT_EQ(c.request(boost::beast::http::verb::post, "/v1/actions", "{not json").status, 400);
  EXPECT_EQ(c.request(boost::beast::http::verb::post, "/v1/actions", "[1,2]").status, 400);
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM action_messages"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "0");
}

TEST_F(SelectionTest, MunicipalTokensSendAlertsInsideTheirAreaOnlyAndSeeOnlyTheirs) {
  const auto sw = offset(centre(), -2000, -2000), ne = offset(centre(), 2000, 2000);
  char sql[400];
  std::snprintf(sql, sizeof sql,
                "INSERT INTO areas (code, name, geom) VALUES ('GM0363', 'Amsterdam', "
                "ST_Multi(ST_Transform(ST_MakeEnvelope(%.9f, %.9f, %.9f, %.9f, 4326), 28992)))",
                sw.lon, sw.lat, ne.lon, ne.lat);
  database.scalar(sql);
  add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
  const auto municipal = token("municipal", "gemeente", "GM0363");
  auto m = client(municipal);
  EXPECT_EQ(m.post("/v1/actions", action(circle(centre(), 1000), "urgent")).status, 403);
  EXPECT_EQ(m.post("/v1/actions", action(circle(offset(centre(), 5000, 0), 1000), "alert")).status, 403);
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "0");
  const auto own = m.post("/v1/actions", action(circle(centre(), 1000), "alert"));
  ASSERT_EQ(own.status, 201) << own.body;
  const auto police = client().post("/v1/actions", action(circle(centre(), 1000)));
  ASSERT_EQ(police.status, 201);
  const auto police_id = police.json()["id"].get<std::string>();
  EXPECT_EQ(m.get("/v1/actions/" + police_id).status, 404);
  EXPECT_EQ(m.post("/v1/actions/" + police_id + "/close", {{"outcome", "resolved"}, {"message", "x"}}).status,
            404);
  EXPECT_EQ(m.get("/v1/actions/" + own.json()["id"].get<std::string>()).status, 200);
  const auto list = m.get("/v1/actions").json();
  ASSERT_EQ(list["actions"].size(), 1u);
  EXPECT_EQ(list["actions"][0]["id"], own.json()["id"]);
  EXPECT_EQ(client().get("/v1/actions").json()["actions"].size(), 2u);
  // A registrar may not raise actions.
  EXPECT_EQ(client(token("registrar", "site")).post("/v1/actions", action(circle(centre(), 1000))).status,
            403);
}

TEST_F(SelectionTest, GetShowsTheActionWithDeliveryCountsPerChannelAndStatus) {
  const auto a = add_participant(database, {{offset(centre(), 100, 0), "{voice,sms}"}});
  add_participant(database, {{offset(centre(), 200, 0), "{sms}"}});
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  database.scalar("UPDATE deliveries SET status = 'sent', sent_at = now() WHERE participant_id = '" + a +
                  "' AND channel = 'sms'");
  const auto r = client().get("/v1/actions/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto got = r.json();
  EXPECT_EQ(got["id"], id);
  EXPECT_EQ(got["kind"], "urgent");
  EXPECT_EQ(got["category"], "burglary");
  EXPECT_EQ(got["title"], "Inbraak");
  EXPECT_EQ(got["status"], "active");
  EXPECT_TRUE(got["outcome"].is_null());
  EXPECT_EQ(got["recipients"], 2);
  EXPECT_EQ(got["channels"], json({"push", "sms", "twitter", "voice"}));
  EXPECT_EQ(got["area"]["type"], "Polygon");
  EXPECT_EQ(got["deliveries"], json({{"sms", {{"queued", 1}, {"sent", 1}}},
                                     {"voice", {{"queued", 1}}},
                                     {"twitter", {{"queued", 1}}}}));
  EXPECT_TRUE(got["created_at"].is_string());
  EXPECT_TRUE(got["expires_at"].is_string());
  EXPECT_EQ(client().get("/v1/actions/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_EQ(client().get("/v1/actions/not-a-uuid").status, 404);
  EXPECT_EQ(client().get("/v1/actions/'%20OR%201=1").status, 404);
}

TEST_F(SelectionTest, TheListIsNewestFirstWithCursorPagingAndAStatusFilter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(raise_action(client(), action(circle(centre(), 1000))));
  ASSERT_EQ(client()
                .post("/v1/actions/" + ids[1] + "/close", {{"outcome", "resolved"}, {"message", "Opgelost."}})
                .status,
            200);
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const auto r = client().get("/v1/actions?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto page = r.json();
    for (const auto& a : page["actions"]) seen.push_back(a["id"]);
    cursor = page["next_cursor"].is_null() ? "" : page["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
  const auto closed = client().get("/v1/actions?status=closed").json()["actions"];
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0]["id"], ids[1]);
  EXPECT_EQ(closed[0]["outcome"], "resolved");
  EXPECT_EQ(client().get("/v1/actions?status=active").json()["actions"].size(), 4u);
  EXPECT_EQ(client().get("/v1/actions?status=bogus").status, 400);
  EXPECT_EQ(client().get("/v1/actions?limit=500").status, 400);
  EXPECT_EQ(client().get("/v1/actions?cursor=zz").status, 400);
  EXPECT_EQ(client().get("/v1/actions?cursor=" + std::string("41") + "7c" + "41").status, 400);
}

}  // namespace
}  // namespace burgernet::testing
