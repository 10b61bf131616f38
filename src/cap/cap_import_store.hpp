// Imports a read CAP alert in one transaction: an Alert raises an action, an Update follows one
// up, a Cancel closes one; each alert once per sender and identifier (migration 0025).
#pragma once

#include <nlohmann/json.hpp>

#include "burgernet/action/action_settings.hpp"
#include "burgernet/audit/audit_log.hpp"
#include "burgernet/auth/caller.hpp"
#include "burgernet/db/connection.hpp"
#include "cap/cap_import.hpp"
#include "cap/cap_reader.hpp"

namespace burgernet::cap {

struct ImportAnswer {
  unsigned status = 200;
  nlohmann::json body;
};

// Through the action store's own paths (create_action, post_update, close_action), so every
// rule of a JSON action applies. A repeat of an imported alert gets the first answer with
// "duplicate": true, and changes nothing. Throws the stores' DomainErrors, and InvalidField
// naming the CAP element; on any throw nothing is stored.
// `audit`: the request's entry; its action is set per msgType ("action.raise", ...).
ImportAnswer import_alert(db::Connection& connection, const Alert& alert, const ImportOptions& options,
                          long long now_s, const auth::Caller& caller, const action::ActionRules& rules,
                          const action::ActionSettings& settings, audit::Entry audit);

}  // namespace burgernet::cap
