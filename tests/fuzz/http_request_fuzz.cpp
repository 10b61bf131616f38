// Fuzzes the HTTP request path up to the handler: raw bytes through Beast's request parser with
// the limits the server sets (src/http/server.cpp), then what api::Service does before a handler
// runs (the target split, X-Forwarded-For, the route match, the JSON body) and the error answer
// it writes. Handlers need the database and are not called.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

#include "burgernet/config/config.hpp"
#include "burgernet/http/forwarded.hpp"
#include "burgernet/http/router.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;
namespace beast_http = boost::beast::http;
using beast_http::verb;

// The daemon's routes as src/api/*_routes.cpp register them (api::make_router needs every
// handler and so the whole core; the matching is what is fuzzed here).
http::Router make_router() {
  const std::pair<verb, const char*> routes[] = {
      {verb::get, "/healthz"},
      {verb::get, "/readyz"},
      {verb::get, "/metrics"},
      {verb::post, "/v1/actions"},
      {verb::get, "/v1/actions"},
      {verb::get, "/v1/actions/{id}"},
      {verb::post, "/v1/actions/{id}/updates"},
      {verb::post, "/v1/actions/{id}/close"},
      {verb::get, "/v1/audit"},
      {verb::post, "/v1/callbacks/twilio"},
      {verb::post, "/v1/participants"},
      {verb::post, "/v1/participants/{id}/verify"},
      {verb::post, "/v1/participants/{id}/verification"},
      {verb::get, "/v1/participants/{id}"},
      {verb::patch, "/v1/participants/{id}"},
      {verb::delete_, "/v1/participants/{id}"},
      {verb::post, "/v1/participants/{id}/devices"},
      {verb::put, "/v1/devices/{device_id}/location"},
  };
  http::Router router;
  for (const auto& [method, pattern] : routes) router.add(method, pattern, {"operator"}, {});
  return router;
}

// The parser as Server::serve sets it up; nullopt when the bytes are not one whole request
// (the server answers 400, 413 or 431 without going further).
std::optional<http::RawRequest> parse(std::string_view bytes, const config::HttpConfig& limits) {
  beast_http::request_parser<beast_http::string_body> parser;
  parser.body_limit(limits.body_limit_bytes);
  parser.header_limit(static_cast<std::uint32_t>(limits.header_limit_bytes));
  boost::system::error_code ec;
  // As beast::http::read does: feed what there is until the parser is done or needs more than
  // the client sent (it uses nothing of an incomplete header); then the client has hung up.
  while (!parser.is_done()) {
    if (bytes.empty()) {
      if (!parser.got_some()) return std::nullopt;
      parser.put_eof(ec);
      if (ec) return std::nullopt;
      break;
    }
    const auto used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec == beast_http::error::need_more) {
      if (used == 0) bytes = {};
      ec = {};
      continue;
    }
    if (ec) return std::nullopt;
  }
  if (!parser.is_done()) return std::nullopt;
  return parser.release();
}

// The project's API, in one place.
void check(std::string_view bytes) {
  static const config::HttpConfig limits;
  static const http::Router router = make_router();
  static const std::vector<std::string> trusted_proxies = {"127.0.0.1", "10.0.0.0/8", "fd00::/8"};
  auto raw = parse(bytes, limits);
  if (!raw) return;

  http::Request request;
  request.raw = std::move(*raw);
  request.request_id = "fuzz";
  http::split_target(request.raw.target(), request.path, request.query);
  request.remote_address =
      http::client_address("127.0.0.1", request.header("X-Forwarded-For").value_or(""), trusted_proxies);
  fuzz::require(!request.remote_address.empty(), "a request always has a client address");

  const auto match = router.match(request.raw.method(), request.path, request.path_params);
  http::Response response;
  using Kind = http::Router::Match::Kind;
  if (match.kind == Kind::kNotFound) {
    response = http::error_response(request, 404, "not_found", "no route for " + request.path);
  } else if (match.kind == Kind::kMethodNotAllowed) {
    fuzz::require(!match.allowed.empty(), "a 405 names the methods allowed");
    response = http::error_response(request, 405, "method_not_allowed",
                                    std::string(request.raw.method_string()) + " is not allowed here");
    response.set(beast_http::field::allow, match.allowed);
  } else {
    for (const auto& [name, value] : request.path_params) {
      fuzz::require(!value.empty() && value.find('/') == std::string::npos, "a path parameter is one segment");
    }
    fuzz::expect_refusal_at_most([&] { request.json_body(); });
    response = http::json_response(request, 200, {{"route", match.route}, {"params", request.path_params}});
  }
  // What the server writes back must serialize, whatever the request held.
  std::ostringstream out;
  out << response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  burgernet::fuzz::expect_refusal_at_most([&] { check(burgernet::fuzz::as_text(data, size)); });
  return 0;
}
