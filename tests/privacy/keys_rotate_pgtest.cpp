// `burgernetctl keys rotate`: after a new key is configured (the old one kept as previous),
// every sealed value is resealed with the new key, so that the old key can be destroyed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "action/population.hpp"
#include "burgernet/privacy/key_fingerprints.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
#include "support/fake_provider.hpp"
#include "support/service_account.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

class KeysRotateTest : public DatabaseTest {
 protected:
  std::string config_with(const nlohmann::json& privacy, const std::string& name) {
    auto config = daemon_config(database.url(), dir_);
    config["privacy"] = privacy;
    const auto path = dir_ + "/" + name;
    std::ofstream(path) << config.dump();
    return path;
  }
  std::string dir_ = make_temp_dir("burgernet-rotate-");
};

TEST_F(KeysRotateTest, EverythingIsResealedWithTheNewKeyAndStillFoundByNumber) {
  const nlohmann::json old_keys = {{"key_file", dir_ + "/old.key"}, {"lookup_key_file", dir_ + "/lookup.key"}};
  const auto old_config = config_with(old_keys, "old.json");
  {
    std::ofstream(dir_ + "/people.csv") << "phone,lat,lon,channels,quiet_from,quiet_to,language\n"
                                           "0612345678,52.37,4.89,,,,\n0612345679,52.37,4.89,,,,\n";
  }
  std::string out, err;
  ASSERT_EQ(run_ctl(old_config, {"keys", "init"}, &out, &err), 0) << err;
  ASSERT_EQ(run_ctl(old_config, {"participants", "import", dir_ + "/people.csv"}, &out, &err), 0) << err;
  ASSERT_TRUE(privacy::create_key_file(dir_ + "/new.key"));

  const nlohmann::json new_keys = {{"key_file", dir_ + "/new.key"},
                                   {"previous_key_files", {dir_ + "/old.key"}},
                                   {"lookup_key_file", dir_ + "/lookup.key"}};
  ASSERT_EQ(run_ctl(config_with(new_keys, "new.json"), {"keys", "rotate"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("resealed 2 of 2 participants"), std::string::npos) << out;

  // Only the new key from now on: the old one can go.
  const auto only_new = privacy::PersonalDataKeys(privacy::read_key_file(dir_ + "/new.key"), {},
                                                  privacy::read_key_file(dir_ + "/lookup.key"));
  const auto rows = database.connection().exec(
      sql::Query{"RotatedPhones", "SELECT phone_sealed, phone_lookup FROM participants ORDER BY 1"});
  ASSERT_EQ(rows.rows(), 2);
  std::set<std::string> phones;
  for (int i = 0; i < rows.rows(); ++i) {
    phones.insert(only_new.open(rows.text(i, 0), "phone"));
    EXPECT_EQ(rows.string(i, 1), only_new.lookup(only_new.open(rows.text(i, 0), "phone")));
  }
  EXPECT_EQ(phones, (std::set<std::string>{"+31612345678", "+31612345679"}));

  // Without the old key among the previous ones, data sealed with it would not open.
  const nlohmann::json forgotten = {{"key_file", dir_ + "/other.key"}, {"lookup_key_file", dir_ + "/lookup.key"}};
  EXPECT_NE(run_ctl(config_with(forgotten, "forgotten.json"), {"keys", "rotate"}, &out, &err), 0);
  EXPECT_NE(err.find("key"), std::string::npos) << err;
}

// The whole life of a key: a device's push token sealed with the old key, `keys rotate` to a
// new one, the old key file destroyed, and the push still reaches the device with its token.
TEST_F(KeysRotateTest, PushStillReachesTheDeviceAfterTheOldKeyIsRotatedAwayAndDestroyed) {
  using namespace std::chrono_literals;
  const nlohmann::json old_keys = {{"key_file", dir_ + "/old.key"}, {"lookup_key_file", dir_ + "/lookup.key"}};
  const auto old_config = config_with(old_keys, "old.json");
  std::string out, err;
  ASSERT_EQ(run_ctl(old_config, {"keys", "init"}, &out, &err), 0) << err;
  const privacy::PersonalDataKeys old(privacy::read_key_file(dir_ + "/old.key"), {},
                                      privacy::read_key_file(dir_ + "/lookup.key"));
  const std::string old_id = old.sealing_identity().key_id;

  // A participant who chose push, at the centre, with an app: every sealed column filled.
  const std::string token = "fcm-token-of-the-rotation-test";
  auto& c = database.connection();
  const auto participant =
      c.exec(sql::Query{"RotationParticipant",
                        "INSERT INTO participants (status, phone_sealed, phone_lookup, email_sealed, verified_at) "
                        "VALUES ('active', $1::bytea, $2::bytea, $3::bytea, now()) RETURNING id"},
             old.seal("+31612345678", "phone"), old.lookup("+31612345678"), old.seal("a@example.nl", "email"))
          .string(0, 0);
  c.exec(sql::Query{"RotationAddress",
                    "INSERT INTO participant_addresses (participant_id, position, location, channels) VALUES ($1::uuid, "
                    "0, ST_Transform(ST_SetSRID(ST_MakePoint($2::float8, $3::float8), 4326), 28992), '{push}')"},
         participant, kLon, kLat);
  c.exec(sql::Query{"RotationDevice",
                    "INSERT INTO devices (participant_id, platform, push_token_sealed, secret_hash) "
                    "VALUES ($1::uuid, 'android', $2::bytea, decode(md5(gen_random_uuid()::text), 'hex'))"},
         participant, old.seal(token, "push_token"));
  c.exec(sql::Query{"RotationVerificationText",
                    "INSERT INTO deliveries (participant_id, channel, kind, priority, body, expires_at, max_attempts) "
                    "VALUES ($1::uuid, 'sms', 'verification', 0, $2::bytea, now() + interval '10 minutes', 3)"},
         participant, old.seal("Uw code: 123456", "verification"));
  const auto before = privacy::count_sealed_values(c);
  ASSERT_EQ(before.size(), 4u) << "phone, e-mail, push token and verification text, all with the old key";
  for (const auto& count : before) EXPECT_EQ(count.key_id, old_id) << count.kind;

  ASSERT_TRUE(privacy::create_key_file(dir_ + "/new.key"));
  const nlohmann::json rotating = {{"key_file", dir_ + "/new.key"},
                                   {"previous_key_files", {dir_ + "/old.key"}},
                                   {"lookup_key_file", dir_ + "/lookup.key"}};
  ASSERT_EQ(run_ctl(config_with(rotating, "rotating.json"), {"keys", "rotate"}, &out, &err), 0) << err << out;
  EXPECT_NE(out.find("resealed 1 of 1 push tokens"), std::string::npos) << out;
  EXPECT_NE(out.find("resealed 1 of 1 queued verification texts"), std::string::npos) << out;
  EXPECT_NE(out.find("retired"), std::string::npos) << out;

  // Nothing in any sealed column is left with the old key id; everything is under the new one.
  const privacy::PersonalDataKeys only_new(privacy::read_key_file(dir_ + "/new.key"), {},
                                           privacy::read_key_file(dir_ + "/lookup.key"));
  const auto after = privacy::count_sealed_values(c);
  ASSERT_EQ(after.size(), 4u);
  for (const auto& count : after) {
    EXPECT_EQ(count.key_id, only_new.sealing_identity().key_id) << count.kind;
    EXPECT_NE(count.key_id, old_id) << count.kind;
  }
  EXPECT_EQ(database.scalar("SELECT status FROM key_fingerprints WHERE fingerprint = '" +
                            old.sealing_identity().fingerprint + "'"),
            "retired");
  EXPECT_EQ(database.scalar("SELECT status FROM key_fingerprints WHERE fingerprint = '" +
                            only_new.sealing_identity().fingerprint + "'"),
            "current");

  // The old key goes: out of the configuration, and its file destroyed.
  std::filesystem::remove(dir_ + "/old.key");
  const nlohmann::json final_keys = {{"key_file", dir_ + "/new.key"}, {"lookup_key_file", dir_ + "/lookup.key"}};
  ASSERT_EQ(run_ctl(config_with(final_keys, "final.json"), {"keys", "status", "--json"}, &out, &err), 0) << err;
  const auto status = nlohmann::json::parse(out);
  EXPECT_TRUE(status.at("matches").get<bool>());
  EXPECT_TRUE(status.at("sealed_with_unrecorded_keys").empty()) << out;

  FakeProvider provider;
  const auto secrets = make_temp_dir("burgernet-rotate-secrets-");
  test_service_account().write(secrets + "/service_account.json", provider.url("/token"));
  provider.serve("/token", FakeAnswer::ok(R"({"access_token": "ya29.rotation", "expires_in": 3599})"));
  provider.answer_with([](const RecordedRequest&) { return FakeAnswer::ok(R"({"name": "projects/p/messages/1"})"); });
  auto config = daemon_config(database.url(), dir_);
  config["privacy"] = final_keys;
  config["channels"]["push"] = {{"driver", "fcm"},
                                {"base_url", provider.url()},
                                {"service_account_file", secrets + "/service_account.json"},
                                {"ca_file", provider.ca_file()}};
  config["queue"] = {{"poll_ms", 200}};
  DaemonProcess daemon(config);
  ASSERT_TRUE(daemon.wait_ready()) << daemon.log();
  ASSERT_EQ(run_ctl(daemon.config_path(), {"token", "create", "--role", "operator", "--name", "op"}, &out, &err), 0)
      << err;
  const auto operator_token = out.substr(0, out.find('\n'));
  raise_action(HttpClient(daemon.port(), operator_token),
               {{"kind", "urgent"},
                {"category", "burglary"},
                {"title", "Inbraak"},
                {"message", "Man in donkere jas gevlucht richting station."},
                {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 1000}}}}}});
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE channel = 'push' AND status = 'sent'", "1", 20s))
      << daemon.log();
  const auto requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(requests[0].body).at("message").at("token"), token);
  EXPECT_EQ(daemon.log().find(token), std::string::npos) << "no push token in the log";
}

}  // namespace
}  // namespace burgernet::testing
