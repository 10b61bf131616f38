#include "burgernet/action/visibility.hpp"

namespace burgernet::action {

Visibility visibility_of(const auth::Caller& caller) {
  if (caller.role == "admin") return {};
  if (caller.role != "municipal" && !caller.area_code) return {};
  return {caller.token_id, caller.area_code, caller.role};
}

}  // namespace burgernet::action
