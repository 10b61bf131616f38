// GET /v1/push/cells?lat=..&lon=..: the topics for a point, for the app back end (registrar).
// The point is used for one read-only query and then forgotten: no row, no log line, no cache
// keeps it (the access log names the route pattern, never the query string).
#include "api/push_routes.hpp"

#include <spdlog/fmt/fmt.h>

#include <charconv>
#include <cmath>
#include <string>

#include "burgernet/http/errors.hpp"
#include "burgernet/push/device_matching.hpp"

namespace burgernet::api {
namespace {

using http::Request;
using http::Response;

// A coordinate inside the service area (config limits.service_area): outside it no action can
// cover the phone, so there is no topic to give.
double coordinate(const Request& request, const std::string& name, double low, double high) {
  const auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) throw http::BadRequest(name, "is required");
  const auto& text = it->second;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    throw http::BadRequest(name, "must be a decimal number of degrees (WGS84)");
  if (value < low || value > high) {
    throw http::BadRequest(name, fmt::format("must lie in the service area, {} to {}", low, high));
  }
  return value;
}

}  // namespace

void add_push_routes(http::Router& router, Context& context) {
  router.add(http::beast_http::verb::get, "/v1/push/cells", {"registrar"},
             [&context](Request& request) -> boost::asio::awaitable<Response> {
               const auto area = context.config.get()->limits.service_area;
               const double lat = coordinate(request, "lat", area.min_lat, area.max_lat);
               const double lon = coordinate(request, "lon", area.min_lon, area.max_lon);
               const auto topics = co_await context.pool.run(
                   [&](db::Connection& c) { return push::cell_topics(c, lat, lon); });
               nlohmann::json answer = {{"cells", topics.cells}, {"cell", topics.own_cell}};
               answer["municipality"] = topics.municipality.empty() ? nlohmann::json(nullptr)
                                                                    : nlohmann::json(topics.municipality);
               auto topic_list = topics.cells;
               if (!topics.municipality.empty()) topic_list.push_back(topics.municipality);
               answer["topics"] = topic_list;
               co_return http::json_response(request, 200, answer);
             });
}

}  // namespace burgernet::api
