// A circuit breaker per driver: after `threshold` retry-class failures in a row, stop offering
// messages to the provider for `open_for`, then let one request through to probe it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace burgernet::net {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    int threshold = 5;                              // consecutive retry-class failures; 0 disables
    std::chrono::milliseconds open_for{30000};      // how long to wait before probing again
  };

  explicit CircuitBreaker(Options options) : options_(options) {}

  // May a request go to the provider now? While open: no. Once `open_for` has passed: one
  // probe (half-open); the others wait until it has an answer.
  bool allow(Clock::time_point now);
  // How long until the next probe may go, for Retry.after (zero when closed).
  std::chrono::milliseconds remaining(Clock::time_point now) const;

  void record_success();
  // A retry-class failure (5xx, 429, timeout, refused). Permanent failures (4xx) say nothing
  // about the provider's health and are not recorded.
  void record_failure(Clock::time_point now);

  bool open() const { return state_ != State::kClosed; }

  // What burgernet_circuit_state and burgernet_circuit_transitions_total show. Thread-safe: the
  // scrape reads it on its own thread while the driver's loop changes the state.
  struct Reading {
    int state = 0;                 // 0 closed, 1 half-open, 2 open
    std::uint64_t transitions = 0;  // changes of state since start
  };
  Reading reading() const {
    return {seen_state_.load(std::memory_order_relaxed), transitions_.load(std::memory_order_relaxed)};
  }

 private:
  enum class State { kClosed, kOpen, kHalfOpen };
  void enter(State next);
  Options options_;
  State state_ = State::kClosed;
  int failures_ = 0;
  bool probing_ = false;
  Clock::time_point opened_until_{};
  std::atomic<int> seen_state_{0};
  std::atomic<std::uint64_t> transitions_{0};
};

}  // namespace burgernet::net
