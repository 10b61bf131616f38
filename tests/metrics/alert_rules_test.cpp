// config/alerts.yml is valid Prometheus rules, and each rule fires, and stays silent, on the
// series of config/alerts_test.yml. promtool comes with Debian's prometheus package
// (scripts/setup); without it these tests fail rather than skip.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "metrics/shell_command.hpp"

namespace {

using burgernet::testing::run_shell;

const std::string kConfig = std::string(BURGERNET_SOURCE_DIR) + "/config";

TEST(AlertRules, PromtoolChecksThem) {
  std::string output;
  ASSERT_EQ(run_shell("promtool check rules " + kConfig + "/alerts.yml", output), 0) << output;
  EXPECT_NE(output.find("SUCCESS: 8 rules found"), std::string::npos) << output;
}

TEST(AlertRules, EachFiresAndStaysSilentWhereItShould) {
  std::string output;
  // promtool resolves rule_files against the test file's folder.
  EXPECT_EQ(run_shell("cd " + kConfig + " && promtool test rules alerts_test.yml", output), 0) << output;
  EXPECT_NE(output.find("SUCCESS"), std::string::npos) << output;
}

// Every rule points its on-call reader at its own section of docs/alerts.md.
TEST(AlertRules, EachHasARunbookSection) {
  std::string rules, docs;
  ASSERT_EQ(run_shell("grep -o 'alert: [A-Za-z]*' " + kConfig + "/alerts.yml | cut -d' ' -f2", rules), 0);
  ASSERT_EQ(run_shell("cat " + std::string(BURGERNET_SOURCE_DIR) + "/docs/alerts.md", docs), 0);
  std::string all_runbooks;
  ASSERT_EQ(run_shell("grep -o 'docs/alerts.md#[a-z]*' " + kConfig + "/alerts.yml", all_runbooks), 0);
  std::size_t start = 0;
  int count = 0;
  for (std::size_t end; (end = rules.find('\n', start)) != std::string::npos; start = end + 1, ++count) {
    const std::string name = rules.substr(start, end - start);
    std::string anchor = name;
    for (char& c : anchor) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(docs.find("\n### " + name + "\n"), std::string::npos) << "docs/alerts.md has no section " << name;
    EXPECT_NE(all_runbooks.find("docs/alerts.md#" + anchor + "\n"), std::string::npos) << name;
  }
  EXPECT_EQ(count, 8);
}

}  // namespace
