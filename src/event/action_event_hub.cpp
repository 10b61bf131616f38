// The hub behind the event streams: the LISTEN loop, the once-a-second progress reader and the
// streams themselves (bounded queues woken on the connection's strand).
#include "burgernet/event/action_event_hub.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>
#include <set>

#include "burgernet/action/message_progress.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::event {

namespace asio = boost::asio;
using nlohmann::json;

struct HubState {
  std::mutex mutex;
  std::map<std::string, std::vector<std::weak_ptr<ActionStream>>> watchers;  // by action
  std::map<std::string, int> streams_of_token;
  std::map<std::string, std::string> last_progress;  // by action, as last sent
  std::map<std::string, std::int64_t> last_event;    // by action: the newest event fanned out
  std::set<std::string> dirty;                       // actions with events not fanned out yet
  bool stopping = false;
  asio::posix::stream_descriptor* listen_socket = nullptr;  // touched on the hub's strand only
};

namespace {

std::string sse(const std::string& event, std::int64_t id, const json& data) {
  return "id: " + std::to_string(id) + "\nevent: " + event + "\ndata: " + data.dump() + "\n\n";
}

}  // namespace

// One client's stream: what the hub offers is queued (bounded) and handed to the server's
// writer, which waits in next() on the connection's strand.
class ActionStream : public http::ResponseStream {
 public:
  ActionStream(std::shared_ptr<HubState> hub, std::string action_id, std::string token_id,
               std::int64_t after_id, const HubSettings& settings)
      : hub_(std::move(hub)),
        action_id_(std::move(action_id)),
        token_id_(std::move(token_id)),
        last_id_(after_id),
        heartbeat_(settings.heartbeat),
        max_queued_(settings.max_queued_bytes) {}

  ~ActionStream() override {
    std::lock_guard lock(hub_->mutex);
    if (--hub_->streams_of_token[token_id_] <= 0) hub_->streams_of_token.erase(token_id_);
    auto it = hub_->watchers.find(action_id_);
    if (it == hub_->watchers.end()) return;
    std::erase_if(it->second, [this](const auto& w) {
      auto s = w.lock();
      return !s || s.get() == this;
    });
    if (it->second.empty()) {
      hub_->watchers.erase(it);
      hub_->last_progress.erase(action_id_);
      hub_->last_event.erase(action_id_);
    }
  }

  asio::awaitable<std::optional<std::string>> next() override {
    auto executor = co_await asio::this_coro::executor;
    {
      std::lock_guard lock(mutex_);
      if (!timer_) timer_ = std::make_shared<asio::steady_timer>(executor);
    }
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (!queued_.empty()) co_return std::exchange(queued_, std::string());
        if (ended_) co_return std::nullopt;
        timer_->expires_after(heartbeat_);
      }
      boost::system::error_code ec;
      co_await timer_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_return std::string(": ping\n\n");  // nothing for a while: keep proxies from cutting it
    }
  }

  void stop() override {
    {
      std::lock_guard lock(mutex_);
      ended_ = true;
    }
    wake();
  }

  // The replay and first snapshot are in: what was held while they were read follows them.
  void start(const std::vector<ActionEvent>& replayed, const std::string& progress, bool action_closed,
             bool resumed) {
    {
      std::lock_guard lock(mutex_);
      for (const auto& e : replayed) push_event(e);
      if (!ended_ && !progress.empty())
        push("id: " + std::to_string(last_id_) + "\nevent: progress\ndata: " + progress + "\n\n");
      std::sort(held_.begin(), held_.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
      for (const auto& e : held_) push_event(e);
      held_.clear();
      replaying_ = false;
      // A closed action's stream ends after its replay. One closed before its events were
      // recorded (migration 0020) has no `closed` row: a new stream is told so all the same; a
      // resumed one saw its close before.
      if (action_closed && !closed_seen_ && !resumed && !ended_)
        push(sse("closed", last_id_, json{{"outcome", nullptr}}));
      if (action_closed || closed_seen_) ended_ = true;
    }
    wake();
  }

  // The events of one read (one transaction's come together: a close's `closed` and its closing
  // message, in either order); a `closed` among them ends the stream after all of them.
  void offer_events(const std::vector<ActionEvent>& events) {
    {
      std::lock_guard lock(mutex_);
      if (replaying_) {
        held_.insert(held_.end(), events.begin(), events.end());
        return;
      }
      for (const auto& e : events) push_event(e);
      if (closed_seen_) ended_ = true;
    }
    wake();
  }

  void offer_progress(const std::string& progress) {
    {
      std::lock_guard lock(mutex_);
      if (replaying_ || ended_) return;  // start() sends its own snapshot
      push("id: " + std::to_string(last_id_) + "\nevent: progress\ndata: " + progress + "\n\n");
    }
    wake();
  }

 private:
  // Under mutex_.
  void push_event(const ActionEvent& e) {
    if (ended_ || e.id <= last_id_) return;  // seen already (replay and live overlap)
    last_id_ = e.id;
    push(sse(e.event, e.id, e.data));
    if (e.event == "closed") closed_seen_ = true;  // the stream ends after this batch
  }
  void push(std::string piece) {
    if (queued_.size() + piece.size() > max_queued_) {
      // A client that does not read: drop it rather than hold without bound.
      spdlog::info("events: a stream of action {} dropped, its client does not keep up", action_id_);
      queued_.clear();
      ended_ = true;
      return;
    }
    queued_ += piece;
  }
  void wake() {
    std::shared_ptr<asio::steady_timer> timer;
    {
      std::lock_guard lock(mutex_);
      timer = timer_;
    }
    // On the timer's executor (the connection's strand), where next() waits on it.
    if (timer) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }

  std::shared_ptr<HubState> hub_;
  const std::string action_id_;
  const std::string token_id_;
  std::mutex mutex_;
  std::int64_t last_id_;
  std::chrono::seconds heartbeat_;
  std::size_t max_queued_;
  std::string queued_;
  bool ended_ = false;
  bool closed_seen_ = false;
  bool replaying_ = true;
  std::vector<ActionEvent> held_;
  std::shared_ptr<asio::steady_timer> timer_;
};

