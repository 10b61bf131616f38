// After an action is raised: follow-ups, closing, and repeated requests with an Idempotency-Key.
#include <gtest/gtest.h>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

class LifecycleTest : public ActionDaemonTest {
 protected:
  void SetUp() override { start(); }
  int of_kind(const std::string& id, const std::string& kind, const std::string& where = "true") {
    return std::stoi(count("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "' AND kind = '" +
                           kind + "' AND (" + where + ")"));
  }
};

TEST_F(LifecycleTest, AnUpdateGoesToTheSameRecipientsByTheSameChannelsExceptCancelledOnes) {
  const auto a = add_participant(database, {{offset(centre(), 100, 0), "{voice,sms,push}"}},
                                 {{std::nullopt}, {std::nullopt}});
  const auto b = add_participant(database, {{offset(centre(), 200, 0), "{sms}"}});
  add_participant(database, {{offset(centre(), 5000, 0), "{sms}"}});
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  database.scalar("UPDATE deliveries SET status = 'cancelled' WHERE participant_id = '" + b + "'");
  // Someone who moved into the area since is not added by an update.
  add_participant(database, {{offset(centre(), 300, 0), "{sms}"}});
  const auto r =
      client().post("/v1/actions/" + id + "/updates", {{"message", "De man is gezien bij de Dam."}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["recipients"], 1);
  EXPECT_EQ(of_kind(id, "update", "participant_id = '" + a + "' AND channel = 'voice'"), 1);
  EXPECT_EQ(of_kind(id, "update", "participant_id = '" + a + "' AND channel = 'sms'"), 1);
  EXPECT_EQ(
      of_kind(id, "update", "participant_id = '" + a + "' AND channel = 'push' AND device_id IS NOT NULL"),
      2);
  EXPECT_EQ(of_kind(id, "update", "participant_id = '" + b + "'"), 0);
  EXPECT_EQ(of_kind(id, "update", "channel = 'twitter' AND participant_id IS NULL"), 1);
  EXPECT_EQ(of_kind(id, "update"), 5);
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE action_id = '" + id +
                  "' AND kind = 'update' AND "
                  "text = 'De man is gezien bij de Dam.'"),
            "1");
  // Bad input.
  EXPECT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", ""}}).status, 400);
  EXPECT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", "x"}, {"extra", 1}}).status, 400);
  EXPECT_EQ(
      client().post("/v1/actions/00000000-0000-4000-8000-000000000000/updates", {{"message", "x"}}).status,
      404);
}

TEST_F(LifecycleTest, ClosingCancelsWhatIsQueuedAndTellsThoseWhoWereSentItExceptByVoice) {
  const auto sent =
      add_participant(database, {{offset(centre(), 100, 0), "{voice,sms,push}"}}, {{std::nullopt}});
  const auto delivered = add_participant(database, {{offset(centre(), 200, 0), "{voice,sms}"}});
  const auto waiting = add_participant(database, {{offset(centre(), 300, 0), "{voice,sms}"}});
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  database.scalar("UPDATE deliveries SET status = 'sent', sent_at = now() WHERE participant_id = '" + sent +
                  "'");
  database.scalar(
      "UPDATE deliveries SET status = 'delivered', sent_at = now(), delivered_at = now() "
      "WHERE participant_id = '" +
      delivered + "' AND channel = 'voice'");
  database.scalar("UPDATE deliveries SET status = 'failed' WHERE participant_id = '" + delivered +
                  "' AND channel = 'sms'");

  const auto r =
      client().post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Aangehouden."}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["status"], "closed");
  EXPECT_EQ(r.json()["cancelled"], 3);  // waiting's voice and sms, the tweet
  EXPECT_EQ(of_kind(id, "action", "status = 'cancelled'"), 3);
  EXPECT_EQ(of_kind(id, "action", "participant_id = '" + waiting + "' AND status = 'cancelled'"), 2);
  // sent: sms and push, never voice; delivered: only voice was delivered, so nothing; waiting: nothing.
  EXPECT_EQ(of_kind(id, "closing", "participant_id = '" + sent + "' AND channel = 'sms'"), 1);
  EXPECT_EQ(of_kind(id, "closing",
                    "participant_id = '" + sent + "' AND channel = 'push' AND device_id IS NOT NULL"),
            1);
  EXPECT_EQ(of_kind(id, "closing", "channel = 'voice'"), 0);
  EXPECT_EQ(of_kind(id, "closing", "participant_id = '" + delivered + "'"), 0);
  EXPECT_EQ(of_kind(id, "closing", "participant_id = '" + waiting + "'"), 0);
  EXPECT_EQ(of_kind(id, "closing", "channel = 'twitter' AND participant_id IS NULL"), 1);
  EXPECT_EQ(of_kind(id, "closing"), 3);
  EXPECT_EQ(
      count("SELECT status || ' ' || outcome || ' ' || (closed_at IS NOT NULL) FROM actions WHERE id = '" +
            id + "'"),
      "closed resolved true");

  const auto got = client().get("/v1/actions/" + id).json();
  EXPECT_EQ(got["status"], "closed");
  EXPECT_EQ(got["outcome"], "resolved");
  EXPECT_TRUE(got["closed_at"].is_string());

  const auto again =
      client().post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Nog eens."}});
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "action_closed");
  EXPECT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", "Te laat."}}).status, 409);
  EXPECT_EQ(of_kind(id, "closing"), 3);
}

