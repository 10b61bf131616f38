// The lease heartbeat: one statement per beat for every row this daemon holds.
#include "queue/lease_keeper.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "burgernet/sql/query.hpp"

namespace burgernet::queue {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {
// How often the rows are checked against our own clock between beats: a driver reads the flag
// just before it sends, so a lease that ran out unseen could send a row another worker has.
constexpr milliseconds kClockCheck{200};
}  // namespace

LeaseKeeper::LeaseKeeper(db::Pool& pool, std::function<std::chrono::seconds()> lease)
    : pool_(pool), lease_(std::move(lease)) {}

milliseconds LeaseKeeper::margin() const {
  // The database's clock and ours run at the same speed, but the claim's now() came a little
  // after our claimed_at; a tenth of the lease (at most a second) covers a slow statement.
  return std::min<milliseconds>(milliseconds(1000), std::chrono::duration_cast<milliseconds>(lease_()) / 10);
}

std::shared_ptr<const std::atomic<bool>> LeaseKeeper::hold(std::int64_t id, const std::string& owner,
                                                           Clock::time_point claimed_at) {
  auto flag = std::make_shared<std::atomic<bool>>(false);
  held_[id] = Held{owner, flag, claimed_at + lease_() - margin()};
  return flag;
}

void LeaseKeeper::release(std::int64_t id) { held_.erase(id); }

void LeaseKeeper::completing(std::int64_t id, bool writing) {
  const auto it = held_.find(id);
  if (it != held_.end()) it->second.completing = writing;
}

bool LeaseKeeper::lost(std::int64_t id) const {
  const auto it = held_.find(id);
  return it == held_.end() || it->second.lost->load();
}

std::shared_ptr<const std::atomic<bool>> LeaseKeeper::flag(std::int64_t id) const {
  const auto it = held_.find(id);
  return it == held_.end() ? nullptr : it->second.lost;
}

std::vector<std::string> LeaseKeeper::owners() const {
  std::set<std::string> unique;
  for (const auto& [id, held] : held_) unique.insert(held.owner);
  return {unique.begin(), unique.end()};
}

void LeaseKeeper::expire_by_clock(Clock::time_point now) {
  std::size_t expired = 0;
  for (auto& [id, held] : held_) {
    if (now < held.valid_until || held.lost->load()) continue;
    held.lost->store(true);
    ++expired;
  }
  if (expired > 0) {
    spdlog::warn("queue: the lease of {} deliveries ran out while the database could not be reached; "
                 "they are not sent by this worker",
                 expired);
  }
}

asio::awaitable<void> LeaseKeeper::beat() {
  std::vector<std::int64_t> held_ids;
  std::vector<std::string> ids, owners;  // the statement's text arrays
  for (const auto& [id, held] : held_) {
    if (held.lost->load()) continue;
    held_ids.push_back(id);
    ids.push_back(std::to_string(id));
    owners.push_back(held.owner);
  }
  if (ids.empty()) co_return;
  const auto started = Clock::now();
  const double lease_s = static_cast<double>(lease_().count());
  std::vector<std::int64_t> extended;
  try {
    extended = co_await pool_.run([&](db::Connection& c) {
      auto r = c.exec(sql::query("DeliveriesExtendLeases"), ids, owners, lease_s);
      std::vector<std::int64_t> out;
      out.reserve(static_cast<std::size_t>(r.rows()));
      for (int i = 0; i < r.rows(); ++i) out.push_back(r.int64(i, 0));
      return out;
    });
  } catch (const std::exception& e) {
    spdlog::warn("queue: extending {} leases failed: {}", ids.size(), e.what());
    co_return;  // the clock check marks them lost when their lease runs out
  }
  const std::set<std::int64_t> renewed(extended.begin(), extended.end());
  const auto valid_until = started + lease_() - margin();
  std::size_t taken = 0;
  for (const auto id : held_ids) {
    const auto it = held_.find(id);
    if (it == held_.end()) continue;  // completed while the beat ran
    if (renewed.contains(it->first)) {
      it->second.valid_until = valid_until;
    } else if (!it->second.completing && !it->second.lost->exchange(true)) {
      ++taken;
    }
  }
  if (taken > 0) {
    spdlog::warn("queue: {} deliveries held by this daemon were taken by another worker; they are not sent here",
                 taken);
  }
}

asio::awaitable<void> LeaseKeeper::run(std::function<bool()> finished) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  while (!finished() || !held_.empty()) {
    const auto now = Clock::now();
    if (now >= next_beat_) {
      next_beat_ = now + std::chrono::duration_cast<milliseconds>(lease_()) / 3;
      co_await beat();
    }
    expire_by_clock(Clock::now());
    timer.expires_after(kClockCheck);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace burgernet::queue
