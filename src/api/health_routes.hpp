// /healthz, /readyz and /metrics: for systemd, load balancers and Prometheus; no token.
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_health_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
