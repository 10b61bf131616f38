// A push channel's `matching` key (issue 16): what the config reader makes of it, and the FCM
// body of a topic send. Pure: no database, no provider.
#include <gtest/gtest.h>

#include "burgernet/config/config.hpp"
#include "burgernet/push/device_matching.hpp"
#include "channel/fcm/fcm_channel.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

json config_with(json channels) {
  return {{"http", {{"listen", "127.0.0.1:0"}}},
          {"database", {{"url", "postgresql://user@/burgernet"}}},
          {"channels", std::move(channels)}};
}

std::string refusal(const json& document) {
  try {
    config::parse_config(document);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(PushMatching, DeviceMakesAPushChannelABroadcastBesideAServerMatchingOne) {
  const auto config = config::parse_config(config_with(
      {{"push", {{"driver", "file"}, {"path", "/tmp/push.jsonl"}}},
       {"app_cells",
        {{"driver", "file"}, {"path", "/tmp/cells.jsonl"}, {"form", "push"}, {"matching", "device"}}}}));
  const auto& server = config.channels.at("push").capabilities;
  const auto& device = config.channels.at("app_cells").capabilities;
  EXPECT_TRUE(server.reaches_devices());
  EXPECT_FALSE(push::matches_on_device(server));
  EXPECT_TRUE(device.broadcast());
  EXPECT_EQ(device.form, channel::TextForm::kPush);
  EXPECT_FALSE(device.reaches_devices());  // selects nobody by location
  EXPECT_TRUE(push::matches_on_device(device));
}

TEST(PushMatching, AnythingButServerOrDeviceAndDeviceOnAnotherFormAreRefusedByName) {
  EXPECT_NE(refusal(config_with({{"push", {{"driver", "file"}, {"path", "/tmp/p"}, {"matching", "phone"}}}}))
                .find("channels.push.matching"),
            std::string::npos);
  EXPECT_NE(refusal(config_with({{"sms", {{"driver", "file"}, {"path", "/tmp/s"}, {"matching", "device"}}}}))
                .find("channels.sms.matching: only a push channel"),
            std::string::npos);
}

TEST(PushMatching, ATopicSendCarriesTheAreaAndNoNotificationAndOneCollapseKeyPerMessage) {
  channel::OutboundMessage message;
  message.delivery_id = 9051;
  message.action_id = "6f1c2b9e-0000-4000-8000-000000000001";
  message.channel = "app_cells";
  message.kind = "action";
  message.to = "bn-rd10-12-48";
  message.title = "Burgernet: vermist kind";
  message.text = "Jongen van 8, rode jas.";
  message.data = {{"action_id", *message.action_id},
                  {"kind", "action"},
                  {"action_message_id", "812"},
                  {"area", {{"type", "Polygon"}, {"coordinates", json::array()}}}};
  const auto body = channel::FcmChannel::topic_body(message).at("message");
  EXPECT_EQ(body.at("topic"), "bn-rd10-12-48");
  EXPECT_FALSE(body.contains("token"));
  EXPECT_FALSE(body.contains("notification"));
  EXPECT_EQ(body.at("data").at("title"), message.title);
  EXPECT_EQ(body.at("data").at("body"), message.text);
  EXPECT_EQ(json::parse(body.at("data").at("area").get<std::string>()).at("type"), "Polygon");
  const std::string collapse = "bn-6f1c2b9e-0000-4000-8000-000000000001-812";
  EXPECT_EQ(body.at("android").at("collapse_key"), collapse);
  EXPECT_EQ(body.at("apns").at("headers").at("apns-collapse-id"), collapse);
  EXPECT_LE(collapse.size(), 64u);  // Apple's limit

  // The same message through another topic: another delivery, the same collapse key.
  message.delivery_id = 9052;
  message.to = "bn-rd10-12-49";
  EXPECT_EQ(channel::FcmChannel::topic_body(message).at("message").at("android").at("collapse_key"),
            collapse);
}

}  // namespace
}  // namespace burgernet::testing
