// `burgernetctl keys rotate` reseals tips (text, number, photo) like numbers: after it, the old
// key can be destroyed and every tip still opens.
#include <gtest/gtest.h>

#include <fstream>

#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

class TipsKeysTest : public DatabaseTest {
 protected:
  std::string config_with(const nlohmann::json& privacy, const std::string& name) {
    auto config = daemon_config(database.url(), dir_);
    config["privacy"] = privacy;
    const auto path = dir_ + "/" + name;
    std::ofstream(path) << config.dump();
    return path;
  }
  std::string dir_ = make_temp_dir("burgernet-tips-rotate-");
};

TEST_F(TipsKeysTest, KeysRotateResealsTipsSoThatTheOldKeyCanGo) {
  const nlohmann::json old_keys = {{"key_file", dir_ + "/old.key"},
                                   {"lookup_key_file", dir_ + "/lookup.key"}};
  std::string out, err;
  ASSERT_EQ(run_ctl(config_with(old_keys, "old.json"), {"keys", "init"}, &out, &err), 0) << err;
  const privacy::PersonalDataKeys old(privacy::read_key_file(dir_ + "/old.key"), {},
                                      privacy::read_key_file(dir_ + "/lookup.key"));
  const auto action = database.scalar(
      "INSERT INTO actions (kind, category, title, message, area_request, area, channels, expires_at) VALUES "
      "('urgent', 'burglary', 'Inbraak', 'Gezien?', '{}', ST_Buffer(ST_SetSRID(ST_MakePoint(121000, 487000), "
      "28992), 500), '{sms}', now() + interval '1 hour') RETURNING id");
  database.scalar(
      "INSERT INTO tips (action_id, source, text_sealed, phone_sealed, photo_type, photo_sealed) VALUES ('" +
      action + "', 'sms', '" + old.seal("een tip", "tip_text") + "', '" +
      old.seal("+31612345678", "tip_phone") + "', 'image/png', '" + old.seal("PNGBYTES", "tip_photo") +
      "') RETURNING id");
  database.scalar("INSERT INTO tips (action_id, source, text_sealed) VALUES ('" + action + "', 'app', '" +
                  old.seal("nog een tip", "tip_text") + "') RETURNING id");

  ASSERT_TRUE(privacy::create_key_file(dir_ + "/new.key"));
  const nlohmann::json new_keys = {{"key_file", dir_ + "/new.key"},
                                   {"previous_key_files", {dir_ + "/old.key"}},
                                   {"lookup_key_file", dir_ + "/lookup.key"}};
  ASSERT_EQ(run_ctl(config_with(new_keys, "new.json"), {"keys", "rotate"}, &out, &err), 0) << err << out;
  EXPECT_NE(out.find("resealed 2 of 2 tips"), std::string::npos) << out;
  EXPECT_EQ(out.find("still sealed with key id"), std::string::npos) << out;

  const privacy::PersonalDataKeys only_new(privacy::read_key_file(dir_ + "/new.key"), {},
                                           privacy::read_key_file(dir_ + "/lookup.key"));
  const auto rows = database.connection().exec(sql::Query{
      "RotatedTips", "SELECT text_sealed, phone_sealed, photo_sealed FROM tips ORDER BY source DESC"});
  ASSERT_EQ(rows.rows(), 2);
  EXPECT_EQ(only_new.open(rows.text(0, 0), "tip_text"), "een tip");
  EXPECT_EQ(only_new.open(rows.text(0, 1), "tip_phone"), "+31612345678");
  EXPECT_EQ(only_new.open(rows.text(0, 2), "tip_photo"), "PNGBYTES");
  EXPECT_EQ(only_new.open(rows.text(1, 0), "tip_text"), "nog een tip");
  EXPECT_TRUE(rows.is_null(1, 1));
}

}  // namespace
}  // namespace burgernet::testing
