// The mastodon driver against a fake Mastodon on loopback that answers in 200-500 ms: the
// status it posts, its token and Idempotency-Key, what each refusal means, the 500-character
// limit as Mastodon counts it, and posting as one of the channel's accounts.
#include "channel/mastodon/mastodon_channel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>

#include "burgernet/channel/registry.hpp"
#include "burgernet/message/tweet_text.hpp"
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

const std::string kToken = "mastodon-token-8d7c6b5a";
const std::string kWestToken = "mastodon-west-token-1f2e3d";
const std::string kStatus = R"({"id":"109372843234","visibility":"public","content":"<p>fake</p>"})";

std::size_t code_points(const std::string& utf8) {
  std::size_t n = 0;
  for (const unsigned char c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

class MastodonChannelTest : public ::testing::Test {
 protected:
  MastodonChannelTest() {
    std::ofstream(dir_ + "/token") << kToken << "\n";
    std::ofstream(dir_ + "/west") << kWestToken << "\n";
    provider_.latency(200ms, 500ms);  // as a real server answers
    provider_.answer({200, kStatus});
  }

  std::shared_ptr<channel::Channel> make(nlohmann::json extra = nlohmann::json::object()) {
    config::ChannelConfig c;
    c.name = "mastodon";
    c.driver = "mastodon";
    c.timeout = 3000ms;
    c.settings = {{"driver", "mastodon"},
                  {"base_url", provider_.url()},
                  {"token_file", dir_ + "/token"},
                  {"ca_file", provider_.ca_file()}};
    c.settings.update(extra);
    config::Config config;
    config.channels.emplace(c.name, c);
    channel_ = channel::make_channels(config, io_.get_executor()).at("mastodon");
    return channel_;
  }

  static channel::OutboundMessage message(std::string text, std::int64_t delivery_id = 7) {
    channel::OutboundMessage m;
    m.delivery_id = delivery_id;
    m.action_id = "00000000-0000-0000-0000-0000000000b2";
    m.channel = "mastodon";
    m.kind = "action";
    m.text = std::move(text);
    return m;
  }

  SendResult post(channel::OutboundMessage m) {
    if (!channel_) make();
    const auto results = send_batch(*channel_, {std::move(m)}, io_);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? SendResult(Retry{}) : results.front();
  }

  std::string posted_status(std::size_t i = 0) const {
    return nlohmann::json::parse(provider_.requests().at(i).body).at("status");
  }

  CapturedLog log_{"mastodon"};
  boost::asio::io_context io_;
  FakeProvider provider_;
  std::string dir_ = make_temp_dir("mastodon-secrets-");
  std::shared_ptr<channel::Channel> channel_;
};

TEST_F(MastodonChannelTest, PostsAPublicDutchStatusWithTheBearerTokenAndTheDeliverysKey) {
  const auto m = message("Burgernet-actie: inbraak\nInbraak: man met rode jas. #Burgernet");
  const auto result = post(m);
  ASSERT_TRUE(std::holds_alternative<Sent>(result)) << reason_of(result);
  EXPECT_EQ(std::get<Sent>(result).provider_ref, "109372843234");
  ASSERT_EQ(provider_.request_count(), 1u);
  const auto request = provider_.requests().front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/api/v1/statuses");
  EXPECT_EQ(request.headers.at("authorization"), "Bearer " + kToken);
  EXPECT_EQ(request.headers.at("idempotency-key"), channel::idempotency_key(m));
  EXPECT_TRUE(request.headers.at("content-type").starts_with("application/json"));
  EXPECT_EQ(nlohmann::json::parse(request.body),
            (nlohmann::json{{"status", m.text}, {"visibility", "public"}, {"language", "nl"}}));
}

TEST_F(MastodonChannelTest, ARetryOfTheSameDeliveryCarriesTheSameKeyAndAnotherDeliveryAnother) {
  provider_.answer(FakeAnswer::status_only(503));
  EXPECT_TRUE(std::holds_alternative<Retry>(post(message("Vermist: jongen.", 7))));
  provider_.answer({200, kStatus});
  EXPECT_TRUE(std::holds_alternative<Sent>(post(message("Vermist: jongen.", 7))));
  EXPECT_TRUE(std::holds_alternative<Sent>(post(message("Vermist: jongen.", 8))));
  const auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].headers.at("idempotency-key"), requests[1].headers.at("idempotency-key"));
  EXPECT_NE(requests[1].headers.at("idempotency-key"), requests[2].headers.at("idempotency-key"));
}

TEST_F(MastodonChannelTest, TooManyRequestsWaitsAsTheServerSays) {
  provider_.answer(FakeAnswer::too_many("7"));
  auto result = post(message("Vermist: jongen."));
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).after, 7000ms);

  // Mastodon's own throttle answers with X-RateLimit-Reset, an ISO 8601 time, and no Retry-After.
  const std::time_t at = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + 90s);
  char reset[32];
  std::strftime(reset, sizeof reset, "%Y-%m-%dT%H:%M:%S.000Z", std::gmtime(&at));
  provider_.answer({429, R"({"error":"Too many requests"})", {{"X-RateLimit-Reset", reset}}});
  result = post(message("Vermist: jongen."));
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  ASSERT_TRUE(std::get<Retry>(result).after.has_value());
  EXPECT_GE(*std::get<Retry>(result).after, 85s);
  EXPECT_LE(*std::get<Retry>(result).after, 91s);
}

