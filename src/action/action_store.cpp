// The SQL side of actions: every participant list stays in the database; C++ only sees counts.
#include "burgernet/action/action_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "burgernet/action/action_stats.hpp"
#include "burgernet/action/area_geometry.hpp"
#include "burgernet/action/area_history.hpp"
#include "burgernet/action/message_progress.hpp"
#include "burgernet/action/visibility.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/domain/page_cursor.hpp"
#include "burgernet/push/device_matching.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::action {
namespace {

using nlohmann::json;

// Above confirm_above, an unconfirmed POST whose grid bound is at most this many times the limit
// is counted exactly (the area is small enough to count within a second or two) before it is
// refused; a larger one is refused with the bound, which the operator then confirms.
constexpr std::int64_t kExactCountFactor = 4;

// Rethrows outages and timeouts as they are; any other database error becomes a 400 naming `field`.
[[noreturn]] void rethrow_as_bad_request(const db::DatabaseError& e, const std::string& field,
                                         const std::string& why) {
  if (dynamic_cast<const db::DatabaseUnavailable*>(&e) || dynamic_cast<const db::QueryCanceled*>(&e)) throw;
  throw InvalidField(field, why);
}

json max_attempts_by_channel(const ActionSettings& settings) {
  json attempts = json::object();
  for (const auto& [name, channel] : settings.channels) attempts[name] = channel.max_attempts;
  return attempts;
}

// A channel an action names that is no longer configured (a SIGHUP removed it) reaches nobody.
bool is_broadcast(const ActionSettings& settings, const std::string& name) {
  const auto it = settings.channels.find(name);
  return it != settings.channels.end() && it->second.capabilities.broadcast();
}

std::vector<std::string> personal_channels(const ActionSettings& settings, const std::vector<std::string>& channels) {
  std::vector<std::string> out;
  std::copy_if(channels.begin(), channels.end(), std::back_inserter(out), [&](const std::string& c) {
    return settings.channels.contains(c) && !is_broadcast(settings, c);
  });
  return out;
}

std::vector<std::string> broadcast_channels(const ActionSettings& settings, const std::vector<std::string>& channels) {
  std::vector<std::string> out;
  std::copy_if(channels.begin(), channels.end(), std::back_inserter(out),
               [&](const std::string& c) { return is_broadcast(settings, c); });
  return out;
}

// The personal channels as the selection reads them (actions.sql, burgernet_channel_table):
// {"texts": {"form": "sms", "calls": false, "devices": false}, ...}. The participant chose a
// form for each address; the channel serving that form reaches them.
std::string channel_table(const ActionSettings& settings, const std::vector<std::string>& personal) {
  json table = json::object();
  for (const auto& name : personal) {
    const auto& capabilities = settings.channels.at(name).capabilities;
    table[name] = {{"form", channel::form_name(capabilities.form)},
                   {"calls", capabilities.calls},
                   {"devices", capabilities.reaches_devices()}};
  }
  return table.dump();
}

// Every configured personal channel, for follow-ups (which go by the channels of the rows).
std::string channel_table(const ActionSettings& settings) {
  std::vector<std::string> all;
  for (const auto& [name, _] : settings.channels) all.push_back(name);
  return channel_table(settings, personal_channels(settings, all));
}

std::vector<std::string> channels_from_json(const std::string& text) {
  return json::parse(text).get<std::vector<std::string>>();
}

// The area an action of this caller must lie in, whole: its token's, for every role but admin
// (a municipal token always has one; an operator may be bound to a police unit's).
std::optional<std::string> token_area_of(const auth::Caller& caller) {
  if (caller.role == "admin") return std::nullopt;
  // burgernetctl refuses to make one; a row made by hand must not mean "anywhere".
  if (caller.role == "municipal" && !caller.area_code)
    throw NotAllowed("this municipal token has no area");
  return caller.area_code;
}

std::int64_t default_expiry_s(const std::string& kind, const ActionSettings& settings) {
  return kind == "urgent" ? settings.urgent_expiry.count() : settings.alert_expiry.count();
}

}  // namespace

