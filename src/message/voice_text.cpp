// The rules that turn a written Dutch alert into a text for text-to-speech, applied in one pass.
#include "burgernet/message/voice_text.hpp"

#include <array>
#include <string>
#include <vector>

#include "burgernet/message/utf8.hpp"

namespace burgernet::message {
namespace {

constexpr std::size_t kMaxEmailLocalPart = 64;  // RFC 5321
constexpr std::size_t kMaxPhoneLength = 40;

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_upper(char32_t c) { return c >= U'A' && c <= U'Z'; }
bool is_lower(char32_t c) { return c >= U'a' && c <= U'z'; }
bool is_alpha(char32_t c) { return is_upper(c) || is_lower(c); }
bool is_alnum(char32_t c) { return is_digit(c) || is_alpha(c); }
// Letters beyond ASCII ("ë", "é") also continue a word.
bool is_word_char(char32_t c) { return is_alnum(c) || (c >= 0xC0 && c <= 0x24F); }
bool is_blank(char32_t c) { return c == U' ' || c == U'\t'; }
bool contains(std::string_view set, char32_t c) {
  return c < 0x80 && set.find(static_cast<char>(c)) != std::string_view::npos;
}
char32_t byte_at(std::string_view text, std::size_t i) {
  return i < text.size() ? static_cast<unsigned char>(text[i]) : U'\0';
}
char32_t lower(char32_t c) { return is_upper(c) ? c - U'A' + U'a' : c; }

bool starts_with_ignoring_case(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(byte_at(text, at + i)) != static_cast<unsigned char>(prefix[i])) return false;
  }
  return true;
}

// Symbols a voice either skips or reads out loud as their name ("hekje", "sterretje").
bool is_unspeakable(char32_t c) {
  return contains("#*_|<>", c) || (c < 0x20 && c != U'\n' && c != U'\t') || (c >= 0x7F && c < 0xA0) ||
         (c >= 0x2190 && c <= 0x21FF) ||    // arrows
         (c >= 0x2300 && c <= 0x23FF) ||    // technical symbols, clocks
         (c >= 0x25A0 && c <= 0x27BF) ||    // shapes, dingbats, weather, warning signs
         (c >= 0x2B00 && c <= 0x2BFF) ||    // stars, arrows
         (c >= 0xE000 && c <= 0xF8FF) ||    // private use
         (c >= 0xFE00 && c <= 0xFE0F) ||    // variation selectors
         (c >= 0x1F000 && c <= 0x1FAFF) ||  // emoji, flags
         (c >= 0xE0000 && c <= 0xE007F) ||  // emoji tag sequences
         c == 0x200D || c == 0x20E3 || c == 0x3030 || c == 0x303D || c == 0x3297 || c == 0x3299 ||
         c == kReplacementCharacter;
}

// --- links and e-mail addresses ------------------------------------------------------------

std::size_t match_link(std::string_view text, std::size_t at) {
  if (!starts_with_ignoring_case(text, at, "http://") && !starts_with_ignoring_case(text, at, "https://") &&
      !starts_with_ignoring_case(text, at, "www.")) {
    return at;
  }
  std::size_t end = at;
  while (end < text.size() && byte_at(text, end) > U' ') ++end;
  // The sentence's own punctuation after a link is not part of it.
  while (end > at && contains(".,;:!?)'\"", byte_at(text, end - 1))) --end;
  return end;
}

std::size_t match_email(std::string_view text, std::size_t at) {
  std::size_t i = at;
  while ((is_alnum(byte_at(text, i)) || contains("._%+-", byte_at(text, i))) && i - at <= kMaxEmailLocalPart)
    ++i;
  if (i == at || byte_at(text, i) != U'@') return at;
  ++i;
  std::size_t end = at;
  std::size_t labels = 0;
  for (;;) {
    const std::size_t label_begin = i;
    bool letters_only = true;
    while (is_alnum(byte_at(text, i)) || byte_at(text, i) == U'-') {
      letters_only = letters_only && is_alpha(byte_at(text, i));
      ++i;
    }
    if (i == label_begin) break;
    if (++labels >= 2 && letters_only && i - label_begin >= 2) end = i;
    if (byte_at(text, i) != U'.') break;
    ++i;
  }
  return end;
}

