// /v1/participants and /v1/devices: sign-up, verification, care, erasure, devices and their
// locations (SPEC.md, "HTTP API").
#pragma once

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_participant_routes(http::Router& router, Context& context);

}  // namespace burgernet::api
