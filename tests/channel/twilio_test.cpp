// Twilio's request signature against published vectors, and reading its status callbacks.
#include <gtest/gtest.h>

#include "api/callback_routes.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "channel/webhook/webhook_channel.hpp"

using namespace burgernet;

TEST(TwilioSignature, MatchesTheExampleOfTwiliosSecurityDocs) {
  // twilio.com/docs/usage/security, "Validating requests": auth token 12345.
  const std::vector<std::pair<std::string, std::string>> params = {
      {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675310"}, {"Digits", "1234"},
      {"From", "+14158675310"},         {"To", "+18005551212"}};
  EXPECT_EQ(channel::twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params),
            "GvWf1cFY/Q7PnoempGyD5oXAezc=");
}

TEST(TwilioSignature, MatchesTwilioRubysSmsVectorWhateverTheParameterOrder) {
  // twilio-ruby, spec/util/request_validator_spec.rb, "should properly validate a Twilio SMS request".
  const std::vector<std::pair<std::string, std::string>> params = {
      {"ToState", "CA"},
      {"FromState", "CA"},
      {"AccountSid", "ACba8bc05eacf94afdae398e642c9cc32d"},
      {"SmsMessageSid", "SM2003cbd5e6a3701999aa3e5f20ff2787"},
      {"Body", "Orly"},
      {"From", "+14159354345"},
      {"FromCity", "SAN FRANCISCO"},
      {"SmsStatus", "received"},
      {"FromZip", "94107"},
      {"FromCountry", "US"},
      {"To", "+14158141819"},
      {"ToCity", "SAN FRANCISCO"},
      {"ToZip", "94105"},
      {"ToCountry", "US"},
      {"ApiVersion", "2010-04-01"},
      {"SmsSid", "SM2003cbd5e6a3701999aa3e5f20ff2787"}};
  EXPECT_EQ(channel::twilio_signature("2bd9e9638872de601313dc77410d3b23", "http://twiliotests.heroku.com/validate/sms",
                                      params),
            "mxeiv65lEe0b8L6LdVw2jgJi8yw=");
}

TEST(TwilioReceipt, DeliveredFailedAndIntermediate) {
  using Outcome = api::TwilioReceipt::Outcome;
  auto r = api::read_twilio_receipt({{"MessageSid", "SM1"}, {"MessageStatus", "delivered"}});
  EXPECT_EQ(r.outcome, Outcome::kDelivered);
  EXPECT_EQ(r.sid, "SM1");
  r = api::read_twilio_receipt({{"MessageSid", "SM1"}, {"MessageStatus", "undelivered"}, {"ErrorCode", "30003"}});
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.reason, "twilio: undelivered (error 30003)");
  r = api::read_twilio_receipt({{"MessageSid", "SM1"}, {"MessageStatus", "failed"}, {"ErrorCode", "<script>"}});
  EXPECT_EQ(r.reason, "twilio: failed");
  r = api::read_twilio_receipt({{"MessageSid", "SM1"}, {"MessageStatus", "sent"}});
  EXPECT_EQ(r.outcome, Outcome::kIgnore);
  r = api::read_twilio_receipt({{"CallSid", "CA1"}, {"CallStatus", "completed"}});
  EXPECT_EQ(r.outcome, Outcome::kDelivered);
  EXPECT_EQ(r.sid, "CA1");
  for (const auto* status : {"busy", "no-answer", "failed"}) {
    r = api::read_twilio_receipt({{"CallSid", "CA1"}, {"CallStatus", status}});
    EXPECT_EQ(r.outcome, Outcome::kFailed) << status;
    EXPECT_EQ(r.reason, std::string("twilio: ") + status);
  }
  r = api::read_twilio_receipt({{"CallStatus", "completed"}});
  EXPECT_EQ(r.outcome, Outcome::kIgnore);  // no sid
}

TEST(Twiml, EscapesAndRepeats) {
  EXPECT_EQ(channel::TwilioChannel::twiml("A & B <c>", "nl-NL"),
            "<Response><Say language=\"nl-NL\">A &amp; B &lt;c&gt;</Say><Pause length=\"1\"/>"
            "<Say language=\"nl-NL\">A &amp; B &lt;c&gt;</Say></Response>");
}

TEST(WebhookSignature, IsHmacSha256OfTheBody) {
  // RFC 4231 test case 2 as key and data.
  EXPECT_EQ(channel::WebhookChannel::signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
