// libpq connection: connect, prepare-once, execute with parameters, map errors.
#include "burgernet/db/connection.hpp"

#include <libpq-fe.h>

#include <poll.h>

#include <cstdio>

#include "burgernet/db/errors.hpp"

namespace burgernet::db {

Params& Params::add(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return add(std::string(buffer));
}

Params& Params::add(const std::vector<std::string>& values) {
  // Every element is quoted, so commas, braces and the word NULL in a value stay data.
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) literal += ',';
    literal += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return add(std::move(literal));
}

Connection::Connection(const std::string& url, std::chrono::milliseconds statement_timeout)
    : url_(url), statement_timeout_(statement_timeout) {
  open();
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

void Connection::open() {
  if (conn_) PQfinish(conn_);
  prepared_.clear();
  // No JIT: the planner's estimates for the spatial selection cross jit_above_cost, and the
  // compilation then took 40-60 ms of a 4,764-recipient action's POST (EXPLAIN ANALYZE at
  // 3,000,000 participants), more than the statement's own work. Nothing the daemon runs is
  // long enough to earn it back.
  std::string options = "-c jit=off";
  if (statement_timeout_.count() > 0) {
    options += " -c statement_timeout=" + std::to_string(statement_timeout_.count());
  }
  // expand_dbname: the URL supplies everything; the extra keys only fill what it leaves out.
  const char* keys[] = {"dbname", "connect_timeout", "application_name", "options", nullptr};
  const char* values[] = {url_.c_str(), "5", "burgernet", options.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    throw DatabaseUnavailable("connect", "", "cannot connect to the database: " + message);
  }
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

void Connection::reconnect() { open(); }

bool Connection::healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

bool Connection::probe() {
  if (!healthy()) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (::poll(&fd, 1, 0) > 0) {
    // Readable while idle: either a notification or the server closing the socket.
    if (PQconsumeInput(conn_) == 0) return false;
  }
  return healthy();
}

bool Connection::in_transaction() const {
  return conn_ && PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

Result Connection::check(const std::string& label, PGresult* raw) {
  Result result(raw);
  const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN) return result;
  const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn_);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  // A dropped socket shows up as a fatal error without SQLSTATE; once the connection is
  // bad, every error on it is an outage, whatever libpq calls it.
  if (PQstatus(conn_) != CONNECTION_OK) throw DatabaseUnavailable(label, state ? state : "", message);
  throw_for_sqlstate(label, state ? state : "", message);
}

Result Connection::exec(const sql::Query& query, const Params& params) {
  if (!prepared_.contains(query.name)) {
    check(query.name, PQprepare(conn_, query.name.c_str(), query.text.c_str(), 0, nullptr));
    prepared_.insert(query.name);
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  return check(query.name, PQexecPrepared(conn_, query.name.c_str(), static_cast<int>(values.size()),
                                          values.data(), nullptr, nullptr, 0));
}

void Connection::exec_script(std::string_view label, const std::string& sql) {
  check(std::string(label), PQexec(conn_, sql.c_str()));
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  connection_.exec_script("BEGIN", "BEGIN");
}

Transaction::~Transaction() {
  if (open_ && connection_.healthy()) {
    try {
      connection_.exec_script("ROLLBACK", "ROLLBACK");
    } catch (...) {
      // The connection is gone; the server rolls back on its own.
    }
  }
}

void Transaction::commit() {
  connection_.exec_script("COMMIT", "COMMIT");
  open_ = false;
}

}  // namespace burgernet::db
