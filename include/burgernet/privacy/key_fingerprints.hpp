// The database's record of which personal-data keys sealed it (migration 0016), so that a
// daemon or burgernetctl holding another key file refuses to run instead of sealing new data
// with a key nobody else has (docs/privacy.md, "The keys").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "burgernet/db/connection.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::privacy {

// This process's key file is not the one the database was sealed with. Exit code 2.
class KeyMismatch : public KeyError {
  using KeyError::KeyError;
};

enum class KeyCheck {
  matched,           // the database's current keys are this process's
  adopted,           // the database had recorded none (it predates migration 0016): ours now are
  rotation_started,  // a new key_file, the database's current key in previous_key_files: ours is current now
  not_migrated,      // no key_fingerprints table yet: checked once `burgernetctl migrate` has run
};

// Compares the current sealing and lookup keys with the database's current ones; throws
// KeyMismatch with a message naming both fingerprints. A new sealing key whose predecessor (the
// database's current key) is in privacy.previous_key_files starts a rotation: it is recorded as
// current and the other as previous, so that daemons restarted one by one agree. On a database that recorded
// none, first makes sure no phone number or push token there is sealed with a key this process lacks, then
// records its keys (several processes adopting at once: one wins, the others compare with it).
KeyCheck check_key_fingerprints(db::Connection& connection, const PersonalDataKeys& keys);

// `burgernetctl keys init`: records freshly made keys; KeyMismatch if any key is recorded already.
void record_initial_keys(db::Connection& connection, const PersonalDataKeys& keys);

// `burgernetctl keys rotate`, before resealing: the configured sealing key becomes current and
// the one it replaces previous. Refuses (KeyMismatch) unless the database's current sealing key
// is the configured one or among privacy.previous_key_files. A changed lookup key is taken as
// a lookup rotation (every hash is recomputed next). Returns what changed, for the report.
std::vector<std::string> record_rotation(db::Connection& connection, const PersonalDataKeys& keys);

struct SealedCount {
  std::string kind;    // phone, email, push_token, verification
  std::string key_id;  // 8 hex digits
  std::int64_t count = 0;
};
// Every sealed value in the database, counted per column and key id (a full scan).
std::vector<SealedCount> count_sealed_values(db::Connection& connection);

// After a rotation: previous sealing keys that no value uses any more, and a previous lookup
// key (every hash was recomputed), become retired. Returns the retired keys' fingerprints.
std::vector<std::string> retire_unused_keys(db::Connection& connection,
                                            const std::vector<SealedCount>& counts);

struct RecordedKey {
  std::string purpose, fingerprint, key_id, status, created_at, retired_at;
};
std::vector<RecordedKey> recorded_keys(db::Connection& connection);

// The first 8 hex digits of a fingerprint: enough for a person to tell two keys apart.
inline std::string short_fingerprint(const std::string& fingerprint) { return fingerprint.substr(0, 8); }

// The daemon's check: check_key_fingerprints, logging an adoption. True once the keys were
// compared (or adopted); false while the database has no key_fingerprints table (then it is
// asked again when the schema is current). Throws KeyMismatch.
bool check_daemon_keys(db::Connection& connection, const PersonalDataKeys& keys);

}  // namespace burgernet::privacy
