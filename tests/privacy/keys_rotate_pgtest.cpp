// `burgernetctl keys rotate`: after a new key is configured (the old one kept as previous),
// every sealed value is resealed with the new key, so that the old key can be destroyed.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "support/daemon_process.hpp"
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
  ASSERT_EQ(run_ctl(old_config, {"participants", "import", dir_ + "/people.csv"}, &out, &err), 0) << err;

  const nlohmann::json new_keys = {{"key_file", dir_ + "/new.key"},
                                   {"previous_key_files", {dir_ + "/old.key"}},
                                   {"lookup_key_file", dir_ + "/lookup.key"}};
  ASSERT_EQ(run_ctl(config_with(new_keys, "new.json"), {"keys", "rotate"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("resealed 2 of 2 participants"), std::string::npos) << out;

  // Only the new key from now on: the old one can go.
  const auto only_new = privacy::PersonalDataKeys(privacy::read_key_file(dir_ + "/new.key", false), {},
                                                  privacy::read_key_file(dir_ + "/lookup.key", false));
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

}  // namespace
}  // namespace burgernet::testing
