// POST /v1/cap through the daemon: CAP alerts with a circle and a polygon raise actions for the
// people inside, a Cancel closes, a repeat raises nothing, and every refusal (XXE, billion
// laughs, too large, not CAP) is a 400 or 413 that stores nothing.
#include <gtest/gtest.h>

#include <future>

#include "action/population.hpp"
#include "cap/cap_import_samples.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;

class CapImportTest : public ActionDaemonTest {
 protected:
  HttpResult post_cap(const std::string& xml, const std::string& query = "", const std::string& token = {}) {
    return client(token).request(boost::beast::http::verb::post, "/v1/cap" + query, xml,
                                 {{"Content-Type", "application/cap+xml"}});
  }
  // Nothing of a refused alert exists: no action, no delivery, no import row.
  void expect_nothing_stored() {
    EXPECT_EQ(count("SELECT count(*) FROM actions"), "0");
    EXPECT_EQ(count("SELECT count(*) FROM deliveries"), "0");
    EXPECT_EQ(count("SELECT count(*) FROM cap_imports"), "0");
  }
  static std::string field(const HttpResult& r) { return r.json()["error"].value("field", ""); }
};

TEST_F(CapImportTest, ACircleAlertRaisesAnActionForThePeopleInside) {
  const auto inside = add_participant(database, {{offset(centre(), 300, 0)}});
  add_participant(database, {{offset(centre(), 3000, 0)}});  // outside the 1 km circle
  start();
  const auto r = post_cap(cap_xml({}));
  ASSERT_EQ(r.status, 201) << r.body;
  const auto id = r.json()["id"].get<std::string>();
  EXPECT_EQ(r.json()["recipients"], 1);
  EXPECT_EQ(count("SELECT count(DISTINCT participant_id) FROM deliveries WHERE action_id = '" + id +
                  "' AND participant_id = '" + inside + "'"),
            "1");

  const auto action = client().get("/v1/actions/" + id).json();
  EXPECT_EQ(action["kind"], "urgent");
  EXPECT_EQ(action["category"], "burglary");
  EXPECT_EQ(action["title"], "Inbraak Damstraat");
  EXPECT_EQ(count("SELECT sender || ' ' || identifier || ' ' || msg_type FROM cap_imports"),
            "meldkamer@politie.example NL-POL-ALERT-0001 Alert");
  EXPECT_EQ(
      count("SELECT count(*) FROM audit_log WHERE operation = 'action.raise' AND details->>'source' = 'cap'"),
      "1");
}

// CAP writes "lat,lon"; GeoJSON wants [lon, lat]. Swapped, the polygon would lie in the sea off
// Somalia and be refused; right, it holds the participant.
TEST_F(CapImportTest, APolygonAlertSelectsThePersonInsideIt) {
  const auto at = offset(centre(), 200, 200);
  add_participant(database, {{at}});
  add_participant(database, {{offset(centre(), -2000, -2000)}});
  start();
  CapSample sample;
  const auto sw = offset(centre(), -500, -500), ne = offset(centre(), 500, 500);
  char polygon[400];
  std::snprintf(polygon, sizeof polygon,
                "<polygon>%.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f</polygon>", sw.lat, sw.lon,
                ne.lat, sw.lon, ne.lat, ne.lon, sw.lat, ne.lon, sw.lat, sw.lon);
  sample.area = polygon;
  sample.urgency = "Expected";  // an alert: kind follows urgency and severity
  sample.event = "Getuigen gezocht";
  const auto r = post_cap(cap_xml(sample));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["recipients"], 1);
  const auto action = client().get("/v1/actions/" + r.json()["id"].get<std::string>()).json();
  EXPECT_EQ(action["kind"], "alert");
  EXPECT_EQ(action["category"], "witness_call");
}

TEST_F(CapImportTest, ACancelClosesTheActionItReferences) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  start();
  const auto raised = post_cap(cap_xml({}));
  ASSERT_EQ(raised.status, 201) << raised.body;
  const auto id = raised.json()["id"].get<std::string>();

  CapSample cancel;
  cancel.identifier = "NL-POL-CANCEL-0001";
  cancel.sent = "2026-12-01T11:30:00+01:00";
  cancel.msg_type = "Cancel";
  cancel.references = "meldkamer@politie.example,NL-POL-ALERT-0001,2026-12-01T11:00:00+01:00";
  cancel.description = "De verdachte is aangehouden. Bedankt voor het uitkijken.";
  const auto r = post_cap(cap_xml(cancel));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(count("SELECT status || ' ' || outcome FROM actions WHERE id = '" + id + "'"),
            "closed cancelled");
  EXPECT_EQ(client().get("/v1/actions/" + id).json()["status"], "closed");
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE action_id = '" + id + "' AND kind = 'closing'"),
            "1");

  // The same Cancel again changes nothing and answers as the first time.
  const auto again = post_cap(cap_xml(cancel));
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["duplicate"], true);

  // A Cancel of an alert never imported names the element.
  cancel.identifier = "NL-POL-CANCEL-0002";
  cancel.references = "meldkamer@politie.example,UNKNOWN,2026-12-01T11:00:00+01:00";
  const auto unknown = post_cap(cap_xml(cancel));
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(field(unknown), "alert.references");
}

