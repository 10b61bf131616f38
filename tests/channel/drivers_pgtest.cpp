// End to end through the daemon: an action raised over the API goes out by twilio_sms,
// twilio_voice and webhook to the fake provider over TLS, and Twilio's signed status callbacks
// move the deliveries to delivered or failed.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "action/population.hpp"
#include "burgernet/net/encoding.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "channel/x/oauth1_signer.hpp"
#include "support/fake_provider.hpp"
#include "support/fake_smtp_server.hpp"

using namespace burgernet;
using namespace burgernet::testing;
using namespace std::chrono_literals;

namespace {

const std::string kToken = "twilio-auth-token-e2e";
const std::string kHookSecret = "webhook-secret-e2e";
const std::string kCallbackUrl = "https://burgernet.example/v1/callbacks/twilio";

class DriversEndToEnd : public DatabaseTest {
 protected:
  void SetUp() override {
    std::ofstream(secrets_ + "/twilio") << kToken << "\n";
    std::ofstream(secrets_ + "/hook") << kHookSecret << "\n";
    provider_.answer_with([this](const RecordedRequest& r) {
      const int n = ++sids_;
      if (r.target.ends_with("/Messages.json")) return FakeAnswer{201, R"({"sid":"SM)" + std::to_string(n) + "\"}"};
      if (r.target.ends_with("/Calls.json")) return FakeAnswer{201, R"({"sid":"CA)" + std::to_string(n) + "\"}"};
      return FakeAnswer::ok();
    });
  }
  void TearDown() override {
    if (HasFailure() && daemon_) std::cerr << "--- daemon log ---\n" << daemon_->log() << "---\n";
  }

  nlohmann::json config(nlohmann::json channels) {
    auto c = daemon_config(database.url(), outbox_);
    c["channels"] = std::move(channels);
    c["queue"] = {{"poll_ms", 200}};
    return c;
  }
  nlohmann::json twilio(const std::string& driver) {
    return {{"driver", driver},      {"base_url", provider_.url()},
            {"account_sid", "AC42"}, {"auth_token_file", secrets_ + "/twilio"},
            {"from", "+3197010000000"}, {"status_callback_url", kCallbackUrl},
            {"ca_file", provider_.ca_file()}, {"concurrency", 4}};
  }
  nlohmann::json webhook() {
    return {{"driver", "webhook"}, {"url", provider_.url("/hook")}, {"secret_file", secrets_ + "/hook"},
            {"ca_file", provider_.ca_file()}, {"concurrency", 4}};
  }
  void start(nlohmann::json config) {
    daemon_ = std::make_unique<DaemonProcess>(std::move(config));
    ASSERT_TRUE(daemon_->wait_ready()) << daemon_->log();
  }
  std::string token() {
    std::string out, err;
    EXPECT_EQ(run_ctl(daemon_->config_path(), {"token", "create", "--role", "operator", "--name", "op"}, &out, &err),
              0)
        << err;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  HttpResult callback(const std::vector<std::pair<std::string, std::string>>& params,
                      std::optional<std::string> signature) {
    HttpClient client(daemon_->port());
    std::map<std::string, std::string> headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    if (signature) headers["X-Twilio-Signature"] = *signature;
    return client.request(boost::beast::http::verb::post, "/v1/callbacks/twilio", net::form_encode(params), headers);
  }
  static std::string sign(const std::vector<std::pair<std::string, std::string>>& params) {
    return channel::twilio_signature(kToken, kCallbackUrl, params);
  }

  std::string outbox_ = make_temp_dir("drivers-outbox-");
  std::string secrets_ = make_temp_dir("drivers-secrets-");
  std::atomic<int> sids_{0};
  FakeProvider provider_;
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(DriversEndToEnd, AnActionGoesOutByTwilioAndWebhookAndReceiptsMarkItDelivered) {
  for (int i = 0; i < 3; ++i) add_participant(database, {{offset(centre(), 100.0 * i, 0)}});
  std::vector<std::string> numbers;
  std::stringstream sealed(database.scalar("SELECT string_agg(phone_sealed::text, ',') FROM participants"));
  for (std::string one; std::getline(sealed, one, ',');) numbers.push_back(test_keys().open(one, "phone"));
  std::sort(numbers.begin(), numbers.end());
  std::string phones;
  for (const auto& n : numbers) phones += (phones.empty() ? "" : ",") + n;
  start(config({{"sms", twilio("twilio_sms")},
                {"voice", twilio("twilio_voice")},
                {"webhook", webhook()}}));
  HttpClient api(daemon_->port(), token());
  const auto raised = api.post("/v1/actions", {{"kind", "urgent"},
                                               {"category", "burglary"},
                                               {"title", "Inbraak"},
                                               {"message", "Man in donkere jas gevlucht richting station."},
                                               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 1000}}}}}});
  ASSERT_EQ(raised.status, 201) << raised.body;
  const std::string id = raised.json().at("id");

  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", "7", 20s))
      << database.scalar("SELECT string_agg(channel || ':' || status || ':' || coalesce(last_error, ''), ', ') "
                         "FROM deliveries");
  const auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), 7u);
  int sms = 0, calls = 0, hooks = 0;
  std::set<std::string> texted, called;
  for (const auto& r : requests) {
    if (r.target == "/2010-04-01/Accounts/AC42/Messages.json") {
      ++sms;
      std::map<std::string, std::string> f;
      for (auto& [k, v] : net::form_decode(r.body)) f[k] = v;
      texted.insert(f.at("To"));
      EXPECT_NE(f.at("Body").find("Man in donkere jas"), std::string::npos) << f.at("Body");
      EXPECT_TRUE(f.at("StatusCallback").starts_with(kCallbackUrl + "?delivery=")) << f.at("StatusCallback");
      EXPECT_EQ(r.headers.at("authorization"), "Basic " + net::to_base64("AC42:" + kToken));
    } else if (r.target == "/2010-04-01/Accounts/AC42/Calls.json") {
      ++calls;
      std::map<std::string, std::string> f;
      for (auto& [k, v] : net::form_decode(r.body)) f[k] = v;
      called.insert(f.at("To"));
      EXPECT_TRUE(f.at("Twiml").starts_with("<Response><Say language=\"nl-NL\">")) << f.at("Twiml");
    } else if (r.target == "/hook") {
      ++hooks;
      EXPECT_EQ(r.headers.at("x-burgernet-signature"), "sha256=" + net::to_hex(net::hmac_sha256(kHookSecret, r.body)));
      const auto body = nlohmann::json::parse(r.body);
      EXPECT_EQ(body.at("action_id"), id);
      EXPECT_TRUE(body.at("to").is_null());
    }
  }
  EXPECT_EQ(sms, 3);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(hooks, 1);
  std::string joined;
  for (const auto& p : texted) joined += (joined.empty() ? "" : ",") + p;
  EXPECT_EQ(joined, phones);
  EXPECT_EQ(called, texted);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE channel IN ('sms', 'voice') AND provider_ref ~ "
                            "'^(SM|CA)[0-9]+$'"),
            "6");

  // Receipts: unsigned and wrongly signed ones change nothing.
  const std::string sms_ref = database.scalar("SELECT min(provider_ref) FROM deliveries WHERE channel = 'sms'");
  const std::vector<std::pair<std::string, std::string>> delivered = {
      {"AccountSid", "AC42"}, {"MessageSid", sms_ref}, {"MessageStatus", "delivered"}, {"SmsSid", sms_ref}};
  EXPECT_EQ(callback(delivered, std::nullopt).status, 403);
  EXPECT_EQ(callback(delivered, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=").status, 403);
  EXPECT_EQ(callback(delivered, channel::twilio_signature("another-token", kCallbackUrl, delivered)).status, 403);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE status = 'delivered'"), "0");

  EXPECT_EQ(callback(delivered, sign(delivered)).status, 204);
  EXPECT_EQ(database.scalar("SELECT status || ':' || (delivered_at IS NOT NULL) FROM deliveries WHERE provider_ref = '" +
                            sms_ref + "'"),
            "delivered:true");
  // Twilio repeats callbacks; a repeat changes nothing more.
  EXPECT_EQ(callback(delivered, sign(delivered)).status, 204);

  const std::string call_ref = database.scalar("SELECT min(provider_ref) FROM deliveries WHERE channel = 'voice'");
  const std::vector<std::pair<std::string, std::string>> no_answer = {
      {"AccountSid", "AC42"}, {"CallSid", call_ref}, {"CallStatus", "no-answer"}};
  EXPECT_EQ(callback(no_answer, sign(no_answer)).status, 204);
  EXPECT_EQ(database.scalar("SELECT status || ':' || last_error FROM deliveries WHERE provider_ref = '" + call_ref + "'"),
            "failed:twilio: no-answer");
  // An intermediate status is acknowledged and ignored.
  const std::vector<std::pair<std::string, std::string>> ringing = {{"CallSid", "CA999"}, {"CallStatus", "ringing"}};
  EXPECT_EQ(callback(ringing, sign(ringing)).status, 204);

  // Nothing in the daemon's log names a phone number or a secret.
  const auto log = daemon_->log();
  for (const auto& phone : texted) EXPECT_EQ(log.find(phone.substr(1)), std::string::npos) << log;
  EXPECT_EQ(log.find(kToken), std::string::npos);
  EXPECT_EQ(log.find(kHookSecret), std::string::npos);
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(15s), 0);
}

