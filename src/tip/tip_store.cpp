// Tips in the database: sealing on the way in, opening on the way out, and the checks that
// only the database can make (the action's state, the caller's view of it, the sender).
#include "burgernet/tip/tip_store.hpp"

#include "burgernet/action/action_store.hpp"
#include "burgernet/action/visibility.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/domain/page_cursor.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::tip {
namespace {

using nlohmann::json;

void require_visible(db::Connection& c, const std::string& action_id, const auth::Caller& caller) {
  if (!action::is_uuid(action_id)) throw NotFound("no such action");
  const auto v = action::visibility_of(caller);
  if (!c.exec(sql::query("TipActionVisible"), db::Params(action_id, v.token_id, v.area_code, v.role))
           .boolean(0, 0))
    throw NotFound("no such action");
}


std::optional<std::string> seal_optional(const privacy::PersonalDataKeys& keys,
                                         const std::optional<std::string>& value, std::string_view what) {
  if (!value) return std::nullopt;
  return keys.seal(*value, what);
}

}  // namespace

json add_tip(db::Connection& c, const NewTip& tip, const privacy::PersonalDataKeys& keys,
             const audit::Entry* audit) {
  if (!action::is_uuid(tip.action_id)) throw NotFound("no such action");
  db::Transaction tx(c);
  const auto state = c.exec(sql::query("TipActionState"), tip.action_id);
  if (state.empty()) throw NotFound("no such action");
  if (!state.boolean(0, 0))
    throw Conflict("action_closed", "the action is closed or expired: it takes no tips");
  if (tip.participant_id) {
    if (!action::is_uuid(*tip.participant_id) ||
        !c.exec(sql::query("TipParticipantActive"), *tip.participant_id).boolean(0, 0)) {
      throw InvalidField("participant_id", "is not an active participant");
    }
  }
  const auto r =
      c.exec(sql::query("TipInsert"),
             db::Params(tip.action_id, tip.source, tip.participant_id, keys.seal(tip.text, "tip_text"),
                        seal_optional(keys, tip.phone, "tip_phone"), tip.photo_type,
                        seal_optional(keys, tip.photo, "tip_photo")));
  const json out = {{"id", r.string(0, 0)}, {"action_id", r.string(0, 1)}, {"created_at", r.string(0, 2)}};
  audit::append_for(c, audit, r.string(0, 0));
  tx.commit();
  return out;
}

json list_tips(db::Connection& c, const std::string& action_id, const auth::Caller& caller, int limit,
               const std::optional<std::string>& cursor, const privacy::PersonalDataKeys& keys,
               const audit::Entry* audit) {
  std::optional<std::string> after_at, after_id;
  if (cursor) std::tie(after_at, after_id) = domain::decode_page_cursor(*cursor);
  db::Transaction tx(c);
  require_visible(c, action_id, caller);
  std::optional<db::Result> r;
  try {
    r.emplace(c.exec(sql::query("TipList"), db::Params(action_id, after_at, after_id, limit + 1)));
  } catch (const db::DatabaseError& e) {
    if (dynamic_cast<const db::DatabaseUnavailable*>(&e) || dynamic_cast<const db::QueryCanceled*>(&e)) throw;
    throw InvalidField("cursor", "is not a next_cursor from this API");
  }
  json tips = json::array();
  const int shown = std::min(r->rows(), limit);
  for (int i = 0; i < shown; ++i) {
    tips.push_back({{"id", r->string(i, 0)},
                    {"source", r->string(i, 1)},
                    {"participant_id", r->is_null(i, 2) ? json(nullptr) : json(r->string(i, 2))},
                    {"text", keys.open(r->text(i, 3), "tip_text")},
                    {"has_photo", r->boolean(i, 4)},
                    {"created_at", r->string(i, 5)}});
  }
  json next = nullptr;
  if (r->rows() > limit) next = domain::encode_page_cursor(r->string(shown - 1, 6), r->string(shown - 1, 0));
  // Reading tips is reading personal data: who read which action's tips is on record.
  audit::append_for(c, audit, action_id);
  tx.commit();
  return {{"tips", std::move(tips)}, {"next_cursor", std::move(next)}};
}

Photo tip_photo(db::Connection& c, const std::string& action_id, const std::string& tip_id,
                const auth::Caller& caller, const privacy::PersonalDataKeys& keys,
                const audit::Entry* audit) {
  if (!action::is_uuid(action_id) || !action::is_uuid(tip_id)) throw NotFound("no such photo");
  const auto v = action::visibility_of(caller);
  db::Transaction tx(c);
  const auto r =
      c.exec(sql::query("TipPhoto"), db::Params(tip_id, v.token_id, v.area_code, v.role, action_id));
  if (r.empty()) throw NotFound("no such photo");
  Photo photo{r.string(0, 0), keys.open(r.text(0, 1), "tip_photo")};
  audit::append_for(c, audit, tip_id);
  tx.commit();
  return photo;
}

std::optional<SmsSender> find_sms_sender(db::Connection& c, const std::string& e164,
                                         const std::vector<std::string>& sms_channels,
                                         const privacy::PersonalDataKeys& keys) {
  if (sms_channels.empty()) return std::nullopt;
  const auto r = c.exec(sql::query("TipSmsSender"), db::Params(keys.lookup(e164), sms_channels));
  if (r.empty()) return std::nullopt;
  return SmsSender{r.string(0, 0), r.string(0, 1), r.string(0, 2)};
}

Resealed reseal_tips(db::Connection& c, const privacy::PersonalDataKeys& keys) {
  constexpr int kPage = 100;  // photos are large: small pages
  Resealed out;
  std::string last = "00000000-0000-0000-0000-000000000000";
  const auto reseal = [&](const std::optional<std::string>& sealed, std::string_view what) {
    return sealed ? std::optional(keys.seal(keys.open(*sealed, what), what)) : std::nullopt;
  };
  for (;;) {
    const auto page = c.exec(sql::query("TipsSealedPage"), last, kPage);
    for (int i = 0; i < page.rows(); ++i) {
      last = page.string(i, 0);
      const auto text = page.string(i, 1);
      const auto phone = page.optional_string(i, 2);
      const auto photo = page.optional_string(i, 3);
      if (keys.is_current(text) && (!phone || keys.is_current(*phone)) && (!photo || keys.is_current(*photo)))
        continue;
      const auto updated = c.exec(sql::query("TipReseal"),
                                  db::Params(last, keys.seal(keys.open(text, "tip_text"), "tip_text"),
                                             reseal(phone, "tip_phone"), reseal(photo, "tip_photo"), text));
      out.resealed += static_cast<std::size_t>(updated.rows());
    }
    out.seen += static_cast<std::size_t>(page.rows());
    if (page.rows() < kPage) break;
  }
  return out;
}

}  // namespace burgernet::tip
