// Social post texts: twitter-text v3 weighted length (X) or code points (Mastodon), removal of
// personal data, fitting to 280 or 500.
#include "burgernet/message/tweet_text.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "burgernet/message/utf8.hpp"

namespace burgernet::message {
namespace {

constexpr std::size_t kUrlWeight = 23;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, weighs 2
constexpr std::size_t kMinPhoneDigits = 9;
constexpr std::size_t kMaxPhoneLength = 40;
constexpr std::size_t kMaxEmailLocalPart = 64;  // RFC 5321
constexpr std::size_t kMaxDomainLength = 255;

bool is_digit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool is_alpha(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
bool is_alnum(char32_t c) { return is_digit(c) || is_alpha(c); }
bool is_blank(char32_t c) { return c == U' ' || c == U'\t'; }
bool is_space(char32_t c) { return is_blank(c) || c == U'\n' || c == U'\r' || c == 0xA0; }
bool contains(std::string_view set, char32_t c) {
  return c < 0x80 && set.find(static_cast<char>(c)) != std::string_view::npos;
}
char32_t byte_at(std::string_view text, std::size_t i) {
  return i < text.size() ? static_cast<unsigned char>(text[i]) : U'\0';
}

std::size_t code_point_weight(char32_t c, PostCounting counting) {
  if (counting == PostCounting::kMastodon) return 1;
  const bool light =
      c <= 4351 || (c >= 8192 && c <= 8205) || (c >= 8208 && c <= 8223) || (c >= 8242 && c <= 8247);
  return light ? 1 : 2;
}

bool starts_with_ignoring_case(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[at + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// "host.example.nl": labels of letters, digits and '-', at least two, the last all letters.
bool is_domain(std::string_view host) {
  if (host.empty() || host.front() == '.' || host.back() == '.') return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty()) return false;
    for (const char c : label) {
      if (!is_alnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
    ++labels;
    if (dot == host.size()) {
      return labels >= 2 && label.size() >= 2 && std::all_of(label.begin(), label.end(), [](char c) {
               return is_alpha(static_cast<unsigned char>(c));
             });
    }
    start = dot + 1;
  }
  return false;
}

// Endings that X certainly links; a link elsewhere is counted so that either reading fits.
bool has_common_ending(std::string_view host) {
  static constexpr std::array<std::string_view, 10> kEndings = {"nl", "com", "org",  "net", "eu",
                                                                "be", "de",  "info", "io",  "co"};
  std::string ending(host.substr(host.rfind('.') + 1));
  for (char& c : ending) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return std::find(kEndings.begin(), kEndings.end(), ending) != kEndings.end();
}

struct Link {
  std::size_t end;  // byte offset just past the link
  std::size_t weight;
};

// The link starting at byte `at`, if any. Only ASCII characters that X takes into a link are
// taken, and the characters X leaves out at a link's end (a full stop, a comma) are left out.
std::optional<Link> match_link(std::string_view text, std::size_t at, char32_t previous) {
  if (is_alnum(previous) || contains("@$#", previous)) return std::nullopt;
  std::size_t scheme = 0;
  if (starts_with_ignoring_case(text, at, "https://")) {
    scheme = 8;
  } else if (starts_with_ignoring_case(text, at, "http://")) {
    scheme = 7;
  } else if (!is_alnum(byte_at(text, at)) || contains("-_./", previous)) {
    return std::nullopt;
  }
  // The host first: most candidates ("ca.", "1.80", "jas,die") fail there, before a path is read.
  const std::size_t host_begin = at + scheme;
  std::size_t host_end = host_begin;
  while (is_alnum(byte_at(text, host_end)) || contains("-.", byte_at(text, host_end))) ++host_end;
  std::size_t end = host_end;
  while (end > host_begin && byte_at(text, end - 1) == U'.') --end;
  const std::string_view host = text.substr(host_begin, end - host_begin);
  if (host.empty() || (scheme == 0 && !is_domain(host))) return std::nullopt;
  if (end == host_end && contains(":/?#", byte_at(text, end))) {
    std::size_t path_end = end;
    while (is_alnum(byte_at(text, path_end)) || contains("!*';:=+,.$/%#[]-_~&|@?", byte_at(text, path_end))) {
      ++path_end;
    }
    while (path_end > end && !is_alnum(byte_at(text, path_end - 1)) &&
           !contains("/=_#+-&", byte_at(text, path_end - 1))) {
      --path_end;
    }
    end = path_end;
  }
  const std::size_t plain = end - at;  // all ASCII, so one weight per byte
  const bool certain = scheme > 0 && is_domain(host) && has_common_ending(host);
  return Link{end, certain ? kUrlWeight : std::max(kUrlWeight, plain)};
}

// A piece of the text that is weighed whole: a link, or one code point.
struct Piece {
  std::size_t begin;
  std::size_t end;
  std::size_t weight;
  bool space;
};

std::vector<Piece> weigh(std::string_view text, PostCounting counting) {
  std::vector<Piece> pieces;
  char32_t previous = U' ';
  for (std::size_t at = 0; at < text.size();) {
    if (const auto link = match_link(text, at, previous)) {
      pieces.push_back({at, link->end, link->weight, false});
      previous = byte_at(text, link->end - 1);
      at = link->end;
      continue;
    }
    const DecodedCodePoint decoded = decode_utf8_at(text, at);
    pieces.push_back(
        {at, at + decoded.length, code_point_weight(decoded.code_point, counting), is_space(decoded.code_point)});
    previous = decoded.code_point;
    at += decoded.length;
  }
  return pieces;
}

// The end of an e-mail address starting at `at` (local@domain.tld), or `at` if there is none.
std::size_t match_email(std::string_view text, std::size_t at) {
  const auto local_char = [](char32_t c) { return is_alnum(c) || contains("._%+-", c); };
  std::size_t i = at;
  while (i < text.size() && local_char(byte_at(text, i)) && i - at <= kMaxEmailLocalPart) ++i;
  if (i == at || byte_at(text, i) != U'@') return at;
  const std::size_t domain_begin = ++i;
  std::size_t end = at;
  // Take labels while they are followed by a dot and another label; keep the longest valid one.
  while (i < text.size() && i - domain_begin <= kMaxDomainLength) {
    const std::size_t label_begin = i;
    while (i < text.size() && (is_alnum(byte_at(text, i)) || byte_at(text, i) == U'-')) ++i;
    if (i == label_begin) break;
    if (is_domain(text.substr(domain_begin, i - domain_begin))) end = i;
    if (byte_at(text, i) != U'.') break;
    ++i;
  }
  return end;
}

struct PhoneMatch {
  std::size_t end;
  bool personal;
};

// Digit groups joined by short separators, optionally led by '+' or '('. "12-03-2024 14:30"
// is a date and a time, not the ten digits 1203202414: a group followed by ':' is left out.
PhoneMatch match_phone(std::string_view text, std::size_t at) {
  std::size_t i = at;
  const bool plus = byte_at(text, i) == U'+';
  if (plus || byte_at(text, i) == U'(') ++i;
  if (!is_digit(byte_at(text, i))) return {at, false};

  std::size_t end = i;
  std::size_t previous_group_end = at;
  // Longer than any written phone number; the rest of a longer run is looked at on its own.
  while (i - at < kMaxPhoneLength) {
    while (is_digit(byte_at(text, i)) && i - at < kMaxPhoneLength) ++i;
    if (byte_at(text, i) == U':' && is_digit(byte_at(text, i + 1))) {
      end = previous_group_end;
      break;
    }
    end = i;
    // Separators: up to three of " -./()", never two spaces in a row ("06) 1234", "+31 (0)6",
    // "06 - 12345678").
    std::size_t j = i;
    bool double_space = false;
    while (j < text.size() && j - i < 3 && contains(" -./()", byte_at(text, j))) {
      double_space = double_space || (j > i && byte_at(text, j) == U' ' && byte_at(text, j - 1) == U' ');
      ++j;
    }
    if (j == i || double_space || !is_digit(byte_at(text, j))) break;
    previous_group_end = end;
    i = j;
  }
  if (end <= at) return {at, false};

  std::size_t digits = 0;
  bool spaced = false;
  char32_t first_digit = U'\0';
  for (std::size_t k = at; k < end; ++k) {
    const char32_t c = byte_at(text, k);
    if (is_digit(c)) {
      if (digits++ == 0) first_digit = c;
    }
    spaced = spaced || c == U' ';
  }
  // Numbers of people start with '+' or '0' (national, or 00 international); an unbroken or
  // hyphenated run of 9+ digits is treated the same. "in 2023 123456" is two numbers.
  const bool personal = digits >= kMinPhoneDigits && (plus || first_digit == U'0' || !spaced);
  return {end, personal};
}

// Closes the gap a removed address or number leaves: no doubled or dangling spaces, no empty
// brackets or separators, no colon left before the end of a sentence ("Bel: ." becomes "Bel.").
void close_gap(std::string& out, std::string_view text, std::size_t& at, int open_brackets) {
  while (!out.empty() && is_blank(static_cast<unsigned char>(out.back()))) out.pop_back();
  while (at < text.size() && is_blank(byte_at(text, at))) ++at;
  const char32_t next = byte_at(text, at);
  if (next == U')' && (open_brackets > 0 || (!out.empty() && out.back() == '('))) {
    if (open_brackets <= 0) out.pop_back();
    ++at;
    while (!out.empty() && is_blank(static_cast<unsigned char>(out.back()))) out.pop_back();
    while (at < text.size() && is_blank(byte_at(text, at))) ++at;
  } else if (open_brackets < 0 && !out.empty() && out.back() == '(') {
    out.pop_back();
    while (!out.empty() && is_blank(static_cast<unsigned char>(out.back()))) out.pop_back();
  }
  // A lone "/" or "|" that joined the removed item to another ("06-12345678 / a@b.nl") goes too.
  if (contains("/|", byte_at(text, at)) && (at + 1 == text.size() || is_blank(byte_at(text, at + 1)))) {
    ++at;
    while (at < text.size() && is_blank(byte_at(text, at))) ++at;
  } else if (!out.empty() && contains("/|", static_cast<unsigned char>(out.back())) &&
             (out.size() == 1 || is_blank(static_cast<unsigned char>(out[out.size() - 2])))) {
    out.pop_back();
    while (!out.empty() && is_blank(static_cast<unsigned char>(out.back()))) out.pop_back();
  }
  const char32_t after = byte_at(text, at);
  const bool sentence_goes_on = at < text.size() && !contains(".,;:!?)\r\n", after);
  if (!sentence_goes_on && !out.empty() && out.back() == ':') out.pop_back();
  if (sentence_goes_on && !out.empty() && !contains("(\n", static_cast<unsigned char>(out.back()))) {
    out.push_back(' ');
  }
}

int bracket_balance(std::string_view removed) {
  return static_cast<int>(std::count(removed.begin(), removed.end(), '(')) -
         static_cast<int>(std::count(removed.begin(), removed.end(), ')'));
}

bool is_trimmed_before_ellipsis(std::string_view piece) {
  return piece.size() == 1 && contains(" \t\r\n,.;:-(/", static_cast<unsigned char>(piece[0]));
}

}  // namespace

std::size_t post_length(std::string_view utf8, PostCounting counting) {
  const std::string text = sanitize_utf8(utf8);
  std::size_t length = 0;
  for (const Piece& piece : weigh(text, counting)) length += piece.weight;
  return length;
}

std::size_t tweet_length(std::string_view utf8) { return post_length(utf8, PostCounting::kX); }

std::string strip_personal_data(std::string_view utf8) {
  const std::string text = sanitize_utf8(utf8);
  std::string out;
  out.reserve(text.size());
  char32_t previous = U' ';
  for (std::size_t at = 0; at < text.size();) {
    const bool word_start = !is_alnum(previous) && !contains("._%+-@", previous);
    if (word_start) {
      if (const std::size_t end = match_email(text, at); end > at) {
        at = end;
        close_gap(out, text, at, 0);
        previous = U' ';
        continue;
      }
    }
    if (const auto link = match_link(text, at, previous)) {
      out.append(text, at, link->end - at);
      previous = byte_at(text, link->end - 1);
      at = link->end;
      continue;
    }
    if (!is_alnum(previous) && !contains("+.,", previous)) {
      if (const PhoneMatch phone = match_phone(text, at); phone.personal) {
        const int balance = bracket_balance(std::string_view(text).substr(at, phone.end - at));
        at = phone.end;
        close_gap(out, text, at, balance);
        previous = U' ';
        continue;
      }
    }
    const DecodedCodePoint decoded = decode_utf8_at(text, at);
    out.append(text, at, decoded.length);
    previous = decoded.code_point;
    at += decoded.length;
  }
  while (!out.empty() && contains(" \t\r\n", static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

std::string fit_tweet(std::string_view utf8, std::size_t max) { return fit_post(utf8, max, PostCounting::kX); }

std::string fit_post(std::string_view utf8, std::size_t max, PostCounting counting) {
  const std::string text = sanitize_utf8(utf8);
  const std::vector<Piece> pieces = weigh(text, counting);
  std::size_t total = 0;
  for (const Piece& piece : pieces) total += piece.weight;
  if (total <= max) return text;

  const std::size_t ellipsis_weight = post_length(kEllipsis, counting);
  if (max < ellipsis_weight) return "";
  // Pieces weigh the same in any prefix that holds them whole, so prefix weights add up.
  std::size_t longest = 0;  // pieces kept
  for (std::size_t used = 0;
       longest < pieces.size() && used + pieces[longest].weight <= max - ellipsis_weight; ++longest) {
    used += pieces[longest].weight;
  }

  std::size_t cut = longest;
  const bool mid_word = longest > 0 && !pieces[longest].space && !pieces[longest - 1].space;
  if (mid_word) {
    std::size_t space = longest - 1;
    while (space > 0 && !pieces[space].space) --space;
    if (pieces[space].space) cut = space;
  }
  const auto piece_text = [&](std::size_t i) {
    return std::string_view(text).substr(pieces[i].begin, pieces[i].end - pieces[i].begin);
  };
  while (cut > 0 && is_trimmed_before_ellipsis(piece_text(cut - 1))) --cut;
  if (cut == 0) {
    // One word longer than the room: a hard cut still says more than "…" alone.
    cut = longest;
    while (cut > 0 && pieces[cut - 1].space) --cut;
  }
  for (; cut > 0; --cut) {
    std::string result = text.substr(0, pieces[cut - 1].end);
    result += kEllipsis;
    if (post_length(result, counting) <= max) return result;
  }
  return "";
}

}  // namespace burgernet::message
