// The conformance suite every HTTP channel driver passes against the fake provider on loopback
// TLS: success and its provider reference, each failure class, timeouts, rate limit, circuit
// breaker, keep-alive, certificate and host-name checks, and no secret in any reason or log.
//
// To add a driver (x, fcm, ...): add one DriverCase to kDrivers below:
//   - `settings(provider_url, secrets_dir)`: the channel's config object, pointed at the fake
//     (write its secret files into secrets_dir; use kSecret / kPhone so the leak check sees them);
//   - `message`: the OutboundMessage to send (broadcast drivers: to = nullopt);
//   - `success`: what the provider answers on success, and `ref` the provider_ref expected;
//   - `check`: assertions on the request the fake recorded (method, path, auth, body);
//   - `secrets`: every string that must never appear in a stored reason or a log line.
//   - `side`: answers to requests that are not sends (fcm's OAuth token endpoint): served on their
//     own paths whatever the test answers, and not counted as the driver's requests.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "burgernet/channel/http_channel.hpp"
#include "burgernet/channel/registry.hpp"
#include "burgernet/net/encoding.hpp"
#include "burgernet/net/held_messages.hpp"
#include "channel/x/oauth1_signer.hpp"
#include "support/channel_harness.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_provider.hpp"
#include "support/service_account.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;
using channel::Failed;
using channel::OutboundMessage;
using channel::Retry;
using channel::Sent;
using channel::SendResult;

namespace {

const std::string kSecret = "s3cr3t-TOKEN-value-42";
const std::string kPhone = "+31612345678";

struct DriverCase {
  std::string name;  // the driver
  std::function<nlohmann::json(const std::string& provider_url, const std::string& secrets_dir)> settings;
  OutboundMessage message;
  FakeAnswer success;
  std::optional<std::string> ref;
  std::function<void(const RecordedRequest&)> check;
  std::vector<std::string> secrets;
  std::map<std::string, FakeAnswer> side = {};
};

void write_file(const std::string& path, const std::string& content) { std::ofstream(path) << content << "\n"; }

std::map<std::string, std::string> form(const std::string& body) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : net::form_decode(body)) out[k] = v;
  return out;
}

const std::string kPushToken = "fcm-registration-token:APA91bE3kLmN0pQ";

// A line from the middle of the service account's private key: must never be seen again.
std::string private_key_line() {
  const auto& pem = test_service_account().private_key_pem;
  return pem.substr(pem.find('\n') + 1, 48);
}

OutboundMessage push_message() {
  OutboundMessage m;
  m.delivery_id = 43;
  m.action_id = "00000000-0000-0000-0000-0000000000a1";
  m.channel = "push";
  m.kind = "action";
  m.to = kPushToken;
  m.title = "Burgernet: vermiste jongen";
  m.text = "Vermist: jongen (8), rode jas. Tips: 0800-0011";
  m.data = {{"action_id", "00000000-0000-0000-0000-0000000000a1"}, {"kind", "action"}};
  return m;
}

OutboundMessage sms_message() {
  OutboundMessage m;
  m.delivery_id = 42;
  m.action_id = "00000000-0000-0000-0000-0000000000a1";
  m.channel = "sms";
  m.kind = "action";
  m.to = kPhone;
  m.title = "Vermiste jongen";
  m.text = "Burgernet: vermist <jongen> & \"rode\" jas. Tips: 0800-0011";
  return m;
}

const std::string kXTokenSecret = "x-token-secret-9f8e7d";
const std::string kXAccessToken = "1234567890-xAccessTokenValue";

OutboundMessage post_message() {
  auto m = sms_message();
  m.channel = "twitter";
  m.to = std::nullopt;
  return m;
}

std::map<std::string, std::string> oauth_fields(const std::string& header) {
  std::map<std::string, std::string> out;
  std::string rest = header.substr(header.find(' ') + 1);
  std::stringstream fields(rest);
  for (std::string field; std::getline(fields, field, ',');) {
    while (!field.empty() && field.front() == ' ') field.erase(0, 1);
    const auto eq = field.find('=');
    std::string value = field.substr(eq + 1);
    value = value.substr(1, value.size() - 2);
    out[field.substr(0, eq)] = net::form_decode("v=" + value).front().second;
  }
  return out;
}

