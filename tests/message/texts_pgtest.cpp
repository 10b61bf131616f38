// The texts people read, end to end: actions raised through the API, sent by the daemon through
// file channels, each participant's text in their language with the number of the police region
// that holds the action's centre (config `regions`, migration 0019).
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr Place kRotterdam{51.9225, 4.4792};

json regions(const std::string& amsterdam_number) {
  return json::parse(R"([
    {"code": "PE-AMS", "name": "Politie Amsterdam", "callback_number": ")" + amsterdam_number + R"(",
     "sender_name": "Politie Amsterdam", "areas": ["GM0363"]},
    {"code": "PE-RTM", "name": "Politie Rotterdam", "callback_number": "010-2740000", "areas": ["GM0599"]}
  ])");
}

class TextsTest : public ActionDaemonTest {
 protected:
  void SetUp() override {
    // Municipalities as `burgernetctl areas import` stores them: a box around each centre.
    add_area("GM0363", "Amsterdam", centre());
    add_area("GM0599", "Rotterdam", kRotterdam);
    config_ = daemon_config(database.url(), outbox_);
    config_["queue"] = {{"dispatch", true}, {"poll_ms", 100}};
    config_["regions"] = regions("0900-8844");
    daemon_ = std::make_unique<DaemonProcess>(config_);
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_token_ = token("operator", "op");
  }

  void add_area(const std::string& code, const std::string& name, Place at) {
    database.scalar("INSERT INTO areas (code, name, geom) VALUES ('" + code + "', '" + name +
                    "', ST_Multi(ST_Transform(ST_MakeEnvelope(" + std::to_string(at.lon - 0.05) + ", " +
                    std::to_string(at.lat - 0.03) + ", " + std::to_string(at.lon + 0.05) + ", " +
                    std::to_string(at.lat + 0.03) + ", 4326), 28992)))");
  }

  std::string participant(Place at, const std::string& channels, const std::string& language) {
    const auto id = add_participant(database, {{at, channels}});
    database.scalar("UPDATE participants SET language = '" + language + "' WHERE id = '" + id + "'");
    return id;
  }

  std::string raise(Place at, const std::string& message) {
    json body = action(circle(at, 1000));
    body["category"] = "missing_person";
    body["title"] = "Vermiste jongen";
    body["message"] = message;
    return raise_action(client(), body);
  }

  bool all_sent() {
    return database.wait_for("SELECT count(*) FROM deliveries WHERE status NOT IN ('sent', 'delivered')", "0", 20s);
  }

  // The text each delivery row of `id` on `channel` was written with, by the row's participant.
  std::map<std::string, std::string> texts(const std::string& id, const std::string& channel) {
    std::map<std::string, std::string> out;
    std::ifstream in(outbox_ + "/" + channel + ".jsonl");
    std::string line;
    while (std::getline(in, line)) {
      const auto j = json::parse(line);
      if (j.at("action_id") != id) continue;
      const auto participant = database.scalar("SELECT coalesce(participant_id::text, '') FROM deliveries WHERE id = " +
                                               std::to_string(j.at("delivery_id").get<std::int64_t>()));
      out[participant] = j.at("text");
    }
    return out;
  }

  json config_;
};

