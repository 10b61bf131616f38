// Claim sizing: a batch is what a worker sends in a second, never more than a lease allows.
#include "queue/claim_size.hpp"

#include <gtest/gtest.h>

using namespace burgernet::queue;
using namespace std::chrono_literals;

TEST(ClaimSize, BeforeAnythingIsMeasuredAClaimIsSmall) {
  EXPECT_EQ(claim_size({200, 60s, 0, 4, std::nullopt}), 4);
  EXPECT_EQ(claim_size({2, 60s, 0, 4, std::nullopt}), 2);
}

TEST(ClaimSize, ASlowProviderGetsWhatItSendsInASecond) {
  // Twilio's 0.4 s, one request in flight: two rows, not the 200 that outlived a lease.
  EXPECT_EQ(claim_size({200, 60s, 0, 1, 0.4}), 2);
  EXPECT_EQ(claim_size({200, 60s, 0, 1, 3.0}), 1) << "at least one";
  // A 5 s lease: the window is a second all the same (a quarter of the lease is more).
  EXPECT_EQ(claim_size({200, 5s, 0, 1, 0.1}), 10);
}

TEST(ClaimSize, AFastChannelClaimsTheWholeBatch) {
  EXPECT_EQ(claim_size({200, 60s, 0, 4, 0.00005}), 200);
  EXPECT_EQ(claim_size({200, 60s, 0, 4, 0.0}), 200);
}

TEST(ClaimSize, TheRateLimitIsSharedByTheChannelsWorkers) {
  EXPECT_EQ(claim_size({200, 60s, 40, 4, 0.00005}), 10);
  EXPECT_EQ(claim_size({200, 60s, 1, 4, 0.00005}), 1);
}

TEST(ClaimSize, TheWindowIsASecondOrAQuarterOfAShorterLease) {
  EXPECT_EQ(claim_window(60s), 1000ms);
  EXPECT_EQ(claim_window(2s), 500ms);
}

TEST(ClaimSize, OneSlowBatchMovesTheEstimateAThirdOfTheWay) {
  EXPECT_DOUBLE_EQ(updated_seconds_per_row(std::nullopt, 4.0, 10), 0.4);
  EXPECT_DOUBLE_EQ(updated_seconds_per_row(0.4, 10.0, 10), 0.4 + (1.0 - 0.4) / 3);
  EXPECT_DOUBLE_EQ(updated_seconds_per_row(std::nullopt, 1.0, 0), 1.0) << "no division by zero";
}
