// CapMessages rows as CapMessage values: the CAP writers' input.
#include "burgernet/cap/cap_export_store.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "burgernet/sql/query.hpp"

namespace burgernet::cap {

namespace {

CapTime time_at(const db::Result& r, int row, const char* epoch, const char* offset) {
  return {r.int64(row, r.column(epoch)), static_cast<int>(r.int64(row, r.column(offset)))};
}

CapMessage message_of(const db::Result& r, int row) {
  CapMessage m;
  m.action_id = r.string(row, r.column("action_id"));
  m.message_id = r.int64(row, r.column("message_id"));
  m.message_kind = r.string(row, r.column("message_kind"));
  m.action_kind = r.string(row, r.column("action_kind"));
  m.category = r.string(row, r.column("category"));
  m.title = r.string(row, r.column("title"));
  m.text = r.string(row, r.column("text"));
  m.sent = time_at(r, row, "sent_epoch", "sent_offset");
  m.expires = time_at(r, row, "expires_epoch", "expires_offset");
  if (!r.is_null(row, r.column("radius_m"))) {
    m.area.circle =
        CapArea::Circle{{r.float64(row, r.column("circle_lat")), r.float64(row, r.column("circle_lon"))},
                        r.float64(row, r.column("radius_m"))};
  }
  if (const auto polygons = r.optional_string(row, r.column("polygons")))
    m.area.polygons = polygon_rings(*polygons);
  m.area.municipality_code = r.optional_string(row, r.column("municipality_code"));
  m.area.municipality_name = r.optional_string(row, r.column("municipality_name"));
  // [[message id, kind, sent epoch, offset], ...], oldest first.
  for (const auto& e : nlohmann::json::parse(r.text(row, r.column("earlier")))) {
    const auto id = e.at(0).get<std::int64_t>();
    m.earlier.push_back({message_identifier(m.action_id, e.at(1).get<std::string>(), id),
                         {e.at(2).get<std::int64_t>(), e.at(3).get<int>()}});
  }
  m.sequence = static_cast<int>(m.earlier.size()) + 1;
  return m;
}

std::vector<CapMessage> messages_of(const db::Result& r) {
  std::vector<CapMessage> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int row = 0; row < r.rows(); ++row) out.push_back(message_of(r, row));
  return out;
}

}  // namespace

std::vector<CapMessage> action_cap_messages(db::Connection& c, const std::string& action_id,
                                            const action::Visibility& visibility) {
  auto out =
      messages_of(c.exec(sql::query("CapMessages"),
                         db::Params(action_id, visibility.token_id, visibility.area_code, visibility.role)));
  std::reverse(out.begin(), out.end());  // the query answers newest first, for the feed
  return out;
}

std::vector<CapMessage> feed_cap_messages(db::Connection& c) {
  return messages_of(c.exec(sql::query("CapMessages"), db::Params(nullptr, nullptr, nullptr, nullptr)));
}

}  // namespace burgernet::cap
