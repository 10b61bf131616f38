// Action handlers: parse and check the request, let the store do the work in one transaction,
// and answer repeated requests with an Idempotency-Key from what was stored the first time.
#include "api/action_routes.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <exception>
#include <functional>

#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/http/errors.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using nlohmann::json;
namespace verb = http::beast_http;

const std::vector<std::string> kActionRoles = {"operator", "municipal"};
constexpr std::size_t kMaxIdempotencyKeyLength = 255;

// g++ 12 reports the coroutine frame's sized operator delete as mismatched (a false positive,
// also seen in http/server.cpp); the frame is allocated and freed by Asio's own operators.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
// Idempotency-Key (IETF httpapi draft): the key row is claimed in its own short transaction
// before the work, so a concurrent repeat sees it; answers below 500 are kept and replayed;
// after a 5xx or an outage the row is removed again so that a retry can proceed.
awaitable<Response> idempotent(Context& context, Request& request,
                               std::function<awaitable<Response>()> work) {
  const auto key = request.header("Idempotency-Key");
  if (!key) co_return co_await work();
  if (key->empty() || key->size() > kMaxIdempotencyKeyLength ||
      std::any_of(key->begin(), key->end(), [](char ch) { return ch < 0x20 || ch > 0x7e; })) {
    throw http::BadRequest("Idempotency-Key", "must be 1 to 255 printable ASCII characters");
  }
  // Same token, same key: the same method, route and body make the same request.
  const std::string hash = auth::secret_hash_param(std::string(request.raw.method_string()) + " " +
                                                   request.path + "\n" + request.raw.body());
  const std::string token = request.caller->token_id;
  const bool owned = co_await context.pool.run(
      [&](db::Connection& c) { return !c.exec(sql::query("IdempotencyClaim"), token, *key, hash).empty(); });
  if (!owned) {
    struct Earlier {
      bool same_request;
      std::optional<std::string> status;
      std::string body;
    };
    const auto earlier = co_await context.pool.run([&](db::Connection& c) {
      const auto r = c.exec(sql::query("IdempotencyFind"), token, *key, hash);
      std::optional<Earlier> found;
      if (!r.empty())
        found = Earlier{r.boolean(0, 0), r.optional_string(0, 1), r.optional_string(0, 2).value_or("")};
      return found;
    });
    if (earlier && !earlier->same_request) {
      throw http::Unprocessable("idempotency_key_reused",
                                "this Idempotency-Key was used for a different request; use a new key");
    }
    if (!earlier || !earlier->status) {
      throw http::Conflict("request_in_progress",
                           "a request with this Idempotency-Key is still running; retry later");
    }
    auto replay = http::text_response(request, static_cast<unsigned>(std::stoi(*earlier->status)),
                                      "application/json", earlier->body);
    replay.set("Idempotent-Replayed", "true");
    co_return replay;
  }

  Response response;
  std::exception_ptr failure;
  try {
    response = co_await work();
  } catch (const http::BadRequest& e) {
    response = http::error_response(request, 400, e.code(), e.what(), e.field());
  } catch (const http::ApiError& e) {
    if (e.status() >= 500 || e.status() == 429) {
      failure = std::current_exception();
    } else {
      response = http::error_response(request, e.status(), e.code(), e.what());
    }
  } catch (...) {
    failure = std::current_exception();
  }
  const bool keep = !failure && response.result_int() < 500;
  try {
    co_await context.pool.run([&](db::Connection& c) {
      if (keep) {
        c.exec(sql::query("IdempotencyComplete"),
               db::Params(token, *key, static_cast<int>(response.result_int()), response.body()));
      } else {
        c.exec(sql::query("IdempotencyRelease"), token, *key);
      }
      return 0;
    });
  } catch (const db::DatabaseError& e) {
    // The row stays "in progress" and is taken over after 5 minutes.
    spdlog::warn("request {}: cannot record the Idempotency-Key answer: {}", request.request_id, e.what());
  }
  if (failure) std::rethrow_exception(failure);
  co_return response;
}
#pragma GCC diagnostic pop

