// A freshly migrated database per test, cloned from a template on the private cluster.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "burgernet/db/connection.hpp"

namespace burgernet::testing {

// The cluster's URL from BURGERNET_TEST_DATABASE_URL (scripts/test sets it); database tests
// fail, not skip, without it, so that a CI run cannot pass by testing nothing.
std::string cluster_url();

// `url` with its database name replaced.
std::string url_for_database(const std::string& url, const std::string& database);

// Creates (once per schema version, shared by all test processes) a migrated template, then a
// new database from it. Dropped in the destructor.
class TestDatabase {
 public:
  TestDatabase();
  // An empty database without migrations (to test the migration runner itself).
  static std::unique_ptr<TestDatabase> empty();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  db::Connection& connection();
  // Runs a statement without parameters and returns the first column of the first row ("" if none).
  std::string scalar(const std::string& sql);
  // Asks scalar(sql) every 50 ms until it answers `expected` (true) or `timeout` has passed.
  bool wait_for(const std::string& sql, const std::string& expected, std::chrono::milliseconds timeout);

 private:
  struct Empty {};
  explicit TestDatabase(Empty);
  std::string name_;
  std::string url_;
  std::unique_ptr<db::Connection> connection_;
};

// A gtest fixture with a fresh database.
class DatabaseTest : public ::testing::Test {
 protected:
  TestDatabase database;
};

}  // namespace burgernet::testing
