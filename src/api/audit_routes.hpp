// GET /v1/audit: the audit log for admins, newest first, filtered and paged.
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_audit_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
