// An action's area as the database holds it, from a request's area in any of its forms.
#pragma once

#include <optional>
#include <string>

#include "burgernet/action/action_request.hpp"
#include "burgernet/auth/caller.hpp"
#include "burgernet/db/connection.hpp"

namespace burgernet::action {

struct AreaGeometry {
  std::string geometry;               // EWKB hex, RD New
  std::optional<std::string> center;  // a circle's centre (EWKB hex, RD New), selected by distance
  std::optional<double> radius_m;
};

// The area in RD New (ActionAreaResolve). Throws InvalidField for an area the database cannot
// use (an unknown municipality, an invalid polygon) and NotAllowed when it does not lie wholly
// inside the caller's token area (every role but admin).
AreaGeometry resolve_area(db::Connection& connection, const AreaRequest& area, const auth::Caller& caller);

}  // namespace burgernet::action
