// Test participants inserted straight into the database (the participants API is built in
// parallel): addresses with channels and quiet hours, devices with or without a location.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_keys.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {

// Amsterdam, Dam square: the centre of most test areas.
inline constexpr double kLat = 52.3731, kLon = 4.8926;

struct Place {
  double lat, lon;
};

// `north_m` and `east_m` metres from (lat, lon); good to a few centimetres over a few km.
inline Place offset(Place from, double north_m, double east_m) {
  constexpr double kMetresPerDegree = 111320.0;
  return {from.lat + north_m / kMetresPerDegree,
          from.lon + east_m / (kMetresPerDegree * std::cos(from.lat * M_PI / 180.0))};
}
inline Place centre() { return {kLat, kLon}; }

// A square area of 2 x `half_side_m` around `at`, as `burgernetctl areas import` stores one.
inline void add_square_area(TestDatabase& database, const std::string& code, Place at, double half_side_m = 2000) {
  const auto sw = offset(at, -half_side_m, -half_side_m), ne = offset(at, half_side_m, half_side_m);
  char sql[400];
  std::snprintf(sql, sizeof sql,
                "INSERT INTO areas (code, name, geom) VALUES ('%s', '%s', "
                "ST_Multi(ST_Transform(ST_MakeEnvelope(%.9f, %.9f, %.9f, %.9f, 4326), 28992))) RETURNING code",
                code.c_str(), code.c_str(), sw.lon, sw.lat, ne.lon, ne.lat);
  database.scalar(sql);
}

struct AddressSpec {
  Place at;
  std::string channels = "{voice,sms}";
  std::optional<std::string> quiet_from = std::nullopt, quiet_to = std::nullopt;  // "HH:MM", Europe/Amsterdam
};

struct DeviceSpec {
  std::optional<Place> at = std::nullopt;  // nullopt: no location reported
  int location_age_s = 60;
  bool disabled = false;
};

inline std::string sql_point(Place p) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "ST_Transform(ST_SetSRID(ST_MakePoint(%.9f, %.9f), 4326), 28992)",
                p.lon, p.lat);
  return buffer;
}

// Inserts an active participant (or one with `status`) and returns its id.
inline std::string add_participant(TestDatabase& db, const std::vector<AddressSpec>& addresses,
                                   const std::vector<DeviceSpec>& devices = {},
                                   const std::string& status = "active") {
  static int counter = 0;
  const std::string phone = "+3161" + std::to_string(1000000 + (++counter));
  const auto& keys = test_keys();
  const std::string id = db.scalar(
      "INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) VALUES ('" + status + "', '" +
      keys.seal(phone, "phone") + "', '" + keys.lookup(phone) + "', now()) RETURNING id");
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const auto& a = addresses[i];
    const std::string from = a.quiet_from ? "'" + *a.quiet_from + "'" : "NULL";
    const std::string to = a.quiet_to ? "'" + *a.quiet_to + "'" : "NULL";
    db.scalar(
        "INSERT INTO participant_addresses (participant_id, position, location, channels, quiet_from, "
        "quiet_to) "
        "VALUES ('" +
        id + "', " + std::to_string(i) + ", " + sql_point(a.at) + ", '" + a.channels + "', " + from + ", " +
        to + ")");
  }
  for (const auto& d : devices) {
    const std::string location = d.at ? sql_point(*d.at) : "NULL";
    const std::string at =
        d.at ? "now() - interval '" + std::to_string(d.location_age_s) + " seconds'" : "NULL";
    db.scalar(
        "INSERT INTO devices (participant_id, platform, push_token_sealed, secret_hash, location, location_at, "
        "disabled_at) VALUES ('" +
        id + "', 'android', '" + keys.seal("push-" + id, "push_token") +
        "', "
        "decode(md5(gen_random_uuid()::text), 'hex'), " +
        location + ", " + at + ", " + (d.disabled ? "now()" : "NULL") + ")");
  }
  return id;
}

// "HH:MM" in Europe/Amsterdam, `minutes` from now.
inline std::string local_hhmm(TestDatabase& db, int minutes) {
  return db.scalar("SELECT to_char((now() AT TIME ZONE 'Europe/Amsterdam') + interval '" +
                   std::to_string(minutes) + " minutes', 'HH24:MI')");
}

// A daemon with file channels on the test database, and an operator token.
class ActionDaemonTest : public DatabaseTest {
 protected:
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log ---\n" << daemon_->log() << "---\n";
  }
  // `dispatch` false: the tests look at the rows as the API wrote them (and move them by
  // hand), so nothing sends them.
  void start(nlohmann::json limits = nlohmann::json::object(), bool dispatch = false) {
    auto config = daemon_config(database.url(), outbox_);
    if (!limits.empty()) config["limits"] = limits;
    config["queue"] = {{"dispatch", dispatch}, {"poll_ms", 100}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_token_ = token("operator", "op");
  }
  std::string token(const std::string& role, const std::string& name, const std::string& area = {}) {
    std::vector<std::string> args = {"token", "create", "--role", role, "--name", name};
    if (!area.empty()) {
      args.push_back("--area");
      args.push_back(area);
    }
    std::string out, err;
    EXPECT_EQ(run_ctl(daemon_->config_path(), args, &out, &err), 0) << err;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  HttpClient client(const std::string& token = {}) {
    return HttpClient(daemon_->port(), token.empty() ? operator_token_ : token);
  }
  static nlohmann::json circle(Place at, double radius_m) {
    return {{"circle", {{"lat", at.lat}, {"lon", at.lon}, {"radius_m", radius_m}}}};
  }
  static nlohmann::json action(nlohmann::json area, const std::string& kind = "urgent") {
    return {{"kind", kind},
            {"category", "burglary"},
            {"title", "Inbraak"},
            {"message", "Man in donkere jas gevlucht richting station."},
            {"area", std::move(area)}};
  }
  std::string count(const std::string& sql) { return database.scalar(sql); }
  // Delivery rows of the action message of `id` by `channel` (all channels when empty).
  int rows(const std::string& id, const std::string& where = "true") {
    return std::stoi(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                                     "' AND kind = "
                                     "'action' AND (" +
                                     where + ")"));
  }

  std::string outbox_ = make_temp_dir("burgernet-outbox-");
  std::unique_ptr<DaemonProcess> daemon_;
  std::string operator_token_;
};

}  // namespace burgernet::testing
