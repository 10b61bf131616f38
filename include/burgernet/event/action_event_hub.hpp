// The event streams of actions (GET /v1/actions/{id}/events): one LISTEN connection per daemon
// on 'burgernet_action_events' (migration 0020) feeds every open stream of this daemon, and the
// progress of a watched action is read at most once a second, whoever and however many watch it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "burgernet/db/connection.hpp"
#include "burgernet/db/pool.hpp"
#include "burgernet/http/response_stream.hpp"

namespace burgernet::event {

struct HubSettings {
  std::string database_url;
  db::ConnectionOptions listen_options;
  std::chrono::seconds heartbeat{15};
  int max_streams_per_token = 5;
  // What a stream may hold for a client that does not read; beyond it the client is dropped.
  std::size_t max_queued_bytes = 1 << 20;
};

// One row of action_events, as a stream sends it.
struct ActionEvent {
  std::int64_t id = 0;
  std::string event;  // message, tip, closed, expired
  nlohmann::json data;
};

class ActionStream;
struct HubState;

class ActionEventHub {
 public:
  ActionEventHub(boost::asio::io_context& io, db::Pool& pool, HubSettings settings);
  ActionEventHub(const ActionEventHub&) = delete;
  ActionEventHub& operator=(const ActionEventHub&) = delete;
  ~ActionEventHub();

  void start();
  // Ends every stream (after what it has queued) and the LISTEN connection.
  void stop();

  // A stream of `action_id` for `token_id`, replaying what came after event `after_id` (0: all),
  // or null when the token has max_streams_per_token open already. The caller has checked that
  // the token may see the action. Answers on the pool's threads.
  boost::asio::awaitable<std::shared_ptr<http::ResponseStream>> subscribe(const std::string& action_id,
                                                                          const std::string& token_id,
                                                                          std::int64_t after_id);

  std::size_t open_streams() const;

 private:
  boost::asio::awaitable<void> listen();
  boost::asio::awaitable<void> read_progress();
  boost::asio::awaitable<void> fan_out(std::vector<std::string> actions);

  boost::asio::io_context& io_;
  db::Pool& pool_;
  HubSettings settings_;
  std::shared_ptr<HubState> state_;
};

// Reads the events of `action_id` after `after_id`, oldest first (all of them, in pages).
std::vector<ActionEvent> events_since(db::Connection& connection, const std::string& action_id,
                                      std::int64_t after_id);

}  // namespace burgernet::event