AreaGeometry resolve_area(db::Connection& c, const AreaRequest& area, const auth::Caller& caller) {
  const bool polygon = area.kind == AreaRequest::Kind::kPolygon;
  const bool municipality = area.kind == AreaRequest::Kind::kMunicipality;
  const bool corridor = area.kind == AreaRequest::Kind::kCorridor;
  const auto token_area = token_area_of(caller);
  // A corridor passes its line where a polygon passes its GeoJSON, and its half width as the radius.
  const std::optional<std::string> geojson =
      polygon ? std::optional(area.polygon_geojson) : corridor ? std::optional(area.line_geojson) : std::nullopt;
  std::optional<db::Result> r;
  try {
    r.emplace(c.exec(sql::query("ActionAreaResolve"),
                     db::Params(area.kind_name(), area.lon, area.lat, corridor ? area.width_m / 2 : area.radius_m,
                                geojson, municipality ? std::optional(area.municipality) : std::nullopt,
                                token_area)));
  } catch (const db::DatabaseError& e) {
    rethrow_as_bad_request(e, "area." + std::string(area.kind_name()), "is not a usable area");
  }
  if (!r->boolean(0, r->column("found"))) {
    throw InvalidField("area.municipality", "there is no area with code \"" + area.municipality + "\"");
  }
  if (!r->boolean(0, r->column("valid"))) {
    // PostGIS appends where it went wrong ("Self-intersection[4.89 52.37]"): the reason only,
    // so that no coordinates end up in answers that may be logged or stored.
    auto reason = r->string(0, r->column("polygon_reason"));
    reason = reason.substr(0, reason.find('['));
    throw InvalidField("area.polygon", "is not a valid polygon: " + reason);
  }
  if (!r->boolean(0, r->column("inside_token_area"))) {
    throw NotAllowed("this token may only send " +
                          std::string(caller.role == "municipal" ? "alerts" : "actions") +
                          " whose whole area lies inside its own (" + token_area.value_or("") + ")");
  }
  AreaGeometry out{r->string(0, r->column("geom")), std::nullopt, std::nullopt};
  if (area.kind == AreaRequest::Kind::kCircle) {
    out.center = r->string(0, r->column("center"));
    out.radius_m = area.radius_m;
  }
  return out;
}

namespace {

std::int64_t location_ttl_s(const ActionSettings& settings) { return settings.location_ttl.count(); }

// Whether the action also selects app users by their devices' reported places.
bool reaches_devices(const ActionSettings& settings, const std::vector<std::string>& personal) {
  return std::any_of(personal.begin(), personal.end(),
                     [&](const std::string& c) { return settings.channels.at(c).capabilities.reaches_devices(); });
}

// The grid's answer for an area (sql/queries/actions.sql, ActionEstimate).
struct Estimate {
  std::int64_t at_most;
  std::int64_t estimate;  // 0 unless asked for
};
Estimate estimate_recipients(db::Connection& c, const AreaGeometry& area, const std::vector<std::string>& personal,
                             const ActionSettings& settings, bool with_estimate) {
  const auto r = c.exec(sql::query("ActionEstimate"), db::Params(area.geometry, area.center, area.radius_m,
                                                                 reaches_devices(settings, personal), with_estimate));
  return {r.int64(0, 0), r.is_null(0, 1) ? 0 : r.int64(0, 1)};
}

struct Counted {
  std::int64_t recipients;
  json by_channel;
};

// THE selection over the whole area in one statement (ActionSelectionCount): the preview's
// exact count. After five runs PostgreSQL would switch the prepared statement to a generic
// plan, which cannot fold the channel table ($3) and is planned for an unknown area: the preview
// took 1.9x the raw count (docs/benchmarks.md). Planning each run costs ~1 ms.
Counted count_exactly(db::Connection& c, const std::string& action_id, const std::vector<std::string>& personal,
                      const ActionSettings& settings) {
  c.exec_script("plan_cache_mode", "SET LOCAL plan_cache_mode = force_custom_plan");
  const auto r = c.exec(sql::query("ActionSelectionCount"),
                        db::Params(action_id, static_cast<long long>(location_ttl_s(settings)),
                                   channel_table(settings, personal)));
  return {r.int64(0, 0), json::parse(r.text(0, 1))};
}

struct ChunkWritten {
  std::int64_t rows;
  std::int64_t recipients;
  json by_channel;
};

// Selects and writes chunk `chunk` of the action's plan (ActionFanoutChunk) in the caller's transaction.
ChunkWritten write_chunk(db::Connection& c, const std::string& action_id, std::int64_t chunk,
                         const std::string& message_id, const std::vector<std::string>& personal,
                         const ActionSettings& settings) {
  c.exec_script("plan_cache_mode", "SET LOCAL plan_cache_mode = force_custom_plan");
  const auto r = c.exec(sql::query("ActionFanoutChunk"),
                        db::Params(action_id, static_cast<long long>(chunk), message_id,
                                   max_attempts_by_channel(settings).dump(), channel_table(settings, personal),
                                   static_cast<long long>(location_ttl_s(settings))));
  return {r.int64(0, 0), r.int64(0, 1), json::parse(r.text(0, 2))};
}

// What a follow-up (update or closing) wrote so far, and whether that was all.
struct FollowUp {
  std::int64_t recipients;
  std::int64_t rows;
  std::int64_t cancelled;
  bool done;
};
// `rows`: how many of the action's rows this chunk walks (the request's own chunk is small, so
// that the close and the update answer at once; the fan-out worker's are limits.fanout_chunk).
FollowUp write_follow_up_chunk(db::Connection& c, const std::string& action_id, const std::string& message_id,
                               std::int64_t rows, const ActionSettings& settings) {
  const auto r = c.exec(sql::query("ActionFollowUpChunk"),
                        db::Params(action_id, message_id, static_cast<long long>(rows), channel_table(settings),
                                   settings.night_from, settings.night_to));
  return {r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.boolean(0, 3)};
}

std::int64_t first_chunk_addresses(const ActionSettings& settings) {
  return std::max<std::int64_t>(1, std::min(settings.first_chunk, settings.fanout_chunk));
}

// The posts of an action's message on its broadcast channels: one per target a channel names
// for the action (its accounts, its topics: ActionSettings::broadcast_targets), else one.
struct BroadcastPosts {
  std::vector<std::string> channels;
  std::vector<std::optional<std::string>> targets;  // parallel to `channels`

