// Beast over OpenSSL, one coroutine per request on the caller's executor. The state (idle
// connections, slots, bucket, breaker) is touched only from that executor's one thread.
#include "burgernet/net/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <stdexcept>

#include "burgernet/net/classify.hpp"
#include "burgernet/net/token_bucket.hpp"

namespace burgernet::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

std::optional<std::string> HttpResponse::header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<Url> parse_https_url(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() <= kScheme.size() || url.compare(0, kScheme.size(), kScheme) != 0) return std::nullopt;
  const auto rest = std::string_view(url).substr(kScheme.size());
  const auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  Url out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!out.target.empty() && out.target.front() == '?') out.target = "/" + out.target;
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  if (authority.front() == '[') {  // [::1]:8443
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return std::nullopt;
    out.port = authority.empty() ? "443" : std::string(authority.substr(1));
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    out.port = colon == std::string_view::npos ? "443" : std::string(authority.substr(colon + 1));
  }
  if (out.host.empty() || out.port.empty() ||
      out.port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return out;
}

namespace {

struct Connection {
  Connection(const asio::any_io_executor& executor, ssl::context& tls) : stream(executor, tls) {}
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;
};

// A connection idle longer than this is closed rather than reused: servers close idle
// keep-alive connections after their own timeout (often 5 to 60 s), and a request on one the
// server has closed costs a failed write before the retry. Below a message every few seconds a
// new TLS handshake costs nothing that matters.
constexpr std::chrono::seconds kMaxIdle{15};

bool is_stale_connection_error(const error_code& ec) {
  return ec == asio::error::eof || ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated;
}

std::chrono::steady_clock::duration left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::steady_clock::duration::zero(), deadline - std::chrono::steady_clock::now());
}

}  // namespace

struct HttpClient::State {
  ssl::context tls{ssl::context::tls_client};
  std::function<Clock::time_point()> clock;
  TokenBucket bucket;
  CircuitBreaker breaker;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // "host:port"
  int in_flight = 0;
  std::deque<asio::steady_timer*> waiting;
  std::size_t opened = 0;
  HeldMessages held;

  State(const HttpClientOptions& options, std::function<Clock::time_point()> clock_)
      : clock(std::move(clock_)),
        bucket(options.rate_per_s, 1.0, clock()),
        breaker(options.circuit),
        held(options.driver) {}

