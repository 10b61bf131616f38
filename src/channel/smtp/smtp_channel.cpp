// One CURL handle per worker thread keeps its SMTP connection open across a batch (libcurl
// reuses a live connection to the same URL); a reply code picks Retry (4xx) or Failed (5xx).
// A circuit breaker, shared by the pool's threads, stops offering mail to a server that keeps
// failing (or refusing our login) and postpones the batches without spending their attempts.
#include "channel/smtp/smtp_channel.hpp"

#include <curl/curl.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "burgernet/channel/http_channel.hpp"
#include "burgernet/net/circuit_breaker.hpp"
#include "burgernet/net/encoding.hpp"
#include "burgernet/net/held_messages.hpp"

namespace burgernet::channel {
namespace {

constexpr char kDriver[] = "smtp";

std::string reason(const std::string& what) { return std::string(kDriver) + ": " + what; }

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    raw = std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return net::to_hex(raw);
}

bool printable_ascii(const std::string& text) {
  for (const unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// No header may be split or injected by a title or an address.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  return text;
}

std::string base64_lines(const std::string& bytes) {
  const std::string encoded = net::to_base64(bytes);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\n':
        out += "<br>\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Plain text lines end in CRLF on the wire.
std::string crlf(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

void init_curl_once() {
  static std::once_flag once;  // curl_global_init is not thread-safe; the first channel does it
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

bool login_refused(CURLcode code, long reply) {
  return code == CURLE_LOGIN_DENIED || reply == 535 || reply == 530 || reply == 534;
}

// A TLS handshake that failed: a certificate or host name that does not verify, a CA file
// that cannot be read, no protocol in common.
bool tls_refused(CURLcode code) {
  return code == CURLE_SSL_CONNECT_ERROR || code == CURLE_PEER_FAILED_VERIFICATION ||
         code == CURLE_SSL_CACERT_BADFILE;
}

// libcurl's verdict and the server's last reply, without an address or a password.
SendResult classify(CURLcode code, long reply) {
  if (code == CURLE_OK) return Sent{};
  if (login_refused(code, reply)) {
    // Every message would fail the same way until an operator fixes the account: the mail waits
    // for that without spending its attempts.
    return Retry{std::nullopt, reason("authentication failed"), false};
  }
  if (code == CURLE_USE_SSL_FAILED) return Retry{std::nullopt, reason("STARTTLS not offered")};
  if (code == CURLE_OPERATION_TIMEDOUT) return Retry{std::nullopt, reason("timeout")};
  if (code == CURLE_COULDNT_CONNECT) return Retry{std::nullopt, reason("connection refused")};
  if (code == CURLE_COULDNT_RESOLVE_HOST) return Retry{std::nullopt, reason("host not found")};
  if (tls_refused(code)) {
    // The handshake failed, before any mail was offered: every message would meet it until an
    // operator fixes ca_file or the server's certificate.
    return Retry{net::kHoldFor, reason("TLS error"), false};
  }
  if (reply >= 500 && reply < 600) return Failed{reason("reply " + std::to_string(reply))};
  if (reply >= 400 && reply < 500) return Retry{std::nullopt, reason("reply " + std::to_string(reply))};
  if (code == CURLE_GOT_NOTHING || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR) {
    return Retry{std::nullopt, reason("connection closed")};
  }
  return Retry{std::nullopt, reason("error " + std::to_string(static_cast<int>(code)))};
}

// A message this driver can never send, found without asking the server.
std::optional<SendResult> unsendable(const OutboundMessage& message) {
  const std::string to = message.to.value_or("");
  if (to.empty()) return Failed{reason("no address")};
  if (to.find_first_of("\r\n<> ,") != std::string::npos || to.find('@') == std::string::npos) {
    return Failed{reason("invalid address")};
  }
  return std::nullopt;
}

// A failure of the connection itself: the rest of the batch would meet it too.
bool connection_failed(const SendResult& result) {
  const auto* retry = std::get_if<Retry>(&result);
  if (!retry) return false;
  return retry->reason == reason("timeout") || retry->reason == reason("connection refused") ||
         retry->reason == reason("host not found") || retry->reason == reason("TLS error") ||
         retry->reason == reason("STARTTLS not offered") || retry->reason == reason("authentication failed");
}

// The metric label of a message held after `held_reason` stopped its batch.
std::string_view held_label(const std::string& held_reason) {
  if (held_reason == reason("circuit open")) return "circuit_open";
  if (held_reason == reason("TLS error")) return "tls";
  if (held_reason == reason("authentication failed")) return "login_refused";
  return "connection";
}

}  // namespace

class SmtpChannel::Mailer {
 public:
  struct Settings {
    std::string channel;  // the channel's name, for the log
    std::string url, from, username, password, ca_file;
    std::string password_key, password_file;  // where the password is read again after a refused login
    std::chrono::milliseconds timeout{10000};
    double rate_per_s = 0;
    net::CircuitBreaker::Options circuit;
  };

  explicit Mailer(Settings settings)
      : settings_(std::move(settings)),
        breaker_(settings_.circuit),
        held_(std::string(kDriver) + ": channel " + settings_.channel) {
    init_curl_once();
  }
  ~Mailer() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  const net::HeldMessages& held() const { return held_; }
  net::CircuitBreaker::Reading circuit() const { return breaker_.reading(); }

  // On a pool thread: the whole batch over one handle, so over one connection. Once the
  // connection breaks or the circuit is open, the rest of the batch waits without being offered.
  std::vector<SendResult> send_batch(const std::vector<OutboundMessage>& batch) {
    CURL* handle = nullptr;
    std::vector<SendResult> results;
    results.reserve(batch.size());
    std::optional<Retry> held;
    for (const auto& message : batch) {
      if (auto refused = unsendable(message)) {
        results.push_back(std::move(*refused));
        continue;
      }
      if (!held) held = circuit_open();
      if (held) {
        results.push_back(*held);
        held_.count(held_label(held->reason));
        continue;
      }
      if (!handle) handle = take();
      wait_for_rate();
      // Read after the rate wait: the lease may have been lost meanwhile (the flag is atomic).
      if (!message.still_held()) {
        results.push_back(lease_lost_result());
        continue;
      }
      const auto [result, reply] = send_one(handle, message);
      results.push_back(record(result, reply));
      if (connection_failed(result)) {
        held = std::get<Retry>(results.back());
        held->counts_attempt = false;  // never offered to the server
      }
    }
    give_back(handle);
    return results;
  }

 private:
  CURL* take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }
  void give_back(CURL* handle) {
    if (!handle) return;
    std::lock_guard lock(mutex_);
    idle_.push_back(handle);
  }

  // A Retry for a message not offered because the circuit is open; nullopt when it may go.
  std::optional<Retry> circuit_open() {
    std::lock_guard lock(mutex_);
    const auto now = net::CircuitBreaker::Clock::now();
    if (breaker_.allow(now)) return std::nullopt;
    return Retry{breaker_.remaining(now), reason("circuit open"), false};
  }

  // Tells the breaker what the server did, logs a refused login once (until a mail goes through
  // again), and returns the result, its wait set to the circuit's when that is now open.
  SendResult record(SendResult result, long reply) {
    std::lock_guard lock(mutex_);
    const auto now = net::CircuitBreaker::Clock::now();
    auto* retry = std::get_if<Retry>(&result);
    if (!retry || retry->reason.starts_with(reason("reply"))) {  // the server answered after TLS
      held_.resolved("tls", "the TLS handshake with the SMTP server succeeds again");
    }
    if (!retry) {
      breaker_.record_success();  // sent, or a 5xx about this message: the server is up
      login_refused_ = false;
      return result;
    }
    if (retry->reason == reason("TLS error")) {
      held_.hold("tls",
                 "the TLS handshake with the SMTP server failed; check ca_file and the server's certificate");
    } else if (retry->reason == reason("authentication failed")) {
      held_.count("login_refused");
    }
    if (retry->reason == reason("authentication failed") && !login_refused_) {
      login_refused_ = true;
      spdlog::error(
          "{}: channel {}: the SMTP server refused the login (reply {}); the mail is kept without using up "
          "attempts until the account is fixed: {} is read again before the next login (a new username "
          "needs a restart)",
          kDriver, settings_.channel, reply, settings_.password_key);
    }
    const bool was_open = breaker_.open();
    breaker_.record_failure(now);
    if (breaker_.open()) {
      if (!was_open) spdlog::warn("{}: circuit open after repeated failures ({})", kDriver, retry->reason);
      if (!retry->counts_attempt) retry->after = breaker_.remaining(now);
    }
    return result;
  }

  // The password for the next login: after a refusal, the file is read again first, so that an
  // operator's fix of the file is picked up without a restart.
  std::string password() {
    std::lock_guard lock(mutex_);
    if (login_refused_ && !settings_.password_file.empty()) {
      try {
        settings_.password = read_secret_file(settings_.password_key, settings_.password_file);
      } catch (const std::exception& e) {
        spdlog::warn("{}: channel {}: keeping the password read before: {}", kDriver, settings_.channel,
                     e.what());
      }
    }
    return settings_.password;
  }

  void wait_for_rate() {
    if (settings_.rate_per_s <= 0) return;
    std::chrono::steady_clock::time_point at;
    {
      std::lock_guard lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      next_slot_ = std::max(next_slot_, now);
      at = next_slot_;
      next_slot_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(1.0 / settings_.rate_per_s));
    }
    std::this_thread::sleep_until(at);
  }

  struct Outcome {
    SendResult result;
    long reply = 0;  // the server's last reply code, 0 when it gave none
  };

  // One message that unsendable() let through.
  Outcome send_one(CURL* handle, const OutboundMessage& message) {
    if (!handle) return {Retry{std::nullopt, reason("no curl handle")}};
    const std::string to = *message.to;
    MailEnvelope envelope;
    envelope.from = settings_.from;
    envelope.to = to;
    envelope.date = rfc5322_date(std::chrono::system_clock::now());
    const std::string from_address = address_of(settings_.from);
    envelope.message_id = message_id(message, settings_.from);
    envelope.boundary = "=_burgernet_" + random_hex(12);
    const std::string mail = compose(message, envelope);

    // Options are set again for every message: curl_easy_reset would also drop the connection.
    Upload upload{&mail};
    const std::string rcpt = "<" + to + ">";
    const std::string mail_from = "<" + from_address + ">";
    curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
    curl_easy_setopt(handle, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(handle, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!settings_.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, settings_.ca_file.c_str());
    const std::string secret = settings_.username.empty() ? "" : password();
    if (!settings_.username.empty()) {
      curl_easy_setopt(handle, CURLOPT_USERNAME, settings_.username.c_str());
      curl_easy_setopt(handle, CURLOPT_PASSWORD, secret.c_str());
    }
    curl_easy_setopt(handle, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.size()));
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_VERBOSE, 0L);
    const CURLcode code = curl_easy_perform(handle);
    long reply = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply);
    // Nothing may point into this call's strings once it is over.
    curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(handle, CURLOPT_READDATA, nullptr);
    curl_slist_free_all(recipients);
    SendResult result = classify(code, reply);
    if (std::holds_alternative<Sent>(result)) return {Sent{envelope.message_id}, reply};
    return {std::move(result), reply};
  }

