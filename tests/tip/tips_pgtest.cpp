// Tips through the real daemon and database: the app back end posts one with a photo whose
// location is stripped, a participant answers an action's SMS through Twilio's signed inbound
// webhook, operators read them, other areas do not, nothing is in clear in the table, and the
// retention job removes old tips.
#include <gtest/gtest.h>

#include <fstream>

#include "action/population.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/net/encoding.hpp"
#include "burgernet/privacy/retention.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "tip/photo_bytes.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;
using Verb = boost::beast::http::verb;

const std::string kTwilioToken = "twilio-auth-token-tips";
const std::string kInboundUrl = "https://burgernet.example/v1/callbacks/twilio/sms";
const std::string kSenderPhone = "+31687654321";
const std::string kTipText = "Ik zag een man in een donkere jas bij de bakker";

class TipsTest : public ActionDaemonTest {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<DaemonProcess>(config(4096));
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
    operator_token_ = token("operator", "op");
    registrar_ = token("registrar", "app");
  }

  json config(std::size_t max_photo_bytes) {
    std::ofstream(secrets_ + "/twilio") << kTwilioToken << "\n";
    auto config = daemon_config(database.url(), outbox_);
    // The SMS channel is Twilio's (its inbound_url signs the webhook); nothing is sent.
    config["channels"]["sms"] = {{"driver", "twilio_sms"},   {"base_url", "https://127.0.0.1:9"},
                                 {"account_sid", "AC42"},    {"auth_token_file", secrets_ + "/twilio"},
                                 {"from", "+3197010000000"}, {"inbound_url", kInboundUrl}};
    config["queue"] = {{"dispatch", false}, {"poll_ms", 100}};
    config["tips"] = {{"max_photo_bytes", max_photo_bytes}};
    config["limits"] = {{"api_per_token_per_s", 10000}, {"api_per_token_burst", 10000}};
    return config;
  }

  // An active participant with a known number living at the centre, reached by SMS.
  std::string sms_participant(const std::string& phone, const std::string& language = "nl") {
    const auto& keys = test_keys();
    const auto id = database.scalar(
        "INSERT INTO participants (status, phone_sealed, phone_lookup, verified_at, language) VALUES "
        "('active', '" +
        keys.seal(phone, "phone") + "', '" + keys.lookup(phone) + "', now(), '" + language +
        "') RETURNING id");
    database.scalar(
        "INSERT INTO participant_addresses (participant_id, position, location, channels) VALUES ('" + id +
        "', 0, " + sql_point(centre()) + ", '{sms}') RETURNING participant_id");
    return id;
  }

  HttpResult inbound_sms(const std::vector<std::pair<std::string, std::string>>& params,
                         std::optional<std::string> signature = std::nullopt) {
    const auto sig = signature ? *signature : channel::twilio_signature(kTwilioToken, kInboundUrl, params);
    return HttpClient(daemon_->port())
        .request(Verb::post, "/v1/callbacks/twilio/sms", net::form_encode(params),
                 {{"X-Twilio-Signature", sig}, {"Content-Type", "application/x-www-form-urlencoded"}});
  }

  static json photo(const std::string& type, const std::string& bytes) {
    return {{"content_type", type}, {"data", net::to_base64(bytes)}};
  }

  std::string tips_count() { return database.scalar("SELECT count(*) FROM tips"); }

  std::string secrets_ = make_temp_dir("tips-secrets-");
  std::string registrar_;
};

