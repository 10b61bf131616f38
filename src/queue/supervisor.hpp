// Background units that do not die quietly: a unit that throws is logged, counted and started
// again after a pause; `done` runs once it has returned for good, so a drain never waits for a
// unit that is gone.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "burgernet/metrics/registry.hpp"

namespace burgernet::queue {

struct Supervised {
  std::string name;                                      // "worker sms/2", "rescuer": for the log
  std::function<boost::asio::awaitable<void>()> start;   // a new run of the unit
  std::function<bool()> stopping;                        // no restart once true
  std::function<void()> done;                            // called once, when it will not run again
  metrics::Counter* restarts = nullptr;
  std::chrono::milliseconds pause{1000};
};

void spawn_supervised(boost::asio::io_context& io, Supervised unit);

}  // namespace burgernet::queue
