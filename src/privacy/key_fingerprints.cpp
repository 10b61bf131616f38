// Compares, records and retires the fingerprints of the personal-data keys (migration 0016).
#include "burgernet/privacy/key_fingerprints.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "burgernet/db/errors.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::privacy {
namespace {

constexpr const char* kUndefinedTable = "42P01";

// purpose -> fingerprint of the database's current key.
std::map<std::string, std::string> current_fingerprints(db::Connection& connection) {
  std::map<std::string, std::string> out;
  const auto rows = connection.exec(sql::query("KeyFingerprintsCurrent"));
  for (int i = 0; i < rows.rows(); ++i) out[rows.string(i, 0)] = rows.string(i, 1);
  return out;
}

std::string status_of(db::Connection& connection, const std::string& purpose,
                      const std::string& fingerprint) {
  for (const auto& key : recorded_keys(connection)) {
    if (key.purpose == purpose && key.fingerprint == fingerprint) return key.status;
  }
  return "";
}

void compare(db::Connection& connection, const std::string& setting, const std::string& purpose,
             const std::string& ours, const std::string& theirs, const char* what_they_did) {
  if (theirs.empty() || ours == theirs) return;
  std::string message = setting + " holds key " + short_fingerprint(ours) + ", the database " +
                        what_they_did + " " + short_fingerprint(theirs) + ": wrong file or missing rotation";
  const auto status = status_of(connection, purpose, ours);
  if (status == "previous" || status == "retired") {
    message += " (this key was replaced by a rotation and is " + status + " in the database)";
  }
  throw KeyMismatch(message + "; `burgernetctl keys status` shows the recorded keys (docs/privacy.md)");
}

void compare_all(db::Connection& connection, const PersonalDataKeys& keys,
                 const std::map<std::string, std::string>& recorded) {
  const auto get = [&](const char* purpose) {
    const auto it = recorded.find(purpose);
    return it == recorded.end() ? std::string() : it->second;
  };
  compare(connection, "privacy.key_file", "seal", keys.sealing_identity().fingerprint, get("seal"),
          "was sealed with");
  compare(connection, "privacy.lookup_key_file", "lookup", keys.lookup_identity().fingerprint, get("lookup"),
          "made its look-up hashes with");
}

void insert_keys(db::Connection& connection, const PersonalDataKeys& keys) {
  const auto sealing = keys.sealing_identity();
  connection.exec(sql::query("KeyFingerprintInsert"), "seal", sealing.fingerprint, sealing.key_id, "current");
  for (const auto& previous : keys.previous_identities()) {
    connection.exec(sql::query("KeyFingerprintInsert"), "seal", previous.fingerprint, previous.key_id,
                    "previous");
  }
  connection.exec(sql::query("KeyFingerprintInsert"), "lookup", keys.lookup_identity().fingerprint, "",
                  "current");
}

// A new key_file with the database's current key among previous_key_files: step 1 of a
// rotation (docs/privacy.md), not a wrong file. A key the database retired never comes back.
bool starts_rotation(db::Connection& connection, const PersonalDataKeys& keys,
                     const std::map<std::string, std::string>& recorded) {
  const auto it = recorded.find("seal");
  const auto ours = keys.sealing_identity().fingerprint;
  if (it == recorded.end() || it->second == ours) return false;
  const auto previous = keys.previous_identities();
  const bool keeps_theirs = std::any_of(previous.begin(), previous.end(),
                                        [&](const KeyIdentity& k) { return k.fingerprint == it->second; });
  return keeps_theirs && status_of(connection, "seal", ours).empty();
}

void record_sealing_rotation(db::Connection& connection, const PersonalDataKeys& keys) {
  const auto sealing = keys.sealing_identity();
  db::Transaction tx(connection);
  for (const auto& previous : keys.previous_identities()) {
    connection.exec(sql::query("KeyFingerprintInsert"), "seal", previous.fingerprint, previous.key_id,
                    "previous");
  }
  connection.exec(sql::query("KeyFingerprintsDemoteCurrent"), "seal", sealing.fingerprint);
  connection.exec(sql::query("KeyFingerprintMakeCurrent"), "seal", sealing.fingerprint, sealing.key_id);
  tx.commit();
}

}  // namespace

