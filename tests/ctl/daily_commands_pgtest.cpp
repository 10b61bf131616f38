// burgernetctl for daily work, run as the real binary against a fresh database: version,
// actions list|show|close, stats, queue, their --json documents and exit codes, and token
// create --area refusing an area that does not exist.
#include <gtest/gtest.h>

#include <fstream>

#include "action/population.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

class DailyCommandsTest : public ActionDaemonTest {
 protected:
  // Runs burgernetctl with the daemon's config; the exit code, stdout in out_, stderr in err_.
  int ctl(const std::vector<std::string>& args) {
    out_.clear();
    err_.clear();
    return run_ctl(daemon_->config_path(), args, &out_, &err_);
  }
  // The same with --json appended; stdout must be one JSON document.
  json ctl_json(std::vector<std::string> args, int expected_exit = 0) {
    args.push_back("--json");
    EXPECT_EQ(ctl(args), expected_exit) << out_ << err_;
    const auto document = json::parse(out_, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(document.is_discarded()) << "not JSON: " << out_;
    return document;
  }
  // Two participants with sms inside the circle, one with voice and sms outside it.
  std::string raise_action() {
    add_participant(database, {{offset(centre(), 100, 0), "{sms}"}});
    add_participant(database, {{offset(centre(), -200, 50), "{sms}"}});
    add_participant(database, {{offset(centre(), 9000, 0), "{voice,sms}"}});
    const auto raised = client().post("/v1/actions", action(circle(centre(), 1000)));
    EXPECT_EQ(raised.status, 201) << raised.body;
    return raised.json().at("id").get<std::string>();
  }
  // No phone number of a test participant ("+3161...") in anything burgernetctl printed.
  void expect_no_phone_numbers() {
    EXPECT_EQ(out_.find("+3161"), std::string::npos) << out_;
    EXPECT_EQ(err_.find("+3161"), std::string::npos) << err_;
  }
  std::string out_, err_;
};

TEST_F(DailyCommandsTest, VersionNamesTheProgramTheSchemaItNeedsAndTheDatabases) {
  start();
  const auto document = ctl_json({"version"});
  EXPECT_EQ(document.value("program", ""), "burgernetctl");
  EXPECT_FALSE(document.value("version", "").empty());
  EXPECT_EQ(document.value("schema_version_needed", -1), sql::latest_migration_version());
  EXPECT_EQ(document["database"].value("reachable", false), true) << document.dump();
  EXPECT_EQ(document["database"].value("schema_version", -1), sql::latest_migration_version());

  ASSERT_EQ(ctl({"version"}), 0) << err_;
  EXPECT_NE(out_.find("schema version needed: " + std::to_string(sql::latest_migration_version())),
            std::string::npos)
      << out_;

  // --version needs no config and no database.
  ASSERT_EQ(ctl({"--version"}), 0) << err_;
  EXPECT_EQ(out_.rfind("burgernetctl ", 0), 0u) << out_;

  // An unreachable database is reported, not a failure: this is what one runs when things are wrong.
  const auto down = make_temp_dir("burgernetctl-down-");
  const auto config = down + "/config.json";
  std::ofstream(config)
      << daemon_config("postgresql://postgres@/nothing?host=" + down + "&port=1", down).dump();
  std::string out, err;
  ASSERT_EQ(run_ctl(config, {"version", "--json"}, &out, &err), 0) << err;
  const auto unreachable = json::parse(out);
  EXPECT_EQ(unreachable["database"].value("reachable", true), false) << out;
  EXPECT_FALSE(unreachable["database"].value("error", "").empty()) << out;
}

TEST_F(DailyCommandsTest, ListShowAndCloseAnActionAsTheApiDoes) {
  start();
  const auto id = raise_action();

  auto listed = ctl_json({"actions", "list"});
  ASSERT_EQ(listed["actions"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["actions"][0]["id"], id);
  EXPECT_EQ(listed["actions"][0]["status"], "active");
  EXPECT_EQ(listed["actions"][0]["recipients"], 2);
  EXPECT_EQ(listed["actions"][0]["category"], "burglary");
  EXPECT_TRUE(ctl_json({"actions", "list", "--status", "closed"})["actions"].empty());
  EXPECT_EQ(ctl_json({"actions", "list", "--status", "open"})["actions"].size(), 1u);
  EXPECT_TRUE(ctl_json({"actions", "list", "--since", "2999-01-01"})["actions"].empty());
  EXPECT_EQ(ctl_json({"actions", "list", "--since", "2000-01-01T00:00:00Z"})["actions"].size(), 1u);
  EXPECT_EQ(ctl({"actions", "list", "--since", "yesterday"}), 2) << out_;
  EXPECT_NE(err_.find("--since"), std::string::npos) << err_;
  EXPECT_EQ(ctl({"actions", "list", "--since", "2026-02-30"}), 2) << "no 30th of February: " << out_;
  EXPECT_EQ(ctl({"actions", "list", "--status", "pending"}), 2);
  ASSERT_EQ(ctl({"actions", "list"}), 0) << err_;
  EXPECT_NE(out_.find(id), std::string::npos) << out_;
  EXPECT_NE(out_.find("1 action\n"), std::string::npos) << out_;

  auto shown = ctl_json({"actions", "show", id});
  EXPECT_EQ(shown["id"], id);
  EXPECT_EQ(shown["deliveries"]["sms"]["queued"], 2) << shown.dump();
  ASSERT_EQ(shown["messages"].size(), 1u) << shown.dump();
  EXPECT_EQ(shown["messages"][0]["kind"], "action");
  EXPECT_EQ(shown["messages"][0]["text"], "Man in donkere jas gevlucht richting station.");
  expect_no_phone_numbers();
  ASSERT_EQ(ctl({"actions", "show", id}), 0) << err_;
  EXPECT_NE(out_.find("action: Man in donkere jas gevlucht richting station."), std::string::npos) << out_;
  EXPECT_NE(out_.find("sms\tqueued\t2"), std::string::npos) << out_;
  expect_no_phone_numbers();

  EXPECT_EQ(ctl({"actions", "show", "00000000-0000-4000-8000-000000000000"}), 3) << out_ << err_;
  EXPECT_NE(err_.find("not found"), std::string::npos) << err_;
  EXPECT_EQ(ctl({"actions", "show", "not-an-id"}), 3);
  EXPECT_EQ(ctl({"actions", "close", "00000000-0000-4000-8000-000000000000", "--outcome", "resolved"}), 3);
  EXPECT_EQ(ctl({"actions", "close", id, "--outcome", "solved"}), 2) << "not an outcome";
  EXPECT_EQ(ctl({"actions", "close", id}), 2) << "--outcome is required";
  EXPECT_EQ(count("SELECT status FROM actions"), "active");

  // The API's close: what is still queued of the action is cancelled (the twitter post), and
  // who was sent it (both sms recipients) gets the closing, the broadcast channel a post.
  database.scalar("UPDATE deliveries SET status = 'sent', sent_at = now() WHERE channel = 'sms'");
  ASSERT_EQ(ctl({"actions", "close", id, "--outcome", "resolved", "--message", "Verdachte aangehouden."}), 0)
      << out_ << err_;
  EXPECT_NE(out_.find("closed " + id + " (resolved): 1 queued message cancelled, closing to 2 recipients"),
            std::string::npos)
      << out_;
  EXPECT_EQ(count("SELECT status || ' ' || outcome FROM actions"), "closed resolved");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE kind = 'closing' AND status = 'queued'"), "3");
  EXPECT_EQ(count("SELECT channel FROM deliveries WHERE kind = 'action' AND status = 'cancelled'"),
            "twitter");
  EXPECT_EQ(count("SELECT actor || ' ' || operation || ' ' || subject FROM audit_log WHERE operation = "
                  "'action.close'"),
            "burgernetctl:root action.close " + id);
  EXPECT_EQ(ctl({"actions", "close", id, "--outcome", "resolved"}), 1) << "closed already";
  EXPECT_NE(err_.find("closed already"), std::string::npos) << err_;

  shown = ctl_json({"actions", "show", id});
  EXPECT_EQ(shown["status"], "closed");
  EXPECT_EQ(shown["outcome"], "resolved");
  ASSERT_EQ(shown["messages"].size(), 2u);
  EXPECT_EQ(shown["messages"][1]["kind"], "closing");
  EXPECT_EQ(shown["messages"][1]["text"], "Verdachte aangehouden.");
  EXPECT_EQ(shown["deliveries"]["sms"]["sent"], 2) << shown.dump();
  EXPECT_EQ(shown["deliveries"]["sms"]["queued"], 2) << "the closings: " << shown.dump();
  EXPECT_EQ(shown["deliveries"]["twitter"]["cancelled"], 1) << shown.dump();
  listed = ctl_json({"actions", "list", "--status", "closed"});
  ASSERT_EQ(listed["actions"].size(), 1u);
  EXPECT_EQ(listed["actions"][0]["outcome"], "resolved");
  EXPECT_TRUE(ctl_json({"actions", "list", "--status", "open"})["actions"].empty());
}

TEST_F(DailyCommandsTest, QueueCountsWhatWaitsPerChannelAndTheOldestsAge) {
  start();
  auto idle = ctl_json({"queue"});
  for (const char* channel : {"voice", "sms", "push", "twitter"}) {
    EXPECT_EQ(idle["channels"][channel]["queued"], 0) << channel << idle.dump();
    EXPECT_TRUE(idle["channels"][channel]["oldest_queued_s"].is_null()) << channel;
  }
  const auto id = raise_action();
  // One of them waits since ten minutes, one is being sent.
  database.scalar(
      "UPDATE deliveries SET created_at = now() - interval '10 minutes' WHERE id = "
      "(SELECT min(id) FROM deliveries WHERE action_id = '" +
      id + "' AND channel = 'sms')");
  database.scalar(
      "UPDATE deliveries SET status = 'sending', lease_owner = 'test', lease_expires_at = now() + "
      "interval '1 minute' WHERE id = (SELECT max(id) FROM deliveries WHERE action_id = '" +
      id + "' AND channel = 'sms')");
  const auto queue = ctl_json({"queue"});
  EXPECT_EQ(queue["channels"]["sms"]["queued"], 1) << queue.dump();
  EXPECT_EQ(queue["channels"]["sms"]["sending"], 1) << queue.dump();
  const auto oldest = queue["channels"]["sms"]["oldest_queued_s"].get<std::int64_t>();
  EXPECT_GE(oldest, 600);
  EXPECT_LT(oldest, 700);
  EXPECT_EQ(queue["channels"]["twitter"]["queued"], 1) << "the broadcast post";
  ASSERT_EQ(ctl({"queue"}), 0) << err_;
  EXPECT_NE(out_.find("sms\t1\t1\t" + std::to_string(oldest)), std::string::npos) << out_;
}

TEST_F(DailyCommandsTest, StatsCountActionsPerMonthCategoryStatusAndParticipantsPerChannel) {
  start();
  const auto id = raise_action();
  add_participant(database, {{offset(centre(), 100, 0), "{sms}"}}, {}, "pending_verification");
  add_participant(database, {{offset(centre(), 100, 0), "{push}"}}, {DeviceSpec{}});
  const auto closed = ctl_json({"actions", "close", id, "--outcome", "unresolved"});  // the API's answer
  EXPECT_EQ(closed.value("status", ""), "closed") << closed.dump();
  EXPECT_EQ(closed.value("outcome", ""), "unresolved") << closed.dump();
  EXPECT_EQ(count("SELECT text FROM action_messages WHERE kind = 'closing'"),
            "Deze Burgernet-actie is beëindigd. Bedankt voor uw hulp.")
      << "the standard closing without --message";
  // The same statistics as GET /v1/stats (action_stats.hpp), national.
  const auto stats = ctl_json({"stats"});
  const auto month = count("SELECT to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM')");
  const auto& actions = stats["actions"];
  EXPECT_EQ(actions["actions"], 1) << stats.dump();
  EXPECT_EQ(actions["by_month"][month]["by_outcome"]["unresolved"], 1) << stats.dump();
  EXPECT_EQ(actions["by_category"]["burglary"]["actions"], 1) << stats.dump();
  EXPECT_EQ(actions["share_resolved"], 0.0) << stats.dump();
  // Active participants only: the one waiting for verification is not counted.
  EXPECT_EQ(stats["participants"]["by_channel"], json({{"app", 1}, {"push", 1}, {"sms", 3}, {"voice", 1}}));
  ASSERT_EQ(ctl({"stats"}), 0) << err_;
  // actions, resolved_by_tip, resolved, unresolved, cancelled, open, shares
  EXPECT_NE(out_.find("  " + month + "\t1\t0\t0\t1\t0\t0\t0.000\t0.000"), std::string::npos) << out_;
  EXPECT_NE(out_.find("  burglary\t1\t0\t0\t1\t0\t0\t0.000\t0.000"), std::string::npos) << out_;
  expect_no_phone_numbers();
}

TEST_F(DailyCommandsTest, TokenCreateRefusesAnAreaThatDoesNotExist) {
  start();
  EXPECT_EQ(ctl({"token", "create", "--role", "municipal", "--name", "gemeente", "--area", "GM9999"}), 2);
  EXPECT_NE(err_.find("no area with code \"GM9999\""), std::string::npos) << err_;
  EXPECT_TRUE(out_.empty()) << "no token printed: " << out_;
  EXPECT_EQ(count("SELECT count(*) FROM api_tokens WHERE name = 'gemeente'"), "0");

  database.scalar(
      "INSERT INTO areas (code, name, geom) VALUES ('GM9999', 'Ergens', "
      "ST_Multi(ST_Transform(ST_MakeEnvelope(4.8, 52.3, 4.9, 52.4, 4326), 28992)))");
  EXPECT_EQ(ctl({"token", "create", "--role", "municipal", "--name", "gemeente", "--area", "GM9999"}), 0)
      << err_;
  EXPECT_EQ(out_.rfind("bn_", 0), 0u) << out_;
  const auto tokens = ctl_json({"token", "list"});
  EXPECT_EQ(tokens["tokens"].size(), 2u) << tokens.dump();  // the fixture's operator and this one
  EXPECT_EQ(ctl({"token", "revoke", "nobody"}), 3) << "not found";
}

TEST_F(DailyCommandsTest, AnUnreachableDatabaseIsExitOneAndABadConfigExitTwo) {
  const auto dir = make_temp_dir("burgernetctl-down-");
  const auto down = dir + "/down.json";
  std::ofstream(down) << daemon_config("postgresql://postgres@/nothing?host=" + dir + "&port=1", dir).dump();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"actions", "list"}, {"queue"}, {"stats"}, {"actions", "show", "x"}}) {
    std::string out, err;
    EXPECT_EQ(run_ctl(down, args, &out, &err), 1) << args[0] << ": " << err;
    EXPECT_NE(err.find("database"), std::string::npos) << err;
  }
  const auto bad = dir + "/bad.json";
  std::ofstream(bad) << "{\"http\": 1}";
  std::string out, err;
  EXPECT_EQ(run_ctl(bad, {"queue"}, &out, &err), 2) << err;
  EXPECT_EQ(run_ctl(down, {"no-such-command"}, &out, &err), 2);
}

}  // namespace
}  // namespace burgernet::testing
