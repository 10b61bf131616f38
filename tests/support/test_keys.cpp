// The personal-data keys every test program and test daemon share.
#include "support/test_keys.hpp"

namespace burgernet::testing {

config::PrivacyConfig test_privacy_config() {
  config::PrivacyConfig config;
  config.key_file = std::string(BURGERNET_TEST_BINARY_DIR) + "/test-keys/personal-data.key";
  config.lookup_key_file = std::string(BURGERNET_TEST_BINARY_DIR) + "/test-keys/lookup.key";
  // The daemon never creates a key (issue 14): the tests make theirs here, once, shared by every
  // test program (create_key_file never replaces one another program made first).
  privacy::create_key_file(config.key_file);
  privacy::create_key_file(config.lookup_key_file);
  return config;
}

nlohmann::json test_privacy_json() {
  const auto config = test_privacy_config();
  return {{"key_file", config.key_file}, {"lookup_key_file", config.lookup_key_file}};
}

const privacy::PersonalDataKeys& test_keys() {
  static const auto keys = privacy::PersonalDataKeys::load(test_privacy_config());
  return keys;
}

}  // namespace burgernet::testing
