// `burgernetctl check-config`: one line per check, ok or FAIL, and the exit code: 0 for a good
// config, 2 for a key or secret file that is missing or open to others, 1 for an unreachable
// database or a provider whose TLS certificate does not verify. It sends no request.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "burgernet/privacy/key_fingerprints.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_provider.hpp"
#include "support/fake_smtp_server.hpp"
#include "support/test_database.hpp"
#include "support/test_keys.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

class CheckConfigTest : public DatabaseTest {
 protected:
  void SetUp() override {
    write_secret("twilio", "twilio-auth-token", 0600);
    write_secret("hook", "webhook-secret", 0640);
  }
  void write_secret(const std::string& name, const std::string& content, mode_t mode) {
    const auto path = dir_ + "/" + name;
    std::ofstream(path) << content << "\n";
    ::chmod(path.c_str(), mode);
  }
  // File channels, a Twilio SMS channel and a webhook on the fake provider, and e-mail by SMTP
  // with STARTTLS.
  json config() {
    auto c = daemon_config(database.url(), dir_);
    c["channels"]["sms"] = {{"driver", "twilio_sms"},   {"base_url", provider_.url()},
                            {"account_sid", "AC42"},    {"auth_token_file", dir_ + "/twilio"},
                            {"from", "+3197010000000"}, {"ca_file", provider_.ca_file()}};
    c["channels"]["hook"] = {{"driver", "webhook"},
                             {"url", provider_.url("/hook")},
                             {"secret_file", dir_ + "/hook"},
                             {"ca_file", provider_.ca_file()}};
    c["channels"]["mail"] = {{"driver", "smtp"},
                             {"url", smtp_.url()},
                             {"from", "burgernet@example.nl"},
                             {"ca_file", smtp_.ca_file()}};
    return c;
  }
  int check(const json& config, bool as_json = false) {
    const auto path = dir_ + "/config.json";
    std::ofstream(path) << config.dump(2);
    std::vector<std::string> args = {"check-config"};
    if (as_json) args.push_back("--json");
    return run_ctl(path, args, &out_, &err_);
  }
  // The line of check `name` ("FAIL  privacy.key_file: ..."), or "" when there is none.
  std::string line_of(const std::string& name) const {
    std::istringstream lines(out_);
    for (std::string line; std::getline(lines, line);) {
      if (line.size() > 6 && line.compare(6, name.size() + 1, name + ":") == 0) return line;
    }
    return "";
  }
  FakeProvider provider_;
  FakeSmtpServer smtp_;
  std::string dir_ = make_temp_dir("burgernet-check-config-");
  std::string out_, err_;
};

TEST_F(CheckConfigTest, AGoodConfigPassesEveryCheckWithoutSendingAnything) {
  privacy::record_initial_keys(database.connection(), test_keys());  // as `keys init` does
  ASSERT_EQ(check(config()), 0) << out_ << err_;
  for (const char* name :
       {"config", "privacy.key_file", "privacy.lookup_key_file", "channels.sms.auth_token_file",
        "channels.sms.ca_file", "channels.hook.secret_file", "database", "database schema",
        "channels.sms.base_url TLS handshake", "channels.hook.url TLS handshake",
        "privacy keys match the database", "channels.mail.url TLS handshake"}) {
    EXPECT_EQ(line_of(name).rfind("ok    ", 0), 0u) << name << " in:\n" << out_;
  }
  EXPECT_EQ(out_.find("FAIL"), std::string::npos) << out_;
  EXPECT_EQ(out_.find("twilio-auth-token"), std::string::npos) << "never a secret's content";
  EXPECT_GE(provider_.connections_accepted(), 2u) << "a handshake per channel";
  EXPECT_EQ(provider_.request_count(), 0u) << "a handshake only, no request";
  EXPECT_NE(line_of("channels.mail.url TLS handshake").find("(STARTTLS)"), std::string::npos) << out_;
  EXPECT_EQ(smtp_.commands(), std::vector<std::string>({"EHLO burgernetctl", "STARTTLS"})) << "no mail";

  ASSERT_EQ(check(config(), /*as_json=*/true), 0) << out_;
  const auto document = json::parse(out_);
  EXPECT_EQ(document["ok"], true);
  ASSERT_GE(document["checks"].size(), 10u) << out_;
  for (const auto& c : document["checks"]) EXPECT_EQ(c["result"], "ok") << c.dump();
}