const std::vector<DriverCase>& drivers() {
  static const std::vector<DriverCase> cases = {
      {"webhook",
       [](const std::string& url, const std::string& dir) {
         write_file(dir + "/webhook_secret", kSecret);
         return nlohmann::json{{"driver", "webhook"}, {"url", url + "/hooks/burgernet?team=7"},
                               {"secret_file", dir + "/webhook_secret"}};
       },
       sms_message(), FakeAnswer::ok("{}"), std::nullopt,
       [](const RecordedRequest& r) {
         EXPECT_EQ(r.method, "POST");
         EXPECT_EQ(r.target, "/hooks/burgernet?team=7");
         EXPECT_EQ(r.headers.at("content-type"), "application/json");
         EXPECT_EQ(r.headers.at("x-burgernet-signature"), "sha256=" + net::to_hex(net::hmac_sha256(kSecret, r.body)));
         const auto body = nlohmann::json::parse(r.body);
         EXPECT_EQ(body.at("delivery_id"), 42);
         EXPECT_EQ(body.at("action_id"), "00000000-0000-0000-0000-0000000000a1");
         EXPECT_EQ(body.at("kind"), "action");
         EXPECT_EQ(body.at("title"), "Vermiste jongen");
         EXPECT_EQ(body.at("text"), sms_message().text);
         EXPECT_TRUE(body.at("data").is_object());
       },
       {kSecret}},
      {"twilio_sms",
       [](const std::string& url, const std::string& dir) {
         write_file(dir + "/twilio_token", kSecret);
         return nlohmann::json{{"driver", "twilio_sms"}, {"base_url", url}, {"account_sid", "AC0123"},
                               {"auth_token_file", dir + "/twilio_token"}, {"from", "+3197010000000"},
                               {"status_callback_url", "https://burgernet.example/v1/callbacks/twilio"}};
       },
       sms_message(), FakeAnswer{201, R"({"sid":"SM0123456789abcdef","status":"queued"})"}, "SM0123456789abcdef",
       [](const RecordedRequest& r) {
         EXPECT_EQ(r.method, "POST");
         EXPECT_EQ(r.target, "/2010-04-01/Accounts/AC0123/Messages.json");
         EXPECT_EQ(r.headers.at("authorization"), "Basic " + net::to_base64("AC0123:" + kSecret));
         EXPECT_EQ(r.headers.at("content-type"), "application/x-www-form-urlencoded");
         const auto f = form(r.body);
         EXPECT_EQ(f.at("To"), kPhone);
         EXPECT_EQ(f.at("From"), "+3197010000000");
         EXPECT_EQ(f.at("Body"), sms_message().text);
         // The delivery's id rides in the signed URL, so an early receipt still finds its row.
         EXPECT_EQ(f.at("StatusCallback"), "https://burgernet.example/v1/callbacks/twilio?delivery=42");
       },
       {kSecret, kPhone, kPhone.substr(1)}},
      {"twilio_voice",
       [](const std::string& url, const std::string& dir) {
         write_file(dir + "/twilio_token", kSecret);
         return nlohmann::json{{"driver", "twilio_voice"}, {"base_url", url + "/"}, {"account_sid", "AC0123"},
                               {"auth_token_file", dir + "/twilio_token"}, {"from", "+3197010000000"}};
       },
       sms_message(), FakeAnswer{201, R"({"sid":"CA0123456789abcdef","status":"queued"})"}, "CA0123456789abcdef",
       [](const RecordedRequest& r) {
         EXPECT_EQ(r.target, "/2010-04-01/Accounts/AC0123/Calls.json");
         EXPECT_EQ(r.headers.at("authorization"), "Basic " + net::to_base64("AC0123:" + kSecret));
         const auto f = form(r.body);
         EXPECT_EQ(f.at("To"), kPhone);
         const std::string say = R"(<Say language="nl-NL">Burgernet: vermist &lt;jongen&gt; &amp; &quot;rode&quot; )"
                                 R"(jas. Tips: 0800-0011</Say>)";
         EXPECT_EQ(f.at("Twiml"), "<Response>" + say + "<Pause length=\"1\"/>" + say + "</Response>");
         EXPECT_FALSE(f.contains("StatusCallback"));
         EXPECT_FALSE(f.contains("Body"));
       },
       {kSecret, kPhone, kPhone.substr(1)}},
      {"x",
       [](const std::string& url, const std::string& dir) {
         write_file(dir + "/x_consumer_secret", kSecret);
         write_file(dir + "/x_token_secret", kXTokenSecret);
         return nlohmann::json{{"driver", "x"}, {"base_url", url}, {"consumer_key", "xConsumerKey"},
                               {"consumer_secret_file", dir + "/x_consumer_secret"},
                               {"access_token", kXAccessToken},
                               {"access_token_secret_file", dir + "/x_token_secret"}};
       },
       post_message(), FakeAnswer{201, R"({"data":{"id":"1445880548472328192","text":"posted"}})"},
       "1445880548472328192",
       [](const RecordedRequest& r) {
         EXPECT_EQ(r.method, "POST");
         EXPECT_EQ(r.target, "/2/tweets");
         EXPECT_EQ(r.headers.at("content-type"), "application/json");
         EXPECT_EQ(nlohmann::json::parse(r.body), (nlohmann::json{{"text", post_message().text}}));
         // The signature checks out for this URL with these secrets, the JSON body unsigned.
         const auto oauth = oauth_fields(r.headers.at("authorization"));
         EXPECT_TRUE(r.headers.at("authorization").starts_with("OAuth "));
         EXPECT_EQ(oauth.at("oauth_consumer_key"), "xConsumerKey");
         EXPECT_EQ(oauth.at("oauth_token"), kXAccessToken);
         EXPECT_EQ(oauth.at("oauth_signature_method"), "HMAC-SHA1");
         EXPECT_EQ(oauth.at("oauth_version"), "1.0");
         const channel::OAuth1Signer signer({"xConsumerKey", kSecret, kXAccessToken, kXTokenSecret});
         const auto expected = signer.parameters({"POST", "https://" + r.headers.at("host") + "/2/tweets"},
                                                 oauth.at("oauth_nonce"), std::stoll(oauth.at("oauth_timestamp")));
         EXPECT_EQ(oauth.at("oauth_signature"), expected.back().second);
       },
       {kSecret, kXTokenSecret}},
      {"mastodon",
       [](const std::string& url, const std::string& dir) {
         write_file(dir + "/mastodon_token", kSecret);
         return nlohmann::json{{"driver", "mastodon"}, {"base_url", url + "/"},
                               {"token_file", dir + "/mastodon_token"}};
       },
       post_message(), FakeAnswer::ok(R"({"id":"109372843234","visibility":"public"})"), "109372843234",
       [](const RecordedRequest& r) {
         EXPECT_EQ(r.method, "POST");
         EXPECT_EQ(r.target, "/api/v1/statuses");
         EXPECT_EQ(r.headers.at("authorization"), "Bearer " + kSecret);
         EXPECT_EQ(r.headers.at("content-type"), "application/json");
         EXPECT_EQ(nlohmann::json::parse(r.body),
                   (nlohmann::json{{"status", post_message().text}, {"visibility", "public"}, {"language", "nl"}}));
       },
       {kSecret}},
      {"fcm",
       [](const std::string& url, const std::string& dir) {
         test_service_account().write(dir + "/service_account.json", url + "/token");
         return nlohmann::json{{"driver", "fcm"}, {"base_url", url}, {"project_id", "burgernet-test"},
                               {"service_account_file", dir + "/service_account.json"}};
       },
       push_message(), FakeAnswer::ok(R"({"name":"projects/burgernet-test/messages/0:1500415314455276%31bd"})"),
       "projects/burgernet-test/messages/0:1500415314455276%31bd",
       [](const RecordedRequest& r) {
         EXPECT_EQ(r.method, "POST");
         EXPECT_EQ(r.target, "/v1/projects/burgernet-test/messages:send");
         EXPECT_EQ(r.headers.at("authorization"), "Bearer " + kSecret);
         EXPECT_TRUE(r.headers.at("content-type").starts_with("application/json")) << r.headers.at("content-type");
         const auto body = nlohmann::json::parse(r.body).at("message");
         EXPECT_EQ(body.at("token"), kPushToken);
         EXPECT_EQ(body.at("notification").at("title"), "Burgernet: vermiste jongen");
         EXPECT_EQ(body.at("notification").at("body"), push_message().text);
         EXPECT_EQ(body.at("data").at("action_id"), "00000000-0000-0000-0000-0000000000a1");
         EXPECT_EQ(body.at("android").at("priority"), "high");
         EXPECT_EQ(body.at("apns").at("headers").at("apns-priority"), "10");
       },
       {kSecret, kPushToken, private_key_line()},
       {{"/token", FakeAnswer::ok(nlohmann::json{{"access_token", kSecret}, {"expires_in", 3599},
                                                 {"token_type", "Bearer"}}.dump())}}},
  };
  return cases;
}

