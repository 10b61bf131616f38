// GET /v1/session: who the token is and the rules the console explains before a send.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "burgernet/config/config.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/http/message.hpp"

namespace burgernet::api {

// What the answer needs from the database.
struct SessionFacts {
  std::optional<std::string> area_name;         // the token's area, if it was imported
  std::optional<std::string> night_ends_at;     // RFC 3339, when now is in the alerts' night
  std::optional<std::string> night_ends_local;  // "07:00", Europe/Amsterdam
};

SessionFacts read_session_facts(db::Connection& c, const http::Caller& caller, const config::Config& config);

// {role, name, municipality?, kinds, limits, alerts: the night rule and whether it is night now,
// channels with their text form, sms.max_segments, tweet.max_length}: docs/openapi.yaml.
nlohmann::json session_answer(const http::Caller& caller, const config::Config& config,
                              const SessionFacts& facts);

}  // namespace burgernet::api
