// The HTTP baseline of bench/run: the least a Beast server can do, answering fixed bytes per path.
// usage: bare_beast PORT THREADS PATH=FILE... (each FILE holds the exact body to answer for PATH;
// a PATH ending in '*' matches every target that starts with it; an empty FILE answers 204)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using Bodies = std::map<std::string, std::string, std::less<>>;

asio::awaitable<void> session(tcp::socket socket, const Bodies& bodies) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> request;
    beast::error_code ec;
    stream.expires_after(std::chrono::seconds(30));
    co_await http::async_read(stream, buffer, request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    const std::string_view path(request.target().data(), request.target().size());
    auto found = bodies.find(path);
    if (found == bodies.end()) {
      for (auto it = bodies.begin(); it != bodies.end(); ++it) {
        if (!it->first.empty() && it->first.back() == '*' &&
            path.starts_with(std::string_view(it->first).substr(0, it->first.size() - 1))) {
          found = it;
          break;
        }
      }
    }
    if (found != bodies.end()) {
      response.result(found->second.empty() ? http::status::no_content : http::status::ok);
      response.body() = found->second;
    } else {
      response.result(http::status::not_found);
      response.body() = R"({"error":{"code":"not_found","message":"no such route"}})";
    }
    if (response.result() != http::status::no_content) response.set(http::field::content_type, "application/json");
    response.prepare_payload();
    co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !response.keep_alive()) co_return;
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const Bodies& bodies) {
  for (;;) {
    // Each connection on its own strand, as in the daemon.
    auto strand = asio::make_strand(acceptor.get_executor());
    auto socket = co_await acceptor.async_accept(strand, asio::use_awaitable);
    asio::co_spawn(strand, session(std::move(socket), bodies), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bare_beast PORT THREADS PATH=FILE...\n";
    return 2;
  }
  Bodies bodies;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    std::ifstream in(arg.substr(eq + 1), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    bodies[arg.substr(0, eq)] = text.str();
  }
  const int threads = std::max(1, std::stoi(argv[2]));
  asio::io_context io(threads);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(argv[1]))));
  asio::co_spawn(io, accept_loop(acceptor, bodies), asio::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
}