// --- things read character by character ------------------------------------------------------

void append_spelled(std::string& out, std::string_view group) {
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out.push_back(group[i]);
  }
}

void append_groups(std::string& out, const std::vector<std::string_view>& groups) {
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (i > 0) out += ", ";
    append_spelled(out, groups[i]);
  }
}

// Dutch plates: three groups joined by '-', six characters, each group all letters or all
// digits, with both kinds present ("12-ABC-3", "AB-123-C", "XX-99-99" and the other side codes).
std::size_t match_plate(std::string_view text, std::size_t at, std::string& out) {
  std::vector<std::string_view> groups;
  std::size_t i = at;
  bool letters = false;
  bool digits = false;
  for (int group = 0; group < 3; ++group) {
    if (group > 0) {
      if (byte_at(text, i) != U'-') return at;
      ++i;
    }
    const std::size_t begin = i;
    const bool of_letters = is_upper(byte_at(text, i));
    while (i - begin < 4 && (of_letters ? is_upper(byte_at(text, i)) : is_digit(byte_at(text, i)))) ++i;
    if (i == begin || i - begin > 3) return at;
    (of_letters ? letters : digits) = true;
    groups.push_back(text.substr(begin, i - begin));
  }
  const bool ends_here =
      !is_word_char(byte_at(text, i)) && !(byte_at(text, i) == U'-' && is_alnum(byte_at(text, i + 1)));
  if (i - at != 8 || !letters || !digits || !ends_here) return at;
  append_groups(out, groups);
  return i;
}

std::size_t skip_digits(std::string_view text, std::size_t i) {
  while (is_digit(byte_at(text, i))) ++i;
  return i;
}

// Phone numbers and other numbers to be read as digits: "06-12345678", "+31 6 12345678",
// "0800-0011". Groups are joined by '-' or a space; a group followed by ':' starts a
// time ("12-03-2024 14:30") and ends the chain before it.
std::size_t match_digit_chain(std::string_view text, std::size_t at, std::string& out) {
  std::size_t i = at;
  const bool plus = byte_at(text, i) == U'+';
  if (plus) ++i;
  if (!is_digit(byte_at(text, i))) return at;

  std::vector<std::string_view> groups;
  bool spaced = false;
  bool hyphenated = false;
  std::size_t end = i;
  // Longer than any written phone number; a longer run is not read as one.
  while (i - at < kMaxPhoneLength) {
    const std::size_t begin = i;
    i = skip_digits(text, i);
    const bool time_or_decimal = contains(":.,", byte_at(text, i)) && is_digit(byte_at(text, i + 1));
    if (time_or_decimal && !groups.empty()) break;
    groups.push_back(text.substr(begin, i - begin));
    end = i;
    if (time_or_decimal) break;
    // One space or hyphen, or a hyphen between spaces ("06 - 12345678").
    std::size_t separator_end = i;
    if (text.substr(i).starts_with(" - ")) {
      separator_end = i + 3;
    } else if (contains(" -", byte_at(text, i))) {
      separator_end = i + 1;
    }
    if (separator_end == i || !is_digit(byte_at(text, separator_end))) break;
    (separator_end - i == 1 && byte_at(text, i) == U' ' ? spaced : hyphenated) = true;
    i = separator_end;
  }

  std::size_t digits = 0;
  for (const std::string_view group : groups) digits += group.size();
  const bool date_shaped =
      groups.size() == 3 && ((groups[0].size() <= 2 && groups[1].size() <= 2 && groups[2].size() == 4) ||
                             (groups[0].size() == 4 && groups[1].size() <= 2 && groups[2].size() <= 2));
  const bool from_zero = plus || groups.front().front() == '0';
  const bool phone =
      groups.size() > 1 && !date_shaped &&
      ((digits >= 9 && (from_zero || !spaced)) || (hyphenated && !spaced && from_zero && digits >= 6));
  if (!phone) return at;
  if (plus) out += "plus ";
  append_groups(out, groups);
  return end;
}

// --- numbers with units, times, heights --------------------------------------------------