TEST_F(CapImportTest, AnUpdateFollowsUpTheAction) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  start();
  const auto raised = post_cap(cap_xml({}));
  ASSERT_EQ(raised.status, 201) << raised.body;
  CapSample update;
  update.identifier = "NL-POL-UPDATE-0001";
  update.msg_type = "Update";
  update.references = "meldkamer@politie.example,NL-POL-ALERT-0001,2026-12-01T11:00:00+01:00";
  update.description = "De man draagt nu een rode pet.";
  update.instruction = "";
  const auto r = post_cap(cap_xml(update));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(count("SELECT count(*) FROM action_messages WHERE action_id = '" +
                  raised.json()["id"].get<std::string>() + "' AND kind = 'update'"),
            "1");
}

TEST_F(CapImportTest, TheSameAlertTwiceRaisesOneAction) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  start();
  const auto first = post_cap(cap_xml({}));
  ASSERT_EQ(first.status, 201) << first.body;
  const auto per_action = std::stoi(count("SELECT count(*) FROM deliveries WHERE kind = 'action'"));
  const auto second = post_cap(cap_xml({}));
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(second.json()["id"], first.json()["id"]);
  EXPECT_EQ(second.json()["duplicate"], true);

  // Four at once, of another alert: still one action each.
  CapSample other;
  other.identifier = "NL-POL-ALERT-0002";
  std::vector<std::future<HttpResult>> many;
  for (int i = 0; i < 4; ++i)
    many.push_back(std::async(std::launch::async, [&] { return post_cap(cap_xml(other)); }));
  int created = 0;
  for (auto& f : many) {
    const auto r = f.get();
    EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
    created += r.status == 201;
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "2");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE kind = 'action'"), std::to_string(2 * per_action));

  // The same identifier for a different alert is the sender's mistake: 409, nothing raised.
  other.sent = "2026-12-01T12:00:00+01:00";
  const auto reused = post_cap(cap_xml(other));
  EXPECT_EQ(reused.status, 409) << reused.body;
  EXPECT_EQ(reused.error_code(), "cap_identifier_reused");
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "2");
}

TEST_F(CapImportTest, AnXxeDocumentIsRefusedAndStoresNothing) {
  start();
  const auto r = post_cap(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
      "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>&x;</identifier></alert>");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "body");
  EXPECT_EQ(r.body.find("root:"), std::string::npos);
  EXPECT_EQ(daemon_->log().find("root:"), std::string::npos);
  expect_nothing_stored();
}

TEST_F(CapImportTest, BillionLaughsAreRefusedFast) {
  start();
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    xml += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) xml += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    xml += "\">\n";
  }
  xml += "]>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><note>&lol9;</note></alert>";
  const auto started = std::chrono::steady_clock::now();
  const auto r = post_cap(xml);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "body");
  expect_nothing_stored();
}

TEST_F(CapImportTest, ATooLargeAlertIs413) {
  start();
  CapSample sample;
  sample.description = std::string(300 * 1024, 'x');
  const auto r = post_cap(cap_xml(sample));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.error_code(), "body_too_large");
  expect_nothing_stored();
}

TEST_F(CapImportTest, NotCapIs400NamingTheElement) {
  start();
  auto r = post_cap("{\"kind\": \"urgent\"}");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "body");
  r = post_cap("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.1\"><identifier>x</identifier></alert>");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "alert");
  CapSample sample;
  sample.status = "Exercise";
  r = post_cap(cap_xml(sample));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "alert.status");
  sample = {};
  sample.area = "<circle>52.3731,4.8926 0.01</circle>";  // 10 m: below the 50 m an action needs
  r = post_cap(cap_xml(sample));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "alert.info[0].area[0].circle[0]");
  sample.area = "<circle>40.0,4.8926 1</circle>";  // outside the service area
  r = post_cap(cap_xml(sample));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "alert.info[0].area[0].circle[0]");
  expect_nothing_stored();
}

TEST_F(CapImportTest, TheActionRulesApply) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  add_participant(database, {{offset(centre(), -100, 0)}});
  start({{"confirm_above", 1}});
  const auto refused = post_cap(cap_xml({}));
  EXPECT_EQ(refused.status, 409) << refused.body;
  expect_nothing_stored();

  const auto preview = post_cap(cap_xml({}), "?dry_run=true");
  EXPECT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.json()["recipients"], 2);
  expect_nothing_stored();

  EXPECT_EQ(post_cap(cap_xml({}), "?confirm_recipients=2").status, 201);
  EXPECT_EQ(post_cap(cap_xml({}), "?confirm_recipients=two").status, 400);

  // Municipal tokens raise their alerts by POST /v1/actions.
  add_square_area(database, "GM0363", centre());
  EXPECT_EQ(post_cap(cap_xml({}), "", token("municipal", "gm", "GM0363")).status, 403);
}

TEST_F(CapImportTest, AnIdempotencyKeyReplaysTheAnswer) {
  add_participant(database, {{offset(centre(), 100, 0)}});
  start();
  auto c = client();
  const auto first =
      c.request(boost::beast::http::verb::post, "/v1/cap", cap_xml({}), {{"Idempotency-Key", "cap-1"}});
  ASSERT_EQ(first.status, 201) << first.body;
  const auto again =
      c.request(boost::beast::http::verb::post, "/v1/cap", cap_xml({}), {{"Idempotency-Key", "cap-1"}});
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(count("SELECT count(*) FROM actions"), "1");
}

}  // namespace
}  // namespace burgernet::testing
