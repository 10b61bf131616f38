// Large actions: the fan-out in committed chunks ends with exactly the rows of the inline
// path, resumes after a crash without duplicates, and carries updates to later chunks. Also
// measures how long raising an action for 10,000 recipients takes.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "action/population.hpp"
#include "burgernet/action/action_request.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Their numbers are placeholders that never open (nothing is sent to them here): the look-up
// column carries the number in clear only so that the grid position can be derived from it.
// `n` participants on a grid around the centre (40 m apart), with a mix of channels, quiet
// hours around now for every fifth, push devices, and every seventh known only by a fresh
// device location inside the area (home far away).
void populate(TestDatabase& db, int n, const std::string& phone_prefix = "+3162") {
  db.scalar(
      "WITH p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
      "  SELECT 'active', '\\x00', convert_to('" +
      phone_prefix + "' || lpad(i::text, 7, '0'), 'UTF8'), now() FROM generate_series(1, " + std::to_string(n) +
      ") i RETURNING id, convert_from(phone_lookup, 'UTF8') AS phone), "
      "s AS (SELECT id, substr(phone, 6)::int AS n FROM p), "
      "a AS (INSERT INTO participant_addresses (participant_id, position, location, channels, quiet_from, "
      "quiet_to) "
      "  SELECT id, 0, ST_Translate(" +
      sql_point(centre()) +
      ", (n % 100) * 40 - 2000, (n / 100) * 40 - 2000 "
      "                 + CASE WHEN n % 7 = 0 THEN 50000 ELSE 0 END), "
      "    CASE n % 3 WHEN 0 THEN '{voice,sms}'::text[] WHEN 1 THEN '{sms,push}' ELSE '{voice,push}' END, "
      "    CASE WHEN n % 5 = 0 THEN ((now() AT TIME ZONE 'Europe/Amsterdam') - interval '1 hour')::time END, "
      "    CASE WHEN n % 5 = 0 THEN ((now() AT TIME ZONE 'Europe/Amsterdam') + interval '1 hour')::time END "
      "  FROM s RETURNING participant_id) "
      "INSERT INTO devices (participant_id, platform, push_token_sealed, secret_hash, location, location_at) "
      "  SELECT id, 'ios', '\\x00', decode(md5(id::text), 'hex'), "
      "    CASE WHEN n % 7 = 0 THEN ST_Translate(" +
      sql_point(centre()) +
      ", (n % 50) * 10, 0) END, "
      "    CASE WHEN n % 7 = 0 THEN now() END "
      "  FROM s WHERE n % 3 <> 0 OR n % 7 = 0");
}

// Chunks of about `chunk` addresses, the first one too (the POST's own).
config::Config test_config(const std::string& url, std::int64_t chunk) {
  auto document = daemon_config(url, "/tmp");
  document["limits"] = {{"fanout_chunk", chunk}, {"first_chunk", chunk}};
  return config::parse_config(document);
}

action::ActionRequest request_for(const config::Config& config) {
  json body = {{"kind", "urgent"},
               {"category", "missing_person"},
               {"title", "Vermist kind"},
               {"message", "Meisje van 7, roze jas."},
               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 5000}}}}}};
  return action::parse_action_request(body, action::action_rules(config));
}

// Rows of the action message of `a` that `b` lacks, counted as a multiset both ways.
std::string difference(TestDatabase& db, const std::string& a, const std::string& b) {
  auto rows_of = [](const std::string& id) {
    return "SELECT participant_id, device_id, channel, priority, max_attempts, status FROM deliveries "
           "WHERE action_id = '" +
           id + "' AND kind = 'action'";
  };
  return db.scalar("SELECT (SELECT count(*) FROM (" + rows_of(a) + " EXCEPT ALL " + rows_of(b) +
                   ") x) || '/' || "
                   "(SELECT count(*) FROM (" +
                   rows_of(b) + " EXCEPT ALL " + rows_of(a) + ") y)");
}