TEST_F(DriversEndToEnd, AnOutageOpensTheCircuitWithoutUsingUpAttempts) {
  provider_.answer(FakeAnswer::status_only(503));
  auto sms = twilio("twilio_sms");
  sms["circuit_failures"] = 2;
  sms["circuit_open_ms"] = 60000;
  sms["max_attempts"] = 3;
  sms["concurrency"] = 1;
  database.scalar("INSERT INTO participants (id, phone_sealed, phone_lookup, status) VALUES "
                  "('00000000-0000-0000-0000-000000000001', '" + test_keys().seal("+31612345678", "phone") +
                  "', '" + test_keys().lookup("+31612345678") + "', 'active')");
  database.scalar("INSERT INTO deliveries (participant_id, channel, kind, body) SELECT "
                  "'00000000-0000-0000-0000-000000000001', 'sms', 'verification', '" +
                  test_keys().seal("Code 1234", "verification") + "' FROM generate_series(1, 20)");
  auto c = config({{"sms", sms}});
  c["queue"]["retry_base_ms"] = 10;
  c["queue"]["retry_max_ms"] = 20;
  start(c);
  // Two requests open the circuit; everything, those two included once their backoff ends, then
  // waits queued, with the attempt of the circuit-open pass given back.
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE last_error = 'twilio_sms: circuit open' AND status = "
                       "'queued'",
                       "20", 20s))
      << database.scalar("SELECT string_agg(status || ':' || attempt || ':' || coalesce(last_error, ''), ', ') FROM "
                         "deliveries");
  EXPECT_EQ(provider_.request_count(), 2u);
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE attempt = 0"), "18");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE attempt = 1"), "2");
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE run_after > now() + interval '30 seconds'"), "20");
}

