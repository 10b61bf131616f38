// Tests for UTF-8 decoding, validation and encoding.
#include "burgernet/message/utf8.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace burgernet::message {
namespace {

TEST(Utf8, DecodesOneToFourByteSequences) {
  EXPECT_EQ(decode_utf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), (std::u32string{U'a', U'é', U'€', U'😀'}));
}

TEST(Utf8, DecodeAtReportsLength) {
  const std::string text = "\xE2\x82\xAC!";
  const DecodedCodePoint euro = decode_utf8_at(text, 0);
  EXPECT_EQ(euro.code_point, U'€');
  EXPECT_EQ(euro.length, 3u);
  EXPECT_TRUE(euro.well_formed);
  EXPECT_EQ(decode_utf8_at(text, 3).code_point, U'!');
  EXPECT_EQ(decode_utf8_at(text, 4).length, 0u);
}

TEST(Utf8, IllFormedSequencesBecomeReplacementCharacters) {
  // A lone continuation byte, an overlong '/', a surrogate, a value above U+10FFFF, a truncated euro.
  EXPECT_EQ(decode_utf8("\x80"), std::u32string(1, kReplacementCharacter));
  EXPECT_EQ(decode_utf8("\xC0\xAF"), std::u32string(2, kReplacementCharacter));
  EXPECT_EQ(decode_utf8("\xED\xA0\x80"), std::u32string(3, kReplacementCharacter));
  EXPECT_EQ(decode_utf8("\xF4\x90\x80\x80"), std::u32string(4, kReplacementCharacter));
  // The maximal subpart E2 82 is one replacement, then the 'x' survives.
  EXPECT_EQ(decode_utf8("\xE2\x82x"), (std::u32string{kReplacementCharacter, U'x'}));
  EXPECT_FALSE(decode_utf8_at("\xE2\x82x", 0).well_formed);
}

TEST(Utf8, ValidatesWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("Gezocht: man van ca. 40 jaar, ë ï € 😀"));
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBD"));  // a real U+FFFD is fine
  EXPECT_FALSE(is_valid_utf8("abc\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));   // truncated at the end
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98x"));  // three bytes consumed, still ill-formed
}

TEST(Utf8, EncodesAndReplacesUnencodableValues) {
  EXPECT_EQ(encode_utf8(U"aé€😀"), "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  std::string out;
  append_utf8(out, 0xD800);
  append_utf8(out, 0x110000);
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8, SanitizeKeepsValidTextAndRepairsTheRest) {
  EXPECT_EQ(sanitize_utf8("Zeeë"), "Zeeë");
  EXPECT_EQ(sanitize_utf8("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(Utf8, RandomBytesAlwaysSanitizeToValidText) {
  std::mt19937 random(20240101);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> size(0, 64);
  for (int round = 0; round < 5000; ++round) {
    std::string input(static_cast<std::size_t>(size(random)), '\0');
    for (char& c : input) c = static_cast<char>(byte(random));
    const std::string clean = sanitize_utf8(input);
    ASSERT_TRUE(is_valid_utf8(clean));
    ASSERT_EQ(encode_utf8(decode_utf8(clean)), clean);
  }
}

}  // namespace
}  // namespace burgernet::message
