// Stable CAP identifiers: the action's uuid for its own message, name-based UUIDs for the rest.
#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <stdexcept>

#include "burgernet/cap/cap_document.hpp"

namespace burgernet::cap {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::array<unsigned char, 16> uuid_bytes(std::string_view uuid) {
  std::array<unsigned char, 16> bytes{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    if (uuid[i] == '-') continue;
    const int high = hex_value(uuid[i]);
    const int low = i + 1 < uuid.size() ? hex_value(uuid[i + 1]) : -1;
    if (high < 0 || low < 0 || n == bytes.size()) throw std::invalid_argument("not a uuid");
    bytes[n++] = static_cast<unsigned char>(high * 16 + low);
    ++i;
  }
  if (n != bytes.size()) throw std::invalid_argument("not a uuid");
  return bytes;
}

}  // namespace

std::string name_based_uuid(std::string_view namespace_uuid, std::string_view name) {
  const auto space = uuid_bytes(namespace_uuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool ok = context && EVP_DigestInit_ex(context, EVP_sha1(), nullptr) == 1 &&
                  EVP_DigestUpdate(context, space.data(), space.size()) == 1 &&
                  EVP_DigestUpdate(context, name.data(), name.size()) == 1 &&
                  EVP_DigestFinal_ex(context, digest, &length) == 1;
  EVP_MD_CTX_free(context);
  if (!ok || length < 16) throw std::runtime_error("SHA-1 is not available");
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 9562 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]);
  return out;
}

std::string message_identifier(std::string_view action_id, std::string_view message_kind,
                               std::int64_t message_id) {
  if (message_kind == "action") return "urn:uuid:" + std::string(action_id);
  return "urn:uuid:" +
         name_based_uuid(action_id, std::string(message_kind) + "/" + std::to_string(message_id));
}

}  // namespace burgernet::cap
