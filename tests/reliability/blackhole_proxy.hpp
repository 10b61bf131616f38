// A TCP proxy on loopback that can turn into a black hole: it stops moving bytes either way and
// keeps every socket open, so neither side hears anything (no reset, no close), as behind a
// firewall that drops packets or a peer that froze. Upstream is a unix socket (a PostgreSQL
// cluster's) or a TCP port (a fake provider's).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace burgernet::testing::reliability {

class BlackholeProxy {
 public:
  static BlackholeProxy to_unix_socket(std::string path) {
    return BlackholeProxy([path] {
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
      ::close(fd);
      return -1;
    });
  }
  static BlackholeProxy to_tcp_port(std::uint16_t port) {
    return BlackholeProxy([port] {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(port);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) return fd;
      ::close(fd);
      return -1;
    });
  }

  explicit BlackholeProxy(std::function<int()> connect_upstream) : connect_upstream_(std::move(connect_upstream)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 256) != 0) {
      throw std::runtime_error("BlackholeProxy: cannot listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  BlackholeProxy(BlackholeProxy&& other) = delete;
  BlackholeProxy(const BlackholeProxy&) = delete;
  BlackholeProxy& operator=(const BlackholeProxy&) = delete;
  ~BlackholeProxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    std::list<std::unique_ptr<Pipe>> pipes;
    {
      std::lock_guard lock(mutex_);
      pipes.swap(pipes_);
    }
    for (auto& pipe : pipes) {
      ::shutdown(pipe->client, SHUT_RDWR);
      ::shutdown(pipe->server, SHUT_RDWR);
      pipe->thread.join();
      ::close(pipe->client);
      ::close(pipe->server);
    }
  }

  std::uint16_t port() const { return port_; }
  // true: nothing moves, nothing closes, new connections are accepted and then hear nothing.
  void black_hole(bool value) { black_hole_ = value; }

 private:
  struct Pipe {
    int client = -1, server = -1;
    std::thread thread;
  };

  void accept_loop() {
    while (!stopping_) {
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      auto pipe = std::make_unique<Pipe>();
      pipe->client = client;
      Pipe* raw = pipe.get();
      pipe->thread = std::thread([this, raw] { pump(*raw); });
      std::lock_guard lock(mutex_);
      pipes_.push_back(std::move(pipe));
    }
  }

  void pump(Pipe& pipe) {
    char buffer[65536];
    while (!stopping_) {
      // A black hole: wait, touching neither socket (the kernel keeps what arrives).
      if (black_hole_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      if (pipe.server < 0) {
        pipe.server = connect_upstream_();
        if (pipe.server < 0) break;
      }
      pollfd fds[2] = {{pipe.client, POLLIN, 0}, {pipe.server, POLLIN, 0}};
      if (::poll(fds, 2, 20) < 0) break;
      if (black_hole_) continue;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
        if (n <= 0 || ::send(fds[1 - i].fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) < 0) done = true;
      }
      if (done) break;
    }
    ::shutdown(pipe.client, SHUT_RDWR);
    if (pipe.server >= 0) ::shutdown(pipe.server, SHUT_RDWR);
  }

  std::function<int()> connect_upstream_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> black_hole_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::list<std::unique_ptr<Pipe>> pipes_;
};

}  // namespace burgernet::testing::reliability
