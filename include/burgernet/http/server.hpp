// The HTTP listener: accepts connections, reads requests within limits, hands them to the
// service and writes the answers. Knows nothing about routes.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>

#include "burgernet/config/config.hpp"
#include "burgernet/http/message.hpp"

namespace burgernet::http {

// Turns a parsed request into a response; never throws (errors become responses).
using RequestHandler = std::function<boost::asio::awaitable<Response>(Request&)>;
// The body limit of a request to `path` (no query) when it differs from body_limit_bytes (a
// route that takes uploads), or 0 for the default. Called once per request, after its header.
using BodyLimitFor = std::function<std::size_t(std::string_view path)>;

class Server {
 public:
  // With config.tls set, loads its files and serves TLS only; throws TlsSetupError when they
  // cannot be used.
  Server(boost::asio::io_context& io, const config::HttpConfig& config, RequestHandler handler,
         BodyLimitFor body_limit_for = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();

  // Binds and listens; throws boost::system::system_error when the address cannot be bound.
  void listen();
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  void start();
  // Stops accepting and closes idle connections; requests in flight finish and are answered.
  void stop();
  std::size_t active_connections() const { return active_.load(); }
  std::size_t requests_in_flight() const { return in_flight_.load(); }
  // Reads the certificate and key again (a renewed certificate under the same or a new path):
  // new connections use them, open ones keep the context they began with. Throws
  // TlsSetupError, keeping the old ones, when the files cannot be used; false without TLS.
  bool reload_tls(const config::TlsConfig& tls);

 private:
  struct SessionState;
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  // Reads requests and writes answers until the connection ends; Stream is beast::tcp_stream
  // or beast::ssl_stream over it (instantiated in server.cpp only).
  template <typename Stream>
  boost::asio::awaitable<void> serve(Stream& stream);
  boost::asio::awaitable<void> refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  config::HttpConfig config_;
  RequestHandler handler_;
  BodyLimitFor body_limit_for_;
  // Null: plain HTTP. Replaced whole on reload; each connection holds the one it began with.
  std::shared_ptr<boost::asio::ssl::context> tls_;
  mutable std::mutex tls_mutex_;
  std::shared_ptr<boost::asio::ssl::context> tls_context() const;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mutex_;
  std::list<std::weak_ptr<SessionState>> sessions_;
};

}  // namespace burgernet::http
