// One libpq connection: parameterized statements only, prepared once per connection by name.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "burgernet/db/result.hpp"
#include "burgernet/sql/query.hpp"

struct pg_conn;

namespace burgernet::db {

// Statement parameters in PostgreSQL's text format; nullopt is SQL NULL.
class Params {
 public:
  Params() = default;
  template <typename... Args>
  explicit Params(const Args&... args) {
    (add(args), ...);
  }

  Params& add(std::nullptr_t) { values_.emplace_back(std::nullopt); return *this; }
  Params& add(std::string value) { values_.emplace_back(std::move(value)); return *this; }
  Params& add(std::string_view value) { return add(std::string(value)); }
  Params& add(const char* value) { return add(std::string(value)); }
  Params& add(bool value) { return add(std::string(value ? "t" : "f")); }
  Params& add(int value) { return add(std::to_string(value)); }
  Params& add(long value) { return add(std::to_string(value)); }
  Params& add(long long value) { return add(std::to_string(value)); }
  Params& add(unsigned value) { return add(std::to_string(value)); }
  Params& add(unsigned long value) { return add(std::to_string(value)); }
  Params& add(double value);
  // A text[] array literal.
  Params& add(const std::vector<std::string>& values);
  // A text[] array literal whose nullopt elements are NULL.
  Params& add(const std::vector<std::optional<std::string>>& values);
  template <typename T>
  Params& add(const std::optional<T>& value) {
    if (value) return add(*value);
    return add(nullptr);
  }

  std::size_t size() const { return values_.size(); }
  const std::vector<std::optional<std::string>>& values() const { return values_; }

 private:
  std::vector<std::optional<std::string>> values_;
};

// TCP keepalives and TCP_USER_TIMEOUT on every connection: without them a database host that
// vanishes (power, a cut link, a failover that moves the address) leaves a connection waiting
// for the kernel's two hours, and with it the thread and every request queued behind it. With
// these defaults an idle connection to a dead host is given up after about 5 + 2 x 3 s, and
// one with a statement in flight once 10 s pass without an acknowledgement. libpq ignores them
// on a unix socket. A key the URL sets itself wins (connection_parameters()).
struct KeepaliveOptions {
  std::chrono::seconds idle{5};      // keepalives_idle: quiet time before the first probe
  std::chrono::seconds interval{2};  // keepalives_interval: between unanswered probes
  int count = 3;                     // keepalives_count: unanswered probes before giving up
  std::chrono::milliseconds tcp_user_timeout{10000};  // 0: the system's default
};

struct ConnectionOptions {
  std::chrono::milliseconds statement_timeout{0};  // 0: none
  KeepaliveOptions keepalive;
};

// The libpq key words and values a connection to `url` is opened with, in order: the URL first
// (expanded by libpq), then only the keys it does not set itself (connect_timeout,
// application_name, keepalives*, tcp_user_timeout). `options` is the exception: ours (no JIT,
// the statement timeout) are appended to the URL's. Pure, for the tests.
std::vector<std::pair<std::string, std::string>> connection_parameters(const std::string& url,
                                                                       const ConnectionOptions& options);

class Connection {
 public:
  // Connects at once; throws DatabaseUnavailable if the server cannot be reached.
  explicit Connection(const std::string& url, std::chrono::milliseconds statement_timeout = {});
  Connection(const std::string& url, ConnectionOptions options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  Result exec(const sql::Query& query, const Params& params = {});
  template <typename... Args>
  Result exec(const sql::Query& query, const Args&... args) {
    return exec(query, Params(args...));
  }
  // A script without parameters (migrations, BEGIN/COMMIT). Never pass user input here.
  void exec_script(std::string_view label, const std::string& sql);

  // False once the server went away; the pool then reconnects.
  bool healthy() const;
  // Like healthy(), but also notices a server that closed the idle socket (a restart) without
  // sending a query: one poll(2), no round trip.
  bool probe();
  // Drops the old session and opens a new one; throws DatabaseUnavailable on failure.
  void reconnect();
  bool in_transaction() const;
  pg_conn* native() const { return conn_; }

 private:
  void open();
  Result check(const std::string& label, pg_result* result);

  friend class Transaction;

  std::string url_;
  ConnectionOptions options_;
  pg_conn* conn_ = nullptr;
  std::unordered_set<std::string> prepared_;
  int savepoints_ = 0;  // open db::Transaction objects nested inside the outermost one
};

// Rolls back unless committed: a transaction that throws leaves nothing behind. Nested inside
// another on the same connection it is a SAVEPOINT: commit() releases it, and without commit()
// only its own statements are undone, so an outer transaction (the Idempotency-Key record,
// api/action_routes.cpp) can go on, store its answer and commit everything at once.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection& connection_;
  std::string savepoint_;  // empty: the outermost transaction
  bool open_ = true;
};

}  // namespace burgernet::db