  void count_into(json& by_channel) const {
    if (!by_channel.is_object()) by_channel = json::object();
    for (const auto& name : channels) by_channel[name] = by_channel.value(name, 0) + 1;
  }
  std::int64_t size() const { return static_cast<std::int64_t>(channels.size()); }
};

BroadcastPosts broadcast_posts(db::Connection& c, const std::string& action_id,
                               const std::vector<std::string>& broadcast, const ActionSettings& settings) {
  BroadcastPosts posts;
  for (const auto& name : broadcast) {
    std::vector<std::optional<std::string>> targets;
    if (const auto it = settings.broadcast_targets.find(name); it != settings.broadcast_targets.end() && it->second) {
      targets = it->second(c, action_id);
    }
    if (targets.empty()) targets.emplace_back(std::nullopt);
    for (auto& target : targets) {
      posts.channels.push_back(name);
      posts.targets.push_back(std::move(target));
    }
  }
  return posts;
}

// A device-matching push channel (issue 16) knows no device's place: how many devices its topic
// sends reach is an estimate from the population grid, given apart from the exact counts.
json estimated_reach(db::Connection& c, const std::string& action_id, const std::vector<std::string>& broadcast,
                     const ActionSettings& settings) {
  json out = json::object();
  for (const auto& name : broadcast) {
    if (push::matches_on_device(settings.channels.at(name).capabilities)) out[name] = push::estimated_devices(c, action_id);
  }
  return out;
}

void insert_broadcasts(db::Connection& c, const std::string& action_id, const std::string& message_id,
                       const char* kind, const BroadcastPosts& posts, std::int64_t at_least_s,
                       const ActionSettings& settings) {
  if (posts.channels.empty()) return;
  c.exec(sql::query("ActionBroadcastInsert"),
         db::Params(action_id, message_id, kind, max_attempts_by_channel(settings).dump(), posts.channels,
                    static_cast<long long>(at_least_s), settings.night_from, settings.night_to, posts.targets));
}

// SPEC "Selection rules": an alert raised at night waits for the morning (its send_at becomes
// the night's end, so that quiet hours are read then too); one scheduled into the night is
// refused. Returns the send_at to store.
std::optional<std::string> alert_send_at(db::Connection& c, const ActionRequest& request,
                                         const ActionSettings& settings) {
  if (request.kind != "alert") return request.send_at;
  std::optional<db::Result> night;
  try {
    night.emplace(c.exec(sql::query("AlertNightEnd"), db::Params(request.send_at, settings.night_from, settings.night_to)));
  } catch (const db::DatabaseError& e) {
    // The pattern let it through, so only the calendar can be wrong (a 30th of February).
    if (e.sqlstate().starts_with("22")) rethrow_as_bad_request(e, "send_at", "is not a valid date and time");
    throw;
  }
  if (night->is_null(0, 0)) return request.send_at;
  if (request.send_at) {
    throw InvalidField("send_at", "falls in the night (" + settings.night_from + " to " + settings.night_to +
                                      " Europe/Amsterdam), when alerts are not sent; choose " + night->string(0, 1) +
                                      " or later");
  }
  return night->string(0, 0);
}

// A municipal alert never rings anyone: a calling channel named in the request is refused, and
// left out of the default of every configured channel.
std::vector<std::string> allowed_channels(const ActionRequest& request, const auth::Caller& caller,
                                          const ActionSettings& settings) {
  if (caller.role != "municipal") return request.channels;
  std::vector<std::string> out;
  for (const auto& name : request.channels) {
    const auto it = settings.channels.find(name);
    if (it == settings.channels.end() || !it->second.capabilities.calls) {
      out.push_back(name);
    } else if (request.channels_named) {
      throw InvalidField("channels", "\"" + name + "\" calls people: a municipal alert never rings anyone");
    }
  }
  if (out.empty()) throw InvalidField("channels", "no channel left that a municipal alert may use");
  return out;
}

}  // namespace

