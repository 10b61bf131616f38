// Runs xmllint (Debian libxml2-utils) over a document the CAP tests got: well-formed, and with
// `schema`, valid against tests/data/CAP-v1.2.xsd.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace burgernet::testing {

// xmllint's complaints, or "" when the document passes.
inline std::string xmllint_errors(const std::string& document, bool schema) {
  char path[] = "/tmp/burgernet-cap-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "cannot create a temporary file";
  close(fd);
  std::ofstream(path, std::ios::binary) << document;
  std::string command = "xmllint --noout ";
  if (schema) command += "--schema " BURGERNET_SOURCE_DIR "/tests/data/CAP-v1.2.xsd ";
  command += std::string(path) + " 2>&1";
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "cannot run xmllint";
  std::array<char, 4096> buffer;
  while (const auto n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  unlink(path);
  if (status == 0) return "";
  return out.empty() ? "xmllint failed (is libxml2-utils installed?)" : out;
}

}  // namespace burgernet::testing
