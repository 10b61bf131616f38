// Beast sessions on coroutines: one strand per connection, a deadline on every read, a body
// and header limit on every parser, and a bounded drain on stop. One session template serves
// plain TCP and TLS streams alike, so the plain path pays nothing for TLS.
#include "burgernet/http/server.hpp"

#include <limits>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "burgernet/http/tls.hpp"
#include "http/stream_writer.hpp"

namespace burgernet::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
namespace ssl = asio::ssl;

struct Server::SessionState {
  asio::any_io_executor executor;    // the connection's strand
  beast::tcp_stream* stream = nullptr;  // touched only on that strand; null once closed
  std::atomic<bool> busy{false};
  std::shared_ptr<ResponseStream> response_stream;  // an event stream being written; ended on stop()
  std::mutex response_stream_mutex;
};

namespace {

std::string new_request_id() {
  unsigned char bytes[8];
  RAND_bytes(bytes, sizeof bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

// An incoming X-Request-Id is kept when it is short and plain, so a control room can follow
// its own id through our logs; anything else is replaced.
std::string request_id_from(const RawRequest& raw) {
  const auto it = raw.find("X-Request-Id");
  if (it != raw.end()) {
    const auto v = it->value();
    const bool plain = !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
    if (plain) return std::string(v);
  }
  return new_request_id();
}

Response plain_error(unsigned status, const char* code, const char* message) {
  Request request;
  request.raw.version(11);
  request.raw.keep_alive(false);
  return error_response(request, status, code, message);
}

}  // namespace

Server::Server(asio::io_context& io, const config::HttpConfig& config, RequestHandler handler,
               BodyLimitFor body_limit_for)
    : io_(io),
      config_(config),
      handler_(std::move(handler)),
      body_limit_for_(std::move(body_limit_for)),
      acceptor_(io) {
  if (config_.tls.enabled()) tls_ = std::make_shared<ssl::context>(make_server_tls_context(config_.tls));
}

std::shared_ptr<ssl::context> Server::tls_context() const {
  std::lock_guard lock(tls_mutex_);
  return tls_;
}

bool Server::reload_tls(const config::TlsConfig& tls) {
  if (!tls_context() || !tls.enabled()) return false;
  // Built before the swap: a bad file throws here and the running context stays.
  auto next = std::make_shared<ssl::context>(make_server_tls_context(tls));
  std::lock_guard lock(tls_mutex_);
  tls_ = std::move(next);
  return true;
}

Server::~Server() = default;

void Server::listen() {
  const tcp::endpoint endpoint(asio::ip::make_address(config_.host), config_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

std::uint16_t Server::port() const { return acceptor_.local_endpoint().port(); }

void Server::start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }

void Server::stop() {
  stopping_ = true;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(sessions_mutex_);
  for (auto& weak : sessions_) {
    auto state = weak.lock();
    if (state) {
      std::lock_guard stream_lock(state->response_stream_mutex);
      if (state->response_stream) state->response_stream->stop();  // it ends, then the connection
    }
    if (!state || state->busy) continue;
    // An idle keep-alive connection waits for a request that is not coming: cut it now. A
    // busy one sees stopping_ and closes after its answer.
    asio::post(state->executor, [state] {
      if (!state->stream) return;
      boost::system::error_code ignored;
      state->stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
      state->stream->cancel();
    });
  }
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::make_strand(io_),
                                                          asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || stopping_) co_return;
    if (ec) {
      // EMFILE and friends: log, breathe, keep accepting.
      spdlog::warn("http: accept failed: {}", ec.message());
      continue;
    }
    auto executor = socket.get_executor();
    if (active_.load() >= config_.max_connections) {
      asio::co_spawn(executor, refuse(std::move(socket)), asio::detached);
      continue;
    }
    ++active_;
    asio::co_spawn(executor, session(std::move(socket)), [this](std::exception_ptr error) {
      --active_;
      if (error) {
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          spdlog::error("http: session ended by an exception: {}", e.what());
        }
      }
    });
  }
}

asio::awaitable<void> Server::refuse(tcp::socket socket) {
  boost::system::error_code ec;
  if (tls_context()) {
    // An answer would need a handshake first, which is the work we are refusing to do.
    socket.close(ec);
    co_return;
  }
  beast::tcp_stream stream(std::move(socket));
  stream.expires_after(std::chrono::seconds(2));
  auto response = plain_error(503, "too_many_connections", "the server has too many open connections");
  response.set(beast_http::field::retry_after, "1");
  co_await beast_http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
}

