// Who sees which actions: one rule for every route that reads or changes an action, its tips,
// its event stream and its statistics, so that they cannot drift apart.
#pragma once

#include <optional>
#include <string>

#include "burgernet/auth/caller.hpp"

namespace burgernet::action {

// A municipal caller, and any other caller bound to an area but admin, sees and changes only
// its own actions and those of tokens of its own area and role; others' are "not found", since
// telling that they exist would leak. Callers without an area, and admin, see all (every field
// empty). The fields are the parameters the queries take (ActionGet, ActionList, ...).
struct Visibility {
  std::optional<std::string> token_id;
  std::optional<std::string> area_code;
  std::optional<std::string> role;  // a municipality does not see its police unit's, nor the reverse
};

Visibility visibility_of(const auth::Caller& caller);

}  // namespace burgernet::action