int read_limit(const Request& request) {
  const auto it = request.query.find("limit");
  if (it == request.query.end()) return 50;
  int limit = 0;
  const auto& text = it->second;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc{} || ptr != text.data() + text.size() || limit < 1 || limit > 200) {
    throw http::BadRequest("limit", "must be a whole number from 1 to 200");
  }
  return limit;
}

}  // namespace

void add_action_routes(http::Router& router, Context& context) {
  router.add(
      verb::verb::post, "/v1/actions", kActionRoles, [&context](Request& request) -> awaitable<Response> {
        co_return co_await idempotent(context, request, [&]() -> awaitable<Response> {
          const auto config = context.config.get();
          const auto parsed = action::parse_action_request(request.json_body(), *config);
          const auto audit = audit::for_request(request, "action.raise", std::nullopt);
          const auto answer = co_await context.pool.run([&](db::Connection& c) {
            return action::create_action(c, parsed, *request.caller, *config, parsed.dry_run ? nullptr : &audit);
          });
          co_return http::json_response(request, answer.status, answer.body);
        });
      });

  router.add(verb::verb::get, "/v1/actions", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               action::ListQuery query;
               query.limit = read_limit(request);
               if (const auto it = request.query.find("status"); it != request.query.end()) {
                 if (it->second != "active" && it->second != "closed" && it->second != "expired") {
                   throw http::BadRequest("status", "must be active, closed or expired");
                 }
                 query.status = it->second;
               }
               if (const auto it = request.query.find("cursor"); it != request.query.end())
                 query.cursor = it->second;
               const auto body = co_await context.pool.run(
                   [&](db::Connection& c) { return action::list_actions(c, query, *request.caller); });
               co_return http::json_response(request, 200, body);
             });

  router.add(verb::verb::get, "/v1/actions/{id}", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = request.path_params.at("id");
               const auto body = co_await context.pool.run(
                   [&](db::Connection& c) { return action::get_action(c, id, *request.caller); });
               co_return http::json_response(request, 200, body);
             });

  router.add(verb::verb::post, "/v1/actions/{id}/updates", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               co_return co_await idempotent(context, request, [&]() -> awaitable<Response> {
                 const auto& id = request.path_params.at("id");
                 if (!action::is_uuid(id)) throw http::NotFound("no such action");
                 const auto body = request.json_body();
                 action::reject_unknown_fields(body, "", {"message"});
                 const auto text = action::read_text(body, "message", action::kMaxMessageLength);
                 const auto config = context.config.get();
                 const auto audit = audit::for_request(request, "action.update", std::nullopt);
                 const auto answer = co_await context.pool.run([&](db::Connection& c) {
                   return action::post_update(c, id, text, *request.caller, *config, &audit);
                 });
                 co_return http::json_response(request, answer.status, answer.body);
               });
             });

  router.add(verb::verb::post, "/v1/actions/{id}/close", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               co_return co_await idempotent(context, request, [&]() -> awaitable<Response> {
                 const auto& id = request.path_params.at("id");
                 if (!action::is_uuid(id)) throw http::NotFound("no such action");
                 const auto body = request.json_body();
                 action::reject_unknown_fields(body, "", {"outcome", "message"});
                 const auto outcome = body.find("outcome");
                 if (outcome == body.end() || outcome->is_null())
                   throw http::BadRequest("outcome", "is required");
                 if (!outcome->is_string() || (*outcome != "resolved" && *outcome != "unresolved")) {
                   throw http::BadRequest("outcome", "must be \"resolved\" or \"unresolved\"");
                 }
                 const auto text = action::read_text(body, "message", action::kMaxMessageLength);
                 const auto config = context.config.get();
                 const auto audit = audit::for_request(request, "action.close", std::nullopt);
                 const auto answer = co_await context.pool.run([&](db::Connection& c) {
                   return action::close_action(c, id, outcome->get<std::string>(), text, *request.caller,
                                               *config, &audit);
                 });
                 co_return http::json_response(request, answer.status, answer.body);
               });
             });
}

}  // namespace burgernet::api