std::vector<ActionEvent> events_since(db::Connection& c, const std::string& action_id,
                                      std::int64_t after_id) {
  std::vector<ActionEvent> out;
  for (;;) {
    const auto r =
        c.exec(sql::query("ActionEventsSince"), db::Params(action_id, static_cast<long long>(after_id)));
    for (int i = 0; i < r.rows(); ++i) {
      ActionEvent e{r.int64(i, 0), r.string(i, 1), json::object()};
      const auto ref = r.optional_string(i, 2);
      e.data["created_at"] = r.string(i, 3);
      if (e.event == "message") {
        e.data["message_id"] = ref ? json(std::stoll(*ref)) : json(nullptr);
        e.data["kind"] = r.optional_string(i, 4).value_or("");
        e.data["text"] = r.optional_string(i, 5).value_or("");
      } else if (e.event == "tip") {
        e.data["tip_id"] = ref ? json(*ref) : json(nullptr);  // the id only: a tip's text is personal data
      } else if (e.event == "closed") {
        e.data["outcome"] = ref ? json(*ref) : json(nullptr);
      }
      after_id = e.id;
      out.push_back(std::move(e));
    }
    if (r.rows() < 1000) return out;
  }
}

ActionEventHub::ActionEventHub(asio::io_context& io, db::Pool& pool, HubSettings settings)
    : io_(io), pool_(pool), settings_(std::move(settings)), state_(std::make_shared<HubState>()) {}

ActionEventHub::~ActionEventHub() = default;

std::size_t ActionEventHub::open_streams() const {
  std::lock_guard lock(state_->mutex);
  std::size_t n = 0;
  for (const auto& [token, count] : state_->streams_of_token) n += static_cast<std::size_t>(count);
  return n;
}

void ActionEventHub::start() {
  asio::co_spawn(io_, listen(), asio::detached);
  asio::co_spawn(io_, read_progress(), asio::detached);
}

void ActionEventHub::stop() {
  std::vector<std::shared_ptr<ActionStream>> streams;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    for (auto& [action, list] : state_->watchers)
      for (auto& w : list)
        if (auto s = w.lock()) streams.push_back(std::move(s));
    if (state_->listen_socket) {
      boost::system::error_code ignored;
      state_->listen_socket->cancel(ignored);
    }
  }
  for (auto& s : streams) s->stop();
}

asio::awaitable<std::shared_ptr<http::ResponseStream>> ActionEventHub::subscribe(const std::string& action_id,
                                                                                 const std::string& token_id,
                                                                                 std::int64_t after_id) {
  std::shared_ptr<ActionStream> stream;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopping) co_return nullptr;
    auto& count = state_->streams_of_token[token_id];
    if (count >= settings_.max_streams_per_token) co_return nullptr;
    ++count;
    // Counted from here: the destructor gives the place back.
    stream = std::make_shared<ActionStream>(state_, action_id, token_id, after_id, settings_);
    // Watched before the replay is read, so that nothing committed meanwhile is missed.
    state_->watchers[action_id].push_back(stream);
  }
  struct Start {
    std::vector<ActionEvent> replayed;
    std::string progress;
    bool closed = false;
  };
  const auto start = co_await pool_.run([&action_id, &after_id](db::Connection& c) {
    Start s;
    s.replayed = events_since(c, action_id, after_id);
    s.progress = json{{"messages", action::message_progress(c, action_id)}}.dump();
    const auto status = c.exec(sql::query("ActionStreamVisible"),
                               db::Params(action_id, std::optional<std::string>{},
                                          std::optional<std::string>{}, std::optional<std::string>{}));
    s.closed = !status.empty() && status.string(0, 0) == "closed";
    return s;
  });
  stream->start(start.replayed, start.progress, start.closed, after_id > 0);
  co_return stream;
}

