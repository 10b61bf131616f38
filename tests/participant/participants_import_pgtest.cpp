// `burgernetctl participants import`: good lines imported as active participants that actions
// then reach, bad lines reported by number and reason without stopping the rest, and 100,000
// lines in well under a minute.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <set>

#include "action/population.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::testing {
namespace {

class ParticipantsImportTest : public DatabaseTest {
 protected:
  std::string write(const std::string& text) {
    const auto path = dir_ + "/participants.csv";
    std::ofstream(path) << text;
    return path;
  }
  int import(const std::string& path, std::string& out, std::string& err) {
    const auto config = dir_ + "/config.json";
    std::ofstream(config) << daemon_config(database.url(), dir_).dump();
    return run_ctl(config, {"participants", "import", path}, &out, &err);
  }
  std::string dir_ = make_temp_dir("burgernet-import-");
};

TEST_F(ParticipantsImportTest, ImportsGoodLinesAndReportsEachBadOneWithItsLineNumber) {
  const auto path = write(
      "phone,lat,lon,channels,quiet_from,quiet_to,language\n"
      "06-12345678,52.3731,4.8926,voice;sms,23:00,07:00,nl\n"     // 2 ok
      "+31 6 12345679,52.3731,4.8926,push,,,\n"                   // 3 ok
      "0900-1234567,52.3731,4.8926,,,,\n"                         // 4 premium number
      "0612345680,48.85,2.35,,,,\n"                               // 5 Paris
      "0612345681,52.3731,4.8926,fax,,,\n"                        // 6 unknown channel
      "0612345682,52.3731,4.8926,,23:00,,\n"                      // 7 half quiet hours
      "0031612345678,52.3731,4.8926,,,,\n"                        // 8 same number as line 2
      "\n"                                                        // 9 empty: skipped
      "020-1234567,52.0,5.0,voice,,,en\n"                         // 10 ok: a landline, calls only
      "0612345683,52.3731\n");                                    // 11 too few columns
  std::string out, err;
  ASSERT_EQ(import(path, out, err), 0) << err;
  for (const char* expected : {"line 4: phone:", "line 5: lat:", "line 6: channels:", "line 7: quiet_hours.to:",
                               "line 8: phone: the same number as line 2", "line 11:"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  }
  EXPECT_EQ(out.find("+316"), std::string::npos) << "no phone number in the report";
  EXPECT_NE(out.find("imported 3 participants, rejected 6 lines"), std::string::npos) << out;
  // Numbers are stored sealed; the test holds the keys the import used.
  std::set<std::string> stored;
  const auto rows = database.connection().exec(
      sql::Query{"ImportedParticipants", "SELECT phone_sealed, status::text, language FROM participants"});
  for (int i = 0; i < rows.rows(); ++i) {
    stored.insert(test_keys().open(rows.text(i, 0), "phone") + ":" + rows.string(i, 1) + ":" + rows.string(i, 2));
  }
  EXPECT_EQ(stored, (std::set<std::string>{"+31201234567:active:en", "+31612345678:active:nl",
                                           "+31612345679:active:nl"}));
  EXPECT_EQ(database.scalar("SELECT channels::text || quiet_from::text FROM participant_addresses a "
                            "JOIN participants p ON p.id = a.participant_id WHERE p.phone_lookup = '" +
                            test_keys().lookup("+31612345678") + "'"),
            "{voice,sms}23:00:00");

  // Again: every line is now a number registered already, and nothing is duplicated.
  ASSERT_EQ(import(path, out, err), 0) << err;
  EXPECT_NE(out.find("line 2: phone: this number is registered already"), std::string::npos) << out;
  EXPECT_NE(out.find("imported 0 participants"), std::string::npos) << out;
  EXPECT_EQ(database.scalar("SELECT count(*) FROM participants"), "3");
}

TEST_F(ParticipantsImportTest, AWrongHeaderIsRefusedBeforeAnythingIsStored) {
  std::string out, err;
  EXPECT_EQ(import(write("telefoon,lat,lon\n0612345678,52.37,4.89\n"), out, err), 2);
  EXPECT_NE(err.find("line 1"), std::string::npos) << err;
  EXPECT_EQ(import(dir_ + "/missing.csv", out, err), 2);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM participants"), "0");
}

TEST_F(ParticipantsImportTest, OneHundredThousandLines) {
  std::string text = "phone,lat,lon,channels,quiet_from,quiet_to,language\n";
  constexpr int kLines = 100000;
  for (int i = 0; i < kLines; ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "06%08d,%.5f,%.5f,%s,,,\n", 20000000 + i, 51.5 + (i % 1000) * 0.001,
                  4.5 + (i / 1000) * 0.01, i % 3 == 0 ? "voice;sms;push" : "sms");
    text += line;
  }
  const auto path = write(text);
  std::string out, err;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(import(path, out, err), 0) << err;
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ import ] " << kLines << " lines in " << seconds << " s\n";
  EXPECT_NE(out.find("imported 100000 participants, rejected 0 lines"), std::string::npos) << out.substr(0, 500);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM participant_addresses"), "100000");
}

}  // namespace
}  // namespace burgernet::testing