  Settings settings_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
  std::chrono::steady_clock::time_point next_slot_{};
  net::CircuitBreaker breaker_;
  bool login_refused_ = false;
  net::HeldMessages held_;
};

SmtpChannel::SmtpChannel(const config::ChannelConfig& config, boost::asio::any_io_executor blocking)
    : blocking_(std::move(blocking)) {
  const std::string key = "channels." + config.name + ".";
  Mailer::Settings settings;
  settings.channel = config.name;
  settings.circuit = {config.circuit_failures, config.circuit_open};
  settings.url = smtp_driver().value(config, "url");
  settings.from = smtp_driver().value(config, "from");
  settings.username = smtp_driver().value(config, "username");
  settings.ca_file = smtp_driver().value(config, "ca_file");
  settings.timeout = config.timeout;
  settings.rate_per_s = config.rate_per_s;
  if (!settings.url.starts_with("smtp://") && !settings.url.starts_with("smtps://")) {
    throw std::runtime_error(key + "url: must be smtp://host[:port] (STARTTLS) or smtps://host[:port]");
  }
  if (address_of(settings.from).find('@') == std::string::npos ||
      settings.from.find_first_of("\r\n") != std::string::npos) {
    throw std::runtime_error(key + "from: must be an address, or Name <address>");
  }
  if (!settings.username.empty() || config.settings.contains("password_file")) {
    settings.password_key = key + "password_file";
    settings.password_file = smtp_driver().value(config, "password_file");
    settings.password = read_secret_file(settings.password_key, settings.password_file);
    if (settings.username.empty()) throw std::runtime_error(key + "username: is required with password_file");
  }
  // curl greets with the URL's path as the EHLO name: the sender's domain, not this host's name.
  const auto authority = settings.url.find("://") + 3;
  if (settings.url.find('/', authority) == std::string::npos) {
    const std::string address = address_of(settings.from);
    settings.url += "/" + address.substr(address.find('@') + 1);
  }
  mailer_ = std::make_shared<Mailer>(std::move(settings));
}

