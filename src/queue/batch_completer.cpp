// Group commit of delivery outcomes: one DeliveriesComplete per flush, whatever came in meanwhile.
#include "queue/batch_completer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "burgernet/db/errors.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::queue {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {
// One statement stays well inside statement_timeout however large the backlog.
constexpr std::size_t kMostPerStatement = 10000;
constexpr milliseconds kFirstBackoff{100}, kMostBackoff{5000};
}  // namespace

BatchCompleter::BatchCompleter(db::Pool& pool, LeaseKeeper& keeper, metrics::Registry& metrics)
    : pool_(pool), keeper_(keeper), metrics_(metrics) {
  // From a tenth of a second (a small urgent action) to the hour a national one may take.
  const std::vector<double> buckets{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600};
  first_send_ = &metrics_.histogram("burgernet_action_first_send_seconds",
                                    "Seconds from an action's creation to its first message sent, once per action.", {},
                                    buckets);
  // ActionsTouchSent moves last_sent_at at most once a second, so this is observed about once a
  // second per action while it sends; its largest values are the actions' durations.
  last_send_ = &metrics_.histogram("burgernet_action_last_send_seconds",
                                   "Seconds from an action's creation to its latest message sent, observed at most "
                                   "once a second per action.",
                                   {}, buckets);
  write_failures_ = &metrics_.counter("burgernet_delivery_outcome_write_failures_total",
                                      "Attempts to write delivery outcomes that failed; the outcomes are kept and "
                                      "written again.");
}

void BatchCompleter::add(std::vector<Outcome> outcomes) {
  if (outcomes.empty()) return;
  for (auto& outcome : outcomes) queued_.push_back(std::move(outcome));
  if (wake_) wake_->cancel();
}

BatchCompleter::ChannelSeries& BatchCompleter::series(const std::string& channel) {
  auto it = series_.find(channel);
  if (it != series_.end()) return it->second;
  const metrics::Labels labels{{"channel", channel}};
  ChannelSeries s{
      &metrics_.counter("burgernet_deliveries_sent_total", "Deliveries sent.", labels),
      &metrics_.counter("burgernet_deliveries_retried_total", "Deliveries to try again.", labels),
      &metrics_.counter("burgernet_deliveries_failed_total", "Deliveries given up.", labels),
      &metrics_.counter("burgernet_deliveries_lease_lost_total",
                        "Outcomes not written because another worker had taken the delivery over.", labels)};
  return series_.emplace(channel, s).first->second;
}

asio::awaitable<BatchCompleter::Written> BatchCompleter::write(const std::vector<Outcome>& batch) {
  std::vector<std::string> ids, owners, kinds, notes, delays;
  for (const auto& o : batch) {
    ids.push_back(std::to_string(o.delivery_id));
    owners.push_back(o.owner);
    kinds.emplace_back(outcome_name(o.kind));
    notes.push_back(o.note);
    delays.push_back(std::to_string(o.delay_s));
  }
  co_return co_await pool_.run([&](db::Connection& c) {
    Written out;
    std::set<std::string> actions;
    {
      const auto r = c.exec(sql::query("DeliveriesComplete"), ids, owners, kinds, notes, delays);
      for (int i = 0; i < r.rows(); ++i) {
        out.ids.push_back(r.int64(i, 0));
        if (!r.is_null(i, 1) && r.string(i, 3) == "sent") actions.insert(r.string(i, 1));
      }
    }
    if (actions.empty()) return out;
    // After the outcomes' commit, in a statement of its own: every completer of every daemon
    // touches the same action_sends row, and holding the outcomes' row locks while waiting for
    // it made the lease keepers wait on them (tests/reliability/several_daemons_pgtest.cpp).
    // Statistics never hold back a completion: an error costs this flush's send times only.
    try {
      const auto a = c.exec(sql::query("ActionsTouchSent"), std::vector<std::string>(actions.begin(), actions.end()));
      for (int i = 0; i < a.rows(); ++i) out.action_sends.emplace_back(a.boolean(i, 0), a.float64(i, 1));
    } catch (const db::DatabaseError& e) {  // an outage too: the outcomes are written
      spdlog::warn("queue: action send times not updated: {}", e.what());
    }
    return out;
  });
}

void BatchCompleter::count(const std::vector<Outcome>& batch, const Written& written, bool first_try) {
  const std::set<std::int64_t> applied(written.ids.begin(), written.ids.end());
  std::map<std::string, std::size_t> lost;
  for (const auto& o : batch) {
    keeper_.release(o.delivery_id);
    auto& s = series(o.channel);
    if (!applied.contains(o.delivery_id)) {
      // After a failed write the first one may have committed after all (its answer was lost):
      // then the row is no longer ours either, and it is not a lease lost.
      if (first_try) {
        s.lease_lost->inc();
        ++lost[o.channel];
      }
      continue;
    }
    switch (o.kind) {
      case Outcome::Kind::kSent: s.sent->inc(); break;
      case Outcome::Kind::kRetry:
      case Outcome::Kind::kPostpone: s.retried->inc(); break;
      case Outcome::Kind::kFailed:
      case Outcome::Kind::kDisable: s.failed->inc(); break;
      default: break;
    }
  }
  for (const auto& [channel, n] : lost) {
    spdlog::warn("queue {}: {} outcomes found their delivery taken over by another worker (lease lost)", channel, n);
  }
  for (const auto& [first, seconds] : written.action_sends) {
    if (first) first_send_->observe(seconds);
    last_send_->observe(seconds);
  }
}

asio::awaitable<void> BatchCompleter::run(std::function<bool()> finished) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  milliseconds backoff{0};
  std::size_t failed_writes = 0;
  auto failing_since = std::chrono::steady_clock::now();
  bool retrying = false;  // the front of the queue failed to be written before
  while (!finished() || !queued_.empty()) {
    if (queued_.empty() || backoff.count() > 0) {
      // Woken by add(); a stop is noticed within the poll.
      timer.expires_after(backoff.count() > 0 ? backoff : milliseconds(200));
      wake_ = backoff.count() > 0 ? nullptr : &timer;
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      wake_ = nullptr;
      if (backoff.count() > 0 && !queued_.empty()) backoff = milliseconds(0);  // try again now
      continue;
    }
    std::vector<Outcome> batch;
    const std::size_t n = std::min(queued_.size(), kMostPerStatement);
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queued_.front()));
      queued_.pop_front();
    }
    writing_ = batch.size();
    for (const auto& o : batch) keeper_.completing(o.delivery_id, true);
    bool written = false;
    Written result;
    try {
      result = co_await write(batch);
      written = true;
    } catch (const std::exception& e) {
      write_failures_->inc();
      if (failed_writes++ == 0) {
        failing_since = std::chrono::steady_clock::now();
        spdlog::error("queue: writing {} delivery outcomes failed, kept to be written again: {}", batch.size(),
                      e.what());
      }
    }
    writing_ = 0;
    if (written) {
      count(batch, result, !retrying);
      if (failed_writes > 0) {
        const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - failing_since).count();
        spdlog::info("queue: delivery outcomes written again after {:.1f} s and {} failed tries", seconds,
                     failed_writes);
      }
      failed_writes = 0;
      retrying = false;
      continue;
    }
    // Back to the front, in order; the keeper keeps their leases meanwhile.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
      keeper_.completing(it->delivery_id, false);
      queued_.push_front(std::move(*it));
    }
    retrying = true;
    backoff = std::min(kMostBackoff, kFirstBackoff * (1 << std::min<std::size_t>(failed_writes - 1, 6)));
  }
}

}  // namespace burgernet::queue
