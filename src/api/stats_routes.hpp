// GET /v1/stats: statistics of actions and participants (admin; municipal: its own area).
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_stats_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
