// Routes "METHOD /v1/actions/{id}" patterns to handlers.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "burgernet/http/message.hpp"

namespace burgernet::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

class Router {
 public:
  // `pattern` segments in braces capture one path segment: "/v1/actions/{id}/close".
  // `roles`: the token roles allowed; empty for a public route; {"device"} for a route whose
  // handler checks the device's own secret.
  void add(beast_http::verb method, std::string pattern, std::vector<std::string> roles, Handler handler);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
    const Handler* handler = nullptr;
    const std::vector<std::string>* roles = nullptr;
    std::string route;                 // the pattern, for logs and metrics
    std::string allowed;               // for 405: "GET, POST"
  };
  // Fills request.path_params on a match.
  Match match(beast_http::verb method, const std::string& path, std::map<std::string, std::string>& params) const;

  // What is served, in the order added: for the test that compares it with docs/openapi.yaml.
  struct Served {
    beast_http::verb method;
    std::string pattern;
    std::vector<std::string> roles;
  };
  std::vector<Served> routes() const;

 private:
  struct Route {
    beast_http::verb method;
    std::string pattern;
    std::vector<std::string> segments;
    std::vector<std::string> roles;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace burgernet::http
