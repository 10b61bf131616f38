// Writes a streamed response (http/response_stream.hpp) on a plain or TLS connection: the
// header, then each piece as it comes. No request timeout applies while waiting for a piece;
// a piece the client does not take within kPieceWriteTimeout drops the connection, so a slow
// client holds at most what its stream queues (the stream bounds that) and one piece.
#pragma once

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <memory>
#include <utility>

#include "burgernet/http/message.hpp"
#include "burgernet/http/response_stream.hpp"

namespace burgernet::http::detail {

inline constexpr std::chrono::seconds kPieceWriteTimeout{10};

// The body is delimited by the connection's close (no length, not chunked): every HTTP/1.1
// client and EventSource reads it so, and the stream is the connection's last answer anyway.
template <typename Stream>
boost::asio::awaitable<void> write_stream(Stream& stream, const Response& head, ResponseStream& body) {
  namespace asio = boost::asio;
  auto& lowest = boost::beast::get_lowest_layer(stream);
  beast_http::response<beast_http::empty_body> header{head.result(), head.version()};
  for (const auto& field : head.base()) header.set(field.name_string(), field.value());
  header.erase(beast_http::field::content_length);
  header.keep_alive(false);
  boost::system::error_code ec;
  lowest.expires_after(kPieceWriteTimeout);
  beast_http::response_serializer<beast_http::empty_body> serializer{header};
  co_await beast_http::async_write_header(stream, serializer, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    body.stop();
    co_return;
  }
  for (;;) {
    lowest.expires_never();
    auto piece = co_await body.next();
    if (!piece) break;
    lowest.expires_after(kPieceWriteTimeout);
    co_await asio::async_write(stream, asio::buffer(*piece), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      body.stop();  // the client went away, or took too long
      break;
    }
  }
}

}  // namespace burgernet::http::detail
