// Secrets from systemd's LoadCredential=: the daemon's private copy wins over the configured path.
#include "burgernet/config/credentials.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace burgernet::config {
namespace {

class CredentialPath : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("burgernet-credentials-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "personal-data.key") << "k\n";
  }
  void TearDown() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
};

TEST_F(CredentialPath, OutsideAUnitTheConfiguredPathIsUsed) {
  ::unsetenv("CREDENTIALS_DIRECTORY");
  EXPECT_EQ(credential_path("/etc/burgernet/secrets/personal-data.key"), "/etc/burgernet/secrets/personal-data.key");
}

TEST_F(CredentialPath, InsideAUnitTheCredentialOfTheSameNameIsUsed) {
  ::setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
  EXPECT_EQ(credential_path("/etc/burgernet/secrets/personal-data.key"), (dir_ / "personal-data.key").string());
}

TEST_F(CredentialPath, ACredentialNotGivenFallsBackToTheConfiguredPath) {
  ::setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
  EXPECT_EQ(credential_path("/etc/burgernet/secrets/lookup.key"), "/etc/burgernet/secrets/lookup.key");
  EXPECT_EQ(credential_path(""), "");
}

}  // namespace
}  // namespace burgernet::config
