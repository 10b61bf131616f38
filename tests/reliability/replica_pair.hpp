// A primary and its streaming standby, two throw-away PostgreSQL 15 clusters of the test's own,
// for failover tests: stop the primary, promote the standby, as Patroni would.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "support/daemon_process.hpp"

namespace burgernet::testing::reliability {

class ReplicaPair {
 public:
  // Commits on the primary wait for the standby (synchronous_standby_names = '*'), as with
  // Patroni's synchronous_mode: what the daemon saw committed is on the standby too.
  ReplicaPair() : primary_port_(free_port()), standby_port_(free_port()) {
    char pattern[] = "/var/tmp/burgernet-pair-XXXXXX";  // the postgres user must reach it
    if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    if (geteuid() == 0) run("chown postgres " + dir_);
    as_server("mkdir " + dir_ + "/a " + dir_ + "/b");
    as_server(bin("initdb") + " -D " + dir_ + "/primary --auth=trust -E UTF8 --locale=C >/dev/null");
    start("primary", primary_port_, "a");
    primary_running_ = true;
    as_server(bin("createdb") + " -h " + dir_ + "/a -p " + std::to_string(primary_port_) + " burgernet");
    // -R writes primary_conninfo and standby.signal: the copy starts as a streaming standby.
    as_server(bin("pg_basebackup") + " -h " + dir_ + "/a -p " + std::to_string(primary_port_) + " -D " + dir_ +
              "/standby -R -X stream -c fast >/dev/null");
    start("standby", standby_port_, "b");
    standby_running_ = true;
    as_server(bin("psql") + " -q -h " + dir_ + "/a -p " + std::to_string(primary_port_) +
              " -d burgernet -c \"ALTER SYSTEM SET synchronous_standby_names = '*'\" -c \"SELECT pg_reload_conf()\" "
              ">/dev/null");
  }
  ReplicaPair(const ReplicaPair&) = delete;
  ReplicaPair& operator=(const ReplicaPair&) = delete;
  ~ReplicaPair() {
    try {
      if (primary_running_) stop("primary");
      if (standby_running_) stop("standby");
    } catch (...) {
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Both hosts; libpq tries them in order and keeps the one that accepts writes.
  std::string url() const {
    return "postgresql://" + user() + "@/burgernet?host=" + dir_ + "/a," + dir_ + "/b&port=" +
           std::to_string(primary_port_) + "," + std::to_string(standby_port_) + "&target_session_attrs=read-write";
  }
  std::string primary_url() const { return one_url("a", primary_port_); }
  std::string standby_url() const { return one_url("b", standby_port_); }

  // Fast shutdown: clients are disconnected; the WAL is sent to the standby first.
  void stop_primary() {
    stop("primary");
    primary_running_ = false;
  }
  // Waits until the standby accepts writes.
  void promote_standby() { as_server(bin("pg_ctl") + " -D " + dir_ + "/standby -w promote >/dev/null"); }

 private:
  static std::string bin(const std::string& program) { return "/usr/lib/postgresql/15/bin/" + program; }
  static std::string user() {
    if (geteuid() == 0) return "postgres";
    const char* name = std::getenv("USER");
    return name ? name : "";
  }
  std::string one_url(const std::string& socket, std::uint16_t port) const {
    return "postgresql://" + user() + "@/burgernet?host=" + dir_ + "/" + socket + "&port=" + std::to_string(port);
  }
  void start(const std::string& data, std::uint16_t port, const std::string& socket) {
    as_server(bin("pg_ctl") + " -D " + dir_ + "/" + data + " -l " + dir_ + "/" + data + ".log -w -o \"-p " +
              std::to_string(port) + " -k " + dir_ + "/" + socket + " -c listen_addresses=''\" start >/dev/null");
  }
  void stop(const std::string& data) {
    as_server(bin("pg_ctl") + " -D " + dir_ + "/" + data + " -m fast -w stop >/dev/null");
  }
  void as_server(const std::string& command) const {
    run(geteuid() == 0 ? "cd / && runuser -u postgres -- sh -c '" + escape(command) + "'" : command);
  }
  static std::string escape(const std::string& command) {
    std::string out;
    for (char c : command) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out;
  }
  static void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }

  std::string dir_;
  std::uint16_t primary_port_, standby_port_;
  bool primary_running_ = false, standby_running_ = false;
};

}  // namespace burgernet::testing::reliability
