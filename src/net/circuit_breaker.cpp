// Closed -> open after `threshold` failures in a row; open -> half-open when `open_for` has
// passed; one probe decides between closed and open again.
#include "burgernet/net/circuit_breaker.hpp"

#include <algorithm>

namespace burgernet::net {

bool CircuitBreaker::allow(Clock::time_point now) {
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (now < opened_until_) return false;
      enter(State::kHalfOpen);
      probing_ = true;
      return true;
    case State::kHalfOpen:
      // One probe at a time; if it never reports back (a cancelled coroutine), let another try
      // once another `open_for` has passed.
      if (probing_ && now < opened_until_ + options_.open_for) return false;
      probing_ = true;
      opened_until_ = now;
      return true;
  }
  return true;
}

std::chrono::milliseconds CircuitBreaker::remaining(Clock::time_point now) const {
  if (state_ == State::kClosed) return std::chrono::milliseconds::zero();
  const auto until = state_ == State::kOpen ? opened_until_ : opened_until_ + options_.open_for;
  return std::max(std::chrono::milliseconds(1000),
                  std::chrono::duration_cast<std::chrono::milliseconds>(until - now));
}

void CircuitBreaker::record_success() {
  enter(State::kClosed);
  failures_ = 0;
  probing_ = false;
}

void CircuitBreaker::record_failure(Clock::time_point now) {
  if (options_.threshold <= 0) return;
  probing_ = false;
  if (state_ == State::kHalfOpen || ++failures_ >= options_.threshold) {
    enter(State::kOpen);
    opened_until_ = now + options_.open_for;
    failures_ = 0;
  }
}

void CircuitBreaker::enter(State next) {
  if (next == state_) return;
  state_ = next;
  seen_state_.store(next == State::kClosed ? 0 : next == State::kHalfOpen ? 1 : 2, std::memory_order_relaxed);
  transitions_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace burgernet::net
