// `burgernetctl keys status [--json]`: the keys the database records (migration 0016), the ones
// this configuration holds, and how many sealed values each key id still opens. Reads only;
// works with a key file that does not match, to show what does not.
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/privacy/key_fingerprints.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {

int run_keys_status(const config::Config& config, bool as_json) {
  const auto keys = privacy::PersonalDataKeys::load(config.privacy);
  db::Connection connection(config.database.url);
  const auto recorded = privacy::recorded_keys(connection);
  const auto counts = privacy::count_sealed_values(connection);

  std::map<std::string, std::string> configured;  // fingerprint -> the setting holding it
  configured[keys.sealing_identity().fingerprint] = "privacy.key_file";
  for (const auto& previous : keys.previous_identities()) {
    configured.emplace(previous.fingerprint, "privacy.previous_key_files");
  }
  configured[keys.lookup_identity().fingerprint] = "privacy.lookup_key_file";
  bool matches = false, lookup_matches = false;
  for (const auto& key : recorded) {
    if (key.status != "current") continue;
    if (key.purpose == "seal") matches = key.fingerprint == keys.sealing_identity().fingerprint;
    if (key.purpose == "lookup") lookup_matches = key.fingerprint == keys.lookup_identity().fingerprint;
  }

  nlohmann::json out = {{"matches", matches && lookup_matches}, {"keys", nlohmann::json::array()}};
  for (const auto& key : recorded) {
    nlohmann::json sealed = nlohmann::json::object();
    for (const auto& c : counts) {
      if (key.purpose == "seal" && c.key_id == key.key_id) sealed[c.kind] = c.count;
    }
    const auto it = configured.find(key.fingerprint);
    out["keys"].push_back(
        {{"purpose", key.purpose},
         {"status", key.status},
         {"key_id", key.key_id},
         {"fingerprint", key.fingerprint},
         {"created_at", key.created_at},
         {"retired_at", key.retired_at.empty() ? nlohmann::json() : nlohmann::json(key.retired_at)},
         {"configured_as", it == configured.end() ? nlohmann::json() : nlohmann::json(it->second)},
         {"sealed", sealed}});
  }
  // Values whose key id the database does not record (sealed before migration 0016 by a key
  // since lost, or with a key nobody recorded): they would not open.
  nlohmann::json unknown = nlohmann::json::object();
  for (const auto& c : counts) {
    bool known = false;
    for (const auto& key : recorded) known = known || (key.purpose == "seal" && key.key_id == c.key_id);
    if (!known) unknown[c.key_id][c.kind] = c.count;
  }
  out["sealed_with_unrecorded_keys"] = unknown;

  if (as_json) {
    std::cout << out.dump(2) << "\n";
    return out["matches"].get<bool>() ? 0 : 1;
  }
  if (recorded.empty()) std::cout << "the database records no keys (run a daemon or `keys init`)\n";
  for (const auto& key : out["keys"]) {
    std::cout << key["purpose"].get<std::string>() << " " << key["status"].get<std::string>()
              << " fingerprint " << key["fingerprint"].get<std::string>();
    if (!key["key_id"].get<std::string>().empty())
      std::cout << " key id " << key["key_id"].get<std::string>();
    std::cout << " since " << key["created_at"].get<std::string>();
    if (!key["configured_as"].is_null()) std::cout << " (" << key["configured_as"].get<std::string>() << ")";
    std::cout << "\n";
    for (const auto& [kind, count] : key["sealed"].items())
      std::cout << "  " << kind << ": " << count << "\n";
  }
  for (const auto& [key_id, kinds] : unknown.items()) {
    std::cout << "sealed with key id " << key_id << ", which the database does not record:";
    for (const auto& [kind, count] : kinds.items()) std::cout << " " << kind << " " << count;
    std::cout << "\n";
  }
  std::cout << (matches && lookup_matches
                    ? "this configuration's keys are the database's current ones\n"
                    : "this configuration's keys are NOT the database's current ones\n");
  return matches && lookup_matches ? 0 : 1;
}

}  // namespace burgernet::ctl
