// GET /v1/audit?actor=&action=&since=&until=&limit=&cursor= (admin): reads audit_log newest first.
#include "api/audit_routes.hpp"

#include <charconv>
#include <regex>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/domain/calendar_date.hpp"
#include "burgernet/http/errors.hpp"

namespace burgernet::api {
namespace {

using http::Request;
using http::Response;

std::optional<std::string> text_param(const Request& request, const std::string& name) {
  const auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return std::nullopt;
  if (it->second.size() > 200) throw http::BadRequest(name, "must be at most 200 characters");
  return it->second;
}

// Checked here, calendar included, so that a bad time is a 400 naming the field and never
// reaches PostgreSQL (which would answer with an error of its own).
bool valid_iso8601(const std::string& text) {
  static const std::regex kIso8601(
      R"((\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2})(?::?(\d{2}))?)?)?)");
  std::smatch m;
  if (!std::regex_match(text, m, kIso8601)) return false;
  auto number = [&m](int i) { return m[i].matched ? std::stoi(m[i].str()) : 0; };
  const bool real_day = domain::is_calendar_date(number(1), number(2), number(3));
  return real_day && number(4) <= 23 && number(5) <= 59 && number(6) <= 59 && number(7) <= 15 &&
         number(8) <= 59;
}

std::optional<std::string> time_param(const Request& request, const std::string& name) {
  auto value = text_param(request, name);
  if (value && !valid_iso8601(*value)) {
    throw http::BadRequest(name, "must be an ISO 8601 time, e.g. 2026-11-28T20:00:00Z");
  }
  return value;
}

template <typename Int>
std::optional<Int> integer_param(const Request& request, const std::string& name, Int min, Int max,
                                 const std::string& why) {
  const auto value = text_param(request, name);
  if (!value) return std::nullopt;
  Int n{};
  const auto [ptr, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (ec != std::errc{} || ptr != value->data() + value->size() || n < min || n > max) {
    throw http::BadRequest(name, why);
  }
  return n;
}

}  // namespace

void add_audit_routes(http::Router& router, Context& context) {
  router.add(http::beast_http::verb::get, "/v1/audit", {"admin"},
             [&context](Request& request) -> boost::asio::awaitable<Response> {
               audit::Filter filter;
               filter.actor = text_param(request, "actor");
               filter.action = text_param(request, "action");
               filter.since = time_param(request, "since");
               filter.until = time_param(request, "until");
               filter.limit =
                   integer_param<int>(request, "limit", 1, 1000, "must be a whole number from 1 to 1000")
                       .value_or(100);
               filter.cursor = integer_param<std::int64_t>(request, "cursor", 1, INT64_MAX,
                                                           "must be the next_cursor of an earlier page");
               const auto page =
                   co_await context.pool.run([&filter](db::Connection& c) { return audit::list(c, filter); });
               nlohmann::json records = nlohmann::json::array();
               for (const auto& record : page.records) records.push_back(audit::to_json(record));
               co_return http::json_response(
                   request, 200,
                   {{"records", records},
                    {"next_cursor", page.next_cursor ? nlohmann::json(*page.next_cursor) : nullptr}});
             });
}

}  // namespace burgernet::api
