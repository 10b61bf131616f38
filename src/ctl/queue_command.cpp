// `burgernetctl queue`: what waits to be sent and what is being sent, per channel, and how long
// the oldest queued message has waited; the first thing to read when messages are late.
#include <iostream>
#include <nlohmann/json.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"

namespace burgernet::ctl {

int run_queue(const config::Config& config, const ReadOptions& options) {
  using nlohmann::json;
  db::Connection connection(config.database.url);
  const auto r = connection.exec(sql::query("CtlQueueDepth"));
  json channels = json::object();
  // Every configured channel appears, an idle one with zeros: "nothing queued" is an answer too.
  for (const auto& [name, _] : config.channels)
    channels[name] = {{"queued", 0}, {"sending", 0}, {"oldest_queued_s", nullptr}};
  for (int row = 0; row < r.rows(); ++row) {
    auto& channel = channels[r.string(row, 0)];
    if (!channel.contains("queued")) channel = {{"queued", 0}, {"sending", 0}, {"oldest_queued_s", nullptr}};
    const auto status = r.string(row, 1);
    channel[status] = r.int64(row, 2);
    if (status == "queued") channel["oldest_queued_s"] = r.int64(row, 3);
  }
  if (options.json) {
    std::cout << json{{"channels", channels}}.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "channel\tqueued\tsending\toldest queued\n";
  for (const auto& [name, c] : channels.items()) {
    std::cout << name << "\t" << c["queued"].get<std::int64_t>() << "\t" << c["sending"].get<std::int64_t>()
              << "\t"
              << (c["oldest_queued_s"].is_null()
                      ? "-"
                      : std::to_string(c["oldest_queued_s"].get<std::int64_t>()) + "s")
              << "\n";
  }
  return kExitOk;
}

}  // namespace burgernet::ctl
