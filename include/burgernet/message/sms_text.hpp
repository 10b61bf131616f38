// How long an SMS text is on the air (GSM 03.38 / 3GPP TS 23.038), and shortening it to fit.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace burgernet::message {

struct SmsMeasure {
  enum class Encoding { kGsm7, kUcs2 };
  Encoding encoding;
  std::size_t units;     // GSM-7 septets, or UCS-2 (UTF-16) code units
  std::size_t segments;  // messages the operator sends and bills; 0 for an empty text
};

// GSM-7 if every character is in the basic or extension table (an extension character takes
// two septets), otherwise UCS-2. One message carries 160 septets or 70 units; a concatenated
// message 153 septets or 67 units per part, and never splits an escape pair or surrogate pair.
// Ill-formed UTF-8 counts as U+FFFD, which forces UCS-2.
SmsMeasure measure_sms(std::string_view utf8);

// The text, as valid UTF-8, unchanged if it fits in `max_segments`; otherwise cut at a word
// boundary (mid-word only if the first word alone is too long) and ended with "..." so that it
// does. Three dots rather than U+2026, which would push the whole text to UCS-2.
std::string fit_sms(std::string_view utf8, std::size_t max_segments);

// Replaces typographic characters that word processors insert (curly quotes, en and em dashes,
// no-break spaces, the ellipsis) with their ASCII counterparts, which keeps a text in GSM-7:
// one curly quote would otherwise make it UCS-2, cutting each message from 160 to 70 characters.
// Letters are never changed, even those outside GSM-7 such as ë and ï: "ruïne" is not "ruine".
std::string to_gsm_friendly(std::string_view utf8);

}  // namespace burgernet::message
