// The fake provider's server: Beast over OpenSSL on its own io_context and thread; its
// certificates are made with the OpenSSL API so that no fixture can expire.
#include <atomic>
#include "support/fake_provider.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include "support/daemon_process.hpp"

namespace burgernet::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

struct Pki {
  std::string ca_pem, cert_pem, key_pem;
};

std::string pem_of(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string pem_of(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) throw std::runtime_error("fake provider: bad extension " + value);
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

X509* make_cert(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  (void)issuer_key;
  return cert;
}

Pki make_pki(const std::string& subject_alt_names) {
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* server_key = EVP_EC_gen("P-256");
  // A name of its own per fake: a test trusting a bundle of several fakes' CAs (one client, two
  // servers) must find each server's issuer by name, and OpenSSL takes the first CA of that name.
  static std::atomic<int> fakes{0};
  const std::string ca_name = "burgernet test CA " + std::to_string(::getpid()) + "-" + std::to_string(++fakes);
  X509* ca = make_cert(ca_key, ca_name, nullptr, ca_key, 1);
  add_extension(ca, ca, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca, ca, NID_subject_key_identifier, "hash");
  X509_sign(ca, ca_key, EVP_sha256());
  X509* server = make_cert(server_key, "fake provider", ca, ca_key, 2);
  add_extension(server, ca, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(server, ca, NID_subject_alt_name, subject_alt_names);
  add_extension(server, ca, NID_ext_key_usage, "serverAuth");
  X509_sign(server, ca_key, EVP_sha256());
  Pki pki{pem_of(ca), pem_of(server), pem_of(server_key)};
  X509_free(server);
  X509_free(ca);
  EVP_PKEY_free(server_key);
  EVP_PKEY_free(ca_key);
  return pki;
}

}  // namespace

struct FakeProvider::Impl {
  asio::io_context io;
  ssl::context tls{ssl::context::tls_server};
  asio::ip::tcp::acceptor acceptor{io};
  std::thread thread;
  std::string dir, ca_path;
  std::uint16_t port = 0;

  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  std::vector<RecordedRequest> requests;
  std::map<std::string, FakeAnswer> side;
  std::vector<RecordedRequest> side_requests;
  std::function<FakeAnswer(const RecordedRequest&)> decide = [](const RecordedRequest&) { return FakeAnswer::ok(); };
  std::size_t connections = 0;
  std::chrono::milliseconds latency_min{0}, latency_max{0};
  std::atomic<long long> idle_timeout_ms{30000};
  std::mt19937 random{std::random_device{}()};

  awaitable<void> accept() {
    for (;;) {
      error_code ec;
      auto socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      {
        std::lock_guard lock(mutex);
        ++connections;
      }
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  awaitable<void> session(asio::ip::tcp::socket socket) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
    error_code ec;
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    co_await stream.async_handshake(ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> request;
      // A kept-alive connection idle this long is closed, as real servers do.
      beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(idle_timeout_ms.load()));
      co_await bhttp::async_read(stream, buffer, request, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      RecordedRequest recorded{std::string(request.method_string()), std::string(request.target()), {}, request.body(),
                               std::chrono::steady_clock::now()};
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        recorded.headers[name] = std::string(field.value());
      }
      FakeAnswer answer;
      std::chrono::milliseconds wait{0};
      {
        std::lock_guard lock(mutex);
        if (latency_max.count() > 0) {
          wait = std::chrono::milliseconds(std::uniform_int_distribution<long long>(
              latency_min.count(), latency_max.count())(random));
        }
        const auto route = side.find(recorded.target.substr(0, recorded.target.find('?')));
        if (route != side.end()) {
          answer = route->second;
          side_requests.push_back(recorded);
        } else {
          answer = decide(recorded);
          requests.push_back(recorded);
        }
      }
      arrived.notify_all();
      wait += answer.delay;
      if (wait.count() > 0) {
        asio::steady_timer timer(io, wait);
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      if (answer.close) {
        beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(stream).close();
        co_return;
      }
      if (answer.stall) {
        asio::steady_timer timer(io, std::chrono::seconds(60));
        co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
        co_return;
      }
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status), 11};
      response.set(bhttp::field::content_type, "application/json");
      for (const auto& [name, value] : answer.headers) response.set(name, value);
      response.body() = answer.body;
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      co_await bhttp::async_write(stream, response, asio::redirect_error(use_awaitable, ec));
      if (ec || !request.keep_alive()) co_return;
    }
  }
};

FakeProvider::FakeProvider(std::string subject_alt_names) : impl_(std::make_unique<Impl>()) {
  const auto pki = make_pki(subject_alt_names);
  impl_->tls.use_certificate_chain(asio::buffer(pki.cert_pem));
  impl_->tls.use_private_key(asio::buffer(pki.key_pem), ssl::context::pem);
  impl_->dir = make_temp_dir("fake-provider-");
  impl_->ca_path = impl_->dir + "/ca.pem";
  std::ofstream(impl_->ca_path) << pki.ca_pem;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FakeProvider::~FakeProvider() {
  impl_->io.stop();
  impl_->thread.join();
  std::error_code ignored;
  std::filesystem::remove_all(impl_->dir, ignored);
}

std::uint16_t FakeProvider::port() const { return impl_->port; }
std::string FakeProvider::url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(impl_->port) + path;
}
const std::string& FakeProvider::ca_file() const { return impl_->ca_path; }

void FakeProvider::answer(FakeAnswer answer) {
  answer_with([answer](const RecordedRequest&) { return answer; });
}

void FakeProvider::latency(std::chrono::milliseconds min, std::chrono::milliseconds max) {
  std::lock_guard lock(impl_->mutex);
  impl_->latency_min = min;
  impl_->latency_max = std::max(min, max);
}

void FakeProvider::idle_timeout(std::chrono::milliseconds timeout) { impl_->idle_timeout_ms = timeout.count(); }

void FakeProvider::answer_with(std::function<FakeAnswer(const RecordedRequest&)> decide) {
  std::lock_guard lock(impl_->mutex);
  impl_->decide = std::move(decide);
}

void FakeProvider::serve(const std::string& path, FakeAnswer answer) {
  std::lock_guard lock(impl_->mutex);
  impl_->side[path] = std::move(answer);
}

std::vector<RecordedRequest> FakeProvider::side_requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->side_requests;
}

std::vector<RecordedRequest> FakeProvider::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

std::size_t FakeProvider::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests.size();
}

bool FakeProvider::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->arrived.wait_for(lock, timeout, [&] { return impl_->requests.size() >= n; });
}

std::size_t FakeProvider::connections_accepted() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

void FakeProvider::clear() {
  std::lock_guard lock(impl_->mutex);
  impl_->requests.clear();
  impl_->side_requests.clear();
}

}  // namespace burgernet::testing
