// Load: wrk for 60 s against action reads, device location updates and action creation while
// a large action is being sent. No 5xx, p99 reported, the daemon's memory flat.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <algorithm>
#include <atomic>

#include "action/population.hpp"
#include "burgernet/auth/secret.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kParticipants = 20000;
constexpr int kDevices = 200;

// Kilobytes of resident memory of `pid` (VmRSS), 0 when unreadable.
long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return 0;
}

// Runs a command and returns its standard output.
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  pclose(pipe);
  return out;
}

// A number wrk's Lua `done` printed as "name=value".
double reported(const std::string& out, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(name + "=([0-9.]+)"))) return -1;
  return std::stod(m[1]);
}

class LoadTest : public ActionDaemonTest {
 protected:
  // Every participant's number is the same placeholder (sealed once), so that the daemon opens
  // and sends each row as it would a real one.
  void populate() {
    const auto sealed = test_keys().seal("+31612345678", "phone");
    database.scalar(
        "WITH p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
        "  SELECT 'active', '" + sealed + "', convert_to('+3163' || lpad(i::text, 7, '0'), 'UTF8'), now() "
        "  FROM generate_series(1, " + std::to_string(kParticipants) + ") i RETURNING id, phone_lookup) "
        "INSERT INTO participant_addresses (participant_id, position, location, channels) "
        "  SELECT id, 0, ST_Translate(" + sql_point(centre()) + ", random() * 4000 - 2000, random() * 4000 - 2000), "
        "    '{voice,sms}' FROM p");
    const auto owner = add_participant(database, {{offset(centre(), 5000, 0)}});
    for (int i = 0; i < kDevices; ++i) {
      const auto secret = "bnd_load_" + std::to_string(i);
      device_ids_.push_back(database.scalar(
          "INSERT INTO devices (participant_id, platform, push_token_sealed, secret_hash) VALUES ('" + owner +
          "', 'android', '" + test_keys().seal("push-load-" + std::to_string(i), "push_token") + "', '" +
          auth::secret_hash_param(secret) + "'::bytea) RETURNING id"));
      device_secrets_.push_back(secret);
    }
  }

