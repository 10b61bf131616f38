// libpq connection: connect, prepare-once, execute with parameters, map errors.
#include "burgernet/db/connection.hpp"

#include <libpq-fe.h>

#include <poll.h>

#include <chrono>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "burgernet/db/errors.hpp"

namespace burgernet::db {

Params& Params::add(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return add(std::string(buffer));
}

Params& Params::add(const std::vector<std::string>& values) {
  return add(std::vector<std::optional<std::string>>(values.begin(), values.end()));
}

Params& Params::add(const std::vector<std::optional<std::string>>& values) {
  // Every element is quoted, so commas, braces and the word NULL in a value stay data; only an
  // absent one is written as the bare NULL.
  std::string literal = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) literal += ',';
    if (!values[i]) {
      literal += "NULL";
      continue;
    }
    literal += '"';
    for (char c : *values[i]) {
      if (c == '"' || c == '\\') literal += '\\';
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return add(std::move(literal));
}

std::vector<std::pair<std::string, std::string>> connection_parameters(const std::string& url,
                                                                       const ConnectionOptions& options) {
  // What the URL sets itself. A URL libpq cannot parse is passed on as it is, and the
  // connection attempt reports it.
  std::unordered_map<std::string, std::string> set_by_url;
  char* error = nullptr;
  if (PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &error)) {
    for (PQconninfoOption* o = parsed; o->keyword; ++o) {
      if (o->val && *o->val) set_by_url.emplace(o->keyword, o->val);
    }
    PQconninfoFree(parsed);
  }
  if (error) PQfreemem(error);

  std::vector<std::pair<std::string, std::string>> out = {{"dbname", url}};
  auto fill = [&](const char* key, std::string value) {
    if (!set_by_url.contains(key)) out.emplace_back(key, std::move(value));
  };
  fill("connect_timeout", "5");
  fill("application_name", "burgernet");
  fill("keepalives", "1");
  fill("keepalives_idle", std::to_string(options.keepalive.idle.count()));
  fill("keepalives_interval", std::to_string(options.keepalive.interval.count()));
  fill("keepalives_count", std::to_string(options.keepalive.count));
  fill("tcp_user_timeout", std::to_string(options.keepalive.tcp_user_timeout.count()));

  // No JIT: the planner's estimates for the spatial selection cross jit_above_cost, and the
  // compilation then took 40-60 ms of a 4,764-recipient action's POST (EXPLAIN ANALYZE at
  // 3,000,000 participants), more than the statement's own work. Nothing the daemon runs is
  // long enough to earn it back.
  std::string server_options = "-c jit=off";
  if (options.statement_timeout.count() > 0) {
    server_options += " -c statement_timeout=" + std::to_string(options.statement_timeout.count());
  }
  if (const auto it = set_by_url.find("options"); it != set_by_url.end()) {
    server_options = it->second + " " + server_options;
  }
  out.emplace_back("options", std::move(server_options));
  return out;
}

Connection::Connection(const std::string& url, std::chrono::milliseconds statement_timeout)
    : Connection(url, ConnectionOptions{statement_timeout, {}}) {}

