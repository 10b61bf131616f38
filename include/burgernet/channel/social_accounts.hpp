// The accounts of a social channel (`channels.NAME.accounts`): which regions each speaks for,
// and the driver keys (credentials) it posts with. A broadcast delivery's target names one.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "burgernet/config/config.hpp"
#include "burgernet/message/regions.hpp"

namespace burgernet::channel {

struct SocialAccount {
  std::string name;                                    // the key under `accounts`; a delivery's target
  std::vector<std::string> municipalities;             // codes of `areas` rows ("GM0363")
  std::vector<std::string> regions;                    // codes of config `regions` ("PE-AMS")
  bool national = false;                               // posts national actions (docs/channels.md)
  nlohmann::json settings = nlohmann::json::object();  // its own driver keys, over the channel's
};

// The channel's accounts, in name order; empty when it has none (one post, with the channel's
// own keys). Throws config::ConfigError naming the key ("channels.x.accounts.west.regions[0]:
// ..."): an account may set only its driver's keys, must end up with every required one (its
// own or the channel's), and at least one account is national.
std::vector<SocialAccount> social_accounts(const config::ChannelConfig& channel);

// Whether the channel's config has an `accounts` object at all.
bool has_social_accounts(const config::ChannelConfig& channel);

// Every account's regions name a region of config `regions`; throws config::ConfigError
// naming the key otherwise. Called once the whole config is read.
void check_account_regions(const config::ChannelConfig& channel, const message::Regions& regions);

// The config one account posts with: the channel's, with the account's keys over its settings.
config::ChannelConfig account_config(const config::ChannelConfig& channel, const SocialAccount& account);

}  // namespace burgernet::channel
