// `burgernetctl stats`: counts from the database, since the daemon has no GET /v1/stats yet:
// actions per month, category and status, and participants per status and per channel chosen.
#include <iostream>
#include <nlohmann/json.hpp>

#include "burgernet/db/connection.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"

namespace burgernet::ctl {

namespace {
constexpr const char* kSource =
    "counts from the database (the daemon has no GET /v1/stats); months in Europe/Amsterdam; participants "
    "per "
    "channel: active participants who chose it for at least one address, 'app': with an enabled device";
}

int run_stats(const config::Config& config, const ReadOptions& options) {
  using nlohmann::json;
  db::Connection connection(config.database.url);
  json actions = json::array();
  const auto a = connection.exec(sql::query("CtlStatsActions"));
  for (int row = 0; row < a.rows(); ++row) {
    actions.push_back({{"month", a.string(row, 0)},
                       {"category", a.string(row, 1)},
                       {"status", a.string(row, 2)},
                       {"count", a.int64(row, 3)}});
  }
  json by_status = json::object(), by_channel = json::object();
  const auto p = connection.exec(sql::query("CtlStatsParticipants"));
  for (int row = 0; row < p.rows(); ++row)
    (p.string(row, 0) == "status" ? by_status : by_channel)[p.string(row, 1)] = p.int64(row, 2);

  if (options.json) {
    std::cout << json{{"source", kSource},
                      {"actions", actions},
                      {"participants", {{"by_status", by_status}, {"by_channel", by_channel}}}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << "# " << kSource << "\n\nactions (month, category, status, count):\n";
  if (actions.empty()) std::cout << "  none\n";
  for (const auto& row : actions) {
    std::cout << "  " << row["month"].get<std::string>() << "\t" << row["category"].get<std::string>() << "\t"
              << row["status"].get<std::string>() << "\t" << row["count"].get<std::int64_t>() << "\n";
  }
  std::cout << "\nparticipants by status:\n";
  if (by_status.empty()) std::cout << "  none\n";
  for (const auto& [name, count] : by_status.items())
    std::cout << "  " << name << "\t" << count.get<std::int64_t>() << "\n";
  std::cout << "\nactive participants by channel:\n";
  if (by_channel.empty()) std::cout << "  none\n";
  for (const auto& [name, count] : by_channel.items())
    std::cout << "  " << name << "\t" << count.get<std::int64_t>() << "\n";
  return kExitOk;
}

}  // namespace burgernet::ctl