// The idempotency key a driver's request carries, "" when it carries none.
std::string key_of(const std::string& driver, const RecordedRequest& r) {
  const auto header = [&r](const std::string& name) {
    const auto it = r.headers.find(name);
    return it == r.headers.end() ? std::string() : it->second;
  };
  if (driver == "twilio_sms" || driver == "twilio_voice") return header("i-twilio-idempotency-token");
  if (driver == "webhook" || driver == "mastodon") return header("idempotency-key");
  if (driver == "fcm") {
    const auto message = nlohmann::json::parse(r.body).at("message");
    // The app's key, and what makes a repeat replace the notification: all alike, or nothing.
    const std::string key = message.at("data").value("burgernet_message_id", "");
    const std::string collapse = message.at("android").value("collapse_key", "");
    EXPECT_EQ(message.at("android").at("notification").value("tag", ""), collapse);
    EXPECT_EQ(message.at("apns").at("headers").value("apns-collapse-id", ""), collapse);
    return collapse.empty() ? "" : key + " " + collapse;
  }
  return "";
}

class HttpDriverConformance : public ::testing::TestWithParam<DriverCase> {
 protected:
  void SetUp() override { dir_ = make_temp_dir("driver-secrets-"); }
  void TearDown() override {
    channels_.clear();
    // Nothing any test in the suite logged may hold a secret or a phone number.
    for (const auto& secret : GetParam().secrets) {
      EXPECT_EQ(log_.text().find(secret), std::string::npos) << "a secret or phone number in the log: " << log_.text();
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // The driver as the daemon builds it, from a config, through the registry.
  std::shared_ptr<channel::Channel> make(const std::string& provider_url, nlohmann::json extra = nlohmann::json::object()) {
    auto settings = GetParam().settings(provider_url, dir_);
    config::ChannelConfig c;
    c.name = "under_test";
    c.driver = GetParam().name;
    c.timeout = std::chrono::milliseconds(extra.value("timeout_ms", 2000));
    c.concurrency = extra.value("concurrency", 4);
    c.rate_per_s = extra.value("rate_per_s", 0.0);
    c.circuit_failures = extra.value("circuit_failures", 5);
    c.circuit_open = std::chrono::milliseconds(extra.value("circuit_open_ms", 30000));
    if (extra.contains("ca_file")) {
      settings["ca_file"] = extra["ca_file"];
    } else {
      settings["ca_file"] = provider_.ca_file();
    }
    c.settings = settings;
    for (const auto& [path, answer] : GetParam().side) provider_.serve(path, answer);
    config::Config config;
    config.channels.emplace(c.name, c);
    auto made = channel::make_channels(config, io_.get_executor());
    channels_.push_back(made.at(c.name));
    return channels_.back();
  }

  std::vector<SendResult> send(channel::Channel& channel, std::vector<OutboundMessage> batch) {
    auto results = send_batch(channel, std::move(batch), io_);
    for (const auto& result : results) remember_reason(result);
    return results;
  }

  SendResult send_one(channel::Channel& channel) {
    auto results = send(channel, {GetParam().message});
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? SendResult(Retry{}) : results.front();
  }

  void remember_reason(const SendResult& result) {
    const std::string reason = reason_of(result);
    for (const auto& secret : GetParam().secrets) {
      EXPECT_EQ(reason.find(secret), std::string::npos) << "a secret or phone number in a reason: " << reason;
    }
    EXPECT_EQ(reason.find("127.0.0.1"), std::string::npos) << "a URL in a reason: " << reason;
    EXPECT_LE(reason.size(), 80u) << reason;
  }

  CapturedLog log_{"conformance"};  // first in, last out: it outlives every channel
  boost::asio::io_context io_;      // before the channels: their connections live on it
  FakeProvider provider_;
  std::string dir_;
  std::vector<std::shared_ptr<channel::Channel>> channels_;
};

TEST_P(HttpDriverConformance, SuccessIsSentWithTheProvidersReference) {
  provider_.answer(GetParam().success);
  auto channel = make(provider_.url());
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Sent>(result));
  EXPECT_EQ(std::get<Sent>(result).provider_ref, GetParam().ref);
  ASSERT_GE(provider_.request_count(), 1u);
  GetParam().check(provider_.requests().back());
}

TEST_P(HttpDriverConformance, EveryAttemptOfADeliveryCarriesItsKeyAndAnotherDeliveryAnother) {
  if (GetParam().name == "x") GTEST_SKIP() << "X takes no key: it refuses a repeated text (x_channel_test)";
  // A provider as slow as real ones, whose first answer comes after the client gave up: the
  // provider may have acted on it, so the retry must be recognisable as the same delivery.
  provider_.latency(20ms, 80ms);
  auto answered = std::make_shared<std::atomic<int>>(0);
  provider_.answer_with([answered, success = GetParam().success](const RecordedRequest&) {
    auto answer = success;
    if ((*answered)++ == 0) answer.delay = 1000ms;
    return answer;
  });
  auto channel = make(provider_.url(), {{"timeout_ms", 400}});
  const auto late = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(late));
  EXPECT_EQ(std::get<Retry>(late).reason, GetParam().name + ": timeout");
  EXPECT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));
  auto other = GetParam().message;
  other.delivery_id += 1;
  EXPECT_TRUE(std::holds_alternative<Sent>(send(*channel, {other}).at(0)));

  const auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), 3u);
  const std::string first = key_of(GetParam().name, requests[0]);
  EXPECT_TRUE(first.starts_with(channel::idempotency_key(GetParam().message))) << first;
  EXPECT_EQ(key_of(GetParam().name, requests[1]), first);  // the retry: the same key
  const std::string another = key_of(GetParam().name, requests[2]);
  EXPECT_FALSE(another.empty());
  EXPECT_NE(another, first);
}