bool is_outcome(std::string_view text) {
  return text == "resolved_by_tip" || text == "resolved" || text == "unresolved" || text == "cancelled";
}


json create_action(db::Connection& c, const ActionRequest& request, const auth::Caller& caller,
                   const ActionSettings& settings, const audit::Entry* audit) {
  if (caller.role == "municipal" && request.kind != "alert") {
    throw NotAllowed("a municipal token may only send alerts");
  }
  const auto area = resolve_area(c, request.area, caller);
  const auto channels = allowed_channels(request, caller, settings);
  const auto personal = personal_channels(settings, channels);
  const auto broadcast = broadcast_channels(settings, channels);
  const auto send_at = alert_send_at(c, request, settings);

  if (request.estimate_only) {
    // Nothing is written, not even for a rollback: the console asks this while a circle is dragged.
    const auto estimate = estimate_recipients(c, area, personal, settings, true);
    return {{"estimate", {{"recipients", estimate.estimate}, {"at_most", estimate.at_most}}}};
  }

  db::Transaction tx(c);
  std::optional<db::Result> inserted;
  try {
    inserted.emplace(
        c.exec(sql::query("ActionInsert"),
               db::Params(request.kind, request.category, request.title, request.message,
                          request.area_json.dump(), area.geometry, channels, caller.token_id,
                          send_at, static_cast<long long>(request.expires_in_s), area.center,
                          area.radius_m)));
  } catch (const db::DatabaseError& e) {
    // The pattern let it through, so only the calendar can be wrong (a 30th of February).
    if (e.sqlstate().starts_with("22")) rethrow_as_bad_request(e, "send_at", "is not a valid date and time");
    throw;
  }
  const std::string id = inserted->string(0, 0);
  const std::string message_id =
      c.exec(sql::query("ActionMessageInsert"), id, "action", request.message).string(0, 0);

  // The grid's bound and estimate cost milliseconds whatever the area; the exact count costs
  // the selection itself, so only the preview asks for it (and the confirmation, see below).
  const auto estimate = estimate_recipients(c, area, personal, settings, request.dry_run);
  if (request.dry_run) {
    auto exact = count_exactly(c, id, personal, settings);
    broadcast_posts(c, id, broadcast, settings).count_into(exact.by_channel);
    json preview = {{"recipients", exact.recipients},
                    {"by_channel", std::move(exact.by_channel)},
                    {"estimate", {{"recipients", estimate.estimate}, {"at_most", estimate.at_most}}}};
    if (auto reach = estimated_reach(c, id, broadcast, settings); !reach.empty()) preview["estimated"] = std::move(reach);
    // The transaction rolls back: nothing of it stays.
    return preview;
  }

  // Above confirm_above the operator's confirmation must cover the grid's bound; short of that,
  // an area small enough is counted exactly, and passes when that count is covered.
  const std::int64_t allowed = std::max<std::int64_t>(settings.confirm_above, request.confirm_recipients.value_or(0));
  if (estimate.at_most > allowed) {
    std::int64_t count = estimate.at_most;
    bool exact = false;
    if (estimate.at_most <= kExactCountFactor * settings.confirm_above) {
      count = count_exactly(c, id, personal, settings).recipients;
      exact = true;
    }
    if (count > allowed) throw NeedsConfirmation(count, !exact, settings.confirm_above);  // rolls back
  }

  // The plan cuts the area into chunks without selecting anyone; the first chunk is written
  // here, so that its messages leave at the commit, and the fan-out worker writes the rest.
  const auto plan = c.exec(sql::query("ActionPlan"), db::Params(id, static_cast<long long>(first_chunk_addresses(settings)),
                                                                static_cast<long long>(settings.fanout_chunk)));
  const auto chunks = plan.int64(0, 0);
  auto first = write_chunk(c, id, 0, message_id, personal, settings);
  c.exec(sql::query("ActionFanoutPlan"),
         db::Params(id, static_cast<long long>(first.recipients), static_cast<long long>(chunks)));
  const auto posts = broadcast_posts(c, id, broadcast, settings);
  insert_broadcasts(c, id, message_id, "action", posts, 0, settings);
  posts.count_into(first.by_channel);
  auto reach = estimated_reach(c, id, broadcast, settings);
  audit::append_for(c, audit, id);
  tx.commit();
  const bool done = chunks <= 1;
  spdlog::info("action {} raised by {}: {} {}, {} recipients{}, {} delivery rows{}", id, caller.name, request.kind,
               request.category, done ? first.recipients : estimate.at_most, done ? "" : " at most", first.rows,
               done ? "" : " in the first of " + std::to_string(chunks) + " chunks");
  json answer = {{"id", id},
                 {"kind", request.kind},
                 {"status", inserted->string(0, 2)},
                 {"recipients", done ? first.recipients : estimate.at_most},
                 {"recipients_exact", done},
                 {"by_channel", std::move(first.by_channel)},
                 {"send_at", inserted->string(0, 3)},
                 {"expires_at", inserted->string(0, 4)},
                 {"fanout", done ? "done" : "in_progress"}};
  if (!reach.empty()) answer["estimated"] = std::move(reach);
  return answer;
}

