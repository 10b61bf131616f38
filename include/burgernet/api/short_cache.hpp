// A map whose entries are good for a fixed short time: what the API keeps of answers it read
// from the database, so that a control room polling an action, or a token making hundreds of
// requests a second, does not cost a query each time. Bounded: when full, it starts over.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace burgernet::api {

template <typename Value>
class ShortCache {
 public:
  using Clock = std::chrono::steady_clock;

  ShortCache(Clock::duration ttl, std::size_t most) : ttl_(ttl), most_(most) {}

  std::optional<Value> get(const std::string& key, Clock::time_point now = Clock::now()) {
    const std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (now - it->second.at >= ttl_) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void put(const std::string& key, Value value, Clock::time_point now = Clock::now()) {
    const std::lock_guard lock(mutex_);
    // Expired entries are dropped only when read; a full map is simply emptied (every entry in
    // it is at most one ttl old, so nothing is lost that a query cannot bring back).
    if (entries_.size() >= most_) entries_.clear();
    entries_.insert_or_assign(key, Entry{std::move(value), now});
  }

  void clear() {
    const std::lock_guard lock(mutex_);
    entries_.clear();
  }

 private:
  struct Entry {
    Value value;
    Clock::time_point at;
  };
  const Clock::duration ttl_;
  const std::size_t most_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace burgernet::api
