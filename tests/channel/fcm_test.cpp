// The fcm driver against the fake provider on loopback TLS, past what the shared conformance
// table covers: the OAuth token's life (one request for many messages, renewed before it
// expires, dropped on a 401), the token endpoint's failures, and FCM's error classes.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "burgernet/net/encoding.hpp"
#include "burgernet/net/held_messages.hpp"
#include "channel/fcm/fcm_channel.hpp"
#include "support/channel_harness.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_provider.hpp"
#include "support/service_account.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;
using channel::Failed;
using channel::FcmChannel;
using channel::OutboundMessage;
using channel::Retry;
using channel::SendResult;
using channel::Sent;

namespace {

const std::string kAccessToken = "ya29.access-token-for-tests";
const std::string kPushToken = "device-registration-token:APA91bHun4MxP5egoKMwt2";

FakeAnswer token_answer(const std::string& access_token = kAccessToken, int expires_in = 3599) {
  return FakeAnswer::ok(
      nlohmann::json{{"access_token", access_token}, {"expires_in", expires_in}, {"token_type", "Bearer"}}
          .dump());
}

FakeAnswer fcm_error(unsigned status, const std::string& rpc_status, nlohmann::json details,
                     const std::string& message = "fake") {
  return {
      status,
      nlohmann::json{
          {"error",
           {{"code", status}, {"message", message}, {"status", rpc_status}, {"details", std::move(details)}}}}
          .dump(),
      {}};
}

nlohmann::json fcm_error_code(const std::string& code) {
  return {{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"}, {"errorCode", code}};
}

nlohmann::json bad_field(const std::string& field) {
  return {{"@type", "type.googleapis.com/google.rpc.BadRequest"},
          {"fieldViolations", {{{"field", field}, {"description", "Invalid value"}}}}};
}

OutboundMessage push(std::int64_t id = 7) {
  OutboundMessage m;
  m.delivery_id = id;
  m.action_id = "00000000-0000-0000-0000-0000000000a1";
  m.channel = "push";
  m.kind = "action";
  m.to = kPushToken;
  m.title = "Burgernet: inbraak";
  m.text = "Man in donkere jas gevlucht richting station.";
  m.data = {{"action_id", "00000000-0000-0000-0000-0000000000a1"}, {"kind", "action"}, {"attempt", 2}};
  return m;
}

class FcmDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    provider_.serve("/token", token_answer());
    provider_.answer(FakeAnswer::ok(R"({"name":"projects/test-project/messages/0:1"})"));
  }
  void TearDown() override {
    channel_.reset();
    // Never the key, an assertion, an access token or a push token in the log.
    EXPECT_EQ(log_.text().find(kAccessToken), std::string::npos) << log_.text();
    EXPECT_EQ(log_.text().find(kPushToken), std::string::npos) << log_.text();
    EXPECT_EQ(log_.text().find(key_line()), std::string::npos) << log_.text();
    for (const auto& r : provider_.side_requests()) {
      for (const auto& [name, value] : net::form_decode(r.body)) {
        if (name == "assertion") {
          EXPECT_EQ(log_.text().find(value.substr(value.rfind('.'))), std::string::npos);
        }
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static std::string key_line() {
    const auto& pem = test_service_account().private_key_pem;
    const auto start = pem.find('\n') + 1;
    return pem.substr(start, 40);
  }

  config::ChannelConfig config(nlohmann::json extra = nlohmann::json::object()) {
    test_service_account().write(dir_ + "/service_account.json", provider_.url("/token"));
    config::ChannelConfig c;
    c.name = "push";
    c.driver = "fcm";
    c.concurrency = 4;
    c.timeout = 2000ms;
    c.settings = {{"driver", "fcm"},
                  {"base_url", provider_.url()},
                  {"service_account_file", dir_ + "/service_account.json"},
                  {"ca_file", provider_.ca_file()}};
    c.settings.update(extra);
    return c;
  }

  FcmChannel& make(nlohmann::json extra = nlohmann::json::object()) {
    channel_ = std::make_unique<FcmChannel>(config(std::move(extra)), [this] { return now_; });
    return *channel_;
  }

  std::vector<SendResult> send(std::vector<OutboundMessage> batch) {
    auto results = send_batch(*channel_, std::move(batch), io_);
    for (const auto& result : results) {
      const std::string reason = reason_of(result);
      EXPECT_EQ(reason.find(kPushToken), std::string::npos) << reason;
      EXPECT_EQ(reason.find(kAccessToken), std::string::npos) << reason;
      EXPECT_LE(reason.size(), 80u) << reason;
    }
    return results;
  }
  SendResult send_one(OutboundMessage m = push()) { return send({std::move(m)}).at(0); }

  std::vector<OutboundMessage> batch(int n) {
    std::vector<OutboundMessage> out;
    for (int i = 0; i < n; ++i) out.push_back(push(100 + i));
    return out;
  }

  CapturedLog log_{"fcm"};
  boost::asio::io_context io_;
  FakeProvider provider_;
  std::string dir_ = make_temp_dir("fcm-test-");
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  std::unique_ptr<FcmChannel> channel_;
};

TEST_F(FcmDriver, SendsFcmsMessageWithTheAccessTokenAndReadsTheMessageName) {
  make({{"project_id", "burgernet-nl"}});
  const auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Sent>(result));
  EXPECT_EQ(std::get<Sent>(result).provider_ref, "projects/test-project/messages/0:1");
  ASSERT_EQ(provider_.request_count(), 1u);
  const auto r = provider_.requests().front();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/projects/burgernet-nl/messages:send");  // the config's project_id wins
  EXPECT_EQ(r.headers.at("authorization"), "Bearer " + kAccessToken);
  const auto body = nlohmann::json::parse(r.body);
  const auto& m = body.at("message");
  EXPECT_EQ(m.at("token"), kPushToken);
  EXPECT_EQ(m.at("notification"), (nlohmann::json{{"title", "Burgernet: inbraak"}, {"body", push().text}}));
  const std::string key = channel::idempotency_key(push());
  EXPECT_EQ(m.at("android"),
            (nlohmann::json{{"priority", "high"}, {"collapse_key", key}, {"notification", {{"tag", key}}}}));
  EXPECT_EQ(m.at("apns").at("headers").at("apns-priority"), "10");
  EXPECT_EQ(m.at("apns").at("headers").at("apns-collapse-id"), key);
  EXPECT_EQ(m.at("data").at("burgernet_message_id"), key);
  EXPECT_EQ(m.at("apns").at("payload").at("aps").at("sound"), "default");
  EXPECT_EQ(m.at("data").at("action_id"), "00000000-0000-0000-0000-0000000000a1");
  EXPECT_EQ(m.at("data").at("attempt"), "2");  // FCM takes strings only
  EXPECT_EQ(m.at("data").at("delivery_id"), "7");
  for (const auto& [name, value] : m.at("data").items()) EXPECT_TRUE(value.is_string()) << name;
}

TEST_F(FcmDriver, TheTokenRequestIsASignedServiceAccountGrant) {
  make();
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  const auto side = provider_.side_requests();
  ASSERT_EQ(side.size(), 1u);
  EXPECT_EQ(side[0].method, "POST");
  EXPECT_EQ(side[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  std::map<std::string, std::string> form;
  for (auto& [k, v] : net::form_decode(side[0].body)) form[k] = v;
  EXPECT_EQ(form.at("grant_type"), "urn:ietf:params:oauth:grant-type:jwt-bearer");
  const auto jwt = verify_rs256(form.at("assertion"), test_service_account().public_key_pem);
  ASSERT_TRUE(jwt) << "the assertion does not verify with the service account's public key";
  EXPECT_EQ(jwt->header.at("alg"), "RS256");
  EXPECT_EQ(jwt->claims.at("iss"), test_service_account().client_email);
  EXPECT_EQ(jwt->claims.at("scope"), "https://www.googleapis.com/auth/firebase.messaging");
  EXPECT_EQ(jwt->claims.at("aud"), provider_.url("/token"));
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const auto iat = jwt->claims.at("iat").get<std::int64_t>();
  EXPECT_NEAR(static_cast<double>(iat), static_cast<double>(now), 60);
  EXPECT_GT(jwt->claims.at("exp").get<std::int64_t>(), iat);
  EXPECT_LE(jwt->claims.at("exp").get<std::int64_t>(), iat + 3600);
}

TEST_F(FcmDriver, OneTokenRequestServesManyMessagesUntilShortlyBeforeItExpires) {
  make();
  // Four messages at once, all needing the token: one of them asks, the others wait for it.
  for (const auto& r : send(batch(20))) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  for (const auto& r : send(batch(5))) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  EXPECT_EQ(provider_.side_requests().size(), 1u);
  EXPECT_EQ(provider_.request_count(), 25u);

  now_ += 3599s - 61s;  // still more than a minute to go
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  EXPECT_EQ(provider_.side_requests().size(), 1u);

  provider_.serve("/token", token_answer("ya29.the-second-token"));
  now_ += 2s;  // within the last minute: renewed before FCM could refuse it
  for (const auto& r : send(batch(8))) EXPECT_TRUE(std::holds_alternative<Sent>(r));
  EXPECT_EQ(provider_.side_requests().size(), 2u);
  EXPECT_EQ(provider_.requests().back().headers.at("authorization"), "Bearer ya29.the-second-token");
}

TEST_F(FcmDriver, A401FromFcmDropsTheTokenAndTheNextAttemptFetchesANewOne) {
  make();
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  provider_.answer(fcm_error(401, "UNAUTHENTICATED", nlohmann::json::array()));
  const auto refused = send_one();
  ASSERT_TRUE(std::holds_alternative<Retry>(refused));
  EXPECT_EQ(std::get<Retry>(refused).reason, "fcm: HTTP 401 (access token refused)");
  EXPECT_EQ(provider_.side_requests().size(), 1u);

  provider_.answer(FakeAnswer::ok(R"({"name":"projects/p/messages/2"})"));
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  EXPECT_EQ(provider_.side_requests().size(), 2u);
}

TEST_F(FcmDriver, UnregisteredAndInvalidTokensFailAndDisableTheDevice) {
  make();
  provider_.answer(fcm_error(404, "NOT_FOUND", {fcm_error_code("UNREGISTERED")}));
  auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_TRUE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 404 UNREGISTERED");

  // FCM's answer to a malformed token: INVALID_ARGUMENT with an FcmError and no BadRequest,
  // its message naming the registration token.
  provider_.answer(fcm_error(400, "INVALID_ARGUMENT", {fcm_error_code("INVALID_ARGUMENT")},
                             "The registration token is not a valid FCM registration token"));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_TRUE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 400 invalid registration token");

  provider_.answer(fcm_error(400, "INVALID_ARGUMENT", {bad_field("message.token")}));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_TRUE(std::get<Failed>(result).disable_recipient);
}

TEST_F(FcmDriver, OtherErrorsKeepTheDevice) {
  make();
  // A bad field of ours, not the token's: the message fails, the device stays.
  provider_.answer(fcm_error(400, "INVALID_ARGUMENT",
                             {bad_field("message.data[0].value"), fcm_error_code("INVALID_ARGUMENT")}));
  auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 400 INVALID_ARGUMENT");

  provider_.answer(fcm_error(403, "PERMISSION_DENIED", {fcm_error_code("SENDER_ID_MISMATCH")}));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(std::get<Failed>(result).reason, "fcm: HTTP 403 SENDER_ID_MISMATCH");

  auto quota = fcm_error(429, "RESOURCE_EXHAUSTED", {fcm_error_code("QUOTA_EXCEEDED")});
  quota.headers = {{"Retry-After", "30"}};
  provider_.answer(quota);
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).after, 30000ms);
  EXPECT_EQ(std::get<Retry>(result).reason, "fcm: HTTP 429 QUOTA_EXCEEDED");

  // An APNs credential problem in Firebase is a 401 too, but not about our access token.
  provider_.answer(fcm_error(401, "UNAUTHENTICATED", {fcm_error_code("THIRD_PARTY_AUTH_ERROR")}));
  result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
  EXPECT_EQ(provider_.side_requests().size(), 1u);
}

TEST_F(FcmDriver, TokenEndpointOutageRetriesTheMessagesWithOneRequest) {
  make();
  auto outage = FakeAnswer::status_only(503);
  outage.headers = {{"Retry-After", "12"}};
  provider_.serve("/token", outage);
  const auto results = send(batch(4));
  for (const auto& r : results) {
    ASSERT_TRUE(std::holds_alternative<Retry>(r));
    EXPECT_EQ(std::get<Retry>(r).reason, "fcm: token endpoint HTTP 503");
    EXPECT_EQ(std::get<Retry>(r).after, 12000ms);
  }
  EXPECT_EQ(provider_.side_requests().size(), 1u);  // the others waited for its outcome
  EXPECT_EQ(provider_.request_count(), 0u);

  provider_.serve("/token", token_answer());
  EXPECT_TRUE(std::holds_alternative<Sent>(send_one()));
}

TEST_F(FcmDriver, TokenEndpointTimeoutIsARetry) {
  make();
  provider_.serve("/token", FakeAnswer::stalled());
  channel_ = std::make_unique<FcmChannel>(
      [&] {
        auto c = config();
        c.timeout = 300ms;
        return c;
      }(),
      [this] { return now_; });
  const auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Retry>(result));
  EXPECT_EQ(std::get<Retry>(result).reason, "fcm: timeout");
}

// Every one of `results` is held: a Retry for `reason` that spends no attempt and disables nothing.
::testing::AssertionResult all_held(const std::vector<SendResult>& results, const std::string& reason) {
  for (const auto& result : results) {
    const auto* retry = std::get_if<Retry>(&result);
    if (!retry || retry->reason != reason || retry->counts_attempt || retry->after != net::kHoldFor) {
      return ::testing::AssertionFailure()
             << "not held for \"" << reason << "\": \"" << reason_of(result) << "\""
             << (retry && retry->counts_attempt ? " (counts an attempt)" : "");
    }
  }
  return ::testing::AssertionSuccess();
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(FcmDriver, RefusedServiceAccountHoldsTheMessagesUntilTheTokenEndpointAcceptsItAgain) {
  make();
  provider_.serve(
      "/token",
      FakeAnswer{400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})", {}});
  // Not the messages' fault: held without spending attempts, no device disabled, FCM not asked.
  EXPECT_TRUE(all_held(send(batch(3)), "fcm: token refused (HTTP 400 invalid_grant)"));
  EXPECT_EQ(provider_.request_count(), 0u);
  EXPECT_EQ(provider_.side_requests().size(), 1u);
  // Within the hold the endpoint is not asked again; the episode has one error line.
  now_ += 10s;
  EXPECT_TRUE(all_held(send(batch(2)), "fcm: token refused (HTTP 400 invalid_grant)"));
  EXPECT_EQ(provider_.side_requests().size(), 1u);
  EXPECT_EQ(occurrences(log_.text(), "refused the service account"), 1u) << log_.text();
  EXPECT_NE(log_.text().find(
                "[error] fcm: the token endpoint refused the service account (HTTP 400, invalid_grant)"),
            std::string::npos)
      << log_.text();
  EXPECT_EQ(channel_->held_counts().at("token_refused"), 5u);

  // Still refused after the hold (another code): asked once more, still the same episode.
  provider_.serve("/token", FakeAnswer{401, R"({"error":"invalid_client"})", {}});
  now_ += net::kHoldFor;
  EXPECT_TRUE(all_held(send(batch(1)), "fcm: token refused (HTTP 401 invalid_client)"));
  EXPECT_EQ(provider_.side_requests().size(), 2u);
  EXPECT_EQ(occurrences(log_.text(), "refused the service account"), 1u) << log_.text();

  // The operator fixes it: after the hold, the next message gets a token and goes.
  provider_.serve("/token", token_answer());
  now_ += net::kHoldFor;
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  EXPECT_EQ(provider_.side_requests().size(), 3u);
  EXPECT_NE(log_.text().find("[info] fcm: the token endpoint accepts the service account again"),
            std::string::npos)
      << log_.text();
}

TEST_F(FcmDriver, AServiceAccountFileBrokenAfterARefusalHoldsTooAndItsFixIsReadWithoutARestart) {
  make();
  provider_.serve("/token", FakeAnswer{400, R"({"error":"invalid_grant"})", {}});
  EXPECT_TRUE(all_held(send(batch(1)), "fcm: token refused (HTTP 400 invalid_grant)"));
  std::ofstream(dir_ + "/service_account.json") << "{ not json";
  now_ += net::kHoldFor;
  EXPECT_TRUE(all_held(send(batch(2)), "fcm: service account unusable"));
  EXPECT_EQ(provider_.side_requests().size(), 1u);  // nothing to sign with: not asked
  EXPECT_NE(log_.text().find("channels.push.service_account_file"), std::string::npos) << log_.text();

  provider_.serve("/token", token_answer());
  test_service_account().write(dir_ + "/service_account.json", provider_.url("/token"));
  now_ += net::kHoldFor;
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  EXPECT_EQ(channel_->held_counts().at("service_account"), 2u);
}

TEST_F(FcmDriver, ABare404IsAMisconfigurationThatHoldsAndDisablesNoDevice) {
  make();
  // What some other server on base_url answers: no google.rpc.Status, no UNREGISTERED.
  provider_.answer(FakeAnswer{404, "<html><body>Not Found</body></html>", {}});
  for (int i = 0; i < 2; ++i) {
    const auto result = send_one();
    ASSERT_TRUE(std::holds_alternative<Retry>(result)) << reason_of(result);
    EXPECT_FALSE(std::get<Retry>(result).counts_attempt);
    EXPECT_EQ(std::get<Retry>(result).reason, "fcm: HTTP 404, not FCM's answer (check base_url)");
  }
  // FCM's NOT_FOUND without UNREGISTERED (a wrong project) disables nothing either.
  provider_.answer(fcm_error(404, "NOT_FOUND", nlohmann::json::array(), "Requested entity was not found."));
  const auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Retry>(result)) << reason_of(result);
  EXPECT_FALSE(std::get<Retry>(result).counts_attempt);
  EXPECT_EQ(occurrences(log_.text(), "without FCM's UNREGISTERED"), 1u) << log_.text();
  EXPECT_EQ(channel_->held_counts().at("not_fcm"), 3u);

  provider_.answer(FakeAnswer::ok(R"({"name":"projects/test-project/messages/0:2"})"));
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one()));
  EXPECT_NE(log_.text().find("[info] fcm: the send URL answers as FCM again"), std::string::npos)
      << log_.text();
}

