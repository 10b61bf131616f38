// Maps SQLSTATE classes to the typed errors callers act on.
#include "burgernet/db/errors.hpp"

namespace burgernet::db {

void throw_for_sqlstate(const std::string& query, const std::string& sqlstate, const std::string& message) {
  const std::string cls = sqlstate.substr(0, 2);
  // 08: connection exceptions; 57P01-57P03: the server is shutting down or not yet up; an
  // empty state is libpq's own failure (the socket closed).
  if (sqlstate.empty() || cls == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    throw DatabaseUnavailable(query, sqlstate, message);
  }
  if (sqlstate == "23505") throw UniqueViolation(query, sqlstate, message);
  if (sqlstate == "40001" || sqlstate == "40P01") throw SerializationFailure(query, sqlstate, message);
  if (sqlstate == "57014") throw QueryCanceled(query, sqlstate, message);
  throw DatabaseError(query, sqlstate, message);
}

}  // namespace burgernet::db
