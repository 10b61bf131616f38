// GET /v1/push/cells: the FCM topics an app subscribes to in the device-matching push mode
// (issue 16, docs/channels.md "Device matching").
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_push_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