TEST_F(FcmDriver, InvalidArgumentNotAboutTheTokenKeepsTheDevice) {
  make();
  // INVALID_ARGUMENT about our payload, without a BadRequest detail: the message fails, the
  // device stays.
  provider_.answer(
      fcm_error(400, "INVALID_ARGUMENT", {fcm_error_code("INVALID_ARGUMENT")}, "Android message is too big"));
  const auto result = send_one();
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_FALSE(std::get<Failed>(result).disable_recipient);
}

TEST_F(FcmDriver, RepeatsOfADeliveryCollapseAndOtherDeliveriesDoNot) {
  make();
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one(push(7))));
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one(push(7))));
  ASSERT_TRUE(std::holds_alternative<Sent>(send_one(push(8))));
  const auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), 3u);
  const auto ids = [](const RecordedRequest& r) {
    const auto m = nlohmann::json::parse(r.body).at("message");
    return std::vector<std::string>{
        m.at("data").at("burgernet_message_id"), m.at("android").at("collapse_key"),
        m.at("android").at("notification").at("tag"), m.at("apns").at("headers").at("apns-collapse-id")};
  };
  EXPECT_EQ(ids(requests[0]), ids(requests[1]));
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NE(ids(requests[0])[i], ids(requests[2])[i]) << i;
}

