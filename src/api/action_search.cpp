// Reads ?status=&kind=&category=&municipality=&since=&until=&q=&limit=&cursor= for the action
// list. Every value is checked here, calendar included, so that a bad one is a 400 naming its
// parameter and never reaches PostgreSQL.
#include "api/action_search.hpp"

#include <regex>

#include "api/page_limit.hpp"
#include "burgernet/action/action_request.hpp"
#include "burgernet/domain/calendar_date.hpp"
#include "burgernet/http/errors.hpp"

namespace burgernet::api {
namespace {

constexpr std::size_t kMaxSearchText = 200;

std::optional<std::string> param(const http::Request& request, const std::string& name) {
  const auto it = request.query.find(name);
  if (it == request.query.end()) return std::nullopt;
  if (it->second.empty()) throw http::BadRequest(name, "must not be empty");
  return it->second;
}

// RFC 3339: a date, a time and an offset ("2026-11-28T20:00:00Z", "...+01:00"), a real day.
bool is_rfc3339(const std::string& text) {
  static const std::regex kRfc3339(
      R"((\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2})))");
  std::smatch m;
  if (!std::regex_match(text, m, kRfc3339)) return false;
  auto number = [&m](int i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
  const bool real_day = domain::is_calendar_date(number(1), number(2), number(3));
  return real_day && number(4) <= 23 && number(5) <= 59 && number(6) <= 59 && number(9) <= 23 && number(10) <= 59;
}

std::optional<std::string> time_param(const http::Request& request, const std::string& name) {
  auto value = param(request, name);
  if (value && !is_rfc3339(*value))
    throw http::BadRequest(name, "must be an RFC 3339 time, e.g. 2026-11-28T20:00:00Z");
  return value;
}

}  // namespace

action::ListQuery read_list_query(const http::Request& request) {
  action::ListQuery query;
  query.limit = read_page_limit(request);
  query.cursor = param(request, "cursor");
  query.status = param(request, "status");
  if (query.status && *query.status != "active" && *query.status != "closed" && *query.status != "expired")
    throw http::BadRequest("status", "must be active, closed or expired");
  query.kind = param(request, "kind");
  if (query.kind && *query.kind != "urgent" && *query.kind != "alert")
    throw http::BadRequest("kind", "must be urgent or alert");
  query.category = param(request, "category");
  if (query.category && !action::is_category(*query.category))
    throw http::BadRequest("category", action::category_choices());
  query.municipality = param(request, "municipality");
  static const std::regex kAreaCode("[A-Za-z0-9_-]{1,32}");
  if (query.municipality && !std::regex_match(*query.municipality, kAreaCode))
    throw http::BadRequest("municipality", "must be an area code such as GM0363");
  query.since = time_param(request, "since");
  query.until = time_param(request, "until");
  query.text = param(request, "q");
  if (query.text && query.text->size() > kMaxSearchText)
    throw http::BadRequest("q", "must be at most 200 characters");
  return query;
}

}  // namespace burgernet::api
