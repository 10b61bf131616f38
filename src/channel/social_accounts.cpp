// Reading `channels.NAME.accounts` strictly: a typo in a region would silently stop a region's
// posts, so every key is checked when the config is read, not when the first action is posted.
#include "burgernet/channel/social_accounts.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "burgernet/channel/driver.hpp"

namespace burgernet::channel {
namespace {

using nlohmann::json;

constexpr char kAccounts[] = "accounts";

[[noreturn]] void fail(const std::string& key, const std::string& why) {
  throw config::ConfigError(key + ": " + why);
}

// Stored in deliveries.target and written to outboxes: short, and safe in a log line.
bool is_account_name(const std::string& s) {
  static const std::regex shape("^[A-Za-z0-9_-]{1,64}$");
  return std::regex_match(s, shape);
}

bool is_area_code(const std::string& s) {  // as the areas table's CHECK
  static const std::regex shape("^[A-Za-z0-9_-]{1,32}$");
  return std::regex_match(s, shape);
}

std::vector<std::string> codes(const json& value, const std::string& key) {
  if (!value.is_array()) fail(key, "must be an array of codes");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string item_key = key + "[" + std::to_string(i) + "]";
    if (!value[i].is_string() || !is_area_code(value[i].get<std::string>())) {
      fail(item_key, "must be a code of 1 to 32 letters, digits, '-' or '_'");
    }
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

const Setting* find_setting(const Driver& driver, const std::string& key) {
  for (const auto& setting : driver.settings) {
    if (setting.key == key) return &setting;
  }
  return nullptr;
}

SocialAccount read_account(const std::string& name, const json& object, const std::string& key,
                           const config::ChannelConfig& channel, const Driver& driver) {
  if (!is_account_name(name)) fail(key, "an account's name is 1 to 64 letters, digits, '-' or '_'");
  if (!object.is_object()) fail(key, "must be an object");
  SocialAccount account;
  account.name = name;
  for (const auto& [field, value] : object.items()) {
    const std::string field_key = key + "." + field;
    if (value.is_null()) continue;
    if (field == "municipalities") {
      account.municipalities = codes(value, field_key);
    } else if (field == "regions") {
      account.regions = codes(value, field_key);
    } else if (field == "national") {
      if (!value.is_boolean()) fail(field_key, "must be true or false");
      account.national = value.get<bool>();
    } else if (field == "ca_file") {
      fail(field_key, "is the channel's, for all its accounts (one HTTPS client per channel)");
    } else if (const Setting* setting = find_setting(driver, field)) {
      if (!value.is_string() || value.get<std::string>().empty())
        fail(field_key, "must be a non-empty string");
      if (setting->kind == Setting::Kind::kHttpsUrl && !value.get<std::string>().starts_with("https://")) {
        fail(field_key, "must be an https URL");
      }
      account.settings[field] = value;
    } else {
      fail(field_key, "unknown key (an account takes municipalities, regions, national and the " +
                          driver.name + " driver's keys)");
    }
  }
  if (!account.national && account.municipalities.empty() && account.regions.empty()) {
    fail(key, "speaks for no region: give it municipalities or regions, or make it national");
  }
  for (const auto& setting : driver.settings) {
    if (!setting.required || account.settings.contains(setting.key)) continue;
    const auto own = channel.settings.find(setting.key);
    if (own == channel.settings.end() || !own->is_string() || own->get<std::string>().empty()) {
      fail(key + "." + setting.key,
           "is required for the " + driver.name + " driver, here or in channels." + channel.name);
    }
  }
  return account;
}

}  // namespace

bool has_social_accounts(const config::ChannelConfig& channel) {
  const auto it = channel.settings.find(kAccounts);
  return it != channel.settings.end() && !it->is_null();
}

std::vector<SocialAccount> social_accounts(const config::ChannelConfig& channel) {
  if (!has_social_accounts(channel)) return {};
  const std::string key = "channels." + channel.name + "." + kAccounts;
  if (!channel.capabilities.broadcast()) fail(key, "only a broadcast (social) channel posts to accounts");
  const Driver* driver = find_driver(channel.driver);
  if (driver == nullptr)
    fail("channels." + channel.name + ".driver", "unknown driver \"" + channel.driver + "\"");
  const json& accounts = channel.settings.at(kAccounts);
  if (!accounts.is_object() || accounts.empty()) fail(key, "must be an object of accounts by name");
  std::vector<SocialAccount> out;
  for (const auto& [name, object] : accounts.items()) {
    out.push_back(read_account(name, object, key + "." + name, channel, *driver));
  }
  if (std::none_of(out.begin(), out.end(), [](const SocialAccount& a) { return a.national; })) {
    fail(key,
         "needs an account with \"national\": true (it posts national actions and those outside "
         "every account's regions)");
  }
  return out;
}

void check_account_regions(const config::ChannelConfig& channel, const message::Regions& regions) {
  std::set<std::string> known;
  for (const auto& region : regions.all()) known.insert(region.code);
  for (const auto& account : social_accounts(channel)) {
    for (std::size_t i = 0; i < account.regions.size(); ++i) {
      if (!known.contains(account.regions[i])) {
        fail("channels." + channel.name + "." + kAccounts + "." + account.name + ".regions[" +
                 std::to_string(i) + "]",
             "\"" + account.regions[i] + "\" is not the code of a region in config `regions`");
      }
    }
  }
}

config::ChannelConfig account_config(const config::ChannelConfig& channel, const SocialAccount& account) {
  config::ChannelConfig out = channel;
  out.settings.erase(kAccounts);
  for (const auto& [key, value] : account.settings.items()) out.settings[key] = value;
  return out;
}

}  // namespace burgernet::channel
