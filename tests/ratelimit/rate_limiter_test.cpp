// Token buckets against a hand-driven clock: burst, refill, Retry-After, rate changes, memory.
#include "burgernet/ratelimit/rate_limiter.hpp"

#include <gtest/gtest.h>

#include "burgernet/domain/errors.hpp"

namespace burgernet::ratelimit {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  Clock clock() {
    return [this] { return now; };
  }
};

TEST(TokenBucket, AllowsTheBurstThenRefillsAtTheRate) {
  const Rate rate{2, 3};  // 2 a second, 3 at once
  std::chrono::steady_clock::time_point t{};
  TokenBucket bucket(rate, t);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.take(rate, t).count(), 0) << i;
  EXPECT_EQ(bucket.take(rate, t), 500ms) << "the fourth waits for one token at 2/s";
  t += 499ms;
  EXPECT_GT(bucket.take(rate, t).count(), 0);
  t += 1ms;
  EXPECT_EQ(bucket.take(rate, t).count(), 0);
  t += 10s;  // long idle: never more than the burst
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.take(rate, t).count(), 0) << i;
  EXPECT_GT(bucket.take(rate, t).count(), 0);
}

TEST(TokenBucket, ARefusalTakesNothing) {
  const Rate rate{1, 1};
  std::chrono::steady_clock::time_point t{};
  TokenBucket bucket(rate, t);
  EXPECT_EQ(bucket.take(rate, t).count(), 0);
  for (int i = 0; i < 100; ++i) EXPECT_GT(bucket.take(rate, t).count(), 0);
  t += 1s;
  EXPECT_EQ(bucket.take(rate, t).count(), 0) << "refused attempts must not push the next token further away";
}

TEST(TokenBucket, ZeroRateIsUnlimitedAndALowerBurstAppliesAtOnce) {
  std::chrono::steady_clock::time_point t{};
  TokenBucket unlimited({0, 1}, t);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(unlimited.take({0, 1}, t).count(), 0);
  TokenBucket bucket({1, 10}, t);
  EXPECT_EQ(bucket.take({1, 2}, t).count(), 0);  // SIGHUP lowered the burst to 2
  EXPECT_EQ(bucket.take({1, 2}, t).count(), 0);
  EXPECT_GT(bucket.take({1, 2}, t).count(), 0);
}

TEST(KeyedLimiter, KeysHaveTheirOwnBucketsAndRetryAfterIsWholeSeconds) {
  FakeClock clock;
  KeyedLimiter limiter(clock.clock());
  const Rate rate{0.1, 1};  // one per 10 s
  EXPECT_TRUE(limiter.take("a", rate).allowed);
  const auto refused = limiter.take("a", rate);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, 10s);
  EXPECT_TRUE(limiter.take("b", rate).allowed) << "another key is not limited by a's bucket";
  clock.now += 9500ms;
  EXPECT_EQ(limiter.take("a", rate).retry_after, 1s) << "rounded up, never 0";
  clock.now += 500ms;
  EXPECT_TRUE(limiter.take("a", rate).allowed);
}

TEST(KeyedLimiter, ForgetsRefilledBucketsAndRefusesNewKeysWhenFullOfLiveOnes) {
  FakeClock clock;
  KeyedLimiter limiter(clock.clock(), 3);
  const Rate rate{1, 1};
  for (const char* key : {"a", "b", "c"}) EXPECT_TRUE(limiter.take(key, rate).allowed);
  EXPECT_FALSE(limiter.take("d", rate).allowed) << "all three buckets are still empty";
  EXPECT_FALSE(limiter.take("a", rate).allowed) << "a spray of new keys must not reset a";
  clock.now += 2s;
  EXPECT_TRUE(limiter.take("d", rate).allowed);
  EXPECT_EQ(limiter.size(), 1u) << "the refilled buckets were forgotten";
}

TEST(KeyedLimiter, EnforceThrowsTooManyRequestsWithRetryAfter) {
  FakeClock clock;
  KeyedLimiter limiter(clock.clock());
  enforce(limiter, "+31612345678", {1.0 / 60, 1});
  try {
    enforce(limiter, "+31612345678", {1.0 / 60, 1});
    FAIL() << "expected a 429";
  } catch (const TooSoon& e) {
    EXPECT_EQ(e.retry_after(), 60s);
  }
}

TEST(PhonePrefixKey, KeepsThePlusAndTheFirstDigits) {
  EXPECT_EQ(phone_prefix_key("+31612345678"), "+3161234");
  EXPECT_EQ(phone_prefix_key("+31612345678", 9), "+316123456");
  EXPECT_EQ(phone_prefix_key("+3161", 9), "+3161");
}

}  // namespace
}  // namespace burgernet::ratelimit
