// initdb + pg_ctl, run as the `postgres` user when the tests run as root (PostgreSQL refuses root).
#include "support/private_cluster.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "support/daemon_process.hpp"

namespace burgernet::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

std::string as_server_user(const std::string& command) {
  if (geteuid() != 0) return command;
  return "cd / && runuser -u postgres -- " + command;
}

}  // namespace

PrivateCluster::PrivateCluster() : port_(free_port()) {
  // /var/tmp, not $TMPDIR: the postgres user must be able to reach it.
  char pattern[] = "/var/tmp/burgernet-cluster-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  if (geteuid() == 0) run("chown postgres " + dir_);
  run(as_server_user(std::string(kBin) + "/initdb -D " + dir_ + "/data --auth=trust -E UTF8 --locale=C >/dev/null"));
  start();
  run(as_server_user(std::string(kBin) + "/createdb -h " + dir_ + " -p " + std::to_string(port_) + " burgernet"));
}

PrivateCluster::~PrivateCluster() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PrivateCluster::url() const {
  return "postgresql://" + std::string(geteuid() == 0 ? "postgres" : std::getenv("USER") ? std::getenv("USER") : "") +
         "@/burgernet?host=" + dir_ + "&port=" + std::to_string(port_);
}

void PrivateCluster::start() {
  run(as_server_user(std::string(kBin) + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/log -w -o \"-p " +
                     std::to_string(port_) + " -k " + dir_ + " -c listen_addresses=''\" start >/dev/null"));
  running_ = true;
}

void PrivateCluster::stop() {
  if (!running_) return;
  run(as_server_user(std::string(kBin) + "/pg_ctl -D " + dir_ + "/data -m fast -w stop >/dev/null"));
  running_ = false;
}

void PrivateCluster::run(const std::string& command) const {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace burgernet::testing
