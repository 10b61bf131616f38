// GSM 03.38 character tables, SMS segment counting and fitting a text into a number of segments.
#include "burgernet/message/sms_text.hpp"

#include <algorithm>
#include <string>

#include "burgernet/message/utf8.hpp"

namespace burgernet::message {
namespace {

constexpr std::size_t kGsm7Single = 160;
constexpr std::size_t kGsm7PerPart = 153;  // 7 septets go to the concatenation header
constexpr std::size_t kUcs2Single = 70;
constexpr std::size_t kUcs2PerPart = 67;  // 3 units go to the concatenation header
constexpr std::u32string_view kEllipsis = U"...";

// The basic table's characters outside printable ASCII, in table order (0x00-0x7F).
constexpr std::u32string_view kGsm7BasicNonAscii = U"£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà";
// Reached through the escape code 0x1B, so each takes two septets. U+000C is form feed.
constexpr std::u32string_view kGsm7Extension = U"\f^{}\\[~]|€";

// Septets a character takes in GSM-7, or 0 if it has none.
std::size_t gsm7_septets(char32_t c) {
  if (c == U'\n' || c == U'\r') return 1;
  if (c >= 0x20 && c <= 0x7E) {
    if (c == U'`') return 0;  // the only printable ASCII character in neither table
    return kGsm7Extension.find(c) == std::u32string_view::npos ? 1 : 2;
  }
  if (kGsm7BasicNonAscii.find(c) != std::u32string_view::npos) return 1;
  if (kGsm7Extension.find(c) != std::u32string_view::npos) return 2;
  return 0;
}

std::size_t ucs2_units(char32_t c) { return c >= 0x10000 ? 2 : 1; }

// Parts are filled in order and a character that does not fit whole starts the next part,
// which is how handsets and gateways split, so an escape or surrogate pair is never torn.
std::size_t count_segments(std::u32string_view text, bool gsm7, std::size_t units) {
  if (units == 0) return 0;
  if (units <= (gsm7 ? kGsm7Single : kUcs2Single)) return 1;
  const std::size_t capacity = gsm7 ? kGsm7PerPart : kUcs2PerPart;
  std::size_t segments = 1;
  std::size_t used = 0;
  for (const char32_t c : text) {
    const std::size_t width = gsm7 ? gsm7_septets(c) : ucs2_units(c);
    if (used + width > capacity) {
      ++segments;
      used = 0;
    }
    used += width;
  }
  return segments;
}

SmsMeasure measure_code_points(std::u32string_view text) {
  std::size_t septets = 0;
  bool gsm7 = true;
  for (const char32_t c : text) {
    const std::size_t width = gsm7_septets(c);
    if (width == 0) {
      gsm7 = false;
      break;
    }
    septets += width;
  }
  if (gsm7) return {SmsMeasure::Encoding::kGsm7, septets, count_segments(text, true, septets)};
  std::size_t units = 0;
  for (const char32_t c : text) units += ucs2_units(c);
  return {SmsMeasure::Encoding::kUcs2, units, count_segments(text, false, units)};
}

bool is_space(char32_t c) { return c == U' ' || c == U'\n' || c == U'\r' || c == U'\t' || c == 0xA0; }

// Dangling punctuation before the "..." reads as a typo ("jas,...").
bool is_trimmed_before_ellipsis(char32_t c) {
  return is_space(c) || std::u32string_view(U",.;:-(/").find(c) != std::u32string_view::npos;
}

}  // namespace

SmsMeasure measure_sms(std::string_view utf8) { return measure_code_points(decode_utf8(utf8)); }

std::string fit_sms(std::string_view utf8, std::size_t max_segments) {
  std::string text = sanitize_utf8(utf8);
  if (measure_sms(text).segments <= max_segments) return text;
  if (max_segments == 0) return "";

  const std::u32string code_points = decode_utf8(text);
  const auto fits = [&](std::size_t length) {
    std::u32string candidate = code_points.substr(0, length);
    candidate += kEllipsis;
    return measure_code_points(candidate).segments <= max_segments;
  };

  // The longest prefix that fits with the ellipsis: lengthening a prefix never lowers its count.
  std::size_t low = 0;  // "..." alone always fits one segment
  std::size_t high = code_points.size();
  while (low < high) {
    const std::size_t middle = low + (high - low + 1) / 2;
    if (fits(middle)) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  const std::size_t longest = low;

  std::size_t cut = longest;
  const bool mid_word = longest < code_points.size() && !is_space(code_points[longest]) && longest > 0 &&
                        !is_space(code_points[longest - 1]);
  if (mid_word) {
    const auto space = code_points.find_last_of(U" \n\r\t\u00A0", longest - 1);
    if (space != std::u32string::npos) cut = space;
  }
  while (cut > 0 && is_trimmed_before_ellipsis(code_points[cut - 1])) --cut;
  if (cut == 0) {
    // One word longer than the room: a hard cut still says more than "..." alone.
    cut = longest;
    while (cut > 0 && is_space(code_points[cut - 1])) --cut;
  }
  // Trimming only shortens, but the fit is cheap to confirm and must hold.
  while (cut > 0 && !fits(cut)) --cut;

  std::u32string result = code_points.substr(0, cut);
  result += kEllipsis;
  return encode_utf8(result);
}

std::string to_gsm_friendly(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t offset = 0; offset < utf8.size();) {
    const DecodedCodePoint decoded = decode_utf8_at(utf8, offset);
    offset += decoded.length;
    switch (decoded.code_point) {
      case U'\u2018':  // ‘
      case U'\u2019':  // ’
      case U'\u201A':  // ‚ (Dutch opening quote)
      case U'\u201B':  // ‛
        out.push_back('\'');
        break;
      case U'\u201C':  // “
      case U'\u201D':  // ”
      case U'\u201E':  // „ (Dutch opening quote)
      case U'\u201F':  // ‟
        out.push_back('"');
        break;
      case U'\u2013':  // en dash
      case U'\u2014':  // em dash
        out.push_back('-');
        break;
      case U'\u00A0':  // no-break space
      case U'\u202F':  // narrow no-break space
        out.push_back(' ');
        break;
      case U'\u2026':  // …
        out += "...";
        break;
      default:
        append_utf8(out, decoded.code_point);
    }
  }
  return out;
}

}  // namespace burgernet::message
