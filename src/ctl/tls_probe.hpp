// A TLS handshake with a provider, and nothing more: no request is sent. For check-config.
#pragma once

#include <chrono>
#include <string>

namespace burgernet::ctl {

// Connects to host:port and completes a TLS handshake that verifies the certificate and the
// host name against `ca_file` (empty: the system's trust store), within `timeout`. Returns an
// empty string on success, else why it failed.
std::string tls_handshake(const std::string& host, const std::string& port, const std::string& ca_file,
                          std::chrono::milliseconds timeout);

}  // namespace burgernet::ctl
