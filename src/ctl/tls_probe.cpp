// The handshake check-config makes with each provider: the same TLS settings as the HTTP
// client's (net/http_client.cpp), on a private io_context that the timeout bounds as a whole.
#include "ctl/tls_probe.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace burgernet::ctl {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using boost::system::error_code;

std::string tls_handshake(const std::string& host, const std::string& port, const std::string& ca_file,
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

  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  SSL* native = stream.native_handle();
  error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (!not_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), host.c_str());
  } else {
    SSL_set_tlsext_host_name(native, host.c_str());
    SSL_set1_host(native, host.c_str());
  }
  stream.set_verify_mode(ssl::verify_peer);

  std::string failure = "no answer within " + std::to_string(timeout.count()) + " ms";
  asio::ip::tcp::resolver resolver(io);
  resolver.async_resolve(host, port, [&](error_code resolved, asio::ip::tcp::resolver::results_type endpoints) {
    if (resolved) {
      failure = "cannot resolve " + host + " (" + resolved.message() + ")";
      return;
    }
    beast::get_lowest_layer(stream).expires_after(timeout);
    beast::get_lowest_layer(stream).async_connect(endpoints, [&](error_code connected, const auto&) {
      if (connected) {
        failure = "cannot connect to " + host + ":" + port + " (" + connected.message() + ")";
        return;
      }
      stream.async_handshake(ssl::stream_base::client, [&](error_code handshake) {
        if (!handshake) {
          failure.clear();
          return;
        }
        const long verify = SSL_get_verify_result(native);
        failure = verify != X509_V_OK
                      ? std::string("certificate not accepted: ") + X509_verify_cert_error_string(verify)
                      : "handshake failed: " + handshake.message();
      });
    });
  });
  // The resolver has no timeout of its own: the whole exchange gets one more `timeout`.
  io.run_for(2 * timeout);
  return failure;
}

}  // namespace burgernet::ctl