// SIGHUP hands a lowered rate to the running daemon: the next batch is paced by it.
TEST_F(DriversEndToEnd, ALowerRateSetBySighupPacesTheNextBatch) {
  database.scalar("INSERT INTO participants (id, phone_sealed, phone_lookup, status) VALUES "
                  "('00000000-0000-0000-0000-000000000001', '" + test_keys().seal("+31612345678", "phone") +
                  "', '" + test_keys().lookup("+31612345678") + "', 'active')");
  const auto add_codes = [this](int count) {
    database.scalar("INSERT INTO deliveries (participant_id, channel, kind, body) SELECT "
                    "'00000000-0000-0000-0000-000000000001', 'sms', 'verification', '" +
                    test_keys().seal("Code 1234", "verification") + "' FROM generate_series(1, " +
                    std::to_string(count) + ")");
  };
  auto sms = twilio("twilio_sms");
  sms["rate_per_s"] = 1000;
  auto c = config({{"sms", sms}});
  start(c);
  add_codes(10);
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", "10", 20s));

  c["channels"]["sms"]["rate_per_s"] = 4;
  c["http"]["listen"] = "127.0.0.1:" + std::to_string(daemon_->port());
  std::ofstream(daemon_->config_path()) << c.dump(2);
  daemon_->signal(SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (daemon_->log().find("channel sms uses its new settings") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_NE(daemon_->log().find("channel sms uses its new settings"), std::string::npos);
  const auto before = provider_.request_count();
  add_codes(9);
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent'", "19", 20s));
  const auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), before + 9);
  // Nine requests at 4 per second, burst 1: at least two seconds from the first to the last.
  const auto span = requests.back().at - requests[before].at;
  RecordProperty("span_ms", static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(span).count()));
  EXPECT_GE(span, 1800ms);
}

