// A response whose body is produced after its header, piece by piece (Server-Sent Events): the
// handler returns the header and leaves a ResponseStream in Request::stream; the server writes
// the header and then each piece until the stream ends, the client goes or the server stops.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>
#include <utility>

namespace burgernet::http {

class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // The next bytes to send, waited for on the connection's strand; nullopt once the stream
  // ended (its last bytes were handed out before).
  virtual boost::asio::awaitable<std::optional<std::string>> next() = 0;
  // From any thread: end the stream soon (the server is stopping or the client went away).
  virtual void stop() = 0;
};

}  // namespace burgernet::http
