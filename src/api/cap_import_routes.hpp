// POST /v1/cap: a CAP 1.2 alert imported as an action, a follow-up or a close (docs/cap.md, "Import").
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_cap_import_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
