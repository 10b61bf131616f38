// The request path around every handler: routing, authentication, role checks, error
// conversion, metrics and the access log line.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <mutex>
#include <string>
#include <unordered_map>

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

  // The two series of one route, method and status, found once: the registry's look-up builds
  // and sorts the labels under its lock, a cost every /healthz paid (docs/benchmarks.md).
  struct RouteSeries {
    metrics::Counter* requests;
    metrics::Histogram* duration;
  };
  RouteSeries series_for(const std::string& route, const std::string& method, const std::string& status);

  Context context_;
  http::Router router_;
  std::mutex series_mutex_;
  std::unordered_map<std::string, RouteSeries> series_;
};

// Every route of the daemon, in one visible list.
http::Router make_router(Context& context);

}  // namespace burgernet::api
