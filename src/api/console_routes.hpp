// GET /console/…: the web console's static files (docs/console.md), and the two API routes
// only it needed: GET /v1/areas (the map) and GET /v1/session (who the token is).
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_console_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
