// The API listener's TLS settings: TLS 1.2 and 1.3 only, Mozilla's "intermediate" ciphers for
// 1.2, and optional client certificates verified against a CA of our own.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

#include "burgernet/config/config.hpp"

namespace burgernet::http {

// A certificate, key or CA file that cannot be used; the message names the file and why.
class TlsSetupError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Mozilla Server Side TLS "intermediate" (v5.7), the TLS 1.2 part; TLS 1.3 keeps OpenSSL's
// suites, which are all acceptable.
inline constexpr const char* kIntermediateCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

// Loads the files of `config` into a server context; throws TlsSetupError.
boost::asio::ssl::context make_server_tls_context(const config::TlsConfig& config);

}  // namespace burgernet::http
