// Config `channels.NAME.accounts`: what a social channel's accounts may say, and a clear error
// naming the key for everything they may not, when the config is read.
#include "burgernet/channel/social_accounts.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "burgernet/config/config.hpp"
#include "support/daemon_process.hpp"

using namespace burgernet;
using nlohmann::json;

namespace {

class SocialAccountsConfig : public ::testing::Test {
 protected:
  SocialAccountsConfig() { std::ofstream(dir_ + "/secret") << "s\n"; }

  json x_channel(json accounts) const {
    return {{"driver", "x"},
            {"consumer_key", "ck"},
            {"consumer_secret_file", dir_ + "/secret"},
            {"accounts", std::move(accounts)}};
  }
  json account(json extra = json::object()) const {
    json a = {{"access_token", "at"}, {"access_token_secret_file", dir_ + "/secret"}};
    a.update(extra);
    return a;
  }
  json document(json channels) const {
    return {{"database", {{"url", "postgresql:///x"}}},
            {"channels", std::move(channels)},
            {"regions",
             {{{"code", "PE-AMS"},
               {"name", "Politie Amsterdam"},
               {"callback_number", "0900-8844"},
               {"areas", {"GM0363"}}}}}};
  }
  // The ConfigError's message, or "" when the document is accepted.
  std::string error_of(json channels) const {
    try {
      config::parse_config(document(std::move(channels)));
      return "";
    } catch (const config::ConfigError& e) {
      return e.what();
    }
  }

  std::string dir_ = burgernet::testing::make_temp_dir("social-config-");
};

TEST_F(SocialAccountsConfig, RegionalAndNationalAccountsAreRead) {
  const auto config = config::parse_config(
      document({{"twitter",
                 x_channel({{"amsterdam", account({{"regions", {"PE-AMS"}}, {"municipalities", {"GM0437"}}})},
                            {"politie", account({{"national", true}})}})}}));
  const auto accounts = channel::social_accounts(config.channels.at("twitter"));
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].name, "amsterdam");
  EXPECT_EQ(accounts[0].regions, std::vector<std::string>{"PE-AMS"});
  EXPECT_EQ(accounts[0].municipalities, std::vector<std::string>{"GM0437"});
  EXPECT_FALSE(accounts[0].national);
  EXPECT_TRUE(accounts[1].national);
  // The account's own keys over the channel's; the app's keys stay the channel's.
  const auto own = channel::account_config(config.channels.at("twitter"), accounts[0]);
  EXPECT_EQ(own.settings.at("access_token"), "at");
  EXPECT_EQ(own.settings.at("consumer_key"), "ck");
  EXPECT_FALSE(own.settings.contains("accounts"));
}

TEST_F(SocialAccountsConfig, EveryMistakeIsNamedByItsKey) {
  EXPECT_EQ(error_of({{"twitter", x_channel({{"west", account({{"regions", {"PE-XYZ"}}})},
                                             {"nl", account({{"national", true}})}})}}),
            "channels.twitter.accounts.west.regions[0]: \"PE-XYZ\" is not the code of a region in config "
            "`regions`");
  EXPECT_EQ(error_of({{"twitter", x_channel({{"west", account({{"regions", {"PE-AMS"}}})}})}})
                .rfind("channels.twitter.accounts: needs an account with \"national\": true", 0),
            0u);
  EXPECT_EQ(error_of({{"twitter", x_channel({{"west", {{"regions", {"PE-AMS"}}}},
                                             {"nl", account({{"national", true}})}})}}),
            "channels.twitter.accounts.west.access_token: is required for the x driver, here or in "
            "channels.twitter");
  EXPECT_EQ(error_of({{"twitter", x_channel({{"west", account({{"regions", {"PE-AMS"}}, {"region", "x"}})},
                                             {"nl", account({{"national", true}})}})}})
                .rfind("channels.twitter.accounts.west.region: unknown key", 0),
            0u);
  EXPECT_EQ(
      error_of({{"twitter", x_channel({{"west", account()}, {"nl", account({{"national", true}})}})}}),
      "channels.twitter.accounts.west: speaks for no region: give it municipalities or regions, or make it "
      "national");
  EXPECT_EQ(
      error_of({{"twitter", x_channel({{"west", account({{"municipalities", {"GM 0363"}}})},
                                       {"nl", account({{"national", true}})}})}}),
      "channels.twitter.accounts.west.municipalities[0]: must be a code of 1 to 32 letters, digits, '-' or "
      "'_'");
  EXPECT_EQ(error_of({{"twitter", x_channel({{"nl", account({{"national", "yes"}})}})}}),
            "channels.twitter.accounts.nl.national: must be true or false");
  EXPECT_EQ(error_of({{"twitter", x_channel({{"nl", account({{"national", true}, {"ca_file", "/x"}})}})}})
                .rfind("channels.twitter.accounts.nl.ca_file: is the channel's", 0),
            0u);
  EXPECT_EQ(error_of({{"twitter", x_channel(json::array())}}),
            "channels.twitter.accounts: must be an object of accounts by name");
  // A personal channel has recipients, not accounts.
  EXPECT_EQ(error_of({{"sms",
                       {{"driver", "file"},
                        {"path", dir_ + "/sms.jsonl"},
                        {"accounts", {{"nl", {{"national", true}}}}}}}}),
            "channels.sms.accounts: only a broadcast (social) channel posts to accounts");
}

TEST_F(SocialAccountsConfig, WithoutAccountsTheChannelsOwnKeysAreStillRequired) {
  json channel = x_channel(nullptr);
  channel.erase("accounts");
  EXPECT_EQ(error_of({{"twitter", channel}}), "channels.twitter.access_token: is required for the x driver");
}

TEST_F(SocialAccountsConfig, AFileChannelTakesAccountsForDemos) {
  const auto config = config::parse_config(
      document({{"twitter",
                 {{"driver", "file"},
                  {"path", dir_ + "/t.jsonl"},
                  {"accounts", {{"amsterdam", {{"regions", {"PE-AMS"}}}}, {"nl", {{"national", true}}}}}}}}));
  EXPECT_EQ(channel::social_accounts(config.channels.at("twitter")).size(), 2u);
}

}  // namespace