struct Expansion {
  std::string_view written;
  std::string_view spoken;
};

// After a number only, so "m" in a word is never touched. Longest first.
constexpr std::array<Expansion, 7> kUnits = {{
    {"km/u", "kilometer per uur"},
    {"km/h", "kilometer per uur"},
    {"km", "kilometer"},
    {"cm", "centimeter"},
    {"kg", "kilo"},
    {"jr", "jaar"},
    {"m", "meter"},
}};

// Abbreviations at the start of a word, compared without case.
constexpr std::array<Expansion, 13> kAbbreviations = {{
    {"i.v.m.", "in verband met"},
    {"z.s.m.", "zo snel mogelijk"},
    {"t.h.v.", "ter hoogte van"},
    {"m.b.t.", "met betrekking tot"},
    {"i.p.v.", "in plaats van"},
    {"o.a.", "onder andere"},
    {"evt.", "eventueel"},
    {"tel.", "telefoon"},
    {"ca.", "circa"},
    {"nr.", "nummer"},
    {"ivm", "in verband met"},
    {"zsm", "zo snel mogelijk"},
    {"thv", "ter hoogte van"},
}};

// Whether a full stop after an abbreviation also ends the sentence: only if what follows starts
// a new one ("12 jr. Hij" but not "12 jr. oud").
bool period_ends_sentence(std::string_view text, std::size_t after_period) {
  while (is_blank(byte_at(text, after_period))) ++after_period;
  const char32_t next = byte_at(text, after_period);
  return after_period >= text.size() || next == U'\n' || is_upper(next) || next >= 0x80;
}

// The unit after a number at `at` (optionally after one space), written out; `at` if none.
std::size_t match_unit(std::string_view text, std::size_t at, std::string& out) {
  std::size_t i = at;
  if (byte_at(text, i) == U' ') ++i;
  for (const Expansion& unit : kUnits) {
    if (text.substr(i).starts_with(unit.written) && !is_word_char(byte_at(text, i + unit.written.size()))) {
      out += ' ';
      out += unit.spoken;
      std::size_t end = i + unit.written.size();
      if (byte_at(text, end) == U'.' && !period_ends_sentence(text, end + 1)) ++end;
      return end;
    }
  }
  return at;
}

// Past the "-" or " - " between two times, or `at` if there is none.
std::size_t after_range_hyphen(std::string_view text, std::size_t at) {
  if (text.substr(at).starts_with(" - ")) return at + 3;
  if (byte_at(text, at) == U'-') return at + 1;
  return at;
}

bool starts_time_range(std::string_view text, std::size_t at);

enum class Range { kAllowed, kNotAgain };

// "14:30" is "14 uur 30", "09:00" is "9 uur"; "14.30 uur" (the Dutch way) likewise. A trailing
// "uur" or "u" is taken in, so it is not said twice.
// The second time of a range is not read as the start of another, so that no text can make
// this recurse deeply.
std::size_t match_time(std::string_view text, std::size_t at, std::string& out,
                       Range range = Range::kAllowed) {
  const std::size_t hour_end = skip_digits(text, at);
  const std::size_t hour_digits = hour_end - at;
  const char32_t separator = byte_at(text, hour_end);
  if (hour_digits == 0 || hour_digits > 2 || (separator != U':' && separator != U'.')) return at;
  const std::size_t minute_end = skip_digits(text, hour_end + 1);
  if (minute_end - hour_end - 1 != 2) return at;
  const int hour = std::stoi(std::string(text.substr(at, hour_digits)));
  const int minute = std::stoi(std::string(text.substr(hour_end + 1, 2)));
  if (hour > 23 || minute > 59) return at;

  std::size_t end = minute_end;
  std::size_t suffix = byte_at(text, end) == U' ' ? end + 1 : end;
  bool has_suffix = false;
  for (const std::string_view word : {"uur", "u"}) {
    if (text.substr(suffix).starts_with(word) && !is_word_char(byte_at(text, suffix + word.size()))) {
      end = suffix + word.size();
      if (word == "u" && byte_at(text, end) == U'.' && !period_ends_sentence(text, end + 1)) ++end;
      has_suffix = true;
      break;
    }
  }
  // "1.80" or "2.50 euro" are no times; "14.30 uur" is, and so is "22.00" in "22.00 en 23.00 uur".
  if (separator == U'.' && !has_suffix && (range == Range::kNotAgain || !starts_time_range(text, end))) {
    return at;
  }
  if (is_digit(byte_at(text, minute_end)) ||
      (byte_at(text, minute_end) == U':' && is_digit(byte_at(text, minute_end + 1)))) {
    return at;
  }
  out += std::to_string(hour) + " uur";
  if (minute != 0) out += " " + std::to_string(minute);
  // "14:00-16:00" is "14 uur tot 16 uur", not "14 uur min 16 uur".
  if (const std::size_t next = after_range_hyphen(text, end); range == Range::kAllowed && next > end) {
    std::string second;
    if (const std::size_t second_end = match_time(text, next, second, Range::kNotAgain); second_end > next) {
      out += " tot " + second;
      return second_end;
    }
  }
  return end;
}

