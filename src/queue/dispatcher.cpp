// River-style workers: claim with SKIP LOCKED under a lease, send, complete only what is still held.
#include "burgernet/queue/dispatcher.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "burgernet/channel/channel_kind.hpp"
#include "burgernet/channel/registry.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/queue/retry_policy.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::queue {

namespace asio = boost::asio;
using std::chrono::milliseconds;

struct Dispatcher::Row {
  std::int64_t id;
  std::optional<std::string> action_id;
  std::string kind, skip;
  std::optional<std::string> body, phone, email, push_token, message_text, title, category, action_kind;
  int attempt = 1;
  std::string open_error;  // a sealed field that did not open: the delivery fails with this
};

namespace {

std::string unique_process_id() {
  std::random_device device;
  char host[64] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(device());
}

// The whole JSON object is kept in `settings`, so two configs of a channel are the same when
// their driver and object are; defaults are the same on both sides.
bool same_settings(const config::ChannelConfig& a, const config::ChannelConfig& b) {
  return a.driver == b.driver && a.settings == b.settings;
}

// A secret read from a file may have been rotated without a change to the config itself.
bool reads_files(const config::ChannelConfig& channel) {
  for (const auto& [key, value] : channel.settings.items()) {
    if (key.ends_with("_file") && value.is_string() && !value.get<std::string>().empty()) return true;
  }
  return false;
}

std::optional<std::string> address(const std::string& channel, const auto& row) {
  if (channel == "push") return row.push_token;
  if (channel == "email") return row.email;
  return row.phone;
}

}  // namespace

Dispatcher::Dispatcher(const config::Config& config, db::Pool& pool, metrics::Registry& metrics,
                       const privacy::PersonalDataKeys& keys)
    : config_(config), pool_(pool), metrics_(metrics), keys_(keys), process_id_(unique_process_id()),
      random_(std::random_device{}()) {
  channels_ = channel::make_channels(config, blocking_.get_executor());
  render_options_.sms_max_segments = static_cast<std::size_t>(config.sms_max_segments);
  metrics_.add_collector([this](metrics::SampleWriter& out) {
    std::lock_guard lock(depth_mutex_);
    out.gauge_family("burgernet_deliveries", "Deliveries not yet final, per channel and status.");
    for (const auto& [channel, status, count] : depth_) out.sample(count, {{"channel", channel}, {"status", status}});
  });
}

Dispatcher::~Dispatcher() { join(); }

