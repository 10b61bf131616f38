// Keeps the leases of every row this daemon's workers hold alive while they work on them, and
// tells a worker when it no longer holds one, so that it does not send it.
//
// Runs on the dispatcher's loop: its state needs no lock. The lost flags are atomics because a
// driver may read them on its own threads (smtp).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "burgernet/db/pool.hpp"

namespace burgernet::queue {

class LeaseKeeper {
 public:
  using Clock = std::chrono::steady_clock;

  // `lease` is read at every beat: SIGHUP may change it.
  LeaseKeeper(db::Pool& pool, std::function<std::chrono::seconds()> lease);
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // A row just claimed by `owner` at `claimed_at` (before the claim statement ran, so the
  // database's lease ends after ours). The flag turns true once the lease is lost.
  std::shared_ptr<const std::atomic<bool>> hold(std::int64_t id, const std::string& owner, Clock::time_point claimed_at);
  // The row's outcome is written (or it never needs one): no more beats for it.
  void release(std::int64_t id);
  bool lost(std::int64_t id) const;
  // The flag hold() returned; null for a row not held.
  std::shared_ptr<const std::atomic<bool>> flag(std::int64_t id) const;
  // While the completer writes a row's outcome, a beat that does not find the row leased may
  // just have come after that write: it is not taken for lost then.
  void completing(std::int64_t id, bool writing);

  // The claims (owners) held now: the rescuer of this daemon leaves their rows alone.
  std::vector<std::string> owners() const;
  std::size_t size() const { return held_.size(); }

  // Extends every held lease a third of a lease before it ends, and marks as lost the rows the
  // database did not extend (taken by another worker) and the rows whose lease ran out by our
  // own clock while the database could not be reached. Returns once `finished()` and nothing is held.
  boost::asio::awaitable<void> run(std::function<bool()> finished);

 private:
  struct Held {
    std::string owner;
    std::shared_ptr<std::atomic<bool>> lost;
    Clock::time_point valid_until;  // by our clock, with a margin: after it, the row may be another's
    bool completing = false;
  };
  boost::asio::awaitable<void> beat();
  void expire_by_clock(Clock::time_point now);
  std::chrono::milliseconds margin() const;

  db::Pool& pool_;
  std::function<std::chrono::seconds()> lease_;
  std::unordered_map<std::int64_t, Held> held_;
  Clock::time_point next_beat_{};
};

}  // namespace burgernet::queue