// Messages per second one daemon sustains into a fast fake provider, per driver (the figures
// in docs/channels.md). Asserts only what a user notices: everything sent, once, over few
// kept-alive connections; the rate is printed, not asserted (speed is for benchmarks).
TEST_F(DriversEndToEnd, ThroughputIntoTheFakeProvider) {
  constexpr int kMessages = 1000;
  database.scalar("INSERT INTO participants (id, phone_sealed, phone_lookup, status) VALUES "
                  "('00000000-0000-0000-0000-000000000001', '" + test_keys().seal("+31612345678", "phone") +
                  "', '" + test_keys().lookup("+31612345678") + "', 'active')");
  const std::vector<std::pair<std::string, nlohmann::json>> drivers = {
      {"sms", twilio("twilio_sms")},
      {"voice", twilio("twilio_voice")},
      {"webhook", webhook()}};
  for (const auto& [channel, settings] : drivers) {
    SCOPED_TRACE(channel);
    const auto requests_before = provider_.request_count();
    const auto connections_before = provider_.connections_accepted();
    start(config({{channel, settings}}));
    const auto started = std::chrono::steady_clock::now();
    database.scalar("INSERT INTO deliveries (participant_id, channel, kind, body) SELECT "
                    "'00000000-0000-0000-0000-000000000001', '" + channel + "', 'verification', '" +
                    test_keys().seal("Code 1234", "verification") + "' FROM generate_series(1, " +
                    std::to_string(kMessages) + ")");
    ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE status = 'sent' AND channel = '" + channel + "'",
                         std::to_string(kMessages), 60s));
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto connections = provider_.connections_accepted() - connections_before;
    std::cout << "[ throughput ] " << settings["driver"].get<std::string>() << ": " << kMessages
              << " messages through one daemon (concurrency 4) into the fake in " << took << " s: "
              << kMessages / took << " messages/s, " << connections << " TLS connections\n";
    EXPECT_EQ(provider_.request_count() - requests_before, static_cast<std::size_t>(kMessages));
    EXPECT_LE(connections, 8u);  // kept alive, not one per message
    daemon_.reset();
  }
}

TEST_F(DriversEndToEnd, TheTwitterChannelPostsToXOncePerActionUpdateAndClosing) {
  const std::string consumer_secret = "x-consumer-secret-e2e", token_secret = "x-token-secret-e2e";
  std::ofstream(secrets_ + "/x_consumer") << consumer_secret << "\n";
  std::ofstream(secrets_ + "/x_token") << token_secret << "\n";
  provider_.answer_with([this](const RecordedRequest&) {
    return FakeAnswer{201, R"({"data":{"id":"14458805484723281)" + std::to_string(++sids_) + "\"}}"};
  });
  add_participant(database, {{centre()}});
  start(config({{"twitter",
                 {{"driver", "x"}, {"base_url", provider_.url()}, {"consumer_key", "ck-e2e"},
                  {"consumer_secret_file", secrets_ + "/x_consumer"}, {"access_token", "at-e2e"},
                  {"access_token_secret_file", secrets_ + "/x_token"}, {"ca_file", provider_.ca_file()}}}}));
  HttpClient api(daemon_->port(), token());
  const auto raised = api.post("/v1/actions", {{"kind", "urgent"},
                                               {"category", "missing_person"},
                                               {"title", "Vermiste jongen"},
                                               {"message", "Jongen van 8 met rode jas, tips via 0800-0011."},
                                               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 1000}}}}}});
  ASSERT_EQ(raised.status, 201) << raised.body;
  const std::string id = raised.json().at("id");
  const std::string sent_posts = "SELECT count(*) FROM deliveries WHERE channel = 'twitter' AND status = 'sent'";
  ASSERT_TRUE(database.wait_for(sent_posts, "1", 20s))
      << database.scalar("SELECT string_agg(channel || ':' || status || ':' || coalesce(last_error, ''), ', ') "
                         "FROM deliveries");

  const auto update = api.post("/v1/actions/" + id + "/updates", {{"message", "Gezien bij het station."}});
  ASSERT_LT(update.status, 300) << update.body;
  ASSERT_TRUE(database.wait_for(sent_posts, "2", 20s));
  const auto closed = api.post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Hij is terecht."}});
  ASSERT_LT(closed.status, 300) << closed.body;
  ASSERT_TRUE(database.wait_for(sent_posts, "3", 20s));
  std::this_thread::sleep_for(500ms);  // nothing more follows

  const auto requests = provider_.requests();
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::string> texts;
  for (const auto& r : requests) {
    EXPECT_EQ(r.target, "/2/tweets");
    EXPECT_TRUE(r.headers.at("authorization").starts_with("OAuth oauth_consumer_key=\"ck-e2e\""))
        << r.headers.at("authorization");
    const std::string text = nlohmann::json::parse(r.body).at("text");
    EXPECT_LE(text.size(), 4u * 280u);
    texts.push_back(text);
  }
  EXPECT_NE(texts[0].find("Vermiste jongen"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("rode jas"), std::string::npos) << texts[0];
  EXPECT_NE(texts[1].find("Burgernet-update: vermiste persoon\nVermiste jongen: "), std::string::npos) << texts[1];
  EXPECT_NE(texts[1].find("Gezien bij het station."), std::string::npos) << texts[1];
  EXPECT_NE(texts[2].find("Burgernet afgesloten: vermiste persoon\nVermiste jongen: "), std::string::npos) << texts[2];
  EXPECT_EQ(database.scalar("SELECT string_agg(kind || '=' || provider_ref, ',' ORDER BY provider_ref) FROM "
                            "deliveries WHERE channel = 'twitter'"),
            "action=144588054847232811,update=144588054847232812,closing=144588054847232813");
  const auto log = daemon_->log();
  EXPECT_EQ(log.find(consumer_secret), std::string::npos);
  EXPECT_EQ(log.find(token_secret), std::string::npos);
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(15s), 0);
}