void Dispatcher::start() {
  for (const auto& [name, settings] : config_.channels) {
    for (int i = 0; i < std::max(1, settings.concurrency); ++i) {
      ++running_;
      asio::co_spawn(io_, worker(name, i), asio::detached);
    }
  }
  asio::co_spawn(io_, listen(), asio::detached);
  asio::co_spawn(io_, rescue(), asio::detached);
  asio::co_spawn(io_, refresh_depth(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

void Dispatcher::request_stop() {
  asio::post(io_, [this] {
    stopping_ = true;
    wake_all();
  });
}

void Dispatcher::join() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
  blocking_.join();
}

void Dispatcher::reload(const config::Config& next) {
  asio::post(io_, [this, next] { apply(next); });
}

// On the dispatcher's thread, so config_ and channels_ change between two batches of a worker.
void Dispatcher::apply(config::Config next) {
  if (next.queue.dispatch != config_.queue.dispatch) {
    spdlog::warn("SIGHUP: queue.dispatch takes effect only after a restart");
    next.queue.dispatch = config_.queue.dispatch;
  }
  // Workers exist per channel and per concurrency slot from the start: the running set stays.
  for (const auto& [name, running] : config_.channels) {
    const auto wanted = next.channels.find(name);
    if (wanted == next.channels.end()) {
      spdlog::warn("SIGHUP: channel {} was removed from the config; it keeps sending with its old settings "
                   "until a restart",
                   name);
      next.channels.emplace(name, running);
      continue;
    }
    if (wanted->second.concurrency != running.concurrency) {
      spdlog::warn("SIGHUP: channels.{}.concurrency takes effect only after a restart ({} workers keep running)",
                   name, running.concurrency);
    }
  }
  for (auto it = next.channels.begin(); it != next.channels.end();) {
    if (config_.channels.contains(it->first)) {
      ++it;
      continue;
    }
    spdlog::warn("SIGHUP: channel {} is new; it is set up only after a restart, its deliveries wait meanwhile",
                 it->first);
    it = next.channels.erase(it);
  }

  for (auto& [name, wanted] : next.channels) {
    const auto& running = config_.channels.at(name);
    wanted.concurrency = running.concurrency;  // the number of workers that actually run
    if (same_settings(wanted, running) && !reads_files(wanted)) continue;
    config::Config one;
    one.channels.emplace(name, wanted);
    try {
      channels_[name] = channel::make_channels(one, blocking_.get_executor()).at(name);
      if (!same_settings(wanted, running)) spdlog::info("SIGHUP: channel {} uses its new settings", name);
    } catch (const std::exception& e) {
      // The drivers' messages name the key and the file, never a secret's content.
      spdlog::error("SIGHUP: channel {} keeps its old settings, the new ones cannot be set up: {}", name, e.what());
      wanted = running;
    }
  }
  // Reconnecting the LISTEN connection on the fly is not worth it: the pool is bound anyway.
  next.database = config_.database;
  config_ = std::move(next);
  render_options_.sms_max_segments = static_cast<std::size_t>(config_.sms_max_segments);
  wake_all();  // a shorter poll or a larger batch applies now, not after the current sleep
}

void Dispatcher::wake_all() {
  for (auto* timer : sleepers_) timer->cancel();
}

milliseconds Dispatcher::jittered_poll() {
  const auto base = config_.queue.poll.count();
  std::uniform_int_distribution<long long> spread(base / 2, base + base / 2);
  return milliseconds(std::max<long long>(10, spread(random_)));
}

asio::awaitable<void> Dispatcher::sleep(milliseconds duration) {
  asio::steady_timer timer(io_, duration);
  sleepers_.insert(&timer);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  sleepers_.erase(&timer);
}

// Phone numbers, e-mail addresses and verification texts are sealed at rest
// (privacy/personal_data_keys.hpp); they are opened here, on a database thread, just before
// sending, and exist in clear only in memory.
void Dispatcher::open_sealed(Row& row) const {
  try {
    if (row.phone) row.phone = keys_.open(*row.phone, "phone");
    if (row.email) row.email = keys_.open(*row.email, "email");
    if (row.push_token) row.push_token = keys_.open(*row.push_token, "push_token");
    if (row.body) row.body = keys_.open(*row.body, "verification");
  } catch (const privacy::KeyError& e) {
    row.open_error = std::string("cannot open the sealed recipient data: ") + e.what();
  }
}

asio::awaitable<void> Dispatcher::worker(std::string channel_name, int index) {
  const std::string owner = process_id_ + ":" + channel_name + ":" + std::to_string(index);
  while (!stopping_) {
    // Read per batch: SIGHUP may have changed them (apply()).
    const double lease_s = static_cast<double>(config_.queue.lease.count());
    const int batch = claim_size(channel_name);
    std::vector<Row> rows;
    try {
      rows = co_await pool_.run([&](db::Connection& c) {
        auto r = c.exec(sql::query("DeliveriesClaim"), channel_name, batch, owner, lease_s);
        std::vector<Row> out;
        for (int i = 0; i < r.rows(); ++i) {
          out.push_back(Row{r.int64(i, 0), r.optional_string(i, 1), r.string(i, 2), r.string(i, 11),
                            r.optional_string(i, 3), r.optional_string(i, 4), r.optional_string(i, 5),
                            r.optional_string(i, 6), r.optional_string(i, 7), r.optional_string(i, 8),
                            r.optional_string(i, 9), r.optional_string(i, 10),
                            static_cast<int>(r.int64(i, 13)), {}});
          open_sealed(out.back());
        }
        return out;
      });
    } catch (const std::exception& e) {
      spdlog::warn("queue {}: claim failed: {}", channel_name, e.what());
    }
    if (rows.empty()) {
      co_await sleep(jittered_poll());
      continue;
    }
    co_await process(channel_name, owner, std::move(rows));
  }
  --running_;
}

// A rate-limited channel claims no more than its workers can send in half a lease, or the
// rescuer would hand the tail of a batch to another worker while it still waits its turn.
int Dispatcher::claim_size(const std::string& channel_name) const {
  const int batch = config_.queue.batch_size;
  const auto& channel = config_.channels.at(channel_name);
  if (channel.rate_per_s <= 0) return batch;
  const double lease_s = static_cast<double>(config_.queue.lease.count());
  const double sendable = channel.rate_per_s * lease_s / 2 / std::max(1, channel.concurrency);
  return std::clamp(static_cast<int>(sendable), 1, batch);
}

asio::awaitable<void> Dispatcher::process(const std::string& channel_name, const std::string& owner,
                                          std::vector<Row> rows) {
  const bool broadcast = channel::is_broadcast_channel(channel_name);
  std::vector<std::string> skip_ids, skip_status, fail_ids, fail_reasons;
  std::vector<channel::OutboundMessage> batch;
  std::map<std::int64_t, int> attempts;
  for (const auto& row : rows) {
    attempts[row.id] = row.attempt;
    if (!row.skip.empty()) {
      skip_ids.push_back(std::to_string(row.id));
      skip_status.push_back(row.skip);
      continue;
    }
    if (!row.open_error.empty()) {
      fail_ids.push_back(std::to_string(row.id));
      fail_reasons.push_back(row.open_error);
      continue;
    }
    auto to = broadcast ? std::nullopt : address(channel_name, row);
    if (!broadcast && !to) {
      fail_ids.push_back(std::to_string(row.id));
      fail_reasons.push_back("no address (participant or device removed)");
      continue;
    }
    message::RenderInput input{channel_name, row.kind, row.title.value_or(""), row.category.value_or(""),
                               row.action_kind.value_or(""),
                               row.kind == "verification" ? row.body.value_or("") : row.message_text.value_or(""),
                               row.action_id.value_or("")};
    auto rendered = message::render(input, render_options_);
    batch.push_back(channel::OutboundMessage{row.id, row.action_id, channel_name, row.kind, to, rendered.title,
                                             rendered.text, rendered.data});
  }
  try {
    if (!skip_ids.empty() || !fail_ids.empty()) {
      co_await pool_.run([&](db::Connection& c) {
        if (!skip_ids.empty()) c.exec(sql::query("DeliveriesSkip"), owner, skip_ids, skip_status);
        if (!fail_ids.empty()) c.exec(sql::query("DeliveriesFail"), owner, fail_ids, fail_reasons);
        return 0;
      });
    }
  } catch (const std::exception& e) {
    spdlog::warn("queue {}: marking skipped rows failed: {} (the rescuer will return them)", channel_name, e.what());
  }
  if (batch.empty()) co_return;
  if (stopping_) {
    std::vector<std::string> ids;
    for (const auto& m : batch) ids.push_back(std::to_string(m.delivery_id));
    try {
      co_await pool_.run([&](db::Connection& c) { return c.exec(sql::query("DeliveriesRelease"), owner, ids).affected(); });
    } catch (const std::exception& e) {
      spdlog::warn("queue {}: release failed: {}", channel_name, e.what());
    }
    co_return;
  }

  co_await send_and_complete(channel_name, owner, std::move(batch), std::move(attempts));
}

asio::awaitable<void> Dispatcher::send_and_complete(const std::string& channel_name, const std::string& owner,
                                                    std::vector<channel::OutboundMessage> batch,
                                                    std::map<std::int64_t, int> attempts) {
  const auto started = std::chrono::steady_clock::now();
  // Our own reference: a SIGHUP may replace the channel in channels_ while this batch is sent.
  const auto channel = channels_.at(channel_name);
  auto results = co_await channel->send(batch);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.histogram("burgernet_send_seconds", "Time to send one batch through a channel.",
                     {{"channel", channel_name}}).observe(seconds);

  std::vector<std::string> sent_ids, sent_refs, retry_ids, retry_delays, retry_reasons;
  std::vector<std::string> fail_ids, fail_reasons, postpone_ids, postpone_delays, postpone_reasons;
  std::vector<std::string> dead_ids, dead_reasons;  // failed, and their device disabled
  const RetryPolicy policy{config_.queue.retry_base, config_.queue.retry_max};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const RandomSource random = [&] { return unit(random_); };
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto id = std::to_string(batch[i].delivery_id);
    // A driver that returned too few results: retry the rest rather than guess.
    const channel::SendResult result = i < results.size() ? results[i] : channel::SendResult(channel::Retry{{}, "no result"});
    if (const auto* sent = std::get_if<channel::Sent>(&result)) {
      sent_ids.push_back(id);
      sent_refs.push_back(sent->provider_ref.value_or(""));
    } else if (const auto* retry = std::get_if<channel::Retry>(&result)) {
      // Never offered to the provider (its circuit is open): wait until the circuit may close,
      // without spending an attempt.
      const auto wait = !retry->counts_attempt && retry->after
                            ? *retry->after
                            : retry_delay(attempts[batch[i].delivery_id], policy, random, retry->after);
      const auto delay = std::to_string(wait.count() / 1000.0);
      auto& ids = retry->counts_attempt ? retry_ids : postpone_ids;
      auto& delays = retry->counts_attempt ? retry_delays : postpone_delays;
      auto& reasons = retry->counts_attempt ? retry_reasons : postpone_reasons;
      ids.push_back(id);
      delays.push_back(delay);
      reasons.push_back(retry->reason);
    } else {
      const auto& failed = std::get<channel::Failed>(result);
      (failed.disable_recipient ? dead_ids : fail_ids).push_back(id);
      (failed.disable_recipient ? dead_reasons : fail_reasons).push_back(failed.reason);
    }
  }
  try {
    auto touched = co_await pool_.run([&](db::Connection& c) {
      // One commit for the whole outcome of the batch: each commit waits for a WAL flush, and
      // the claim already costs one per batch (docs/benchmarks.md, dispatch).
      db::Transaction tx(c);
      std::vector<std::pair<bool, double>> out;
      if (!sent_ids.empty()) {
        auto r = c.exec(sql::query("DeliveriesMarkSent"), owner, sent_ids, sent_refs);
        std::set<std::string> actions;
        for (int i = 0; i < r.rows(); ++i)
          if (!r.is_null(i, 1)) actions.insert(r.string(i, 1));
        if (!actions.empty()) {
          auto a = c.exec(sql::query("ActionsTouchSent"), std::vector<std::string>(actions.begin(), actions.end()));
          for (int i = 0; i < a.rows(); ++i) out.emplace_back(a.boolean(i, 0), a.float64(i, 1));
        }
      }
      if (!retry_ids.empty()) c.exec(sql::query("DeliveriesRetry"), owner, retry_ids, retry_delays, retry_reasons);
      if (!postpone_ids.empty())
        c.exec(sql::query("DeliveriesPostpone"), owner, postpone_ids, postpone_delays, postpone_reasons);
      if (!fail_ids.empty()) c.exec(sql::query("DeliveriesFail"), owner, fail_ids, fail_reasons);
      if (!dead_ids.empty()) c.exec(sql::query("DeliveriesFailDisablingDevice"), owner, dead_ids, dead_reasons);
      tx.commit();
      return out;
    });
    const metrics::Labels labels{{"channel", channel_name}};
    metrics_.counter("burgernet_deliveries_sent_total", "Deliveries sent.", labels).inc(static_cast<double>(sent_ids.size()));
    metrics_.counter("burgernet_deliveries_retried_total", "Deliveries to try again.", labels).inc(static_cast<double>(retry_ids.size() + postpone_ids.size()));
    metrics_.counter("burgernet_deliveries_failed_total", "Deliveries given up.", labels).inc(static_cast<double>(fail_ids.size() + dead_ids.size()));
    const std::vector<double> buckets{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};
    for (const auto& [first, secs] : touched) {
      if (first) metrics_.histogram("burgernet_action_first_send_seconds", "From action to its first send.", {}, buckets).observe(secs);
      metrics_.histogram("burgernet_action_last_send_seconds", "From action to its latest send.", {}, buckets).observe(secs);
    }
  } catch (const std::exception& e) {
    // The rows stay 'sending' under our lease; the rescuer returns them when it runs out.
    spdlog::error("queue {}: completing a batch of {} failed: {}", channel_name, batch.size(), e.what());
  }
}

asio::awaitable<void> Dispatcher::listen() {
  while (!stopping_) {
    std::unique_ptr<db::Connection> connection;
    try {
      // On the database threads: connecting blocks. The pool's connection is not used.
      // A copy: config_ belongs to this thread, the lambda runs on a database thread. Captured by
      // reference: see api/service.cpp on by-value captures inside co_await with g++ 12.
      const std::string url = config_.database.url;
      connection = co_await pool_.run([&url](db::Connection&) {
        auto c = std::make_unique<db::Connection>(url);
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
    try {
      const auto rescued = co_await pool_.run([](db::Connection& c) {
        c.exec(sql::query("ActionsExpire"));
        return c.exec(sql::query("DeliveriesRescue")).int64(0, 0);
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
    try {
      auto depth = co_await pool_.run([](db::Connection& c) {
        std::vector<std::tuple<std::string, std::string, double>> out;
        auto r = c.exec(sql::query("DeliveriesDepth"));
        for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.string(i, 0), r.string(i, 1), static_cast<double>(r.int64(i, 2)));
        return out;
      });
      std::lock_guard lock(depth_mutex_);
      depth_ = std::move(depth);
    } catch (const std::exception&) {
      // Keep the last figures; /readyz reports the database.
    }
    asio::steady_timer timer(io_, milliseconds(2000));
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace burgernet::queue
