// The dispatcher's maintenance: the listener that wakes the workers, the rescuer (with the
// expiry of actions) and the queue's gauges (depth, oldest due row, fan-out lag, urgent actions
// not sent).
#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/queue/dispatcher.hpp"
#include "burgernet/sql/query.hpp"
#include "queue/lease_keeper.hpp"

namespace burgernet::queue {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {
constexpr std::int64_t kRescueChunk = 5000;  // rows per rescue statement
// SPEC's promise for an urgent action: its first message within a minute.
constexpr double kUrgentFirstSendS = 60;
}  // namespace

asio::awaitable<void> Dispatcher::listen() {
  while (!stopping_) {
    std::unique_ptr<db::Connection> connection;
    try {
      // On the database threads: connecting blocks. The pool's connection is not used.
      // A copy: config_ belongs to this thread, the lambda runs on a database thread. Captured by
      // reference: see api/service.cpp on by-value captures inside co_await with g++ 12.
      const std::string url = config_.database.url;
      const db::ConnectionOptions options{{}, pool_.options().keepalive};
      connection = co_await pool_.run([&url, &options](db::Connection&) {
        auto c = std::make_unique<db::Connection>(url, options);
        c->exec_script("listen", "LISTEN burgernet_deliveries");
        return c;
      });
    } catch (const std::exception& e) {
      spdlog::warn("queue: LISTEN connection failed, polling meanwhile: {}", e.what());
    }
    if (!connection) {
      co_await sleep(milliseconds(2000));
      continue;
    }
    wake_all();  // rows may have arrived while we were not listening
    // A duplicate descriptor: the stream_descriptor closes it, libpq keeps its own.
    asio::posix::stream_descriptor socket(io_, ::dup(PQsocket(connection->native())));
    while (!stopping_) {
      boost::system::error_code ec;
      co_await socket.async_wait(asio::posix::stream_descriptor::wait_read,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec || PQconsumeInput(connection->native()) == 0) break;
      bool notified = false;
      while (PGnotify* n = PQnotifies(connection->native())) {
        notified = true;
        PQfreemem(n);
      }
      if (notified) wake_all();
    }
    if (!stopping_) {
      spdlog::warn("queue: LISTEN connection lost, reconnecting");
      co_await sleep(milliseconds(500));
    }
  }
}

asio::awaitable<void> Dispatcher::rescue() {
  while (!stopping_) {
    // The claims this daemon still holds are not rescued by it: they are alive (their outcome
    // may be waiting for the database), and rescuing them here would send them twice.
    const auto spared = keeper_->owners();
    // Not while the schema is behind (a migration is altering these tables) or unreachable.
    if (database_ready_()) try {
      const auto rescued = co_await pool_.run([&spared](db::Connection& c) {
        c.exec(sql::query("ActionsExpire"));
        // In chunks: a dead daemon may have held many thousands of rows.
        std::int64_t total = 0;
        for (;;) {
          const auto n = c.exec(sql::query("DeliveriesRescue"), spared, kRescueChunk).int64(0, 0);
          total += n;
          if (n < kRescueChunk) return total;
        }
      });
      if (rescued > 0) {
        spdlog::warn("queue: {} deliveries whose lease ran out returned to the queue", rescued);
        wake_all();
      }
    } catch (const std::exception& e) {
      spdlog::warn("queue: rescuer failed: {}", e.what());
    }
    const auto lease_ms = std::chrono::duration_cast<milliseconds>(config_.queue.lease);
    co_await sleep(std::clamp(lease_ms / 4, milliseconds(200), milliseconds(15000)));
  }
}

asio::awaitable<void> Dispatcher::refresh_depth() {
  while (!stopping_) {
    // A copy: config_ belongs to this thread, the lambda runs on a database thread.
    std::vector<std::string> channels;
    for (const auto& [name, settings] : config_.channels) channels.push_back(name);
    // The depth counts every queued row: 1.77 s at three million (a national action). Read every
    // 2 s at most, and never spend more than a twentieth of the time reading it, so that the
    // metric costs the database ~5% of one core at national scale instead of most of one.
    auto interval = milliseconds(2000);
    if (database_ready_()) try {
      const auto started = std::chrono::steady_clock::now();
      auto figures = co_await pool_.run([&channels](db::Connection& c) {
        QueueFigures out;
        auto r = c.exec(sql::query("DeliveriesDepth"));
        for (int i = 0; i < r.rows(); ++i) {
          out.depth.emplace_back(r.string(i, 0), r.string(i, 1), static_cast<double>(r.int64(i, 2)));
        }
        auto oldest = c.exec(sql::query("DeliveriesOldestDue"), channels);
        for (int i = 0; i < oldest.rows(); ++i) out.oldest_due_s[oldest.string(i, 0)] = oldest.float64(i, 1);
        out.fanout_lag_s = c.exec(sql::query("ActionsFanoutLag")).float64(0, 0);
        out.urgent_unsent = static_cast<double>(c.exec(sql::query("ActionsUrgentUnsent"), kUrgentFirstSendS).int64(0, 0));
        return out;
      });
      const auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
      interval = std::clamp(took * 20, interval, milliseconds(60000));
      std::lock_guard lock(depth_mutex_);
      figures_ = std::move(figures);
    } catch (const std::exception&) {
      // Keep the last figures; /readyz reports the database.
    }
    co_await sleep(interval);
  }
}

void Dispatcher::write_queue_figures(metrics::SampleWriter& out) {
  std::lock_guard lock(depth_mutex_);
  out.gauge_family("burgernet_deliveries", "Deliveries not yet final, per channel and status.");
  for (const auto& [channel, status, count] : figures_.depth) {
    out.sample(count, {{"channel", channel}, {"status", status}});
  }
  // Before the first reading there is nothing to say: an absent series, not a reassuring 0.
  if (figures_.oldest_due_s.empty() && !figures_.fanout_lag_s) return;
  out.gauge_family("burgernet_queue_oldest_due_seconds",
                   "Seconds the channel's longest-waiting queued delivery has been due (now - run_after), "
                   "0 when none is due.");
  for (const auto& [channel, seconds] : figures_.oldest_due_s) out.sample(seconds, {{"channel", channel}});
  out.gauge_family("burgernet_fanout_lag_seconds",
                   "Seconds since the oldest action whose fan-out is unfinished was created, 0 when none is.");
  out.sample(figures_.fanout_lag_s.value_or(0));
  out.gauge_family("burgernet_urgent_actions_unsent",
                   "Active urgent actions due more than 60 s ago (and less than an hour) with deliveries "
                   "and none sent yet.");
  out.sample(figures_.urgent_unsent.value_or(0));
}

}  // namespace burgernet::queue