TEST(FcmCollapseId, FitsApplesSixtyFourBytesAndStaysStable) {
  OutboundMessage m = push(7);
  EXPECT_EQ(FcmChannel::collapse_id(m), channel::idempotency_key(m));  // short keys as they are
  m.delivery_id = 9223372036854775807;                                 // the longest key: 66 bytes
  ASSERT_GT(channel::idempotency_key(m).size(), 64u);
  const std::string id = FcmChannel::collapse_id(m);
  EXPECT_LE(id.size(), 64u);
  EXPECT_TRUE(id.starts_with("burgernet-")) << id;
  EXPECT_EQ(id, FcmChannel::collapse_id(m));
  auto other = m;
  other.delivery_id -= 1;
  EXPECT_NE(FcmChannel::collapse_id(other), id);
  EXPECT_EQ(id.find_first_not_of("burgetn-0123456789abcdef"), std::string::npos) << id;
}

TEST_F(FcmDriver, AMessageWithoutAPushTokenFailsWithoutAskingAnyone) {
  make();
  auto m = push();
  m.to.reset();
  const auto result = send_one(m);
  ASSERT_TRUE(std::holds_alternative<Failed>(result));
  EXPECT_EQ(provider_.side_requests().size(), 0u);
}

TEST_F(FcmDriver, SetupErrorsNameTheKeyAndNeverQuoteTheFile) {
  auto c = config();
  // The project comes from the service account when the config has none.
  EXPECT_NO_THROW(FcmChannel{c});

  std::ofstream(dir_ + "/broken.json")
      << R"({"client_email":"x@y", "private_key":"-----BEGIN PRIVATE KEY-----\nAAAAsecretish\n-----END PRIVATE KEY-----\n", "token_uri":"https://oauth2.googleapis.com/token", "project_id":"p"})";
  c.settings["service_account_file"] = dir_ + "/broken.json";
  try {
    FcmChannel channel(c);
    FAIL() << "expected a setup error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("channels.push.service_account_file"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("AAAAsecretish"), std::string::npos) << e.what();
  }

  std::ofstream(dir_ + "/not.json") << "private_key = AAAAsecretish";
  c.settings["service_account_file"] = dir_ + "/not.json";
  try {
    FcmChannel channel(c);
    FAIL() << "expected a setup error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("channels.push.service_account_file"), std::string::npos)
        << e.what();
    EXPECT_EQ(std::string(e.what()).find("AAAAsecretish"), std::string::npos) << e.what();
  }

  auto plain = config();
  plain.settings["base_url"] = "http://fcm.example";
  EXPECT_THROW(FcmChannel{plain}, std::runtime_error);
}

}  // namespace
