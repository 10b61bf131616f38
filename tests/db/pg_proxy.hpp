// A TCP proxy in front of the private cluster's unix socket, for tests that make the database
// vanish at a chosen moment: around the COMMIT that follows an ActionInsert, or all at once.
#pragma once

#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace burgernet::testing {

class PgProxy {
 public:
  // What happens to the first COMMIT sent on a connection after it ran ActionInsert.
  enum class Commit {
    kPass,          // nothing
    kHold,          // not forwarded: the connection freezes until release() or down(true)
    kLoseTheReply,  // forwarded (the server commits), its answer dropped, the connection cut
  };

  // `database_url`: a unix-socket URL of the private cluster (host=DIR, port=N).
  explicit PgProxy(const std::string& database_url) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(database_url.c_str(), &error);
    if (!options) throw std::runtime_error("PgProxy: cannot parse the database URL");
    for (auto* o = options; o->keyword; ++o) {
      if (!o->val) continue;
      const std::string key = o->keyword;
      if (key == "host") socket_dir_ = o->val;
      if (key == "port") socket_port_ = o->val;
      if (key == "user") user_ = o->val;
      if (key == "dbname") dbname_ = o->val;
    }
    PQconninfoFree(options);
    if (socket_port_.empty()) socket_port_ = "5432";
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 64) != 0) {
      throw std::runtime_error("PgProxy: cannot listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  PgProxy(const PgProxy&) = delete;
  PgProxy& operator=(const PgProxy&) = delete;
  ~PgProxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    cut_all(/*including_held=*/true);
    std::list<std::unique_ptr<Pipe>> pipes;
    {
      std::lock_guard lock(mutex_);
      pipes.swap(pipes_);
    }
    for (auto& pipe : pipes) {
      pipe->thread.join();
      ::close(pipe->client);
      ::close(pipe->server);
    }
  }

  // The URL to give the daemon: TCP to the proxy, same user and database.
  std::string url() const {
    return "postgresql://" + user_ + "@127.0.0.1:" + std::to_string(port_) + "/" + dbname_ + "?sslmode=disable";
  }
  std::uint16_t port() const { return port_; }

  void on_commit(Commit mode) {
    std::lock_guard lock(mutex_);
    mode_ = mode;
    armed_ = false;
    triggered_ = false;
  }
  // Waits until a COMMIT was held (kHold), or answered by the server and the answer dropped
  // (kLoseTheReply: the transaction committed).
  bool wait_triggered(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return triggered_; });
  }
  // A held COMMIT goes on to the server and the connection works again; or, with
  // `lose_the_reply`, the server commits and its answer is lost with the connection.
  void release(bool lose_the_reply = false) {
    std::lock_guard lock(mutex_);
    released_ = true;
    lose_released_reply_ = lose_the_reply;
  }
  // true: every connection is cut and new ones are closed at once, as if the host vanished;
  // a connection holding a COMMIT stays (frozen) until the server ends it, for instance by
  // pg_terminate_backend.
  void down(bool value) {
    down_ = value;
    if (value) cut_all(/*including_held=*/false);
  }

 private:
  struct Pipe {
    int client = -1, server = -1;
    std::atomic<bool> holding{false};
    std::thread thread;
  };

  static bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
  }

  int connect_server() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket_dir_ + "/.s.PGSQL." + socket_port_;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  void accept_loop() {
    while (!stopping_) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      if (down_) {
        ::close(client);
        continue;
      }
      const int server = connect_server();
      if (server < 0) {
        ::close(client);
        continue;
      }
      std::lock_guard lock(mutex_);
      auto pipe = std::make_unique<Pipe>();
      pipe->client = client;
      pipe->server = server;
      Pipe* raw = pipe.get();
      pipe->thread = std::thread([this, raw] { pump(*raw); });
      pipes_.push_back(std::move(pipe));
    }
  }

  void cut_all(bool including_held) {
    std::lock_guard lock(mutex_);
    for (auto& pipe : pipes_) {
      if (pipe->holding && !including_held) continue;
      ::shutdown(pipe->client, SHUT_RDWR);
      ::shutdown(pipe->server, SHUT_RDWR);
    }
  }

  // Copies bytes both ways; watches the client's for ActionInsert, then for the simple-query
  // COMMIT message ('Q', length 11, "COMMIT\0") that ends its transaction.
  void pump(Pipe& pipe) {
    static constexpr std::string_view kCommit{"Q\0\0\0\x0b" "COMMIT\0", 12};
    static constexpr std::string_view kActionInsert{"ActionInsert\0", 13};
    bool saw_insert = false, holding = false, swallow_reply = false;
    std::string held;
    char buffer[65536];
    for (;;) {
      if (holding) {
        std::unique_lock lock(mutex_);
        if (released_) {
          released_ = false;
          holding = false;
          pipe.holding = false;
          swallow_reply = lose_released_reply_;
          lock.unlock();
          if (::send(pipe.server, held.data(), held.size(), MSG_NOSIGNAL) < 0) break;
        }
      }
      // While holding, nothing moves either way; only either side closing ends it.
      const short events = holding ? POLLRDHUP : POLLIN;
      pollfd fds[2] = {{pipe.client, events, 0}, {pipe.server, events, 0}};
      const int ready = ::poll(fds, 2, 50);
      if (ready < 0) break;
      if ((fds[0].revents | fds[1].revents) & (POLLHUP | POLLERR | POLLNVAL | POLLRDHUP)) break;
      if (holding) continue;
      if (fds[0].revents & POLLIN) {
        const ssize_t n = ::recv(pipe.client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        const std::string_view chunk(buffer, static_cast<std::size_t>(n));
        bool hold = false;
        if (contains(chunk, kActionInsert)) saw_insert = true;
        if (saw_insert && contains(chunk, kCommit)) {
          std::lock_guard lock(mutex_);
          if (!armed_ && mode_ != Commit::kPass) {
            armed_ = true;  // one connection only
            if (mode_ == Commit::kHold) {
              // Marked before the test hears of it, so that down() leaves this one alone.
              hold = true;
              pipe.holding = true;
              triggered_ = true;
              changed_.notify_all();
            } else {
              swallow_reply = true;  // triggered once the server has answered, below
            }
          }
        }
        if (hold) {
          held.assign(chunk);
          holding = true;
          continue;
        }
        if (::send(pipe.server, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
      }
      if (fds[1].revents & POLLIN) {
        const ssize_t n = ::recv(pipe.server, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        // The server answered the COMMIT, so it committed: the client never learns it.
        if (swallow_reply) {
          std::lock_guard lock(mutex_);
          triggered_ = true;
          changed_.notify_all();
          break;
        }
        if (::send(pipe.client, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) < 0) break;
      }
    }
    ::shutdown(pipe.client, SHUT_RDWR);
    ::shutdown(pipe.server, SHUT_RDWR);
  }

  std::string socket_dir_, socket_port_, user_, dbname_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> down_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::list<std::unique_ptr<Pipe>> pipes_;
  Commit mode_ = Commit::kPass;
  bool armed_ = false;
  bool triggered_ = false;
  bool released_ = false;
  bool lose_released_reply_ = false;
};

}  // namespace burgernet::testing