TEST_P(HttpDriverConformance, ServerErrorIsARetry) {
  provider_.answer(FakeAnswer::status_only(503));
  auto channel = make(provider_.url());
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_TRUE(std::get<Retry>(result).counts_attempt);
  EXPECT_EQ(std::get<Retry>(result).reason, GetParam().name + ": HTTP 503");
}

TEST_P(HttpDriverConformance, TooManyRequestsRetriesAfterWhatTheProviderSaid) {
  provider_.answer(FakeAnswer::too_many("7"));
  auto channel = make(provider_.url());
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).after, 7000ms);
}

TEST_P(HttpDriverConformance, PermanentClientErrorFails) {
  provider_.answer(FakeAnswer::status_only(400));
  auto channel = make(provider_.url());
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(std::get<Failed>(result).reason, GetParam().name + ": HTTP 400");
}

TEST_P(HttpDriverConformance, StallPastTheTimeoutIsARetry) {
  provider_.answer(FakeAnswer::stalled());
  auto channel = make(provider_.url(), {{"timeout_ms", 300}});
  const auto started = std::chrono::steady_clock::now();
  const auto result = send_one(*channel);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, GetParam().name + ": timeout");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 2000ms);
}

TEST_P(HttpDriverConformance, ClosedConnectionIsARetry) {
  provider_.answer(FakeAnswer::closed());
  auto channel = make(provider_.url());
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, GetParam().name + ": connection closed");
}

