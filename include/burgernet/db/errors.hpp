// Typed database errors: SQLSTATEs the request path and the queue act on.
#pragma once

#include <stdexcept>
#include <string>

namespace burgernet::db {

// Any failure reported by PostgreSQL or libpq. `sqlstate` is empty where libpq gave none.
class DatabaseError : public std::runtime_error {
 public:
  DatabaseError(std::string query, std::string sqlstate, const std::string& message)
      : std::runtime_error(message), query_(std::move(query)), sqlstate_(std::move(sqlstate)) {}
  const std::string& query() const { return query_; }
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string query_;
  std::string sqlstate_;
};

// The server cannot be reached or went away: answered as 503, retried by workers.
class DatabaseUnavailable : public DatabaseError {
  using DatabaseError::DatabaseError;
};

// The pool's queue of waiting work is full: refused at once, without touching the database.
// A DatabaseUnavailable, so that every caller that answers an outage with 503 and Retry-After
// answers this the same way.
class PoolQueueFull : public DatabaseUnavailable {
  using DatabaseUnavailable::DatabaseUnavailable;
};

class UniqueViolation : public DatabaseError {
  using DatabaseError::DatabaseError;
};

class SerializationFailure : public DatabaseError {
  using DatabaseError::DatabaseError;
};

// The statement ran longer than its timeout.
class QueryCanceled : public DatabaseError {
  using DatabaseError::DatabaseError;
};

// Throws the DatabaseError subclass that fits the SQLSTATE.
[[noreturn]] void throw_for_sqlstate(const std::string& query, const std::string& sqlstate,
                                     const std::string& message);

}  // namespace burgernet::db
