// AES-256-GCM sealing and HMAC-SHA256 look-ups over OpenSSL.
//
// Sealed layout: version (1 byte, 1) | key id (4 bytes: the start of SHA-256 of the key) |
// nonce (12 random bytes) | ciphertext | tag (16 bytes). The key id lets a rotation keep old
// keys for opening while every new value is sealed with the current one.
#include "burgernet/privacy/personal_data_keys.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace burgernet::privacy {
namespace {

constexpr unsigned char kVersion = 1;
constexpr std::size_t kIdSize = 4, kNonceSize = 12, kTagSize = 16;
constexpr std::size_t kHeaderSize = 1 + kIdSize + kNonceSize;

std::array<unsigned char, 4> key_id(const Key& key) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest, &length, EVP_sha256(), nullptr);
  return {digest[0], digest[1], digest[2], digest[3]};
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

}  // namespace

std::string to_bytea_text(std::string_view bytes) {
  return "\\x" + to_hex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

std::string from_bytea_text(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    throw KeyError("sealed data is not in bytea hex form");
  }
  std::string out;
  out.reserve(text.size() / 2 - 1);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    const int high = hex_value(text[i]), low = hex_value(text[i + 1]);
    if (high < 0 || low < 0) throw KeyError("sealed data is not in bytea hex form");
    out += static_cast<char>(high << 4 | low);
  }
  return out;
}

bool create_key_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) return false;
  const auto parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    ::chmod(parent.c_str(), 0700);
  }
  Key key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) throw KeyError("the random number generator failed");
  // Written to a file of its own, then linked into place: two programs creating at once never
  // read a half-written key, and never each keep a different one (link(2) refuses to replace).
  const std::string temporary = path + ".new." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw KeyError(path + ": cannot create: " + std::strerror(errno));
  const std::string text = to_hex(key.data(), key.size()) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  const int linked = written ? ::link(temporary.c_str(), path.c_str()) : -1;
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (linked == 0) return true;
  if (written && link_errno == EEXIST) return false;
  throw KeyError(path + ": cannot write the new key");
}

Key read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KeyError(path + ": cannot read the key file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  Key key{};
  if (text.size() == key.size()) {
    std::memcpy(key.data(), text.data(), key.size());
    return key;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() != key.size() * 2) throw KeyError(path + ": must hold 64 hex digits (a 256-bit key)");
  for (std::size_t i = 0; i < key.size(); ++i) {
    const int high = hex_value(text[2 * i]), low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) throw KeyError(path + ": must hold 64 hex digits (a 256-bit key)");
    key[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return key;
}

std::string key_fingerprint(const Key& key, std::string_view purpose) {
  std::string input("burgernet personal-data key\0", 28);
  input.append(purpose);
  input += '\0';
  input.append(reinterpret_cast<const char*>(key.data()), key.size());
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, sizeof digest);
}

namespace {

// A missing file is the one mistake this must not hide: before issue 14 the daemon made a new
// key here, and a wrong path quietly split the data between two keys.
Key read_configured_key(const std::string& setting, const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw KeyError(setting + " " + path +
                   " does not exist. burgernetd never creates a key: for a new installation run "
                   "`burgernetctl --config FILE keys init` once; otherwise point " +
                   setting + " at the key file the database was sealed with (docs/privacy.md)");
  }
  return read_key_file(path);
}

}  // namespace

PersonalDataKeys PersonalDataKeys::load(const config::PrivacyConfig& config) {
  // In this order, so that the message names the sealing key first when both are missing.
  const Key current = read_configured_key("privacy.key_file", config.key_file);
  std::vector<Key> previous;
  for (const auto& path : config.previous_key_files) {
    previous.push_back(read_configured_key("privacy.previous_key_files", path));
  }
  const Key lookup = read_configured_key("privacy.lookup_key_file", config.lookup_key_file);
  return PersonalDataKeys(current, std::move(previous), lookup);
}

PersonalDataKeys::PersonalDataKeys(Key current, std::vector<Key> previous, Key lookup)
    : current_{key_id(current), current}, lookup_(lookup) {
  for (const auto& key : previous) previous_.push_back({key_id(key), key});
}

std::string PersonalDataKeys::seal(std::string_view plaintext, std::string_view what) const {
  std::string out(kHeaderSize + plaintext.size() + kTagSize, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  bytes[0] = kVersion;
  std::memcpy(bytes + 1, current_.id.data(), kIdSize);
  if (RAND_bytes(bytes + 1 + kIdSize, kNonceSize) != 1) throw KeyError("the random number generator failed");
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, current_.key.data(), bytes + 1 + kIdSize) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(what.data()),
                        static_cast<int>(what.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), bytes + kHeaderSize, &length,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), bytes + kHeaderSize + length, &length) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, bytes + kHeaderSize + plaintext.size()) == 1;
  if (!ok) throw KeyError("sealing failed");
  return to_bytea_text(out);
}

std::string PersonalDataKeys::open(std::string_view sealed_text, std::string_view what) const {
  const std::string sealed = from_bytea_text(sealed_text);
  if (sealed.size() < kHeaderSize + kTagSize || static_cast<unsigned char>(sealed[0]) != kVersion) {
    throw KeyError("sealed data has an unknown layout");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  const Entry* entry = std::memcmp(bytes + 1, current_.id.data(), kIdSize) == 0 ? &current_ : nullptr;
  for (const auto& candidate : previous_) {
    if (!entry && std::memcmp(bytes + 1, candidate.id.data(), kIdSize) == 0) entry = &candidate;
  }
  if (!entry) throw KeyError("sealed with a key that is not configured (privacy.previous_key_files?)");
  const std::size_t size = sealed.size() - kHeaderSize - kTagSize;
  std::string out(size, '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int length = 0;
  std::array<unsigned char, kTagSize> tag{};
  std::memcpy(tag.data(), bytes + kHeaderSize + size, kTagSize);
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, entry->key.data(), bytes + 1 + kIdSize) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(what.data()),
                        static_cast<int>(what.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length, bytes + kHeaderSize,
                        static_cast<int>(size)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + length, &length) == 1;
  if (!ok) throw KeyError("sealed data does not open: altered, or another key");
  return out;
}

bool PersonalDataKeys::is_current(std::string_view sealed_text) const {
  const std::string sealed = from_bytea_text(sealed_text);
  return sealed.size() > kIdSize && std::memcmp(sealed.data() + 1, current_.id.data(), kIdSize) == 0;
}

KeyIdentity PersonalDataKeys::sealing_identity() const {
  return {to_hex(current_.id.data(), kIdSize), key_fingerprint(current_.key, "seal")};
}

std::vector<KeyIdentity> PersonalDataKeys::previous_identities() const {
  std::vector<KeyIdentity> out;
  for (const auto& entry : previous_) out.push_back({to_hex(entry.id.data(), kIdSize), key_fingerprint(entry.key, "seal")});
  return out;
}

KeyIdentity PersonalDataKeys::lookup_identity() const { return {"", key_fingerprint(lookup_, "lookup")}; }

std::string PersonalDataKeys::lookup(std::string_view normalized) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), lookup_.data(), static_cast<int>(lookup_.size()),
       reinterpret_cast<const unsigned char*>(normalized.data()), normalized.size(), digest, &length);
  return "\\x" + to_hex(digest, length);
}

}  // namespace burgernet::privacy
