// What the reliability tests share: SMS participants by the thousand on a cluster of the test's
// own, a daemon sending them through a fake Twilio, a watcher that asks /healthz all along, and
// the tally of what reached the provider (repeats and their idempotency keys).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "action/population.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/net/encoding.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_provider.hpp"
#include "support/http_client.hpp"
#include "support/test_keys.hpp"

namespace burgernet::testing::reliability {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Longer outages and more messages when BURGERNET_SOAK=1 (the everyday run stays short).
inline bool soak() {
  const char* value = std::getenv("BURGERNET_SOAK");
  return value && std::string(value) == "1";
}

inline double seconds_since(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

// The first column of the first row, on a fresh connection (the database may have been away);
// "" when there is no row, nullopt when the database cannot be reached.
inline std::optional<std::string> try_scalar(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb((url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=3").c_str());
  std::optional<std::string> value;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* r = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      value = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
    }
    PQclear(r);
  }
  PQfinish(conn);
  return value;
}

inline std::string scalar(const std::string& url, const std::string& sql) {
  auto value = try_scalar(url, sql);
  if (!value) throw std::runtime_error("scalar(" + sql.substr(0, 80) + "): the database cannot be reached");
  return *value;
}

inline bool wait_for(const std::string& url, const std::string& sql, const std::string& expected,
                     std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (try_scalar(url, sql) == expected) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

// `n` active SMS participants with real sealed numbers (the daemon opens them to send), on a
// 10 m grid north-east of the centre, all inside a 2 km circle around it. One statement.
inline void add_sms_participants(const std::string& url, int n) {
  const auto& keys = test_keys();
  std::string values;
  values.reserve(static_cast<std::size_t>(n) * 200);
  for (int i = 0; i < n; ++i) {
    const std::string phone = "+3164" + std::to_string(1000000 + i);
    if (i) values += ',';
    values += "(" + std::to_string(i) + ",'" + keys.seal(phone, "phone") + "'::bytea,'" + keys.lookup(phone) + "'::bytea)";
  }
  scalar(url,
         "WITH v(i, sealed, lookup) AS (VALUES " + values +
             "), p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
             "SELECT 'active', sealed, lookup, now() FROM v ORDER BY i RETURNING id, phone_lookup) "
             "INSERT INTO participant_addresses (participant_id, position, location, channels) "
             "SELECT p.id, 0, ST_Translate(" +
             sql_point(centre()) +
             ", (v.i % 120) * 10, (v.i / 120) * 10), '{sms}' FROM p JOIN v ON v.lookup = p.phone_lookup");
  scalar(url, "ANALYZE");
}

// A migrated `burgernet` database at `url` (a private cluster's).
inline void migrate(const std::string& url) {
  db::Connection c(url);
  db::migrate(c);
}

inline std::map<std::string, std::string> form(const RecordedRequest& r) {
  std::map<std::string, std::string> out;
  for (auto& [k, v] : net::form_decode(r.body)) out[k] = v;
  return out;
}

// What reached the provider: one entry per recipient, and every repeat with whether it carried
// the first request's idempotency key.
struct Tally {
  std::size_t requests = 0;
  std::size_t recipients = 0;
  std::size_t repeats = 0;
  std::size_t repeats_with_the_first_key = 0;
  std::size_t requests_without_key = 0;
  std::vector<std::string> repeated_keys;
  std::vector<std::string> unexpected;  // requests that carried no message

  std::string describe() const {
    std::string keys;
    for (std::size_t i = 0; i < repeated_keys.size() && i < 10; ++i) keys += (i ? ", " : "") + repeated_keys[i];
    return std::to_string(requests) + " requests to " + std::to_string(recipients) + " recipients, " +
           std::to_string(repeats) + " repeats (" + std::to_string(repeats_with_the_first_key) +
           " with the first request's key)" + (keys.empty() ? "" : ": " + keys) +
           (unexpected.empty() ? "" : "; " + std::to_string(unexpected.size()) + " without a message, the first " +
                                          unexpected.front());
  }
};

inline Tally tally(const std::vector<RecordedRequest>& requests) {
  Tally t;
  std::map<std::string, std::string> first_key;  // To -> the key of its first request
  for (const auto& r : requests) {
    ++t.requests;
    const auto fields = form(r);
    const auto to_field = fields.find("To");
    if (to_field == fields.end()) {  // not a message: counted, and named by describe()
      t.unexpected.push_back(r.method + " " + r.target + " (" + std::to_string(r.body.size()) + " bytes)");
      continue;
    }
    const auto& to = to_field->second;
    const auto header = r.headers.find("i-twilio-idempotency-token");
    const std::string key = header == r.headers.end() ? "" : header->second;
    if (key.empty()) ++t.requests_without_key;
    const auto [it, first] = first_key.emplace(to, key);
    if (first) continue;
    ++t.repeats;
    if (!key.empty() && key == it->second) ++t.repeats_with_the_first_key;
    t.repeated_keys.push_back(key);
  }
  t.recipients = first_key.size();
  return t;
}

// Asks /healthz every 100 ms on its own thread, from construction to stop(): the daemon must
// answer it, quickly, whatever the database or the provider do.
class HealthWatch {
 public:
  explicit HealthWatch(std::uint16_t port) : thread_([this, port] { run(port); }) {}
  ~HealthWatch() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int asked() const { return asked_; }
  int failed() const { return failed_; }
  long slowest_ms() const { return slowest_ms_; }
  // Stops, prints what it saw, and checks the daemon answered every time within a second.
  void expect_always_answered() {
    stop();
    std::cout << "/healthz asked " << asked() << " times, " << failed() << " failed, slowest " << slowest_ms()
              << " ms\n";
    EXPECT_EQ(failed(), 0);
    EXPECT_LT(slowest_ms(), 1000);
  }

 private:
  void run(std::uint16_t port) {
    while (!stopping_) {
      const auto started = Clock::now();
      int status = 0;
      try {
        status = HttpClient(port).get("/healthz").status;
      } catch (...) {
      }
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
      ++asked_;
      if (status != 200) ++failed_;
      slowest_ms_ = std::max<long>(slowest_ms_, took);
      std::this_thread::sleep_for(100ms);
    }
  }
  std::atomic<bool> stopping_{false};
  std::atomic<int> asked_{0}, failed_{0};
  std::atomic<long> slowest_ms_{0};
  std::thread thread_;
};

// A fake Twilio that answers every message 201 with a new sid after the provider's latency.
class FakeTwilio {
 public:
  FakeTwilio() {
    std::ofstream(secrets_ + "/twilio") << "twilio-auth-token-reliability\n";
    provider.answer_with([this](const RecordedRequest&) {
      return FakeAnswer{201, R"({"sid":"SM)" + std::to_string(++sids_) + "\"}"};
    });
  }
  nlohmann::json channel(int concurrency) const {
    return {{"driver", "twilio_sms"},         {"base_url", provider.url()},
            {"account_sid", "AC42"},          {"auth_token_file", secrets_ + "/twilio"},
            {"from", "+3197010000000"},       {"ca_file", provider.ca_file()},
            {"concurrency", concurrency}};
  }
  FakeProvider provider;

 private:
  std::string secrets_ = make_temp_dir("reliability-secrets-");
  std::atomic<int> sids_{0};
};

// A daemon whose only channel is SMS through `twilio`, on `database_url`, with `database_keys`
// `queue` and `channel_keys` (timeout_ms, status_callback_url) added; and an operator token.
struct SendingDaemon {
  SendingDaemon(const std::string& database_url, const FakeTwilio& twilio, int concurrency,
                nlohmann::json database_keys = nlohmann::json::object(),
                nlohmann::json queue = nlohmann::json::object(),
                nlohmann::json channel_keys = nlohmann::json::object()) {
    auto config = daemon_config(database_url, make_temp_dir("reliability-outbox-"));
    config["channels"] = {{"sms", twilio.channel(concurrency)}};
    for (auto& [key, value] : channel_keys.items()) config["channels"]["sms"][key] = value;
    for (auto& [key, value] : database_keys.items()) config["database"][key] = value;
    if (!queue.empty()) config["queue"] = queue;
    process = std::make_unique<DaemonProcess>(config);
    if (!process->wait_ready(30s)) throw std::runtime_error("the daemon never became ready:\n" + process->log());
    std::string out, err;
    if (run_ctl(process->config_path(), {"token", "create", "--role", "operator", "--name", "op"}, &out, &err) != 0) {
      throw std::runtime_error("token create: " + err);
    }
    token = out.substr(0, out.find_last_not_of('\n') + 1);
  }
  HttpClient client() const { return HttpClient(process->port(), token); }
  // Raises an urgent SMS action over every participant added by add_sms_participants.
  std::string raise() const {
    nlohmann::json body = {{"kind", "urgent"},
                           {"category", "burglary"},
                           {"title", "Inbraak"},
                           {"message", "Man in donkere jas gevlucht richting station."},
                           {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 3000}}}}},
                           {"channels", nlohmann::json::array({"sms"})}};
    auto c = client();
    return raise_action(c, body);
  }

  std::unique_ptr<DaemonProcess> process;
  std::string token;
};

}  // namespace burgernet::testing::reliability