KeyCheck check_key_fingerprints(db::Connection& connection, const PersonalDataKeys& keys) {
  std::map<std::string, std::string> recorded;
  try {
    recorded = current_fingerprints(connection);
  } catch (const db::DatabaseUnavailable&) {
    throw;
  } catch (const db::DatabaseError& e) {
    if (e.sqlstate() == kUndefinedTable) return KeyCheck::not_migrated;
    throw;
  }
  if (!recorded.empty()) {
    if (starts_rotation(connection, keys, recorded)) {
      // The lookup key first: a wrong one must leave the database as it was.
      compare(connection, "privacy.lookup_key_file", "lookup", keys.lookup_identity().fingerprint,
              recorded.count("lookup") ? recorded.at("lookup") : std::string(),
              "made its look-up hashes with");
      record_sealing_rotation(connection, keys);
      compare_all(connection, keys, current_fingerprints(connection));
      return KeyCheck::rotation_started;
    }
    compare_all(connection, keys, recorded);
    return KeyCheck::matched;
  }
  // A database from before migration 0016: adopt our keys, unless what it holds says they are
  // the wrong ones.
  std::vector<std::string> ours{keys.sealing_identity().key_id};
  for (const auto& previous : keys.previous_identities()) ours.push_back(previous.key_id);
  const auto other = connection.exec(sql::query("SealedValueWithOtherKey"), db::Params(ours));
  if (other.rows() > 0) {
    throw KeyMismatch(
        "privacy.key_file holds key id " + ours.front() + ", the database holds values sealed with key id " +
        other.string(0, 0) +
        ", which neither it nor privacy.previous_key_files holds: wrong file or missing rotation");
  }
  {
    // One transaction: a second process adopting at the same moment waits on the unique index
    // and then finds all of the first one's keys, not half of them.
    db::Transaction tx(connection);
    insert_keys(connection, keys);
    tx.commit();
  }
  // Another process may have adopted other keys at the same moment: the first one won.
  compare_all(connection, keys, current_fingerprints(connection));
  return KeyCheck::adopted;
}

void record_initial_keys(db::Connection& connection, const PersonalDataKeys& keys) {
  db::Transaction tx(connection);
  if (connection.exec(sql::query("KeyFingerprintsAny")).boolean(0, 0)) {
    const auto recorded = current_fingerprints(connection);
    const auto seal = recorded.count("seal") ? recorded.at("seal") : std::string("(none)");
    throw KeyMismatch("the database already records its keys (sealing key " + short_fingerprint(seal) +
                      "): it was initialised before; use the key files it was sealed with");
  }
  insert_keys(connection, keys);
  tx.commit();
}

