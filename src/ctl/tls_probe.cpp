// The handshake check-config makes with each provider: the same TLS settings as the HTTP
// client's (net/http_client.cpp), one coroutine on a private io_context bounded by the timeout.
#include "ctl/tls_probe.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <istream>

namespace burgernet::ctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
using Stream = beast::ssl_stream<beast::tcp_stream>;

// One SMTP reply (its last line: "250 ..." after any "250-..."); "" when the connection failed.
awaitable<std::string> smtp_reply(beast::tcp_stream& tcp, asio::streambuf& buffer) {
  for (;;) {
    error_code ec;
    co_await asio::async_read_until(tcp, buffer, "\r\n", asio::redirect_error(use_awaitable, ec));
    if (ec) co_return "";
    std::istream in(&buffer);
    std::string line;
    std::getline(in, line);
    if (line.size() < 4 || line[3] != '-') co_return line;
  }
}

// The plain-text part of SMTP before STARTTLS; an empty string when the server agreed.
awaitable<std::string> start_tls(beast::tcp_stream& tcp) {
  asio::streambuf buffer;
  error_code ec;
  const auto greeting = co_await smtp_reply(tcp, buffer);
  if (!greeting.starts_with("220")) co_return "no SMTP greeting";
  co_await asio::async_write(tcp, asio::buffer(std::string("EHLO burgernetctl\r\n")),
                             asio::redirect_error(use_awaitable, ec));
  if (ec || !(co_await smtp_reply(tcp, buffer)).starts_with("250")) co_return "EHLO refused";
  co_await asio::async_write(tcp, asio::buffer(std::string("STARTTLS\r\n")),
                             asio::redirect_error(use_awaitable, ec));
  if (ec || !(co_await smtp_reply(tcp, buffer)).starts_with("220")) co_return "STARTTLS refused";
  co_return "";
}

// g++ 12 reports the coroutine frame's sized operator delete as mismatched (a false positive,
// see api/action_routes.cpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
awaitable<void> probe(Stream& stream, TlsEndpoint endpoint, std::chrono::milliseconds timeout,
                      std::string& failure) {
  const auto executor = co_await asio::this_coro::executor;
  error_code ec;
  asio::ip::tcp::resolver resolver(executor);
  const auto endpoints =
      co_await resolver.async_resolve(endpoint.host, endpoint.port, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    failure = "cannot resolve " + endpoint.host + " (" + ec.message() + ")";
    co_return;
  }
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(timeout);
  co_await tcp.async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    failure = "cannot connect (" + ec.message() + ")";
    co_return;
  }
  if (endpoint.starttls) {
    failure = co_await start_tls(tcp);
    if (!failure.empty()) co_return;
  }
  co_await stream.async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
  if (!ec) {
    failure.clear();
    co_return;
  }
  const long verify = SSL_get_verify_result(stream.native_handle());
  failure = verify != X509_V_OK
                ? std::string("certificate not accepted: ") + X509_verify_cert_error_string(verify)
                : "handshake failed: " + ec.message();
}
#pragma GCC diagnostic pop

}  // namespace

std::string tls_handshake(const TlsEndpoint& endpoint, const std::string& ca_file,
                          std::chrono::milliseconds timeout) {
  asio::io_context io;
  ssl::context tls{ssl::context::tls_client};
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  error_code ec;
  if (ca_file.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(ca_file, ec);
  }
  if (ec) return "cannot load the trusted certificates (" + ec.message() + ")";

  Stream stream(io, tls);
  SSL* native = stream.native_handle();
  error_code not_ip;
  asio::ip::make_address(endpoint.host, not_ip);
  if (!not_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), endpoint.host.c_str());
  } else {
    SSL_set_tlsext_host_name(native, endpoint.host.c_str());
    SSL_set1_host(native, endpoint.host.c_str());
  }
  stream.set_verify_mode(ssl::verify_peer);

  std::string failure = "no answer within " + std::to_string(timeout.count()) + " ms";
  asio::co_spawn(io, probe(stream, endpoint, timeout, failure), [&failure](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  // Connecting, SMTP's lines and the handshake each end at `timeout` (the stream's deadline),
  // and say so; the resolver has none of its own, so the whole is bounded here.
  io.run_for(timeout + std::chrono::seconds(1));
  return failure;
}

}  // namespace burgernet::ctl
