// Rendering per channel and language: the texts people read, with the region's numbers and
// sender, an SMS cut within its segments with the call-back line kept, no line said twice.
#include "burgernet/message/render.hpp"

#include <gtest/gtest.h>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/config/regions_config.hpp"
#include "burgernet/message/sms_text.hpp"
#include "burgernet/message/tweet_text.hpp"

using namespace burgernet::message;

namespace {

RenderInput input(const std::string& form, const std::string& message, const std::string& language = "nl") {
  return RenderInput{*burgernet::channel::form_from_name(form), "action", "Vermiste jongen", "missing_person",
                     "urgent", message, "a-1", language, {}};
}

std::string long_message() {
  std::string text;
  for (int i = 0; i < 60; ++i) text += "Gezocht wordt een jongen van ongeveer tien jaar met een rode jas 🧥 en blauwe schoenen. ";
  return text;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

RenderOptions amsterdam(std::size_t max_segments = 3) {
  RenderOptions options;
  options.sms_max_segments = max_segments;
  options.regions = std::make_shared<const Regions>(burgernet::config::parse_regions(nlohmann::json::parse(R"([
    {"code": "PE-AMS", "name": "Politie Amsterdam", "callback_number": "0900-8844",
     "sender_name": "Politie Amsterdam", "areas": ["GM0363", "GM0362"]},
    {"code": "PE-RTM", "name": "Politie Rotterdam", "callback_number": "0800-6000", "areas": ["GM0599"]}
  ])")));
  return options;
}

}  // namespace

TEST(Render, DutchSmsHasLeadTitleTextAndCallLine) {
  const auto text = render(input("sms", "Let op: \u201crode\u201d jas."), {}).text;
  EXPECT_EQ(text, "Burgernet-actie: vermiste persoon\nVermiste jongen\nLet op: \"rode\" jas.\nBel 112 of 0800-0011");
}

TEST(Render, EnglishSmsHasEnglishWords) {
  auto in = input("sms", "Rode jas, blauwe schoenen.", "en");
  in.category = "amber_alert";
  EXPECT_EQ(render(in, {}).text,
            "Burgernet action: missing child\nVermiste jongen\nRode jas, blauwe schoenen.\nCall 112 or 0800-0011");
  // Any other language, or none, reads Dutch.
  in.language = "de";
  EXPECT_EQ(render(in, {}).text.rfind("Burgernet-actie: vermist kind\n", 0), 0u);
  in.language = "";
  EXPECT_EQ(render(in, {}).text.rfind("Burgernet-actie: vermist kind\n", 0), 0u);
}

TEST(Render, LeadLineFollowsKindAndCategory) {
  auto in = input("sms", "Man met capuchon.");
  in.action_kind = "alert";
  in.category = "witness_call";
  EXPECT_EQ(render(in, {}).text.rfind("Burgernet alert: getuigen gezocht\n", 0), 0u);
  in.language = "en";
  EXPECT_EQ(render(in, {}).text.rfind("Burgernet alert: witnesses wanted\n", 0), 0u);
  in.kind = "update";
  EXPECT_EQ(render(in, {}).text.rfind("Burgernet update: witnesses wanted\n", 0), 0u);
  in.language = "nl";
  in.kind = "closing";
  in.message = "De man is aangehouden. Bedankt!";
  // A closing asks nobody to call.
  EXPECT_EQ(render(in, {}).text, "Burgernet afgesloten: getuigen gezocht\nVermiste jongen\nDe man is aangehouden. Bedankt!");
  in.category = "no-such-category";
  in.kind = "action";
  EXPECT_EQ(render(in, {}).text.rfind("Burgernet alert: melding\n", 0), 0u);
}

TEST(Render, CallLineNeverRepeatsWhatTheOperatorWrote) {
  // The demo's text: it said "Bel 112." already; only the call-back number is added.
  EXPECT_EQ(render(input("sms", "Zie je iets? Bel 112."), {}).text,
            "Burgernet-actie: vermiste persoon\nVermiste jongen\nZie je iets? Bel 112.\nOf bel 0800-0011");
  EXPECT_EQ(render(input("sms", "Zie je iets? BEL   112.", "en"), {}).text,
            "Burgernet action: missing person\nVermiste jongen\nZie je iets? BEL   112.\nOr call 0800-0011");
  // Both numbers given: no call line at all, and no empty line in its place.
  const auto both = render(input("sms", "Bel 112 of 0800 0011"), {}).text;
  EXPECT_EQ(both, "Burgernet-actie: vermiste persoon\nVermiste jongen\nBel 112 of 0800 0011");
  EXPECT_EQ(count(both, "112"), 1u);
  // Only the call-back number given: only the emergency number is added.
  EXPECT_EQ(render(input("sms", "Tips: 0800-0011."), {}).text,
            "Burgernet-actie: vermiste persoon\nVermiste jongen\nTips: 0800-0011.\nBel bij spoed 112");
  // A 112 that is no call to action ("huisnummer 112") and a longer number holding the digits
  // do not count.
  const auto house = render(input("sms", "Gezien bij huisnummer 112, tel. 08000011222."), {}).text;
  EXPECT_NE(house.find("\nBel 112 of 0800-0011"), std::string::npos) << house;
}

TEST(Render, NoLineTwiceAndNoDoubleBlankLines) {
  const auto sms = render(input("sms", "Vermiste jongen\n\n\n\nRode jas.\n\n"), {}).text;
  EXPECT_EQ(sms, "Burgernet-actie: vermiste persoon\nVermiste jongen\nRode jas.\nBel 112 of 0800-0011");
  const auto mail = render(input("email", "Rode jas.\n\n\n\nBlauwe schoenen."), {}).text;
  EXPECT_EQ(mail.find("\n\n\n"), std::string::npos) << mail;
  EXPECT_NE(mail.find("Rode jas.\n\nBlauwe schoenen."), std::string::npos) << mail;
}

TEST(Render, RegionGivesNumberAndSender) {
  auto in = input("email", "Rode jas.");
  in.centre_areas = {"GM0599", "PI-01"};
  auto out = render(in, amsterdam());
  EXPECT_EQ(out.title, "Burgernet-actie: vermiste persoon - Vermiste jongen");
  EXPECT_EQ(out.text,
            "Vermiste jongen\n\nRode jas.\n\nBel 112 of 0800-6000.\n\nPolitie Rotterdam\n"
            "U ontvangt dit bericht omdat u meedoet aan Burgernet.");
  in.centre_areas = {"GM0363"};
  in.language = "en";
  out = render(in, amsterdam());
  EXPECT_EQ(out.text,
            "Vermiste jongen\n\nRode jas.\n\nCall 112 or 0900-8844.\n\nPolitie Amsterdam\n"
            "You receive this message because you take part in Burgernet.");
  // No region holds the centre: the built-in fallback.
  in.centre_areas = {"GM0014"};
  EXPECT_NE(render(in, amsterdam()).text.find("Call 112 or 0800-0011.\n\nPolitie Nederland\n"), std::string::npos);
  in.centre_areas = {"GM0363"};
  in.form = burgernet::channel::TextForm::kSms;
  in.message = "Zie je iets? Bel 0900-8844.";
  EXPECT_EQ(render(in, amsterdam()).text,
            "Burgernet action: missing person\nVermiste jongen\nZie je iets? Bel 0900-8844.\nIn an emergency call 112");
}

TEST(Render, SmsNeverExceedsMaxSegmentsAndKeepsTheCallBackLine) {
  for (const std::string language : {"nl", "en"}) {
    for (std::size_t max : {1u, 2u, 3u, 5u}) {
      auto in = input("sms", long_message(), language);
      in.centre_areas = {"GM0363"};
      const auto text = render(in, amsterdam(max)).text;
      EXPECT_LE(measure_sms(text).segments, max) << max;
      EXPECT_EQ(text.rfind("Burgernet", 0), 0u);
      const std::string call = language == "en" ? "\nCall 112 or 0900-8844" : "\nBel 112 of 0900-8844";
      EXPECT_TRUE(text.ends_with(call)) << text;
      EXPECT_NE(text.find("...\n"), std::string::npos) << text;  // the operator's text was cut
    }
  }
}

TEST(Render, SmsStaysGsm7WhenTheTemplatesAndTextAllow) {
  // The template's words are GSM-7 in both languages, so a plain text keeps 160 per segment.
  for (const std::string language : {"nl", "en"}) {
    const auto text = render(input("sms", "Jongen (10) met rode jas, gezien bij het café.", language), {}).text;
    EXPECT_EQ(measure_sms(text).encoding, SmsMeasure::Encoding::kGsm7) << text;
  }
  // One letter outside GSM-7 makes it UCS-2, and the count follows: 91 characters are one
  // GSM-7 segment but two UCS-2 ones, so with room for two it is whole, with room for one cut.
  const std::string ruin = "Burgernet-actie: vermiste persoon\nVermiste jongen\nGezien bij de ruïne.\nBel 112 of 0800-0011";
  EXPECT_EQ(render(input("sms", "Gezien bij de ruïne.", "nl"), RenderOptions{2, nullptr}).text, ruin);
  EXPECT_EQ(measure_sms(ruin).encoding, SmsMeasure::Encoding::kUcs2);
  EXPECT_EQ(measure_sms(ruin).segments, 2u);
  const auto cut = render(input("sms", "Gezien bij de ruïne.", "nl"), RenderOptions{1, nullptr}).text;
  EXPECT_EQ(measure_sms(cut).segments, 1u);
  EXPECT_TRUE(cut.ends_with("\nBel 112 of 0800-0011")) << cut;
}

TEST(Render, TweetFitsIsDutchAndCarriesNoPhoneNumber) {
  const auto text = render(input("social", "Tips? Bel 06-12345678 of mail a@b.nl. " + long_message(), "en"), {}).text;
  EXPECT_LE(tweet_length(text), kMaxTweetLength);
  EXPECT_EQ(text.find("12345678"), std::string::npos) << text;
  EXPECT_EQ(text.find("a@b.nl"), std::string::npos);
  EXPECT_EQ(text.rfind("Burgernet-actie: vermiste persoon\nVermiste jongen: Tips?", 0), 0u) << text;
  EXPECT_NE(text.find("#Burgernet"), std::string::npos);
}

TEST(Render, VoiceReadsWellInDutch) {
  auto in = input("voice", "Kijk op https://www.burgernet.nl/actie/123 voor een foto 📷. Gezien om 14:30 uur.");
  in.centre_areas = {"GM0362"};
  const auto out = render(in, amsterdam());
  EXPECT_EQ(out.text,
            "Dit is een bericht van Burgernet, namens Politie Amsterdam. Burgernet-actie: vermiste persoon. "
            "Vermiste jongen. Kijk op voor een foto. Gezien om 14 uur 30. Bel 1 1 2 of 0 9 0 0, 8 8 4 4.");
  EXPECT_EQ(out.data.find("language"), out.data.end());  // the channel's own voice, nl-NL
}

TEST(Render, VoiceReadsWellInEnglish) {
  const auto out = render(input("voice", "Rode jas 🧥, zie www.burgernet.nl. Kenteken 12-ABC-3.", "en"), {});
  EXPECT_EQ(out.text,
            "This is a message from Burgernet, on behalf of Politie Nederland. Burgernet action: missing person. "
            "Vermiste jongen. Rode jas, zie. Kenteken 1 2, A B C, 3. Call 1 1 2 or 0 8 0 0, 0 0 1 1.");
  EXPECT_EQ(out.data["language"], "en-GB");
}

TEST(Render, PushHasLeadTitleAndData) {
  const auto out = render(input("push", "Rode jas.", "en"), {});
  EXPECT_EQ(out.title, "Burgernet action: missing person");
  EXPECT_EQ(out.text, "Vermiste jongen\nRode jas.\nCall 112 or 0800-0011");
  EXPECT_EQ(out.data["action_id"], "a-1");
  EXPECT_EQ(out.data["category"], "missing_person");
  EXPECT_EQ(out.data["language"], "en");
}

TEST(Render, VerificationIsTheBodyAsIs) {
  auto in = input("sms", "Uw Burgernet-code is 123456");
  in.kind = "verification";
  EXPECT_EQ(render(in, {}).text, "Uw Burgernet-code is 123456");
}
