// Tests for X post length, removal of personal data and fitting to the limit.
#include "burgernet/message/tweet_text.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "burgernet/message/utf8.hpp"

namespace burgernet::message {
namespace {

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(TweetLength, AsciiAndLatinWeighOne) {
  EXPECT_EQ(tweet_length(""), 0u);
  EXPECT_EQ(tweet_length("Burgernet: vermist"), 18u);
  EXPECT_EQ(tweet_length("ruïne België café"), 17u);
  EXPECT_EQ(tweet_length("line\nbreak"), 10u);
}

TEST(TweetLength, PunctuationRangesWeighOne) {
  EXPECT_EQ(tweet_length("\xE2\x80\x93\xE2\x80\x94\xE2\x80\x9C\xE2\x80\x9D"), 4u);  // –—“” in 8208-8223
  EXPECT_EQ(tweet_length("\xE2\x80\x80\xE2\x80\x8D"), 2u);  // U+2000, U+200D (ZWJ) in 8192-8205
  EXPECT_EQ(tweet_length("\xE2\x80\xB2\xE2\x80\xB7"), 2u);  // U+2032, U+2037 in 8242-8247
  EXPECT_EQ(tweet_length("\xE2\x80\xA6"), 2u);              // … (8230) is outside every range
  EXPECT_EQ(tweet_length("\xE2\x82\xAC"), 2u);              // €
  EXPECT_EQ(tweet_length("\xE1\x83\xBF"), 1u);              // U+10FF, last of 0-4351
  EXPECT_EQ(tweet_length("\xE1\x84\x80"), 2u);              // U+1100, first Hangul Jamo
}

TEST(TweetLength, CjkAndEmojiWeighTwo) {
  EXPECT_EQ(tweet_length("警察"), 4u);
  EXPECT_EQ(tweet_length("\xF0\x9F\x9A\xA8"), 2u);  // 🚨
  // 👍🏽 is two code points; X counts the sequence as 2, this counts 4 (never less than X).
  EXPECT_EQ(tweet_length("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"), 4u);
}

TEST(TweetLength, LinksWeighTwentyThree) {
  EXPECT_EQ(tweet_length("https://www.burgernet.nl/acties/2024/vermist-meisje-utrecht-12345"), 23u);
  EXPECT_EQ(tweet_length("http://t.co"), 23u);
  EXPECT_EQ(tweet_length("Zie https://burgernet.nl."), 4u + 23u + 1u);
  EXPECT_EQ(tweet_length("(https://politie.nl/nieuws)"), 25u);
  EXPECT_EQ(tweet_length("Zie www.burgernet.nl voor meer"), 4u + 23u + 10u);
}

TEST(TweetLength, UncertainLinksCountAtLeastTheirCharacters) {
  EXPECT_EQ(tweet_length("burgernet.nl"), 23u);  // X may or may not link it; 23 covers both
  EXPECT_EQ(tweet_length("www.burgernet.nl/acties/2024/vermist-meisje"), 43u);
  EXPECT_EQ(tweet_length("https://example.zzzzzz/a-very-long-path"), 39u);
}

TEST(TweetLength, NotLinks) {
  EXPECT_EQ(tweet_length("ca. 1.80 m, o.a. i.v.m."), 23u);
  EXPECT_EQ(tweet_length("jan@burgernet.nl"), 16u);
  EXPECT_EQ(tweet_length("https://"), 8u);
}

TEST(TweetLength, InvalidUtf8CountsAsReplacementCharacters) {
  EXPECT_EQ(tweet_length("a\xFF"), 3u);  // U+FFFD weighs 2
}

TEST(StripPersonalData, RemovesPhoneNumbersInEveryForm) {
  EXPECT_EQ(strip_personal_data("Bel 06-12345678 of kom langs"), "Bel of kom langs");
  EXPECT_EQ(strip_personal_data("Bel 0612345678."), "Bel.");
  EXPECT_EQ(strip_personal_data("Bel +31612345678, of"), "Bel, of");
  EXPECT_EQ(strip_personal_data("Bel +31 6 1234 5678 nu"), "Bel nu");
  EXPECT_EQ(strip_personal_data("Bel 0031 6 12345678 nu"), "Bel nu");
  EXPECT_EQ(strip_personal_data("Bel +31 (0)6 12345678 nu"), "Bel nu");
  EXPECT_EQ(strip_personal_data("Bel 030-2345678 nu"), "Bel nu");
  EXPECT_EQ(strip_personal_data("Bel (030) 234 56 78 nu"), "Bel nu");
  EXPECT_EQ(strip_personal_data("Moeder (06-12345678) is ongerust"), "Moeder is ongerust");
  EXPECT_EQ(strip_personal_data("Tel.: 06 12 34 56 78"), "Tel.");
  EXPECT_EQ(strip_personal_data("06-12345678 is het nummer"), "is het nummer");
  EXPECT_EQ(strip_personal_data("nummer 123456789"), "nummer");
  EXPECT_EQ(strip_personal_data("Bel 06 - 12345678 of"), "Bel of");
  EXPECT_EQ(strip_personal_data("Bel 06.12.34.56.78 of"), "Bel of");
}

TEST(StripPersonalData, RemovesTheSeparatorBetweenTwoRemovedItems) {
  EXPECT_EQ(strip_personal_data("Contact: 06-12345678 / jan@example.nl"), "Contact");
  EXPECT_EQ(strip_personal_data("jan@example.nl | 0612345678 | bel 112"), "bel 112");
  EXPECT_EQ(strip_personal_data("Utrecht / Zeist"), "Utrecht / Zeist");
}

TEST(StripPersonalData, RemovesEmailAddresses) {
  EXPECT_EQ(strip_personal_data("Mail jan.de.vries@example.nl, of bel"), "Mail, of bel");
  EXPECT_EQ(strip_personal_data("Tips: tips+actie@politie-utrecht.nl."), "Tips.");
  EXPECT_EQ(strip_personal_data("(info@burgernet.nl)"), "");
}

TEST(StripPersonalData, KeepsServiceNumbersDatesTimesAndMeasurements) {
  const std::string text =
      "Man (ca. 40 jr, 1.80 m) gezien op 12-03-2024 14:30 bij Hoogstraat 123. Bel 112, 0800-7000 "
      "of 0900-8844. Beloning EUR 2.500.";
  EXPECT_EQ(strip_personal_data(text), text);
  EXPECT_EQ(strip_personal_data("in 2023 123456 keer"), "in 2023 123456 keer");
}

TEST(StripPersonalData, LeavesLinksAlone) {
  const std::string text = "Zie https://www.burgernet.nl/acties/1234567890 en burgernet.nl/123456789";
  EXPECT_EQ(strip_personal_data(text), text);
}

TEST(StripPersonalData, KeepsLineBreaksBetweenParagraphs) {
  EXPECT_EQ(strip_personal_data("Vermist: Anna (8).\nBel 0612345678\nof 112."),
            "Vermist: Anna (8).\nBel\nof 112.");
}

TEST(StripPersonalData, KeepsTextEndingInAnAccentedLetter) {
  // 'à' is C3 A0 in UTF-8; its second byte is not a no-break space.
  EXPECT_EQ(strip_personal_data("voilà"), "voilà");
  EXPECT_EQ(strip_personal_data("voilà 0612345678"), "voilà");
}

TEST(StripPersonalData, RealisticAlert) {
  EXPECT_EQ(strip_personal_data(
                "Burgernet Utrecht: vermist meisje Sara, 9 jr, roze jas. Gezien? Bel 112 of haar vader "
                "op 06-98765432 / s.jansen@gmail.com. Info: https://www.burgernet.nl/actie/4711"),
            "Burgernet Utrecht: vermist meisje Sara, 9 jr, roze jas. Gezien? Bel 112 of haar vader op. Info: "
            "https://www.burgernet.nl/actie/4711");
}

TEST(FitTweet, UnchangedWhenItFits) {
  const std::string text = repeat("a", 280);
  EXPECT_EQ(fit_tweet(text), text);
  EXPECT_EQ(fit_tweet(""), "");
}

TEST(FitTweet, CutsAtAWordBoundaryAtTheLimit) {
  const std::string text = repeat("woord ", 50);  // 300
  const std::string fitted = fit_tweet(text);
  EXPECT_EQ(fitted, repeat("woord ", 46).substr(0, 46 * 6 - 1) + "\xE2\x80\xA6");  // 275 + 2
  EXPECT_LE(tweet_length(fitted), 280u);
  EXPECT_EQ(tweet_length(repeat("a", 281)), 281u);
  EXPECT_EQ(fit_tweet(repeat("a", 281)), repeat("a", 278) + "\xE2\x80\xA6");
}

TEST(FitTweet, CountsWeightsNotBytes) {
  const std::string text = repeat("警察 ", 60);  // 300
  const std::string fitted = fit_tweet(text);
  EXPECT_LE(tweet_length(fitted), 280u);
  EXPECT_GE(tweet_length(fitted), 275u);
  EXPECT_TRUE(is_valid_utf8(fitted));
}

TEST(FitTweet, NeverCutsALink) {
  const std::string link = "https://www.burgernet.nl/acties/2024/vermist-meisje-utrecht-12345";
  const std::string text = repeat("woord ", 42) + link + " einde";  // 252 + 23 + 6 = 281
  EXPECT_EQ(tweet_length(text), 281u);
  const std::string fitted = fit_tweet(text);
  EXPECT_EQ(fitted, repeat("woord ", 42) + link + "\xE2\x80\xA6");
  EXPECT_EQ(tweet_length(fitted), 277u);
  EXPECT_EQ(fit_tweet(text, 270), repeat("woord ", 41) + "woord\xE2\x80\xA6");
}

TEST(FitTweet, TinyLimits) {
  EXPECT_EQ(fit_tweet("hallo daar", 1), "");
  EXPECT_EQ(fit_tweet("hallo daar", 2), "");
  EXPECT_EQ(fit_tweet("hallo daar", 7), "hallo\xE2\x80\xA6");
}

TEST(TweetText, LongRepetitiveTextIsHandled) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "1 a,b.nl/x 0612345678 x@y.nl ";
  EXPECT_EQ(strip_personal_data(text).find("0612345678"), std::string::npos);
  EXPECT_LE(tweet_length(fit_tweet(text)), 280u);
}

TEST(TweetText, RandomBytesNeverBreakAnything) {
  std::mt19937 random(99);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> size(0, 400);
  const std::string alphabet = "0123456789+-.()@/: abc.nlhttps://www\xC3\xA9\xF0\x9F\x9A\xA8";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> limit(0, 300);
  for (int round = 0; round < 1500; ++round) {
    std::string input(static_cast<std::size_t>(size(random)), '\0');
    for (char& c : input) c = round % 2 ? alphabet[pick(random)] : static_cast<char>(byte(random));
    const std::string stripped = strip_personal_data(input);
    ASSERT_TRUE(is_valid_utf8(stripped));
    const std::size_t max = limit(random);
    const std::string fitted = fit_tweet(input, max);
    ASSERT_TRUE(is_valid_utf8(fitted));
    ASSERT_LE(tweet_length(fitted), max);
  }
}

}  // namespace
}  // namespace burgernet::message
