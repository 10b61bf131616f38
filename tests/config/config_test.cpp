// The config loader: defaults, overrides, and one clear error naming the key for bad input.
#include "burgernet/config/config.hpp"

#include <gtest/gtest.h>

namespace burgernet::config {
namespace {

using nlohmann::json;

json minimal() {
  return json::parse(R"({
    "http": { "listen": "127.0.0.1:8080" },
    "database": { "url": "postgresql://user@/burgernet?host=/tmp&port=55432" },
    "channels": {
      "voice":   { "driver": "file", "path": "var/outbox/voice.jsonl" },
      "sms":     { "driver": "file", "path": "var/outbox/sms.jsonl" },
      "push":    { "driver": "file", "path": "var/outbox/push.jsonl" },
      "twitter": { "driver": "file", "path": "var/outbox/twitter.jsonl" }
    }
  })");
}

std::string error_of(const json& document, const std::string& env = {}) {
  try {
    parse_config(document, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Config, TheSpecsMinimalConfigWorksWithDefaults) {
  const auto config = parse_config(minimal());
  EXPECT_EQ(config.http.host, "127.0.0.1");
  EXPECT_EQ(config.http.port, 8080);
  EXPECT_EQ(config.channels.size(), 4u);
  EXPECT_EQ(config.channels.at("sms").driver, "file");
  EXPECT_EQ(config.limits.confirm_above, 25000);
  EXPECT_EQ(config.limits.max_radius_m, 20000);
  EXPECT_EQ(config.limits.max_vertices, 1000);
  EXPECT_EQ(config.limits.fanout_chunk, 20000);
  EXPECT_EQ(config.limits.first_chunk, 500);
  EXPECT_EQ(config.location_ttl.count(), 7200);
  EXPECT_EQ(config.sms_max_segments, 3);
  EXPECT_DOUBLE_EQ(config.limits.service_area.min_lat, 50.7);
}

TEST(Config, EnvironmentOverridesTheDatabaseUrl) {
  EXPECT_EQ(parse_config(minimal(), "postgresql://other@/x").database.url, "postgresql://other@/x");
}

TEST(Config, MissingDatabaseUrlNamesTheKey) {
  auto doc = minimal();
  doc.erase("database");
  EXPECT_NE(error_of(doc).find("database.url"), std::string::npos) << error_of(doc);
  EXPECT_EQ(parse_config(doc, "postgresql://x@/y").database.url, "postgresql://x@/y");
}

TEST(Config, UnknownKeysAreErrorsAtEveryLevel) {
  auto doc = minimal();
  doc["htpp"] = json::object();
  EXPECT_EQ(error_of(doc), "htpp: unknown key");
  doc = minimal();
  doc["limits"] = {{"confirm_abvoe", 10}};
  EXPECT_EQ(error_of(doc), "limits.confirm_abvoe: unknown key");
  doc = minimal();
  doc["channels"]["sms"]["paht"] = "x";
  EXPECT_EQ(error_of(doc), "channels.sms.paht: unknown key");
}

TEST(Config, WrongTypesNameTheKey) {
  auto doc = minimal();
  doc["http"]["listen"] = 8080;
  EXPECT_EQ(error_of(doc), "http.listen: must be a string");
  doc = minimal();
  doc["limits"] = {{"confirm_above", "many"}};
  EXPECT_EQ(error_of(doc), "limits.confirm_above: must be a whole number");
  doc = minimal();
  doc["channels"] = json::array();
  EXPECT_EQ(error_of(doc), "channels: must be an object");
}

TEST(Config, ValuesOutOfRangeAreRefused) {
  auto doc = minimal();
  doc["http"]["listen"] = "127.0.0.1:99999";
  EXPECT_EQ(error_of(doc), "http.listen: port must be 0 to 65535");
  doc = minimal();
  doc["http"]["listen"] = "localhost";
  EXPECT_NE(error_of(doc).find("http.listen"), std::string::npos);
  doc = minimal();
  doc["limits"] = {{"max_radius_m", 10}};
  EXPECT_EQ(error_of(doc), "limits.max_radius_m: must be between 50 and 500000");
  doc = minimal();
  doc["limits"] = {{"service_area", {{"min_lat", 53}, {"max_lat", 52}}}};
  EXPECT_EQ(error_of(doc), "limits.service_area: min must be below max");
}

TEST(Config, DeliveryRetentionIsWholeMonthsAndNeverForever) {
  EXPECT_EQ(parse_config(minimal()).delivery_retention_months, 6) << "absent: the default";
  auto doc = minimal();
  doc["retention"] = {{"deliveries_months", 13}};
  EXPECT_EQ(parse_config(doc).delivery_retention_months, 13);
  doc["retention"] = {{"deliveries_months", 1}};
  EXPECT_EQ(parse_config(doc).delivery_retention_months, 1);
  for (const int forever : {0, -1}) {
    doc["retention"] = {{"deliveries_months", forever}};
    EXPECT_EQ(error_of(doc),
              "retention.deliveries_months: must be at least 1: delivery rows link participants to "
              "actions and are not kept forever");
  }
  doc["retention"] = {{"deliveries_months", 121}};
  EXPECT_EQ(error_of(doc), "retention.deliveries_months: must be between 1 and 120");
  doc["retention"] = {{"deliveries_months", 2.5}};
  EXPECT_EQ(error_of(doc), "retention.deliveries_months: must be a whole number");
  doc["retention"] = {{"deliveries_months", "6"}};
  EXPECT_EQ(error_of(doc), "retention.deliveries_months: must be a whole number");
  doc["retention"] = {{"delivery_months", 6}};
  EXPECT_EQ(error_of(doc), "retention.delivery_months: unknown key");
}

TEST(Config, ChannelsNeedAKnownDriverAndItsKeys) {
  auto doc = minimal();
  doc["channels"]["sms"]["driver"] = "carrier_pigeon";
  EXPECT_EQ(error_of(doc), "channels.sms.driver: unknown driver \"carrier_pigeon\"");
  doc = minimal();
  doc["channels"]["sms"].erase("path");
  EXPECT_EQ(error_of(doc), "channels.sms.path: is required for the file driver");
  doc = minimal();
  doc["channels"]["sms"].erase("driver");
  EXPECT_EQ(error_of(doc), "channels.sms.driver: is required");
  doc = minimal();
  doc["channels"]["sms"] = {{"driver", "twilio_sms"}, {"account_sid", "AC1"}, {"auth_token_file", "/run/x"},
                            {"from", "+3197010000000"}, {"rate_per_s", 20}, {"max_attempts", 3}};
  const auto config = parse_config(doc);
  EXPECT_EQ(config.channels.at("sms").rate_per_s, 20);
  EXPECT_EQ(config.channels.at("sms").max_attempts, 3);
}

TEST(Config, WhatAChannelDoesComesFromItsDriverNotItsName) {
  auto doc = minimal();
  doc["channels"] = {{"texts", {{"driver", "twilio_sms"}, {"account_sid", "AC1"}, {"auth_token_file", "/run/t"},
                                {"from", "+3197010000000"}}},
                     {"tweets", {{"driver", "x"}, {"consumer_key", "ck"}, {"consumer_secret_file", "/run/c"},
                                 {"access_token", "at"}, {"access_token_secret_file", "/run/a"}}},
                     {"pager", {{"driver", "webhook"}, {"url", "https://pager.example/hook"}, {"secret_file", "/run/h"}}},
                     {"alarm", {{"driver", "file"}, {"path", "var/outbox/alarm.jsonl"}, {"form", "voice"}}}};
  const auto config = parse_config(doc);
  using channel::AddressKind;
  using channel::TextForm;
  const auto& texts = config.channels.at("texts").capabilities;
  EXPECT_FALSE(texts.broadcast());
  EXPECT_EQ(texts.address, AddressKind::kPhone);
  EXPECT_EQ(texts.form, TextForm::kSms);
  EXPECT_FALSE(texts.calls);
  EXPECT_TRUE(config.channels.at("tweets").capabilities.broadcast());
  EXPECT_TRUE(config.channels.at("pager").capabilities.broadcast());
  EXPECT_TRUE(config.channels.at("alarm").capabilities.calls);
  // The SPEC's minimal config: file channels named after what they send.
  const auto spec = parse_config(minimal());
  EXPECT_EQ(spec.channels.at("push").capabilities.address, AddressKind::kPushToken);
  EXPECT_TRUE(spec.channels.at("voice").capabilities.calls);
  EXPECT_TRUE(spec.channels.at("twitter").capabilities.broadcast());
}

TEST(Config, AChannelWhoseDriverCannotKeepItsNamesPromiseIsRefused) {
  auto doc = minimal();
  doc["channels"]["sms"] = {{"driver", "webhook"}, {"url", "https://pager.example/hook"}, {"secret_file", "/run/h"}};
  EXPECT_EQ(error_of(doc),
            "channels.sms.driver: the webhook driver sends social messages, not sms; choose a driver that sends "
            "sms, or another name");
  doc = minimal();
  doc["channels"]["push"]["form"] = "email";
  EXPECT_EQ(error_of(doc), "channels.push.driver: the file driver sends email messages, not push; choose a driver "
                           "that sends push, or another name");
  doc = minimal();
  doc["channels"]["pager"] = {{"driver", "file"}, {"path", "p.jsonl"}, {"form", "fax"}};
  EXPECT_EQ(error_of(doc), "channels.pager.form: must be one of sms, voice, push, email or social");
  // Two channels sending SMS would text the same participant twice.
  doc = minimal();
  doc["channels"]["texts"] = {{"driver", "file"}, {"path", "t.jsonl"}, {"form", "sms"}};
  EXPECT_EQ(error_of(doc), "channels.texts: sends sms messages as channels.sms does; one channel per personal form");
  doc = minimal();
  doc["channels"]["pager"] = {{"driver", "webhook"}, {"url", "http://pager.example/hook"}, {"secret_file", "/h"}};
  EXPECT_EQ(error_of(doc), "channels.pager.url: must be an https URL");
  doc["channels"]["pager"].erase("url");
  EXPECT_EQ(error_of(doc), "channels.pager.url: is required for the webhook driver");
}

TEST(Config, IPv6ListenAddressesAreAccepted) {
  auto doc = minimal();
  doc["http"]["listen"] = "[::1]:8081";
  const auto config = parse_config(doc);
  EXPECT_EQ(config.http.host, "::1");
  EXPECT_EQ(config.http.port, 8081);
}

TEST(Config, AFileThatIsNotJsonIsOneClearError) {
  EXPECT_THROW(load_config_file("/nonexistent/burgernet.json"), ConfigError);
}

}  // namespace
}  // namespace burgernet::config