TEST_F(TextsTest, EachParticipantReadsTheirLanguageWithTheRegionsNumber) {
  const auto dutch = participant(offset(centre(), 100, 0), "{sms}", "nl");
  const auto english = participant(offset(centre(), 200, 0), "{voice,sms}", "en");
  const auto other = participant(offset(centre(), 300, 0), "{sms}", "de");
  const auto app_only = add_participant(database, {}, {{offset(centre(), 150, 0)}});  // a device, no address
  database.scalar("UPDATE participants SET language = 'en' WHERE id = '" + app_only + "'");

  const auto id = raise(centre(), "Jongen van 10 met rode jas. Zie je iets? Bel 112.");
  ASSERT_TRUE(all_sent()) << daemon_->log();
  EXPECT_EQ(database.scalar("SELECT array_to_string(centre_areas, ',') FROM actions WHERE id = '" + id + "'"), "GM0363");

  const auto sms = texts(id, "sms");
  ASSERT_EQ(sms.size(), 3u);
  // The operator said "Bel 112." already: only the region's call-back number is added.
  EXPECT_EQ(sms.at(dutch),
            "Burgernet-actie: vermiste persoon\nVermiste jongen\nJongen van 10 met rode jas. Zie je iets? Bel 112.\n"
            "Of bel 0900-8844");
  EXPECT_EQ(sms.at(english),
            "Burgernet action: missing person\nVermiste jongen\nJongen van 10 met rode jas. Zie je iets? Bel 112.\n"
            "Or call 0900-8844");
  EXPECT_EQ(sms.at(other), sms.at(dutch));  // no German templates: Dutch

  const auto voice = texts(id, "voice");
  ASSERT_EQ(voice.size(), 1u);
  EXPECT_EQ(voice.at(english),
            "This is a message from Burgernet, on behalf of Politie Amsterdam. Burgernet action: missing person. "
            "Vermiste jongen. Jongen van 10 met rode jas. Zie je iets? Bel 1 1 2. Or call 0 9 0 0, 8 8 4 4.");

  // Matched by its device only: the text still follows its participant's language.
  const auto push = texts(id, "push");
  ASSERT_EQ(push.size(), 1u);
  EXPECT_EQ(push.begin()->second, "Vermiste jongen\nJongen van 10 met rode jas. Zie je iets? Bel 112.\nOr call 0900-8844");

  // The broadcast post is Dutch, with no call-back line of its own.
  const auto tweet = texts(id, "twitter");
  ASSERT_EQ(tweet.size(), 1u);
  EXPECT_EQ(tweet.begin()->second.rfind("Burgernet-actie: vermiste persoon\nVermiste jongen: Jongen van 10", 0), 0u)
      << tweet.begin()->second;
}

TEST_F(TextsTest, TheRegionIsChosenByTheAreaThatHoldsTheActionsCentre) {
  const auto rotterdam = participant(offset(kRotterdam, 100, 0), "{sms}", "nl");
  const auto elsewhere = participant(Place{53.2, 6.56}, "{sms}", "en");  // Groningen: no region lists it
  const auto in_rotterdam = raise(kRotterdam, "Rode jas.");
  const auto in_groningen = raise(Place{53.2, 6.56}, "Rode jas.");
  ASSERT_TRUE(all_sent()) << daemon_->log();
  EXPECT_EQ(texts(in_rotterdam, "sms").at(rotterdam),
            "Burgernet-actie: vermiste persoon\nVermiste jongen\nRode jas.\nBel 112 of 010-2740000");
  // The built-in fallback: Burgernet's national number.
  EXPECT_EQ(texts(in_groningen, "sms").at(elsewhere),
            "Burgernet action: missing person\nVermiste jongen\nRode jas.\nCall 112 or 0800-0011");
}

TEST_F(TextsTest, ASighupChangesTheRegionsNumberForTheNextMessage) {
  const auto dutch = participant(offset(centre(), 100, 0), "{sms}", "nl");
  config_["regions"] = regions("0900-1234");
  config_["http"]["listen"] = "127.0.0.1:" + std::to_string(daemon_->port());
  std::ofstream(daemon_->config_path()) << config_.dump(2);
  daemon_->signal(SIGHUP);
  std::this_thread::sleep_for(1s);  // the reload is logged, but its moment is not what is tested
  const auto id = raise(centre(), "Rode jas.");
  ASSERT_TRUE(all_sent()) << daemon_->log();
  EXPECT_EQ(texts(id, "sms").at(dutch), "Burgernet-actie: vermiste persoon\nVermiste jongen\nRode jas.\nBel 112 of 0900-1234");
}

}  // namespace
}  // namespace burgernet::testing
