#include "burgernet/config/credentials.hpp"

#include <cstdlib>
#include <filesystem>

namespace burgernet::config {

std::string credential_path(const std::string& configured) {
  const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
  if (directory == nullptr || *directory == '\0' || configured.empty()) return configured;
  const auto name = std::filesystem::path(configured).filename();
  if (name.empty()) return configured;
  const auto candidate = std::filesystem::path(directory) / name;
  std::error_code ec;
  return std::filesystem::is_regular_file(candidate, ec) ? candidate.string() : configured;
}

}  // namespace burgernet::config