TEST_F(CheckConfigTest, AKeyFileOthersCanReadOrAMissingSecretIsAConfigError) {
  auto c = config();
  const auto key = dir_ + "/personal-data.key";
  std::filesystem::copy_file(c["privacy"]["key_file"].get<std::string>(), key);
  ::chmod(key.c_str(), 0644);
  c["privacy"]["key_file"] = key;
  c["channels"]["hook"]["secret_file"] = dir_ + "/missing";
  EXPECT_EQ(check(c), 2) << out_;
  EXPECT_EQ(
      line_of("privacy.key_file"),
      "FAIL  privacy.key_file: " + key + ": mode 0644 lets others read it or its group change it (chmod 600)")
      << out_;
  EXPECT_EQ(line_of("channels.hook.secret_file"),
            "FAIL  channels.hook.secret_file: " + dir_ + "/missing: No such file or directory")
      << out_;
  EXPECT_EQ(line_of("database").rfind("ok", 0), 0u) << "the other checks still run:\n" << out_;

  ASSERT_EQ(check(c, /*as_json=*/true), 2);
  EXPECT_EQ(json::parse(out_)["ok"], false);

  ::chmod(key.c_str(), 0600);
  c["channels"]["hook"]["secret_file"] = dir_ + "/hook";
  EXPECT_EQ(check(c), 0) << out_;
}

TEST_F(CheckConfigTest, AnUnreachableDatabaseOrAnUntrustedProviderIsARuntimeFailure) {
  auto c = config();
  c["database"]["url"] = "postgresql://postgres@/nothing?host=" + dir_ + "&port=1";
  EXPECT_EQ(check(c), 1) << out_;
  EXPECT_EQ(line_of("database").rfind("FAIL  database: ", 0), 0u) << out_;
  EXPECT_EQ(line_of("channels.sms.base_url TLS handshake").rfind("ok", 0), 0u) << out_;

  // Another CA than the one that signed the provider's certificate.
  FakeProvider stranger;
  c = config();
  c["channels"]["sms"]["ca_file"] = stranger.ca_file();
  EXPECT_EQ(check(c), 1) << out_;
  EXPECT_NE(line_of("channels.sms.base_url TLS handshake")
                .find("FAIL  channels.sms.base_url TLS handshake: 127.0.0.1:" +
                      std::to_string(provider_.port()) + ": certificate not accepted"),
            std::string::npos)
      << out_;
  EXPECT_EQ(line_of("channels.hook.url TLS handshake").rfind("ok", 0), 0u) << out_;

  // Nobody listening.
  c = config();
  c["channels"]["sms"]["base_url"] = "https://127.0.0.1:" + std::to_string(free_port());
  EXPECT_EQ(check(c), 1) << out_;
  EXPECT_NE(line_of("channels.sms.base_url TLS handshake").find("cannot connect"), std::string::npos) << out_;
}

TEST_F(CheckConfigTest, KeyFilesOtherThanThoseTheDatabaseRecordedAreAConfigError) {
  privacy::record_initial_keys(database.connection(), test_keys());
  ASSERT_EQ(check(config()), 0) << out_;
  EXPECT_EQ(line_of("privacy keys match the database").rfind("ok    ", 0), 0u) << out_;

  // A fresh database for the same daemon, sealed with other keys: the daemon would refuse to start.
  database.scalar("DELETE FROM key_fingerprints");
  privacy::Key seal{}, lookup{};
  seal.fill(1);
  lookup.fill(2);
  privacy::record_initial_keys(database.connection(), privacy::PersonalDataKeys(seal, {}, lookup));
  EXPECT_EQ(check(config()), 2) << out_;
  EXPECT_EQ(line_of("privacy keys match the database")
                .rfind("FAIL  privacy keys match the database: privacy.key_file is ", 0),
            0u)
      << out_;
  EXPECT_NE(line_of("privacy keys match the database").find("privacy.lookup_key_file is "), std::string::npos)
      << out_;
  EXPECT_EQ(database.scalar("SELECT count(*) FROM key_fingerprints"), "2") << "check-config records nothing";
}

TEST_F(CheckConfigTest, AConfigThatCannotBeReadIsExitTwoAndItsOwnConfigOptionWins) {
  const auto broken = dir_ + "/broken.json";
  std::ofstream(broken) << "{\"http\": {\"listen\": 8080}}";
  std::string out, err;
  EXPECT_EQ(run_ctl(broken, {"check-config"}, &out, &err), 2) << out << err;
  EXPECT_EQ(out.rfind("FAIL  config: " + broken + ": ", 0), 0u) << out;

  const auto good = dir_ + "/good.json";
  std::ofstream(good) << config().dump();
  EXPECT_EQ(run_ctl(broken, {"check-config", "--config", good}, &out, &err), 0) << out << err;
  EXPECT_NE(out.find("ok    config: " + good), std::string::npos) << out;
}

}  // namespace
}  // namespace burgernet::testing
