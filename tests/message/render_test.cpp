// Rendering per channel: SMS within its segments with the call-back line, tweets without personal data.
#include "burgernet/message/render.hpp"

#include <gtest/gtest.h>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/message/sms_text.hpp"
#include "burgernet/message/tweet_text.hpp"

using namespace burgernet::message;

namespace {

RenderInput input(const std::string& form, const std::string& message) {
  return RenderInput{*burgernet::channel::form_from_name(form), "action", "Vermiste jongen", "missing_person", "urgent", message, "a-1"};
}

std::string long_message() {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "Gezocht wordt een jongen van ongeveer tien jaar met een rode jas 🧥 en blauwe schoenen. ";
  return text;
}

}  // namespace

TEST(Render, SmsNeverExceedsMaxSegmentsAndKeepsTheCallBackLine) {
  for (std::size_t max : {1u, 2u, 3u, 5u}) {
    const auto text = render(input("sms", long_message()), RenderOptions{"0800-0011", max}).text;
    EXPECT_LE(measure_sms(text).segments, max) << max;
    EXPECT_EQ(text.rfind("Burgernet: ", 0), 0u);
    EXPECT_NE(text.find("Bel 112 of 0800-0011"), std::string::npos) << text;
  }
}

TEST(Render, ShortSmsIsWholeAndGsmFriendly) {
  const auto text = render(input("sms", "Let op: \u201crode\u201d jas."), {}).text;
  EXPECT_EQ(text, "Burgernet: Vermiste jongen\nLet op: \"rode\" jas.\nBel 112 of 0800-0011");
}

TEST(Render, TweetFitsAndCarriesNoPhoneNumber) {
  const auto text = render(input("social", "Tips? Bel 06-12345678 of mail a@b.nl. " + long_message()), {}).text;
  EXPECT_LE(tweet_length(text), kMaxTweetLength);
  EXPECT_EQ(text.find("12345678"), std::string::npos) << text;
  EXPECT_EQ(text.find("a@b.nl"), std::string::npos);
  EXPECT_NE(text.find("#Burgernet"), std::string::npos);
}

TEST(Render, VoiceHasIntroAndNoUrl) {
  const auto text = render(input("voice", "Kijk op https://www.burgernet.nl/actie/123 voor een foto."), {}).text;
  EXPECT_EQ(text.rfind("Dit is een bericht van Burgernet.", 0), 0u) << text;
  EXPECT_EQ(text.find("http"), std::string::npos) << text;
  EXPECT_EQ(text.find("burgernet.nl"), std::string::npos) << text;
}

TEST(Render, PushCarriesData) {
  const auto out = render(input("push", "Rode jas."), {});
  EXPECT_EQ(out.title, "Vermiste jongen");
  EXPECT_EQ(out.data["action_id"], "a-1");
  EXPECT_EQ(out.data["category"], "missing_person");
}

TEST(Render, VerificationIsTheBodyAsIs) {
  auto in = input("sms", "Uw Burgernet-code is 123456");
  in.kind = "verification";
  EXPECT_EQ(render(in, {}).text, "Uw Burgernet-code is 123456");
}
