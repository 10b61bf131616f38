// Action handlers: parse and check the request, let the store do the work in one transaction,
// and answer repeated requests with an Idempotency-Key from what that transaction stored.
#include "api/action_routes.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <functional>

#include "api/action_search.hpp"
#include "api/audit_entry.hpp"
#include "api/domain_errors.hpp"
#include "api/preview_texts.hpp"
#include "api/update_area_request.hpp"
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

// The work of a route that changes something: runs on a database thread, inside the
// transaction that also records its Idempotency-Key answer when the request has one.
using Work = std::function<Response(db::Connection&)>;

// Idempotency-Key (IETF httpapi draft), as one transaction: the key's row, the work (the action
// with its delivery rows) and the answer commit together or not at all.
//
// - A lost connection or an ambiguous COMMIT cannot raise a second action: either the COMMIT
//   took effect, and the retry finds the stored answer and replays it, or it did not, and
//   nothing of the request exists, so the retry runs it as if new. There is no "running" row
//   that outlives its transaction, so none is ever taken over after a timeout.
// - A concurrent repeat: the first holds a transaction-scoped advisory lock on (token, key),
//   so the repeat is answered 409 at once; were the lock missed (a hash collision, an older
//   daemon during an upgrade), the repeat's INSERT of the same primary key waits for the
//   first transaction and then sees its committed answer, or nothing after a rollback.
// - The work runs in a savepoint: a refusal (4xx) undoes its statements but keeps the
//   transaction, so the refusal is stored and replayed like a success. A 5xx, a 429 or a
//   database error rolls everything back: a retry runs again.
// - A row without an answer can only come from a daemon before this design (which claimed the
//   key in its own transaction first); it is answered 409 until it expires after 24 hours,
//   never taken over, since its request may have committed.
Response run_idempotent(db::Connection& c, const Request& request, const std::string& token, const std::string& key,
                        const std::string& hash, const Work& work) {
  db::Transaction transaction(c);
  auto in_progress = [] {
    return http::Conflict("request_in_progress", "a request with this Idempotency-Key is still running; retry later");
  };
  if (!c.exec(sql::query("IdempotencyLock"), token, key).boolean(0, 0)) throw in_progress();
  if (c.exec(sql::query("IdempotencyClaim"), token, key, hash).empty()) {
    const auto r = c.exec(sql::query("IdempotencyFind"), token, key, hash);
    // Gone between the two statements: purged after 24 hours just now. Rare; retrying works.
    if (r.empty()) throw in_progress();
    if (!r.boolean(0, 0)) {
      throw http::Unprocessable("idempotency_key_reused",
                                "this Idempotency-Key was used for a different request; use a new key");
    }
    if (r.is_null(0, 1)) throw in_progress();
    auto replay = http::text_response(request, static_cast<unsigned>(r.int64(0, 1)), "application/json",
                                      r.optional_string(0, 2).value_or(""));
    replay.set("Idempotent-Replayed", "true");
    return replay;  // nothing was written: the transaction rolls back
  }

  Response response;
  {
    db::Transaction attempt(c);  // a savepoint
    try {
      response = work(c);
      attempt.commit();
    } catch (const DomainError& e) {
      if (asks_to_retry(e)) throw;
      response = error_response(request, e);
    } catch (const http::BadRequest& e) {
      response = http::error_response(request, 400, e.code(), e.what(), e.field());
    } catch (const http::ApiError& e) {
      if (e.status() >= 500 || e.status() == 429) throw;
      response = http::error_response(request, e.status(), e.code(), e.what());
    }
  }  // without commit(): rolled back to the savepoint here, before the answer is stored
  if (response.result_int() >= 500) return response;  // not kept: rolls back
  c.exec(sql::query("IdempotencyComplete"),
         db::Params(token, key, static_cast<int>(response.result_int()), response.body()));
  transaction.commit();
  return response;
}

// g++ 12 reports the coroutine frame's sized operator delete as mismatched (a false positive,
// also seen in http/server.cpp); the frame is allocated and freed by Asio's own operators.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
awaitable<Response> idempotent(Context& context, Request& request, Work work) {
  const auto key = request.header("Idempotency-Key");
  if (!key) co_return co_await context.pool.run([&](db::Connection& c) { return work(c); });
  if (key->empty() || key->size() > kMaxIdempotencyKeyLength ||
      std::any_of(key->begin(), key->end(), [](char ch) { return ch < 0x20 || ch > 0x7e; })) {
    throw http::BadRequest("Idempotency-Key", "must be 1 to 255 printable ASCII characters");
  }
  // Same token, same key: the same method, route and body make the same request.
  const std::string hash = auth::secret_hash_param(std::string(request.raw.method_string()) + " " +
                                                   request.path + "\n" + request.raw.body());
  const std::string token = request.caller->token_id;
  const std::string key_text(*key);
  co_return co_await context.pool.run(
      [&](db::Connection& c) { return run_idempotent(c, request, token, key_text, hash, work); });
}
#pragma GCC diagnostic pop

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
awaitable<Response> run_idempotent_route(Context& context, Request& request, IdempotentWork work) {
  co_return co_await idempotent(context, request, std::move(work));
}
#pragma GCC diagnostic pop

