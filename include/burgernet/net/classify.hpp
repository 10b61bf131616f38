// The one classifier every HTTP driver shares (Alertmanager's notify.RetryOnStatus): a status
// code or a transport error becomes Sent, Retry or Failed, with a short reason that holds no
// URL, secret or phone number (it is stored in deliveries.last_error and used as a label).
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "burgernet/channel/channel.hpp"

namespace burgernet::net {

// 2xx: Sent{} (the driver fills provider_ref from the body); 5xx and 429: Retry (429 and 503
// with Retry-After); other 4xx and anything else: Failed. `driver` prefixes the reason:
// "twilio_sms: HTTP 503".
channel::SendResult classify_status(std::string_view driver, unsigned status,
                                    std::optional<std::string_view> retry_after = std::nullopt,
                                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Timeouts, refused and reset connections, DNS and TLS trouble: Retry (a TLS certificate that
// does not verify is Retry too: it is an operator's fix, and the messages must not be lost).
channel::SendResult classify_transport(std::string_view driver, const boost::system::error_code& error);

// The same for an error of the TLS handshake, before any byte of the request was sent: a TLS
// error there (a certificate or host name that does not verify, no protocol in common) holds
// the message, Retry{kHoldFor, "DRIVER: TLS error", counts_attempt=false}, as every message
// would meet it until an operator fixes it; a timeout or a closed connection is as above.
channel::SendResult classify_handshake(std::string_view driver, const boost::system::error_code& error);

// Whether `error` is OpenSSL's (the TLS layer's own verdict, not the socket's).
bool is_tls_error(const boost::system::error_code& error);

// Retry-After as delay-seconds or an HTTP-date (RFC 9110 10.2.3); nullopt when unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

}  // namespace burgernet::net
