// The outbound HTTPS client every HTTP channel driver shares: certificate and host-name
// verification always, keep-alive connections per host, a deadline per request, a bound on
// requests in flight, a token bucket for rate_per_s, and a circuit breaker, all per driver.
//
// One HttpClient per configured channel. Not thread-safe: it runs on the executor it is called
// on (the dispatcher's single-threaded loop), with no co_spawn of its own onto other executors.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "burgernet/channel/channel.hpp"
#include "burgernet/net/circuit_breaker.hpp"
#include "burgernet/net/held_messages.hpp"

namespace burgernet::net {

struct HttpClientOptions {
  std::string driver;                        // "twilio_sms": prefixes reasons and log lines
  std::string ca_file;                       // PEM bundle to trust instead of the system's; "" = system
  std::chrono::milliseconds timeout{10000};  // per request: connect, TLS, write and read
  int concurrency = 4;                       // requests in flight at once, over all callers
  double rate_per_s = 0;                     // requests started per second; 0 = unlimited
  CircuitBreaker::Options circuit;
  std::size_t body_limit_bytes = 1 << 20;    // a larger answer is a Retry ("response too large")
};

struct HttpRequest {
  boost::beast::http::verb method = boost::beast::http::verb::post;
  std::string url;  // https://host[:port]/path[?query]; http:// is refused
  std::vector<std::pair<std::string, std::string>> headers;  // Host, Content-Length are set for you
  std::string body;
  // Set by the queue when the delivery's lease is lost: read once a slot and a token are had, just
  // before the request goes out; then it does not go (channel::lease_lost_result()).
  std::shared_ptr<const std::atomic<bool>> abandon;
};

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::optional<std::string> header(const std::string& lower_case_name) const;
};

// What one request came to: the answer when there was one, and the shared classifier's verdict
// (Sent{} for 2xx, without provider_ref: the driver reads that from the body).
struct Exchange {
  std::optional<HttpResponse> response;
  channel::SendResult result;
};

// Splits an https URL; nullopt when it is not one. Public for drivers' config checks and tests.
struct Url {
  std::string host;
  std::string port;    // "443" when absent
  std::string target;  // "/path?query", "/" when absent
};
std::optional<Url> parse_https_url(const std::string& url);

class HttpClient {
 public:
  using Clock = std::chrono::steady_clock;

  // Throws std::runtime_error when ca_file cannot be read. `clock` is for tests of the breaker
  // and rate limit; waiting itself always uses real timers.
  explicit HttpClient(HttpClientOptions options, std::function<Clock::time_point()> clock = Clock::now);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Waits for the circuit, a token and a free slot, then sends. Never throws. While the circuit
  // is open the answer is Retry{after, "...: circuit open", counts_attempt=false} at once. A TLS
  // handshake that fails (a certificate that does not verify, no common protocol) is
  // Retry{kHoldFor, "...: TLS error", counts_attempt=false}: nothing was offered to the
  // provider, and only an operator can fix it; held() logs the episode and counts it.
  boost::asio::awaitable<Exchange> exchange(HttpRequest request);

  // Runs `send_one` for every message of `batch`, up to `concurrency` at once, and returns the
  // results in the batch's order. `send_one` must not throw (an exception becomes a Retry).
  boost::asio::awaitable<std::vector<channel::SendResult>> for_each(
      const std::vector<channel::OutboundMessage>& batch,
      const std::function<boost::asio::awaitable<channel::SendResult>(const channel::OutboundMessage&)>& send_one);

  const HttpClientOptions& options() const { return options_; }
  // This driver's held messages: the client's own (reasons "tls", "circuit_open") and those its
  // driver adds (FCM's "token_refused", ...).
  HeldMessages& held();
  const HeldMessages& held() const;
  // The breaker's state and transitions, for the metrics scrape (thread-safe).
  CircuitBreaker::Reading circuit() const;
  // For tests and metrics: TCP+TLS connections opened since construction.
  std::size_t connections_opened() const;

 private:
  struct State;
  HttpClientOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace burgernet::net
