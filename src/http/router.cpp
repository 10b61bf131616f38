// Segment-by-segment route matching; few routes, so a list beats a trie in clarity.
#include "burgernet/http/router.hpp"

namespace burgernet::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 1;  // paths begin with '/'
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    segments.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
             std::map<std::string, std::string>& params) {
  if (pattern.size() != path.size()) return false;
  std::map<std::string, std::string> captured;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (path[i].empty()) return false;
      captured[p.substr(1, p.size() - 2)] = path[i];
    } else if (p != path[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

}  // namespace

void Router::add(beast_http::verb method, std::string pattern, std::vector<std::string> roles, Handler handler) {
  auto segments = split_path(pattern);
  routes_.push_back(Route{method, std::move(pattern), std::move(segments), std::move(roles), std::move(handler)});
}

Router::Match Router::match(beast_http::verb method, const std::string& path,
                            std::map<std::string, std::string>& params) const {
  Match result;
  if (path.empty() || path.front() != '/') return result;
  const auto segments = split_path(path);
  for (const auto& route : routes_) {
    std::map<std::string, std::string> captured;
    if (!matches(route.segments, segments, captured)) continue;
    if (route.method == method) {
      result.kind = Match::Kind::kFound;
      result.handler = &route.handler;
      result.roles = &route.roles;
      result.route = route.pattern;
      params = std::move(captured);
      return result;
    }
    result.kind = Match::Kind::kMethodNotAllowed;
    result.route = route.pattern;
    if (!result.allowed.empty()) result.allowed += ", ";
    result.allowed += std::string(beast_http::to_string(route.method));
  }
  return result;
}

std::vector<Router::Served> Router::routes() const {
  std::vector<Served> served;
  for (const auto& route : routes_) served.push_back(Served{route.method, route.pattern, route.roles});
  return served;
}

}  // namespace burgernet::http
