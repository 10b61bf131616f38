#include "api/page_limit.hpp"

#include <charconv>

#include "burgernet/http/errors.hpp"

namespace burgernet::api {

namespace {
constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
}  // namespace

int read_page_limit(const http::Request& request) {
  const auto it = request.query.find("limit");
  if (it == request.query.end()) return kDefaultLimit;
  int limit = 0;
  const auto& text = it->second;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc{} || ptr != text.data() + text.size() || limit < 1 || limit > kMaxLimit) {
    throw http::BadRequest("limit", "must be a whole number from 1 to 200");
  }
  return limit;
}

}  // namespace burgernet::api
