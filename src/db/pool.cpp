// Connection pool: lazily opened, bounded, reconnecting after a server restart.
#include "burgernet/db/pool.hpp"

#include "burgernet/db/errors.hpp"

namespace burgernet::db {

Pool::Pool(PoolOptions options)
    : options_(std::move(options)),
      connection_options_{options_.statement_timeout, options_.keepalive},
      threads_(options_.size) {}

Pool::~Pool() { stop(); }

void Pool::stop() {
  threads_.stop();
  threads_.join();
}

// The queue is the thread pool's: a run() beyond `size` waits there for a thread (each thread
// holds at most one connection, so a thread never waits long for a connection). Counting
// admissions bounds it without a lock; a refusal costs no database round trip, so an overload
// is answered 503 at once instead of after acquire_timeout.
Pool::Admission::Admission(Pool& pool) : pool_(pool) {
  const std::size_t before = pool_.pending_.fetch_add(1);
  const auto& limit = pool_.options_.max_waiting;
  if (limit && before >= pool_.options_.size + *limit) {
    pool_.pending_.fetch_sub(1);
    if (pool_.options_.on_rejected) pool_.options_.on_rejected();
    throw PoolQueueFull("queue", "", "too much database work is waiting; retry");
  }
}

Pool::Admission::~Admission() { pool_.pending_.fetch_sub(1); }

void Pool::check_queue_time(std::chrono::steady_clock::time_point queued_at) const {
  if (options_.queue_timeout.count() > 0 && std::chrono::steady_clock::now() - queued_at > options_.queue_timeout) {
    if (options_.on_timed_out) options_.on_timed_out();
    throw DatabaseUnavailable("queue", "", "waited too long for a database connection");
  }
}

Pool::Lease::~Lease() {
  if (connection_) pool_->release(std::move(connection_));
}

Pool::Lease Pool::acquire(std::chrono::steady_clock::time_point since) {
  std::unique_ptr<Connection> connection;
  {
    std::unique_lock lock(mutex_);
    const bool got = available_.wait_for(lock, options_.acquire_timeout,
                                         [&] { return !idle_.empty() || open_ < options_.size; });
    if (!got) {
      if (options_.on_timed_out) options_.on_timed_out();
      throw DatabaseUnavailable("acquire", "", "no free database connection");
    }
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot; connecting happens outside the lock
    }
  }
  if (options_.on_waited) {
    options_.on_waited(std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
  }
  try {
    if (!connection) {
      connection = std::make_unique<Connection>(options_.url, connection_options_);
    } else if (!connection->probe()) {
      connection->reconnect();
    }
  } catch (...) {
    std::lock_guard lock(mutex_);
    --open_;
    available_.notify_one();
    throw;
  }
  return Lease(*this, std::move(connection));
}

void Pool::release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  // A connection left inside a transaction (its owner threw between BEGIN and the rollback)
  // or broken is dropped rather than reused with unknown state.
  if (connection->healthy() && !connection->in_transaction()) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;
  }
  available_.notify_one();
}

}  // namespace burgernet::db