bool fanout_next_chunk(db::Connection& c, const ActionSettings& settings) {
  db::Transaction tx(c);
  const auto claim = c.exec(sql::query("ActionFanoutClaim"));
  if (claim.empty()) return false;
  const std::string id = claim.string(0, 0);
  const auto chunks = claim.int64(0, 1);
  const auto next = claim.int64(0, 2);
  const bool live = claim.boolean(0, 3);
  const std::string message_id = claim.string(0, 4);
  if (!live || next >= chunks) {
    // Closed or expired meanwhile: what is left would be cancelled or expire anyway.
    c.exec(sql::query("ActionFanoutDiscard"), id);
    c.exec(sql::query("ActionFanoutAdvance"), db::Params(id, static_cast<long long>(next), true, 0LL));
    tx.commit();
    return true;
  }
  const auto personal = personal_channels(settings, channels_from_json(claim.string(0, 5)));
  const auto written = write_chunk(c, id, next, message_id, personal, settings);
  c.exec(sql::query("ActionFanoutAdvance"),
         db::Params(id, static_cast<long long>(next + 1), false, static_cast<long long>(written.recipients)));
  tx.commit();
  spdlog::debug("action {}: fan-out chunk {} of {} wrote {} rows", id, next + 1, chunks, written.rows);
  if (next + 1 == chunks) spdlog::info("action {}: fan-out complete ({} chunks)", id, chunks);
  return true;
}

bool follow_up_next_chunk(db::Connection& c, const ActionSettings& settings) {
  db::Transaction tx(c);
  const auto claim = c.exec(sql::query("ActionFollowUpClaim"));
  if (claim.empty()) return false;
  const std::string id = claim.string(0, 0);
  const std::string message_id = claim.string(0, 1);
  const auto written = write_follow_up_chunk(c, id, message_id, settings.fanout_chunk, settings);
  tx.commit();
  if (written.done)
    spdlog::info("action {}: follow-up {} written to {} recipients ({} rows)", id, message_id, written.recipients,
                 written.rows);
  return true;
}

namespace {

json action_json(const db::Result& r, int row) {
  auto text_or_null = [&](const char* name) -> json {
    const int col = r.column(name);
    return r.is_null(row, col) ? json(nullptr) : json(r.string(row, col));
  };
  json out = {{"id", r.string(row, r.column("id"))},
              {"kind", r.string(row, r.column("kind"))},
              {"category", r.string(row, r.column("category"))},
              {"title", r.string(row, r.column("title"))},
              {"status", r.string(row, r.column("status"))},
              {"outcome", text_or_null("outcome")},
              {"created_at", r.string(row, r.column("created_at"))},
              {"expires_at", r.string(row, r.column("expires_at"))},
              {"recipients", r.int64(row, r.column("recipients"))}};
  return out;
}

}  // namespace

