// POST /v1/cap: reads the XML body, then raises, updates or closes through the action store in
// one transaction, with the Idempotency-Key handling of the action routes.
#include "api/cap_import_routes.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>

#include "api/action_routes.hpp"
#include "api/audit_entry.hpp"
#include "burgernet/action/action_settings.hpp"
#include "burgernet/http/errors.hpp"
#include "cap/cap_import_store.hpp"
#include "cap/cap_reader.hpp"

namespace burgernet::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
namespace verb = http::beast_http;

// Operators only: CAP comes from control-room systems; a municipal token raises its alerts by
// POST /v1/actions (docs/cap.md, "Import").
const std::vector<std::string> kCapImportRoles = {"operator"};

// ?dry_run=true previews an Alert; ?confirm_recipients=N confirms a large one (SPEC.md).
cap::ImportOptions read_options(const Request& request) {
  cap::ImportOptions options;
  if (const auto it = request.query.find("dry_run"); it != request.query.end()) {
    if (it->second != "true" && it->second != "false")
      throw http::BadRequest("dry_run", "must be true or false");
    options.dry_run = it->second == "true";
  }
  if (const auto it = request.query.find("confirm_recipients"); it != request.query.end()) {
    std::int64_t count = -1;
    const auto& text = it->second;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (error != std::errc() || end != text.data() + text.size() || count < 0) {
      throw http::BadRequest("confirm_recipients", "must be a whole number, the recipient count you confirm");
    }
    options.confirm_recipients = count;
  }
  return options;
}

}  // namespace

void add_cap_import_routes(http::Router& router, Context& context) {
  router.add(verb::verb::post, "/v1/cap", kCapImportRoles,
             [&context](Request& request) -> awaitable<Response> {
               if (request.raw.body().size() > cap::kMaxCapBytes) {
                 throw http::ApiError(
                     413, "body_too_large",
                     "a CAP alert may have at most " + std::to_string(cap::kMaxCapBytes) + " bytes");
               }
               const auto options = read_options(request);
               auto response = co_await run_idempotent_route(context, request, [&](db::Connection& c) {
                 // Inside the work, so that a refusal is stored and replayed under an Idempotency-Key too.
                 const auto alert = cap::read_alert(request.raw.body());
                 const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count();
                 const auto config = context.config.get();
                 const auto answer = cap::import_alert(
                     c, alert, options, now_s, *request.caller, action::action_rules(*config),
                     action::action_settings(*config), audit_entry(request, "action.raise", std::nullopt));
                 return http::json_response(request, answer.status, answer.body);
               });
               // What this daemon changed is seen at once by its next GET (as the action routes do).
               context.caches.actions.clear();
               co_return response;
             });
}

}  // namespace burgernet::api