  // The wrk script: of every 50 requests, 34 read the action, 15 move a device, 1 raises a
  // small action; every response status is counted per thread and summed in `done`.
  std::string script(const std::string& action_id) {
    std::ostringstream lua;
    lua << "local token = \"" << operator_token_ << "\"\n"
        << "local action = \"" << action_id << "\"\n"
        << "local devices = {";
    for (std::size_t i = 0; i < device_ids_.size(); ++i) {
      lua << "{\"" << device_ids_[i] << "\",\"" << device_secrets_[i] << "\"},";
    }
    lua << "}\n" << R"LUA(
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) n = 0; ok = 0; c4 = 0; c5 = 0; math.randomseed(os.time() + math.random(1000)) end
function request()
  n = n + 1
  local k = n % 50
  if k == 0 then
    local body = string.format('{"kind":"urgent","category":"burglary","title":"Load","message":"Load test",' ..
      '"area":{"circle":{"lat":%.6f,"lon":%.6f,"radius_m":50}}}', 52.30 + math.random() * 0.1, 4.80 + math.random() * 0.1)
    return wrk.format("POST", "/v1/actions", {["Authorization"] = "Bearer " .. token,
                      ["Content-Type"] = "application/json"}, body)
  elseif k <= 15 then
    local d = devices[math.random(#devices)]
    local body = string.format('{"lat":%.6f,"lon":%.6f,"accuracy_m":20}', 52.35 + math.random() * 0.05,
                               4.85 + math.random() * 0.05)
    return wrk.format("PUT", "/v1/devices/" .. d[1] .. "/location", {["Authorization"] = "Bearer " .. d[2],
                      ["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/v1/actions/" .. action, {["Authorization"] = "Bearer " .. token})
end
function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1 elseif status >= 400 then c4 = c4 + 1 else ok = ok + 1 end
end
function done(summary, latency, requests)
  local t5, t4, tok = 0, 0, 0
  for _, thread in ipairs(threads) do
    t5 = t5 + thread:get("c5"); t4 = t4 + thread:get("c4"); tok = tok + thread:get("ok")
  end
  io.write(string.format("status_2xx=%d\nstatus_4xx=%d\nstatus_5xx=%d\n", tok, t4, t5))
  io.write(string.format("p50_ms=%.2f\np99_ms=%.2f\nrps=%.1f\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("timeouts=%d\nconnect_errors=%d\n", summary.errors.timeout, summary.errors.connect))
end
)LUA";
    const auto path = make_temp_dir("wrk-") + "/load.lua";
    std::ofstream(path) << lua.str();
    return path;
  }

  std::vector<std::string> device_ids_, device_secrets_;
};

TEST_F(LoadTest, SixtySecondsOfMixedRequestsWhileAnActionIsSentGetNo5xxAndMemoryStaysFlat) {
  populate();
  start({{"api_per_token_per_s", 1000000}, {"api_per_token_burst", 1000000}}, /*dispatch=*/true);
  const auto id = raise_action(client(), action(circle(centre(), 2500)));
  ASSERT_FALSE(id.empty());
  const auto lua = script(id);
  // A short warm-up, so that the memory measured first is the daemon's working size.
  run("wrk -t2 -c16 -d5s -s " + lua + " http://127.0.0.1:" + std::to_string(daemon_->port()) + " 2>&1");
  const auto sent_before = count("SELECT count(*) FROM deliveries WHERE status = 'sent'");

  // Resident memory once a second while wrk runs.
  std::vector<long> rss;
  std::atomic<bool> loading{true};
  std::thread sampler([&] {
    while (loading) {
      rss.push_back(rss_kb(daemon_->pid()));
      std::this_thread::sleep_for(1s);
    }
  });
  const auto out = run("wrk -t2 -c32 -d60s --timeout 5s -s " + lua + " http://127.0.0.1:" +
                       std::to_string(daemon_->port()) + " 2>&1");
  loading = false;
  sampler.join();
  ASSERT_GE(rss.size(), 40u);
  // After the first 20 s every pool, cache and buffer has its working size; from there on the
  // memory must not keep growing.
  // Peaks and troughs of a few MB come and go as the sender's batches are allocated and freed; a
  // leak does not go: compare the lowest of the last five samples with the highest around 20 s.
  const long rss_warm = *std::max_element(rss.begin() + 15, rss.begin() + 26);
  const long rss_end = *std::min_element(rss.end() - 5, rss.end()), rss_start = rss.front();
  std::cout << out << "rss_kb start=" << rss_start << " at_20s=" << rss_warm << " end=" << rss_end << "\n"
            << "sent before=" << sent_before << " after="
            << count("SELECT count(*) FROM deliveries WHERE status = 'sent'") << "\n";
  RecordProperty("rps", std::to_string(reported(out, "rps")));
  RecordProperty("p99_ms", std::to_string(reported(out, "p99_ms")));

  ASSERT_GE(reported(out, "status_2xx"), 1000) << out;
  EXPECT_EQ(reported(out, "status_5xx"), 0) << out;
  EXPECT_EQ(reported(out, "status_4xx"), 0) << out;
  EXPECT_EQ(reported(out, "connect_errors"), 0) << out;
  EXPECT_EQ(reported(out, "timeouts"), 0) << out;
  // Flat: a leak of a few hundred bytes per request would add 10 MB over these 40 s.
  EXPECT_LT(rss_end, rss_warm + 8 * 1024) << "RSS grew from " << rss_warm << " to " << rss_end << " kB";
  // The action was being sent meanwhile, and went on being sent.
  EXPECT_GT(std::stoi(count("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "' AND status = 'sent'")),
            0);
  EXPECT_TRUE(daemon_->running());
}

}  // namespace
}  // namespace burgernet::testing
