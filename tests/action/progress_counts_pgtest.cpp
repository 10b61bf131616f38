// GET /v1/actions/{id} reads an action's progress from counters the delivery statements keep
// (migration 0013), not by counting its rows: after claims, every kind of outcome, a rescue, a
// close that cancels in chunks and a deleted row, the counters say what a count of the rows says.
#include <gtest/gtest.h>

#include "action/population.hpp"
#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using Ids = std::vector<std::string>;

Ids claim(db::Connection& c, const std::string& channel, int limit, const std::string& owner) {
  const auto r = c.exec(sql::query("DeliveriesClaim"), db::Params(channel, limit, owner, 60.0));
  Ids ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.string(i, 0));
  return ids;
}

void complete(db::Connection& c, const std::string& owner, const Ids& ids, const std::string& outcome) {
  c.exec(sql::query("DeliveriesComplete"), db::Params(ids, Ids(ids.size(), owner), Ids(ids.size(), outcome),
                                                      Ids(ids.size(), ""), Ids(ids.size(), "0")));
}

// What a count of the rows says, in GET's shape.
json counted(TestDatabase& db, const std::string& id) {
  json out = json::object();
  const auto text = db.scalar(
      "SELECT coalesce(jsonb_object_agg(channel, s), '{}')::text FROM (SELECT channel, jsonb_object_agg(status, n) AS s "
      "FROM (SELECT channel, status::text, count(*) AS n FROM deliveries WHERE action_id = '" +
      id + "' GROUP BY 1, 2) x GROUP BY channel) y");
  return json::parse(text);
}

TEST(ProgressCounts, FollowEveryStatementThatChangesADelivery) {
  TestDatabase database;
  for (int i = 0; i < 120; ++i) {
    add_participant(database, {{offset(centre(), 10.0 * i, 5.0 * (i % 7)), "{voice,sms}"}});
  }
  const std::string token_id = database.scalar(
      "INSERT INTO api_tokens (name, role, token_hash) VALUES ('op', 'operator', '\\x01') RETURNING id");
  const auth::Caller caller{token_id, "op", "operator", std::nullopt};
  auto document = daemon_config(database.url(), "/tmp");
  document["limits"] = {{"fanout_chunk", 40}, {"first_chunk", 40}};
  const auto config = config::parse_config(document);
  json body = {{"kind", "urgent"},
               {"category", "burglary"},
               {"title", "Inbraak"},
               {"message", "Man op de vlucht."},
               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 3000}}}}}};
  db::Connection api(database.url());
  const auto raised = action::create_action(api, action::parse_action_request(body, action::action_rules(config)), caller, action::action_settings(config));
  const std::string id = raised["id"];
  auto progress = [&] { return action::get_action(api, id, caller)["deliveries"]; };
  EXPECT_EQ(progress(), counted(database, id)) << "after the POST's first chunk";
  while (action::fanout_next_chunk(api, action::action_settings(config))) {
  }
  EXPECT_EQ(progress(), counted(database, id)) << "after the fan-out";
  EXPECT_EQ(progress()["sms"]["queued"], 120);

  db::Connection worker(database.url());
  complete(worker, "a", claim(worker, "sms", 30, "a"), "sent");
  complete(worker, "b", claim(worker, "sms", 10, "b"), "retry");
  complete(worker, "c", claim(worker, "voice", 10, "c"), "failed");
  complete(worker, "d", claim(worker, "voice", 5, "d"), "release");
  claim(worker, "voice", 7, "e");  // left sending
  EXPECT_EQ(progress(), counted(database, id)) << "after claims and outcomes";
  EXPECT_EQ(progress()["sms"]["sent"], 30);
  EXPECT_EQ(progress()["voice"]["sending"], 7);
  // The rescuer takes back rows whose lease ran out.
  database.scalar("UPDATE deliveries SET lease_expires_at = now() - interval '1 minute' WHERE lease_owner = 'e'");
  worker.exec(sql::query("DeliveriesRescue"), db::Params(Ids{}, std::int64_t{10000}));
  EXPECT_EQ(progress(), counted(database, id)) << "after a rescue";

  const auto closed = action::close_action(api, id, "resolved", "Aangehouden.", caller, action::action_settings(config));
  while (action::follow_up_next_chunk(api, action::action_settings(config))) {
  }
  EXPECT_EQ(progress(), counted(database, id)) << "after the close";
  EXPECT_GT(progress()["sms"]["cancelled"].get<int>(), 0);
  EXPECT_EQ(progress()["voice"].value("queued", 0), 0);

  database.scalar("DELETE FROM deliveries WHERE action_id = '" + id + "' AND channel = 'voice' AND status = 'failed'");
  EXPECT_EQ(progress(), counted(database, id)) << "after a delete";
}

}  // namespace
}  // namespace burgernet::testing
