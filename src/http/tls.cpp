// Builds the server's OpenSSL context once at start; sessions share it.
#include "burgernet/http/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace burgernet::http {
namespace {

namespace ssl = boost::asio::ssl;

std::string openssl_reason(const boost::system::error_code& ec) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    return buffer;
  }
  return ec.message();
}

}  // namespace

ssl::context make_server_tls_context(const config::TlsConfig& config) {
  ssl::context context(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* native = context.native_handle();
  // The options above are deprecated in OpenSSL 3; the minimum version is what really counts.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kIntermediateCiphers) != 1) {
    throw TlsSetupError("http.tls: the cipher list was refused by OpenSSL");
  }
  SSL_CTX_set_dh_auto(native, 1);

  boost::system::error_code ec;
  context.use_certificate_chain_file(config.cert_file, ec);
  if (ec) throw TlsSetupError("http.tls.cert_file " + config.cert_file + ": " + openssl_reason(ec));
  context.use_private_key_file(config.key_file, ssl::context::pem, ec);
  if (ec) throw TlsSetupError("http.tls.key_file " + config.key_file + ": " + openssl_reason(ec));
  if (SSL_CTX_check_private_key(native) != 1) {
    throw TlsSetupError("http.tls.key_file " + config.key_file + ": does not belong to the certificate");
  }

  if (!config.client_ca_file.empty()) {
    context.load_verify_file(config.client_ca_file, ec);
    if (ec)
      throw TlsSetupError("http.tls.client_ca_file " + config.client_ca_file + ": " + openssl_reason(ec));
    // Tell clients which CA we accept, so that one with several certificates picks the right one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
    auto mode = ssl::verify_peer;
    if (config.require_client_cert) mode |= ssl::verify_fail_if_no_peer_cert;
    context.set_verify_mode(mode);
    // Needed for session resumption when client certificates are verified.
    static constexpr unsigned char kSessionContext[] = "burgernet";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  }
  return context;
}

}  // namespace burgernet::http
