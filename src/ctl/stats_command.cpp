// `burgernetctl stats`: the statistics of GET /v1/stats (action_stats.hpp), national, as text
// or as the same JSON document.
#include <iostream>
#include <nlohmann/json.hpp>

#include "burgernet/action/action_stats.hpp"
#include "burgernet/db/connection.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"

namespace burgernet::ctl {
namespace {

using nlohmann::json;

std::string number(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_number_float()) {
    char out[32];
    std::snprintf(out, sizeof out, "%.3f", value.get<double>());
    return out;
  }
  return value.dump();
}

void print_groups(const std::string& title, const json& groups) {
  std::cout << "\nactions per " << title
            << " (actions, resolved_by_tip, resolved, unresolved, cancelled, open, share resolved, share by tip):\n";
  if (groups.empty()) std::cout << "  none\n";
  for (const auto& [key, g] : groups.items()) {
    const auto& o = g["by_outcome"];
    std::cout << "  " << key << "\t" << number(g["actions"]) << "\t" << number(o["resolved_by_tip"]) << "\t"
              << number(o["resolved"]) << "\t" << number(o["unresolved"]) << "\t" << number(o["cancelled"]) << "\t"
              << number(o["open"]) << "\t" << number(g["share_resolved"]) << "\t"
              << number(g["share_resolved_by_tip"]) << "\n";
  }
}

void print_counts(const std::string& title, const json& counts) {
  std::cout << "\n" << title << ":\n";
  if (counts.empty()) std::cout << "  none\n";
  for (const auto& [name, count] : counts.items()) std::cout << "  " << name << "\t" << number(count) << "\n";
}

}  // namespace

int run_stats(const config::Config& config, const StatsOptions& options) {
  db::Connection connection(config.database.url);
  const auto stats = action::action_stats(connection, {options.from, options.to}, nullptr);
  if (options.json) {
    std::cout << stats.dump(2) << "\n";
    return kExitOk;
  }
  const auto& actions = stats["actions"];
  std::cout << "# statistics " << stats["from"].get<std::string>() << " to " << stats["to"].get<std::string>()
            << " (months in Europe/Amsterdam; shares of the closed actions not cancelled)\n\n"
            << "actions: " << number(actions["actions"]) << ", share resolved " << number(actions["share_resolved"])
            << ", share resolved by tip " << number(actions["share_resolved_by_tip"]) << "\n";
  print_groups("month", actions["by_month"]);
  print_groups("category", actions["by_category"]);
  print_groups("region", actions["by_region"]);
  const auto& times = stats["time_to_message"];
  std::cout << "\nseconds from creation to the first message: median " << number(times["first_message_s"]["median"])
            << ", p90 " << number(times["first_message_s"]["p90"]) << "; to the last before the close: median "
            << number(times["last_message_s"]["median"]) << ", p90 " << number(times["last_message_s"]["p90"])
            << " (" << number(times["actions"]) << " actions that sent)\n";
  print_counts("active participants per channel", stats["participants"]["by_channel"]);
  print_counts("active participants per municipality", stats["participants"]["by_municipality"]);
  std::cout << "\nsign-ups and erasures per month:\n";
  for (const auto& [month, m] : stats["signups"].items())
    std::cout << "  " << month << "\t" << number(m["signed_up"]) << "\t" << number(m["erased"]) << "\n";
  return kExitOk;
}

}  // namespace burgernet::ctl