SmtpChannel::~SmtpChannel() = default;

std::map<std::string, std::uint64_t> SmtpChannel::held_counts() const { return mailer_->held().counts(); }
std::optional<net::CircuitBreaker::Reading> SmtpChannel::circuit() const { return mailer_->circuit(); }

boost::asio::awaitable<std::vector<SendResult>> SmtpChannel::send(std::vector<OutboundMessage> batch) {
  // Hand the batch to the pool and resume on our own executor with its results. No co_spawn:
  // a plain post there and a post back, with our executor kept busy meanwhile.
  auto initiation = [pool = blocking_, mailer = mailer_](auto handler,
                                                         std::vector<OutboundMessage> messages) {
    auto home = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                    boost::asio::execution::outstanding_work.tracked);
    boost::asio::post(pool, [mailer, messages = std::move(messages), home = std::move(home),
                             handler = std::move(handler)]() mutable {
      std::vector<SendResult> results;
      try {
        results = mailer->send_batch(messages);
      } catch (const std::exception&) {
        results.assign(messages.size(), Retry{std::nullopt, reason("internal error")});
      }
      boost::asio::post(home, [handler = std::move(handler), results = std::move(results)]() mutable {
        std::move(handler)(std::move(results));
      });
    });
  };
  auto results = co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                                      void(std::vector<SendResult>)>(
      std::move(initiation), boost::asio::use_awaitable, std::move(batch));
  co_return results;
}