TEST_P(HttpDriverConformance, RefusedConnectionIsARetry) {
  auto channel = make("https://127.0.0.1:" + std::to_string(free_port()));
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, GetParam().name + ": connection refused");
}

TEST_P(HttpDriverConformance, UntrustedCertificateIsNeverSentToAndHoldsTheMessages) {
  FakeProvider stranger;  // signed by a CA the channel does not trust
  auto channel = make(stranger.url());
  for (int i = 0; i < 2; ++i) {
    const auto result = send_one(*channel);
    ASSERT_TRUE(std::holds_alternative<Retry>(result));
    EXPECT_EQ(std::get<Retry>(result).reason, GetParam().name + ": TLS error");
    // Never offered, and only an operator can fix it: no attempt is spent.
    EXPECT_FALSE(std::get<Retry>(result).counts_attempt);
    EXPECT_EQ(std::get<Retry>(result).after, net::kHoldFor);
  }
  EXPECT_EQ(stranger.request_count(), 0u);
  // One error line for the episode, not one per message; and a count for the metric.
  const std::string log = log_.text();
  EXPECT_NE(log.find("[error] " + GetParam().name + ": the TLS handshake with the provider failed"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("TLS handshake with the provider failed"), log.rfind("TLS handshake with the provider failed"))
      << log;
  const auto* http = dynamic_cast<channel::HttpChannel*>(channel.get());
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->held_counts().at("tls"), 2u);
}

