// The device-matching push mode (issue 16) end to end through the daemon and the fake FCM: the
// topics the app is told for a point, one topic send per covered cell (or the municipality's),
// the exact area in the data payload, a national action in hundreds of sends, failed and stalled
// topic sends sent again, and nothing of a device's place anywhere in the database afterwards
// (pg_dump). The fake answers in 200-500 ms, as FCM does.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "action/population.hpp"
#include "support/fake_provider.hpp"
#include "support/service_account.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;

namespace {

class DeviceMatching : public DatabaseTest {
 protected:
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log ---\n" << daemon_->log() << "---\n";
  }
  // `server_push_too`: a second push channel in today's server matching, side by side.
  void start(bool server_push_too = false, int concurrency = 32) {
    test_service_account().write(secrets_ + "/service_account.json", provider_.url("/token"));
    provider_.serve("/token", FakeAnswer::ok(R"({"access_token":"ya29.topics","expires_in":3599})"));
    provider_.latency(200ms, 500ms);  // as FCM answers; a test may make it fail as well
    auto config = daemon_config(database.url(), outbox_);
    config["channels"].erase("push");
    config["channels"]["app_cells"] = {{"driver", "fcm"},
                                       {"matching", "device"},
                                       {"base_url", provider_.url()},
                                       {"service_account_file", secrets_ + "/service_account.json"},
                                       {"ca_file", provider_.ca_file()},
                                       {"concurrency", concurrency},
                                       {"timeout_ms", 2000}};
    if (server_push_too) config["channels"]["push"] = {{"driver", "file"}, {"path", outbox_ + "/push.jsonl"}};
    config["queue"] = {{"poll_ms", 200}, {"retry_base_ms", 200}, {"retry_max_ms", 2000}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_ = token("operator");
    registrar_ = token("registrar");
  }
  std::string token(const std::string& role) {
    std::string out, err;
    EXPECT_EQ(
        run_ctl(daemon_->config_path(), {"token", "create", "--role", role, "--name", role}, &out, &err), 0)
        << err;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  static nlohmann::json action(nlohmann::json area) {
    return {{"kind", "urgent"},          {"category", "missing_person"},
            {"title", "Vermist kind"},   {"message", "Jongen van 8, rode jas."},
            {"channels", {"app_cells"}}, {"area", std::move(area)}};
  }
  // An AMBER Alert over the Netherlands, roughly (a polygon of 17 corners).
  static nlohmann::json national_amber() {
    const nlohmann::json country = {{"type", "Polygon"},
                                    {"coordinates",
                                     {{{3.4, 51.4},
                                       {4.2, 51.35},
                                       {5.0, 51.45},
                                       {5.85, 51.15},
                                       {5.7, 50.76},
                                       {6.1, 50.8},
                                       {6.2, 51.35},
                                       {6.0, 51.85},
                                       {6.8, 51.95},
                                       {7.05, 52.25},
                                       {7.05, 52.65},
                                       {7.2, 53.2},
                                       {6.9, 53.45},
                                       {5.5, 53.45},
                                       {4.7, 53.1},
                                       {4.55, 52.45},
                                       {4.0, 51.95},
                                       {3.4, 51.4}}}}};
    auto amber = action({{"polygon", country}});
    amber["category"] = "amber_alert";
    return amber;
  }
  static nlohmann::json circle(double radius_m) {
    return {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", radius_m}}}};
  }
  // The topics of the requests the fake received, and each request's message.
  std::vector<nlohmann::json> sent_messages() {
    std::vector<nlohmann::json> out;
    for (const auto& r : provider_.requests()) out.push_back(nlohmann::json::parse(r.body).at("message"));
    return out;
  }
  static std::set<std::string> topics_of(const std::vector<nlohmann::json>& messages,
                                         const std::string& kind) {
    std::set<std::string> out;
    for (const auto& m : messages) {
      if (m.at("data").at("kind") == kind) out.insert(m.at("topic").get<std::string>());
    }
    return out;
  }
  // The 10 km cells (RD New) a circle around Dam square touches, counted here by hand: the cells
  // whose square lies within radius of the centre.
  std::set<std::string> cells_within(double radius_m) {
    const auto xy =
        database.scalar("SELECT ST_X(p) || ' ' || ST_Y(p) FROM (SELECT " + sql_point(centre()) + " AS p) q");
    double x = 0, y = 0;
    std::sscanf(xy.c_str(), "%lf %lf", &x, &y);
    std::set<std::string> out;
    for (int cx = static_cast<int>((x - radius_m) / 10000); cx <= static_cast<int>((x + radius_m) / 10000);
         ++cx) {
      for (int cy = static_cast<int>((y - radius_m) / 10000); cy <= static_cast<int>((y + radius_m) / 10000);
           ++cy) {
        const double dx = std::max({cx * 10000.0 - x, 0.0, x - (cx * 10000.0 + 10000)});
        const double dy = std::max({cy * 10000.0 - y, 0.0, y - (cy * 10000.0 + 10000)});
        if (dx * dx + dy * dy <= radius_m * radius_m)
          out.insert("bn-rd10-" + std::to_string(cx) + "-" + std::to_string(cy));
      }
    }
    return out;
  }

  std::string outbox_ = make_temp_dir("fcm-topics-outbox-");
  std::string secrets_ = make_temp_dir("fcm-topics-secrets-");
  FakeProvider provider_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string operator_, registrar_;
};

TEST_F(DeviceMatching, TheAppIsToldItsCellTheCellsAroundAndItsMunicipalityAndBadPointsAre400) {
  add_square_area(database, "GM0363", centre(), 3000);
  start();
  HttpClient app(daemon_->port(), registrar_);
  const auto answer = app.get("/v1/push/cells?lat=52.3731&lon=4.8926");
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto topics = answer.json();
  // Dam square is at RD (121.4 km, 487.4 km): cell 12-48, and 11..13 x 47..49 around it.
  EXPECT_EQ(topics.at("cell"), "bn-rd10-12-48");
  EXPECT_EQ(topics.at("cells").size(), 9u);
  const std::set<std::string> cells(topics.at("cells").begin(), topics.at("cells").end());
  EXPECT_TRUE(cells.contains("bn-rd10-11-47") && cells.contains("bn-rd10-13-49") &&
              cells.contains("bn-rd10-12-48"));
  EXPECT_EQ(topics.at("municipality"), "bn-gm-GM0363");
  EXPECT_EQ(topics.at("topics").size(), 10u);
  // FCM's topic names: [a-zA-Z0-9-_.~%]+
  for (const auto& t : topics.at("topics"))
    EXPECT_EQ(t.get<std::string>().find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~%"),
              std::string::npos);

  // Outside every municipality: no municipal topic.
  EXPECT_TRUE(app.get("/v1/push/cells?lat=53.2&lon=6.5").json().at("municipality").is_null());

  for (const auto& [target, field] :
       std::vector<std::pair<std::string, std::string>>{{"/v1/push/cells?lon=4.8926", "lat"},
                                                        {"/v1/push/cells?lat=52.3731", "lon"},
                                                        {"/v1/push/cells?lat=48.1&lon=4.8926", "lat"},
                                                        {"/v1/push/cells?lat=52.3731&lon=9.5", "lon"},
                                                        {"/v1/push/cells?lat=52.37x&lon=4.8926", "lat"},
                                                        {"/v1/push/cells?lat=nan&lon=4.8926", "lat"}}) {
    const auto bad = app.get(target);
    EXPECT_EQ(bad.status, 400) << target;
    EXPECT_EQ(bad.json()["error"]["message"].get<std::string>().rfind(field + ":", 0), 0u)
        << target << bad.body;
  }
  // The route belongs to the app back end.
  EXPECT_EQ(HttpClient(daemon_->port(), operator_).get("/v1/push/cells?lat=52.3731&lon=4.8926").status, 403);
  // The point went nowhere: not in the log.
  EXPECT_EQ(daemon_->log().find("52.3731"), std::string::npos);
}

TEST_F(DeviceMatching, ACircleGoesOncePerCoveredCellWithItsAreaAndItsUpdateAndClosingFollow) {
  start();
  HttpClient police(daemon_->port(), operator_);
  const auto raised = police.post("/v1/actions", action(circle(5000)));
  ASSERT_EQ(raised.status, 201) << raised.body;
  const std::string id = raised.json().at("id");
  const auto expected = cells_within(5000);
  ASSERT_GE(expected.size(), 2u);  // the test means something only across a cell edge
  EXPECT_EQ(raised.json().at("by_channel").at("app_cells"), expected.size());
  // Counts of reached devices are estimates in this mode, and the answer says so.
  EXPECT_TRUE(raised.json().at("estimated").contains("app_cells")) << raised.body;

  ASSERT_TRUE(provider_.wait_for_requests(expected.size(), 20s));
  auto messages = sent_messages();
  EXPECT_EQ(topics_of(messages, "action"), expected);
  EXPECT_EQ(messages.size(), expected.size());  // one send per cell, not per device
  std::set<std::string> collapse_keys;
  for (const auto& m : messages) {
    EXPECT_FALSE(m.contains("token"));
    EXPECT_FALSE(m.contains("notification"));  // the app decides whether to show it
    const auto& data = m.at("data");
    EXPECT_EQ(data.at("action_id"), id);
    EXPECT_EQ(data.at("body").get<std::string>().find("rode jas") != std::string::npos, true);
    const auto area = nlohmann::json::parse(data.at("area").get<std::string>());
    EXPECT_EQ(area.at("type"), "Polygon");
    const auto c = nlohmann::json::parse(data.at("circle").get<std::string>());
    EXPECT_NEAR(c.at("lat").get<double>(), kLat, 1e-6);
    EXPECT_NEAR(c.at("lon").get<double>(), kLon, 1e-6);
    EXPECT_EQ(c.at("radius_m"), 5000);
    EXPECT_LT(m.at("data").dump().size(), 4096u);  // FCM's payload limit
    collapse_keys.insert(m.at("android").at("collapse_key").get<std::string>());
  }
  // Every copy of the one message collapses into one notification on a phone with several topics.
  EXPECT_EQ(collapse_keys.size(), 1u);

  ASSERT_EQ(police.post("/v1/actions/" + id + "/updates", {{"message", "Gezien bij het station."}}).status,
            201);
  ASSERT_EQ(
      police.post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Gevonden."}}).status,
      200);
  ASSERT_TRUE(provider_.wait_for_requests(3 * expected.size(), 20s));
  messages = sent_messages();
  EXPECT_EQ(topics_of(messages, "update"), expected);
  EXPECT_EQ(topics_of(messages, "closing"), expected);
  EXPECT_EQ(messages.size(), 3 * expected.size());
}

// FCM fails: every topic's first send is a 500, and some sends stall past the driver's timeout.
// Each cell still gets the action, its repeats carry the same collapse key (a phone shows it
// once), and no delivery is left unsent.
TEST_F(DeviceMatching, ATopicSendThatFailsOrStallsIsSentAgainWithTheSameCollapseKey) {
  std::mutex mutex;
  std::map<std::string, int> asked;  // per topic
  provider_.answer_with([&](const RecordedRequest& r) {
    const auto topic = nlohmann::json::parse(r.body).at("message").at("topic").get<std::string>();
    std::lock_guard lock(mutex);
    const int n = ++asked[topic];
    if (n == 1) return FakeAnswer::status_only(500);
    if (n == 2 && topic.back() == '8') return FakeAnswer::stalled();
    return FakeAnswer::ok(R"({"name":"projects/test-project/messages/)" + std::to_string(n) + topic + "\"}");
  });
  start();
  HttpClient police(daemon_->port(), operator_);
  const auto raised = police.post("/v1/actions", action(circle(5000)));
  ASSERT_EQ(raised.status, 201) << raised.body;
  const std::string id = raised.json().at("id");
  const auto expected = cells_within(5000);

  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                                    "' AND status NOT IN ('sent', 'delivered')",
                                "0", 60s))
      << database.scalar("SELECT string_agg(status || ':' || coalesce(last_error, ''), ', ') FROM deliveries");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "'"),
            std::to_string(expected.size()));
  const auto messages = sent_messages();
  EXPECT_EQ(topics_of(messages, "action"), expected);
  std::map<std::string, std::set<std::string>> keys;  // per topic, the collapse keys of its sends
  for (const auto& m : messages)
    keys[m.at("topic").get<std::string>()].insert(m.at("android").at("collapse_key").get<std::string>());
  std::lock_guard lock(mutex);
  for (const auto& topic : expected) {
    EXPECT_GE(asked[topic], 2) << topic << ": the failed send was not repeated";
    EXPECT_EQ(keys[topic].size(), 1u) << topic << ": a repeat with another collapse key";
  }
}

