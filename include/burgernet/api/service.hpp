// The request path around every handler: routing, authentication, role checks, error
// conversion, metrics and the access log line.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

class Service {
 public:
  Service(Context context, http::Router router);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Never throws: every failure becomes an answer in SPEC.md's error format.
  boost::asio::awaitable<http::Response> handle(http::Request& request);

 private:
  boost::asio::awaitable<http::Response> dispatch(http::Request& request, std::string& route);
  boost::asio::awaitable<void> authenticate(http::Request& request, const std::vector<std::string>& roles);
  void observe(const http::Request& request, const std::string& route, unsigned status, double seconds);

  Context context_;
  http::Router router_;
};

// Every route of the daemon, in one visible list.
http::Router make_router(Context& context);

}  // namespace burgernet::api
