// Tests for phone number checking, normalisation to E.164 and masking for logs.
#include "burgernet/participant/phone_number.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace burgernet::participant {
namespace {

void expect_accepted(std::string_view input, std::string_view e164, bool mobile) {
  const PhoneNumberResult result = parse_phone_number(input);
  ASSERT_TRUE(result.number.has_value()) << input << ": " << result.reason;
  EXPECT_EQ(result.number->e164, e164) << input;
  EXPECT_EQ(result.number->mobile, mobile) << input;
  EXPECT_TRUE(result.reason.empty()) << input;
}

void expect_refused(std::string_view input, std::string_view reason_part) {
  const PhoneNumberResult result = parse_phone_number(input);
  EXPECT_FALSE(result.number.has_value()) << input << " became " << result.number->e164;
  EXPECT_NE(result.reason.find(reason_part), std::string::npos)
      << input << ": reason was \"" << result.reason << '"';
}

TEST(ParsePhoneNumber, DutchMobileInEveryCommonNotation) {
  for (const char* input :
       {"06-12345678", "0612345678", "+31 6 12345678", "0031612345678", "0031 6 1234 5678", "+31612345678",
        "06 1234 5678", "06.12345678", "+31 (0)6 12345678", "+31 06 12345678", "  0612345678\r\n"}) {
    expect_accepted(input, "+31612345678", true);
  }
}

TEST(ParsePhoneNumber, DutchFixedLinesAreVoiceOnly) {
  expect_accepted("030-2345678", "+31302345678", false);      // Utrecht
  expect_accepted("020-1234567", "+31201234567", false);      // Amsterdam
  expect_accepted("(010) 123 45 67", "+31101234567", false);  // Rotterdam
  expect_accepted("070/3456789", "+31703456789", false);      // Den Haag
  expect_accepted("+31 50 123 4567", "+31501234567", false);  // Groningen
}

// 085 and 091 are VoIP numbers that ring an ordinary home or office phone; accepted, voice only.
TEST(ParsePhoneNumber, DutchVoipIsAcceptedForVoiceOnly) {
  expect_accepted("085-1234567", "+31851234567", false);
  expect_accepted("091-2345678", "+31912345678", false);
}

TEST(ParsePhoneNumber, ForeignMobilesAreAccepted) {
  expect_accepted("+32 470 12 34 56", "+32470123456", true);     // Belgium
  expect_accepted("0049 151 12345678", "+4915112345678", true);  // Germany
  expect_accepted("+44 7911 123456", "+447911123456", true);     // United Kingdom (Guernsey range)
}

TEST(ParsePhoneNumber, FixedLineOrMobileCountsAsMobile) {
  expect_accepted("+1 650 253 0000", "+16502530000", true);
}

TEST(ParsePhoneNumber, ForeignLandlinesAreRefused) {
  expect_refused("+32 2 511 11 11", "landline abroad");
  expect_refused("+49 30 1234567", "landline abroad");
}

TEST(ParsePhoneNumber, DefaultRegionDecidesWhatIsDomestic) {
  const PhoneNumberResult belgian = parse_phone_number("02 511 11 11", "BE");
  ASSERT_TRUE(belgian.number.has_value()) << belgian.reason;
  EXPECT_EQ(belgian.number->e164, "+3225111111");
  EXPECT_FALSE(belgian.number->mobile);
  EXPECT_TRUE(parse_phone_number("0612345678", "nl").number.has_value());
}

TEST(ParsePhoneNumber, ServiceNumbersAreRefused) {
  expect_refused("066-1234567", "pager");
  expect_refused("0900-1234567", "premium-rate");
  expect_refused("0906-1234567", "premium-rate");
  expect_refused("0909-8888", "premium-rate");
  expect_refused("0800-0011", "free-phone");
  expect_refused("0800-1234567", "free-phone");
  expect_refused("088-1234567", "company numbers");
  expect_refused("14 020", "company numbers");  // municipal 14+area code
  expect_refused("097012345678", "devices");    // machine-to-machine
}

// The Dutch plan has no ranges of these kinds; other countries' plans do.
TEST(ParsePhoneNumber, SharedCostVoicemailAndPersonalNumbersAreRefused) {
  expect_refused("+32 78 79 12 34", "shared-cost");
  expect_refused("+49 177 991234567", "voicemail");
  expect_refused("+44 70 1234 5678", "forwarding");
}

TEST(ParsePhoneNumber, MalformedInputIsRefusedWithAReason) {
  expect_refused("", "no phone number");
  expect_refused("   ", "no phone number");
  expect_refused("-- ()", "no phone number");
  expect_refused("06-1234567a", "letters");
  expect_refused("tel:+31612345678", "letters");
  expect_refused("0612345678 ext 12", "letters");
  expect_refused("06 12345678#", "digits, spaces");
  expect_refused("06_12345678", "digits, spaces");
  expect_refused("06 1234 5678 \xE2\x80\x8B", "digits, spaces");  // zero-width space
  expect_refused("++31612345678", "start");
  expect_refused("06+12345678", "start");
  expect_refused("0612345678901234567890123456789012", "32 characters");
  expect_refused("06123", "valid");
  expect_refused("061234567890", "");
  expect_refused("0671234567", "valid");  // 067 is not in use
  expect_refused("112", "");
  expect_refused("+", "");
  expect_refused("+999 1234567", "country");
}

TEST(ParsePhoneNumber, UnknownDefaultRegionNeedsACountryCode) {
  expect_accepted("+31612345678", "+31612345678", true);
  const PhoneNumberResult result = parse_phone_number("0612345678", "XX");
  EXPECT_FALSE(result.number.has_value());
  EXPECT_NE(result.reason.find("country code"), std::string::npos) << result.reason;
}

TEST(ParsePhoneNumber, RandomInputNeverThrows) {
  std::mt19937 random(7);
  const std::string alphabet = "0123456789+-.()/ a\xC3\xA9\xFF";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> size(0, 40);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int round = 0; round < 3000; ++round) {
    std::string input;
    const int length = size(random);
    for (int i = 0; i < length; ++i) {
      input.push_back(round % 2 ? alphabet[pick(random)] : static_cast<char>(byte(random)));
    }
    const PhoneNumberResult result = parse_phone_number(input);
    ASSERT_NE(result.number.has_value(), !result.reason.empty()) << input;
    if (result.number) {
      ASSERT_TRUE(result.number->e164.starts_with('+')) << input;
    }
  }
}

TEST(MaskPhoneNumber, ShowsOnlyPrefixAndLastDigits) {
  EXPECT_EQ(mask_phone_number("+31612345678"), "+316*****678");
  EXPECT_EQ(mask_phone_number("+32470123456"), "+324*****456");
  EXPECT_EQ(mask_phone_number("+4915112345678"), "+491*******678");
}

TEST(MaskPhoneNumber, ShortOrOddInputIsNeverShownWhole) {
  EXPECT_EQ(mask_phone_number(""), "");
  EXPECT_EQ(mask_phone_number("+318000011"), "+31*****11");
  EXPECT_EQ(mask_phone_number("112"), "***");
  EXPECT_EQ(mask_phone_number("06-12345678"), "061****678");
  EXPECT_EQ(mask_phone_number("not a number"), "");
}

}  // namespace
}  // namespace burgernet::participant
