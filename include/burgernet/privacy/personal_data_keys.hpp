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

class PersonalDataKeys {
 public:
  // Reads privacy.key_file (sealing; created with 32 random bytes when it does not exist, so
  // that the minimal configuration works), privacy.previous_key_files (opening only: data
  // sealed before a rotation) and privacy.lookup_key_file (created likewise).
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

 private:
  struct Entry {
    std::array<unsigned char, 4> id;
    Key key;
  };
  Entry current_;
  std::vector<Entry> previous_;
  Key lookup_;
};

// Reads a key file (64 hex digits, or 32 raw bytes). With `create`, a missing file is made
// with a new random key, mode 0600, in a folder made with mode 0700.
Key read_key_file(const std::string& path, bool create);

// "\x0a1b…" <-> bytes.
std::string to_bytea_text(std::string_view bytes);
std::string from_bytea_text(std::string_view text);

}  // namespace burgernet::privacy
