// Liveness, readiness and the metrics scrape.
#include "api/health_routes.hpp"

#include "burgernet/db/errors.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::api {

using http::Request;
using http::Response;
namespace verb = http::beast_http;

void add_health_routes(http::Router& router, Context& context) {
  router.add(verb::verb::get, "/healthz", {}, [](Request& request) -> boost::asio::awaitable<Response> {
    co_return http::json_response(request, 200, {{"status", "ok"}});
  });

  // Asks the database itself rather than the cached state, so a load balancer sees a
  // recovery at once; the answer also refreshes the cached state.
  router.add(verb::verb::get, "/readyz", {}, [&context](Request& request) -> boost::asio::awaitable<Response> {
    const int wanted = sql::latest_migration_version();
    int version = 0;
    try {
      version = co_await context.pool.run([](db::Connection& c) { return db::schema_version(c); });
      context.database.reachable = true;
      context.database.schema_version = version;
    } catch (const db::DatabaseError&) {
      context.database.reachable = false;
      co_return http::error_response(request, 503, "database_unavailable", "the database cannot be reached");
    }
    if (version < wanted) {
      co_return http::error_response(request, 503, "schema_behind",
                                     "the database schema is at version " + std::to_string(version) +
                                         ", this daemon needs " + std::to_string(wanted) +
                                         "; run burgernetctl migrate");
    }
    co_return http::json_response(request, 200, {{"status", "ready"}, {"schema_version", version}});
  });

  router.add(verb::verb::get, "/metrics", {}, [&context](Request& request) -> boost::asio::awaitable<Response> {
    co_return http::text_response(request, 200, "text/plain; version=0.0.4; charset=utf-8", context.metrics.render());
  });
}

}  // namespace burgernet::api