TEST_F(TipsTest, AppTipWithPhotoIsStoredSealedAndServedWithoutItsLocation) {
  const auto action = raise_action(client(), ActionDaemonTest::action(circle(centre(), 1000)));
  ASSERT_FALSE(action.empty());
  const auto participant = sms_participant("+31611112222");
  auto app = client(registrar_);
  const auto posted =
      app.post("/v1/actions/" + action + "/tips", {{"participant_id", participant},
                                                   {"text", kTipText},
                                                   {"photo", photo("image/jpeg", jpeg_with_location())}});
  ASSERT_EQ(posted.status, 201) << posted.body;
  const auto tip = posted.json();
  EXPECT_EQ(tip["action_id"], action);
  ASSERT_TRUE(tip["id"].is_string());
  EXPECT_TRUE(tip["created_at"].is_string());
  const auto tip_id = tip["id"].get<std::string>();

  // The event streams hear of it (migration 0020's action_events), by id only.
  EXPECT_EQ(
      database.scalar("SELECT count(*) FROM action_events WHERE event = 'tip' AND ref = '" + tip_id + "'"),
      "1");

  // Nothing in clear in the table: neither the text nor the place in the photo.
  const auto row = database.scalar(
      "SELECT encode(text_sealed, 'escape') || encode(photo_sealed, 'escape') FROM tips WHERE id = '" +
      tip_id + "'");
  EXPECT_EQ(row.find("donkere jas"), std::string::npos);
  EXPECT_EQ(row.find("GPS"), std::string::npos);
  EXPECT_EQ(database.scalar("SELECT source || ':' || participant_id || ':' || photo_type || ':' || "
                            "(phone_sealed IS NULL) FROM tips"),
            "app:" + participant + ":image/jpeg:true");

  const auto list = client().get("/v1/actions/" + action + "/tips");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.header("cache-control"), "no-store");
  const auto tips = list.json()["tips"];
  ASSERT_EQ(tips.size(), 1u);
  EXPECT_EQ(tips[0]["id"], tip_id);
  EXPECT_EQ(tips[0]["text"], kTipText);
  EXPECT_EQ(tips[0]["source"], "app");
  EXPECT_EQ(tips[0]["has_photo"], true);
  EXPECT_EQ(tips[0]["participant_id"], participant);

  const auto image = client().get("/v1/actions/" + action + "/tips/" + tip_id + "/photo");
  ASSERT_EQ(image.status, 200) << image.body;
  EXPECT_EQ(image.header("content-type"), "image/jpeg");
  EXPECT_EQ(image.header("cache-control"), "no-store");
  EXPECT_TRUE(image.body.starts_with(std::string("\xFF\xD8", 2)));
  EXPECT_TRUE(image.body.ends_with(std::string("\xFF\xD9", 2)));
  EXPECT_EQ(image.body.find("Exif"), std::string::npos);
  EXPECT_EQ(image.body.find("GPS"), std::string::npos);
  EXPECT_EQ(image.body.find(std::string("\xFF\xE1", 2)), std::string::npos) << "no APP1 segment";

  // Never without a token, and reading is on record.
  EXPECT_EQ(HttpClient(daemon_->port()).get("/v1/actions/" + action + "/tips/" + tip_id + "/photo").status,
            401);
  EXPECT_EQ(database.scalar(
                "SELECT string_agg(operation, ',' ORDER BY id) FROM audit_log WHERE operation LIKE 'tip.%'"),
            "tip.add,tip.read,tip.photo");
  // The log holds neither the text nor the number.
  EXPECT_EQ(daemon_->log().find("donkere jas"), std::string::npos);
}

TEST_F(TipsTest, BadTipsAreRefusedNamingTheFieldAndNothingIsStored) {
  const auto action = raise_action(client(), ActionDaemonTest::action(circle(centre(), 1000)));
  auto app = client(registrar_);
  const auto path = "/v1/actions/" + action + "/tips";
  struct Case {
    json body;
    int status;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"text", ""}}, 400, "text"},
      {{{"text", std::string(2001, 'x')}}, 400, "text"},
      {{{"text", "x"}, {"photo", photo("image/png", jpeg_with_location())}}, 400, "photo.content_type"},
      {{{"text", "x"}, {"photo", photo("image/jpeg", "GIF89a not an image")}}, 400, "photo.data"},
      {{{"text", "x"}, {"photo", {{"content_type", "image/jpeg"}, {"data", "%%%not base64%%%"}}}},
       400,
       "photo.data"},
      {{{"text", "x"}, {"photo", photo("image/jpeg", jpeg_with_location() + std::string(5000, '\0'))}},
       413,
       "photo.data"},
      {{{"text", "x"}, {"participant_id", "00000000-0000-0000-0000-000000000001"}}, 400, "participant_id"},
  };
  for (const auto& c : cases) {
    const auto r = app.post(path, c.body);
    EXPECT_EQ(r.status, c.status) << c.body.dump().substr(0, 100) << ": " << r.body;
    EXPECT_NE(r.body.find(c.field), std::string::npos) << c.field << ": " << r.body;
  }
  // A body beyond the route's limit never reaches the handler.
  const auto huge = app.post(path, {{"text", "x"}, {"photo", photo("image/jpeg", std::string(200000, 'a'))}});
  EXPECT_EQ(huge.status, 413) << huge.body;
  EXPECT_EQ(app.post("/v1/actions/00000000-0000-0000-0000-000000000001/tips", {{"text", "x"}}).status, 404);
  EXPECT_EQ(tips_count(), "0");

  // A closed action takes no more tips.
  ASSERT_EQ(client()
                .post("/v1/actions/" + action + "/close", {{"outcome", "resolved"}, {"message", "Dank."}})
                .status,
            200);
  const auto closed = app.post(path, {{"text", "te laat"}});
  EXPECT_EQ(closed.status, 409) << closed.body;
  EXPECT_EQ(tips_count(), "0");
}