TEST_F(DeviceMatching, AMunicipalityGoesToItsOwnTopicOnly) {
  add_square_area(database, "GM0363", centre(), 8000);
  start();
  const auto id = raise_action(HttpClient(daemon_->port(), operator_), action({{"municipality", "GM0363"}}));
  ASSERT_TRUE(provider_.wait_for_requests(1, 20s));
  std::this_thread::sleep_for(1s);  // nothing else follows
  const auto messages = sent_messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("topic"), "bn-gm-GM0363");
  const auto area = nlohmann::json::parse(messages[0].at("data").at("area").get<std::string>());
  EXPECT_TRUE(area.at("type") == "MultiPolygon" || area.at("type") == "Polygon");
  EXPECT_FALSE(messages[0].at("data").contains("circle"));
}

TEST_F(DeviceMatching, ANationalActionIsHundredsOfTopicSendsNotMillionsOfMessages) {
  start();
  const auto amber = national_amber();
  const auto started = std::chrono::steady_clock::now();
  const auto raised = HttpClient(daemon_->port(), operator_).post("/v1/actions", amber);
  ASSERT_EQ(raised.status, 201) << raised.body;
  const std::size_t sends = raised.json().at("by_channel").at("app_cells");
  EXPECT_GT(sends, 200u);
  EXPECT_LT(sends, 700u);
  ASSERT_TRUE(provider_.wait_for_requests(sends, 60s));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto messages = sent_messages();
  EXPECT_EQ(messages.size(), sends);
  EXPECT_EQ(topics_of(messages, "action").size(), sends);  // each cell once
  for (const auto& m : messages) EXPECT_LT(m.at("data").dump().size(), 4096u);
  std::cerr << "national action: " << sends << " topic sends in " << seconds << " s\n";
}

