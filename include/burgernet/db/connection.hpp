// One libpq connection: parameterized statements only, prepared once per connection by name.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
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

class Connection {
 public:
  // Connects at once; throws DatabaseUnavailable if the server cannot be reached.
  explicit Connection(const std::string& url, std::chrono::milliseconds statement_timeout = {});
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

  std::string url_;
  std::chrono::milliseconds statement_timeout_;
  pg_conn* conn_ = nullptr;
  std::unordered_set<std::string> prepared_;
};

// Rolls back unless committed: a transaction that throws leaves nothing behind.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

}  // namespace burgernet::db
