// Blocking Beast client for tests: reconnects when the server closed the connection.
#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace burgernet::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

std::string raise_action(HttpClient& client, const nlohmann::json& body) {
  const auto r = client.post("/v1/actions", body);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.json().value("id", "") : "";
}

std::string raise_action(HttpClient&& client, const nlohmann::json& body) { return raise_action(client, body); }

nlohmann::json HttpResult::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

std::string HttpResult::header(const std::string& name) const {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto it = headers.find(lower);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpResult::error_code() const {
  const auto j = json();
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("code")) {
    return j["error"]["code"].get<std::string>();
  }
  return {};
}

HttpClient::HttpClient(std::uint16_t port, std::string token) : port_(port), token_(std::move(token)) {}

void HttpClient::connect() {
  socket_.emplace(io_);
  socket_->connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  buffer_.clear();
  ++connections_opened_;
}

HttpResult HttpClient::request(http::verb method, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();

  // One retry on a fresh connection: the server may have closed an idle keep-alive one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!socket_ || !socket_->is_open()) connect();
    boost::system::error_code ec;
    http::write(*socket_, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) http::read(*socket_, buffer_, parser, ec);
    if (ec) {
      socket_.reset();
      if (attempt == 0) continue;
      throw boost::system::system_error(ec);
    }
    auto res = parser.release();
    HttpResult result;
    result.status = res.result_int();
    result.body = res.body();
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      result.headers[name] = std::string(field.value());
    }
    result.closed = !res.keep_alive();
    if (result.closed) socket_.reset();
    return result;
  }
  throw std::runtime_error("unreachable");
}

std::string HttpClient::raw_exchange(const std::string& bytes, int timeout_ms) {
  tcp::socket socket(io_);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
  asio::write(socket, asio::buffer(bytes));
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  socket.non_blocking(true);
  char chunk[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    const auto n = socket.read_some(asio::buffer(chunk), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (ec) break;
    out.append(chunk, n);
  }
  return out;
}

}  // namespace burgernet::testing