  awaitable<void> acquire_slot(int limit) {
    while (in_flight >= std::max(1, limit)) {
      asio::steady_timer wake(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
      waiting.push_back(&wake);
      error_code ignored;
      co_await wake.async_wait(asio::redirect_error(use_awaitable, ignored));
      std::erase(waiting, &wake);
    }
    ++in_flight;
  }

  void release_slot() {
    --in_flight;
    if (!waiting.empty()) {
      waiting.front()->cancel();
      waiting.pop_front();
    }
  }
};

HttpClient::HttpClient(HttpClientOptions options, std::function<Clock::time_point()> clock)
    : options_(std::move(options)), state_(std::make_unique<State>(options_, std::move(clock))) {
  auto& tls = state_->tls;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  tls.set_verify_mode(ssl::verify_peer);
  if (options_.ca_file.empty()) {
    tls.set_default_verify_paths();
  } else {
    error_code ec;
    tls.load_verify_file(options_.ca_file, ec);
    if (ec) throw std::runtime_error("ca_file: cannot load " + options_.ca_file + " (" + ec.message() + ")");
  }
}

HttpClient::~HttpClient() = default;

std::size_t HttpClient::connections_opened() const { return state_->opened; }
HeldMessages& HttpClient::held() { return state_->held; }
const HeldMessages& HttpClient::held() const { return state_->held; }
CircuitBreaker::Reading HttpClient::circuit() const { return state_->breaker.reading(); }

// g++ 12 reports the coroutine frame's sized operator delete as mismatched: a false positive,
// the frame is allocated and freed by Asio's own operators.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
awaitable<Exchange> HttpClient::exchange(HttpRequest request) {
  const std::string& driver = options_.driver;
  auto& s = *state_;
  const auto url = parse_https_url(request.url);
  if (!url) co_return Exchange{std::nullopt, channel::Failed{driver + ": URL is not https"}};

  const bool was_open = s.breaker.open();
  if (!s.breaker.allow(s.clock())) {
    s.held.count("circuit_open");
    co_return Exchange{std::nullopt, channel::Retry{s.breaker.remaining(s.clock()), driver + ": circuit open", false}};
  }
  const bool probe = was_open;  // let through while not closed: the half-open probe

  const auto executor = co_await asio::this_coro::executor;
  if (const auto wait = s.bucket.reserve(s.clock()); wait > Clock::duration::zero()) {
    asio::steady_timer timer(executor, wait);
    error_code ignored;
    co_await timer.async_wait(asio::redirect_error(use_awaitable, ignored));
  }
  co_await s.acquire_slot(options_.concurrency);
  if (request.abandon && request.abandon->load()) {
    s.release_slot();
    co_return Exchange{std::nullopt, channel::lease_lost_result()};
  }
  if (!probe && s.breaker.open()) {
    s.release_slot();
    s.held.count("circuit_open");
    co_return Exchange{std::nullopt, channel::Retry{s.breaker.remaining(s.clock()), driver + ": circuit open", false}};
  }

  bhttp::request<bhttp::string_body> message{request.method, url->target, 11};
  message.set(bhttp::field::host, url->port == "443" ? url->host : url->host + ":" + url->port);
  message.set(bhttp::field::user_agent, "burgernet");
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = std::move(request.body);
  message.keep_alive(true);
  message.prepare_payload();

  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  const std::string key = url->host + ":" + url->port;
  Exchange result{std::nullopt, channel::Retry{std::nullopt, driver + ": no answer"}};
  error_code ec;
  bool handshake_failed = false;  // then nothing of the request left this process
  std::string tls_failure;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> connection;
    bool reused = false;
    auto& pool = s.idle[key];
    std::erase_if(pool, [](const auto& c) { return std::chrono::steady_clock::now() - c->idle_since > kMaxIdle; });
    if (attempt == 0 && !pool.empty()) {
      connection = std::move(pool.back());
      pool.pop_back();
      reused = true;
    } else {
      ec = {};
      asio::ip::tcp::resolver resolver(executor);
      const auto endpoints =
          co_await resolver.async_resolve(url->host, url->port, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      connection = std::make_unique<Connection>(executor, s.tls);
      SSL* native = connection->stream.native_handle();
      error_code not_ip;
      asio::ip::make_address(url->host, not_ip);
      if (!not_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), url->host.c_str());
      } else {
        SSL_set_tlsext_host_name(native, url->host.c_str());
        SSL_set1_host(native, url->host.c_str());
      }
      connection->stream.set_verify_mode(ssl::verify_peer);
      auto& tcp = beast::get_lowest_layer(connection->stream);
      tcp.expires_after(left(deadline));
      co_await tcp.async_connect(endpoints, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      tcp.expires_after(left(deadline));
      co_await connection->stream.async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        handshake_failed = true;
        // OpenSSL's own words for the log: the verification's verdict when it was that.
        const long verify = SSL_get_verify_result(native);
        tls_failure = verify != X509_V_OK ? std::string("certificate not accepted: ") +
                                                X509_verify_cert_error_string(verify)
                                          : "handshake failed: " + ec.message();
        break;
      }
      ++s.opened;
      s.held.resolved("tls", "the TLS handshake with the provider succeeds again");
    }
    auto& tcp = beast::get_lowest_layer(connection->stream);
    tcp.expires_after(left(deadline));
    co_await bhttp::async_write(connection->stream, message, asio::redirect_error(use_awaitable, ec));
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options_.body_limit_bytes);
    if (!ec) {
      tcp.expires_after(left(deadline));
      co_await bhttp::async_read(connection->stream, connection->buffer, parser,
                                 asio::redirect_error(use_awaitable, ec));
    }
    // A kept-alive connection the server had already closed: once more, on a new connection
    // (the other idle ones are older, and most likely closed too: they go). The request was
    // not read by the server, so it cannot be sent twice.
    if (ec && reused && attempt == 0 && is_stale_connection_error(ec) && !parser.got_some()) {
      s.idle[key].clear();
      continue;
    }
    if (ec) break;

    auto response = parser.release();
    HttpResponse out;
    out.status = response.result_int();
    for (const auto& field : response) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      out.headers[name] = std::string(field.value());
    }
    out.body = std::move(response.body());
    if (response.keep_alive() && s.idle[key].size() < static_cast<std::size_t>(std::max(1, options_.concurrency))) {
      tcp.expires_never();
      connection->idle_since = std::chrono::steady_clock::now();
      s.idle[key].push_back(std::move(connection));
    }
    result.result = classify_status(driver, out.status, out.header("retry-after"));
    result.response = std::move(out);
    break;
  }
  if (ec) {
    result.result = handshake_failed ? classify_handshake(driver, ec) : classify_transport(driver, ec);
    // A certificate that does not verify (or no protocol in common) fails every message alike
    // until an operator fixes ca_file, the provider's certificate or the URL: they are held.
    if (handshake_failed && is_tls_error(ec)) {
      s.held.hold("tls", "the TLS handshake with the provider failed (" + tls_failure +
                             "); check ca_file, the provider's certificate and the URL's host");
    }
  }
  s.release_slot();

  if (auto* retry = std::get_if<channel::Retry>(&result.result)) {
    s.breaker.record_failure(s.clock());
    if (s.breaker.open()) spdlog::warn("{}: circuit open after repeated failures ({})", driver, retry->reason);
    // A failed probe of an open circuit asked whether the provider is back, on behalf of every
    // waiting message: it does not use up this one's attempts (a long outage would otherwise
    // fail the few messages that happened to probe it), and it waits as they do.
    if (probe && s.breaker.open()) {
      retry->counts_attempt = false;
      retry->after = s.breaker.remaining(s.clock());
    }
  } else if (std::holds_alternative<channel::Sent>(result.result) || result.response) {
    s.breaker.record_success();  // any answer but 429/5xx shows the provider is up
  }
  co_return result;
}
#pragma GCC diagnostic pop

