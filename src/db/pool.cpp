// Connection pool: lazily opened, bounded, reconnecting after a server restart.
#include "burgernet/db/pool.hpp"

#include "burgernet/db/errors.hpp"

namespace burgernet::db {

Pool::Pool(PoolOptions options) : options_(std::move(options)), threads_(options_.size) {}

Pool::~Pool() { stop(); }

void Pool::stop() {
  threads_.stop();
  threads_.join();
}

Pool::Lease::~Lease() {
  if (connection_) pool_->release(std::move(connection_));
}

Pool::Lease Pool::acquire() {
  std::unique_ptr<Connection> connection;
  {
    std::unique_lock lock(mutex_);
    const bool got = available_.wait_for(lock, options_.acquire_timeout,
                                         [&] { return !idle_.empty() || open_ < options_.size; });
    if (!got) throw DatabaseUnavailable("acquire", "", "no free database connection");
    if (!idle_.empty()) {
      connection = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot; connecting happens outside the lock
    }
  }
  try {
    if (!connection) {
      connection = std::make_unique<Connection>(options_.url, options_.statement_timeout);
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