TEST_F(LifecycleTest, AnAlertsUpdateAndClosingWaitForQuietHoursLikeTheAlert) {
  const auto from = local_hhmm(database, -60), to = local_hhmm(database, 60);
  const auto quiet = add_participant(database, {{offset(centre(), 100, 0), "{sms}", from, to}});
  const auto awake = add_participant(database, {{offset(centre(), 200, 0), "{sms}"}});
  const auto id = raise_action(client(), action(circle(centre(), 1000), "alert"));
  // As if both had been sent the alert earlier, before the quiet hours began.
  database.scalar(
      "UPDATE deliveries SET status = 'sent', sent_at = now(), run_after = now() - interval '2 hours' "
      "WHERE action_id = '" +
      id + "'");
  auto local_run_after = [&](const std::string& kind, const std::string& participant) {
    return count(
        "SELECT to_char(run_after AT TIME ZONE 'Europe/Amsterdam', 'HH24:MI') FROM deliveries WHERE "
        "action_id = '" +
        id + "' AND kind = '" + kind + "' AND participant_id = '" + participant + "'");
  };
  ASSERT_EQ(client().post("/v1/actions/" + id + "/updates", {{"message", "Nieuwe info."}}).status, 201);
  EXPECT_EQ(local_run_after("update", quiet), to);
  EXPECT_EQ(of_kind(id, "update", "participant_id = '" + awake + "' AND run_after <= now()"), 1);
  ASSERT_EQ(
      client().post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Dank."}}).status,
      200);
  EXPECT_EQ(local_run_after("closing", quiet), to);
  EXPECT_EQ(of_kind(id, "closing", "participant_id = '" + awake + "' AND run_after <= now()"), 1);
}

TEST_F(LifecycleTest, CloseChecksItsInput) {
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  auto c = client();
  auto r = c.post("/v1/actions/" + id + "/close", {{"outcome", "solved"}, {"message", "x"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["field"], "outcome");
  r = c.post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["field"], "message");
  EXPECT_EQ(c.post("/v1/actions/nope/close", {{"outcome", "resolved"}, {"message", "x"}}).status, 404);
  EXPECT_EQ(count("SELECT status FROM actions WHERE id = '" + id + "'"), "active");
}

TEST_F(LifecycleTest, AnExpiredActionTakesNoUpdatesButCanBeClosed) {
  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  database.scalar("UPDATE actions SET expires_at = now() - interval '1 minute' WHERE id = '" + id + "'");
  const auto r = client().post("/v1/actions/" + id + "/updates", {{"message", "Nog iets."}});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "action_expired");
  EXPECT_EQ(client().get("/v1/actions/" + id).json()["status"], "expired");
  EXPECT_EQ(client().get("/v1/actions?status=expired").json()["actions"].size(), 1u);
  EXPECT_EQ(client()
                .post("/v1/actions/" + id + "/close", {{"outcome", "unresolved"}, {"message", "Voorbij."}})
                .status,
            200);
}

