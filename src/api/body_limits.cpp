// The larger body limits of upload routes.
#include "burgernet/api/body_limits.hpp"

#include <algorithm>

namespace burgernet::api {
namespace {

// "/v1/actions/{id}/tips", without matching the id: the router checks it later.
bool is_tips_path(std::string_view path) {
  constexpr std::string_view kPrefix = "/v1/actions/", kSuffix = "/tips";
  if (path.size() <= kPrefix.size() + kSuffix.size()) return false;
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return false;
  const auto id = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  return id.find('/') == std::string_view::npos;
}

}  // namespace

std::size_t body_limit_for(std::string_view path, const config::Config& config) {
  if (!is_tips_path(path)) return 0;
  // base64 is 4 bytes per 3, and the text (2000 characters, at most 12 bytes each as JSON
  // escapes) and the JSON around them fit in the slack.
  const std::size_t base64 = (config.tips.max_photo_bytes + 2) / 3 * 4;
  return std::max(config.http.body_limit_bytes, base64 + (64 << 10));
}

}  // namespace burgernet::api
