// The `smtp` driver: e-mail through libcurl's SMTP client, STARTTLS required (or implicit TLS
// with smtps://), AUTH when a username is set, certificate and host name always verified.
// libcurl blocks, so every batch runs on the daemon's blocking pool, never an I/O thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "burgernet/channel/channel.hpp"
#include "burgernet/channel/driver.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::channel {

// What a message needs besides its content; injectable so tests can pin the output.
struct MailEnvelope {
  std::string from;        // the `from` setting: "Burgernet <noreply@burgernet.nl>" or a bare address
  std::string to;          // a bare address
  std::string date;        // RFC 5322 date-time
  std::string message_id;  // "<...@...>", message_id()
  std::string boundary;
};

class SmtpChannel : public Channel {
 public:
  // Throws std::runtime_error naming the key (never the password) when a setting is wrong.
  SmtpChannel(const config::ChannelConfig& config, boost::asio::any_io_executor blocking);
  ~SmtpChannel() override;
  boost::asio::awaitable<std::vector<SendResult>> send(std::vector<OutboundMessage> batch) override;
  // Messages held back without spending their attempts, per reason ("tls", "login_refused",
  // "circuit_open", "connection"), for burgernet_channel_held_total{channel, reason}.
  std::map<std::string, std::uint64_t> held_counts() const override;
  std::optional<net::CircuitBreaker::Reading> circuit() const override;

  // The whole RFC 5322 message: headers, and a multipart/alternative body with a text/plain and
  // a text/html part, both UTF-8 in base64. Public for tests.
  static std::string compose(const OutboundMessage& message, const MailEnvelope& envelope);
  // A Subject (or any unstructured header) value: as it is when printable ASCII, otherwise RFC
  // 2047 encoded-words (=?UTF-8?B?...?=) of at most 75 characters, folded.
  static std::string encode_header(const std::string& utf8);
  // "<KEY@DOMAIN>": the delivery's idempotency key at the sender's domain (from `from`), the
  // same on every attempt of one delivery, so that mail clients and archives can drop a repeat.
  static std::string message_id(const OutboundMessage& message, const std::string& from);
  // The address inside `Name <address>`, or the whole text.
  static std::string address_of(const std::string& mailbox);
  // Now as an RFC 5322 date: "Sun, 29 Nov 2026 01:17:06 +0000".
  static std::string rfc5322_date(std::chrono::system_clock::time_point at);

  class Mailer;  // the libcurl half, shared with the jobs on the blocking pool

 private:
  std::shared_ptr<Mailer> mailer_;
  boost::asio::any_io_executor blocking_;
};

// This driver's description, registered in src/channel/registry.cpp.
const Driver& smtp_driver();

}  // namespace burgernet::channel