std::vector<std::string> record_rotation(db::Connection& connection, const PersonalDataKeys& keys) {
  std::vector<std::string> changes;
  db::Transaction tx(connection);
  const auto recorded = current_fingerprints(connection);
  const auto sealing = keys.sealing_identity();
  const auto lookup = keys.lookup_identity();
  if (recorded.count("seal") && recorded.at("seal") != sealing.fingerprint) {
    const auto previous = keys.previous_identities();
    const bool replaces = std::any_of(previous.begin(), previous.end(), [&](const KeyIdentity& k) {
      return k.fingerprint == recorded.at("seal");
    });
    const auto status = status_of(connection, "seal", sealing.fingerprint);
    if (!replaces || status == "retired") {
      throw KeyMismatch("privacy.key_file holds key " + short_fingerprint(sealing.fingerprint) +
                        ", the database was sealed with " + short_fingerprint(recorded.at("seal")) +
                        (status == "retired" ? ", and this key is retired" : "") +
                        ": wrong file or missing rotation. To rotate, keep the database's key in "
                        "privacy.previous_key_files (docs/privacy.md)");
    }
    changes.push_back("sealing key " + short_fingerprint(sealing.fingerprint) + " is current, " +
                      short_fingerprint(recorded.at("seal")) + " is previous");
  }
  if (recorded.count("lookup") && recorded.at("lookup") != lookup.fingerprint) {
    changes.push_back("lookup key " + short_fingerprint(lookup.fingerprint) + " is current, " +
                      short_fingerprint(recorded.at("lookup")) +
                      " is previous until every hash is recomputed");
  }
  for (const auto& previous : keys.previous_identities()) {
    connection.exec(sql::query("KeyFingerprintInsert"), "seal", previous.fingerprint, previous.key_id,
                    "previous");
  }
  connection.exec(sql::query("KeyFingerprintsDemoteCurrent"), "seal", sealing.fingerprint);
  connection.exec(sql::query("KeyFingerprintMakeCurrent"), "seal", sealing.fingerprint, sealing.key_id);
  connection.exec(sql::query("KeyFingerprintsDemoteCurrent"), "lookup", lookup.fingerprint);
  connection.exec(sql::query("KeyFingerprintMakeCurrent"), "lookup", lookup.fingerprint, "");
  tx.commit();
  return changes;
}

std::vector<SealedCount> count_sealed_values(db::Connection& connection) {
  std::vector<SealedCount> out;
  const auto rows = connection.exec(sql::query("SealedValuesByKey"));
  for (int i = 0; i < rows.rows(); ++i)
    out.push_back({rows.string(i, 0), rows.string(i, 1), rows.int64(i, 2)});
  return out;
}

std::vector<std::string> retire_unused_keys(db::Connection& connection,
                                            const std::vector<SealedCount>& counts) {
  std::vector<std::string> retired;
  for (const auto& key : recorded_keys(connection)) {
    if (key.status != "previous") continue;
    const bool in_use = std::any_of(counts.begin(), counts.end(), [&](const SealedCount& c) {
      return key.purpose == "seal" && c.key_id == key.key_id && c.count > 0;
    });
    if (in_use) continue;
    connection.exec(sql::query("KeyFingerprintRetire"), key.purpose, key.fingerprint);
    retired.push_back(key.purpose + " key " + short_fingerprint(key.fingerprint));
  }
  return retired;
}

std::vector<RecordedKey> recorded_keys(db::Connection& connection) {
  std::vector<RecordedKey> out;
  const auto rows = connection.exec(sql::query("KeyFingerprintsAll"));
  for (int i = 0; i < rows.rows(); ++i) {
    out.push_back({rows.string(i, 0), rows.string(i, 1), rows.string(i, 2), rows.string(i, 3),
                   rows.string(i, 4), rows.string(i, 5)});
  }
  return out;
}

bool check_daemon_keys(db::Connection& connection, const PersonalDataKeys& keys) {
  switch (check_key_fingerprints(connection, keys)) {
    case KeyCheck::matched:
      return true;
    case KeyCheck::adopted:
      spdlog::warn(
          "the database recorded no personal-data keys (it predates migration 0016): recorded this "
          "daemon's, sealing key {} and lookup key {}; from now on a process with other key files is "
          "refused",
          short_fingerprint(keys.sealing_identity().fingerprint),
          short_fingerprint(keys.lookup_identity().fingerprint));
      return true;
    case KeyCheck::rotation_started:
      spdlog::warn(
          "privacy.key_file holds a new sealing key {}, and the database's current one is among "
          "privacy.previous_key_files: recorded {} as current (a rotation). Daemons with the old "
          "privacy.key_file are refused from now on at their start; run `burgernetctl keys rotate` once "
          "every daemon has the new configuration",
          short_fingerprint(keys.sealing_identity().fingerprint),
          short_fingerprint(keys.sealing_identity().fingerprint));
      return true;
    case KeyCheck::not_migrated:
      return false;
  }
  return false;
}

}  // namespace burgernet::privacy
