// One thread accepts, one thread per connection speaks SMTP with blocking Asio calls: the
// protocol is a strict dialogue, and a test server need not scale.
#include "support/fake_smtp_server.hpp"

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <condition_variable>
#include <istream>
#include <mutex>
#include <thread>

#include "burgernet/net/encoding.hpp"
#include "support/test_certificates.hpp"

namespace burgernet::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}


}  // namespace

std::string from_base64(const std::string& text) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0, buffer = 0;
  for (const char c : text) {
    const auto at = kAlphabet.find(c);
    if (at == std::string::npos) continue;
    buffer = (buffer << 6) | static_cast<int>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

struct FakeSmtpServer::Impl {
  FakeSmtpOptions options;
  TestPki pki = make_test_pki();
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::thread accepting;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  bool stopping = false;
  std::string rcpt_reply;
  bool rcpt_stall = false;
  std::vector<ReceivedMail> mails;
  std::vector<std::string> commands;
  std::size_t connections = 0;
  std::vector<std::thread> sessions;
  std::vector<int> open_sockets;

  // A connection, in the clear or not, read and written line by line.
  struct Session {
    explicit Session(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::unique_ptr<asio::ssl::stream<tcp::socket&>> secure;
    asio::streambuf in;

    std::string read_line() {
      if (secure) {
        asio::read_until(*secure, in, "\r\n");
      } else {
        asio::read_until(socket, in, "\r\n");
      }
      std::istream stream(&in);
      std::string line;
      std::getline(stream, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    void write(const std::string& text) {
      if (secure) {
        asio::write(*secure, asio::buffer(text));
      } else {
        asio::write(socket, asio::buffer(text));
      }
    }
  };

  void record(const std::string& line) {
    std::lock_guard lock(mutex);
    commands.push_back(line);
  }

  void serve(tcp::socket socket) {
    Session s(std::move(socket));
    // Forget the descriptor before it closes: the destructor must not shut down a reused one.
    struct Forget {
      Impl* impl;
      int fd;
      ~Forget() {
        std::lock_guard lock(impl->mutex);
        std::erase(impl->open_sockets, fd);
      }
    } forget{this, s.socket.native_handle()};
    try {
      if (options.implicit_tls) {
        s.secure = std::make_unique<asio::ssl::stream<tcp::socket&>>(s.socket, tls);
        s.secure->handshake(asio::ssl::stream_base::server);
      }
      s.write("220 fake.smtp.test ESMTP ready\r\n");
      ReceivedMail mail;
      std::string user, mechanism;
      for (;;) {
        const std::string line = s.read_line();
        record(line);
        const std::string verb = upper(line.substr(0, line.find(' ')));
        const bool tls_on = s.secure != nullptr;
        if (verb == "EHLO" || verb == "HELO") {
          std::string reply = "250-fake.smtp.test\r\n250-8BITMIME\r\n";
          if (options.starttls && !tls_on) reply += "250-STARTTLS\r\n";
          if (tls_on && !options.auth.empty()) reply += "250-AUTH " + options.auth + "\r\n";
          s.write(reply + "250 SIZE 10240000\r\n");
        } else if (verb == "STARTTLS" && options.starttls && !tls_on) {
          s.write("220 2.0.0 go ahead\r\n");
          s.secure = std::make_unique<asio::ssl::stream<tcp::socket&>>(s.socket, tls);
          s.secure->handshake(asio::ssl::stream_base::server);
          user.clear();
        } else if (verb == "AUTH" && tls_on) {
          const std::string rest = line.size() > 5 ? line.substr(5) : "";
          const std::string mech = upper(rest.substr(0, rest.find(' ')));
          std::string name, password;
          if (mech == "PLAIN") {
            std::string payload = rest.find(' ') == std::string::npos ? "" : rest.substr(rest.find(' ') + 1);
            if (payload.empty()) {
              s.write("334 \r\n");
              payload = s.read_line();
              record(payload);
            }
            const std::string decoded = from_base64(payload);  // authzid \0 user \0 password
            const auto first = decoded.find('\0');
            const auto second = decoded.find('\0', first + 1);
            if (first != std::string::npos && second != std::string::npos) {
              name = decoded.substr(first + 1, second - first - 1);
              password = decoded.substr(second + 1);
            }
          } else if (mech == "LOGIN") {
            s.write("334 VXNlcm5hbWU6\r\n");
            const auto u = s.read_line();
            record(u);
            name = from_base64(u);
            s.write("334 UGFzc3dvcmQ6\r\n");
            const auto p = s.read_line();
            record(p);
            password = from_base64(p);
          }
          if (!name.empty() && name == options.user && password == options.password) {
            user = name;
            mechanism = mech;
            s.write("235 2.7.0 Authentication successful\r\n");
          } else {
            s.write("535 5.7.8 Authentication credentials invalid\r\n");
          }
        } else if (verb == "MAIL") {
          if (!options.auth.empty() && user.empty()) {
            s.write("530 5.7.0 Authentication required\r\n");
            continue;
          }
          mail = ReceivedMail{};
          mail.mail_from = line.substr(line.find(':') + 1);
          mail.mail_from = mail.mail_from.substr(0, mail.mail_from.find(' '));  // without SIZE=...
          s.write("250 2.1.0 Ok\r\n");
        } else if (verb == "RCPT") {
          std::unique_lock lock(mutex);
          if (rcpt_stall) {
            changed.wait(lock, [this] { return stopping || !rcpt_stall; });
            if (stopping) return;
          }
          const std::string reply = rcpt_reply.empty() ? "250 2.1.5 Ok" : rcpt_reply;
          lock.unlock();
          if (reply.starts_with("250")) {
            const std::string to = line.substr(line.find(':') + 1);
            mail.rcpt_to.push_back(to.substr(0, to.find(' ')));
          }
          s.write(reply + "\r\n");
        } else if (verb == "DATA") {
          if (mail.rcpt_to.empty()) {
            s.write("554 5.5.1 No valid recipients\r\n");
            continue;
          }
          s.write("354 End data with <CR><LF>.<CR><LF>\r\n");
          for (;;) {
            std::string data_line = s.read_line();
            if (data_line == ".") break;
            if (data_line.starts_with("..")) data_line.erase(0, 1);
            mail.data += data_line + "\r\n";
          }
          mail.over_tls = s.secure != nullptr;
          mail.auth_user = user;
          mail.auth_mechanism = mechanism;
          {
            std::lock_guard lock(mutex);
            mails.push_back(mail);
          }
          changed.notify_all();
          mail = ReceivedMail{};
          s.write("250 2.0.0 Ok: queued\r\n");
        } else if (verb == "RSET") {
          mail = ReceivedMail{};
          s.write("250 2.0.0 Ok\r\n");
        } else if (verb == "NOOP") {
          s.write("250 2.0.0 Ok\r\n");
        } else if (verb == "QUIT") {
          s.write("221 2.0.0 Bye\r\n");
          return;
        } else {
          s.write("502 5.5.2 Command not recognised\r\n");
        }
      }
    } catch (const std::exception&) {
      // The client went away (or the server is stopping): the session ends.
    }
  }

  void accept_loop() {
    for (;;) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      std::lock_guard lock(mutex);
      if (stopping) return;
      if (ec) continue;
      ++connections;
      open_sockets.push_back(socket.native_handle());
      sessions.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }
};

FakeSmtpServer::FakeSmtpServer(FakeSmtpOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->tls.use_certificate_chain_file(impl_->pki.server_cert);
  impl_->tls.use_private_key_file(impl_->pki.server_key, asio::ssl::context::pem);
  impl_->accepting = std::thread([this] { impl_->accept_loop(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    // Wake sessions blocked in a read: shut their sockets down under them.
    for (const int fd : impl_->open_sockets) ::shutdown(fd, SHUT_RDWR);
  }
  impl_->changed.notify_all();
  // Wake the acceptor with a connection of our own.
  try {
    asio::io_context io;
    tcp::socket poke(io);
    poke.connect(impl_->acceptor.local_endpoint());
  } catch (const std::exception&) {
  }
  impl_->accepting.join();
  for (auto& session : impl_->sessions) session.join();
}

std::uint16_t FakeSmtpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string FakeSmtpServer::url() const {
  return std::string(impl_->options.implicit_tls ? "smtps" : "smtp") +
         "://127.0.0.1:" + std::to_string(port());
}

const std::string& FakeSmtpServer::ca_file() const { return impl_->pki.ca_cert; }

void FakeSmtpServer::reply_at_rcpt(std::string reply) {
  std::lock_guard lock(impl_->mutex);
  impl_->rcpt_reply = std::move(reply);
}

void FakeSmtpServer::stall_at_rcpt(bool stall) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->rcpt_stall = stall;
  }
  impl_->changed.notify_all();
}

std::vector<ReceivedMail> FakeSmtpServer::mails() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->mails;
}

bool FakeSmtpServer::wait_for_mails(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->mails.size() >= n; });
}

std::vector<std::string> FakeSmtpServer::commands() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->commands;
}

std::size_t FakeSmtpServer::connections_accepted() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connections;
}

}  // namespace burgernet::testing
