// UTF-8 decoding, validation and encoding shared by the message text modules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace burgernet::message {

// Stands in for every byte sequence that is not well-formed UTF-8, so that text from any
// source can be measured and rewritten without ever producing invalid output.
inline constexpr char32_t kReplacementCharacter = U'\uFFFD';

struct DecodedCodePoint {
  char32_t code_point;  // kReplacementCharacter for an ill-formed sequence
  std::size_t length;   // bytes consumed, at least 1 while offset < text.size()
  bool well_formed;     // false where code_point stands in for an ill-formed sequence
};

// Decodes the code point starting at `offset`. An ill-formed sequence yields
// kReplacementCharacter and consumes its maximal subpart (Unicode 15, section 3.9), as browsers do.
// At or past the end it returns {kReplacementCharacter, 0, false}.
DecodedCodePoint decode_utf8_at(std::string_view text, std::size_t offset) noexcept;

std::u32string decode_utf8(std::string_view text);

bool is_valid_utf8(std::string_view text) noexcept;

// Surrogates and values above U+10FFFF cannot be encoded; they are written as U+FFFD.
void append_utf8(std::string& out, char32_t code_point);

std::string encode_utf8(std::u32string_view code_points);

// The text itself if it is valid, otherwise with each ill-formed sequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

}  // namespace burgernet::message
