// The one place where the domain's errors (domain/errors.hpp) become SPEC.md's HTTP errors.
#pragma once

#include "burgernet/domain/errors.hpp"
#include "burgernet/http/message.hpp"

namespace burgernet::api {

// {"error": {"code", "message"[, "field"][, "recipients"]}} with the status that fits, and
// Retry-After where the caller may simply retry.
http::Response error_response(const http::Request& request, const DomainError& error);

// Whether the answer to `error` says "retry" (429, 503): such an answer is never stored as an
// Idempotency-Key's answer, since the retry must run again.
bool asks_to_retry(const DomainError& error);

}  // namespace burgernet::api
