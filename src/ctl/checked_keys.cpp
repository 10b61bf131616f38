// Loads the key files and refuses to go on with keys the database was not sealed with.
#include "ctl/checked_keys.hpp"

#include <iostream>

#include "burgernet/privacy/key_fingerprints.hpp"

namespace burgernet::ctl {

privacy::PersonalDataKeys load_checked_keys(const config::Config& config, db::Connection& connection) {
  auto keys = privacy::PersonalDataKeys::load(config.privacy);
  const auto check = privacy::check_key_fingerprints(connection, keys);
  if (check == privacy::KeyCheck::adopted) {
    std::cerr << "burgernetctl: the database recorded no personal-data keys; recorded these: sealing key "
              << privacy::short_fingerprint(keys.sealing_identity().fingerprint) << ", lookup key "
              << privacy::short_fingerprint(keys.lookup_identity().fingerprint) << "\n";
  } else if (check == privacy::KeyCheck::rotation_started) {
    std::cerr << "burgernetctl: recorded the new sealing key "
              << privacy::short_fingerprint(keys.sealing_identity().fingerprint)
              << " as current (a rotation); run `burgernetctl keys rotate` to reseal the older values\n";
  }
  return keys;
}

}  // namespace burgernet::ctl
