// GET /v1/actions/{id} lists every message of an action with its own delivery counts, read from
// the counters of migration 0020, after the file channels really sent them.
#include <gtest/gtest.h>

#include <thread>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

class MessageProgressTest : public ActionDaemonTest {};

TEST_F(MessageProgressTest, TheActionItsUpdateAndItsClosingEachShowTheirOwnCounts) {
  start({}, true);
  add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
  add_participant(database, {{offset(centre(), 200, 0), "{sms}"}});
  add_participant(database, {{offset(centre(), 5000, 0), "{sms}"}});
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  ASSERT_FALSE(id.empty());
  auto sent_of = [&](const json& message) {
    return message["deliveries"].value("sms", json::object()).value("sent", 0);
  };
  auto wait_sent = [&](std::size_t index, int n) {
    json got;
    for (int i = 0; i < 100; ++i) {
      got = client().get("/v1/actions/" + id).json();
      if (got["messages"].size() > index && sent_of(got["messages"][index]) == n) return got;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "message " << index << " never had " << n << " sms sent: " << got.dump();
    return got;
  };
  auto got = wait_sent(0, 2);
  ASSERT_EQ(got["messages"].size(), 1u);
  EXPECT_EQ(got["messages"][0]["kind"], "action");
  EXPECT_EQ(got["messages"][0]["text"], "Man in donkere jas gevlucht richting station.");
  EXPECT_EQ(got["messages"][0]["recipients"], 2);

  ASSERT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", "Gezien bij de Dam."}}).status, 201);
  got = wait_sent(1, 2);
  ASSERT_EQ(got["messages"].size(), 2u);
  EXPECT_EQ(got["messages"][1]["kind"], "update");
  EXPECT_EQ(got["messages"][1]["text"], "Gezien bij de Dam.");
  EXPECT_EQ(got["messages"][1]["recipients"], 2);
  EXPECT_EQ(sent_of(got["messages"][0]), 2) << "the action's own counts are not the update's";

  ASSERT_EQ(client()
                .post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Aangehouden."}})
                .status,
            200);
  got = wait_sent(2, 2);
  ASSERT_EQ(got["messages"].size(), 3u);
  EXPECT_EQ(got["messages"][2]["kind"], "closing");
  EXPECT_EQ(got["messages"][2]["text"], "Aangehouden.");
  // The top-level deliveries still count every message together (twitter's broadcast rows too).
  EXPECT_EQ(got["deliveries"]["sms"]["sent"], 6);
  for (const auto& m : got["messages"]) {
    EXPECT_TRUE(m["id"].is_number_integer());
    EXPECT_TRUE(m["created_at"].is_string());
    EXPECT_EQ(sent_of(m), 2) << m.dump();
  }
  // What a count of the rows says, message by message.
  EXPECT_EQ(
      count("SELECT string_agg(n::text, ',' ORDER BY message_id) FROM (SELECT message_id, count(*) AS n FROM "
            "deliveries WHERE action_id = '" +
            id + "' AND channel = 'sms' AND status = 'sent' GROUP BY 1) x"),
      "2,2,2");
}

}  // namespace
}  // namespace burgernet::testing
