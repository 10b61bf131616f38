// Tests for turning Dutch alert texts into text for a text-to-speech voice.
#include "burgernet/message/voice_text.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "burgernet/message/utf8.hpp"

namespace burgernet::message {
namespace {

TEST(SpeechText, TheBriefsExample) {
  EXPECT_EQ(
      speech_text("Gezocht: man, ca. 1.80 m, donkere jas. Vluchtte om 14:30 in auto 12-ABC-3. Zie "
                  "www.burgernet.nl of bel 0800-0011."),
      "Gezocht: man, circa 1 meter 80, donkere jas. Vluchtte om 14 uur 30 in auto 1 2, A B C, 3. Zie of "
      "bel 0 8 0 0, 0 0 1 1.");
}

TEST(SpeechText, RemovesLinksAndEmailAddresses) {
  EXPECT_EQ(speech_text("Meer info op https://www.burgernet.nl/acties/4711?bron=sms."), "Meer info op.");
  EXPECT_EQ(speech_text("Zie http://politie.nl en www.burgernet.nl voor foto's"), "Zie en voor foto's");
  EXPECT_EQ(speech_text("Tips naar tips@politie.nl, of bel 112."), "Tips naar, of bel 1 1 2.");
  EXPECT_EQ(speech_text("Foto (www.burgernet.nl) volgt"), "Foto volgt");
  EXPECT_EQ(speech_text("www.burgernet.nl"), "");
}

TEST(SpeechText, ReadsPhoneNumbersDigitByDigit) {
  EXPECT_EQ(speech_text("Bel 06-12345678"), "Bel 0 6, 1 2 3 4 5 6 7 8");
  EXPECT_EQ(speech_text("Bel 0612345678."), "Bel 0 6 1 2 3 4 5 6 7 8.");
  EXPECT_EQ(speech_text("Bel +31 6 12345678"), "Bel plus 3 1, 6, 1 2 3 4 5 6 7 8");
  EXPECT_EQ(speech_text("Bel 030 234 5678"), "Bel 0 3 0, 2 3 4, 5 6 7 8");
  EXPECT_EQ(speech_text("Bel 06 - 12345678"), "Bel 0 6, 1 2 3 4 5 6 7 8");
  EXPECT_EQ(speech_text("Meld Misdaad Anoniem: 0800-7000"), "Meld Misdaad Anoniem: 0 8 0 0, 7 0 0 0");
  EXPECT_EQ(speech_text("Politie 0900-8844"), "Politie 0 9 0 0, 8 8 4 4");
  EXPECT_EQ(speech_text("Zie je hem? Bel 112!"), "Zie je hem? Bel 1 1 2!");
}

TEST(SpeechText, ReadsLongDigitRunsDigitByDigit) {
  EXPECT_EQ(speech_text("Zaaknummer 2024123456"), "Zaaknummer 2 0 2 4 1 2 3 4 5 6");
  EXPECT_EQ(speech_text("Postcode 3511 AB"), "Postcode 3511 AB");
}

TEST(SpeechText, KeepsOrdinaryNumbers) {
  EXPECT_EQ(speech_text("Jongen van 12 jaar, 1 van de 3 broers"), "Jongen van 12 jaar, 1 van de 3 broers");
  EXPECT_EQ(speech_text("Beloning 2.500 euro, 1,5 liter"), "Beloning 2.500 euro, 1,5 liter");
  EXPECT_EQ(speech_text("Gezien op 12-03-2024"), "Gezien op 12-03-2024");
  EXPECT_EQ(speech_text("tussen 14-16 uur"), "tussen 14-16 uur");
  EXPECT_EQ(speech_text("112 km verderop"), "112 kilometer verderop");
}

TEST(SpeechText, ExpandsUnitsAfterANumber) {
  EXPECT_EQ(speech_text("op 200 m van de school"), "op 200 meter van de school");
  EXPECT_EQ(speech_text("5km verderop"), "5 kilometer verderop");
  EXPECT_EQ(speech_text("een mes van 20 cm"), "een mes van 20 centimeter");
  EXPECT_EQ(speech_text("jongen van 12 jr. oud"), "jongen van 12 jaar oud");
  EXPECT_EQ(speech_text("Hij is 12 jr. Hij draagt"), "Hij is 12 jaar. Hij draagt");
  EXPECT_EQ(speech_text("reed 80 km/u"), "reed 80 kilometer per uur");
  // No number before: letters stay letters.
  EXPECT_EQ(speech_text("m van man, km-paal, jr"), "m van man, km-paal, jr");
}

TEST(SpeechText, ReadsHeightsAsSpoken) {
  EXPECT_EQ(speech_text("lengte 1.80 m"), "lengte 1 meter 80");
  EXPECT_EQ(speech_text("lengte 1,75m, slank"), "lengte 1 meter 75, slank");
  EXPECT_EQ(speech_text("ongeveer 1.90 meter lang"), "ongeveer 1 meter 90 lang");
  EXPECT_EQ(speech_text("1.80 m. Hij droeg"), "1 meter 80. Hij droeg");
  EXPECT_EQ(speech_text("1.80 euro"), "1.80 euro");
}

TEST(SpeechText, ExpandsDutchAbbreviations) {
  EXPECT_EQ(speech_text("ca. 40 jaar"), "circa 40 jaar");
  EXPECT_EQ(speech_text("Ca. 40 jaar"), "Circa 40 jaar");
  EXPECT_EQ(speech_text("o.a. een rode jas"), "onder andere een rode jas");
  EXPECT_EQ(speech_text("Afgesloten i.v.m. politieonderzoek"), "Afgesloten in verband met politieonderzoek");
  EXPECT_EQ(speech_text("Bel z.s.m. 112"), "Bel zo snel mogelijk 1 1 2");
  EXPECT_EQ(speech_text("gezien t.h.v. de Albert Heijn"), "gezien ter hoogte van de Albert Heijn");
  EXPECT_EQ(speech_text("Bel zsm!"), "Bel zo snel mogelijk!");
  EXPECT_EQ(speech_text("meld het z.s.m."), "meld het zo snel mogelijk.");
  // Inside words nothing changes.
  EXPECT_EQ(speech_text("Jamaica. Ivmo"), "Jamaica. Ivmo");
}

TEST(SpeechText, ReadsTimesInWords) {
  EXPECT_EQ(speech_text("om 14:30"), "om 14 uur 30");
  EXPECT_EQ(speech_text("om 14:00."), "om 14 uur.");
  EXPECT_EQ(speech_text("om 09:05 gezien"), "om 9 uur 5 gezien");
  EXPECT_EQ(speech_text("om 14.30 uur gezien"), "om 14 uur 30 gezien");
  EXPECT_EQ(speech_text("om 14:30 uur gezien"), "om 14 uur 30 gezien");
  EXPECT_EQ(speech_text("om 8:15u gezien"), "om 8 uur 15 gezien");
  EXPECT_EQ(speech_text("tussen 14:00-16:00"), "tussen 14 uur tot 16 uur");
  EXPECT_EQ(speech_text("tussen 14.00 - 16.00 uur"), "tussen 14 uur tot 16 uur");
  EXPECT_EQ(speech_text("tussen 22.00 en 23.30 uur"), "tussen 22 uur en 23 uur 30");
  EXPECT_EQ(speech_text("kost 2.50 en 3.00 euro"), "kost 2.50 en 3.00 euro");
  EXPECT_EQ(speech_text("score 25:61 en 12:3"), "score 25:61 en 12:3");
}

TEST(SpeechText, SpellsLicencePlates) {
  EXPECT_EQ(speech_text("auto 12-ABC-3"), "auto 1 2, A B C, 3");
  EXPECT_EQ(speech_text("kenteken AB-123-C."), "kenteken A B, 1 2 3, C.");
  EXPECT_EQ(speech_text("kenteken 99-XX-99"), "kenteken 9 9, X X, 9 9");
  EXPECT_EQ(speech_text("kenteken GV-KL-45"), "kenteken G V, K L, 4 5");
  // Not plates: seven characters, no digits, lower case.
  EXPECT_EQ(speech_text("ABC-12-DE"), "ABC-12-DE");
  EXPECT_EQ(speech_text("NL-AB-CD"), "NL-AB-CD");
  EXPECT_EQ(speech_text("ab-12-cd"), "ab-12-cd");
}

TEST(SpeechText, DropsSymbolsAndEmoji) {
  EXPECT_EQ(speech_text("**LET OP** #Burgernet"), "LET OP Burgernet");
  EXPECT_EQ(speech_text("Utrecht | Zeist <vermist>"), "Utrecht Zeist vermist");
  EXPECT_EQ(
      speech_text(
          "\xF0\x9F\x9A\xA8 Vermist \xF0\x9F\x91\xA7\xF0\x9F\x8F\xBD kind_Anna \xE2\x9A\xA0\xEF\xB8\x8F"),
      "Vermist kind Anna");
}

TEST(SpeechText, EndsLinesAsSentencesAndCollapsesWhitespace) {
  EXPECT_EQ(speech_text("Vermist: Anna\n\nLeeftijd 8 jaar\r\nRoze jas  en\tlaarzen  "),
            "Vermist: Anna. Leeftijd 8 jaar. Roze jas en laarzen");
  EXPECT_EQ(speech_text("   "), "");
  EXPECT_EQ(speech_text("Signalement:\n- man\n- 40 jr\n\u2022 zwarte jas"),
            "Signalement: man. 40 jaar. zwarte jas");
  EXPECT_EQ(speech_text("Zie ook: www.politie.nl"), "Zie ook");
}

TEST(SpeechText, KeepsDutchLetters) {
  EXPECT_EQ(speech_text("Vermist bij de ruïne in België, café Één"),
            "Vermist bij de ruïne in België, café Één");
}

TEST(SpeechText, RealisticAlert) {
  EXPECT_EQ(
      speech_text("BURGERNET: Vermist meisje, 9 jr., ca. 1.35 m, blond haar, roze jas.\n"
                  "Laatst gezien om 16.45 uur t.h.v. station Zwolle. Ziet u haar? Bel z.s.m. 112 "
                  "of 0800-0011 \xF0\x9F\x99\x8F #vermist"),
      "BURGERNET: Vermist meisje, 9 jaar, circa 1 meter 35, blond haar, roze jas. Laatst gezien om 16 uur 45 "
      "ter hoogte van station Zwolle. Ziet u haar? Bel zo snel mogelijk 1 1 2 of 0 8 0 0, 0 0 1 1 vermist");
}

TEST(SpeechText, LongRepetitiveTextIsHandled) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "1.00 en 14:00-";
  EXPECT_FALSE(speech_text(text).empty());
}

TEST(SpeechText, RandomBytesNeverBreakAnything) {
  std::mt19937 random(1234);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> size(0, 300);
  const std::string alphabet = "0123456789+-.:,() abcmkjruAB\n@/wh\xC3\xAB\xF0\x9F\x9A\xA8";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  for (int round = 0; round < 3000; ++round) {
    std::string input(static_cast<std::size_t>(size(random)), '\0');
    for (char& c : input) c = round % 2 ? alphabet[pick(random)] : static_cast<char>(byte(random));
    const std::string spoken = speech_text(input);
    ASSERT_TRUE(is_valid_utf8(spoken)) << input;
    ASSERT_EQ(spoken.find("  "), std::string::npos) << input;
  }
}

}  // namespace
}  // namespace burgernet::message
