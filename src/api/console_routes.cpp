// The console's static files (no token: they hold no data) and the two reads that only the
// console needed: the map's areas and who the signed-in token is.
#include "api/console_routes.hpp"

#include <mutex>

#include "api/console_files.hpp"
#include "api/session_answer.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using nlohmann::json;
namespace verb = http::beast_http;

// About 1 px at the map's whole-country zoom on a 1280-wide screen, and the size measured in
// docs/console.md (342 municipalities): small enough to load at sign-in, fine enough to pick.
constexpr double kSimplifyM = 75;
// The areas change only with `areas import`; a minute's delay is fine for a map.
constexpr auto kAreasTtl = std::chrono::seconds(60);

// The map's answer, built once a minute by whichever request comes first.
struct AreasCache {
  std::mutex mutex;
  std::chrono::steady_clock::time_point at{};
  std::string body;
  std::string etag;
};

std::string areas_body(db::Connection& c) {
  const auto r = c.exec(sql::query("AreasForMap"), kSimplifyM);
  json body = {{"srid", 28992}, {"simplified_m", kSimplifyM}, {"areas", json::parse(r.text(0, 0))}};
  body["bbox"] = r.is_null(0, 1)
                     ? json(nullptr)
                     : json::array({r.float64(0, 1), r.float64(0, 2), r.float64(0, 3), r.float64(0, 4)});
  return body.dump();
}

}  // namespace

void add_console_routes(http::Router& router, Context& context) {
  router.add(verb::verb::get, "/console", {}, [](Request& request) -> awaitable<Response> {
    auto response = http::empty_response(request, 308);
    response.set(verb::field::location, "/console/");
    co_return response;
  });
  router.add(verb::verb::get, "/console/", {}, [](Request& request) -> awaitable<Response> {
    co_return console_file_response(request, "index.html");
  });
  router.add(verb::verb::get, "/console/{file}", {}, [](Request& request) -> awaitable<Response> {
    co_return console_file_response(request, request.path_params.at("file"));
  });

  auto cache = std::make_shared<AreasCache>();
  router.add(verb::verb::get, "/v1/areas", {"operator", "municipal"},
             [&context, cache](Request& request) -> awaitable<Response> {
               std::string body;
               std::string etag;
               {
                 const std::lock_guard lock(cache->mutex);
                 if (!cache->body.empty() && std::chrono::steady_clock::now() - cache->at < kAreasTtl) {
                   body = cache->body;
                   etag = cache->etag;
                 }
               }
               if (body.empty()) {
                 body = co_await context.pool.run([](db::Connection& c) { return areas_body(c); });
                 etag = "\"" + std::to_string(std::hash<std::string>{}(body)) + "\"";
                 const std::lock_guard lock(cache->mutex);
                 cache->body = body;
                 cache->etag = etag;
                 cache->at = std::chrono::steady_clock::now();
               }
               Response response =
                   request.header("If-None-Match").value_or("") == etag
                       ? http::empty_response(request, 304)
                       : http::text_response(request, 200, "application/json", std::move(body));
               response.set(verb::field::etag, etag);
               response.set(verb::field::cache_control, "private, no-cache");
               co_return response;
             });

  router.add(verb::verb::get, "/v1/session", {"operator", "municipal", "registrar"},
             [&context](Request& request) -> awaitable<Response> {
               const auto config = context.config.get();
               const auto& caller = *request.caller;
               const auto facts = co_await context.pool.run(
                   [&](db::Connection& c) { return read_session_facts(c, caller, *config); });
               co_return http::json_response(request, 200, session_answer(caller, *config, facts));
             });
}

}  // namespace burgernet::api
