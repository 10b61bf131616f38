// Participants through the daemon: sign-up, the code arriving by SMS through the queue,
// verification, care, erasure, devices and their locations, and what selection then sees.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "action/population.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ParticipantsTest : public ActionDaemonTest {
 protected:
  void SetUp() override {
    start(json::object(), /*dispatch=*/true);
    registrar_ = token("registrar", "website");
  }
  HttpClient registrar() { return client(registrar_); }

  static json sign_up_body(const std::string& phone = "06-12345678", Place at = centre()) {
    return {{"phone", phone}, {"addresses", json::array({{{"lat", at.lat}, {"lon", at.lon}}})}};
  }

  // The lines the file channel `channel` has written so far.
  std::vector<json> outbox(const std::string& channel) {
    std::vector<json> lines;
    std::ifstream in(outbox_ + "/" + channel + ".jsonl");
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  // Waits for the verification message to `phone` and returns its six digits.
  std::string code_sent_to(const std::string& phone, const std::string& channel = "sms", std::size_t nth = 0) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::size_t seen = 0;
      for (const auto& line : outbox(channel)) {
        if (line["kind"] != "verification" || line["to"] != phone) continue;
        if (seen++ < nth) continue;
        const std::string text = line["text"];
        const auto at = text.find_first_of("0123456789");
        return text.substr(at, 6);
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no verification message to " << phone << "\n" << daemon_->log();
    return "";
  }

  std::string sign_up_and_verify(const std::string& phone_national, const std::string& e164, Place at = centre()) {
    const auto r = registrar().post("/v1/participants", sign_up_body(phone_national, at));
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string id = r.json()["id"];
    const auto v = registrar().post("/v1/participants/" + id + "/verify", {{"code", code_sent_to(e164)}});
    EXPECT_EQ(v.status, 200) << v.body;
    return id;
  }

  json preview(Place at, double radius_m = 500) {
    auto body = action(circle(at, radius_m));
    body["dry_run"] = true;
    const auto r = client().post("/v1/actions", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }

  std::string registrar_;
};

TEST_F(ParticipantsTest, SignUpSendsASixDigitCodeBySmsAndTheRightCodeActivates) {
  const auto r = registrar().post("/v1/participants", sign_up_body("06-12345678"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["status"], "pending_verification");
  const std::string id = r.json()["id"];
  EXPECT_EQ(preview(centre())["recipients"], 0) << "a pending participant is never selected";

  const auto code = code_sent_to("+31612345678");
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(count("SELECT count(*) FROM verification_codes WHERE code_hash::text LIKE '%" + code + "%'"), "0")
      << "the code is stored hashed";
  const auto v = registrar().post("/v1/participants/" + id + "/verify", {{"code", code}});
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.json()["status"], "active");
  EXPECT_EQ(preview(centre())["recipients"], 1);
  EXPECT_EQ(registrar().post("/v1/participants/" + id + "/verify", {{"code", code}}).status, 409);
}

TEST_F(ParticipantsTest, FiveWrongCodesUseUpTheCodeAndANewOneIsNeeded) {
  const std::string id = registrar().post("/v1/participants", sign_up_body()).json()["id"];
  const auto code = code_sent_to("+31612345678");
  const std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 1; i <= 5; ++i) {
    const auto r = registrar().post("/v1/participants/" + id + "/verify", {{"code", wrong}});
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(r.error_code(), i < 5 ? "code_incorrect" : "code_attempts_exhausted") << r.body;
  }
  const auto late = registrar().post("/v1/participants/" + id + "/verify", {{"code", code}});
  EXPECT_EQ(late.status, 422);
  EXPECT_EQ(late.error_code(), "code_attempts_exhausted");

  // A new code may be asked for once a minute; pretend the last one is old.
  EXPECT_EQ(registrar().post("/v1/participants/" + id + "/verification", json::object()).status, 429);
  database.scalar("UPDATE verification_codes SET created_at = now() - interval '2 minutes' RETURNING 1");
  ASSERT_EQ(registrar().post("/v1/participants/" + id + "/verification", json::object()).status, 202);
  const auto fresh = code_sent_to("+31612345678", "sms", 1);
  EXPECT_EQ(registrar().post("/v1/participants/" + id + "/verify", {{"code", fresh}}).status, 200);
}

