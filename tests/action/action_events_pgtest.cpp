// GET /v1/actions/{id}/events through a real daemon and database: messages, progress as the
// file channels send, tips, the close and the end; Last-Event-ID resumes; heartbeats; the
// per-token limit; who may watch; SIGTERM with streams open.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <regex>

#include "action/population.hpp"
#include "support/test_certificates.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A raw HTTP connection reading an event stream as it comes.
class EventReader {
 public:
  EventReader(std::uint16_t port, const std::string& token, const std::string& target,
              const std::string& last_event_id = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                          "Connection: close\r\nAuthorization: Bearer " +
                          token + "\r\n";
    if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
    request += "\r\n";
    EXPECT_EQ(::send(fd_, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  }
  ~EventReader() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Reads until `text` has arrived after position `from` (true) or the timeout or the end.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = 10s, std::size_t from = 0) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (received_.find(text, from) == std::string::npos) {
      if (!read_some(deadline)) return received_.find(text, from) != std::string::npos;
    }
    return true;
  }
  // Reads until the server closes (true) or the timeout.
  bool wait_end(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ended_)
      if (!read_some(deadline)) break;
    return ended_;
  }
  const std::string& received() const { return received_; }
  int status() const {
    return received_.size() > 12 && received_.starts_with("HTTP/1.1 ") ? std::stoi(received_.substr(9, 3))
                                                                       : 0;
  }

 private:
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (ended_ || fd_ < 0) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buffer[4096];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      ended_ = true;
      return false;
    }
    received_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string received_;
  bool ended_ = false;
};

int occurrences(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The id of the first event named `event` in a stream's text.
std::string id_of(const std::string& text, const std::string& event) {
  std::smatch m;
  const std::regex pattern("id: (\\d+)\nevent: " + event + "\n");
  return std::regex_search(text, m, pattern) ? m[1].str() : "";
}

class ActionEventsTest : public ActionDaemonTest {
 protected:
  void start_with_events(int max_streams = 5) {
    auto config = daemon_config(database.url(), outbox_);
    config["queue"] = {{"dispatch", true}, {"poll_ms", 100}};
    config["events"] = {{"heartbeat_s", 1}, {"max_streams_per_token", max_streams}};
    daemon_ = std::make_unique<DaemonProcess>(config);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_token_ = token("operator", "op");
  }
  std::string raise() {
    add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
    add_participant(database, {{offset(centre(), 200, 0), "{sms}"}});
    return raise_action(client(), action(circle(centre(), 1000)));
  }
  EventReader watch(const std::string& id, const std::string& last = {}, const std::string& token = {}) {
    return EventReader(daemon_->port(), token.empty() ? operator_token_ : token,
                       "/v1/actions/" + id + "/events", last);
  }
};

TEST_F(ActionEventsTest, AStreamFollowsUpdatesProgressTipsAndTheCloseThenEnds) {
  start_with_events();
  const auto id = raise();
  ASSERT_FALSE(id.empty());
  auto stream = watch(id);
  ASSERT_TRUE(stream.wait_for("event: progress\n")) << stream.received();
  EXPECT_EQ(stream.status(), 200);
  EXPECT_NE(stream.received().find("Content-Type: text/event-stream"), std::string::npos)
      << stream.received();
  // Progress follows the sender: the snapshot or a later one shows both sms sent.
  EXPECT_TRUE(stream.wait_for("\"sms\":{\"sent\":2}")) << stream.received();

  const auto before_update = stream.received().size();
  ASSERT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", "Gezien bij de Dam."}}).status, 201);
  EXPECT_TRUE(stream.wait_for("event: message\n", 10s, before_update)) << stream.received();
  EXPECT_TRUE(stream.wait_for("\"text\":\"Gezien bij de Dam.\"", 10s, before_update)) << stream.received();
  // The update's own counts arrive as a progress event once it is sent.
  EXPECT_TRUE(
      stream.wait_for("\"kind\":\"update\"", 10s, stream.received().find("event: message\n", before_update)));
  const auto after_message = stream.received().size();
  EXPECT_TRUE(stream.wait_for("event: progress\n", 10s, after_message)) << stream.received();

  // A tip: its id, never its text (inserted as 0021's trigger does).
  const auto tip = database.scalar("SELECT gen_random_uuid()");
  database.scalar("INSERT INTO action_events (action_id, event, ref) VALUES ('" + id + "', 'tip', '" + tip +
                  "') RETURNING id");
  EXPECT_TRUE(stream.wait_for("event: tip\n")) << stream.received();
  EXPECT_TRUE(stream.wait_for("\"tip_id\":\"" + tip + "\"")) << stream.received();

  // Heartbeats every second when nothing else happens.
  const auto quiet = stream.received().size();
  EXPECT_TRUE(stream.wait_for(": ping\n\n", 5s, quiet)) << stream.received().substr(quiet);

  ASSERT_EQ(client()
                .post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Aangehouden."}})
                .status,
            200);
  EXPECT_TRUE(stream.wait_for("event: closed\n")) << stream.received();
  EXPECT_TRUE(stream.wait_for("\"outcome\":\"resolved\"")) << stream.received();
  EXPECT_TRUE(stream.wait_end(5s)) << "the stream ends with the action's close";
  // The closing message came before the close, as it was posted.
  EXPECT_EQ(occurrences(stream.received(), "event: message\n"), 2) << stream.received();
  EXPECT_EQ(occurrences(stream.received(), "event: closed\n"), 1);
  EXPECT_EQ(stream.received().find(tip + "\",\"text"), std::string::npos);

  // Resuming after the first message: the rest, once each, nothing before it.
  const auto first_message = id_of(stream.received(), "message");
  ASSERT_FALSE(first_message.empty()) << stream.received();
  auto resumed = watch(id, first_message);
  EXPECT_TRUE(resumed.wait_end(5s)) << resumed.received();
  EXPECT_EQ(occurrences(resumed.received(), "event: message\n"), 1) << resumed.received();  // the closing
  EXPECT_EQ(resumed.received().find("\"message_id\":2"), std::string::npos) << resumed.received();
  EXPECT_EQ(occurrences(resumed.received(), "event: tip\n"), 1) << resumed.received();
  EXPECT_EQ(occurrences(resumed.received(), "event: closed\n"), 1) << resumed.received();
  EXPECT_EQ(occurrences(resumed.received(), "event: progress\n"), 1) << "a snapshot on every connect";
  // Resuming after the last event: the snapshot only, then the end (nothing repeated).
  // (The closing message is written in the close's transaction, after the `closed` row.)
  auto last = watch(id, std::to_string(std::max(std::stoll(id_of(stream.received(), "closed")),
                                                std::stoll(id_of(resumed.received(), "message")))));
  EXPECT_TRUE(last.wait_end(5s)) << last.received();
  EXPECT_EQ(occurrences(last.received(), "event: closed\n"), 0) << last.received();
  EXPECT_EQ(occurrences(last.received(), "event: tip\n"), 0) << last.received();
  EXPECT_EQ(occurrences(last.received(), "event: progress\n"), 1) << last.received();
}

TEST_F(ActionEventsTest, ATokenHasAtMostItsStreamsAndSeesOnlyItsActions) {
  start_with_events(2);
  const auto id = raise();
  auto one = watch(id);
  auto two = watch(id);
  ASSERT_TRUE(one.wait_for("event: progress\n"));
  ASSERT_TRUE(two.wait_for("event: progress\n"));
  auto three = watch(id);
  EXPECT_TRUE(three.wait_end(5s));
  EXPECT_EQ(three.status(), 429) << three.received();
  EXPECT_NE(three.received().find("Retry-After:"), std::string::npos) << three.received();
  one.close();
  // Its place is given back once the server notices the client went (at the next heartbeat).
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    auto again = watch(id);
    again.wait_for("\r\n\r\n", 2s);
    reopened = again.status() == 200;
    if (!reopened) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(reopened);

  auto unknown = watch("00000000-0000-4000-8000-000000000000");
  EXPECT_TRUE(unknown.wait_end(5s));
  EXPECT_EQ(unknown.status(), 404) << unknown.received();
  // A municipality sees its own actions and its area's, not an operator's.
  database.scalar(
      "INSERT INTO areas (code, name, geom) VALUES ('GM0599', 'Elders', "
      "ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(92000, 437000), 28992), 1000))) RETURNING code");
  auto municipal = watch(id, {}, token("municipal", "gemeente-elders", "GM0599"));
  EXPECT_TRUE(municipal.wait_end(5s));
  EXPECT_EQ(municipal.status(), 404) << municipal.received();
  auto bad = watch(id, "x");
  EXPECT_TRUE(bad.wait_end(5s));
  EXPECT_EQ(bad.status(), 400) << bad.received();
  EXPECT_NE(bad.received().find("Last-Event-ID"), std::string::npos) << bad.received();
}

TEST_F(ActionEventsTest, SigtermWithStreamsOpenExitsPromptly) {
  start_with_events();
  const auto id = raise();
  auto one = watch(id);
  auto two = watch(id);
  ASSERT_TRUE(one.wait_for("event: progress\n"));
  ASSERT_TRUE(two.wait_for("event: progress\n"));
  const auto began = std::chrono::steady_clock::now();
  daemon_->signal(SIGTERM);
  const auto code = daemon_->wait_exit(10s);
  ASSERT_TRUE(code.has_value()) << "still running 10 s after SIGTERM";
  EXPECT_EQ(*code, 0) << daemon_->log();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s);
  EXPECT_TRUE(one.wait_end(2s));
}

