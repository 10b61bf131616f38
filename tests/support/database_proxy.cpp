// Unix-socket forwarding on its own io_context and thread; each connection is a pair of pumps.
#include "support/database_proxy.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <future>
#include <list>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>

#include "support/daemon_process.hpp"

namespace burgernet::testing {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using asio::awaitable;
using asio::use_awaitable;

namespace {

// host=DIR and port=N of a libpq URL; the socket is DIR/.s.PGSQL.N.
std::string query_value(const std::string& url, const std::string& key) {
  const std::regex pattern("[?&]" + key + "=([^&]*)");
  std::smatch match;
  if (!std::regex_search(url, match, pattern)) throw std::runtime_error("database proxy: no " + key + "= in the URL");
  std::string value = match[1];
  // The URL's host may be percent-encoded (a path with slashes).
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size()) {
      out += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += value[i];
    }
  }
  return out;
}

}  // namespace

struct DatabaseProxy::Impl {
  asio::io_context io;
  std::thread thread;
  std::string url, dir, socket_path, target_path;
  std::unique_ptr<local::acceptor> acceptor;
  std::vector<std::unique_ptr<local::acceptor>> closed;  // kept: their accept loops end after the close
  std::list<std::shared_ptr<local::socket>> sockets;
  std::size_t accepted = 0;
  mutable std::mutex mutex;

  awaitable<void> pump(std::shared_ptr<local::socket> from, std::shared_ptr<local::socket> to) {
    std::array<char, 16384> buffer{};
    for (;;) {
      boost::system::error_code ec;
      const auto n = co_await from->async_read_some(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      co_await asio::async_write(*to, asio::buffer(buffer.data(), n), asio::redirect_error(use_awaitable, ec));
      if (ec) break;
    }
    boost::system::error_code ignored;
    from->close(ignored);
    to->close(ignored);
  }

  awaitable<void> accept(local::acceptor* on) {
    for (;;) {
      boost::system::error_code ec;
      auto client = std::make_shared<local::socket>(io);
      co_await on->async_accept(*client, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      auto server = std::make_shared<local::socket>(io);
      server->connect(local::endpoint(target_path), ec);
      if (ec) continue;
      {
        std::lock_guard lock(mutex);
        ++accepted;
      }
      sockets.push_back(client);
      sockets.push_back(server);
      asio::co_spawn(io, pump(client, server), asio::detached);
      asio::co_spawn(io, pump(server, client), asio::detached);
    }
  }

  void open() {
    std::filesystem::remove(socket_path);
    acceptor = std::make_unique<local::acceptor>(io, local::endpoint(socket_path));
    asio::co_spawn(io, accept(acceptor.get()), asio::detached);
  }

  // Runs `work` on the proxy's thread and waits for it.
  void on_thread(std::function<void()> work) {
    std::promise<void> done;
    asio::post(io, [&] {
      work();
      done.set_value();
    });
    done.get_future().wait();
  }
};

DatabaseProxy::DatabaseProxy(const std::string& database_url) : impl_(std::make_unique<Impl>()) {
  const std::string host = query_value(database_url, "host");
  const std::string port = query_value(database_url, "port");
  impl_->target_path = host + "/.s.PGSQL." + port;
  impl_->dir = make_temp_dir("db-proxy-");
  impl_->socket_path = impl_->dir + "/.s.PGSQL." + port;
  const auto host_at = database_url.find("host=");
  const auto host_end = database_url.find('&', host_at);
  impl_->url = database_url.substr(0, host_at) + "host=" + impl_->dir +
               (host_end == std::string::npos ? "" : database_url.substr(host_end));
  impl_->open();
  impl_->thread = std::thread([this] {
    auto guard = asio::make_work_guard(impl_->io);
    impl_->io.run();
  });
}

DatabaseProxy::~DatabaseProxy() {
  impl_->io.stop();
  impl_->thread.join();
  std::error_code ignored;
  std::filesystem::remove_all(impl_->dir, ignored);
}

std::string DatabaseProxy::url() const { return impl_->url; }

void DatabaseProxy::cut() {
  impl_->on_thread([this] {
    boost::system::error_code ignored;
    if (impl_->acceptor) impl_->acceptor->close(ignored);
    if (impl_->acceptor) impl_->closed.push_back(std::move(impl_->acceptor));
    std::filesystem::remove(impl_->socket_path);
    for (auto& socket : impl_->sockets) socket->close(ignored);
    impl_->sockets.clear();
  });
}

void DatabaseProxy::restore() {
  impl_->on_thread([this] {
    if (!impl_->acceptor) impl_->open();
  });
}

std::size_t DatabaseProxy::connections_accepted() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

}  // namespace burgernet::testing