json get_action(db::Connection& c, const std::string& id, const auth::Caller& caller) {
  if (!is_uuid(id)) throw NotFound("no such action");
  const auto v = visibility_of(caller);
  const auto r = c.exec(sql::query("ActionGet"), db::Params(id, v.token_id, v.area_code, v.role));
  if (r.empty()) throw NotFound("no such action");
  json out = action_json(r, 0);
  out["message"] = r.string(0, r.column("message"));
  out["area"] = json::parse(r.text(0, r.column("area")));
  add_area_history(c, id, out);  // current_area, areas (grown by updates)
  out["channels"] = json::parse(r.text(0, r.column("channels")));
  out["send_at"] = r.string(0, r.column("send_at"));
  const int closed = r.column("closed_at");
  out["closed_at"] = r.is_null(0, closed) ? json(nullptr) : json(r.string(0, closed));
  out["fanout"] = r.boolean(0, r.column("fanout_done")) ? "done" : "in_progress";
  const int closing = r.column("closing");
  out["closing"] = r.is_null(0, closing) ? json(nullptr) : json(r.string(0, closing));
  json deliveries = json::object();
  const auto counts = c.exec(sql::query("ActionDeliveryCounts"), id);
  for (int i = 0; i < counts.rows(); ++i)
    deliveries[counts.string(i, 0)][counts.string(i, 1)] = counts.int64(i, 2);
  out["deliveries"] = std::move(deliveries);  // every message together, as before 0020
  out["messages"] = message_progress(c, id);
  return out;
}

namespace {


// "%text%" for ILIKE, the input's own % _ and \\ taken literally.
std::string like_pattern(const std::string& text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "%";
}

}  // namespace

json list_actions(db::Connection& c, const ListQuery& query, const auth::Caller& caller) {
  if (query.municipality && !c.exec(sql::query("AreaExists"), *query.municipality).boolean(0, 0))
    throw InvalidField("municipality", "there is no area with this code");
  std::optional<std::string> after_at, after_id;
  if (query.cursor) std::tie(after_at, after_id) = domain::decode_page_cursor(*query.cursor);
  const auto v = visibility_of(caller);
  std::optional<db::Result> r;
  try {
    r.emplace(c.exec(sql::query("ActionList"),
                     db::Params(v.token_id, v.area_code, query.status, after_at, after_id, query.limit + 1, v.role,
                                query.kind, query.category, query.municipality, query.since, query.until,
                                query.text ? std::optional(like_pattern(*query.text)) : std::nullopt)));
  } catch (const db::DatabaseError& e) {
    rethrow_as_bad_request(e, "cursor", "is not a next_cursor from this API");
  }
  json actions = json::array();
  const int shown = std::min(r->rows(), query.limit);
  for (int i = 0; i < shown; ++i) actions.push_back(action_json(*r, i));
  json next = nullptr;
  if (r->rows() > query.limit) {
    next = domain::encode_page_cursor(r->string(shown - 1, r->column("cursor_at")), r->string(shown - 1, r->column("id")));
  }
  return {{"actions", std::move(actions)}, {"next_cursor", std::move(next)}};
}

namespace {

struct LockedAction {
  std::string kind;
  std::vector<std::string> channels;
};

// Locks the action for a change; NotFound if the caller may not see it, Conflict when the
// change comes too late. Waits for a fan-out chunk in progress, so none is missed.
LockedAction lock_for_change(db::Connection& c, const std::string& id, const auth::Caller& caller,
                             bool refuse_expired) {
  if (!is_uuid(id)) throw NotFound("no such action");
  const auto v = visibility_of(caller);
  const auto r = c.exec(sql::query("ActionLockForChange"), db::Params(id, v.token_id, v.area_code, v.role));
  if (r.empty()) throw NotFound("no such action");
  if (r.string(0, 1) == "closed") throw Conflict("action_closed", "the action is closed already");
  if (refuse_expired && (r.string(0, 1) == "expired" || r.boolean(0, 2))) {
    throw Conflict("action_expired", "the action has expired");
  }
  return {r.string(0, 0), channels_from_json(r.string(0, 4))};
}

}  // namespace