bool starts_time_range(std::string_view text, std::size_t at) {
  std::size_t next = after_range_hyphen(text, at);
  for (const std::string_view word : {" en ", " tot "}) {
    if (next == at && text.substr(at).starts_with(word)) next = at + word.size();
  }
  std::string ignored;
  return next > at && match_time(text, next, ignored, Range::kNotAgain) > next;
}

// A height, "1.80 m" or "1,80m", is said "1 meter 80": read as a number, "1.80" is ambiguous
// in Dutch, where the full stop separates thousands.
std::size_t match_height(std::string_view text, std::size_t at, std::string& out) {
  if (!is_digit(byte_at(text, at)) || !contains(".,", byte_at(text, at + 1)) ||
      !is_digit(byte_at(text, at + 2)) || !is_digit(byte_at(text, at + 3)) ||
      is_digit(byte_at(text, at + 4))) {
    return at;
  }
  std::size_t i = at + 4;
  if (byte_at(text, i) == U' ') ++i;
  for (const std::string_view word : {"meter", "m"}) {
    if (text.substr(i).starts_with(word) && !is_word_char(byte_at(text, i + word.size()))) {
      std::size_t end = i + word.size();
      if (byte_at(text, end) == U'.' && !period_ends_sentence(text, end + 1)) ++end;
      out.push_back(text[at]);
      out += " meter ";
      out.append(text, at + 2, 2);
      return end;
    }
  }
  return at;
}

// Numbers not read as digits: kept as written ("12", "2.500", "1,5"), with their unit written
// out. Long runs ("zaaknummer 2024123456") and the emergency number 112 are read digit by digit.
std::size_t match_number(std::string_view text, std::size_t at, std::string& out, bool dutch_units) {
  std::size_t i = skip_digits(text, at);
  if (i == at) return at;
  const std::size_t run = i - at;
  bool decimal = false;
  while (contains(".,", byte_at(text, i)) && is_digit(byte_at(text, i + 1))) {
    i = skip_digits(text, i + 1);
    decimal = true;
  }
  const std::string_view number = text.substr(at, i - at);
  std::string unit;
  const std::size_t unit_end = dutch_units ? match_unit(text, i, unit) : i;
  if (!decimal && (run >= 5 || (number == "112" && unit.empty()))) {
    append_spelled(out, number);
    return i;
  }
  out += number;
  out += unit;
  return unit_end;
}

std::size_t match_abbreviation(std::string_view text, std::size_t at, std::string& out) {
  for (const Expansion& abbreviation : kAbbreviations) {
    const std::string_view written = abbreviation.written;
    if (!starts_with_ignoring_case(text, at, written)) continue;
    const std::size_t end = at + written.size();
    const bool ends_with_period = written.back() == '.';
    if (is_word_char(byte_at(text, end)) ||
        (!ends_with_period && byte_at(text, end) == U'.' && is_alpha(byte_at(text, end + 1)))) {
      continue;
    }
    std::string spoken(abbreviation.spoken);
    if (is_upper(byte_at(text, at))) spoken[0] = static_cast<char>(spoken[0] - 'a' + 'A');
    out += spoken;
    // At the very end of a line the abbreviation's full stop also ends the sentence.
    if (ends_with_period) {
      std::size_t rest = end;
      while (is_blank(byte_at(text, rest))) ++rest;
      if (rest >= text.size() || byte_at(text, rest) == U'\n') out.push_back('.');
    }
    return end;
  }
  return at;
}

