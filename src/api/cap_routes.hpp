// GET /v1/cap/feed (public Atom feed) and GET /v1/actions/{id}/cap (an action as CAP 1.2).
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_cap_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
