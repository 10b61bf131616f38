// Per-message progress: two small reads, the messages and the counters kept per message (0020).
#include "burgernet/action/message_progress.hpp"

#include <map>

#include "burgernet/sql/query.hpp"

namespace burgernet::action {

nlohmann::json message_progress(db::Connection& c, const std::string& action_id) {
  using nlohmann::json;
  std::map<std::int64_t, json> counts;
  const auto n = c.exec(sql::query("ActionMessageDeliveryCounts"), action_id);
  for (int i = 0; i < n.rows(); ++i) counts[n.int64(i, 0)][n.string(i, 1)][n.string(i, 2)] = n.int64(i, 3);
  json messages = json::array();
  const auto r = c.exec(sql::query("ActionMessagesProgress"), action_id);
  for (int i = 0; i < r.rows(); ++i) {
    const auto id = r.int64(i, 0);
    const auto found = counts.find(id);
    messages.push_back({{"id", id},
                        {"kind", r.string(i, 1)},
                        {"text", r.string(i, 2)},
                        {"created_at", r.string(i, 3)},
                        {"recipients", r.int64(i, 4)},
                        {"deliveries", found == counts.end() ? json::object() : found->second}});
  }
  return messages;
}

}  // namespace burgernet::action
