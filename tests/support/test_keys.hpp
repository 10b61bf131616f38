// The personal-data keys every test program and test daemon share (under the build folder),
// so that what one seals another can open.
#pragma once

#include <nlohmann/json.hpp>

#include "burgernet/config/config.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::testing {

config::PrivacyConfig test_privacy_config();
// The same, as the "privacy" object of a daemon config.
nlohmann::json test_privacy_json();
const privacy::PersonalDataKeys& test_keys();

}  // namespace burgernet::testing
