// One place where typed errors become HTTP answers and every request is counted and logged.
#include "burgernet/api/service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "api/domain_errors.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/http/errors.hpp"
#include "burgernet/http/forwarded.hpp"
#include "burgernet/ratelimit/rate_limiter.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::api {

using http::Request;
using http::Response;

bool DatabaseState::ready() const {
  // A schema ahead of this binary is served: during a rolling upgrade the new daemons migrate
  // first, and migrations are written to stay compatible with the version before them.
  return reachable.load() && schema_version.load() >= sql::latest_migration_version();
}

Service::Service(Context context, http::Router router) : context_(context), router_(std::move(router)) {}

boost::asio::awaitable<Response> Service::handle(Request& request) {
  const auto started = std::chrono::steady_clock::now();
  // Behind our own reverse proxies the client is who they say it is (http/forwarded.hpp).
  request.remote_address =
      http::client_address(request.remote_address, request.header("X-Forwarded-For").value_or(""),
                           context_.config.get()->http.trusted_proxies);
  std::string route = "unmatched";
  Response response;
  try {
    response = co_await dispatch(request, route);
  } catch (const DomainError& e) {
    response = error_response(request, e);
  } catch (const http::BadRequest& e) {
    response = http::error_response(request, 400, e.code(), e.what(), e.field());
  } catch (const http::TooManyRequests& e) {
    response = http::error_response(request, 429, e.code(), e.what());
    response.set(http::beast_http::field::retry_after, std::to_string(e.retry_after().count()));
  } catch (const http::ApiError& e) {
    response = http::error_response(request, e.status(), e.code(), e.what());
    if (e.status() == 429 || e.status() == 503) response.set(http::beast_http::field::retry_after, "1");
  } catch (const db::PoolQueueFull&) {
    // Overload, not an outage: refused before anything ran. Not logged per request (the metric
    // burgernet_db_queue_rejected_total counts them), or an overload would also flood the log.
    response = http::error_response(request, 503, "database_busy", "too many requests are waiting for the database; retry");
    response.set(http::beast_http::field::retry_after, "1");
  } catch (const db::DatabaseUnavailable& e) {
    spdlog::warn("request {}: database unavailable during {}", request.request_id, e.query());
    response = http::error_response(request, 503, "database_unavailable", "the database cannot be reached; retry");
    response.set(http::beast_http::field::retry_after, "1");
  } catch (const db::QueryCanceled& e) {
    spdlog::warn("request {}: query {} ran past its timeout", request.request_id, e.query());
    response = http::error_response(request, 503, "database_timeout", "the database is too slow right now; retry");
    response.set(http::beast_http::field::retry_after, "1");
  } catch (const std::exception& e) {
    // A bug, never bad input: log it fully, answer without details.
    spdlog::error("request {}: unhandled error on {}: {}", request.request_id, route, e.what());
    response = http::error_response(request, 500, "internal_error", "an internal error occurred");
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  observe(request, route, response.result_int(), seconds);
  co_return response;
}

boost::asio::awaitable<Response> Service::dispatch(Request& request, std::string& route) {
  const auto match = router_.match(request.raw.method(), request.path, request.path_params);
  using Kind = http::Router::Match::Kind;
  if (match.kind == Kind::kNotFound) throw http::NotFound("no route for " + request.path);
  route = match.route;
  request.route = match.route;
  if (match.kind == Kind::kMethodNotAllowed) {
    auto response = http::error_response(request, 405, "method_not_allowed",
                                         std::string(request.raw.method_string()) + " is not allowed here");
    response.set(http::beast_http::field::allow, match.allowed);
    co_return response;
  }
  if (!match.roles->empty()) {
    if (!context_.database.ready()) {
      throw http::ServiceUnavailable(context_.database.reachable ? "schema_behind" : "database_unavailable",
                                     context_.database.reachable
                                         ? "the database schema is behind this version; run burgernetctl migrate"
                                         : "the database cannot be reached; retry");
    }
    co_await authenticate(request, *match.roles);
  }
  co_return co_await (*match.handler)(request);
}

boost::asio::awaitable<void> Service::authenticate(Request& request, const std::vector<std::string>& roles) {
  // Device routes check the device's own secret in their handler.
  if (roles.size() == 1 && roles.front() == "device") co_return;
  const auto token = auth::bearer_token(request.header("Authorization").value_or(""));
  if (token.empty()) throw http::Unauthorized();
  // Captured by reference: g++ 12 destroys a by-value capture of a lambda temporary inside a
  // co_await expression twice (a double free), so pool.run() lambdas capture references only.
  const std::string hash = auth::secret_hash_param(token);
  // Remembered for a second, unknown tokens too (a client retrying a bad token costs no query).
  auto caller = context_.caches.tokens.get(hash);
  if (!caller) {
    caller = co_await context_.pool.run([&hash](db::Connection& c) {
      auto r = c.exec(sql::query("TokenFindByHash"), hash);
      std::optional<auth::Caller> found;
      if (!r.empty()) found = auth::Caller{r.string(0, 0), r.string(0, 1), r.string(0, 2), r.optional_string(0, 3)};
      return found;
    });
    context_.caches.tokens.put(hash, *caller);
  }
  if (!*caller) throw http::Unauthorized("the token is unknown, revoked or expired");
  // Known from here on, so that the access log names the token even when refused below.
  request.caller = std::move(*caller);
  // Before the role check, so that a token hammering routes it may not use is slowed down too.
  const auto config = context_.config.get();
  ratelimit::enforce(context_.limiters.api_token, request.caller->token_id,
                     {config->limits.api_per_token_per_s, config->limits.api_per_token_burst});
  // admin may do everything (SPEC.md, "Roles").
  const auto& role = request.caller->role;
  if (role != "admin" && std::find(roles.begin(), roles.end(), role) == roles.end()) {
    throw http::Forbidden("a " + role + " token may not use " + request.route);
  }
}

Service::RouteSeries Service::series_for(const std::string& route, const std::string& method,
                                         const std::string& status) {
  std::string key = route;
  key.append(1, '\n').append(method).append(1, '\n').append(status);
  const std::lock_guard lock(series_mutex_);
  if (const auto it = series_.find(key); it != series_.end()) return it->second;
  // Routes are patterns and methods and statuses few, so the map stays small.
  RouteSeries series{
      &context_.metrics.counter("burgernet_http_requests_total", "HTTP requests answered, by route, method and status",
                                {{"route", route}, {"method", method}, {"status", status}}),
      &context_.metrics.histogram("burgernet_http_request_duration_seconds", "Time to answer an HTTP request, by route",
                                  {{"route", route}, {"method", method}})};
  series_.emplace(std::move(key), series);
  return series;
}

void Service::observe(const Request& request, const std::string& route, unsigned status, double seconds) {
  // A method Beast does not know is whatever the client typed: one label value for all of them,
  // or every made-up method would be a new series.
  const std::string method = request.raw.method() == http::beast_http::verb::unknown
                                 ? std::string("other")
                                 : std::string(request.raw.method_string());
  const auto series = series_for(route, method, std::to_string(status));
  series.requests->inc();
  series.duration->observe(seconds);
  // The route pattern, never the raw path: paths carry ids, query strings may carry anything.
  // Probes that answer well are debug: a load balancer and Prometheus ask every few seconds, and
  // at 3 a.m. their lines would bury the ones that matter (and cost a write each).
  const bool quiet_probe = status < 400 && (route == "/healthz" || route == "/readyz" || route == "/metrics");
  spdlog::log(quiet_probe ? spdlog::level::debug : spdlog::level::info, "http {} {} {} {:.1f}ms id={} caller={}",
              method, route, status, seconds * 1000, request.request_id, request.caller ? request.caller->name : "-");
}

}  // namespace burgernet::api