// By hand (docs/benchmarks.md, "Device matching: a national action's topic sends (measured by
// hand)"): the national action against a fake that answers in 200-500 ms, as FCM does, at
// several concurrencies. Run with --gtest_also_run_disabled_tests.
TEST_F(DeviceMatching, DISABLED_MeasureNationalTopicSends) {
  const int concurrency = std::getenv("CONCURRENCY") ? std::atoi(std::getenv("CONCURRENCY")) : 32;
  start(false, concurrency);
  const auto amber = national_amber();
  const auto started = std::chrono::steady_clock::now();
  const auto raised = HttpClient(daemon_->port(), operator_).post("/v1/actions", amber);
  const auto answered = std::chrono::steady_clock::now();
  ASSERT_EQ(raised.status, 201) << raised.body;
  const std::size_t sends = raised.json().at("by_channel").at("app_cells");
  ASSERT_TRUE(provider_.wait_for_requests(sends, 300s));
  const auto requests = provider_.requests();
  const auto first = requests.front().at, last = requests.back().at;
  const auto s = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::cerr << "concurrency " << concurrency << ": " << sends << " topic sends; POST answered in "
            << s(answered - started) << " s; first send after " << s(first - started) << " s, last after "
            << s(last - started) << " s (" << sends / s(last - first) << " sends/s)\n";
}