// g++ 12 reports the coroutine frame's sized operator delete as mismatched: a false positive,
// the frame is allocated and freed by Asio's own operators.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<void> Server::session(tcp::socket socket) {
  const auto tls = tls_context();
  if (!tls) {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *tls);
  boost::system::error_code ec;
  // The handshake counts as reading a request: a client that stalls in it is cut off.
  beast::get_lowest_layer(stream).expires_after(config_.read_timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // Scanners, old clients and missing client certificates end here; not worth a warning.
    spdlog::debug("http: TLS handshake failed: {}", ec.message());
    beast::get_lowest_layer(stream).close();
    co_return;
  }
  co_await serve(stream);
}

template <typename Stream>
asio::awaitable<void> Server::serve(Stream& stream) {
  auto& lowest = beast::get_lowest_layer(stream);
  auto state = std::make_shared<SessionState>();
  state->stream = &lowest;
  state->executor = lowest.get_executor();
  {
    std::lock_guard lock(sessions_mutex_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    sessions_.push_back(state);
  }
  boost::system::error_code ec;
  const auto remote = lowest.socket().remote_endpoint(ec);
  const std::string remote_address = ec ? std::string() : remote.address().to_string();
  beast::flat_buffer buffer;

  while (!stopping_) {
    // Waiting for the next request on a kept-alive connection may take idle_timeout; once its
    // first bytes are here, the whole request must arrive within read_timeout, so a client
    // sending a byte a second is cut off.
    if (buffer.size() == 0) {
      lowest.expires_after(config_.idle_timeout);
      const auto n = co_await stream.async_read_some(buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      buffer.commit(n);
    }
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config_.header_limit_bytes));
    lowest.expires_after(config_.read_timeout);
    // The header first, to learn the route's limit; Beast checks a Content-Length against the
    // limit as the header ends, so the largest limit applies until then.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    co_await beast_http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      const auto target = std::string_view(parser.get().target());
      const auto limit = body_limit_for_ ? body_limit_for_(target.substr(0, target.find('?'))) : 0;
      const std::uint64_t body_limit = limit > 0 ? limit : config_.body_limit_bytes;
      if (parser.content_length() && *parser.content_length() > body_limit) {
        ec = beast_http::error::body_limit;
      } else {
        parser.body_limit(body_limit);
        if (!parser.is_done())
          co_await beast_http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    if (ec == beast_http::error::body_limit || ec == beast_http::error::header_limit) {
      const bool body = ec == beast_http::error::body_limit;
      auto response = body ? plain_error(413, "body_too_large", "the request body is too large")
                           : plain_error(431, "headers_too_large", "the request headers are too large");
      lowest.expires_after(std::chrono::seconds(5));
      co_await beast_http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    if (ec == beast_http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated) {
      break;
    }
    if (ec) {
      auto response = plain_error(400, "malformed_request", "the request is not valid HTTP/1.1");
      lowest.expires_after(std::chrono::seconds(5));
      co_await beast_http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }

    state->busy = true;
    ++in_flight_;
    Request request;
    request.raw = parser.release();
    request.remote_address = remote_address;
    request.request_id = request_id_from(request.raw);
    split_target(request.raw.target(), request.path, request.query);
    Response response = co_await handler_(request);
    if (request.stream) {
      {
        std::lock_guard stream_lock(state->response_stream_mutex);
        state->response_stream = request.stream;
      }
      if (stopping_) request.stream->stop();
      --in_flight_;  // a stream is no request in flight: the drain ends it, it does not wait for it
      co_await detail::write_stream(stream, response, *request.stream);
      {
        std::lock_guard stream_lock(state->response_stream_mutex);
        state->response_stream.reset();
      }
      request.stream->stop();
      state->busy = false;
      break;
    }
    if (stopping_) response.keep_alive(false);
    const bool keep_alive = response.keep_alive();
    lowest.expires_after(config_.read_timeout);
    co_await beast_http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    --in_flight_;
    state->busy = false;
    if (ec || !keep_alive) break;
  }
  state->stream = nullptr;
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    // close_notify, briefly: a peer that does not answer it is not our problem.
    lowest.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }
  lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
  lowest.close();
}
#pragma GCC diagnostic pop

}  // namespace burgernet::http
