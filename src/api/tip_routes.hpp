// Tips from participants: POST and GET /v1/actions/{id}/tips, a tip's photo, and Twilio's
// inbound SMS webhook (docs/privacy.md, "Tips").
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_tip_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
