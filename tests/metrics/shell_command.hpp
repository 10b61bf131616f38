// Runs a shell command for the promtool checks of tests/metrics.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace burgernet::testing {

// Runs `command` through the shell; its exit code (-1 if it did not exit), and its stdout and
// stderr in `output`.
inline int run_shell(const std::string& command, std::string& output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace burgernet::testing