TEST_F(TipsTest, InboundSmsFromAParticipantWhoGotTheActionIsLinkedAndReadable) {
  const auto participant = sms_participant(kSenderPhone, "en");
  const auto action = raise_action(client(), ActionDaemonTest::action(circle(centre(), 1000)));
  ASSERT_EQ(rows(action, "channel = 'sms'"), 1);
  // The SMS went out (nothing sends in this test: marked as the sender would).
  database.scalar("UPDATE deliveries SET status = 'sent', sent_at = now() WHERE action_id = '" + action +
                  "' AND channel = 'sms' RETURNING 1");

  const std::vector<std::pair<std::string, std::string>> sms = {
      {"MessageSid", "SM123"}, {"From", kSenderPhone}, {"To", "+3197010000000"}, {"Body", kTipText}};
  // A bad signature: 403 and nothing stored.
  EXPECT_EQ(inbound_sms(sms, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=").status, 403);
  EXPECT_EQ(inbound_sms(sms, channel::twilio_signature("another-token", kInboundUrl, sms)).status, 403);
  EXPECT_EQ(tips_count(), "0");

  const auto answer = inbound_sms(sms);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.header("content-type").find("xml"), std::string::npos);
  EXPECT_NE(answer.body.find("<Message>Thank you"), std::string::npos)
      << "in the participant's language: " << answer.body;
  EXPECT_EQ(database.scalar("SELECT action_id || ':' || participant_id || ':' || source || ':' || "
                            "(phone_sealed IS NOT NULL) FROM tips"),
            action + ":" + participant + ":sms:true");
  const auto list = client().get("/v1/actions/" + action + "/tips");
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.json()["tips"].size(), 1u);
  EXPECT_EQ(list.json()["tips"][0]["text"], kTipText);
  EXPECT_EQ(list.json()["tips"][0]["source"], "sms");
  EXPECT_EQ(list.body.find("687654321"), std::string::npos) << "never the number";
  const auto log = daemon_->log();
  EXPECT_EQ(log.find("687654321"), std::string::npos) << "never the number in the log";
  EXPECT_EQ(log.find("donkere jas"), std::string::npos) << "never the text in the log";
}

