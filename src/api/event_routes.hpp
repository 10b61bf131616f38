// GET /v1/actions/{id}/events: an action's progress, messages, tips and close as Server-Sent
// Events (docs/architecture.md, "Event streams").
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_event_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
