// A forwarder between a daemon and the private PostgreSQL cluster that a test can cut, as if
// the database host went away: its own unix socket directory, every byte passed through until
// cut() closes every connection and refuses new ones; restore() lets them in again.
#pragma once

#include <memory>
#include <string>

namespace burgernet::testing {

class DatabaseProxy {
 public:
  // `database_url` is the cluster's (host= a socket directory, port=); url() is the same with
  // the proxy's directory.
  explicit DatabaseProxy(const std::string& database_url);
  ~DatabaseProxy();
  DatabaseProxy(const DatabaseProxy&) = delete;
  DatabaseProxy& operator=(const DatabaseProxy&) = delete;

  std::string url() const;
  // Closes every forwarded connection and refuses new ones (the socket is gone).
  void cut();
  void restore();
  std::size_t connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace burgernet::testing