TEST_F(MastodonChannelTest, ARefusedTokenOrStatusFailsAndAServerErrorRetries) {
  provider_.answer({401, R"({"error":"The access token is invalid"})"});
  auto result = post(message("Vermist: jongen."));
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, "mastodon: HTTP 401");

  provider_.answer({422, R"({"error":"Validation failed: Text character limit of 500 exceeded"})"});
  result = post(message("Vermist: jongen."));
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, "mastodon: HTTP 422");

  provider_.answer(FakeAnswer::status_only(502));
  EXPECT_TRUE(std::holds_alternative<Retry>(post(message("Vermist: jongen."))));
  EXPECT_EQ(log_.text().find(kToken), std::string::npos) << log_.text();
}

TEST_F(MastodonChannelTest, ALongStatusIsCutTo500CodePointsAtAWord) {
  std::string text = "Vermist:";
  while (code_points(text) < 700) text += " jongen met rode jas ééé 😀";
  ASSERT_TRUE(std::holds_alternative<Sent>(post(message(text))));
  const std::string sent = posted_status();
  EXPECT_LE(code_points(sent), 500u);
  EXPECT_GT(code_points(sent), 470u);  // Mastodon counts 😀 and é as one: X's 280 would be far less
  EXPECT_TRUE(sent.ends_with(" jas…") || sent.ends_with(" jongen…") || sent.ends_with(" ééé…") ||
              sent.ends_with(" met…") || sent.ends_with(" rode…") || sent.ends_with("😀…"))
      << sent;
  EXPECT_TRUE(text.starts_with(sent.substr(0, sent.size() - std::string("…").size()))) << sent;
}

TEST_F(MastodonChannelTest, ALinkCounts23SoALongLinkDoesNotShortenTheText) {
  const std::string link = "https://www.politie.nl/gezocht-en-vermist/" + std::string(80, 'a');
  std::string text = "Vermist: jongen. Meer: " + link + " ";
  while (code_points(text) < 560) text += "x";  // 560 code points, 560 - 122 + 23 = 461 as Mastodon counts
  ASSERT_EQ(message::post_length(text, message::PostCounting::kMastodon),
            code_points(text) - link.size() + 23);
  ASSERT_TRUE(std::holds_alternative<Sent>(post(message(text))));
  EXPECT_EQ(posted_status(), text);
}

TEST_F(MastodonChannelTest, NoPhoneNumberOrEmailAddressIsPosted) {
  ASSERT_TRUE(std::holds_alternative<Sent>(
      post(message("Tips aan j.jansen@example.nl of 06-12345678, of bel 0800-7000."))));
  const std::string sent = posted_status();
  EXPECT_EQ(sent.find("jansen"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("12345678"), std::string::npos) << sent;
  EXPECT_NE(sent.find("0800-7000"), std::string::npos) << sent;
}

TEST_F(MastodonChannelTest, VisibilityIsTheChannelsAndAnUnknownOneIsAConfigErrorNamingTheKey) {
  make({{"visibility", "unlisted"}});
  ASSERT_TRUE(std::holds_alternative<Sent>(post(message("Vermist: jongen."))));
  EXPECT_EQ(nlohmann::json::parse(provider_.requests().front().body).at("visibility"), "unlisted");

  const nlohmann::json document = {{"database", {{"url", "postgresql:///x"}}},
                                   {"channels",
                                    {{"mastodon",
                                      {{"driver", "mastodon"},
                                       {"base_url", "https://social.example"},
                                       {"token_file", dir_ + "/token"},
                                       {"visibility", "everyone"}}}}}};
  try {
    config::parse_config(document);
    FAIL() << "a visibility Mastodon does not know was accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("channels.mastodon.visibility"), std::string::npos) << e.what();
  }
}

TEST_F(MastodonChannelTest, AnAccountPostsWithItsOwnTokenOnItsOwnServer) {
  FakeProvider west;
  west.latency(200ms, 500ms);
  west.answer({200, R"({"id":"42"})"});
  // One client per channel, so one ca_file: a bundle of both fakes' CAs.
  const std::string bundle = dir_ + "/cas.pem";
  {
    std::ofstream out(bundle);
    out << std::ifstream(provider_.ca_file()).rdbuf() << std::ifstream(west.ca_file()).rdbuf();
  }
  const nlohmann::json accounts = {
      {"national", {{"national", true}}},
      {"west", {{"regions", {"PE-AMS"}}, {"token_file", dir_ + "/west"}, {"base_url", west.url()}}}};
  make({{"accounts", accounts}, {"ca_file", bundle}});

  auto m = message("Vermist: jongen.");
  m.to = "west";
  auto result = post(m);
  ASSERT_TRUE(std::holds_alternative<Sent>(result)) << reason_of(result);
  EXPECT_EQ(std::get<Sent>(result).provider_ref, "42");
  ASSERT_EQ(west.request_count(), 1u);
  EXPECT_EQ(west.requests().front().headers.at("authorization"), "Bearer " + kWestToken);
  EXPECT_EQ(provider_.request_count(), 0u);

  m.to = "national";  // no token of its own: the channel's, on the channel's server
  ASSERT_TRUE(std::holds_alternative<Sent>(post(m)));
  ASSERT_EQ(provider_.request_count(), 1u);
  EXPECT_EQ(provider_.requests().front().headers.at("authorization"), "Bearer " + kToken);

  m.to = "elsewhere";  // removed from the config after its post was queued
  result = post(m);
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, "mastodon: no such account in the config");
  EXPECT_EQ(provider_.request_count() + west.request_count(), 2u);
  EXPECT_EQ(log_.text().find(kWestToken), std::string::npos) << log_.text();
}

}  // namespace