TEST_F(ParticipantsTest, AnExpiredCodeIsRefused) {
  const std::string id = registrar().post("/v1/participants", sign_up_body()).json()["id"];
  const auto code = code_sent_to("+31612345678");
  database.scalar("UPDATE verification_codes SET expires_at = now() - interval '1 second' RETURNING 1");
  const auto r = registrar().post("/v1/participants/" + id + "/verify", {{"code", code}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.error_code(), "code_expired");
}

TEST_F(ParticipantsTest, BadInputIsA400NamingTheFieldAndStoresNothing) {
  for (const auto& [body, field] : std::vector<std::pair<json, std::string>>{
           {sign_up_body("0900-1234567"), "phone"},
           {sign_up_body("066-1234567"), "phone"},
           {{{"phone", "0612345678"}, {"addresses", json::array()}}, "addresses"},
           {sign_up_body("0612345678", {48.85, 2.35}), "addresses[0].lat"},
       }) {
    const auto r = registrar().post("/v1/participants", body);
    EXPECT_EQ(r.status, 400) << body.dump();
    EXPECT_EQ(r.json()["error"]["field"], field) << r.body;
  }
  EXPECT_EQ(registrar().request(boost::beast::http::verb::post, "/v1/participants", "{not json").status, 400);
  EXPECT_EQ(count("SELECT count(*) FROM participants"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "0");
}

TEST_F(ParticipantsTest, OnlyARegistrarTokenMaySignPeopleUpOrReadThem) {
  const auto r = client().post("/v1/participants", sign_up_body());
  EXPECT_EQ(r.status, 403);
  const std::string id = registrar().post("/v1/participants", sign_up_body()).json()["id"];
  EXPECT_EQ(client().get("/v1/participants/" + id).status, 403);
  EXPECT_EQ(HttpClient(daemon_->port()).get("/v1/participants/" + id).status, 401);
}

TEST_F(ParticipantsTest, GetShowsTheParticipantAndPatchChangesWhoIsSelected) {
  const auto id = sign_up_and_verify("0612345678", "+31612345678");
  auto got = registrar().get("/v1/participants/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json()["phone"], "+31612345678");
  EXPECT_EQ(got.json()["status"], "active");
  ASSERT_EQ(got.json()["addresses"].size(), 1u);
  EXPECT_NEAR(got.json()["addresses"][0]["lat"].get<double>(), kLat, 1e-6);
  EXPECT_EQ(got.json()["addresses"][0]["channels"], json({"voice", "sms"}));

  // Moving house to 5 km north: no longer in the centre's circle, now in the new one.
  const auto north = offset(centre(), 5000, 0);
  const auto patched = registrar().patch(
      "/v1/participants/" + id,
      {{"addresses", json::array({{{"lat", north.lat},
                                   {"lon", north.lon},
                                   {"channels", {"sms"}},
                                   {"quiet_hours", {{"from", "23:00"}, {"to", "07:00"}}}}})},
       {"language", "en"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["language"], "en");
  EXPECT_EQ(patched.json()["addresses"][0]["quiet_hours"]["from"], "23:00");
  EXPECT_EQ(preview(centre())["recipients"], 0);
  const auto there = preview(north);
  EXPECT_EQ(there["recipients"], 1);
  EXPECT_EQ(there["by_channel"].value("voice", 0), 0);
  EXPECT_EQ(there["by_channel"]["sms"], 1);

  // A change that breaks the channel rules is refused and changes nothing.
  const auto bad = registrar().patch("/v1/participants/" + id, {{"phone", "020-1234567"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(registrar().get("/v1/participants/" + id).json()["phone"], "+31612345678");
  EXPECT_EQ(registrar().get("/v1/participants/" + id + "x").status, 404);
  EXPECT_EQ(registrar().get("/v1/participants/00000000-0000-0000-0000-000000000000").status, 404);
}

TEST_F(ParticipantsTest, ANewNumberMustBeVerifiedAgain) {
  const auto id = sign_up_and_verify("0612345678", "+31612345678");
  const auto r = registrar().patch("/v1/participants/" + id, {{"phone", "+31 6 87654321"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["status"], "pending_verification");
  EXPECT_EQ(preview(centre())["recipients"], 0);
  const auto code = code_sent_to("+31687654321");
  EXPECT_EQ(registrar().post("/v1/participants/" + id + "/verify", {{"code", code}}).status, 200);
  EXPECT_EQ(preview(centre())["recipients"], 1);
}

TEST_F(ParticipantsTest, SigningUpAgainLooksTheSameAndTheVerifiedSignUpReplacesTheOld) {
  const auto first = sign_up_and_verify("0612345678", "+31612345678");
  const auto again = registrar().post("/v1/participants", sign_up_body("+31612345678", offset(centre(), 3000, 0)));
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.json()["status"], "pending_verification");
  const std::string second = again.json()["id"];
  EXPECT_NE(second, first);
  EXPECT_EQ(preview(centre())["recipients"], 1) << "the old registration serves until the new one is verified";
  const auto code = code_sent_to("+31612345678", "sms", 1);
  ASSERT_EQ(registrar().post("/v1/participants/" + second + "/verify", {{"code", code}}).status, 200);
  EXPECT_EQ(registrar().get("/v1/participants/" + first).status, 404);
  EXPECT_EQ(preview(centre())["recipients"], 0);
  EXPECT_EQ(preview(offset(centre(), 3000, 0))["recipients"], 1);
}

TEST_F(ParticipantsTest, ErasureRemovesThePersonAndWhatWaitsForThemAndKeepsACount) {
  const auto id = sign_up_and_verify("0612345678", "+31612345678");
  const auto device = registrar().post("/v1/participants/" + id + "/devices",
                                       {{"platform", "android"}, {"push_token", "fcm-token-1"}});
  ASSERT_EQ(device.status, 201);
  // Something still waiting for them: an alert scheduled for later.
  auto later = action(circle(centre(), 500), "alert");
  later["send_at"] = "2099-01-01T12:00:00Z";
  later["expires_in_s"] = 3600;
  ASSERT_EQ(client().post("/v1/actions", later).status, 201);
  ASSERT_NE(count("SELECT count(*) FROM deliveries WHERE participant_id = '" + id + "'"), "0");

  ASSERT_EQ(registrar().del("/v1/participants/" + id).status, 204);
  EXPECT_EQ(registrar().get("/v1/participants/" + id).status, 404);
  EXPECT_EQ(registrar().del("/v1/participants/" + id).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM participants"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM participant_addresses"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM devices"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE status = 'queued' AND channel <> 'twitter'"), "0");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE participant_id IS NOT NULL"), "0");
  EXPECT_EQ(count("SELECT sum(erased) FROM participant_erasures"), "1");
}

TEST_F(ParticipantsTest, ADumpOfTheDatabaseHoldsNoNumberEmailCodeOrSecretInClear) {
  auto body = sign_up_body("06-12345678");
  body["email"] = "jan.jansen@example.nl";
  const std::string id = registrar().post("/v1/participants", body).json()["id"];
  const auto code = code_sent_to("+31612345678");
  // A second sign-up whose code waits in the queue: the daemon that would send it is stopped.
  daemon_->signal(SIGTERM);
  ASSERT_TRUE(daemon_->wait_exit(10s).has_value());
  auto config = daemon_config(database.url(), outbox_);
  config["queue"] = {{"dispatch", false}};
  daemon_ = std::make_unique<DaemonProcess>(config);
  ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
  const auto pending = registrar().post("/v1/participants", sign_up_body("0687654321"));
  ASSERT_EQ(pending.status, 201) << pending.body;
  const auto device = registrar().post("/v1/participants/" + id + "/devices",
                                       {{"platform", "ios"}, {"push_token", "apns-1"}});
  ASSERT_EQ(device.status, 201);
  ASSERT_EQ(count("SELECT count(*) FROM deliveries WHERE kind = 'verification' AND status = 'queued'"), "1");

  const std::string dump_path = outbox_ + "/dump.sql";
  const std::string command = "/usr/lib/postgresql/15/bin/pg_dump --dbname='" + database.url() + "' -f '" +
                              dump_path + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(dump_path);
  const std::string dump((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(dump.size(), 10000u);
  ASSERT_NE(dump.find("COPY public.participants"), std::string::npos);
  for (const std::string& secret : std::vector<std::string>{"612345678", "687654321", "jan.jansen", "Burgernet-code",
                                   device.json()["device_secret"].get<std::string>()}) {
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret << " is in the dump in clear";
  }
  EXPECT_EQ(dump.find("code is " + code), std::string::npos);
}

TEST_F(ParticipantsTest, ADeviceReportsItsLocationWithItsOwnSecretAndIsThenReachedByPush) {
  const auto id = sign_up_and_verify("0612345678", "+31612345678", offset(centre(), 10000, 0));
  const auto r = registrar().post("/v1/participants/" + id + "/devices",
                                  {{"platform", "ios"}, {"push_token", "apns-token-1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string device = r.json()["device_id"];
  const std::string secret = r.json()["device_secret"];
  EXPECT_EQ(count("SELECT count(*) FROM devices WHERE secret_hash::text LIKE '%" + secret + "%'"), "0");

  HttpClient phone(daemon_->port(), secret);
  const json here = {{"lat", kLat}, {"lon", kLon}, {"accuracy_m", 15}};
  EXPECT_EQ(phone.put("/v1/devices/" + device + "/location", here).status, 204);
  const auto seen = preview(centre());
  EXPECT_EQ(seen["recipients"], 1);
  EXPECT_EQ(seen["by_channel"]["push"], 1);
  EXPECT_EQ(seen["by_channel"].value("sms", 0), 0) << "a match by location alone gets push only";

  HttpClient stranger(daemon_->port(), "bnd_wrong");
  EXPECT_EQ(stranger.put("/v1/devices/" + device + "/location", here).status, 401);
  EXPECT_EQ(HttpClient(daemon_->port(), registrar_).put("/v1/devices/" + device + "/location", here).status, 401);
  EXPECT_EQ(phone.put("/v1/devices/" + device + "/location", {{"lat", 95}, {"lon", 4.9}}).status, 400);
  // Abroad: the location is cleared, not kept.
  EXPECT_EQ(phone.put("/v1/devices/" + device + "/location", {{"lat", 48.85}, {"lon", 2.35}}).status, 204);
  EXPECT_EQ(preview(centre())["recipients"], 0);
  EXPECT_EQ(count("SELECT count(*) FROM devices WHERE location IS NOT NULL"), "0");
}

TEST_F(ParticipantsTest, DevicesAreCheckedAndLimited) {
  const auto id = sign_up_and_verify("0612345678", "+31612345678");
  const auto path = "/v1/participants/" + id + "/devices";
  EXPECT_EQ(registrar().post(path, {{"platform", "symbian"}, {"push_token", "t"}}).status, 400);
  EXPECT_EQ(registrar().post(path, {{"platform", "ios"}, {"push_token", ""}}).status, 400);
  EXPECT_EQ(registrar().post("/v1/participants/00000000-0000-0000-0000-000000000000/devices",
                             {{"platform", "ios"}, {"push_token", "t"}})
                .status,
            404);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(registrar().post(path, {{"platform", "ios"}, {"push_token", "t" + std::to_string(i)}}).status, 201);
  }
  EXPECT_EQ(registrar().post(path, {{"platform", "ios"}, {"push_token", "t11"}}).status, 409);
}


TEST_F(ParticipantsTest, SignUpFloodsAreRefusedWith429AndTheDaemonKeepsServingOthers) {
  // One client address signing up numbers all over the country: the first 200 pass.
  int accepted = 0, limited = 0;
  for (int i = 0; i < 260; ++i) {
    char phone[16];
    std::snprintf(phone, sizeof phone, "06%08d", 10000000 + i * 379721 % 50000000);  // 06-1 to 06-5: mobile
    const auto r = registrar().post("/v1/participants", sign_up_body(phone));
    if (r.status == 201) ++accepted;
    if (r.status == 429) {
      ++limited;
      EXPECT_FALSE(r.header("retry-after").empty());
      EXPECT_EQ(r.error_code(), "rate_limited");
    }
  }
  EXPECT_GE(accepted, 200);
  EXPECT_LT(accepted, 230);
  EXPECT_EQ(accepted + limited, 260);
  EXPECT_EQ(count("SELECT count(*) FROM participants"), std::to_string(accepted)) << "a refused sign-up stores nothing";
  EXPECT_EQ(HttpClient(daemon_->port()).get("/healthz").status, 200);
  EXPECT_EQ(client().get("/v1/actions").status, 200) << "other work goes on";
}

TEST_F(ParticipantsTest, CodesToOneNumberOrOneRangeOfNumbersAreLimited) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(registrar().post("/v1/participants", sign_up_body("0612345678")).status, 201);
  EXPECT_EQ(registrar().post("/v1/participants", sign_up_body("0612345678")).status, 429) << "a fourth code";
  // A sweep through one range (0623456700-0623456799): 20 pass, then one a second.
  int limited = 0;
  for (int i = 0; i < 30; ++i) {
    if (registrar().post("/v1/participants", sign_up_body("06234567" + std::to_string(10 + i))).status == 429) {
      ++limited;
    }
  }
  EXPECT_GE(limited, 8);
}

TEST_F(ParticipantsTest, ReadingChangingAndErasingAreAuditedWithoutPersonalData) {
  const auto id = sign_up_and_verify("0612345678", "+31612345678");
  ASSERT_EQ(registrar().get("/v1/participants/" + id).status, 200);
  ASSERT_EQ(registrar().patch("/v1/participants/" + id, {{"language", "en"}}).status, 200);
  ASSERT_EQ(registrar().del("/v1/participants/" + id).status, 204);
  EXPECT_EQ(count("SELECT string_agg(operation || ':' || actor || ':' || subject, ',' ORDER BY id) FROM audit_log "
                  "WHERE operation LIKE 'participant.%'"),
            "participant.sign_up:website:" + id + ",participant.verify:website:" + id + ",participant.read:website:" +
                id + ",participant.change:website:" + id + ",participant.erase:website:" + id);
  EXPECT_EQ(count("SELECT count(*) FROM audit_log WHERE details::text LIKE '%612345678%' OR subject LIKE '%612345678%'"),
            "0");
}

}  // namespace
}  // namespace burgernet::testing
