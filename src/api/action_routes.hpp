// /v1/actions: raise, preview, list, read, follow up and close actions (SPEC.md, "HTTP API").
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "burgernet/api/context.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_action_routes(http::Router& router, Context& context);

// Runs `work` on a database thread as the action routes do: with an Idempotency-Key header,
// inside the transaction that stores the key's answer, so a repeat gets the first answer
// (POST /v1/cap raises its actions through this too).
using IdempotentWork = std::function<http::Response(db::Connection&)>;
boost::asio::awaitable<http::Response> run_idempotent_route(Context& context, http::Request& request,
                                                            IdempotentWork work);

}  // namespace burgernet::api
