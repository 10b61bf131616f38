// Building responses and reading requests.
#include "burgernet/http/message.hpp"

#include <boost/beast/version.hpp>

#include "burgernet/http/errors.hpp"

namespace burgernet::http {
namespace {

Response base_response(const Request& request, unsigned status) {
  Response response{static_cast<beast_http::status>(status), request.raw.version()};
  response.keep_alive(request.raw.keep_alive());
  response.set(beast_http::field::server, "burgernet");
  if (!request.request_id.empty()) response.set("X-Request-Id", request.request_id);
  return response;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

nlohmann::json Request::json_body() const {
  if (raw.body().empty()) throw BadRequest("body", "a JSON object is required");
  auto body = nlohmann::json::parse(raw.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw BadRequest("body", "is not valid JSON");
  if (!body.is_object()) throw BadRequest("body", "must be a JSON object");
  return body;
}

std::optional<std::string> Request::header(std::string_view name) const {
  const auto it = raw.find(name);
  if (it == raw.end()) return std::nullopt;
  return std::string(it->value());
}

Response json_response(const Request& request, unsigned status, const nlohmann::json& body) {
  auto response = base_response(request, status);
  response.set(beast_http::field::content_type, "application/json");
  // Replace invalid UTF-8 rather than throw: a response must always be produced.
  response.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.prepare_payload();
  return response;
}

Response empty_response(const Request& request, unsigned status) {
  auto response = base_response(request, status);
  response.prepare_payload();
  return response;
}

Response text_response(const Request& request, unsigned status, std::string content_type, std::string body) {
  auto response = base_response(request, status);
  response.set(beast_http::field::content_type, content_type);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response error_response(const Request& request, unsigned status, const std::string& code, const std::string& message,
                        const std::string& field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return json_response(request, status, {{"error", error}});
}

void split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
  const auto question = target.find('?');
  path = std::string(target.substr(0, question));
  if (question == std::string_view::npos) return;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (!pair.empty()) {
      query[percent_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
}

}  // namespace burgernet::http
