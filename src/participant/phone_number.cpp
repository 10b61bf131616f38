// Phone number checks on top of libphonenumber's parser and numbering-plan metadata.
#include "burgernet/participant/phone_number.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

namespace burgernet::participant {
namespace {

using i18n::phonenumbers::PhoneNumberUtil;

// Longer than any real number written with separators; keeps the parser away from junk input.
constexpr std::size_t kMaxInputLength = 32;

PhoneNumberResult refuse(std::string reason) { return {std::nullopt, std::move(reason)}; }

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// libphonenumber also reads letters (vanity numbers, "ext."), "tel:" URIs and ";ext=". People
// registering for alerts type none of those, so anything beyond the usual separators is a typo.
std::optional<std::string> check_characters(std::string_view input) {
  bool seen_digit = false;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (is_ascii_digit(c)) {
      seen_digit = true;
    } else if (c == '+') {
      if (i != 0) {
        return "a + can only come at the start of a phone number";
      }
    } else if (is_ascii_letter(c)) {
      return "a phone number cannot contain letters";
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/') {
      return "a phone number can only contain digits, spaces and the characters + - . ( ) /";
    }
  }
  if (!seen_digit) return "no phone number was given";
  return std::nullopt;
}

std::string parse_error_reason(PhoneNumberUtil::ErrorType error) {
  switch (error) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return "the country could not be recognised; start the number with + and the country code";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return "this phone number is too short";
    case PhoneNumberUtil::TOO_LONG_NSN:
      return "this phone number is too long";
    default:
      return "this is not a phone number";
  }
}

std::string length_reason(PhoneNumberUtil::ValidationResult result) {
  switch (result) {
    case PhoneNumberUtil::TOO_SHORT:
      return "this phone number is too short";
    case PhoneNumberUtil::TOO_LONG:
      return "this phone number is too long";
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return "the country code of this phone number does not exist";
    default:
      return "this phone number does not have the right number of digits";
  }
}

// Dutch 097 numbers are "mobile" in the numbering plan but are issued to machines (alarm
// panels, smart meters), which cannot act on an alert.
bool is_dutch_machine_number(const i18n::phonenumbers::PhoneNumber& number) {
  return number.country_code() == 31 && std::to_string(number.national_number()).starts_with("97");
}

PhoneNumberResult classify(const PhoneNumberUtil& util, const i18n::phonenumbers::PhoneNumber& number,
                           const std::string& home_region) {
  std::string region;
  util.GetRegionCodeForNumber(number, &region);
  const bool domestic = region == home_region;
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);

  switch (util.GetNumberType(number)) {
    case PhoneNumberUtil::MOBILE:
      if (is_dutch_machine_number(number)) {
        return refuse("numbers starting with 097 belong to devices, not to a phone a person answers");
      }
      return {PhoneNumber{e164, true}, ""};
    // Where the numbering plan cannot tell (the USA, Canada), the number is most likely a
    // mobile; an SMS sent to a landline fails harmlessly and the voice call still goes.
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return {PhoneNumber{e164, true}, ""};
    case PhoneNumberUtil::FIXED_LINE:
    // Dutch 085 and 091 numbers are VoIP lines that ring a home or office phone like any landline
    // (many households have one instead of a geographic number); they take calls but no SMS.
    case PhoneNumberUtil::VOIP:
      // A landline abroad rings far from the participant's Dutch addresses, so an alert there
      // reaches nobody who can help.
      if (!domestic) return refuse("a landline abroad cannot be registered; please use a mobile number");
      return {PhoneNumber{e164, false}, ""};
    case PhoneNumberUtil::PAGER:
      return refuse("pager numbers cannot receive calls or SMS");
    case PhoneNumberUtil::PREMIUM_RATE:
      return refuse(
          "premium-rate numbers (such as 0900, 0906 and 0909) belong to services, not to a personal phone");
    case PhoneNumberUtil::TOLL_FREE:
      return refuse("free-phone numbers (such as 0800) belong to services, not to a personal phone");
    case PhoneNumberUtil::SHARED_COST:
      return refuse("shared-cost numbers belong to services, not to a personal phone");
    case PhoneNumberUtil::UAN:
      return refuse("company numbers (such as 088) belong to organisations, not to a personal phone");
    case PhoneNumberUtil::VOICEMAIL:
      return refuse("voicemail access numbers cannot receive calls or SMS");
    case PhoneNumberUtil::PERSONAL_NUMBER:
      return refuse("personal forwarding numbers cannot be registered; enter the number of the phone itself");
    default:
      return refuse("this is not a valid phone number");
  }
}

}  // namespace

PhoneNumberResult parse_phone_number(std::string_view input, std::string_view default_region) {
  // Surrounding blanks come from form fields and CSV lines; they are not part of the number.
  const auto first = input.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return refuse("no phone number was given");
  input = input.substr(first, input.find_last_not_of(" \t\r\n") + 1 - first);
  if (input.size() > kMaxInputLength) return refuse("a phone number is at most 32 characters long");
  if (auto reason = check_characters(input)) return refuse(std::move(*reason));

  std::string region(default_region);
  std::transform(region.begin(), region.end(), region.begin(),
                 [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; });

  try {
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    i18n::phonenumbers::PhoneNumber number;
    const auto error = util.Parse(std::string(input), region, &number);
    if (error != PhoneNumberUtil::NO_PARSING_ERROR) return refuse(parse_error_reason(error));
    if (number.has_extension()) return refuse("a phone number with an extension cannot be called directly");
    const auto possible = util.IsPossibleNumberWithReason(number);
    if (possible != PhoneNumberUtil::IS_POSSIBLE && possible != PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY) {
      return refuse(length_reason(possible));
    }
    if (!util.IsValidNumber(number)) return refuse("this is not a valid phone number");
    return classify(util, number, region);
  } catch (const std::exception&) {
    // libphonenumber does not throw for bad input; this only keeps the promise for allocation.
    return refuse("this phone number could not be read");
  }
}

std::string mask_phone_number(std::string_view e164) {
  std::string digits;
  for (const char c : e164) {
    if (is_ascii_digit(c)) digits.push_back(c);
  }
  // Show the country code and operator prefix and the last three digits, but never more than
  // half of the digits, so a short or partial number is not given away either.
  std::size_t shown_front = std::min<std::size_t>(3, digits.size() / 4);
  std::size_t shown_back = std::min<std::size_t>(3, digits.size() / 4);
  if (digits.size() >= 10) shown_front = shown_back = 3;
  std::string masked = e164.starts_with('+') ? "+" : "";
  masked += digits.substr(0, shown_front);
  masked.append(digits.size() - shown_front - shown_back, '*');
  masked += digits.substr(digits.size() - shown_back);
  return masked;
}

}  // namespace burgernet::participant
