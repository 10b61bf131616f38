// The request a handler sees and the response it returns: no sockets, so handlers are tested
// by feeding them a request.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "burgernet/auth/caller.hpp"

namespace burgernet::http {

namespace beast_http = boost::beast::http;
using RawRequest = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;

// Who made the request, once authenticated (see auth/).
using Caller = auth::Caller;

class ResponseStream;  // response_stream.hpp

struct Request {
  RawRequest raw;
  std::string path;                                // without the query string
  std::map<std::string, std::string> query;        // decoded query parameters
  std::map<std::string, std::string> path_params;  // {id} and friends
  std::string route;                               // the matched pattern, for logs and metrics
  std::string request_id;
  std::string remote_address;
  std::optional<Caller> caller;
  // Set by a handler whose answer goes on after its header (an event stream): the server writes
  // the returned response's header, then what this stream produces.
  std::shared_ptr<ResponseStream> stream;

  // The body as a JSON object; throws BadRequest when it is not one.
  nlohmann::json json_body() const;
  std::optional<std::string> header(std::string_view name) const;
};

Response json_response(const Request& request, unsigned status, const nlohmann::json& body);
Response empty_response(const Request& request, unsigned status);
Response text_response(const Request& request, unsigned status, std::string content_type, std::string body);
// SPEC.md's error body: {"error": {"code", "message"[, "field"]}}.
Response error_response(const Request& request, unsigned status, const std::string& code, const std::string& message,
                        const std::string& field = {});

// Splits "/v1/actions?status=active&limit=10" and percent-decodes the parameters.
void split_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);

}  // namespace burgernet::http
