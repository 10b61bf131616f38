// Errors on the request path: thrown by handlers, turned into SPEC.md's JSON error in one place.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace burgernet::http {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  int status_;
  std::string code_;
};

// 400: which field and why ("area.circle.radius_m", "must be between 50 and 20000").
class BadRequest : public ApiError {
 public:
  BadRequest(std::string field, const std::string& why)
      : ApiError(400, "invalid_request", field.empty() ? why : field + ": " + why), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

class Unauthorized : public ApiError {
 public:
  explicit Unauthorized(const std::string& message = "a valid bearer token is required")
      : ApiError(401, "unauthorized", message) {}
};

class Forbidden : public ApiError {
 public:
  explicit Forbidden(const std::string& message = "this token may not do that")
      : ApiError(403, "forbidden", message) {}
};

class NotFound : public ApiError {
 public:
  explicit NotFound(const std::string& message = "no such resource") : ApiError(404, "not_found", message) {}
};

class Conflict : public ApiError {
 public:
  Conflict(std::string code, const std::string& message) : ApiError(409, std::move(code), message) {}
};

class Unprocessable : public ApiError {
 public:
  Unprocessable(std::string code, const std::string& message) : ApiError(422, std::move(code), message) {}
};

// 429: rate limited; the answer carries Retry-After in whole seconds.
class TooManyRequests : public ApiError {
 public:
  explicit TooManyRequests(std::chrono::seconds retry_after,
                           const std::string& message = "too many requests; retry later")
      : ApiError(429, "rate_limited", message), retry_after_(retry_after) {}
  std::chrono::seconds retry_after() const { return retry_after_; }

 private:
  std::chrono::seconds retry_after_;
};

class ServiceUnavailable : public ApiError {
 public:
  ServiceUnavailable(std::string code, const std::string& message) : ApiError(503, std::move(code), message) {}
};

}  // namespace burgernet::http
