// Runs build/burgernetd as a child process on a free loopback port, as systemd would.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace burgernet::testing {

// A config for a test daemon: file channels under `outbox_dir`, port 0 replaced by a free one.
nlohmann::json daemon_config(const std::string& database_url, const std::string& outbox_dir);

// A new empty folder under the system's temporary directory.
std::string make_temp_dir(const std::string& prefix);

class DaemonProcess {
 public:
  // Writes `config` (with http.listen set to a free port) and starts the daemon.
  explicit DaemonProcess(nlohmann::json config, std::map<std::string, std::string> env = {});
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;
  ~DaemonProcess();

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& config_path() const { return config_path_; }
  // Polls `path` until it answers `status` (true) or the timeout passes (false).
  bool wait_for_status(const std::string& path, int status, std::chrono::milliseconds timeout);
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    return wait_for_status("/readyz", 200, timeout);
  }
  void signal(int signal) const;
  // Waits for the process to exit; nullopt on timeout. The exit code, or 128+signal.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  // Everything it wrote to stderr so far.
  std::string log() const;

 private:
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string dir_;
  std::string config_path_;
  std::string log_path_;
  std::optional<int> exit_code_;
};

// Runs build/burgernetctl with `args`; returns the exit code and fills stdout/stderr.
int run_ctl(const std::string& config_path, const std::vector<std::string>& args, std::string* out = nullptr,
            std::string* err = nullptr);

// A free loopback port (bound then released: a tiny race that tests can live with).
std::uint16_t free_port();

}  // namespace burgernet::testing
