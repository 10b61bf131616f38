// What the domain refuses, in its own words: thrown by parsers, stores and limits, turned into
// SPEC.md's HTTP errors in one place (src/api/domain_errors.cpp) and into messages and exit
// codes by the CLI. Nothing here knows HTTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace burgernet {

class DomainError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Invalid input: which field and why ("area.circle.radius_m", "must be between 50 and 20000").
class InvalidField : public DomainError {
 public:
  InvalidField(std::string field, const std::string& why)
      : DomainError(field.empty() ? why : field + ": " + why), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// The caller may not do this (a municipal token raising an urgent action).
class NotAllowed : public DomainError {
 public:
  explicit NotAllowed(const std::string& message = "this token may not do that") : DomainError(message) {}
};

// No such thing, or one the caller may not know exists.
class NotFound : public DomainError {
 public:
  explicit NotFound(const std::string& message) : DomainError(message) {}
};

// An error a client tells apart by its `code` ("action_closed", "code_expired").
class CodedError : public DomainError {
 public:
  CodedError(std::string code, const std::string& message) : DomainError(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// The thing is in a state that refuses the change (an action closed already).
class Conflict : public CodedError {
  using CodedError::CodedError;
};

// Well-formed, and refused by a rule about its content (a wrong verification code).
class Rejected : public CodedError {
  using CodedError::CodedError;
};

// The action would reach more than the limit: it needs `confirm_recipients` of at least `count`.
// `upper_bound`: the count is the population grid's bound, not an exact count.
class NeedsConfirmation : public DomainError {
 public:
  NeedsConfirmation(std::int64_t count, bool upper_bound, std::int64_t limit)
      : DomainError("this action would reach " + std::string(upper_bound ? "at most " : "") + std::to_string(count) +
                    " recipients, more than " + std::to_string(limit) + "; send it again with \"confirm_recipients\": " +
                    std::to_string(count)),
        count_(count) {}
  std::int64_t count() const { return count_; }

 private:
  std::int64_t count_;
};

// Too many requests of this caller, or too soon after the last one; may retry after `retry_after`.
class TooSoon : public DomainError {
 public:
  explicit TooSoon(std::chrono::seconds retry_after, const std::string& message = "too many requests; retry later")
      : DomainError(message), retry_after_(retry_after) {}
  std::chrono::seconds retry_after() const { return retry_after_; }

 private:
  std::chrono::seconds retry_after_;
};

// Cannot be done now for a reason outside the request (no channel to send a code by).
class Unavailable : public CodedError {
  using CodedError::CodedError;
};

}  // namespace burgernet
