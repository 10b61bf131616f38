// A query result: owns the PGresult and reads typed values from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct pg_result;

namespace burgernet::db {

class Result {
 public:
  explicit Result(pg_result* result) noexcept : result_(result) {}
  Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
  Result& operator=(Result&& other) noexcept;
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result();

  int rows() const;
  bool empty() const { return rows() == 0; }
  // Rows changed by INSERT/UPDATE/DELETE.
  std::int64_t affected() const;

  bool is_null(int row, int column) const;
  std::string_view text(int row, int column) const;
  std::string string(int row, int column) const { return std::string(text(row, column)); }
  std::optional<std::string> optional_string(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  double float64(int row, int column) const;
  bool boolean(int row, int column) const;
  // A column by name; throws std::out_of_range for an unknown name.
  int column(std::string_view name) const;

 private:
  pg_result* result_;
};

}  // namespace burgernet::db
