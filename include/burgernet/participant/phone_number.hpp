// Checks a participant's phone number and brings it to E.164, with a reason a person can act on.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace burgernet::participant {

struct PhoneNumber {
  std::string e164;  // "+31612345678"
  bool mobile;       // can take an SMS; false means voice calls only
};

struct PhoneNumberResult {
  std::optional<PhoneNumber> number;  // empty when refused
  std::string reason;                 // why it was refused, for a person; empty when accepted
};

// Accepts E.164 ("+31 6 12345678"), international ("0031 6 1234 5678") and national forms
// ("06-12345678") of the `default_region` (ISO 3166 code of the country the service runs in).
// Refuses numbers that cannot reach a person at an address: pagers, service numbers (0800, 0900,
// shared cost, company numbers), voicemail, machine-to-machine numbers, and landlines abroad.
// Never throws.
PhoneNumberResult parse_phone_number(std::string_view input, std::string_view default_region = "NL");

// A number safe to write in logs, "+316*****678": enough to tell two numbers apart when
// debugging, never the whole number. Accepts any text and keeps only its digits.
std::string mask_phone_number(std::string_view e164);

}  // namespace burgernet::participant
