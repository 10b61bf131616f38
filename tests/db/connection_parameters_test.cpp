// The libpq parameters every connection is opened with: keepalives and TCP_USER_TIMEOUT added,
// a URL's own settings kept.
#include <gtest/gtest.h>

#include <map>

#include "burgernet/db/connection.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> parameters(const std::string& url, const db::ConnectionOptions& options = {}) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : db::connection_parameters(url, options)) {
    EXPECT_FALSE(out.contains(key)) << key << " twice";
    out[key] = value;
  }
  return out;
}

TEST(ConnectionParameters, CarryKeepalivesAndTheUserTimeout) {
  db::ConnectionOptions options;
  options.statement_timeout = 2500ms;
  options.keepalive = {7s, 3s, 4, 9000ms};
  const auto p = parameters("postgresql://burgernet@db.example:5432/burgernet", options);
  EXPECT_EQ(p.at("dbname"), "postgresql://burgernet@db.example:5432/burgernet");
  EXPECT_EQ(p.at("keepalives"), "1");
  EXPECT_EQ(p.at("keepalives_idle"), "7");
  EXPECT_EQ(p.at("keepalives_interval"), "3");
  EXPECT_EQ(p.at("keepalives_count"), "4");
  EXPECT_EQ(p.at("tcp_user_timeout"), "9000");
  EXPECT_EQ(p.at("connect_timeout"), "5");
  EXPECT_EQ(p.at("application_name"), "burgernet");
  EXPECT_EQ(p.at("options"), "-c jit=off -c statement_timeout=2500");
  // The URL first: libpq expands it, and the keys after it must not undo what it sets.
  EXPECT_EQ(db::connection_parameters("postgresql://x@h/d", {}).front().first, "dbname");
}

TEST(ConnectionParameters, TheDefaultsNoticeADeadHostWithinSeconds) {
  const auto p = parameters("postgresql://burgernet@db.example/burgernet");
  const int idle = std::stoi(p.at("keepalives_idle")), interval = std::stoi(p.at("keepalives_interval")),
            count = std::stoi(p.at("keepalives_count"));
  EXPECT_LE(idle + interval * count, 30);
  EXPECT_GT(std::stoi(p.at("tcp_user_timeout")), 0);
  EXPECT_LE(std::stoi(p.at("tcp_user_timeout")), 30000);
}

TEST(ConnectionParameters, WhatTheUrlSetsWins) {
  const auto p = parameters(
      "postgresql://burgernet@db.example/burgernet?keepalives_idle=60&tcp_user_timeout=0&application_name=x"
      "&options=-c%20work_mem%3D8MB");
  EXPECT_FALSE(p.contains("keepalives_idle"));
  EXPECT_FALSE(p.contains("tcp_user_timeout"));
  EXPECT_FALSE(p.contains("application_name"));
  EXPECT_EQ(p.at("keepalives_interval"), "2");
  // The server options add to the URL's, after them.
  EXPECT_EQ(p.at("options"), "-c work_mem=8MB -c jit=off");
  // The key=value form too.
  const auto q = parameters("host=db.example dbname=burgernet keepalives=0");
  EXPECT_FALSE(q.contains("keepalives"));
  EXPECT_EQ(q.at("keepalives_count"), "3");
}

TEST(ConnectionParameters, AUnixSocketUrlGetsThemAndLibpqIgnoresThem) {
  const auto p = parameters("postgresql://burgernet@/burgernet?host=/run/postgresql&port=5432");
  EXPECT_EQ(p.at("keepalives"), "1");
  // An unparsable URL is passed on unchanged, for libpq to report.
  EXPECT_EQ(parameters("postgresql://[broken").at("dbname"), "postgresql://[broken");
}

}  // namespace
}  // namespace burgernet::testing
