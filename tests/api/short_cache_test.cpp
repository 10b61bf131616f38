// The API's short-lived memory: an entry is good for its time and no longer, and a full cache
// starts over rather than grow.
#include "burgernet/api/short_cache.hpp"

#include <gtest/gtest.h>

namespace burgernet::api {
namespace {

using namespace std::chrono_literals;
using Clock = ShortCache<int>::Clock;

TEST(ShortCache, AnEntryIsGoodForItsTimeAndNoLonger) {
  ShortCache<int> cache(250ms, 10);
  const auto t0 = Clock::now();
  EXPECT_FALSE(cache.get("a", t0));
  cache.put("a", 1, t0);
  EXPECT_EQ(cache.get("a", t0 + 249ms), 1);
  EXPECT_FALSE(cache.get("a", t0 + 250ms));
  EXPECT_FALSE(cache.get("a", t0 + 10ms)) << "an expired entry is gone";
  cache.put("a", 2, t0 + 300ms);
  EXPECT_EQ(cache.get("a", t0 + 301ms), 2);
  cache.clear();
  EXPECT_FALSE(cache.get("a", t0 + 301ms));
}

TEST(ShortCache, AFullCacheStartsOver) {
  ShortCache<int> cache(1s, 3);
  const auto t0 = Clock::now();
  cache.put("a", 1, t0);
  cache.put("b", 2, t0);
  cache.put("c", 3, t0);
  EXPECT_EQ(cache.get("c", t0), 3);
  cache.put("d", 4, t0);
  EXPECT_FALSE(cache.get("a", t0));
  EXPECT_FALSE(cache.get("c", t0));
  EXPECT_EQ(cache.get("d", t0), 4);
}

}  // namespace
}  // namespace burgernet::api
