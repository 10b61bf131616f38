// Domain errors to HTTP: status, code and body, in one table.
#include "api/domain_errors.hpp"

#include <string>

namespace burgernet::api {

http::Response error_response(const http::Request& request, const DomainError& error) {
  if (const auto* e = dynamic_cast<const InvalidField*>(&error))
    return http::error_response(request, 400, "invalid_request", e->what(), e->field());
  if (dynamic_cast<const NotAllowed*>(&error)) return http::error_response(request, 403, "forbidden", error.what());
  if (dynamic_cast<const NotFound*>(&error)) return http::error_response(request, 404, "not_found", error.what());
  if (const auto* e = dynamic_cast<const Conflict*>(&error))
    return http::error_response(request, 409, e->code(), e->what());
  if (const auto* e = dynamic_cast<const NeedsConfirmation*>(&error)) {
    return http::json_response(
        request, 409,
        {{"error", {{"code", "confirmation_required"}, {"message", e->what()}, {"recipients", e->count()}}}});
  }
  if (const auto* e = dynamic_cast<const Rejected*>(&error))
    return http::error_response(request, 422, e->code(), e->what());
  if (const auto* e = dynamic_cast<const TooSoon*>(&error)) {
    auto response = http::error_response(request, 429, "rate_limited", e->what());
    response.set(http::beast_http::field::retry_after, std::to_string(e->retry_after().count()));
    return response;
  }
  if (const auto* e = dynamic_cast<const Unavailable*>(&error)) {
    auto response = http::error_response(request, 503, e->code(), e->what());
    response.set(http::beast_http::field::retry_after, "1");
    return response;
  }
  // A DomainError this table does not know is a bug here, not the client's: say so plainly.
  return http::error_response(request, 500, "internal_error", "an internal error occurred");
}

bool asks_to_retry(const DomainError& error) {
  return dynamic_cast<const TooSoon*>(&error) != nullptr || dynamic_cast<const Unavailable*>(&error) != nullptr;
}

}  // namespace burgernet::api
