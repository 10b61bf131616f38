// Fuzzes phone numbers as a person types them: parse_phone_number and mask_phone_number.
#include "burgernet/participant/phone_number.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <cctype>

namespace {

using namespace burgernet;

bool is_e164(const std::string& text) {
  return text.size() >= 3 && text.size() <= 16 && text[0] == '+' &&
         std::all_of(text.begin() + 1, text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The project's API, in one place. It promises never to throw.
void check(std::string_view input) {
  const auto result = participant::parse_phone_number(input, "NL");
  participant::mask_phone_number(input);
  if (!result.number) {
    fuzz::require(!result.reason.empty(), "a refused number has a reason");
    return;
  }
  fuzz::require(is_e164(result.number->e164), "an accepted number is in E.164");
  // The stored form is accepted again as itself: a participant can sign up with what we show.
  const auto again = participant::parse_phone_number(result.number->e164, "NL");
  fuzz::require(again.number && again.number->e164 == result.number->e164, "E.164 reads back as itself");
  participant::mask_phone_number(result.number->e164);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = burgernet::fuzz::as_text(data, size);
  try {
    check(input);
  } catch (const std::exception& e) {
    burgernet::fuzz::finding("an exception from a function that never throws", e);
  }
  return 0;
}
