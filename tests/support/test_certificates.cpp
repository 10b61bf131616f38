// Certificates over the OpenSSL 3 API, and a blocking TLS client over Asio and Beast.
#include "support/test_certificates.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "support/daemon_process.hpp"

namespace burgernet::testing {
namespace {

struct Issued {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
};

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) throw std::runtime_error("test pki: bad extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Self-signed when `issuer` is null.
Issued issue(const std::string& common_name, const Issued* issuer, bool ca, const char* san, long serial) {
  Issued out;
  out.key.reset(EVP_EC_gen("P-256"));
  out.cert.reset(X509_new());
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, out.key.get());
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  add_extension(cert, issuer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_extension(cert, issuer_cert, NID_key_usage,
                ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_extension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  if (!ca) add_extension(cert, issuer_cert, NID_ext_key_usage, san ? "serverAuth" : "clientAuth");
  if (san) add_extension(cert, issuer_cert, NID_subject_alt_name, san);
  X509_sign(cert, issuer ? issuer->key.get() : out.key.get(), EVP_sha256());
  return out;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("test pki: cannot write " + path);
  if (cert) PEM_write_X509(f, cert);
  if (key) PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

}  // namespace

TestPki make_test_pki() {
  TestPki pki;
  pki.dir = make_temp_dir("burgernet-pki-");
  const auto ca = issue("burgernet test CA", nullptr, true, nullptr, 1);
  const auto server = issue("localhost", &ca, false, "IP:127.0.0.1,DNS:localhost", 2);
  const auto client = issue("control-room", &ca, false, nullptr, 3);
  const auto other_ca = issue("someone else's CA", nullptr, true, nullptr, 4);
  const auto other_client = issue("intruder", &other_ca, false, nullptr, 5);
  pki.ca_cert = pki.dir + "/ca.pem";
  pki.server_cert = pki.dir + "/server.pem";
  pki.server_key = pki.dir + "/server.key";
  pki.client_cert = pki.dir + "/client.pem";
  pki.client_key = pki.dir + "/client.key";
  pki.other_client_cert = pki.dir + "/other-client.pem";
  pki.other_client_key = pki.dir + "/other-client.key";
  write_pem(pki.ca_cert, ca.cert.get(), nullptr);
  write_pem(pki.server_cert, server.cert.get(), nullptr);
  write_pem(pki.server_key, nullptr, server.key.get());
  write_pem(pki.client_cert, client.cert.get(), nullptr);
  write_pem(pki.client_key, nullptr, client.key.get());
  write_pem(pki.other_client_cert, other_client.cert.get(), nullptr);
  write_pem(pki.other_client_key, nullptr, other_client.key.get());
  return pki;
}

TlsResult tls_get(std::uint16_t port, const std::string& target, const TlsClientOptions& options) {
  namespace asio = boost::asio;
  namespace ssl = asio::ssl;
  namespace http = boost::beast::http;
  TlsResult result;
  asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(options.ca_file);
  context.set_verify_mode(ssl::verify_peer);
  if (!options.cert_file.empty()) {
    context.use_certificate_chain_file(options.cert_file);
    context.use_private_key_file(options.key_file, ssl::context::pem);
  }
  if (options.max_version) {
    // Let this client really offer the old protocol (OpenSSL 3 refuses it at its default
    // security level), so that only the server's settings can refuse it.
    SSL_CTX_set_security_level(context.native_handle(), 0);
    SSL_CTX_set_cipher_list(context.native_handle(), "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(context.native_handle(), options.max_version);
  }
  ssl::stream<asio::ip::tcp::socket> stream(io, context);
  SSL_set1_host(stream.native_handle(), "127.0.0.1");
  boost::system::error_code ec;
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    result.error = "connect: " + ec.message();
    return result;
  }
  timeval timeout{5, 0};
  setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    result.error = "handshake: " + ec.message();
    return result;
  }
  result.handshake_ok = true;
  result.version = SSL_get_version(stream.native_handle());
  result.cipher = SSL_get_cipher_name(stream.native_handle());
  http::request<http::string_body> request{http::verb::get, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!options.token.empty()) request.set(http::field::authorization, "Bearer " + options.token);
  request.keep_alive(false);
  http::write(stream, request, ec);
  if (ec) {
    result.error = "write: " + ec.message();
    return result;
  }
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  if (ec) {
    result.error = "read: " + ec.message();
    return result;
  }
  result.status = response.result_int();
  stream.shutdown(ec);
  return result;
}

}  // namespace burgernet::testing
