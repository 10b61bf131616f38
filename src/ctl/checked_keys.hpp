// The personal-data keys of a burgernetctl command that opens or seals personal data: read
// from their files and compared with the fingerprints the database recorded (migration 0016).
#pragma once

#include "burgernet/config/config.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::ctl {

// Throws privacy::KeyError (a missing file) or privacy::KeyMismatch (another key than the
// database's): main turns both into exit code 2. Adopting on a database that recorded no keys
// is said on stderr.
privacy::PersonalDataKeys load_checked_keys(const config::Config& config, db::Connection& connection);

}  // namespace burgernet::ctl
