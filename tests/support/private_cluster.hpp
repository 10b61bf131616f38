// A throw-away PostgreSQL cluster of the test's own, for tests that stop and start the server
// (the shared test cluster must stay up for the tests running beside them).
#pragma once

#include <cstdint>
#include <string>

namespace burgernet::testing {

class PrivateCluster {
 public:
  // initdb into a new temporary folder and start on a free port (socket only).
  PrivateCluster();
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;
  ~PrivateCluster();

  // The URL of database `burgernet` (created, with PostGIS available).
  std::string url() const;
  void start();
  // Fast shutdown: clients are disconnected, as in a real restart.
  void stop();

 private:
  void run(const std::string& command) const;
  std::string dir_;
  std::uint16_t port_;
  bool running_ = false;
};

}  // namespace burgernet::testing