TEST_P(HttpDriverConformance, CertificateForAnotherHostIsNeverSentTo) {
  FakeProvider impostor("DNS:api.other.example");
  auto channel = make(impostor.url(), {{"ca_file", impostor.ca_file()}});
  const auto result = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(impostor.request_count(), 0u);
}

TEST_P(HttpDriverConformance, KeepsConnectionsAlive) {
  provider_.answer(GetParam().success);
  auto channel = make(provider_.url(), {{"concurrency", 1}});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));
  EXPECT_EQ(provider_.connections_accepted(), 1u);
}

TEST_P(HttpDriverConformance, BatchResultsKeepTheirOrder) {
  provider_.answer_with([](const RecordedRequest& r) {
    // The webhook's body carries the delivery id; Twilio's carries the text.
    const bool odd = r.body.find("\"delivery_id\":1,") != std::string::npos || r.body.find("odd") != std::string::npos;
    return odd ? FakeAnswer::status_only(400) : FakeAnswer{201, R"({"sid":"X"})"};
  });
  auto channel = make(provider_.url(), {{"concurrency", 3}});
  std::vector<OutboundMessage> batch;
  for (int i = 0; i < 9; ++i) {
    auto m = GetParam().message;
    m.delivery_id = 100 + i;
    if (i == 4) {
      m.delivery_id = 1;
      m.text = "odd one";
    }
    batch.push_back(m);
  }
  const auto results = send(*channel, batch);
  ASSERT_EQ(results.size(), 9u);
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(std::holds_alternative<Failed>(results[i]), i == 4) << i;
  }
}

TEST_P(HttpDriverConformance, RateLimitIsHonoured) {
  provider_.answer(GetParam().success);
  constexpr int kMessages = 21;
  constexpr double kRate = 20;
  auto channel = make(provider_.url(), {{"rate_per_s", kRate}, {"concurrency", 4}});
  std::vector<OutboundMessage> batch(kMessages, GetParam().message);
  const auto started = std::chrono::steady_clock::now();
  const auto results = send(*channel, batch);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (const auto& r : results) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  // The first goes at once, the other 20 one every 1/20 s: 1.0 s.
  const double expected = (kMessages - 1) / kRate;
  std::cout << "[ rate ] " << GetParam().name << ": " << kMessages << " messages at " << kRate << "/s took " << took
            << " s (expected " << expected << " s)\n";
  EXPECT_GE(took, expected * 0.95);
  EXPECT_LT(took, expected + 0.6);
  const auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), static_cast<std::size_t>(kMessages));
  // No second of arrivals holds more than the rate (plus one for the window's edges).
  for (std::size_t i = 0; i < requests.size(); ++i) {
    std::size_t within = 0;
    for (std::size_t j = i; j < requests.size() && requests[j].at - requests[i].at < 1s; ++j) ++within;
    EXPECT_LE(within, static_cast<std::size_t>(kRate) + 1);
  }
}