TEST(Fanout, ChunksEndWithTheInlineRowsResumeAfterACrashAndCarryUpdates) {
  TestDatabase database;
  populate(database, 700);
  const std::string token_id = database.scalar(
      "INSERT INTO api_tokens (name, role, token_hash) VALUES ('op', 'operator', '\\x01') RETURNING id");
  const auth::Caller caller{token_id, "op", "operator", std::nullopt};
  const auto chunked = test_config(database.url(), 50);
  const auto inline_ = test_config(database.url(), 1000000);

  db::Connection api(database.url());
  const auto large = action::create_action(api, request_for(chunked), caller, action::action_settings(chunked));
  EXPECT_EQ(large["fanout"], "in_progress");
  EXPECT_EQ(large["recipients_exact"], false);
  const std::string id = large["id"];
  // The POST planned the area in squares of the population grid, selected nobody beyond its
  // own first chunk, and promised an upper bound.
  const int chunks = std::stoi(database.scalar("SELECT fanout_chunks FROM actions WHERE id = '" + id + "'"));
  ASSERT_GT(chunks, 5);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM action_fanout_chunks WHERE action_id = '" + id + "'"),
            std::to_string(chunks - 1));
  const int first = std::stoi(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                                              "' AND kind = 'action' AND participant_id IS NOT NULL"));
  EXPECT_GT(first, 0);
  EXPECT_LT(first, 200) << "the POST writes only its first chunk (about 50 addresses)";

  {
    db::Connection worker(database.url());
    ASSERT_TRUE(action::fanout_next_chunk(worker, action::action_settings(chunked)));
    ASSERT_TRUE(action::fanout_next_chunk(worker, action::action_settings(chunked)));
  }
  EXPECT_EQ(database.scalar("SELECT fanout_next_chunk FROM actions WHERE id = '" + id + "'"), "3");
  const int after_three = std::stoi(
      database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                      "' AND kind = 'action' AND participant_id IS NOT NULL"));
  EXPECT_GT(after_three, first);
  // Written chunks leave the plan.
  EXPECT_EQ(database.scalar("SELECT count(*) FROM action_fanout_chunks WHERE action_id = '" + id + "'"),
            std::to_string(chunks - 3));

  // A follow-up while the fan-out runs reaches the chunks written before and after it.
  action::post_update(api, id, "Gevonden in het park? Nog niet.", caller, action::action_settings(chunked));

  {
    // A worker dies in the middle of the fourth chunk: its rows were written but never committed.
    db::Connection dying(database.url());
    dying.exec_script("BEGIN", "BEGIN");
    const auto claim = dying.exec(sql::query("ActionFanoutClaim"));
    ASSERT_EQ(claim.rows(), 1);
    const auto written = dying.exec(
        sql::query("ActionFanoutChunk"),
        db::Params(id, 3, claim.string(0, 4), std::string("{}"),
                   std::string(R"({"voice": {"form": "voice", "calls": true}, "sms": {"form": "sms"},)"
                               R"( "push": {"form": "push", "devices": true}})"),
                   7200));
    ASSERT_GT(written.int64(0, 0), 0);
  }  // connection closed without COMMIT
  EXPECT_EQ(std::stoi(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                                      "' AND kind = 'action' AND participant_id IS NOT NULL")),
            after_three);

  db::Connection worker(database.url());
  int rest = 0;
  while (action::fanout_next_chunk(worker, action::action_settings(chunked))) ++rest;
  EXPECT_EQ(rest, chunks - 3);
  EXPECT_EQ(database.scalar("SELECT fanout_done FROM actions WHERE id = '" + id + "'"), "t");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM action_fanout_chunks"), "0");

  // The same action in one chunk, and the whole selection in one statement, find the same.
  auto preview_request = request_for(inline_);
  preview_request.dry_run = true;
  const auto preview = action::create_action(api, preview_request, caller, action::action_settings(inline_));
  const auto small = action::create_action(api, request_for(inline_), caller, action::action_settings(inline_));
  EXPECT_EQ(small["fanout"], "done");
  EXPECT_EQ(small["recipients_exact"], true);
  const std::string inline_id = small["id"];
  EXPECT_EQ(small["recipients"], preview["recipients"]);
  EXPECT_EQ(small["by_channel"], preview["by_channel"]);
  EXPECT_GE(large["recipients"].get<std::int64_t>(), small["recipients"].get<std::int64_t>())
      << "the POST's bound is an upper bound";
  EXPECT_EQ(database.scalar("SELECT recipients FROM actions WHERE id = '" + id + "'"),
            small["recipients"].dump());

  EXPECT_EQ(difference(database, id, inline_id), "0/0");
  EXPECT_EQ(database.scalar(
                "SELECT count(*) - count(DISTINCT (participant_id, channel, device_id)) FROM deliveries "
                "WHERE action_id = '" +
                id + "' AND kind = 'action'"),
            "0");
  // The update reached every personal row of the action, whichever chunk wrote it.
  while (action::follow_up_next_chunk(worker, action::action_settings(chunked))) {
  }
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                            "' AND kind = 'update' AND participant_id IS NOT NULL"),
            database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                            "' AND kind = 'action' AND participant_id IS NOT NULL AND NOT (channel = 'voice' AND "
                            "burgernet_voice_quiet_now(action_id, participant_id))"));
  EXPECT_EQ(database.scalar("SELECT count(*) FROM action_jobs"), "0");
  EXPECT_FALSE(action::fanout_next_chunk(worker, action::action_settings(chunked)));
}

