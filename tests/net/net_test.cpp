// The outbound client's pure parts: token bucket, circuit breaker, classifier, encodings.
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>

#include "burgernet/net/circuit_breaker.hpp"
#include "burgernet/net/classify.hpp"
#include "burgernet/net/encoding.hpp"
#include "burgernet/net/held_messages.hpp"
#include "burgernet/net/http_client.hpp"
#include "burgernet/net/token_bucket.hpp"

using namespace burgernet;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(TokenBucket, UnlimitedNeverWaits) {
  net::TokenBucket bucket(0);
  const auto t = Clock::now();
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(bucket.reserve(t), Clock::duration::zero());
}

TEST(TokenBucket, SpacesReservationsAtTheRate) {
  const auto t0 = Clock::time_point{} + 100s;
  net::TokenBucket bucket(10, 1, t0);
  EXPECT_EQ(bucket.reserve(t0), Clock::duration::zero());
  // Callers at the same instant queue up 100 ms apart.
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(t0)).count(), 0.1, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(t0)).count(), 0.2, 1e-6);
  // Once the promised tokens have been earned, the next waits its own 100 ms after them.
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(t0 + 200ms)).count(), 0.1, 1e-6);
  // After a quiet spell no more than `burst` tokens are saved up.
  EXPECT_EQ(bucket.reserve(t0 + 10s), Clock::duration::zero());
  EXPECT_NEAR(std::chrono::duration<double>(bucket.reserve(t0 + 10s)).count(), 0.1, 1e-6);
}

TEST(TokenBucket, NMessagesTakeNMinusOneIntervals) {
  const auto t0 = Clock::time_point{} + 1s;
  net::TokenBucket bucket(4, 1, t0);
  Clock::duration last{};
  for (int i = 0; i < 20; ++i) last = bucket.reserve(t0);
  EXPECT_NEAR(std::chrono::duration<double>(last).count(), 19 / 4.0, 1e-6);
}

TEST(CircuitBreaker, OpensAfterThresholdAndProbesAfterTheWait) {
  net::CircuitBreaker breaker({3, 10s});
  const auto t0 = Clock::time_point{} + 1s;
  EXPECT_TRUE(breaker.allow(t0));
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  EXPECT_FALSE(breaker.open());
  breaker.record_success();  // a success resets the count
  breaker.record_failure(t0);
  breaker.record_failure(t0);
  EXPECT_FALSE(breaker.open());
  breaker.record_failure(t0);
  EXPECT_TRUE(breaker.open());
  EXPECT_FALSE(breaker.allow(t0 + 5s));
  EXPECT_EQ(breaker.remaining(t0 + 5s), 5000ms);
  // Half-open: one probe, the others still wait.
  EXPECT_TRUE(breaker.allow(t0 + 10s));
  EXPECT_FALSE(breaker.allow(t0 + 10s));
  breaker.record_failure(t0 + 11s);  // the probe failed: open again for the whole wait
  EXPECT_FALSE(breaker.allow(t0 + 20s));
  EXPECT_TRUE(breaker.allow(t0 + 21s));
  breaker.record_success();
  EXPECT_FALSE(breaker.open());
  EXPECT_TRUE(breaker.allow(t0 + 21s));
}

TEST(CircuitBreaker, ThresholdZeroNeverOpens) {
  net::CircuitBreaker breaker({0, 10s});
  for (int i = 0; i < 100; ++i) breaker.record_failure(Clock::now());
  EXPECT_FALSE(breaker.open());
}

TEST(Classify, StatusCodes) {
  EXPECT_TRUE(std::holds_alternative<channel::Sent>(net::classify_status("d", 200)));
  EXPECT_TRUE(std::holds_alternative<channel::Sent>(net::classify_status("d", 201)));
  EXPECT_TRUE(std::holds_alternative<channel::Retry>(net::classify_status("d", 500)));
  EXPECT_TRUE(std::holds_alternative<channel::Retry>(net::classify_status("d", 503)));
  EXPECT_TRUE(std::holds_alternative<channel::Retry>(net::classify_status("d", 429)));
  EXPECT_TRUE(std::holds_alternative<channel::Failed>(net::classify_status("d", 400)));
  EXPECT_TRUE(std::holds_alternative<channel::Failed>(net::classify_status("d", 401)));
  EXPECT_TRUE(std::holds_alternative<channel::Failed>(net::classify_status("d", 404)));
  EXPECT_TRUE(std::holds_alternative<channel::Failed>(net::classify_status("d", 301)));
  EXPECT_EQ(std::get<channel::Failed>(net::classify_status("twilio_sms", 400)).reason, "twilio_sms: HTTP 400");
}