namespace {

// Chunk `chunk` of the new people of a grown area (AreaGrowthChunk), in the caller's transaction.
ChunkWritten write_growth_chunk(db::Connection& c, const std::string& action_id, const std::string& message_id,
                                std::int64_t chunk, const std::vector<std::string>& personal,
                                const ActionSettings& settings) {
  c.exec_script("plan_cache_mode", "SET LOCAL plan_cache_mode = force_custom_plan");
  const auto r = c.exec(sql::query("AreaGrowthChunk"),
                        db::Params(action_id, message_id, static_cast<long long>(chunk),
                                   max_attempts_by_channel(settings).dump(), channel_table(settings, personal),
                                   static_cast<long long>(location_ttl_s(settings)), settings.night_from,
                                   settings.night_to));
  return {r.int64(0, 0), r.int64(0, 1), json::parse(r.text(0, 2))};
}

struct Growth {
  std::int64_t chunks;
  ChunkWritten written;  // the first chunk's, or every chunk's in a dry run
};

// Records the update's area and plans its new people in chunks, as the action's own fan-out:
// the first chunk is written here (its messages leave at the commit), the rest by the worker.
// A dry run writes them all, to count them, and its transaction rolls back.
Growth grow_area(db::Connection& c, const std::string& id, const std::string& message_id, const UpdateArea& update,
                 const AreaGeometry& area, const std::vector<std::string>& personal, const ActionSettings& settings) {
  c.exec(sql::query("AreaGrowthInsert"),
         db::Params(message_id, id, update.area_json.dump(), area.geometry, area.center, area.radius_m));
  const auto chunks = c.exec(sql::query("AreaGrowthPlan"),
                             db::Params(message_id, static_cast<long long>(first_chunk_addresses(settings)),
                                        static_cast<long long>(settings.fanout_chunk)))
                          .int64(0, 0);
  Growth out{chunks, {0, 0, json::object()}};
  const std::int64_t written_now = update.dry_run ? chunks : std::min<std::int64_t>(chunks, 1);
  for (std::int64_t chunk = 0; chunk < written_now; ++chunk) {
    const auto w = write_growth_chunk(c, id, message_id, chunk, personal, settings);
    out.written.rows += w.rows;
    out.written.recipients += w.recipients;  // each person belongs to one chunk
    for (const auto& [channel, n] : w.by_channel.items())
      out.written.by_channel[channel] = out.written.by_channel.value(channel, 0) + n.get<std::int64_t>();
  }
  if (!update.dry_run && chunks > 0) {
    c.exec(sql::query("AreaGrowthAdvance"),
           db::Params(message_id, 1LL, false, static_cast<long long>(out.written.recipients)));
  }
  return out;
}

}  // namespace

json post_update(db::Connection& c, const std::string& id, const std::string& text, const auth::Caller& caller,
                 const ActionSettings& settings, const audit::Entry* audit, const std::optional<UpdateArea>& new_area) {
  db::Transaction tx(c);
  const auto action = lock_for_change(c, id, caller, /*refuse_expired=*/true);
  // Before anything is written: a token bound to an area may not grow beyond it (403).
  std::optional<AreaGeometry> grown;
  if (new_area) grown = resolve_area(c, new_area->area, caller);
  const auto message_id = c.exec(sql::query("ActionMessageInsert"), id, "update", text).string(0, 0);
  const auto personal = personal_channels(settings, action.channels);
  const auto broadcast = broadcast_channels(settings, action.channels);
  if (new_area && new_area->dry_run) {
    auto growth = grow_area(c, id, message_id, *new_area, *grown, personal, settings);
    broadcast_posts(c, id, broadcast, settings).count_into(growth.written.by_channel);
    // The transaction rolls back: nothing of it stays.
    return {{"new_recipients", growth.written.recipients}, {"by_channel", std::move(growth.written.by_channel)}};
  }
  // Written a chunk at a time: the first here, the rest by the fan-out worker. Started before
  // the new area's rows exist, so that the people it adds get the update once, with the action.
  c.exec(sql::query("ActionFollowUpStart"), db::Params(id, message_id, "update", 0LL));
  const auto written = write_follow_up_chunk(c, id, message_id, first_chunk_addresses(settings), settings);
  std::optional<Growth> growth;
  if (new_area) growth = grow_area(c, id, message_id, *new_area, *grown, personal, settings);
  const auto posts = broadcast_posts(c, id, broadcast, settings);
  insert_broadcasts(c, id, message_id, "update", posts, 0, settings);
  audit::append_for(c, audit, id);
  tx.commit();
  spdlog::info("action {}: update by {} to {} recipients{}{}", id, caller.name, written.recipients,
               written.done ? "" : " so far",
               growth ? ", a new area reaching " + std::to_string(growth->written.recipients) + " more" +
                            (growth->chunks > 1 ? " so far" : "")
                      : "");
  json answer = {{"action_id", id},
                 {"message_id", std::stoll(message_id)},
                 {"kind", "update"},
                 {"recipients", written.recipients},
                 {"deliveries", written.rows + posts.size()},
                 {"fanout", written.done ? "done" : "in_progress"}};
  if (growth) {
    answer["new_recipients"] = growth->written.recipients;
    answer["new_by_channel"] = std::move(growth->written.by_channel);
    answer["area_fanout"] = growth->chunks > 1 ? "in_progress" : "done";
  }
  return answer;
}

