// The daemon under systemd, without systemd: the test plays the service manager's side of the
// notify protocol on its own NOTIFY_SOCKET, and checks the shipped unit with systemd-analyze.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "support/daemon_process.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

// A datagram socket that records every notify message, with the time it arrived.
class NotifySocket {
 public:
  struct Message {
    std::chrono::steady_clock::time_point at;
    std::string text;
  };

  NotifySocket() : path_(make_temp_dir("burgernet-notify-") + "/notify") {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof address.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) throw std::runtime_error("bind");
    timeval timeout{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    reader_ = std::thread([this] {
      char buffer[4096];
      while (!done_) {
        const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
        if (n <= 0) continue;
        std::lock_guard lock(mutex_);
        messages_.push_back({std::chrono::steady_clock::now(), std::string(buffer, static_cast<std::size_t>(n))});
      }
    });
  }
  ~NotifySocket() {
    done_ = true;
    reader_.join();
    ::close(fd_);
  }

  const std::string& path() const { return path_; }

  std::vector<Message> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }

  // Index of the first message from `from` on that holds `line` as one of its lines.
  std::optional<std::size_t> wait_for(const std::string& line, std::size_t from = 0,
                                      std::chrono::milliseconds timeout = 20s) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto all = messages();
      for (std::size_t i = from; i < all.size(); ++i) {
        if (has_line(all[i].text, line)) return i;
      }
      if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(20ms);
    }
  }

  static bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
      if (l == line || (line.back() == '=' && l.starts_with(line))) return true;
    }
    return false;
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> done_{false};
  mutable std::mutex mutex_;
  std::vector<Message> messages_;
  std::thread reader_;
};

class SystemdTest : public DatabaseTest {
 protected:
  nlohmann::json config() { return daemon_config(database.url(), make_temp_dir("burgernet-outbox-")); }
};

TEST_F(SystemdTest, ReadyWatchdogReloadingAndStoppingReachTheNotifySocket) {
  NotifySocket notify;
  // 600 ms: the daemon pings every 300 ms.
  DaemonProcess daemon(config(), {{"NOTIFY_SOCKET", notify.path()}, {"WATCHDOG_USEC", "600000"}});
  const auto ready = notify.wait_for("READY=1");
  ASSERT_TRUE(ready) << daemon.log();
  EXPECT_TRUE(NotifySocket::has_line(notify.messages()[*ready].text, "STATUS=serving"));
  ASSERT_TRUE(daemon.wait_ready()) << "READY=1 before /readyz said so";

  // Watchdog pings keep coming while the daemon runs: over 3 s, about ten, none 600 ms apart.
  std::this_thread::sleep_for(3s);
  std::vector<std::chrono::steady_clock::time_point> pings;
  for (const auto& m : notify.messages()) {
    if (NotifySocket::has_line(m.text, "WATCHDOG=1")) pings.push_back(m.at);
  }
  ASSERT_GE(pings.size(), 8u) << "too few WATCHDOG=1 in 3 s";
  for (std::size_t i = 1; i < pings.size(); ++i) {
    EXPECT_LT(pings[i] - pings[i - 1], 600ms) << "a gap as long as the watchdog interval at ping " << i;
  }

  // SIGHUP: RELOADING=1 with the monotonic time, then READY=1 once reloaded.
  const auto before_reload = notify.messages().size();
  daemon.signal(SIGHUP);
  const auto reloading = notify.wait_for("RELOADING=1", before_reload, 5s);
  ASSERT_TRUE(reloading) << daemon.log();
  EXPECT_TRUE(NotifySocket::has_line(notify.messages()[*reloading].text, "MONOTONIC_USEC="));
  EXPECT_TRUE(notify.wait_for("READY=1", *reloading + 1, 5s)) << "no READY=1 after the reload";

  // SIGTERM: STOPPING=1, then a clean exit.
  daemon.signal(SIGTERM);
  EXPECT_TRUE(notify.wait_for("STOPPING=1", 0, 10s));
  EXPECT_EQ(daemon.wait_exit(30s), 0);
}

TEST_F(SystemdTest, WithoutWatchdogSecNoPingIsSent) {
  NotifySocket notify;
  DaemonProcess daemon(config(), {{"NOTIFY_SOCKET", notify.path()}});
  ASSERT_TRUE(notify.wait_for("READY=1")) << daemon.log();
  std::this_thread::sleep_for(1500ms);
  for (const auto& m : notify.messages()) EXPECT_FALSE(NotifySocket::has_line(m.text, "WATCHDOG=1")) << m.text;
}

// The unit the package installs: `systemd-analyze verify` finds nothing, and the hardening
// rates 2.0 or lower ("OK") in `systemd-analyze security`.
TEST(SystemdUnit, VerifiesCleanAndIsHardenedToOkOrBetter) {
  std::ifstream in(std::string(BURGERNET_SOURCE_DIR) + "/config/burgernetd.service");
  ASSERT_TRUE(in) << "config/burgernetd.service";
  std::stringstream text;
  text << in.rdbuf();
  const auto unit = text.str();
  for (const char* line : {"Type=notify", "WatchdogSec=", "LimitNOFILE=", "LoadCredential=", "ExecReload="}) {
    EXPECT_NE(unit.find(std::string("\n") + line), std::string::npos) << "the unit lacks " << line;
  }
  // verify checks that ExecStart exists: point it at the binary just built.
  const auto dir = make_temp_dir("burgernet-unit-");
  std::ofstream(dir + "/burgernetd.service")
      << std::regex_replace(unit, std::regex("/usr/bin/burgernetd"), std::string(BURGERNET_TEST_BINARY_DIR) + "/burgernetd");
  const auto verify = "systemd-analyze verify " + dir + "/burgernetd.service > " + dir + "/verify.log 2>&1";
  const int verified = std::system(verify.c_str());
  std::ifstream verify_log(dir + "/verify.log");
  std::stringstream verify_text;
  verify_text << verify_log.rdbuf();
  EXPECT_EQ(verified, 0) << verify_text.str();
  EXPECT_EQ(verify_text.str(), "") << "systemd-analyze verify has remarks";

  const auto security = "systemd-analyze security --offline=true " + dir + "/burgernetd.service > " + dir +
                        "/security.log 2>&1";
  ASSERT_EQ(std::system(security.c_str()), 0);
  std::ifstream security_log(dir + "/security.log");
  std::stringstream security_text;
  security_text << security_log.rdbuf();
  std::smatch m;
  const auto report = security_text.str();
  ASSERT_TRUE(std::regex_search(report, m, std::regex("Overall exposure level for [^:]*: ([0-9.]+)"))) << report;
  EXPECT_LE(std::stod(m[1]), 2.0) << report;
}

}  // namespace
}  // namespace burgernet::testing