TEST(Classify, RetryAfterSecondsAndHttpDate) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  auto retry = std::get<channel::Retry>(net::classify_status("d", 429, "7", now));
  EXPECT_EQ(retry.after, 7000ms);
  EXPECT_TRUE(retry.counts_attempt);
  retry = std::get<channel::Retry>(net::classify_status("d", 503, "Sun, 06 Nov 1994 08:50:07 GMT", now));
  EXPECT_EQ(retry.after, 30000ms);
  EXPECT_EQ(net::parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now), 0ms);  // in the past
  EXPECT_EQ(net::parse_retry_after("soon", now), std::nullopt);
  EXPECT_EQ(net::parse_retry_after("-5", now), std::nullopt);
  EXPECT_EQ(std::get<channel::Retry>(net::classify_status("d", 429, "garbage", now)).after, std::nullopt);
}

TEST(Classify, TransportErrorsAreRetries) {
  namespace e = boost::asio::error;
  for (const auto& ec : {boost::system::error_code(e::connection_refused), boost::system::error_code(e::connection_reset),
                         boost::system::error_code(boost::beast::error::timeout), boost::system::error_code(e::eof)}) {
    const auto result = net::classify_transport("webhook", ec);
    ASSERT_TRUE(std::holds_alternative<channel::Retry>(result)) << ec.message();
  }
  EXPECT_EQ(std::get<channel::Retry>(net::classify_transport("webhook", boost::beast::error::timeout)).reason,
            "webhook: timeout");
  EXPECT_EQ(std::get<channel::Retry>(net::classify_transport("webhook", e::connection_refused)).reason,
            "webhook: connection refused");
}

TEST(Classify, AFailedTlsHandshakeHoldsWithoutSpendingAnAttempt) {
  namespace ssl = boost::asio::ssl;
  // What OpenSSL reports for a certificate that does not verify.
  const boost::system::error_code untrusted(0x0A000086, boost::asio::error::get_ssl_category());
  auto held = std::get<channel::Retry>(net::classify_handshake("fcm", untrusted));
  EXPECT_EQ(held.reason, "fcm: TLS error");
  EXPECT_FALSE(held.counts_attempt);
  EXPECT_EQ(held.after, net::kHoldFor);
  // The same error after the request was written may have reached the provider: an attempt.
  EXPECT_TRUE(std::get<channel::Retry>(net::classify_transport("fcm", untrusted)).counts_attempt);
  // A handshake that timed out or was cut is the network's trouble, not a misconfiguration.
  for (const boost::system::error_code ec : {boost::system::error_code(boost::beast::error::timeout),
                                             boost::system::error_code(ssl::error::stream_truncated),
                                             boost::system::error_code(boost::asio::error::eof)}) {
    EXPECT_TRUE(std::get<channel::Retry>(net::classify_handshake("fcm", ec)).counts_attempt) << ec.message();
  }
}

TEST(Encoding, Sha256) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(net::to_hex(net::sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Encoding, HmacHexBase64) {
  // RFC 4231 test case 2.
  EXPECT_EQ(net::to_hex(net::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 2202 test case 2.
  EXPECT_EQ(net::to_hex(net::hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(net::to_base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(net::to_base64("fo"), "Zm8=");
}

TEST(Encoding, FormRoundTrip) {
  const std::vector<std::pair<std::string, std::string>> fields = {{"To", "+31612345678"}, {"Body", "a b&c=d é"}};
  const auto body = net::form_encode(fields);
  EXPECT_EQ(body, "To=%2B31612345678&Body=a%20b%26c%3Dd%20%C3%A9");
  EXPECT_EQ(net::form_decode(body), fields);
  EXPECT_EQ(net::form_decode("A=1+2&B=%zz&C"),
            (std::vector<std::pair<std::string, std::string>>{{"A", "1 2"}, {"B", "%zz"}, {"C", ""}}));
  EXPECT_TRUE(net::equal_secret("abc", "abc"));
  EXPECT_FALSE(net::equal_secret("abc", "abd"));
  EXPECT_FALSE(net::equal_secret("abc", "ab"));
}

TEST(HttpsUrl, Parses) {
  auto url = net::parse_https_url("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "api.twilio.com");
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->target, "/2010-04-01/Accounts/AC1/Messages.json");
  url = net::parse_https_url("https://127.0.0.1:8443?x=1");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->port, "8443");
  EXPECT_EQ(url->target, "/?x=1");
  url = net::parse_https_url("https://[::1]:9/a");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_FALSE(net::parse_https_url("http://example.com/"));
  EXPECT_FALSE(net::parse_https_url("https://user:pw@example.com/"));
  EXPECT_FALSE(net::parse_https_url("https://example.com:x/"));
}
