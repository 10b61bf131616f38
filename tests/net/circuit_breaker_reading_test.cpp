// What burgernet_circuit_state and burgernet_circuit_transitions_total read from a breaker:
// its state through closed, open, half-open and back, and one transition per change.
#include <gtest/gtest.h>

#include "burgernet/net/circuit_breaker.hpp"

namespace burgernet::net {
namespace {

using namespace std::chrono_literals;

TEST(CircuitBreakerReading, FollowsEveryChangeOfState) {
  CircuitBreaker breaker({2, 10s});
  const auto t0 = CircuitBreaker::Clock::now();
  EXPECT_EQ(breaker.reading().state, 0);
  EXPECT_EQ(breaker.reading().transitions, 0u);

  breaker.record_failure(t0);
  EXPECT_EQ(breaker.reading().state, 0) << "one failure of two";
  breaker.record_failure(t0);
  EXPECT_EQ(breaker.reading().state, 2);
  EXPECT_EQ(breaker.reading().transitions, 1u);
  breaker.record_failure(t0);  // a request in flight when it opened: still open, no change
  EXPECT_EQ(breaker.reading().transitions, 1u);

  EXPECT_FALSE(breaker.allow(t0 + 5s));
  EXPECT_EQ(breaker.reading().state, 2);
  EXPECT_TRUE(breaker.allow(t0 + 11s));  // the probe
  EXPECT_EQ(breaker.reading().state, 1);
  breaker.record_failure(t0 + 11s);  // the probe failed: open again
  EXPECT_EQ(breaker.reading().state, 2);
  EXPECT_TRUE(breaker.allow(t0 + 22s));
  breaker.record_success();
  EXPECT_EQ(breaker.reading().state, 0);
  EXPECT_EQ(breaker.reading().transitions, 5u);  // open, half-open, open, half-open, closed
  breaker.record_success();
  EXPECT_EQ(breaker.reading().transitions, 5u);
}

}  // namespace
}  // namespace burgernet::net
