// The personal-data keys every test program and test daemon share.
#include "support/test_keys.hpp"

namespace burgernet::testing {

config::PrivacyConfig test_privacy_config() {
  config::PrivacyConfig config;
  config.key_file = std::string(BURGERNET_TEST_BINARY_DIR) + "/test-keys/personal-data.key";
  config.lookup_key_file = std::string(BURGERNET_TEST_BINARY_DIR) + "/test-keys/lookup.key";
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
