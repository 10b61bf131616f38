// The retry policy: capped exponential backoff with full jitter, Retry-After winning.
#include "burgernet/queue/retry_policy.hpp"

#include <gtest/gtest.h>

using namespace burgernet::queue;
using std::chrono::milliseconds;

TEST(RetryPolicy, GrowsExponentiallyUpToTheCap) {
  const RetryPolicy policy{milliseconds(1000), milliseconds(60000)};
  const RandomSource top = [] { return 1.0; };
  EXPECT_EQ(retry_delay(1, policy, top), milliseconds(1000));
  EXPECT_EQ(retry_delay(2, policy, top), milliseconds(2000));
  EXPECT_EQ(retry_delay(4, policy, top), milliseconds(8000));
  EXPECT_EQ(retry_delay(10, policy, top), milliseconds(60000));
  EXPECT_EQ(retry_delay(1000, policy, top), milliseconds(60000));
}

TEST(RetryPolicy, FullJitterScalesTheCeiling) {
  const RetryPolicy policy{milliseconds(1000), milliseconds(60000)};
  EXPECT_EQ(retry_delay(3, policy, [] { return 0.0; }), milliseconds(0));
  EXPECT_EQ(retry_delay(3, policy, [] { return 0.5; }), milliseconds(2000));
}

TEST(RetryPolicy, RetryAfterWinsButIsCapped) {
  const RetryPolicy policy{milliseconds(1000), milliseconds(60000)};
  const RandomSource any = [] { return 0.3; };
  EXPECT_EQ(retry_delay(1, policy, any, milliseconds(30000)), milliseconds(30000));
  EXPECT_EQ(retry_delay(1, policy, any, milliseconds(3600000)), milliseconds(60000));
}
