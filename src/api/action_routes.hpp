// /v1/actions: raise, preview, list, read, follow up and close actions (SPEC.md, "HTTP API").
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_action_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
