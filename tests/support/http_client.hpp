// A small blocking HTTP/1.1 client for tests, over loopback, keeping its connection alive.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/verb.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace burgernet::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool closed = false;                          // the server closed the connection after answering

  nlohmann::json json() const;
  std::string header(const std::string& name) const;
  // {"error":{"code"}} of an error answer, "" otherwise.
  std::string error_code() const;
};

class HttpClient;

// Raises an action (POST /v1/actions with `body`) and returns its id; records a test failure
// and returns "" unless the answer is 201. The one helper every test raises actions with.
std::string raise_action(HttpClient& client, const nlohmann::json& body);
std::string raise_action(HttpClient&& client, const nlohmann::json& body);

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string token = {});

  HttpResult request(boost::beast::http::verb method, const std::string& target, const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});
  HttpResult get(const std::string& target) { return request(boost::beast::http::verb::get, target); }
  HttpResult post(const std::string& target, const nlohmann::json& body,
                  const std::map<std::string, std::string>& headers = {}) {
    return request(boost::beast::http::verb::post, target, body.dump(), headers);
  }
  HttpResult put(const std::string& target, const nlohmann::json& body) {
    return request(boost::beast::http::verb::put, target, body.dump());
  }
  HttpResult patch(const std::string& target, const nlohmann::json& body) {
    return request(boost::beast::http::verb::patch, target, body.dump());
  }
  HttpResult del(const std::string& target) { return request(boost::beast::http::verb::delete_, target); }

  // Sends raw bytes on a new connection and returns what comes back until the server closes
  // (or `timeout_ms` passes).
  std::string raw_exchange(const std::string& bytes, int timeout_ms = 3000);

  void set_token(std::string token) { token_ = std::move(token); }
  // How many TCP connections this client opened (to check keep-alive).
  int connections_opened() const { return connections_opened_; }

 private:
  void connect();

  std::uint16_t port_;
  std::string token_;
  boost::asio::io_context io_;
  std::optional<boost::asio::ip::tcp::socket> socket_;
  boost::beast::flat_buffer buffer_;
  int connections_opened_ = 0;
};

}  // namespace burgernet::testing