std::string SmtpChannel::address_of(const std::string& mailbox) {
  const auto open = mailbox.rfind('<');
  const auto close = mailbox.rfind('>');
  if (open != std::string::npos && close != std::string::npos && close > open) {
    return mailbox.substr(open + 1, close - open - 1);
  }
  std::string out = mailbox;
  while (!out.empty() && out.front() == ' ') out.erase(0, 1);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string SmtpChannel::message_id(const OutboundMessage& message, const std::string& from) {
  // Only what a msg-id's dot-atom-text may hold (RFC 5322 3.6.4): the key is ours, but its
  // action id comes from the database, and a header must never be split by it.
  const auto atext = [](std::string text) {
    for (char& c : text) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_';
      if (!ok) c = '-';
    }
    return text;
  };
  const std::string address = address_of(from);
  const auto at = address.find('@');
  const std::string domain = at == std::string::npos ? "burgernet.invalid" : address.substr(at + 1);
  return "<" + atext(idempotency_key(message)) + "@" + atext(domain) + ">";
}

std::string SmtpChannel::encode_header(const std::string& utf8) {
  const std::string text = one_line(utf8);
  if (printable_ascii(text)) return text;
  // "=?UTF-8?B?" + base64 + "?=" within 75 characters: at most 45 bytes of text per word,
  // never splitting a character.
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = std::min(text.size(), i + 45);
    while (end < text.size() && end > i && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + net::to_base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string SmtpChannel::rfc5322_date(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[utc.tm_wday],
                utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

std::string SmtpChannel::compose(const OutboundMessage& message, const MailEnvelope& envelope) {
  const std::string subject = message.title.empty() ? "Burgernet" : message.title;
  const std::string html = "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><title>" +
                           html_escape(one_line(subject)) + "</title></head>\n<body><p>" +
                           html_escape(message.text) + "</p></body></html>\n";
  std::string out;
  out += "From: " + one_line(envelope.from) + "\r\n";
  out += "To: <" + one_line(envelope.to) + ">\r\n";
  out += "Subject: " + encode_header(subject) + "\r\n";
  out += "Date: " + envelope.date + "\r\n";
  out += "Message-ID: " + envelope.message_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Auto-Submitted: auto-generated\r\n";
  out += "Content-Type: multipart/alternative; boundary=\"" + envelope.boundary + "\"\r\n";
  out += "\r\n";
  out += "--" + envelope.boundary + "\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(crlf(message.text) + "\r\n");
  out += "--" + envelope.boundary + "\r\n";
  out += "Content-Type: text/html; charset=UTF-8\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  out += base64_lines(crlf(html));
  out += "--" + envelope.boundary + "--\r\n";
  return out;
}

const Driver& smtp_driver() {
  static const Driver driver{"smtp",
                             {{"url", Setting::Kind::kText, true, ""},
                              {"from", Setting::Kind::kText, true, ""},
                              {"username", Setting::Kind::kText, false, ""},
                              {"password_file", Setting::Kind::kSecretFile, false, ""},
                              {"ca_file", Setting::Kind::kFile, false, ""}},
                             serves(TextForm::kEmail),
                             [](const config::ChannelConfig& config, boost::asio::any_io_executor blocking) {
                               return std::make_shared<SmtpChannel>(config, std::move(blocking));
                             }};
  return driver;
}

}  // namespace burgernet::channel