TEST(Fanout, ClosingStopsAnUnfinishedFanout) {
  TestDatabase database;
  populate(database, 300);
  const std::string token_id = database.scalar(
      "INSERT INTO api_tokens (name, role, token_hash) VALUES ('op', 'operator', '\\x01') RETURNING id");
  const auth::Caller caller{token_id, "op", "operator", std::nullopt};
  const auto chunked = test_config(database.url(), 50);
  db::Connection api(database.url());
  const auto large = action::create_action(api, request_for(chunked), caller, action::action_settings(chunked));
  const std::string id = large["id"];
  ASSERT_TRUE(action::fanout_next_chunk(api, action::action_settings(chunked)));
  action::close_action(api, id, "resolved", "Gevonden.", caller, action::action_settings(chunked));
  // The closing job cancels the rest of what was queued, a chunk at a time.
  while (action::follow_up_next_chunk(api, action::action_settings(chunked))) {
  }
  const auto before = database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "'");
  EXPECT_FALSE(action::fanout_next_chunk(api, action::action_settings(chunked)));
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id + "'"), before);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                            "' AND kind = 'action' AND status = 'queued'"),
            "0");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM action_fanout_chunks"), "0");
}

// Every action takes its turn (migrations 0008, 0012): the rows of a small action raised while a
// large one is queued are claimed taking turns with the large one, one row each, not after all
// of it, whether the large one was written inline or in chunks.
TEST(Fanout, ASmallActionIsClaimedBeforeTheTailOfALargeQueuedOne) {
  for (const std::int64_t inline_fanout : {1000000, 50}) {
    SCOPED_TRACE("inline_fanout " + std::to_string(inline_fanout));
    TestDatabase database;
    populate(database, 700);
    const std::string token_id = database.scalar(
        "INSERT INTO api_tokens (name, role, token_hash) VALUES ('op', 'operator', '\\x01') RETURNING id");
    const auth::Caller caller{token_id, "op", "operator", std::nullopt};
    const auto config = test_config(database.url(), inline_fanout);
    db::Connection api(database.url());
    const auto large = action::create_action(api, request_for(config), caller, action::action_settings(config));
    while (action::fanout_next_chunk(api, action::action_settings(config))) {
    }
    const std::string large_id = large["id"];
    const int large_sms = std::stoi(database.scalar(
        "SELECT count(*) FROM deliveries WHERE channel = 'sms' AND action_id = '" + large_id + "'"));
    ASSERT_GT(large_sms, 300);

    // Later, a few participants at the south-west corner of the grid.
    const auto corner = offset(centre(), -2000, -1860);
    json body = {{"kind", "urgent"},
                 {"category", "missing_person"},
                 {"title", "Vermist kind"},
                 {"message", "Jongen van 5, blauwe jas."},
                 {"area", {{"circle", {{"lat", corner.lat}, {"lon", corner.lon}, {"radius_m", 70}}}}}};
    const auto small = action::create_action(api, action::parse_action_request(body, action::action_rules(config)), caller, action::action_settings(config));
    const std::string small_id = small["id"];
    const int small_sms = std::stoi(database.scalar(
        "SELECT count(*) FROM deliveries WHERE channel = 'sms' AND action_id = '" + small_id + "'"));
    ASSERT_GT(small_sms, 0);

    // A worker claims sms rows ten at a time, as the dispatcher does in batches.
    db::Connection worker(database.url());
    std::vector<std::string> order;
    for (;;) {
      const auto r = worker.exec(sql::query("DeliveriesClaim"), db::Params("sms", 10, "w", 60));
      if (r.empty()) break;
      for (int i = 0; i < r.rows(); ++i) order.push_back(r.string(i, r.column("action_id")));
    }
    ASSERT_EQ(order.size(), static_cast<std::size_t>(large_sms + small_sms));
    const auto last_small = std::find(order.rbegin(), order.rend(), small_id).base() - order.begin();
    const auto large_before = std::count(order.begin(), order.begin() + last_small, large_id);
    // One row of the large action per wave, and the small one's last sms is at most at its
    // own last row's wave (its rows count across all its channels; a chunk shuffles within it).
    const int small_rows = std::stoi(database.scalar(
        "SELECT count(*) FROM deliveries WHERE participant_id IS NOT NULL AND action_id = '" + small_id + "'"));
    EXPECT_LE(large_before, small_rows) << "the small action's last sms was claimed after " << large_before << " of "
                                 << large_sms << " sms rows of the large one";
  }
}