TEST_F(DeviceMatching, ADeviceReportsNoPlaceAndTheDatabaseHoldsNoneOfIt) {
  const auto participant = add_participant(database, {{centre(), "{sms}"}});
  start();
  HttpClient app(daemon_->port(), registrar_);
  const auto device = app.post("/v1/participants/" + participant + "/devices",
                               {{"platform", "android"}, {"push_token", "tok-cells"}});
  ASSERT_EQ(device.status, 201) << device.body;
  // The phone is elsewhere than the action's area (its digits would not appear by chance).
  ASSERT_EQ(app.get("/v1/push/cells?lat=52.361234&lon=4.912345").status, 200);
  HttpClient phone(daemon_->port(), device.json().at("device_secret"));
  const auto location =
      phone.put("/v1/devices/" + device.json().at("device_id").get<std::string>() + "/location",
                {{"lat", 52.361234}, {"lon", 4.912345}, {"accuracy_m", 12}});
  EXPECT_EQ(location.status, 409) << location.body;
  EXPECT_EQ(location.error_code(), "location_not_used");
  raise_action(HttpClient(daemon_->port(), operator_), action(circle(1000)));
  ASSERT_TRUE(provider_.wait_for_requests(1, 20s));

  EXPECT_EQ(
      database.scalar("SELECT count(*) FROM devices WHERE location IS NOT NULL OR location_at IS NOT NULL"),
      "0");
  const std::string dump_file = outbox_ + "/dump.sql";
  const std::string command =
      "/usr/lib/postgresql/15/bin/pg_dump --no-owner -d '" + database.url() + "' > '" + dump_file + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(dump_file);
  const std::string dump((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(dump.size(), 10000u);
  EXPECT_NE(dump.find("push_message_areas"), std::string::npos);  // the action's area is there
  EXPECT_EQ(dump.find("52.3612"), std::string::npos);
  EXPECT_EQ(dump.find("4.9123"), std::string::npos);
  EXPECT_EQ(daemon_->log().find("52.3612"), std::string::npos);
}

TEST_F(DeviceMatching, BesideAServerMatchingChannelLocationsAreStillTakenAndBothChannelsSend) {
  const auto participant = add_participant(database, {{offset(centre(), 5000, 5000), "{sms}"}},
                                           {DeviceSpec{offset(centre(), 100, 0)}});
  start(/*server_push_too=*/true);
  auto both = action(circle(1000));
  both["channels"] = {"app_cells", "push"};
  const auto id = raise_action(HttpClient(daemon_->port(), operator_), both);
  ASSERT_TRUE(provider_.wait_for_requests(1, 20s));
  // Today's channel reaches the located device by its token; the topic channel its cells.
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE channel = 'push' AND status = 'sent'",
                                "1", 20s));
  EXPECT_EQ(
      database.scalar("SELECT count(*) FROM deliveries WHERE channel = 'app_cells' AND target IS NOT NULL"),
      std::to_string(cells_within(1000).size()));
  (void)participant;
  (void)id;
}

}  // namespace
