// An SMTP server on loopback for the smtp driver's tests: EHLO, STARTTLS with the test PKI's
// certificate (or implicit TLS), AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It
// records every command line and every message, and can be told to refuse or stall at RCPT.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace burgernet::testing {

// Standard base64 decoding that skips what is not in the alphabet (line breaks, padding):
// AUTH payloads and MIME bodies.
std::string from_base64(const std::string& text);

struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;  // the message as sent, dot-stuffing undone, CRLF line ends
  bool over_tls = false;
  std::string auth_user;  // empty when not authenticated
  std::string auth_mechanism;
};

struct FakeSmtpOptions {
  bool starttls = true;       // advertise STARTTLS (AUTH only after it)
  bool implicit_tls = false;  // smtps://: TLS from the first byte
  std::string auth = "PLAIN LOGIN";
  std::string user = "burgernet";
  std::string password = "smtp-pa55word-XYZ";
};

class FakeSmtpServer {
 public:
  explicit FakeSmtpServer(FakeSmtpOptions options = {});
  ~FakeSmtpServer();
  FakeSmtpServer(const FakeSmtpServer&) = delete;
  FakeSmtpServer& operator=(const FakeSmtpServer&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // smtp://127.0.0.1:PORT, or smtps:// with implicit TLS
  const std::string& ca_file() const;

  // The reply to every RCPT TO from now on: "" is 250; e.g. "550 5.1.1 No such user".
  void reply_at_rcpt(std::string reply);
  // Never answer RCPT TO (until the client gives up or the server stops).
  void stall_at_rcpt(bool stall);

  std::vector<ReceivedMail> mails() const;
  bool wait_for_mails(std::size_t n, std::chrono::milliseconds timeout) const;
  std::vector<std::string> commands() const;  // every line received, AUTH payloads included
  std::size_t connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace burgernet::testing
