// A TLS handshake with a provider, and nothing more: no request or message is sent. For check-config.
#pragma once

#include <chrono>
#include <string>

namespace burgernet::ctl {

struct TlsEndpoint {
  std::string host;
  std::string port;
  // SMTP with STARTTLS: the server's greeting, EHLO and STARTTLS come before the handshake.
  bool starttls = false;
};

// Connects and completes a TLS handshake that verifies the certificate and the host name against
// `ca_file` (empty: the system's trust store), all within `timeout`. Returns an empty string on
// success, else why it failed.
std::string tls_handshake(const TlsEndpoint& endpoint, const std::string& ca_file,
                          std::chrono::milliseconds timeout);

}  // namespace burgernet::ctl
