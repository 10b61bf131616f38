// The daemon behind TLS: handshake and tokens over TLS 1.2/1.3, old protocols refused, client
// certificates required when configured, plain HTTP off loopback refused at start.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/daemon_process.hpp"
#include "support/http_client.hpp"
#include "support/test_certificates.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

class TlsTest : public DatabaseTest {
 protected:
  nlohmann::json config(bool require_client_cert = false) {
    auto c = daemon_config(database.url(), make_temp_dir("burgernet-outbox-"));
    c["http"]["tls"] = {{"cert_file", pki.server_cert}, {"key_file", pki.server_key}};
    if (require_client_cert) {
      c["http"]["tls"]["client_ca_file"] = pki.ca_cert;
      c["http"]["tls"]["require_client_cert"] = true;
    }
    return c;
  }

  // wait_ready() speaks plain HTTP; this asks over TLS.
  bool wait_ready(DaemonProcess& daemon, const TlsClientOptions& options) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline && daemon.running()) {
      if (tls_get(daemon.port(), "/readyz", options).status == 200) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  TestPki pki = make_test_pki();
};

TEST_F(TlsTest, ServesTls13And12WithIntermediateCiphersAndRefusesTls11AndPlainHttp) {
  DaemonProcess daemon(config());
  const TlsClientOptions client{pki.ca_cert};
  ASSERT_TRUE(wait_ready(daemon, client)) << daemon.log();

  const auto modern = tls_get(daemon.port(), "/healthz", client);
  EXPECT_EQ(modern.status, 200) << modern.error;
  EXPECT_EQ(modern.version, "TLSv1.3");

  auto tls12 = client;
  tls12.max_version = TLS1_2_VERSION;
  const auto older = tls_get(daemon.port(), "/healthz", tls12);
  EXPECT_EQ(older.status, 200) << older.error;
  EXPECT_EQ(older.version, "TLSv1.2");
  EXPECT_EQ(older.cipher.rfind("ECDHE-", 0), 0u) << older.cipher << ": forward secrecy only";

  auto tls11 = client;
  tls11.max_version = TLS1_1_VERSION;
  const auto old = tls_get(daemon.port(), "/healthz", tls11);
  EXPECT_FALSE(old.handshake_ok) << "TLS 1.1 was accepted: " << old.version;

  const auto plain = HttpClient(daemon.port()).raw_exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 2000);
  EXPECT_EQ(plain.find("200 OK"), std::string::npos) << "plain HTTP answered on the TLS port";

  // Tokens work over TLS like over plain HTTP, and the daemon serves on after all of that.
  std::string token;
  ASSERT_EQ(
      run_ctl(daemon.config_path(), {"token", "create", "--role", "operator", "--name", "desk"}, &token), 0);
  token.erase(token.find_last_not_of('\n') + 1);
  auto with_token = client;
  with_token.token = token;
  EXPECT_EQ(tls_get(daemon.port(), "/v1/actions", with_token).status, 200);
  EXPECT_EQ(tls_get(daemon.port(), "/v1/actions", client).status, 401);
}

TEST_F(TlsTest, AClientCertificateFromOurCaIsRequiredWhenConfigured) {
  DaemonProcess daemon(config(/*require_client_cert=*/true));
  TlsClientOptions with_cert{pki.ca_cert, pki.client_cert, pki.client_key};
  ASSERT_TRUE(wait_ready(daemon, with_cert)) << daemon.log();
  EXPECT_EQ(tls_get(daemon.port(), "/healthz", with_cert).status, 200);

  const auto without = tls_get(daemon.port(), "/healthz", TlsClientOptions{pki.ca_cert});
  EXPECT_EQ(without.status, 0) << "answered without a client certificate";

  const TlsClientOptions foreign{pki.ca_cert, pki.other_client_cert, pki.other_client_key};
  const auto intruder = tls_get(daemon.port(), "/healthz", foreign);
  EXPECT_EQ(intruder.status, 0) << "answered a certificate of another CA";
  EXPECT_EQ(tls_get(daemon.port(), "/healthz", with_cert).status, 200);
}

