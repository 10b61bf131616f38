// Tests for SMS encoding analysis, segment counting, fitting and GSM-friendly punctuation.
#include "burgernet/message/sms_text.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "burgernet/message/utf8.hpp"

namespace burgernet::message {
namespace {

using Encoding = SmsMeasure::Encoding;

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(MeasureSms, EmptyTextIsNothingToSend) {
  const SmsMeasure measure = measure_sms("");
  EXPECT_EQ(measure.encoding, Encoding::kGsm7);
  EXPECT_EQ(measure.units, 0u);
  EXPECT_EQ(measure.segments, 0u);
}

TEST(MeasureSms, Gsm7SingleAndConcatenatedLimits) {
  EXPECT_EQ(measure_sms(repeat("a", 160)).segments, 1u);
  const SmsMeasure over = measure_sms(repeat("a", 161));
  EXPECT_EQ(over.encoding, Encoding::kGsm7);
  EXPECT_EQ(over.units, 161u);
  EXPECT_EQ(over.segments, 2u);
  EXPECT_EQ(measure_sms(repeat("a", 306)).segments, 2u);
  EXPECT_EQ(measure_sms(repeat("a", 307)).segments, 3u);
}

TEST(MeasureSms, Ucs2SingleAndConcatenatedLimits) {
  // 'ë' is not in GSM-7, so one of it makes the whole text UCS-2.
  const SmsMeasure single = measure_sms("ë" + repeat("a", 69));
  EXPECT_EQ(single.encoding, Encoding::kUcs2);
  EXPECT_EQ(single.units, 70u);
  EXPECT_EQ(single.segments, 1u);
  EXPECT_EQ(measure_sms("ë" + repeat("a", 70)).segments, 2u);
  EXPECT_EQ(measure_sms("ë" + repeat("a", 133)).segments, 2u);
  EXPECT_EQ(measure_sms("ë" + repeat("a", 134)).segments, 3u);
}

TEST(MeasureSms, GsmTableLettersAndSymbols) {
  // Everything here is in the basic table.
  const SmsMeasure basic = measure_sms("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\r\n");
  EXPECT_EQ(basic.encoding, Encoding::kGsm7);
  EXPECT_EQ(basic.units, 64u);
  for (const char* outside : {"ë", "ï", "ó", "ç", "`", "\t", "\xE2\x80\x99", "\xE2\x80\xA6"}) {
    EXPECT_EQ(measure_sms(outside).encoding, Encoding::kUcs2) << outside;
  }
}

TEST(MeasureSms, ExtensionCharactersTakeTwoSeptets) {
  const SmsMeasure measure = measure_sms("^{}\\[~]|€");
  EXPECT_EQ(measure.encoding, Encoding::kGsm7);
  EXPECT_EQ(measure.units, 18u);
  EXPECT_EQ(measure_sms(repeat("€", 80)).segments, 1u);
  EXPECT_EQ(measure_sms(repeat("€", 80) + "a").segments, 2u);
}

TEST(MeasureSms, ExtensionCharacterIsNotSplitAcrossParts) {
  // 152 septets then '€' (2 septets): 154 would straddle the first part's 153, so the euro moves
  // to the second part; its 2 + 7 septets fit there.
  const SmsMeasure straddle = measure_sms(repeat("a", 152) + "€" + repeat("a", 7));
  EXPECT_EQ(straddle.units, 161u);
  EXPECT_EQ(straddle.segments, 2u);
  // 152 + '€' + 152: 306 septets would fill exactly two parts of 153, but the euro moved to part
  // two, which then needs 154.
  const SmsMeasure moved = measure_sms(repeat("a", 152) + "€" + repeat("a", 152));
  EXPECT_EQ(moved.units, 306u);
  EXPECT_EQ(moved.segments, 3u);
  EXPECT_EQ(measure_sms(repeat("a", 151) + "€" + repeat("a", 151)).segments, 2u);
}

TEST(MeasureSms, EmojiIsASurrogatePairThatIsNotSplit) {
  const SmsMeasure one = measure_sms("Let op \xF0\x9F\x9A\xA8");  // 🚨
  EXPECT_EQ(one.encoding, Encoding::kUcs2);
  EXPECT_EQ(one.units, 9u);
  EXPECT_EQ(measure_sms(repeat("\xF0\x9F\x98\x80", 35)).segments, 1u);
  // 66 units, then an emoji of 2 would straddle 67: it starts part two.
  EXPECT_EQ(measure_sms(repeat("a", 66) + "\xF0\x9F\x98\x80" + repeat("a", 65)).segments, 2u);
  EXPECT_EQ(measure_sms(repeat("a", 66) + "\xF0\x9F\x98\x80" + repeat("a", 66)).segments, 3u);
}

TEST(MeasureSms, DutchTextWithDiaeresisIsUcs2) {
  const SmsMeasure measure =
      measure_sms("Burgernet: vermist meisje bij de ruïne in Zeeland, jas met rits. Ziet u haar? Bel 112.");
  EXPECT_EQ(measure.encoding, Encoding::kUcs2);
  EXPECT_EQ(measure.units, 86u);
  EXPECT_EQ(measure.segments, 2u);
  // 'é' is in GSM-7 and 'ë' is not.
  EXPECT_EQ(measure_sms("Café in Edam, één man").encoding, Encoding::kGsm7);
  EXPECT_EQ(measure_sms("Café in België").encoding, Encoding::kUcs2);
}

TEST(MeasureSms, IllFormedUtf8ForcesUcs2) { EXPECT_EQ(measure_sms("abc\xFF").encoding, Encoding::kUcs2); }

TEST(FitSms, TextThatFitsIsUnchanged) {
  const std::string text = repeat("a", 160);
  EXPECT_EQ(fit_sms(text, 1), text);
  EXPECT_EQ(fit_sms("", 1), "");
  EXPECT_EQ(fit_sms("kort", 3), "kort");
}

TEST(FitSms, CutsAtAWordBoundaryAndEndsWithThreeDots) {
  const std::string text = repeat("woord ", 40);  // 240 septets
  const std::string one = fit_sms(text, 1);
  EXPECT_EQ(one, repeat("woord ", 26).substr(0, 26 * 6 - 1) + "...");
  EXPECT_EQ(measure_sms(one).segments, 1u);
  EXPECT_LE(measure_sms(one).units, 160u);
}

TEST(FitSms, FitsOneTwoAndThreeSegments) {
  const std::string alert =
      "Burgernet: Gezocht wordt een man van ca. 40 jaar, 1.80 m, kaal, donkere jas en blauwe spijkerbroek. "
      "Hij vluchtte om 14:30 uur te voet richting het station na een overval op een juwelier in de Lange "
      "Elisabethstraat. Ziet u hem? Bel direct 112 en benader hem niet zelf. ";
  const std::string text = alert + alert;  // well over three segments
  for (std::size_t segments : {1u, 2u, 3u}) {
    const std::string fitted = fit_sms(text, segments);
    const SmsMeasure measure = measure_sms(fitted);
    EXPECT_EQ(measure.segments, segments) << fitted;
    EXPECT_TRUE(fitted.ends_with("...")) << fitted;
    EXPECT_NE(fitted[fitted.size() - 4], ' ') << fitted;
    EXPECT_NE(fitted[fitted.size() - 4], ',') << fitted;
    EXPECT_TRUE(text.starts_with(fitted.substr(0, fitted.size() - 3))) << fitted;
    // Cut where a word ends: the text goes on with a space or punctuation.
    const char next = text[fitted.size() - 3];
    EXPECT_TRUE(next == ' ' || next == ',' || next == '.') << fitted;
  }
}

TEST(FitSms, Ucs2TextIsFittedByUnitsNotBytes) {
  const std::string text = repeat("ëë ", 40);  // 120 units of UCS-2
  const std::string fitted = fit_sms(text, 1);
  EXPECT_EQ(measure_sms(fitted).segments, 1u);
  EXPECT_EQ(fitted, repeat("ëë ", 22).substr(0, 22 * 5 - 1) + "...");  // 65 + 3 units
  EXPECT_TRUE(is_valid_utf8(fitted));
}

TEST(FitSms, DroppingTheOnlyNonGsmCharacterLeavesMoreRoom) {
  // The emoji at the end makes the text UCS-2; the cut removes it and the rest fits as GSM-7.
  const std::string text = repeat("abcd ", 30) + "\xF0\x9F\x9A\xA8";
  const std::string fitted = fit_sms(text, 1);
  EXPECT_EQ(measure_sms(fitted).encoding, Encoding::kGsm7);
  EXPECT_EQ(fitted, repeat("abcd ", 30).substr(0, 149) + "...");
}

TEST(FitSms, OneLongWordIsCutMidWord) {
  const std::string fitted = fit_sms(repeat("x", 400), 1);
  EXPECT_EQ(fitted, repeat("x", 157) + "...");
}

TEST(FitSms, ExtensionCharacterAtTheCutIsNotHalved) {
  const std::string fitted = fit_sms(repeat("€", 200), 1);
  EXPECT_EQ(fitted, repeat("€", 78) + "...");  // 156 + 3 septets
  EXPECT_EQ(measure_sms(fitted).segments, 1u);
}

TEST(FitSms, ZeroSegmentsGivesNothing) { EXPECT_EQ(fit_sms("tekst", 0), ""); }

TEST(FitSms, InvalidUtf8IsRepaired) {
  const std::string fitted = fit_sms("abc\xFF", 1);
  EXPECT_TRUE(is_valid_utf8(fitted));
  EXPECT_EQ(fitted, "abc\xEF\xBF\xBD");
}

TEST(ToGsmFriendly, ReplacesTypographicPunctuation) {
  EXPECT_EQ(to_gsm_friendly(
                "\xE2\x80\x98Let op\xE2\x80\x99 \xE2\x80\x9Cnu\xE2\x80\x9D \xE2\x80\x9Ehier\xE2\x80\x9D"),
            "'Let op' \"nu\" \"hier\"");
  EXPECT_EQ(to_gsm_friendly("14\xE2\x80\x93"
                            "16 uur \xE2\x80\x94 direct"),
            "14-16 uur - direct");
  EXPECT_EQ(to_gsm_friendly("1.80\xC2\xA0m en\xE2\x80\xAF"
                            "zo\xE2\x80\xA6"),
            "1.80 m en zo...");
}

TEST(ToGsmFriendly, KeepsLettersEvenOutsideGsm7) {
  EXPECT_EQ(to_gsm_friendly("ruïne, België, café, Curaçao"), "ruïne, België, café, Curaçao");
}

TEST(ToGsmFriendly, TurnsAWordProcessorTextIntoGsm7) {
  const std::string pasted = "Vermist: \xE2\x80\x9CJan\xE2\x80\x9D (12) \xE2\x80\x93 zag u hem\xE2\x80\xA6?";
  EXPECT_EQ(measure_sms(pasted).encoding, Encoding::kUcs2);
  EXPECT_EQ(measure_sms(to_gsm_friendly(pasted)).encoding, Encoding::kGsm7);
}

TEST(SmsText, RandomBytesNeverBreakAnything) {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> size(0, 400);
  std::uniform_int_distribution<std::size_t> segments(0, 4);
  for (int round = 0; round < 1500; ++round) {
    std::string input(static_cast<std::size_t>(size(random)), '\0');
    for (char& c : input) c = static_cast<char>(round % 3 == 0 ? byte(random) : 0x20 + byte(random) % 95);
    const std::size_t max_segments = segments(random);
    const std::string fitted = fit_sms(input, max_segments);
    ASSERT_TRUE(is_valid_utf8(fitted));
    ASSERT_LE(measure_sms(fitted).segments, max_segments);
    ASSERT_TRUE(is_valid_utf8(to_gsm_friendly(input)));
  }
}

}  // namespace
}  // namespace burgernet::message