TEST_F(TipsTest, InboundSmsFromAnUnknownSenderOrWithoutAnActionStoresNothing) {
  const auto action = raise_action(client(), ActionDaemonTest::action(circle(centre(), 1000)));
  // Unknown number.
  const std::vector<std::pair<std::string, std::string>> stranger = {{"From", "+31612349876"},
                                                                     {"Body", "hallo"}};
  auto r = inbound_sms(stranger);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<Response/>"), std::string::npos) << r.body;
  // A participant who got no SMS of the action (signed up after it).
  sms_participant("+31622223333");
  r = inbound_sms({{"From", "+31622223333"}, {"Body", "ik zag iets"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<Response/>"), std::string::npos) << r.body;
  EXPECT_EQ(tips_count(), "0");
  const auto metrics = HttpClient(daemon_->port()).get("/metrics").body;
  EXPECT_NE(metrics.find("burgernet_inbound_sms_total{outcome=\"not_linked\"} 2"), std::string::npos)
      << metrics;
  (void)action;
}

TEST_F(TipsTest, OtherAreasSeeNeitherTipsNorPhotos) {
  for (const auto& [code, at] :
       {std::pair{"GM0363", centre()}, std::pair{"GM0599", offset(centre(), 20000, 0)}}) {
    add_square_area(database, code, at);
  }
  const auto own = token("municipal", "gemeente-amsterdam", "GM0363");
  const auto other = token("municipal", "gemeente-elders", "GM0599");
  const auto action = raise_action(client(own), ActionDaemonTest::action(circle(centre(), 1000), "alert"));
  ASSERT_FALSE(action.empty());
  const auto posted = client(registrar_)
                          .post("/v1/actions/" + action + "/tips",
                                {{"text", kTipText}, {"photo", photo("image/png", png_with_location())}});
  ASSERT_EQ(posted.status, 201) << posted.body;
  const auto tip_id = posted.json()["id"].get<std::string>();

  EXPECT_EQ(client(own).get("/v1/actions/" + action + "/tips").status, 200);
  const auto png = client(own).get("/v1/actions/" + action + "/tips/" + tip_id + "/photo");
  EXPECT_EQ(png.status, 200);
  EXPECT_EQ(png.body.find("GPS"), std::string::npos);
  EXPECT_EQ(client(other).get("/v1/actions/" + action + "/tips").status, 404);
  EXPECT_EQ(client(other).get("/v1/actions/" + action + "/tips/" + tip_id + "/photo").status, 404);
  EXPECT_EQ(client(registrar_).get("/v1/actions/" + action + "/tips").status, 403);
}

TEST_F(TipsTest, PagingNewestFirstAndRetentionRemovesOldTips) {
  const auto action = raise_action(client(), ActionDaemonTest::action(circle(centre(), 1000)));
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(client(registrar_)
                  .post("/v1/actions/" + action + "/tips", {{"text", "tip " + std::to_string(i)}})
                  .status,
              201);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    const auto r =
        client().get("/v1/actions/" + action + "/tips?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    for (const auto& t : body["tips"]) seen.push_back(t["text"]);
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"];
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"tip 4", "tip 3", "tip 2", "tip 1", "tip 0"}));
  EXPECT_EQ(client().get("/v1/actions/" + action + "/tips?cursor=zz").status, 400);

  database.scalar(
      "UPDATE tips SET created_at = now() - interval '31 days' WHERE id IN "
      "(SELECT id FROM tips ORDER BY created_at LIMIT 3) RETURNING 1");
  config::Config settings;  // retention.tips_days: 30 by default
  EXPECT_EQ(privacy::purge_expired(database.connection(), settings).tips, 3);
  EXPECT_EQ(tips_count(), "2");
}

TEST_F(TipsTest, ErasingAParticipantErasesTheirTips) {
  const auto action = raise_action(client(), ActionDaemonTest::action(circle(centre(), 1000)));
  const auto participant = sms_participant("+31633334444");
  ASSERT_EQ(
      client(registrar_)
          .post("/v1/actions/" + action + "/tips", {{"participant_id", participant}, {"text", kTipText}})
          .status,
      201);
  ASSERT_EQ(client(registrar_).post("/v1/actions/" + action + "/tips", {{"text", "anoniem"}}).status, 201);
  EXPECT_EQ(client(registrar_).del("/v1/participants/" + participant).status, 204);
  EXPECT_EQ(tips_count(), "1") << "the anonymous tip stays";
}

// The tips route takes a photo of tips.max_photo_bytes in base64, beyond http.body_limit_bytes
// (1 MiB by default), which every other route keeps.
TEST_F(TipsTest, TheTipsRouteTakesALargerBodyThanTheOthers) {
  daemon_ = std::make_unique<DaemonProcess>(config(2 << 20));
  ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
  const auto action = raise_action(client(), ActionDaemonTest::action(circle(centre(), 1000)));
  // 1.5 MiB of JPEG, most of it in APP13 segments that the stripper removes: ~2 MiB of base64.
  auto jpeg = jpeg_with_location();
  std::string padding;
  for (int i = 0; i < 24; ++i) padding += jpeg_segment(0xED, std::string(65000, 'p'));
  jpeg.insert(2, padding);
  ASSERT_GT(jpeg.size(), 1500000u);
  const json body = {{"text", "grote foto"}, {"photo", photo("image/jpeg", jpeg)}};
  ASSERT_GT(body.dump().size(), 1u << 20);
  const auto posted = client(registrar_).post("/v1/actions/" + action + "/tips", body);
  ASSERT_EQ(posted.status, 201) << posted.body.substr(0, 300);
  EXPECT_LT(std::stoi(database.scalar("SELECT length(photo_sealed) FROM tips")), 2000)
      << "the padding is gone";

  // A body that size elsewhere meets the default limit; one beyond the route's own limit is
  // refused too. Both as soon as the header is read (sent alone: a client still writing a body
  // the server refused would only see a broken pipe).
  const auto header_only = [&](const std::string& path, std::size_t length, const std::string& token) {
    return HttpClient(daemon_->port())
        .raw_exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) +
                      "\r\n\r\n{");
  };
  EXPECT_TRUE(header_only("/v1/actions", body.dump().size(), operator_token_).starts_with("HTTP/1.1 413"));
  EXPECT_TRUE(
      header_only("/v1/actions/" + action + "/tips", 4u << 20, registrar_).starts_with("HTTP/1.1 413"));
  EXPECT_EQ(tips_count(), "1");
}

}  // namespace
}  // namespace burgernet::testing
