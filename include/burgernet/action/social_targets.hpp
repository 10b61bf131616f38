// Which accounts of a social channel post an action: those whose regions its area touches, or
// the national ones (docs/channels.md, "Accounts per region").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "burgernet/action/action_settings.hpp"
#include "burgernet/channel/social_accounts.hpp"
#include "burgernet/message/regions.hpp"

namespace burgernet::action {

// An action whose area touches more regional accounts than this is national.
inline constexpr std::size_t kNationalAboveAccounts = 3;

// The targets of channel `channel`'s posts of an action, as ActionSettings::broadcast_targets:
// - an update or a closing: the accounts the action's own message went to;
// - an AMBER Alert, an action touching more than kNationalAboveAccounts accounts' areas, or one
//   touching none: the national accounts;
// - otherwise every account whose municipalities, or the areas of whose regions (config
//   `regions`), the action's area overlaps.
// `accounts` must be non-empty (an empty list would mean the channel's one default post).
BroadcastTargets social_targets(std::string channel, std::vector<channel::SocialAccount> accounts,
                                const message::Regions& regions);

}  // namespace burgernet::action
