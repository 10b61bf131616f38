// Driving a channel in a test: one batch run to completion on an io_context, the reason a
// result carries, and the default logger captured into a string for the no-secret checks.
#pragma once

#include <spdlog/logger.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "burgernet/channel/channel.hpp"

namespace burgernet::testing {

// Runs `channel.send(batch)` on `io` until it is done and returns its results; rethrows what the
// coroutine threw (a driver must not throw, and a test should say so loudly).
std::vector<channel::SendResult> send_batch(channel::Channel& channel,
                                            std::vector<channel::OutboundMessage> batch,
                                            boost::asio::io_context& io);

// A Retry's or a Failed's reason; empty for Sent.
std::string reason_of(const channel::SendResult& result);

// While it lives, everything logged through spdlog's default logger, at every level, lands in
// text(); the previous default logger is put back when it goes.
class CapturedLog {
 public:
  explicit CapturedLog(const std::string& name = "test");
  ~CapturedLog();
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::string text() const;

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace burgernet::testing
