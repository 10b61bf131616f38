// Cursors are hex so that they survive any query string unescaped, and carry nothing a client
// could not see in the page itself.
#include "burgernet/domain/page_cursor.hpp"

#include <cctype>

#include "burgernet/domain/errors.hpp"

namespace burgernet::domain {

namespace {
constexpr std::size_t kMaxCursorLength = 400;
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (text[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string encode_page_cursor(const std::string& sort_key, const std::string& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char ch : sort_key + "|" + id) {
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  return out;
}

std::pair<std::string, std::string> decode_page_cursor(const std::string& cursor) {
  auto bad = [] { return InvalidField("cursor", "is not a next_cursor from this API"); };
  if (cursor.size() % 2 != 0 || cursor.size() > kMaxCursorLength) throw bad();
  const auto nibble = [&](char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    throw bad();
  };
  std::string text;
  for (std::size_t i = 0; i < cursor.size(); i += 2) text += static_cast<char>(nibble(cursor[i]) * 16 + nibble(cursor[i + 1]));
  const auto bar = text.rfind('|');
  if (bar == std::string::npos || !is_uuid(text.substr(bar + 1))) throw bad();
  return {text.substr(0, bar), text.substr(bar + 1)};
}

}  // namespace burgernet::domain
