// Token buckets: a pure one with an injected clock, and one bucket per key (API token, client
// IP, phone number, number prefix) for the request path. Answers "go" or "retry after".
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace burgernet::ratelimit {

using Clock = std::function<std::chrono::steady_clock::time_point()>;

// `per_s` tokens a second, at most `burst` saved up. per_s <= 0 means unlimited.
struct Rate {
  double per_s = 0;
  double burst = 1;
};

class TokenBucket {
 public:
  // Starts full, so that a first burst goes through.
  TokenBucket(Rate rate, std::chrono::steady_clock::time_point now);

  // Takes one token: zero when allowed, otherwise how long until one is there (nothing taken).
  // The rate may change between calls (SIGHUP); the saved tokens are capped to the new burst.
  std::chrono::milliseconds take(Rate rate, std::chrono::steady_clock::time_point now);
  // Whether the bucket has refilled completely, i.e. forgetting it changes nothing.
  bool full(Rate rate, std::chrono::steady_clock::time_point now) const;

 private:
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

struct Decision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // whole seconds, at least 1 when refused (Retry-After)
};

// One bucket per key, thread-safe. Buckets that have refilled are forgotten when the map grows
// past `max_keys`, so memory stays bounded under a spray of keys.
class KeyedLimiter {
 public:
  explicit KeyedLimiter(Clock clock = std::chrono::steady_clock::now, std::size_t max_keys = 100000);
  KeyedLimiter(const KeyedLimiter&) = delete;
  KeyedLimiter& operator=(const KeyedLimiter&) = delete;

  Decision take(std::string_view key, Rate rate);
  std::size_t size() const;

 private:
  void forget_full_buckets(Rate rate, std::chrono::steady_clock::time_point now);

  Clock clock_;
  std::size_t max_keys_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

// The limiters the request path shares, owned by the application (api::Context::limiters).
// Each route picks its own Rate; a key is only compared within one limiter.
struct Limiters {
  KeyedLimiter api_token;     // every /v1 request, by token id (limits.api_per_token_per_s)
  KeyedLimiter client_ip;     // sign-up and verification, by client IP
  KeyedLimiter phone_number;  // verification codes sent or tried, by E.164 number
  KeyedLimiter phone_prefix;  // by number prefix (phone_prefix_key), against sweeps of a range
};

// "+3161234" of "+31612345678" with `digits` = 7: the key for a range of numbers.
std::string phone_prefix_key(std::string_view e164, std::size_t digits = 7);

// Throws TooSoon (the API answers 429 with Retry-After) when `key` is over `rate`.
void enforce(KeyedLimiter& limiter, std::string_view key, Rate rate);

}  // namespace burgernet::ratelimit
