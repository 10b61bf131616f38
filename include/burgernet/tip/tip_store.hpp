// Tips from participants in the database (migration 0021): stored sealed, read back opened for
// the roles that may see the action, found for an inbound SMS by the sender's number. Blocking;
// run on the pool's threads. `audit`, when given, is appended in the same transaction.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/auth/caller.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::tip {

inline constexpr std::size_t kMaxTipTextLength = 2000;  // characters

struct NewTip {
  std::string action_id;
  std::string source;  // "sms" or "app"
  std::optional<std::string> participant_id;
  std::string text;
  std::optional<std::string> phone;       // E.164, SMS tips only
  std::optional<std::string> photo_type;  // "image/jpeg" or "image/png", with `photo`
  std::optional<std::string> photo;       // already stripped of its metadata (tip/photo.hpp)
};

// Stores the tip sealed; returns {"id","action_id","created_at"}. Throws NotFound (no such
// action), Conflict "action_closed" (closed or expired), InvalidField("participant_id") (no
// such active participant).
nlohmann::json add_tip(db::Connection& connection, const NewTip& tip, const privacy::PersonalDataKeys& keys,
                       const audit::Entry* audit = nullptr);

// GET /v1/actions/{id}/tips: {"tips": [...], "next_cursor"}, newest first, texts opened, no
// number. Throws NotFound when the caller may not see the action, InvalidField("cursor").
nlohmann::json list_tips(db::Connection& connection, const std::string& action_id, const auth::Caller& caller,
                         int limit, const std::optional<std::string>& cursor,
                         const privacy::PersonalDataKeys& keys, const audit::Entry* audit = nullptr);

struct Photo {
  std::string type;
  std::string bytes;
};
// The stripped photo of a tip of an action the caller sees; throws NotFound.
Photo tip_photo(db::Connection& connection, const std::string& action_id, const std::string& tip_id,
                const auth::Caller& caller, const privacy::PersonalDataKeys& keys,
                const audit::Entry* audit = nullptr);

// Who sent an inbound SMS, and the action it answers (tips.sql, TipSmsSender); nullopt when
// the number is not an active participant's or no SMS of an open action reached them.
struct SmsSender {
  std::string participant_id;
  std::string language;
  std::string action_id;
};
std::optional<SmsSender> find_sms_sender(db::Connection& connection, const std::string& e164,
                                         const std::vector<std::string>& sms_channels,
                                         const privacy::PersonalDataKeys& keys);

// `burgernetctl keys rotate`: reseals every tip not sealed with the current key.
struct Resealed {
  std::size_t resealed = 0, seen = 0;
};
Resealed reseal_tips(db::Connection& connection, const privacy::PersonalDataKeys& keys);

}  // namespace burgernet::tip
