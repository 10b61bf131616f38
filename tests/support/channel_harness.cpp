// A batch on an io_context, a result's reason, and a captured default logger.
#include "support/channel_harness.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <exception>

namespace burgernet::testing {

std::vector<channel::SendResult> send_batch(channel::Channel& channel,
                                            std::vector<channel::OutboundMessage> batch,
                                            boost::asio::io_context& io) {
  std::vector<channel::SendResult> results;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, channel.send(std::move(batch)),
                        [&](std::exception_ptr e, std::vector<channel::SendResult> r) {
                          failure = e;
                          results = std::move(r);
                        });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  return results;
}

std::string reason_of(const channel::SendResult& result) {
  if (const auto* retry = std::get_if<channel::Retry>(&result)) return retry->reason;
  if (const auto* failed = std::get_if<channel::Failed>(&result)) return failed->reason;
  return "";
}

CapturedLog::CapturedLog(const std::string& name) : previous_(spdlog::default_logger()) {
  auto logger =
      std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_));
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

CapturedLog::~CapturedLog() { spdlog::set_default_logger(previous_); }

std::string CapturedLog::text() const { return stream_.str(); }

}  // namespace burgernet::testing
