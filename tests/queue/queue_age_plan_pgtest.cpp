// burgernet_queue_oldest_due_seconds is read every 2 s by every daemon: with a national queue it
// must stay a few index entries, not a scan of the queued rows (migration 0015).
#include <gtest/gtest.h>

#include <string>

#include "burgernet/sql/query.hpp"
#include "support/test_database.hpp"

namespace burgernet::testing {
namespace {

TEST(QueueAgePlan, TheOldestDueRowOfEachChannelIsTheFirstEntryOfAnIndex) {
  TestDatabase database;
  // Rows as a large action leaves them: many waves, due at many times, a tenth already sent.
  database.scalar(
      "INSERT INTO deliveries (channel, kind, priority, wave, run_after, status) "
      "SELECT (ARRAY['sms','voice','push'])[1 + g % 3], 'verification', g % 2, g / 100, "
      "now() - make_interval(secs => g % 5000), "
      "CASE WHEN g % 10 = 0 THEN 'sent' ELSE 'queued' END::delivery_status FROM generate_series(1, 50000) g");
  database.scalar("ANALYZE deliveries");
  std::string text = sql::query("DeliveriesOldestDue").text;
  const std::string parameter = "$1::text[]";  // not the $1 of its comment
  text.replace(text.find(parameter), parameter.size(), "ARRAY['sms','voice','push','email']");
  const std::string plan = database.scalar("EXPLAIN (FORMAT JSON) " + text);
  EXPECT_NE(plan.find("_channel_run_after_idx"), std::string::npos) << plan;  // 0015's index, in each partition
  EXPECT_NE(plan.find("\"Limit\""), std::string::npos) << plan;  // min() as the first entry
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("\"Sort\""), std::string::npos) << plan;

  // And it answers: the earliest due row of each channel, 0 for a channel with none.
  const std::string ages = database.scalar(
      "SELECT string_agg(channel || ':' || round(seconds / 100), ',' ORDER BY channel) FROM (" + text + ") a");
  EXPECT_EQ(ages, "email:0,push:50,sms:50,voice:50");
}

}  // namespace
}  // namespace burgernet::testing
