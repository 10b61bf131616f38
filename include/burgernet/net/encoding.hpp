// The small encodings providers' protocols need: HMAC, hex, base64, percent and form encoding.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace burgernet::net {

// Raw MACs (binary strings).
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);
// A raw SHA-256 digest (32 bytes).
std::string sha256(std::string_view data);

std::string to_hex(std::string_view bytes);  // lower case
std::string to_base64(std::string_view bytes);

// RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~" (OAuth 1.0a's
// and form bodies' encoding; a space becomes %20).
std::string percent_encode(std::string_view text);
// application/x-www-form-urlencoded: name=value&..., in the given order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// The reverse, '+' as space; malformed escapes are kept as they are. Order kept.
std::vector<std::pair<std::string, std::string>> form_decode(std::string_view body);

// Constant-time comparison, for signatures.
bool equal_secret(std::string_view a, std::string_view b);

}  // namespace burgernet::net