TEST_F(LifecycleTest, ARepeatedIdempotencyKeyGetsTheFirstAnswerAndRaisesNothingNew) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  const auto body = action(circle(centre(), 1000));
  auto c = client();
  const auto first = c.post("/v1/actions", body, {{"Idempotency-Key", "raise-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  const auto second = c.post("/v1/actions", body, {{"Idempotency-Key", "raise-1"}});
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.json(), first.json());
  EXPECT_EQ(second.header("idempotent-replayed"), "true");
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "1");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "3");

  auto changed = body;
  changed["title"] = "Iets anders";
  const auto reused = c.post("/v1/actions", changed, {{"Idempotency-Key", "raise-1"}});
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.error_code(), "idempotency_key_reused");

  // Another token's key of the same name is its own.
  auto other = client(token("operator", "op2"));
  EXPECT_EQ(other.post("/v1/actions", body, {{"Idempotency-Key", "raise-1"}}).status, 201);
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "2");

  // A first request still running: the row exists without an answer.
  database.scalar(
      "INSERT INTO idempotency_keys (token_id, key, request_hash) SELECT id, 'busy', '\\x00' FROM "
      "api_tokens WHERE name = 'op'");
  const auto busy = c.post("/v1/actions", body, {{"Idempotency-Key", "busy"}});
  EXPECT_EQ(busy.status, 422);  // a different request hash: the body differs from the one recorded
  database.scalar(
      "UPDATE idempotency_keys SET request_hash = (SELECT request_hash FROM idempotency_keys WHERE "
      "key = 'raise-1' LIMIT 1) WHERE key = 'busy'");
  const auto running = c.post("/v1/actions", body, {{"Idempotency-Key", "busy"}});
  EXPECT_EQ(running.status, 409);
  EXPECT_EQ(running.error_code(), "request_in_progress");

  // Older than 24 hours: the key is free again.
  database.scalar(
      "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'raise-1'");
  EXPECT_EQ(c.post("/v1/actions", body, {{"Idempotency-Key", "raise-1"}}).status, 201);
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "3");
}

TEST_F(LifecycleTest, ErrorAnswersAreReplayedTooAndUpdatesAndClosingAreIdempotent) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  auto c = client();
  auto bad = action(circle(centre(), 1000));
  bad["category"] = "nonsense";
  EXPECT_EQ(c.post("/v1/actions", bad, {{"Idempotency-Key", "k-bad"}}).status, 400);
  const auto replay = c.post("/v1/actions", bad, {{"Idempotency-Key", "k-bad"}});
  EXPECT_EQ(replay.status, 400);
  EXPECT_EQ(replay.json()["error"]["field"], "category");

  const auto id = raise_action(client(), action(circle(centre(), 1000)));
  const json update = {{"message", "Update."}};
  EXPECT_EQ(c.post("/v1/actions/" + id + "/updates", update, {{"Idempotency-Key", "u1"}}).status, 201);
  EXPECT_EQ(c.post("/v1/actions/" + id + "/updates", update, {{"Idempotency-Key", "u1"}}).status, 201);
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE kind = 'update'"), "1");
  const json close = {{"outcome", "resolved"}, {"message", "Klaar."}};
  EXPECT_EQ(c.post("/v1/actions/" + id + "/close", close, {{"Idempotency-Key", "c1"}}).status, 200);
  EXPECT_EQ(c.post("/v1/actions/" + id + "/close", close, {{"Idempotency-Key", "c1"}}).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE kind = 'closing'"), "1");
  EXPECT_EQ(c.post("/v1/actions", bad, {{"Idempotency-Key", std::string(300, 'k')}}).status, 400);
}

}  // namespace
}  // namespace burgernet::testing
