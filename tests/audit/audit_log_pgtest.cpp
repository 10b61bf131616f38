// The audit module against a live database: append, filters, paging, and append-only.
#include <gtest/gtest.h>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/db/errors.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

class AuditLogTest : public DatabaseTest {
 protected:
  std::int64_t add(const std::string& actor, const std::string& action, const std::string& target) {
    audit::Entry entry;
    entry.actor = actor;
    entry.action = action;
    entry.target = target;
    entry.remote = "192.0.2.7";
    entry.details = {{"n", 1}};
    return audit::append(database.connection(), entry);
  }
};

TEST_F(AuditLogTest, ListsNewestFirstWithFiltersAndACursor) {
  add("ops", "token.create", "desk");
  add("ops", "token.revoke", "desk");
  add("registrar-web", "participant.erase", "p-1");
  const auto last = add("ops", "token.create", "desk-2");

  auto page = audit::list(database.connection(), {});
  ASSERT_EQ(page.records.size(), 4u);
  EXPECT_EQ(page.records.front().id, last);
  EXPECT_EQ(page.records.front().entry.target, "desk-2");
  EXPECT_EQ(page.records.front().entry.remote, "192.0.2.7");
  EXPECT_EQ(page.records.front().entry.details["n"], 1);
  EXPECT_FALSE(page.next_cursor);

  audit::Filter by_action;
  by_action.action = "token.create";
  EXPECT_EQ(audit::list(database.connection(), by_action).records.size(), 2u);
  audit::Filter by_actor;
  by_actor.actor = "registrar-web";
  page = audit::list(database.connection(), by_actor);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].entry.action, "participant.erase");

  audit::Filter paged;
  paged.limit = 3;
  page = audit::list(database.connection(), paged);
  ASSERT_EQ(page.records.size(), 3u);
  ASSERT_TRUE(page.next_cursor);
  paged.cursor = std::stoll(*page.next_cursor);
  page = audit::list(database.connection(), paged);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].entry.action, "token.create");
  EXPECT_EQ(page.records[0].entry.target, "desk");
  EXPECT_FALSE(page.next_cursor);

  audit::Filter future;
  future.since = "2999-01-01T00:00:00Z";
  EXPECT_TRUE(audit::list(database.connection(), future).records.empty());
  audit::Filter past;
  past.until = "2000-01-01";
  EXPECT_TRUE(audit::list(database.connection(), past).records.empty());
}

TEST_F(AuditLogTest, RowsCannotBeChangedOrRemovedWhateverRoleConnects) {
  add("ops", "token.create", "desk");
  // The test connects as the cluster's superuser: the trigger holds even for it.
  for (const char* statement :
       {"UPDATE audit_log SET result = 'forged'", "DELETE FROM audit_log", "TRUNCATE audit_log"}) {
    try {
      database.connection().exec_script("tamper", statement);
      ADD_FAILURE() << statement << " succeeded";
    } catch (const db::DatabaseError& e) {
      EXPECT_EQ(e.sqlstate(), "42501") << statement << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(database.scalar("SELECT count(*) FROM audit_log WHERE result = 'ok'"), "1");
}

}  // namespace
}  // namespace burgernet::testing