asio::awaitable<void> ActionEventHub::listen() {
  auto stopping = [this] {
    std::lock_guard lock(state_->mutex);
    return state_->stopping;
  };
  asio::steady_timer pause(io_);
  while (!stopping()) {
    std::unique_ptr<db::Connection> connection;
    try {
      // Captured by reference: see api/service.cpp on by-value captures inside co_await with g++ 12.
      const auto& url = settings_.database_url;
      const auto& options = settings_.listen_options;
      connection = co_await pool_.run([&url, &options](db::Connection&) {
        auto c = std::make_unique<db::Connection>(url, options);
        c->exec_script("listen", "LISTEN burgernet_action_events");
        return c;
      });
    } catch (const std::exception& e) {
      spdlog::warn("events: LISTEN connection failed, retrying: {}", e.what());
    }
    if (!connection) {
      pause.expires_after(std::chrono::seconds(2));
      boost::system::error_code ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    // Events may have come while nobody listened: every watched action is read again.
    std::vector<std::string> all;
    {
      std::lock_guard lock(state_->mutex);
      for (const auto& [action, list] : state_->watchers) all.push_back(action);
    }
    if (!all.empty()) co_await fan_out(std::move(all));
    asio::posix::stream_descriptor socket(io_, ::dup(PQsocket(connection->native())));
    {
      std::lock_guard lock(state_->mutex);
      state_->listen_socket = &socket;
    }
    while (!stopping()) {
      boost::system::error_code ec;
      co_await socket.async_wait(asio::posix::stream_descriptor::wait_read,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec || PQconsumeInput(connection->native()) == 0) break;
      std::vector<std::string> actions;
      while (PGnotify* n = PQnotifies(connection->native())) {
        try {
          const auto payload = json::parse(n->extra);
          const auto action = payload.at("action_id").get<std::string>();
          std::lock_guard lock(state_->mutex);
          if (state_->watchers.contains(action)) actions.push_back(action);
        } catch (const std::exception&) {
          // Not ours (a NOTIFY by hand): nothing to do.
        }
        PQfreemem(n);
      }
      if (!actions.empty()) co_await fan_out(std::move(actions));
    }
    {
      std::lock_guard lock(state_->mutex);
      state_->listen_socket = nullptr;
    }
    if (!stopping()) {
      spdlog::warn("events: LISTEN connection lost, reconnecting");
      pause.expires_after(std::chrono::milliseconds(500));
      boost::system::error_code ec;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
}

// One read per action with new events, whatever the number of its streams.
asio::awaitable<void> ActionEventHub::fan_out(std::vector<std::string> actions) {
  std::sort(actions.begin(), actions.end());
  actions.erase(std::unique(actions.begin(), actions.end()), actions.end());
  std::map<std::string, std::int64_t> from;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& a : actions) from[a] = state_->last_event[a];
  }
  std::map<std::string, std::vector<ActionEvent>> found;
  try {
    found = co_await pool_.run([&from](db::Connection& c) {
      std::map<std::string, std::vector<ActionEvent>> out;
      for (const auto& [action, after] : from) out[action] = events_since(c, action, after);
      return out;
    });
  } catch (const std::exception& e) {
    spdlog::warn("events: reading new events failed: {}", e.what());
    co_return;
  }
  std::vector<std::pair<std::shared_ptr<ActionStream>, const std::vector<ActionEvent>*>> offers;
  {
    std::lock_guard lock(state_->mutex);
    for (const auto& [action, events] : found) {
      if (events.empty() || !state_->watchers.contains(action)) continue;
      auto& last = state_->last_event[action];
      last = std::max(last, events.back().id);
      for (auto& w : state_->watchers[action])
        if (auto s = w.lock()) offers.emplace_back(s, &events);
    }
  }
  for (const auto& [stream, events] : offers) stream->offer_events(*events);
}

// Once a second, the counters of the actions someone watches; a stream hears of them only when
// they changed.
asio::awaitable<void> ActionEventHub::read_progress() {
  asio::steady_timer tick(io_);
  for (;;) {
    tick.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    std::vector<std::string> actions;
    {
      std::lock_guard lock(state_->mutex);
      if (state_->stopping) co_return;
      for (const auto& [action, list] : state_->watchers) actions.push_back(action);
    }
    if (actions.empty()) continue;
    std::map<std::string, std::string> progress;
    try {
      progress = co_await pool_.run([&actions](db::Connection& c) {
        std::map<std::string, std::string> out;
        for (const auto& a : actions) out[a] = json{{"messages", action::message_progress(c, a)}}.dump();
        return out;
      });
    } catch (const std::exception& e) {
      spdlog::debug("events: reading progress failed: {}", e.what());
      continue;
    }
    std::vector<std::pair<std::shared_ptr<ActionStream>, std::string>> offers;
    {
      std::lock_guard lock(state_->mutex);
      for (const auto& [action, text] : progress) {
        auto it = state_->watchers.find(action);
        if (it == state_->watchers.end()) continue;
        auto& last = state_->last_progress[action];
        if (last == text) continue;
        last = text;
        for (auto& w : it->second)
          if (auto s = w.lock()) offers.emplace_back(s, text);
      }
    }
    for (const auto& [stream, text] : offers) stream->offer_progress(text);
  }
}

}  // namespace burgernet::event
