// One claimed batch, from rows to outcomes: what needs no sending is decided, the rest is
// rendered and handed to the channel, and every row leaves with exactly one outcome.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/channel/channel.hpp"
#include "burgernet/message/render.hpp"
#include "burgernet/metrics/registry.hpp"
#include "burgernet/queue/retry_policy.hpp"
#include "queue/batch_completer.hpp"
#include "queue/claimer.hpp"
#include "queue/lease_keeper.hpp"

namespace burgernet::queue {

struct SendContext {
  std::string channel_name;
  channel::Capabilities capabilities;  // from the channel's driver: what it sends to, what text it renders
  std::shared_ptr<channel::Channel> channel;  // our own reference: a SIGHUP may replace it meanwhile
  LeaseKeeper& keeper;
  BatchCompleter& completer;
  message::RenderOptions render;
  RetryPolicy retry;
  RandomSource random;
  bool stopping = false;  // claimed but not to be sent: released
  metrics::Histogram& send_seconds;
};

struct SendStats {
  int offered = 0;  // messages the channel may have offered to its provider
  double seconds = 0;
};

// The rows are held by `owner` in the keeper; each is released by its outcome in the completer.
boost::asio::awaitable<SendStats> send_claimed(const SendContext& context, const std::string& owner,
                                               std::vector<ClaimedRow> rows);

}  // namespace burgernet::queue