// --- finishing -----------------------------------------------------------------------------

// Each line becomes a sentence, so a voice pauses where the writer broke the line; blanks are
// collapsed, and the gaps left by removed links are closed ("Zie www.x.nl." becomes "Zie.").
std::string finish(std::string_view text) {
  std::string joined;
  std::size_t line_begin = 0;
  while (line_begin <= text.size()) {
    std::size_t line_end = text.find('\n', line_begin);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_begin, line_end - line_begin);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos) {
      line = line.substr(first, line.find_last_not_of(" \t\r") + 1 - first);
      // A list's bullet is no word ("- man" is not "min man").
      for (const std::string_view bullet : {"- ", "\u2022 "}) {
        if (line.starts_with(bullet)) line.remove_prefix(bullet.size());
      }
      if (!joined.empty()) {
        if (!contains(".!?:;,", static_cast<unsigned char>(joined.back()))) joined.push_back('.');
        joined.push_back(' ');
      }
      joined += line;
    }
    line_begin = line_end + 1;
  }

  std::string out;
  out.reserve(joined.size());
  for (const char c : joined) {
    const char ch = (c == '\t' || c == '\r') ? ' ' : c;
    const char last = out.empty() ? '\0' : out.back();
    if (ch == ' ') {
      if (!out.empty() && last != ' ' && last != '(') out.push_back(' ');
      continue;
    }
    if (contains(".,;:!?)", static_cast<unsigned char>(ch))) {
      if (last == ' ') out.pop_back();
      const char before = out.empty() ? '\0' : out.back();
      if (out.empty() && ch != ')') continue;  // "www.x.nl, bel" lost its first word
      if (ch == ')' && before == '(') {        // "(www.x.nl)"
        out.pop_back();
        continue;
      }
      if (ch == ',' && contains(",.!?:;(", static_cast<unsigned char>(before))) continue;
      if (contains(".!?)", static_cast<unsigned char>(ch)) &&
          contains(",:;", static_cast<unsigned char>(before))) {
        out.pop_back();  // "bel: ." after a removed number
      }
    }
    out.push_back(ch);
  }
  while (!out.empty() && contains(" ,;:", static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

}  // namespace

std::string speech_text(std::string_view input, Speech language) {
  const bool dutch = language == Speech::kDutch;
  const std::string text = sanitize_utf8(input);
  std::string out;
  out.reserve(text.size() * 2);
  char32_t previous = U' ';
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t before = at;
    const bool word_start = !is_word_char(previous);
    if (word_start && !contains("@.-_/", previous)) {
      if (const std::size_t end = match_link(text, at); end > at) {
        out.push_back(' ');
        at = end;
      } else if (const std::size_t mail = match_email(text, at); mail > at) {
        out.push_back(' ');
        at = mail;
      }
    }
    if (at == before && word_start && !contains(".,:-", previous)) {
      if (std::size_t end = match_plate(text, at, out); end > at) {
        at = end;
      } else if (end = dutch ? match_time(text, at, out) : at; end > at) {
        at = end;
      } else if (end = dutch ? match_height(text, at, out) : at; end > at) {
        at = end;
      } else if (end = match_digit_chain(text, at, out); end > at) {
        at = end;
      } else if (end = match_number(text, at, out, dutch); end > at) {
        at = end;
      } else if (end = dutch ? match_abbreviation(text, at, out) : at; end > at) {
        at = end;
      }
    }
    if (at > before) {
      previous = byte_at(text, at - 1);
      continue;
    }
    const DecodedCodePoint decoded = decode_utf8_at(text, at);
    if (is_unspeakable(decoded.code_point)) {
      out.push_back(' ');
    } else {
      out.append(text, at, decoded.length);
    }
    previous = decoded.code_point;
    at += decoded.length;
  }
  return finish(out);
}

}  // namespace burgernet::message
