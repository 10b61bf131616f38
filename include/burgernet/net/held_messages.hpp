// Messages a driver keeps back without offering them to the provider, because of a fault that
// only an operator can fix (a TLS certificate that does not verify, a refused service account, a
// base_url that points at something else): one log line when such an episode starts, one when
// it ends, and a count per reason, read by the metrics scrape as
// burgernet_channel_held_total{channel, reason}.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace burgernet::net {

// How long a held message waits before it is offered again: long enough not to hammer a
// provider that refuses us, short enough that an operator's fix shows within a minute.
inline constexpr std::chrono::milliseconds kHoldFor{30000};

// Thread-safe: a driver's sends and the metrics scrape may run on different threads.
class HeldMessages {
 public:
  explicit HeldMessages(std::string driver) : driver_(std::move(driver)) {}
  HeldMessages(const HeldMessages&) = delete;
  HeldMessages& operator=(const HeldMessages&) = delete;

  // One message held for `reason` (a metric label: lower case and '_', e.g. "tls",
  // "token_refused", "not_fcm"). When no episode of `reason` is open, one opens and `why` is
  // logged at error level, prefixed with the driver. `why` must hold no secret, token, URL or
  // personal data.
  void hold(std::string_view reason, std::string_view why);
  // The provider works again for `reason`: when an episode was open, it closes and `what` is
  // logged at info level.
  void resolved(std::string_view reason, std::string_view what);

  // One message held for `reason` outside any episode (a circuit open: already logged when it
  // opened): counted, not logged.
  void count(std::string_view reason);

  bool holding(std::string_view reason) const;
  // Messages held per reason since start, for the metric.
  std::map<std::string, std::uint64_t> counts() const;

 private:
  std::string driver_;
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t, std::less<>> counts_;
  std::set<std::string, std::less<>> open_;
};

}  // namespace burgernet::net
