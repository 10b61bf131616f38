// Personal data at rest: phone numbers and e-mail addresses are stored sealed with
// AES-256-GCM, and found again by a keyed hash (HMAC-SHA256), so that a copy of the database
// without the key files is not a list of people (docs/privacy.md).
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "burgernet/config/config.hpp"

namespace burgernet::privacy {

// A key file is missing, unreadable or malformed, or sealed data does not open.
class KeyError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Key = std::array<unsigned char, 32>;

// What identifies a key without revealing it: `key_id` starts every value a sealing key sealed
// (8 hex digits, empty for the lookup key); `fingerprint` is SHA-256 of a label naming the
// purpose plus the key (64 hex digits), what the database records (migration 0016).
struct KeyIdentity {
  std::string key_id;
  std::string fingerprint;
};

class PersonalDataKeys {
 public:
  // Reads privacy.key_file (sealing), privacy.previous_key_files (opening only: data sealed
  // before a rotation) and privacy.lookup_key_file. Never creates a key: a missing file is a
  // KeyError naming it and `burgernetctl keys init` (a wrong path must not make a new key).
  static PersonalDataKeys load(const config::PrivacyConfig& config);
  PersonalDataKeys(Key current, std::vector<Key> previous, Key lookup);

  // `what` ("phone", "email") is authenticated with the data: a value cannot be moved to
  // another column. Both return and take PostgreSQL's bytea text form ("\x…").
  std::string seal(std::string_view plaintext, std::string_view what) const;
  std::string open(std::string_view sealed, std::string_view what) const;
  // Whether `sealed` was sealed with the current key (else `burgernetctl keys rotate` reseals it).
  bool is_current(std::string_view sealed) const;
  // HMAC-SHA256 of the normalized value (E.164), as bytea text: equal numbers, equal hashes.
  std::string lookup(std::string_view normalized) const;

  KeyIdentity sealing_identity() const;
  std::vector<KeyIdentity> previous_identities() const;
  KeyIdentity lookup_identity() const;

 private:
  struct Entry {
    std::array<unsigned char, 4> id;
    Key key;
  };
  Entry current_;
  std::vector<Entry> previous_;
  Key lookup_;
};

// Reads a key file (64 hex digits, or 32 raw bytes).
Key read_key_file(const std::string& path);
// The form of before issue 14, for callers not yet changed: reading never creates any more.
inline Key read_key_file(const std::string& path, bool create) {
  if (create) throw KeyError("read_key_file never creates a key: create_key_file (burgernetctl keys init) does");
  return read_key_file(path);
}

// Writes a new random key to `path` (mode 0600; a missing folder is made with mode 0700).
// False, and nothing written, when the file exists: a key is never replaced. Only
// `burgernetctl keys init` (and the tests' own key helper) call this.
bool create_key_file(const std::string& path);

// SHA-256 of "burgernet personal-data key\0" + purpose ("seal", "lookup") + "\0" + key, hex.
std::string key_fingerprint(const Key& key, std::string_view purpose);

// "\x0a1b…" <-> bytes.
std::string to_bytea_text(std::string_view bytes);
std::string from_bytea_text(std::string_view text);

}  // namespace burgernet::privacy
