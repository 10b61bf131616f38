// GET /v1/stats?from=YYYY-MM&to=YYYY-MM. The answer is kept for a minute per period and scope:
// a dashboard that reloads every few seconds costs the database one set of queries a minute.
#include "api/stats_routes.hpp"

#include <memory>

#include "burgernet/action/action_stats.hpp"
#include "burgernet/http/errors.hpp"

namespace burgernet::api {
namespace {

using http::Request;
using http::Response;

constexpr std::chrono::seconds kKeptFor{60};

std::optional<std::string> month_param(const Request& request, const std::string& name) {
  const auto it = request.query.find(name);
  if (it == request.query.end()) return std::nullopt;
  if (!action::is_month(it->second)) throw http::BadRequest(name, "must be a month, YYYY-MM");
  return it->second;
}

// What an answer depends on besides the period: nothing for admin (all see the same), the
// token itself for a municipal caller (it sees its own actions and its area's).
std::string scope_key(const auth::Caller& caller) {
  if (caller.role == "admin") return "admin";
  return caller.role + '\n' + caller.area_code.value_or("") + '\n' + caller.token_id;
}

}  // namespace

void add_stats_routes(http::Router& router, Context& context) {
  auto kept = std::make_shared<ShortCache<nlohmann::json>>(kKeptFor, 1000);
  router.add(http::beast_http::verb::get, "/v1/stats", {"admin", "municipal"},
             [&context, kept](Request& request) -> boost::asio::awaitable<Response> {
               action::StatsPeriod period{month_param(request, "from"), month_param(request, "to")};
               if (period.from && period.to && *period.from > *period.to)
                 throw http::BadRequest("from", "must not be after to");
               const auto key = period.from.value_or("") + '\n' + period.to.value_or("") + '\n' +
                                scope_key(*request.caller);
               auto body = kept->get(key);
               if (!body) {
                 body = co_await context.pool.run([&](db::Connection& c) {
                   return action::action_stats(c, period, &*request.caller);
                 });
                 kept->put(key, *body);
               }
               co_return http::json_response(request, 200, *body);
             });
}

}  // namespace burgernet::api
