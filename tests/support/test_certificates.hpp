// Throwaway PKI for TLS tests, made with the OpenSSL API at test time: a CA, a server
// certificate for 127.0.0.1 and a client certificate, as PEM files in a temporary folder.
#pragma once

#include <cstdint>
#include <string>

namespace burgernet::testing {

struct TestPki {
  std::string dir;
  std::string ca_cert;      // the CA that signed both
  std::string server_cert;  // CN=localhost, SAN IP:127.0.0.1, DNS:localhost
  std::string server_key;
  std::string client_cert;  // CN=control-room
  std::string client_key;
  std::string other_client_cert;  // signed by another CA: must be refused
  std::string other_client_key;
};

TestPki make_test_pki();

struct TlsClientOptions {
  std::string ca_file;  // trust anchor for the server's certificate
  std::string cert_file{};
  std::string key_file{};
  int max_version = 0;  // e.g. TLS1_1_VERSION, to try an old protocol; 0: OpenSSL's default
  std::string token{};
};

struct TlsResult {
  bool handshake_ok = false;
  int status = 0;       // 0 when no answer came
  std::string version;  // "TLSv1.3"
  std::string cipher;
  std::string error;
};

// One GET over TLS to 127.0.0.1:port, verifying the server's certificate and host.
TlsResult tls_get(std::uint16_t port, const std::string& target, const TlsClientOptions& options);

}  // namespace burgernet::testing
