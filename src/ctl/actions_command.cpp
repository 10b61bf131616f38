// `burgernetctl actions list|show|close`: what the console's API offers, for an operator at a
// shell. Show and close go through the action store the API uses (action_store.hpp), as an
// admin; only the actions' own texts and counts are printed, never a recipient.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>

#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_settings.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"
#include "ctl/local_audit.hpp"

namespace burgernet::ctl {
namespace {

using nlohmann::json;

// What `--message` defaults to: the closing every recipient gets must say something.
constexpr const char* kDefaultClosing = "Deze Burgernet-actie is beëindigd. Bedankt voor uw hulp.";

// --since: a date (midnight UTC) or a date and time with an offset, as ISO 8601 writes them.
std::optional<std::string> since_timestamp(const std::optional<std::string>& since) {
  if (!since) return std::nullopt;
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  static const std::regex kDateTime(
      R"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?))");
  if (std::regex_match(*since, kDate)) return *since + "T00:00:00Z";
  if (std::regex_match(*since, kDateTime)) return *since;
  throw InvalidField("--since",
                     "must be a date (2026-11-30) or a date and time with its offset (2026-11-30T08:00:00Z)");
}

// "1 recipient", "2 recipients".
std::string counted(std::int64_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string text_or_dash(const json& value) { return value.is_string() ? value.get<std::string>() : "-"; }

}  // namespace

int run_actions_list(const config::Config& config, const ActionsListOptions& options) {
  const auto since = since_timestamp(options.since);
  db::Connection connection(config.database.url);
  std::optional<db::Result> r;
  try {
    r.emplace(connection.exec(sql::query("CtlActionList"), db::Params(options.status, since, options.limit)));
  } catch (const db::DatabaseError& e) {
    // The pattern let it through, so only the calendar can be wrong (a 30th of February).
    if (!e.sqlstate().starts_with("22")) throw;
    throw InvalidField("--since", "is not a valid date");
  }
  json actions = json::array();
  for (int row = 0; row < r->rows(); ++row) {
    const int outcome = r->column("outcome");
    actions.push_back({{"id", r->string(row, r->column("id"))},
                       {"created_at", r->string(row, r->column("created_at"))},
                       {"kind", r->string(row, r->column("kind"))},
                       {"category", r->string(row, r->column("category"))},
                       {"status", r->string(row, r->column("status"))},
                       {"outcome", r->is_null(row, outcome) ? json(nullptr) : json(r->string(row, outcome))},
                       {"recipients", r->int64(row, r->column("recipients"))},
                       {"title", r->string(row, r->column("title"))}});
  }
  if (options.json) {
    std::cout << json{{"actions", actions}}.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "id\tcreated\tkind\tcategory\tstatus\toutcome\trecipients\ttitle\n";
  for (const auto& a : actions) {
    std::cout << a["id"].get<std::string>() << "\t" << a["created_at"].get<std::string>() << "\t"
              << a["kind"].get<std::string>() << "\t" << a["category"].get<std::string>() << "\t"
              << a["status"].get<std::string>() << "\t" << text_or_dash(a["outcome"]) << "\t"
              << a["recipients"].get<std::int64_t>() << "\t" << a["title"].get<std::string>() << "\n";
  }
  std::cout << counted(static_cast<std::int64_t>(actions.size()), "action") << "\n";
  return kExitOk;
}

int run_actions_show(const config::Config& config, const ActionsShowOptions& options) {
  db::Connection connection(config.database.url);
  // GET /v1/actions/{id} as an admin sees it: NotFound (exit 3) for an unknown id.
  auto action = action::get_action(connection, options.id, local_caller());
  json messages = json::array();
  const auto r = connection.exec(sql::query("CtlActionMessages"), options.id);
  for (int row = 0; row < r.rows(); ++row) {
    messages.push_back({{"id", r.int64(row, 0)},
                        {"kind", r.string(row, 1)},
                        {"text", r.string(row, 2)},
                        {"created_at", r.string(row, 3)}});
  }
  action["messages"] = std::move(messages);
  if (options.json) {
    std::cout << action.dump(2) << "\n";
    return kExitOk;
  }
  for (const char* key : {"id", "kind", "category", "title", "status", "outcome", "created_at", "send_at",
                          "expires_at", "closed_at", "recipients", "fanout", "closing"}) {
    const auto& value = action[key];
    std::cout << std::left << std::setw(12) << key
              << (value.is_string() ? value.get<std::string>()
                  : value.is_null() ? "-"
                                    : value.dump())
              << "\n";
  }
  std::cout << std::setw(12) << "channels" << action["channels"].dump() << "\n";
  std::cout << "\nmessages:\n";
  for (const auto& m : action["messages"]) {
    std::cout << "  " << m["created_at"].get<std::string>() << "  " << m["kind"].get<std::string>() << ": "
              << m["text"].get<std::string>() << "\n";
  }
  std::cout << "\ndeliveries (channel, status, count):\n";
  if (action["deliveries"].empty()) std::cout << "  none\n";
  for (const auto& [channel, by_status] : action["deliveries"].items()) {
    for (const auto& [status, count] : by_status.items())
      std::cout << "  " << channel << "\t" << status << "\t" << count.get<std::int64_t>() << "\n";
  }
  return kExitOk;
}

int run_actions_close(const config::Config& config, const ActionsCloseOptions& options) {
  // The same checks as the API's body: read_text refuses an empty or too long message.
  const auto text = action::read_text({{"message", options.message.value_or(kDefaultClosing)}}, "message",
                                      action::kMaxMessageLength);
  db::Connection connection(config.database.url);
  const auto audit = local_entry("action.close", options.id);
  const auto answer = action::close_action(connection, options.id, options.outcome, text, local_caller(),
                                           action::action_settings(config), &audit);
  if (options.json) {
    std::cout << answer.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "closed " << answer["id"].get<std::string>() << " (" << answer["outcome"].get<std::string>()
            << "): " << counted(answer["cancelled"].get<std::int64_t>(), "queued message")
            << " cancelled, closing to "
            << counted(answer["closing_recipients"].get<std::int64_t>(), "recipient")
            << (answer["closing"] == "done" ? "" : " so far (the daemon writes the rest)") << "\n";
  return kExitOk;
}

}  // namespace burgernet::ctl
