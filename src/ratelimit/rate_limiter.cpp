// Token buckets over an injected clock.
#include "burgernet/ratelimit/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

#include "burgernet/domain/errors.hpp"

namespace burgernet::ratelimit {

using std::chrono::steady_clock;

TokenBucket::TokenBucket(Rate rate, steady_clock::time_point now)
    : tokens_(std::max(rate.burst, 1.0)), last_(now) {}

std::chrono::milliseconds TokenBucket::take(Rate rate, steady_clock::time_point now) {
  if (rate.per_s <= 0) return std::chrono::milliseconds(0);
  const double burst = std::max(rate.burst, 1.0);
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  if (elapsed > 0) {
    tokens_ = std::min(burst, tokens_ + elapsed * rate.per_s);
    last_ = now;
  }
  tokens_ = std::min(tokens_, burst);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return std::chrono::milliseconds(0);
  }
  const double wait_s = (1 - tokens_) / rate.per_s;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1000)));
}

bool TokenBucket::full(Rate rate, steady_clock::time_point now) const {
  if (rate.per_s <= 0) return true;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  return tokens_ + elapsed * rate.per_s >= std::max(rate.burst, 1.0);
}

KeyedLimiter::KeyedLimiter(Clock clock, std::size_t max_keys)
    : clock_(std::move(clock)), max_keys_(max_keys) {}

Decision KeyedLimiter::take(std::string_view key, Rate rate) {
  if (rate.per_s <= 0) return {};
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) forget_full_buckets(rate, now);
    // Still full of live buckets: refuse new keys rather than grow without bound or reset
    // everyone's buckets (which would lift the limit for an attacker).
    if (buckets_.size() >= max_keys_) return {false, std::chrono::seconds(1)};
    it = buckets_.emplace(std::string(key), TokenBucket(rate, now)).first;
  }
  const auto wait = it->second.take(rate, now);
  if (wait.count() == 0) return {};
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait);
  return {false, std::max(seconds, std::chrono::seconds(1))};
}

std::size_t KeyedLimiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void KeyedLimiter::forget_full_buckets(Rate rate, steady_clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) { return entry.second.full(rate, now); });
}

std::string phone_prefix_key(std::string_view e164, std::size_t digits) {
  const std::size_t plus = !e164.empty() && e164.front() == '+' ? 1 : 0;
  return std::string(e164.substr(0, std::min(e164.size(), plus + digits)));
}

void enforce(KeyedLimiter& limiter, std::string_view key, Rate rate) {
  const auto decision = limiter.take(key, rate);
  if (!decision.allowed) throw TooSoon(decision.retry_after);
}

}  // namespace burgernet::ratelimit
