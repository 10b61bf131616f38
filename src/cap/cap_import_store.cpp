// CAP import in the database: one transaction per alert, serialized per sender and identifier.
#include "cap/cap_import_store.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::cap {
namespace {

using nlohmann::json;

void check_importable(const Alert& alert, const ImportOptions& options) {
  if (alert.status != "Actual") {
    throw InvalidField("alert.status", "is " + alert.status + "; only Actual alerts are imported");
  }
  if (alert.scope == "Private") {
    throw InvalidField("alert.scope",
                       "Private alerts are for the addresses they name; burgernet sends by area");
  }
  if (alert.msg_type != "Alert" && alert.msg_type != "Update" && alert.msg_type != "Cancel") {
    throw InvalidField("alert.msgType",
                       "is " + alert.msg_type + "; only Alert, Update and Cancel are imported");
  }
  if (alert.msg_type != "Alert" && alert.references.empty()) {
    throw InvalidField("alert.references", "is required for an " + alert.msg_type);
  }
  if (options.dry_run && alert.msg_type != "Alert")
    throw InvalidField("dry_run", "only an Alert can be previewed");
}

// The actions the alert's <references> name, each once, in their order.
std::vector<std::string> referenced_actions(db::Connection& c, const Alert& alert) {
  std::vector<std::string> ids;
  for (const auto& reference : alert.references) {
    const auto r = c.exec(sql::query("CapImportAction"), reference.sender, reference.identifier);
    if (r.empty()) continue;  // e.g. an Update that was refused; the others may be known
    auto id = r.string(0, 0);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  if (ids.empty()) throw InvalidField("alert.references", "names no alert imported here");
  return ids;
}

json raise_from(db::Connection& c, const Alert& alert, const ImportOptions& options, long long now_s,
                const auth::Caller& caller, const action::ActionRules& rules,
                const action::ActionSettings& settings, const audit::Entry& audit) {
  const auto built = action_body(alert, options, now_s);
  try {
    const auto request = action::parse_action_request(built.body, rules);
    return action::create_action(c, request, caller, settings, request.dry_run ? nullptr : &audit);
  } catch (const InvalidField& e) {
    throw as_cap_field(e, built);
  }
}

}  // namespace

ImportAnswer import_alert(db::Connection& c, const Alert& alert, const ImportOptions& options,
                          long long now_s, const auth::Caller& caller, const action::ActionRules& rules,
                          const action::ActionSettings& settings, audit::Entry audit) {
  check_importable(alert, options);
  audit.details = {{"source", "cap"}, {"msg_type", alert.msg_type}};
  if (options.dry_run) {
    audit.action = "action.raise";
    return {200, raise_from(c, alert, options, now_s, caller, rules, settings, audit)};
  }

  db::Transaction transaction(c);
  c.exec(sql::query("CapImportLock"), alert.sender, alert.identifier);
  if (const auto found = c.exec(sql::query("CapImportFind"), alert.sender, alert.identifier);
      !found.empty()) {
    if (found.string(0, 0) != alert.sent || found.string(0, 1) != alert.msg_type) {
      throw Conflict("cap_identifier_reused", "this sender's identifier was used for another alert (sent " +
                                                  found.string(0, 0) +
                                                  "); CAP identifiers are unique per sender");
    }
    auto body = json::parse(found.string(0, 3));
    body["duplicate"] = true;
    return {200, body};  // the transaction rolls back: nothing changed
  }

  ImportAnswer answer;
  std::string action_id;
  if (alert.msg_type == "Alert") {
    audit.action = "action.raise";
    answer = {201, raise_from(c, alert, options, now_s, caller, rules, settings, audit)};
    action_id = answer.body.at("id").get<std::string>();
  } else {
    const auto ids = referenced_actions(c, alert);
    const bool cancel = alert.msg_type == "Cancel";
    audit.action = cancel ? "action.close" : "action.update";
    const auto text = cancel ? closing_text(alert) : update_text(alert);
    json actions = json::array();
    for (const auto& id : ids) {
      actions.push_back(cancel ? action::close_action(c, id, "cancelled", text, caller, settings, &audit)
                               : action::post_update(c, id, text, caller, settings, &audit));
    }
    answer = {cancel ? 200u : 201u, {{"msg_type", alert.msg_type}, {"actions", std::move(actions)}}};
    action_id = ids.front();
  }
  c.exec(sql::query("CapImportRecord"),
         db::Params(alert.sender, alert.identifier, alert.sent, alert.msg_type, action_id,
                    static_cast<int>(answer.status), answer.body.dump()));
  transaction.commit();
  return answer;
}

}  // namespace burgernet::cap