Connection::Connection(const std::string& url, ConnectionOptions options) : url_(url), options_(options) {
  open();
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

void Connection::open() {
  if (conn_) PQfinish(conn_);
  prepared_.clear();
  savepoints_ = 0;
  // expand_dbname: the URL comes first and is expanded; the keys after it are only those it
  // leaves out (and the server options, which add to its own).
  const auto parameters = connection_parameters(url_, options_);
  std::vector<const char*> keys, values;
  for (const auto& [key, value] : parameters) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    // Freed here: a constructor that throws runs no destructor, and a failed connection still
    // holds libpq's buffers (about 36 KB: every retry during an outage leaked them; LeakSanitizer).
    PQfinish(conn_);
    conn_ = nullptr;
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

namespace {

// How long to wait for an answer: the statement timeout and a margin; no limit without a
// statement timeout (migrations, the LISTEN connection).
std::chrono::milliseconds answer_limit(const ConnectionOptions& options) {
  if (options.statement_timeout.count() <= 0) return std::chrono::milliseconds(0);
  const auto margin = options.keepalive.tcp_user_timeout.count() > 0 ? options.keepalive.tcp_user_timeout
                                                                      : std::chrono::milliseconds(10000);
  return options.statement_timeout + margin;
}

// The answer to what PQsend* just sent (`sent` is its return value), as PQexec gives it, but
// waiting at most answer_limit(). The server ends a statement at statement_timeout itself, so
// a longer silence means the server or the path to it stopped answering. Keepalives and
// tcp_user_timeout do not see every such case: a frozen server process, or a proxy (HAProxy,
// PgBouncer) whose backend went silent, has a kernel that acknowledges what we send, and the
// thread would wait for ever. Then the connection is given up (`conn` becomes null, so the pool
// drops it) and DatabaseUnavailable thrown.
PGresult* await_answer(PGconn*& conn, std::unordered_set<std::string>& prepared, const ConnectionOptions& options,
                       const std::string& label, int sent) {
  if (!sent) return nullptr;  // nothing went out; check() reports libpq's message
  const auto limit = answer_limit(options);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  PGresult* last = nullptr;
  for (;;) {
    while (PQisBusy(conn)) {
      int wait_ms = -1;
      if (limit.count() > 0) {
        wait_ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
        if (wait_ms <= 0) {
          PQclear(last);
          PQfinish(conn);
          conn = nullptr;
          prepared.clear();
          throw DatabaseUnavailable(label, "",
                                    "no answer from the database within " + std::to_string(limit.count()) +
                                        " ms; connection given up");
        }
      }
      pollfd fd{PQsocket(conn), POLLIN, 0};
      if (::poll(&fd, 1, wait_ms) > 0 && PQconsumeInput(conn) == 0) break;  // broken: PQgetResult says so
    }
    PGresult* result = PQgetResult(conn);
    if (!result) return last;
    const auto status = PQresultStatus(result);
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      PQclear(last);
      return result;
    }
    // As PQexec: the last result, except that an error ends a script and is the one kept.
    if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
      PQclear(result);
    } else {
      PQclear(last);
      last = result;
    }
  }
}

}  // namespace

Result Connection::exec(const sql::Query& query, const Params& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& v : params.values()) values.push_back(v ? v->c_str() : nullptr);
  if (query.plan_each_time) {
    const int sent = PQsendQueryParams(conn_, query.text.c_str(), static_cast<int>(values.size()), nullptr,
                                       values.data(), nullptr, nullptr, 0);
    return check(query.name, await_answer(conn_, prepared_, options_, query.name, sent));
  }
  if (!prepared_.contains(query.name)) {
    const int sent = PQsendPrepare(conn_, query.name.c_str(), query.text.c_str(), 0, nullptr);
    check(query.name, await_answer(conn_, prepared_, options_, query.name, sent));
    prepared_.insert(query.name);
  }
  const int sent = PQsendQueryPrepared(conn_, query.name.c_str(), static_cast<int>(values.size()), values.data(),
                                       nullptr, nullptr, 0);
  return check(query.name, await_answer(conn_, prepared_, options_, query.name, sent));
}

void Connection::exec_script(std::string_view label, const std::string& sql) {
  const std::string name(label);
  check(name, await_answer(conn_, prepared_, options_, name, PQsendQuery(conn_, sql.c_str())));
}

Transaction::Transaction(Connection& connection) : connection_(connection) {
  if (connection_.in_transaction()) {
    savepoint_ = "burgernet_savepoint_" + std::to_string(connection_.savepoints_ + 1);
    connection_.exec_script("SAVEPOINT", "SAVEPOINT " + savepoint_);
    ++connection_.savepoints_;
  } else {
    connection_.exec_script("BEGIN", "BEGIN");
  }
}

Transaction::~Transaction() {
  if (!savepoint_.empty() && open_) --connection_.savepoints_;
  if (open_ && connection_.healthy()) {
    try {
      if (savepoint_.empty()) {
        connection_.exec_script("ROLLBACK", "ROLLBACK");
      } else {
        connection_.exec_script("ROLLBACK TO SAVEPOINT",
                                "ROLLBACK TO SAVEPOINT " + savepoint_ + "; RELEASE SAVEPOINT " + savepoint_);
      }
    } catch (...) {
      // The connection is gone; the server rolls back on its own. Or the outer transaction
      // is gone already; its owner rolls back.
    }
  }
}

void Transaction::commit() {
  if (savepoint_.empty()) {
    connection_.exec_script("COMMIT", "COMMIT");
  } else {
    connection_.exec_script("RELEASE SAVEPOINT", "RELEASE SAVEPOINT " + savepoint_);
    --connection_.savepoints_;
  }
  open_ = false;
}

}  // namespace burgernet::db