namespace {

struct Lanes {
  const std::vector<channel::OutboundMessage>* batch;
  const std::function<awaitable<channel::SendResult>(const channel::OutboundMessage&)>* send_one;
  std::vector<channel::SendResult>* results;
  std::size_t next = 0;
  int running = 0;
  asio::steady_timer* done = nullptr;
};

// A plain coroutine with pointer parameters (no lambda captures: see the g++ 12 note in
// README), spawned on the caller's own executor.
awaitable<void> lane(Lanes* lanes) {
  while (lanes->next < lanes->batch->size()) {
    const std::size_t i = lanes->next++;
    try {
      (*lanes->results)[i] = co_await (*lanes->send_one)((*lanes->batch)[i]);
    } catch (const std::exception&) {
      (*lanes->results)[i] = channel::Retry{std::nullopt, "driver error"};
    }
  }
  if (--lanes->running == 0) lanes->done->cancel();
}

}  // namespace

awaitable<std::vector<channel::SendResult>> HttpClient::for_each(
    const std::vector<channel::OutboundMessage>& batch,
    const std::function<awaitable<channel::SendResult>(const channel::OutboundMessage&)>& send_one) {
  std::vector<channel::SendResult> results(batch.size(), channel::Retry{std::nullopt, "not sent"});
  if (batch.empty()) co_return results;
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer done(executor, asio::steady_timer::time_point::max());
  Lanes lanes{&batch, &send_one, &results, 0, 0, &done};
  const int n = static_cast<int>(std::min<std::size_t>(std::max(1, options_.concurrency), batch.size()));
  lanes.running = n;
  for (int i = 0; i < n; ++i) asio::co_spawn(executor, lane(&lanes), asio::detached);
  while (lanes.running > 0) {
    error_code ignored;
    co_await done.async_wait(asio::redirect_error(use_awaitable, ignored));
  }
  co_return results;
}

}  // namespace burgernet::net
