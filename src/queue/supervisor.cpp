// Restart after an exception, with a pause so that a unit failing at once does not spin.
#include "queue/supervisor.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace burgernet::queue {

void spawn_supervised(boost::asio::io_context& io, Supervised unit) {
  auto shared = std::make_shared<Supervised>(std::move(unit));
  boost::asio::co_spawn(io, shared->start(), [&io, shared](std::exception_ptr failure) {
    if (!failure || shared->stopping()) {
      if (failure) spdlog::warn("queue: {} ended with an error while stopping", shared->name);
      if (shared->done) shared->done();
      return;
    }
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      spdlog::error("queue: {} failed and is restarted: {}", shared->name, e.what());
    } catch (...) {
      spdlog::error("queue: {} failed and is restarted", shared->name);
    }
    if (shared->restarts) shared->restarts->inc();
    auto timer = std::make_shared<boost::asio::steady_timer>(io, shared->pause);
    timer->async_wait([&io, shared, timer](const boost::system::error_code&) {
      if (shared->stopping()) {
        if (shared->done) shared->done();
        return;
      }
      spawn_supervised(io, std::move(*shared));
    });
  });
}

}  // namespace burgernet::queue