// The same writer serves TLS: a closed action's stream over HTTPS (curl as the client) gives its
// replay, a snapshot, `closed`, and ends.
TEST_F(ActionEventsTest, AStreamIsServedOverTlsToo) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl is not installed";
  const auto pki = make_test_pki();
  auto config = daemon_config(database.url(), outbox_);
  config["queue"] = {{"dispatch", true}, {"poll_ms", 100}};
  config["http"]["tls"] = {{"cert_file", pki.server_cert}, {"key_file", pki.server_key}};
  daemon_ = std::make_unique<DaemonProcess>(config);
  const auto token = this->token("operator", "op");
  add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
  const auto base = "https://127.0.0.1:" + std::to_string(daemon_->port());
  const auto curl =
      "curl -s --max-time 10 --cacert " + pki.ca_cert + " -H 'Authorization: Bearer " + token + "' ";
  auto run = [](const std::string& command) {
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char buffer[4096];
      while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
      ::pclose(pipe);
    }
    return out;
  };
  std::string raised;
  for (int i = 0; i < 100 && raised.find("\"id\"") == std::string::npos; ++i) {
    if (i) std::this_thread::sleep_for(200ms);
    raised = run(curl + "-H 'Content-Type: application/json' -d '" + action(circle(centre(), 1000)).dump() +
                 "' " + base + "/v1/actions");
  }
  const auto id = json::parse(raised)["id"].get<std::string>();
  database.scalar(
      "UPDATE actions SET status = 'closed', outcome = 'resolved', closed_at = now() WHERE id = '" + id +
      "' RETURNING id");
  const auto stream = run(curl + "-N " + base + "/v1/actions/" + id + "/events");
  EXPECT_EQ(occurrences(stream, "event: progress\n"), 1) << stream;
  EXPECT_EQ(occurrences(stream, "event: closed\n"), 1) << stream;
}

}  // namespace
}  // namespace burgernet::testing
