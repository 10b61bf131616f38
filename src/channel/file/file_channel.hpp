// The `file` driver: one JSON line per message, appended atomically per batch (SPEC.md).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <string>

#include "burgernet/channel/channel.hpp"
#include "burgernet/channel/driver.hpp"

namespace burgernet::channel {

class FileChannel : public Channel {
 public:
  FileChannel(std::string path, boost::asio::any_io_executor blocking);
  boost::asio::awaitable<std::vector<SendResult>> send(std::vector<OutboundMessage> batch) override;

  // The lines for a batch, stamped `sent_at`; public for tests.
  static std::string format(const std::vector<OutboundMessage>& batch, const std::string& sent_at);

 private:
  std::vector<SendResult> write_batch(const std::vector<OutboundMessage>& batch) const;
  std::string path_;
  boost::asio::any_io_executor blocking_;
};

// This driver's description, registered in src/channel/registry.cpp.
const Driver& file_driver();

}  // namespace burgernet::channel