// The selection is planned for its own parameters every time: a generic plan (which PostgreSQL
// would switch to after five runs of a prepared statement) made the preview twice as slow.
TEST(Fanout, TheSelectionIsNeverRunWithAGenericPlan) {
  TestDatabase database;
  populate(database, 300);
  database.scalar("ANALYZE");
  const std::string token_id = database.scalar(
      "INSERT INTO api_tokens (name, role, token_hash) VALUES ('op', 'operator', '\\x01') RETURNING id");
  const auth::Caller caller{token_id, "op", "operator", std::nullopt};
  const auto config = test_config(database.url(), 1000000);
  db::Connection api(database.url());
  auto request = request_for(config);
  request.dry_run = true;
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(action::create_action(api, request, caller, action::action_settings(config)).contains("recipients"));
  const auto plans = api.exec(sql::Query{"plans", "SELECT generic_plans || '/' || custom_plans FROM "
                                                  "pg_prepared_statements WHERE name = 'ActionSelectionCount'"});
  EXPECT_EQ(plans.string(0, 0), "0/12");
}

class FanoutDaemonTest : public ActionDaemonTest {};

TEST_F(FanoutDaemonTest, TheDaemonFansOutALargeActionInTheBackgroundToTheCountItPromised) {
  populate(database, 400);
  start({{"fanout_chunk", 50}, {"first_chunk", 50}});
  auto body = action(circle(centre(), 5000));
  body["dry_run"] = true;
  const auto preview = client().post("/v1/actions", body);
  ASSERT_EQ(preview.status, 200) << preview.body;
  body.erase("dry_run");
  const auto r = client().post("/v1/actions", body);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_GE(r.json()["recipients"], preview.json()["recipients"]) << "at most";
  const std::string id = r.json()["id"];
  json got;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  do {
    std::this_thread::sleep_for(100ms);
    got = client().get("/v1/actions/" + id).json();
  } while (got["fanout"] != "done" && std::chrono::steady_clock::now() < deadline);
  ASSERT_EQ(got["fanout"], "done") << daemon_->log();
  EXPECT_EQ(got["recipients"], preview.json()["recipients"]);
  // A named copy: a range-for over a member of the temporary json() read freed memory (ASan).
  const auto by_channel = preview.json()["by_channel"];
  for (const auto& [channel, n] : by_channel.items()) {
    EXPECT_EQ(got["deliveries"][channel]["queued"], n) << channel;
  }
}