TEST_P(HttpDriverConformance, CircuitOpensAfterRepeatedFailuresAndClosesAfterAProbe) {
  provider_.answer(FakeAnswer::status_only(503));
  auto channel = make(provider_.url(), {{"circuit_failures", 3}, {"circuit_open_ms", 400}});
  for (int i = 0; i < 3; ++i) {
    const auto result = send_one(*channel);
    ASSERT_TRUE(std::holds_alternative<Retry>(result));
    EXPECT_TRUE(std::get<Retry>(result).counts_attempt);
  }
  // Open: the provider is not asked, and the message waits without spending an attempt.
  const auto blocked = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(blocked));
  EXPECT_FALSE(std::get<Retry>(blocked).counts_attempt);
  EXPECT_EQ(std::get<Retry>(blocked).reason, GetParam().name + ": circuit open");
  EXPECT_TRUE(std::get<Retry>(blocked).after.has_value());
  EXPECT_EQ(provider_.request_count(), 3u);

  // A probe that finds the provider still down asked on behalf of every waiting message: it
  // spends no attempt of its own message, which waits for the next probe like the others.
  std::this_thread::sleep_for(450ms);
  const auto failed_probe = send_one(*channel);
  ASSERT_TRUE(std::holds_alternative<Retry>(failed_probe));
  EXPECT_FALSE(std::get<Retry>(failed_probe).counts_attempt);
  ASSERT_TRUE(std::get<Retry>(failed_probe).after.has_value());
  EXPECT_GT(*std::get<Retry>(failed_probe).after, 300ms);
  EXPECT_EQ(provider_.request_count(), 4u);

  provider_.answer(GetParam().success);
  std::this_thread::sleep_for(450ms);
  EXPECT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));  // the probe
  EXPECT_TRUE(std::holds_alternative<Sent>(send_one(*channel)));  // closed again
  EXPECT_EQ(provider_.request_count(), 6u);
}

TEST_P(HttpDriverConformance, PermanentFailuresDoNotOpenTheCircuit) {
  // 403, not 404: a 404 that is not FCM's own answer holds fcm's messages (fcm_test).
  provider_.answer(FakeAnswer::status_only(403));
  auto channel = make(provider_.url(), {{"circuit_failures", 2}});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(std::holds_alternative<Failed>(send_one(*channel)));
  EXPECT_EQ(provider_.request_count(), 5u);
}

TEST_P(HttpDriverConformance, MissingSecretFileIsASetupErrorNamingTheKey) {
  auto settings = GetParam().settings(provider_.url(), dir_);
  std::string secret_key;
  for (auto& [key, value] : settings.items()) {
    if (key.ends_with("_file") && key != "ca_file") {
      secret_key = key;
      value = dir_ + "/missing";
    }
  }
  if (secret_key.empty()) GTEST_SKIP() << "this driver has no secret file";
  config::Config config;
  config::ChannelConfig c;
  c.name = "under_test";
  c.driver = GetParam().name;
  c.settings = settings;
  config.channels.emplace(c.name, c);
  try {
    channel::make_channels(config, io_.get_executor());
    FAIL() << "expected ChannelSetupError";
  } catch (const channel::ChannelSetupError& e) {
    EXPECT_NE(std::string(e.what()).find("channels.under_test." + secret_key), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Drivers, HttpDriverConformance, ::testing::ValuesIn(drivers()),
                         [](const ::testing::TestParamInfo<DriverCase>& info) { return info.param.name; });

}  // namespace
