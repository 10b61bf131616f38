// The session answer: a pure function of the caller, the configuration and two database facts,
// so that what a municipal user is told (alerts only, its area, the night) is tested without I/O.
#include "api/session_answer.hpp"

#include "burgernet/message/tweet_text.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::api {

using nlohmann::json;

SessionFacts read_session_facts(db::Connection& c, const http::Caller& caller, const config::Config& config) {
  SessionFacts facts;
  if (caller.area_code) {
    const auto r = c.exec(sql::query("AreaNameFind"), *caller.area_code);
    if (!r.empty()) facts.area_name = r.string(0, 0);
  }
  const auto night = c.exec(sql::query("SessionNight"), config.alerts.night_from, config.alerts.night_to);
  if (!night.is_null(0, 0)) {
    facts.night_ends_at = night.string(0, 0);
    facts.night_ends_local = night.string(0, 1);
  }
  return facts;
}

json session_answer(const http::Caller& caller, const config::Config& config, const SessionFacts& facts) {
  const bool municipal = caller.role == "municipal";
  json channels = json::array();
  for (const auto& [name, channel] : config.channels) {
    // A municipal alert never rings anyone (action_store.cpp): such a channel is not offered.
    if (municipal && channel.capabilities.calls) continue;
    channels.push_back({{"name", name},
                        {"form", channel::form_name(channel.capabilities.form)},
                        {"broadcast", channel.capabilities.broadcast()}});
  }
  json area = nullptr;
  if (caller.area_code)
    area = {{"code", *caller.area_code}, {"name", facts.area_name ? json(*facts.area_name) : json(nullptr)}};
  const bool may_raise = caller.role == "operator" || caller.role == "admin" || municipal;
  return {{"role", caller.role},
          {"name", caller.name},
          {"area", area},
          {"kinds", !may_raise  ? json::array()
                    : municipal ? json::array({"alert"})
                                : json::array({"urgent", "alert"})},
          {"limits",
           {{"confirm_above", config.limits.confirm_above},
            {"max_radius_m", config.limits.max_radius_m},
            {"max_vertices", config.limits.max_vertices}}},
          {"alerts",
           {{"night_from", config.alerts.night_from},
            {"night_to", config.alerts.night_to},
            {"time_zone", "Europe/Amsterdam"},
            {"night_now", facts.night_ends_at.has_value()},
            {"night_ends_at", facts.night_ends_at ? json(*facts.night_ends_at) : json(nullptr)},
            {"night_ends_local", facts.night_ends_local ? json(*facts.night_ends_local) : json(nullptr)}}},
          {"channels", channels},
          {"sms", {{"max_segments", config.sms_max_segments}}},
          {"tweet", {{"max_length", message::kMaxTweetLength}}}};
}

}  // namespace burgernet::api