TEST_F(FanoutDaemonTest, ADaemonKilledDuringTheFanoutIsResumedByTheNextWithoutDuplicates) {
  populate(database, 3000);
  start({{"fanout_chunk", 50}, {"first_chunk", 50}});
  auto preview_body = action(circle(centre(), 5000));
  preview_body["dry_run"] = true;
  const auto preview = client().post("/v1/actions", preview_body);
  ASSERT_EQ(preview.status, 200) << preview.body;
  const auto r = client().post("/v1/actions", action(circle(centre(), 5000)));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = r.json()["id"];
  // Kill it once it has committed a chunk or two, in the middle of writing the next.
  const auto wait_until = std::chrono::steady_clock::now() + 10s;
  while (std::stoi(database.scalar("SELECT fanout_next_chunk FROM actions WHERE id = '" + id + "'")) < 3 &&
         std::chrono::steady_clock::now() < wait_until) {
    std::this_thread::sleep_for(2ms);
  }
  daemon_->signal(SIGKILL);
  ASSERT_TRUE(daemon_->wait_exit(5s).has_value());
  const auto chunks = database.scalar("SELECT fanout_chunks FROM actions WHERE id = '" + id + "'");
  const auto done_at_kill = database.scalar("SELECT fanout_next_chunk FROM actions WHERE id = '" + id + "'");
  std::cout << "[ fanout ] killed after " << done_at_kill << " of " << chunks << " chunks\n";

  auto config = daemon_config(database.url(), outbox_);
  config["limits"] = {{"fanout_chunk", 50}, {"first_chunk", 50}};
  DaemonProcess next(config);
  ASSERT_TRUE(next.wait_ready()) << next.log();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (database.scalar("SELECT fanout_done FROM actions WHERE id = '" + id + "'") != "t" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(database.scalar("SELECT fanout_done FROM actions WHERE id = '" + id + "'"), "t") << next.log();
  EXPECT_EQ(database.scalar(
                "SELECT count(*) - count(DISTINCT (participant_id, channel, device_id)) FROM deliveries "
                "WHERE action_id = '" +
                id + "' AND kind = 'action'"),
            "0");
  // A named copy: a range-for over a member of the temporary json() read freed memory (ASan).
  const auto by_channel = preview.json()["by_channel"];
  for (const auto& [channel, n] : by_channel.items()) {
    EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE action_id = '" + id +
                              "' AND channel = '" + channel + "'"),
              std::to_string(n.get<int>()))
        << channel;
  }
}

TEST_F(FanoutDaemonTest, RaisingAnActionForTenThousandRecipients) {
  database.scalar(
      "WITH p AS (INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at) "
      "  SELECT 'active', '\\x00', convert_to('+3163' || lpad(i::text, 7, '0'), 'UTF8'), now() "
      "  FROM generate_series(1, 10000) i RETURNING id, convert_from(phone_lookup, 'UTF8') AS phone) "
      "INSERT INTO participant_addresses (participant_id, position, location, channels) "
      "  SELECT id, 0, ST_Translate(" +
      sql_point(centre()) +
      ", (n % 100) * 40 - 2000, (n / 100) * 40 - 2000), "
      "    '{voice,sms}' FROM (SELECT id, substr(phone, 6)::int AS n FROM p) s");
  database.scalar("ANALYZE");
  start();
  auto body = action(circle(centre(), 5000));
  body["dry_run"] = true;
  auto started = std::chrono::steady_clock::now();
  const auto preview = client().post("/v1/actions", body);
  const double preview_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(preview.status, 200) << preview.body;
  body.erase("dry_run");
  started = std::chrono::steady_clock::now();
  const auto r = client().post("/v1/actions", body);
  const double raise_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_GE(r.json()["recipients"], 10000);
  EXPECT_EQ(preview.json()["recipients"], 10000);
  // The POST wrote its first chunk; the daemon's fan-out worker writes the rest.
  const std::string id = r.json()["id"];
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (count("SELECT fanout_done FROM actions WHERE id = '" + id + "'") != "t" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  const double written_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "20001");
  EXPECT_EQ(client().get("/v1/actions/" + id).json()["recipients"], 10000);
  std::cout << "[ timing ] dry run for 10000 recipients: " << preview_ms << " ms; the POST: " << raise_ms
            << " ms; all 20001 rows written: " << written_ms << " ms\n";
  RecordProperty("preview_ms", std::to_string(preview_ms));
  RecordProperty("raise_ms", std::to_string(raise_ms));
}

}  // namespace
}  // namespace burgernet::testing
