// fork/exec of the real daemon binary; its stderr goes to a file the test can read.
#include "support/daemon_process.hpp"
#include "support/test_keys.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/http_client.hpp"

namespace burgernet::testing {

namespace fs = std::filesystem;

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

nlohmann::json daemon_config(const std::string& database_url, const std::string& outbox_dir) {
  nlohmann::json channels;
  for (const char* name : {"voice", "sms", "push", "twitter"}) {
    channels[name] = {{"driver", "file"}, {"path", outbox_dir + "/" + name + ".jsonl"}};
  }
  // The night rule off (equal times): a test that raises an alert expects it to go out whatever
  // the hour CI runs at; tests of the rule set a night around their own now.
  return {{"http", {{"listen", "127.0.0.1:0"}}},
          {"database", {{"url", database_url}}},
          {"channels", channels},
          {"alerts", {{"night_from", "00:00"}, {"night_to", "00:00"}}},
          {"privacy", test_privacy_json()}};
}

DaemonProcess::DaemonProcess(nlohmann::json config, std::map<std::string, std::string> env) {
  dir_ = make_temp_dir("burgernetd-test-");
  port_ = free_port();
  config["http"]["listen"] = "127.0.0.1:" + std::to_string(port_);
  config_path_ = dir_ + "/config.json";
  log_path_ = dir_ + "/stderr.log";
  std::ofstream(config_path_) << config.dump(2);
  const std::string binary = std::string(BURGERNET_TEST_BINARY_DIR) + "/burgernetd";
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    dup2(fd, 1);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    unsetenv("BURGERNET_DATABASE_URL");
    if (env.contains("BURGERNET_DATABASE_URL")) setenv("BURGERNET_DATABASE_URL", env["BURGERNET_DATABASE_URL"].c_str(), 1);
    execl(binary.c_str(), binary.c_str(), "--config", config_path_.c_str(), nullptr);
    _exit(127);
  }
}

DaemonProcess::~DaemonProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(5));
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

bool DaemonProcess::wait_for_status(const std::string& path, int status, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    try {
      HttpClient client(port_);
      if (client.get(path).status == status) return true;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void DaemonProcess::signal(int sig) const { kill(pid_, sig); }

std::optional<int> DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

bool DaemonProcess::running() { return !wait_exit(std::chrono::milliseconds(0)).has_value(); }

std::string DaemonProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int run_ctl(const std::string& config_path, const std::vector<std::string>& args, std::string* out,
            std::string* err) {
  const std::string dir = make_temp_dir("burgernetctl-test-");
  const std::string out_path = dir + "/out", err_path = dir + "/err";
  const std::string binary = std::string(BURGERNET_TEST_BINARY_DIR) + "/burgernetctl";
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    unsetenv("BURGERNET_DATABASE_URL");
    std::vector<std::string> all = {binary, "--config", config_path};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  if (out) *out = slurp(out_path);
  if (err) *err = slurp(err_path);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace burgernet::testing