TEST(PlainHttp, AListenerOffLoopbackIsRefusedAtStartWithExitCode2) {
  const auto dir = make_temp_dir("burgernet-plain-");
  std::ofstream(dir + "/c.json") << nlohmann::json{
      {"http", {{"listen", "0.0.0.0:" + std::to_string(free_port())}}},
      {"database",
       {{"url", "postgresql:///none"}}}}.dump();
  const std::string binary = std::string(BURGERNET_TEST_BINARY_DIR) + "/burgernetd";
  const int status = std::system((binary + " --config " + dir + "/c.json 2>" + dir + "/err").c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::ifstream in(dir + "/err");
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find("http.listen: plain HTTP on 0.0.0.0"), std::string::npos) << line;
  EXPECT_NE(line.find("http.allow_plain_http"), std::string::npos) << line;
}

TEST_F(TlsTest, AnUnreadableCertificateStopsTheDaemonWithAClearLine) {
  auto c = config();
  c["http"]["tls"]["cert_file"] = pki.dir + "/missing.pem";
  DaemonProcess daemon(c);
  const auto code = daemon.wait_exit(10s);
  ASSERT_TRUE(code.has_value()) << daemon.log();
  EXPECT_NE(*code, 0);
  EXPECT_NE(daemon.log().find("http.tls.cert_file"), std::string::npos) << daemon.log();
}

// A client that keeps one TLS connection open across requests.
class KeptTlsConnection {
 public:
  KeptTlsConnection(std::uint16_t port, const std::string& ca_file)
      : context_(boost::asio::ssl::context::tls_client), stream_(io_, context_) {
    context_.load_verify_file(ca_file);
    context_.set_verify_mode(boost::asio::ssl::verify_peer);
    stream_.next_layer().connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval timeout{5, 0};
    setsockopt(stream_.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    stream_.handshake(boost::asio::ssl::stream_base::client);
  }
  // The status of GET target on this connection; 0 when the connection failed.
  int get(const std::string& target) {
    namespace http = boost::beast::http;
    http::request<http::string_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.keep_alive(true);
    boost::system::error_code ec;
    http::write(stream_, request, ec);
    if (ec) return 0;
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response, ec);
    return ec ? 0 : response.result_int();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context context_;
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
};

// Whether the daemon's log says `text` within 10 s.
bool logged(const DaemonProcess& daemon, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (daemon.log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

// A renewed certificate (certbot rewrites the files in place, then `systemctl reload`): new
// connections get it, connections already open go on with the old one.
TEST_F(TlsTest, SighupReadsARenewedCertificateAndOpenConnectionsStayOpen) {
  // The daemon's files are copies, so that the test can replace them as a renewal would.
  const auto dir = make_temp_dir("burgernet-tls-renew-");
  std::filesystem::copy_file(pki.server_cert, dir + "/server.pem");
  std::filesystem::copy_file(pki.server_key, dir + "/server.key");
  auto c = config();
  c["http"]["tls"] = {{"cert_file", dir + "/server.pem"}, {"key_file", dir + "/server.key"}};
  DaemonProcess daemon(c);
  ASSERT_TRUE(wait_ready(daemon, {pki.ca_cert})) << daemon.log();
  KeptTlsConnection kept(daemon.port(), pki.ca_cert);
  ASSERT_EQ(kept.get("/healthz"), 200);

  // The renewal: a certificate from another CA, so that a client can tell which one it got.
  const auto renewed = make_test_pki();
  std::filesystem::copy_file(renewed.server_cert, dir + "/server.pem", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(renewed.server_key, dir + "/server.key", std::filesystem::copy_options::overwrite_existing);
  daemon.signal(SIGHUP);
  ASSERT_TRUE(logged(daemon, "TLS certificate and key read again")) << daemon.log();

  const auto fresh = tls_get(daemon.port(), "/healthz", {renewed.ca_cert});
  EXPECT_EQ(fresh.status, 200) << "a new connection does not get the renewed certificate: " << fresh.error;
  EXPECT_FALSE(tls_get(daemon.port(), "/healthz", {pki.ca_cert}).handshake_ok) << "the old certificate is still served";
  EXPECT_EQ(kept.get("/healthz"), 200) << "the reload dropped a connection that was open";

  // A broken renewal (a key that does not match) is refused and the renewed pair stays.
  std::filesystem::copy_file(pki.server_key, dir + "/server.key", std::filesystem::copy_options::overwrite_existing);
  daemon.signal(SIGHUP);
  EXPECT_TRUE(logged(daemon, "configuration not reloaded")) << daemon.log();
  EXPECT_EQ(tls_get(daemon.port(), "/healthz", {renewed.ca_cert}).status, 200) << "a bad reload broke TLS";
  EXPECT_TRUE(daemon.running());
}

}  // namespace
}  // namespace burgernet::testing