TEST_F(DriversEndToEnd, AParticipantWithTheEmailChannelGetsTheActionByMail) {
  const std::string address = "marieke.de.vries@example.nl", password = "smtp-pa55word-XYZ";
  std::ofstream(secrets_ + "/smtp") << password << "\n";
  FakeSmtpServer smtp;
  const std::string with_mail = add_participant(database, {{centre(), "{email}"}});
  database.scalar("UPDATE participants SET email_sealed = '" + test_keys().seal(address, "email") + "' WHERE id = '" +
                  with_mail + "' RETURNING 1");
  add_participant(database, {{offset(centre(), 200, 0), "{email}"}});  // chose e-mail, gave no address
  // Stored sealed: the address is nowhere in the table in clear.
  EXPECT_EQ(database.scalar("SELECT count(*) FROM participants WHERE position('marieke' in email_sealed::text) > 0 "
                            "OR position(convert_to('marieke', 'UTF8') in email_sealed) > 0"),
            "0");
  start(config({{"email",
                 {{"driver", "smtp"}, {"url", smtp.url()}, {"from", "Burgernet <noreply@burgernet.example>"},
                  {"username", "burgernet"}, {"password_file", secrets_ + "/smtp"}, {"ca_file", smtp.ca_file()}}}}));
  HttpClient api(daemon_->port(), token());
  const auto raised = api.post("/v1/actions", {{"kind", "urgent"},
                                               {"category", "burglary"},
                                               {"title", "Inbraak"},
                                               {"message", "Man in donkere jas gevlucht richting station."},
                                               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 1000}}}}}});
  ASSERT_EQ(raised.status, 201) << raised.body;
  ASSERT_TRUE(smtp.wait_for_mails(1, 20s))
      << database.scalar("SELECT string_agg(channel || ':' || status || ':' || coalesce(last_error, ''), ', ') "
                         "FROM deliveries");
  ASSERT_TRUE(database.wait_for("SELECT count(*) FROM deliveries WHERE channel = 'email' AND status = 'sent'", "1", 20s))
      << database.scalar("SELECT string_agg(channel || ':' || status || ':' || coalesce(last_error, ''), ', ') "
                         "FROM deliveries");
  std::this_thread::sleep_for(300ms);
  const auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].over_tls);
  EXPECT_EQ(mails[0].auth_user, "burgernet");
  ASSERT_EQ(mails[0].rcpt_to.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to[0], "<" + address + ">");
  EXPECT_NE(mails[0].data.find("To: <" + address + ">\r\n"), std::string::npos);
  EXPECT_NE(mails[0].data.find("Subject: Burgernet-actie: inbraak - Inbraak\r\n"), std::string::npos) << mails[0].data;
  EXPECT_NE(mails[0].data.find("multipart/alternative"), std::string::npos);
  EXPECT_NE(mails[0].data.find(net::to_base64("Man in donkere jas").substr(0, 20)), std::string::npos)
      << mails[0].data;
  EXPECT_EQ(database.scalar("SELECT count(*) FROM deliveries WHERE provider_ref LIKE '<%@burgernet.example>'"), "1");
  const auto log = daemon_->log();
  EXPECT_EQ(log.find(address), std::string::npos) << log;
  EXPECT_EQ(log.find(password), std::string::npos) << log;
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(15s), 0);
}

}  // namespace

