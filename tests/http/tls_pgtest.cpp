// The daemon behind TLS: handshake and tokens over TLS 1.2/1.3, old protocols refused, client
// certificates required when configured, plain HTTP off loopback refused at start.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/wait.h>

#include <fstream>

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

}  // namespace
}  // namespace burgernet::testing
