// Status codes and transport errors to Sent / Retry / Failed. Reasons are built only from the
// driver's name, the status code and the error's category: never from a URL or a body.
#include "burgernet/net/classify.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>
#include <ctime>

#include "burgernet/net/held_messages.hpp"

namespace burgernet::net {

using channel::Failed;
using channel::Retry;
using channel::Sent;

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::milliseconds(std::min<long long>(seconds, 86400) * 1000);
  }
  // IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", the only form senders may generate.
  std::tm tm{};
  const std::string text(value);
  const char* parsed = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0') return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(::timegm(&tm));
  if (at <= now) return std::chrono::milliseconds::zero();
  return std::min(std::chrono::duration_cast<std::chrono::milliseconds>(at - now), std::chrono::milliseconds(86400000));
}

channel::SendResult classify_status(std::string_view driver, unsigned status, std::optional<std::string_view> retry_after,
                                    std::chrono::system_clock::time_point now) {
  const std::string reason = std::string(driver) + ": HTTP " + std::to_string(status);
  if (status >= 200 && status < 300) return Sent{};
  if (status == 429 || status >= 500) {
    std::optional<std::chrono::milliseconds> after;
    if (retry_after) after = parse_retry_after(*retry_after, now);
    return Retry{after, reason};
  }
  // 1xx that reached us, 3xx (we follow no redirects: a provider's API does not move) and 4xx.
  return Failed{reason};
}

channel::SendResult classify_transport(std::string_view driver, const boost::system::error_code& error) {
  namespace asio_error = boost::asio::error;
  std::string what;
  if (error == boost::beast::error::timeout || error == asio_error::timed_out) {
    what = "timeout";
  } else if (error == asio_error::connection_refused) {
    what = "connection refused";
  } else if (error == asio_error::connection_reset || error == boost::beast::http::error::end_of_stream ||
             error == asio_error::eof || error == boost::asio::ssl::error::stream_truncated ||
             error == asio_error::broken_pipe) {
    what = "connection closed";
  } else if (error == asio_error::host_not_found || error == asio_error::host_not_found_try_again) {
    what = "host not found";
  } else if (error == boost::beast::http::error::body_limit) {
    what = "response too large";
  } else if (is_tls_error(error)) {
    what = "TLS error";  // includes a certificate or host name that does not verify
  } else {
    what = "network error";
  }
  return Retry{std::nullopt, std::string(driver) + ": " + what};
}


bool is_tls_error(const boost::system::error_code& error) {
  return error.category() == boost::asio::error::get_ssl_category() &&
         error != boost::asio::ssl::error::stream_truncated;
}

channel::SendResult classify_handshake(std::string_view driver, const boost::system::error_code& error) {
  auto result = classify_transport(driver, error);
  if (is_tls_error(error)) {
    auto& retry = std::get<Retry>(result);
    retry.after = kHoldFor;
    retry.counts_attempt = false;
  }
  return result;
}

}  // namespace burgernet::net