// Channels may be called anything: what a channel does comes from its driver. `texts` on
// twilio_sms reaches those who chose sms, `calls` on twilio_voice those who chose voice (and a
// closing never calls), `tweets` on x and `pager` on webhook post once per message.
TEST_F(DriversEndToEnd, ChannelsNamedFreelyReachWhatTheirDriversServe) {
  std::ofstream(secrets_ + "/x_consumer") << "x-consumer-secret-names\n";
  std::ofstream(secrets_ + "/x_token") << "x-token-secret-names\n";
  provider_.answer_with([this](const RecordedRequest& r) {
    const int n = ++sids_;
    if (r.target.ends_with("/Messages.json")) return FakeAnswer{201, R"({"sid":"SM)" + std::to_string(n) + "\"}"};
    if (r.target.ends_with("/Calls.json")) return FakeAnswer{201, R"({"sid":"CA)" + std::to_string(n) + "\"}"};
    if (r.target == "/2/tweets") return FakeAnswer{201, R"({"data":{"id":")" + std::to_string(n) + "\"}}"};
    return FakeAnswer::ok();
  });
  for (int i = 0; i < 2; ++i) add_participant(database, {{offset(centre(), 100.0 * i, 0)}});  // voice and sms
  start(config({{"texts", twilio("twilio_sms")},
                {"calls", twilio("twilio_voice")},
                {"tweets",
                 {{"driver", "x"}, {"base_url", provider_.url()}, {"consumer_key", "ck-names"},
                  {"consumer_secret_file", secrets_ + "/x_consumer"}, {"access_token", "at-names"},
                  {"access_token_secret_file", secrets_ + "/x_token"}, {"ca_file", provider_.ca_file()}}},
                {"pager", webhook()}}));
  HttpClient api(daemon_->port(), token());
  const auto raised = api.post("/v1/actions", {{"kind", "urgent"},
                                               {"category", "burglary"},
                                               {"title", "Inbraak"},
                                               {"message", "Twee mannen op een scooter, richting de brug."},
                                               {"area", {{"circle", {{"lat", kLat}, {"lon", kLon}, {"radius_m", 1000}}}}}});
  ASSERT_EQ(raised.status, 201) << raised.body;
  const std::string id = raised.json().at("id");
  EXPECT_EQ(raised.json().at("by_channel"), (nlohmann::json{{"calls", 2}, {"texts", 2}, {"tweets", 1}, {"pager", 1}}));
  const std::string sent = "SELECT count(*) FROM deliveries WHERE status = 'sent'";
  ASSERT_TRUE(database.wait_for(sent, "6", 20s))
      << database.scalar("SELECT string_agg(channel || ':' || status || ':' || coalesce(last_error, ''), ', ') "
                         "FROM deliveries");
  const auto closed = api.post("/v1/actions/" + id + "/close", {{"outcome", "resolved"}, {"message", "Aangehouden."}});
  ASSERT_EQ(closed.status, 200) << closed.body;
  ASSERT_TRUE(database.wait_for(sent, "10", 20s))
      << database.scalar("SELECT string_agg(channel || ':' || kind || ':' || status, ', ') FROM deliveries");
  std::this_thread::sleep_for(500ms);  // nothing more follows

  std::map<std::string, int> by_target;
  for (const auto& r : provider_.requests()) {
    ++by_target[r.target];
    if (r.target == "/hook") {
      EXPECT_TRUE(nlohmann::json::parse(r.body).at("to").is_null()) << r.body;
    }
  }
  // Action: 2 texts, 2 calls, 1 tweet, 1 hook. Closing: 2 texts, 1 tweet, 1 hook, no call.
  EXPECT_EQ(by_target["/2010-04-01/Accounts/AC42/Messages.json"], 4);
  EXPECT_EQ(by_target["/2010-04-01/Accounts/AC42/Calls.json"], 2);
  EXPECT_EQ(by_target["/2/tweets"], 2);
  EXPECT_EQ(by_target["/hook"], 2);
  EXPECT_EQ(database.scalar("SELECT string_agg(channel || '=' || n, ',' ORDER BY channel) FROM (SELECT channel, "
                            "count(*) AS n FROM deliveries WHERE kind = 'closing' GROUP BY channel) c"),
            "pager=1,texts=2,tweets=1");
  daemon_->signal(SIGTERM);
  EXPECT_EQ(daemon_->wait_exit(15s), 0);
}

