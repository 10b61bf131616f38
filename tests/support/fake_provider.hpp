// A provider on loopback HTTPS for driver tests: a throwaway CA and server certificate made at
// start-up, every request recorded, and answers told per test (200, 5xx, 429, 4xx, a stall
// past the client's timeout, or a closed connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace burgernet::testing {

struct RecordedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::chrono::steady_clock::time_point at;
};

struct FakeAnswer {
  unsigned status = 200;
  std::string body = "{}";
  std::map<std::string, std::string> headers = {};  // e.g. {"Retry-After", "7"}
  bool stall = false;  // never answer (until the client gives up)
  bool close = false;  // close the connection without answering
  std::chrono::milliseconds delay{0};  // answer after this long, on top of the provider's latency

  static FakeAnswer ok(std::string body = "{}") { return {200, std::move(body)}; }
  static FakeAnswer status_only(unsigned status) { return {status, "{\"message\":\"fake\"}"}; }
  static FakeAnswer too_many(std::string retry_after) { return {429, "{}", {{"Retry-After", std::move(retry_after)}}}; }
  static FakeAnswer stalled() { return {200, "", {}, true}; }
  static FakeAnswer closed() { return {200, "", {}, false, true}; }
};

class FakeProvider {
 public:
  // `subject_alt_names` of the server certificate, in OpenSSL's config form; change it to
  // check that the client verifies host names.
  explicit FakeProvider(std::string subject_alt_names = "IP:127.0.0.1,DNS:localhost");
  ~FakeProvider();
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  std::uint16_t port() const;
  // "https://127.0.0.1:PORT" + path.
  std::string url(const std::string& path = "") const;
  // A PEM file holding the CA that signed the server certificate, for `ca_file`.
  const std::string& ca_file() const;

  // Every request from now on gets this answer (default: 200 "{}").
  void answer(FakeAnswer answer);
  // Every answer waits a random time in [min, max] first, as real providers take 200-500 ms.
  void latency(std::chrono::milliseconds min, std::chrono::milliseconds max);
  // A kept-alive connection that stays idle this long is closed by the server (default 30 s).
  void idle_timeout(std::chrono::milliseconds timeout);
  // Or decide per request (called on the server's thread).
  void answer_with(std::function<FakeAnswer(const RecordedRequest&)> decide);

  // A side route: requests whose path is `path` get `answer` whatever answer()/answer_with()
  // say, and are recorded apart (side_requests(), not requests() or request_count()), so that a
  // driver's OAuth token requests do not count as its sends.
  void serve(const std::string& path, FakeAnswer answer);
  std::vector<RecordedRequest> side_requests() const;

  std::vector<RecordedRequest> requests() const;
  std::size_t request_count() const;
  // Waits until at least `n` requests arrived; false on timeout.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  std::size_t connections_accepted() const;
  void clear();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace burgernet::testing
