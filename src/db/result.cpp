// Typed reads from a PGresult.
#include "burgernet/db/result.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <stdexcept>

namespace burgernet::db {

Result& Result::operator=(Result&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

Result::~Result() {
  if (result_) PQclear(result_);
}

int Result::rows() const { return result_ ? PQntuples(result_) : 0; }

std::int64_t Result::affected() const {
  const char* n = result_ ? PQcmdTuples(result_) : "";
  return *n ? std::stoll(n) : 0;
}

bool Result::is_null(int row, int column) const { return PQgetisnull(result_, row, column) == 1; }

std::string_view Result::text(int row, int column) const {
  return {PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::optional<std::string> Result::optional_string(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return string(row, column);
}

std::int64_t Result::int64(int row, int column) const {
  const auto value = text(row, column);
  std::int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc{} || ptr != value.data() + value.size()) {
    throw std::runtime_error("not an integer in column " + std::to_string(column));
  }
  return out;
}

double Result::float64(int row, int column) const { return std::stod(string(row, column)); }

bool Result::boolean(int row, int column) const { return text(row, column) == "t"; }

int Result::column(std::string_view name) const {
  const int n = PQfnumber(result_, std::string(name).c_str());
  if (n < 0) throw std::out_of_range("no column " + std::string(name));
  return n;
}

}  // namespace burgernet::db
