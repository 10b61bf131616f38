// Supervision of the queue's background units: restarted after an exception, never after a stop.
#include "queue/supervisor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <stdexcept>

using namespace burgernet;
using namespace burgernet::queue;
using namespace std::chrono_literals;

namespace {

struct Runs {
  int started = 0;
  int fail_first = 0;  // throw on this many starts
  bool stopping = false;
  int done = 0;
};

boost::asio::awaitable<void> unit(Runs* runs) {
  if (++runs->started <= runs->fail_first) throw std::runtime_error("a bug");
  co_return;
}

}  // namespace

TEST(Supervisor, AUnitThatThrowsIsStartedAgainAndCounted) {
  boost::asio::io_context io;
  metrics::Registry metrics;
  auto& restarts = metrics.counter("restarts_total", "Restarts.");
  Runs runs{0, 2};
  spawn_supervised(io, Supervised{"worker sms/0", [&runs] { return unit(&runs); }, [&runs] { return runs.stopping; },
                                  [&runs] { ++runs.done; }, &restarts, 1ms});
  io.run();
  EXPECT_EQ(runs.started, 3);
  EXPECT_EQ(restarts.value(), 2);
  EXPECT_EQ(runs.done, 1) << "done once it returned for good";
}

TEST(Supervisor, AUnitThatThrowsWhileStoppingIsNotStartedAgainAndTheDrainGoesOn) {
  boost::asio::io_context io;
  Runs runs{0, 5};
  runs.stopping = true;
  spawn_supervised(io, Supervised{"worker sms/0", [&runs] { return unit(&runs); }, [&runs] { return runs.stopping; },
                                  [&runs] { ++runs.done; }, nullptr, 1ms});
  io.run();
  EXPECT_EQ(runs.started, 1);
  EXPECT_EQ(runs.done, 1);
}
