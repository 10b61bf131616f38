// The event stream route: who may watch (as GET /v1/actions/{id}), where a reconnect resumes
// (Last-Event-ID), and the header of the stream the hub then feeds.
#include "api/event_routes.hpp"

#include <charconv>

#include "burgernet/action/visibility.hpp"
#include "burgernet/domain/page_cursor.hpp"
#include "burgernet/event/action_event_hub.hpp"
#include "burgernet/http/errors.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
namespace verb = http::beast_http;

const std::vector<std::string> kWatchers = {"operator", "municipal"};


std::int64_t last_event_id(const Request& request) {
  const auto header = request.header("Last-Event-ID");
  if (!header || header->empty()) return 0;
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(header->data(), header->data() + header->size(), id);
  if (ec != std::errc{} || ptr != header->data() + header->size() || id < 0) {
    throw http::BadRequest("Last-Event-ID", "must be the id of an event of this stream");
  }
  return id;
}

// As GET /v1/actions/{id} sees it (action/visibility.hpp).
bool visible(db::Connection& c, const std::string& id, const http::Caller& caller) {
  const auto v = action::visibility_of(caller);
  const auto r = c.exec(sql::query("ActionStreamVisible"), db::Params(id, v.token_id, v.area_code, v.role));
  return !r.empty();
}

}  // namespace

void add_event_routes(http::Router& router, Context& context) {
  router.add(
      verb::verb::get, "/v1/actions/{id}/events", kWatchers,
      [&context](Request& request) -> awaitable<Response> {
        const auto& id = request.path_params.at("id");
        const auto after = last_event_id(request);
        if (!domain::is_uuid(id)) throw http::NotFound("no such action");
        const bool seen =
            co_await context.pool.run([&](db::Connection& c) { return visible(c, id, *request.caller); });
        if (!seen) throw http::NotFound("no such action");
        if (!context.events) {
          co_return http::error_response(request, 503, "unavailable", "event streams are not served here");
        }
        auto stream = co_await context.events->subscribe(id, request.caller->token_id, after);
        if (!stream) {
          auto refused = http::error_response(request, 429, "too_many_streams",
                                              "this token has as many event streams open as it may");
          refused.set(verb::field::retry_after, "5");
          co_return refused;
        }
        request.stream = std::move(stream);
        auto response = http::text_response(request, 200, "text/event-stream", "");
        response.set(verb::field::cache_control, "no-cache");
        response.set("X-Accel-Buffering", "no");  // a proxy in front must not hold events back
        co_return response;
      });
}

}  // namespace burgernet::api
