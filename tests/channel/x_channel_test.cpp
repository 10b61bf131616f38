// The x driver's own rules on top of the conformance suite: X's rate-limit reset header, a
// duplicate post (sent: it is posted already), and a post cut to 280 characters without
// personal data.
#include "channel/x/x_channel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>

#include "burgernet/channel/registry.hpp"
#include "support/channel_harness.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_provider.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;
using channel::Failed;
using channel::Retry;
using channel::SendResult;
using channel::Sent;

namespace {

std::size_t code_points(const std::string& utf8) {
  std::size_t n = 0;
  for (const unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

class XChannelTest : public ::testing::Test {
 protected:
  XChannelTest() {
    std::ofstream(dir_ + "/cs") << "consumer-secret\n";
    std::ofstream(dir_ + "/ts") << "token-secret\n";
  }

  std::shared_ptr<channel::Channel> make() {
    config::ChannelConfig c;
    c.name = "twitter";
    c.driver = "x";
    c.timeout = 2000ms;
    c.settings = {{"driver", "x"},
                  {"base_url", provider_.url()},
                  {"consumer_key", "ck"},
                  {"consumer_secret_file", dir_ + "/cs"},
                  {"access_token", "at"},
                  {"access_token_secret_file", dir_ + "/ts"},
                  {"ca_file", provider_.ca_file()}};
    config::Config config;
    config.channels.emplace(c.name, c);
    return channel::make_channels(config, io_.get_executor()).at("twitter");
  }

  SendResult post(const std::string& text) {
    auto channel = make();
    channel::OutboundMessage m;
    m.delivery_id = 1;
    m.channel = "twitter";
    m.kind = "action";
    m.text = text;
    const auto results = send_batch(*channel, {m}, io_);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? SendResult(Retry{}) : results.front();
  }

  boost::asio::io_context io_;
  FakeProvider provider_;
  std::string dir_ = make_temp_dir("x-secrets-");
};

TEST_F(XChannelTest, RateLimitedPostWaitsUntilXsResetTime) {
  const auto reset = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch() + 90s)
                         .count();
  provider_.answer(
      {429, R"({"title":"Too Many Requests"})", {{"x-rate-limit-reset", std::to_string(reset)}}});
  const auto result = post("Vermist: jongen, 8 jaar.");
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  const auto after = std::get<Retry>(result).after;
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after, 88s);
  EXPECT_LE(*after, 91s);
  EXPECT_EQ(std::get<Retry>(result).reason, "x: HTTP 429");
}

TEST_F(XChannelTest, RetryAfterWinsOverTheResetHeader) {
  provider_.answer({429, "{}", {{"Retry-After", "5"}, {"x-rate-limit-reset", "99999999999"}}});
  const auto result = post("Vermist: jongen, 8 jaar.");
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).after, 5000ms);
}

TEST_F(XChannelTest, ADuplicatePostIsSentAsItIsOnTheAccountAlready) {
  // X API v2's answer to a text it already has: an earlier attempt of this delivery was posted
  // and its answer lost. Posting again can never succeed, and it is there: sent, not failed.
  provider_.answer(
      {403,
       R"({"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank",)"
       R"("title":"Forbidden","status":403})"});
  const auto result = post("Vermist: jongen, 8 jaar.");
  ASSERT_TRUE(std::holds_alternative<Sent>(result)) << reason_of(result);
  EXPECT_FALSE(std::get<Sent>(result).provider_ref.has_value());
  EXPECT_EQ(provider_.request_count(), 1u);

  // v1.1's form of the same answer, as some gateways still give it.
  provider_.answer({403, R"({"errors":[{"code":187,"message":"Status is a duplicate."}]})"});
  EXPECT_TRUE(std::holds_alternative<Sent>(post("Vermist: jongen, 8 jaar.")));
}

TEST_F(XChannelTest, TheWordDuplicateElsewhereIsNoDuplicatePost) {
  provider_.answer({403, R"({"title":"Forbidden","detail":"duplicate app registration: not permitted"})"});
  const auto result = post("Vermist: jongen, 8 jaar.");
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, "x: HTTP 403");
}

TEST_F(XChannelTest, OtherForbiddenIsAPlainFailure) {
  provider_.answer({403, R"({"title":"Forbidden","detail":"not permitted"})"});
  const auto result = post("Vermist: jongen, 8 jaar.");
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, "x: HTTP 403");
}

TEST_F(XChannelTest, LongPostIsCutTo280WithAnEllipsis) {
  provider_.answer({201, R"({"data":{"id":"77"}})"});
  std::string text = "Vermist:";
  while (code_points(text) < 400) text += " jongen met rode jas ééé";
  const auto result = post(text);
  ASSERT_TRUE(std::holds_alternative<Sent>(result));
  EXPECT_EQ(std::get<Sent>(result).provider_ref, "77");
  ASSERT_EQ(provider_.request_count(), 1u);
  const std::string sent = nlohmann::json::parse(provider_.requests().front().body).at("text");
  EXPECT_LE(code_points(sent), 280u);
  EXPECT_GT(code_points(sent), 250u);
  EXPECT_TRUE(sent.ends_with("…")) << sent;
  EXPECT_TRUE(text.starts_with(sent.substr(0, sent.size() - std::string("…").size()))) << sent;
}

TEST_F(XChannelTest, NoPhoneNumberOrAddressIsPosted) {
  provider_.answer({201, R"({"data":{"id":"78"}})"});
  ASSERT_TRUE(
      std::holds_alternative<Sent>(post("Tips aan j.jansen@example.nl of 06-12345678, of bel 0800-7000.")));
  const std::string sent = nlohmann::json::parse(provider_.requests().front().body).at("text");
  EXPECT_EQ(sent.find("jansen"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("12345678"), std::string::npos) << sent;
  EXPECT_NE(sent.find("0800-7000"), std::string::npos) << sent;
}

}  // namespace