bool area_growth_next_chunk(db::Connection& c, const ActionSettings& settings) {
  db::Transaction tx(c);
  const auto claim = c.exec(sql::query("AreaGrowthClaim"));
  if (claim.empty()) return false;
  const std::string id = claim.string(0, 0);
  const std::string message_id = claim.string(0, 1);
  const auto chunks = claim.int64(0, 2);
  const auto next = claim.int64(0, 3);
  if (!claim.boolean(0, 4) || next >= chunks) {
    // Closed or expired meanwhile: what is left would be cancelled or expire anyway.
    c.exec(sql::query("AreaGrowthDiscard"), message_id);
    c.exec(sql::query("AreaGrowthAdvance"), db::Params(message_id, static_cast<long long>(next), true, 0LL));
    tx.commit();
    return true;
  }
  const auto personal = personal_channels(settings, channels_from_json(claim.string(0, 5)));
  const auto written = write_growth_chunk(c, id, message_id, next, personal, settings);
  c.exec(sql::query("AreaGrowthAdvance"),
         db::Params(message_id, static_cast<long long>(next + 1), false, static_cast<long long>(written.recipients)));
  tx.commit();
  spdlog::debug("action {}: new area of update {}, chunk {} of {} wrote {} rows", id, message_id, next + 1, chunks,
                written.rows);
  if (next + 1 == chunks) spdlog::info("action {}: new area of update {} complete ({} chunks)", id, message_id, chunks);
  return true;
}

json close_action(db::Connection& c, const std::string& id, const std::string& outcome, const std::string& text,
                  const auth::Caller& caller, const ActionSettings& settings, const audit::Entry* audit) {
  // Checked here, not only by the route: burgernetctl closes actions through this function too.
  if (!is_outcome(outcome)) throw InvalidField("outcome", kOutcomeChoices);
  db::Transaction tx(c);
  const auto action = lock_for_change(c, id, caller, /*refuse_expired=*/false);
  // Closed at once: from this commit no sender sends the action's queued messages (the claim
  // cancels them); the closing job marks them cancelled and writes the closings in chunks.
  record_send_times_at_close(c, id);  // before any closing is sent (action_stats.hpp)
  c.exec(sql::query("ActionMarkClosed"), id, outcome);
  const auto message_id = c.exec(sql::query("ActionMessageInsert"), id, "closing", text).string(0, 0);
  const auto expiry = static_cast<long long>(default_expiry_s(action.kind, settings));
  c.exec(sql::query("ActionFollowUpStart"), db::Params(id, message_id, "closing", expiry));
  const auto written = write_follow_up_chunk(c, id, message_id, first_chunk_addresses(settings), settings);
  const auto broadcast = broadcast_channels(settings, action.channels);
  const auto posts = broadcast_posts(c, id, broadcast, settings);
  insert_broadcasts(c, id, message_id, "closing", posts, expiry, settings);
  audit::append_for(c, audit, id);
  tx.commit();
  spdlog::info("action {}: closed by {} ({}), {} queued deliveries cancelled, closing to {} recipients{}", id,
               caller.name, outcome, written.cancelled, written.recipients, written.done ? "" : " so far");
  return {{"id", id},
          {"status", "closed"},
          {"outcome", outcome},
          {"cancelled", written.cancelled},
          {"closing_recipients", written.recipients},
          {"closing_deliveries", written.rows + posts.size()},
          {"closing", written.done ? "done" : "in_progress"}};
}

}  // namespace burgernet::action
