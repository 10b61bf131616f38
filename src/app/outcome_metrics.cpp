// Refreshes burgernet_actions_closed{outcome,kind} and the shares once a minute: they change
// when an operator closes an action, a few times an hour, and Prometheus scrapes more often.
#include <utility>  // before Asio's awaitable.hpp (docs: STYLE.md, "Async")

#include "app/outcome_metrics.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "burgernet/action/action_stats.hpp"

namespace burgernet::app {
namespace {

namespace asio = boost::asio;

constexpr std::chrono::seconds kEvery{60};
constexpr std::chrono::seconds kUntilReady{5};
// The participants per channel and municipality are counted again after nine minutes, so that
// GET /v1/stats (which counts them itself after ten) finds them fresh.
constexpr double kRecountAfterS = 540;

void publish(metrics::Registry& metrics, const std::vector<action::OutcomeCount>& counts) {
  std::map<std::string, double> by_outcome;
  for (const auto& c : counts) {
    if (c.outcome == "open") continue;
    metrics
        .gauge("burgernet_actions_closed", "Actions closed since the start, per outcome and kind (GET /v1/stats).",
               {{"outcome", c.outcome}, {"kind", c.kind}})
        .set(static_cast<double>(c.actions));
    by_outcome[c.outcome] += static_cast<double>(c.actions);
  }
  // Of the actions closed and not cancelled, as GET /v1/stats counts them.
  const double tip = by_outcome["resolved_by_tip"];
  const double resolved = tip + by_outcome["resolved"];
  const double decided = resolved + by_outcome["unresolved"];
  if (decided == 0) return;  // no series rather than a made-up 0
  metrics
      .gauge("burgernet_actions_share_resolved",
             "Share of the actions closed (not cancelled) since the start that were resolved, by tip or otherwise.")
      .set(resolved / decided);
  metrics
      .gauge("burgernet_actions_share_resolved_by_tip",
             "Share of the actions closed (not cancelled) since the start that were resolved thanks to participants.")
      .set(tip / decided);
}

}  // namespace

asio::awaitable<void> refresh_outcome_gauges(db::Pool& pool, metrics::Registry& metrics, const bool& stopping,
                                             std::function<bool()> database_ready) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stopping) {
    auto wait = kUntilReady;
    if (database_ready()) {
      try {
        const auto counts = co_await pool.run([](db::Connection& c) {
          // Here, not in GET /v1/stats, so that no request waits for it (action_stats.hpp).
          action::count_participants(c, kRecountAfterS);
          return action::actions_by_outcome(c);
        });
        publish(metrics, counts);
        wait = kEvery;
      } catch (const std::exception&) {
        // Keep the last figures; /readyz reports the database.
      }
    }
    timer.expires_after(wait);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace burgernet::app