void add_action_routes(http::Router& router, Context& context) {
  router.add(
      verb::verb::post, "/v1/actions", kActionRoles, [&context](Request& request) -> awaitable<Response> {
        co_return co_await idempotent(context, request, [&](db::Connection& c) {
          const auto config = context.config.get();
          const auto parsed = action::parse_action_request(request.json_body(), action::action_rules(*config));
          const auto audit = audit_entry(request, "action.raise", std::nullopt);
          auto body = action::create_action(c, parsed, *request.caller, action::action_settings(*config),
                                            parsed.dry_run ? nullptr : &audit);
          // The console's compose preview: what each channel would send (not for the live estimate).
          if (parsed.dry_run && !parsed.estimate_only) body["texts"] = preview_texts(c, parsed, *request.caller, *config);
          return http::json_response(request, parsed.dry_run ? 200 : 201, body);
        });
      });

  router.add(verb::verb::get, "/v1/actions", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               const auto query = read_list_query(request);
               const auto body = co_await context.pool.run(
                   [&](db::Connection& c) { return action::list_actions(c, query, *request.caller); });
               co_return http::json_response(request, 200, body);
             });

  router.add(verb::verb::get, "/v1/actions/{id}", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = request.path_params.at("id");
               // Per token: what a caller may see of an action depends on its token.
               const std::string key = id + '\n' + request.caller->token_id;
               auto body = context.caches.actions.get(key);
               if (!body) {
                 body = co_await context.pool.run(
                     [&](db::Connection& c) { return action::get_action(c, id, *request.caller); });
                 context.caches.actions.put(key, *body);
               }
               co_return http::json_response(request, 200, *body);
             });

  router.add(verb::verb::post, "/v1/actions/{id}/updates", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               auto response = co_await idempotent(context, request, [&](db::Connection& c) {
                 const auto& id = request.path_params.at("id");
                 if (!action::is_uuid(id)) throw http::NotFound("no such action");
                 const auto body = request.json_body();
                 reject_unknown_fields(body, "", {"message", "area", "dry_run"});
                 const auto text = action::read_text(body, "message", action::kMaxMessageLength);
                 const auto config = context.config.get();
                 const auto new_area = read_update_area(body, *config);
                 const bool dry_run = new_area && new_area->dry_run;
                 const auto audit = audit_entry(request, "action.update", std::nullopt);
                 const auto answer = action::post_update(c, id, text, *request.caller, action::action_settings(*config),
                                                         dry_run ? nullptr : &audit, new_area);
                 return http::json_response(request, dry_run ? 200 : 201, answer);
               });
               // What this daemon changed is seen at once by its next GET (the cache is per token).
               context.caches.actions.clear();
               co_return response;
             });

  router.add(verb::verb::post, "/v1/actions/{id}/close", kActionRoles,
             [&context](Request& request) -> awaitable<Response> {
               auto response = co_await idempotent(context, request, [&](db::Connection& c) {
                 const auto& id = request.path_params.at("id");
                 if (!action::is_uuid(id)) throw http::NotFound("no such action");
                 const auto body = request.json_body();
                 reject_unknown_fields(body, "", {"outcome", "message"});
                 const auto outcome = body.find("outcome");
                 if (outcome == body.end() || outcome->is_null())
                   throw http::BadRequest("outcome", "is required");
                 if (!outcome->is_string() || !action::is_outcome(outcome->get<std::string>())) {
                   throw http::BadRequest("outcome", action::kOutcomeChoices);
                 }
                 const auto text = action::read_text(body, "message", action::kMaxMessageLength);
                 const auto config = context.config.get();
                 const auto audit = audit_entry(request, "action.close", std::nullopt);
                 const auto answer = action::close_action(c, id, outcome->get<std::string>(), text,
                                                          *request.caller, action::action_settings(*config), &audit);
                 return http::json_response(request, 200, answer);
               });
               context.caches.actions.clear();
               co_return response;
             });
}

}  // namespace burgernet::api
