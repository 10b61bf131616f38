// CAP 1.2 out through the daemon: a circle, a polygon and a municipality action raised by the
// API, an update, a grown area, a close; every CAP document and the feed checked with xmllint
// against the OASIS schema, and what a CAP reader would notice: lat,lon order, offsets, the
// msgType/references chain, public actions only, no personal data.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "action/population.hpp"
#include "cap/cap_export_xmllint.hpp"

namespace burgernet::testing {
namespace {

using nlohmann::json;

// The text between <tag> and </tag>, each occurrence.
std::vector<std::string> all_of(const std::string& document, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  for (auto at = document.find(open); at != std::string::npos; at = document.find(open, at + 1)) {
    const auto start = at + open.size();
    out.push_back(document.substr(start, document.find(close, start) - start));
  }
  return out;
}

std::string first_of(const std::string& document, const std::string& tag) {
  const auto all = all_of(document, tag);
  return all.empty() ? "" : all.front();
}

// "lat,lon lat,lon ..." as numbers.
std::vector<Place> points(const std::string& text) {
  std::vector<Place> out;
  std::istringstream in(text);
  std::string pair;
  while (in >> pair) {
    const auto comma = pair.find(',');
    out.push_back({std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1))});
  }
  return out;
}

class CapExportTest : public ActionDaemonTest {
 protected:
  void SetUp() override {
    start();
    import_municipality("GM0363");
    registrar_ = token("registrar", "app");
  }

  // The municipality's real (generalised) borders from tests/data, as `burgernetctl areas
  // import` loads them: Amsterdam is a MultiPolygon of two parts.
  void import_municipality(const std::string& code) {
    std::ifstream in(BURGERNET_SOURCE_DIR "/tests/data/gemeenten-2025.geojson");
    const auto all = json::parse(in);
    json one = {{"type", "FeatureCollection"}, {"features", json::array()}};
    for (const auto& feature : all["features"]) {
      if (feature["properties"]["code"] == code) one["features"].push_back(feature);
    }
    const auto path = make_temp_dir("burgernet-cap-areas-") + "/areas.geojson";
    std::ofstream(path) << one.dump();
    std::string out, err;
    ASSERT_EQ(run_ctl(daemon_->config_path(), {"areas", "import", path}, &out, &err), 0) << err;
  }

  // GET /v1/actions/{id}/cap[?message=n], checked against the schema.
  std::string cap(const std::string& id, int message = 0) {
    const auto r =
        client().get("/v1/actions/" + id + "/cap" + (message ? "?message=" + std::to_string(message) : ""));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/cap+xml; charset=utf-8");
    EXPECT_EQ(xmllint_errors(r.body, true), "") << r.body;
    return r.body;
  }

  static json polygon(const std::vector<Place>& ring) {
    json coordinates = json::array();
    for (const auto& p : ring) coordinates.push_back({p.lon, p.lat});
    return {{"polygon", {{"type", "Polygon"}, {"coordinates", {coordinates}}}}};
  }

  std::string registrar_;
};

TEST_F(CapExportTest, ActionsUpdatesAndClosingsAreValidCapWithTheirChainAreasAndOffsets) {
  // People in the areas, whose numbers and places must appear nowhere.
  const Place home = offset(centre(), 120, 80);
  const auto participant = add_participant(database, {{home, "{voice,sms}"}});
  add_participant(database, {{offset(centre(), -300, 200), "{sms}"}});

  auto circle_body = action(circle(centre(), 500));
  circle_body["title"] = "Inbraak <Damstraat> & \"vlucht\"";
  const auto circle_id = raise_action(client(), circle_body);
  const auto sw = offset(centre(), -1000, -1000), ne = offset(centre(), 1000, 1000);
  const std::vector<Place> ring = {sw, {sw.lat, ne.lon}, ne, {ne.lat, sw.lon}, sw};
  auto polygon_body = action(polygon(ring));
  polygon_body["category"] = "street_robbery";
  const auto polygon_id = raise_action(client(), polygon_body);
  auto municipality_body = action({{"municipality", "GM0363"}});
  municipality_body["category"] = "missing_person";
  const auto municipality_id = raise_action(client(), municipality_body);
  ASSERT_FALSE(circle_id.empty() || polygon_id.empty() || municipality_id.empty());

  // A tip from a participant: never part of CAP.
  ASSERT_EQ(HttpClient(daemon_->port(), registrar_)
                .post("/v1/actions/" + circle_id + "/tips",
                      {{"participant_id", participant}, {"text", "Tip-7731 gezien"}})
                .status,
            201);
  ASSERT_EQ(
      client().post("/v1/actions/" + circle_id + "/updates", {{"message", "Nu gezien bij de brug."}}).status,
      201);
  ASSERT_EQ(
      client()
          .post("/v1/actions/" + circle_id + "/close", {{"outcome", "resolved"}, {"message", "Aangehouden."}})
          .status,
      200);
  // The polygon action grows to a circle farther north: its update's area is the new one.
  const auto north = offset(centre(), 3000, 0);
  const auto grown = client().post("/v1/actions/" + polygon_id + "/updates",
                                   {{"message", "Ook verder noord."}, {"area", circle(north, 800)}});
  ASSERT_EQ(grown.status, 201) << grown.body;

  // The circle action: Alert, Update, Cancel, each referencing all before it.
  const auto first = cap(circle_id, 1), second = cap(circle_id, 2), third = cap(circle_id, 3);
  EXPECT_EQ(first_of(first, "msgType"), "Alert");
  EXPECT_EQ(first_of(second, "msgType"), "Update");
  EXPECT_EQ(first_of(third, "msgType"), "Cancel");
  EXPECT_EQ(first_of(first, "identifier"), "urn:uuid:" + circle_id);
  EXPECT_EQ(first_of(first, "references"), "");
  const auto sender = first_of(first, "sender");
  EXPECT_EQ(sender.rfind("burgernet@", 0), 0u) << sender;
  const auto reference = [&](const std::string& document) {
    return sender + "," + first_of(document, "identifier") + "," + first_of(document, "sent");
  };
  EXPECT_EQ(first_of(second, "references"), reference(first));
  EXPECT_EQ(first_of(third, "references"), reference(first) + " " + reference(second));
  EXPECT_EQ(cap(circle_id), third);     // without ?message: the latest state
  EXPECT_EQ(cap(circle_id, 1), first);  // identifiers and times are stable
  EXPECT_EQ(first_of(third, "description"), "Aangehouden.");
  EXPECT_EQ(first_of(second, "description"), "Nu gezien bij de brug.");
  EXPECT_NE(first.find("&lt;Damstraat&gt; &amp; \"vlucht\""), std::string::npos) << first;
  EXPECT_EQ(all_of(first, "language"), (std::vector<std::string>{"nl-NL", "en-US"}));
  EXPECT_EQ(first_of(first, "urgency"), "Immediate");
  EXPECT_EQ(first_of(third, "responseType"), "AllClear");

  // Times: Amsterdam's offset, whole seconds, never Z.
  const std::regex local_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d)");
  for (const auto* document : {&first, &second, &third}) {
    for (const auto& tag : {"sent", "expires"}) {
      for (const auto& t : all_of(*document, tag)) EXPECT_TRUE(std::regex_match(t, local_time)) << t;
    }
  }
  const auto offset_now = database.scalar(
      "SELECT to_char((now() AT TIME ZONE 'Europe/Amsterdam') - (now() AT TIME ZONE 'UTC'), 'HH24:MI')");
  EXPECT_EQ(first_of(first, "sent").substr(19), "+" + offset_now);

  // Circle: lat,lon then the radius in km.
  const auto circle_text = first_of(first, "circle");
  const auto centre_point = points(circle_text.substr(0, circle_text.find(' ')));
  ASSERT_EQ(centre_point.size(), 1u) << circle_text;
  EXPECT_NEAR(centre_point[0].lat, kLat, 1e-5);
  EXPECT_NEAR(centre_point[0].lon, kLon, 1e-5);
  EXPECT_EQ(circle_text.substr(circle_text.find(' ') + 1), "0.500");

  // Polygon: the operator's ring in lat,lon order, closed; its update carries the grown circle.
  const auto polygon_first = cap(polygon_id, 1);
  const auto ring_out = points(first_of(polygon_first, "polygon"));
  ASSERT_EQ(ring_out.size(), ring.size()) << polygon_first;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    EXPECT_NEAR(ring_out[i].lat, ring[i].lat, 1e-5);
    EXPECT_NEAR(ring_out[i].lon, ring[i].lon, 1e-5);
  }
  EXPECT_EQ(first_of(polygon_first, "circle"), "");
  const auto polygon_update = cap(polygon_id, 2);
  EXPECT_EQ(first_of(polygon_update, "polygon"), "");
  const auto grown_centre =
      points(first_of(polygon_update, "circle").substr(0, first_of(polygon_update, "circle").find(' ')));
  ASSERT_EQ(grown_centre.size(), 1u);
  EXPECT_NEAR(grown_centre[0].lat, north.lat, 1e-5);
  EXPECT_EQ(first_of(polygon_update, "severity"), "Moderate");

  // Municipality: one polygon per part, in the Netherlands' lat,lon range, and the CBS code.
  const auto municipality = cap(municipality_id);
  const auto parts = all_of(municipality, "polygon");
  EXPECT_EQ(parts.size(), 4u) << municipality;  // Amsterdam's two parts, in each language
  for (const auto& part : parts) {
    const auto ps = points(part);
    ASSERT_GE(ps.size(), 4u);
    EXPECT_EQ(ps.front().lat, ps.back().lat);
    EXPECT_EQ(ps.front().lon, ps.back().lon);
    for (const auto& p : ps) {
      EXPECT_TRUE(p.lat > 52 && p.lat < 53 && p.lon > 4 && p.lon < 5.5) << part;
    }
  }
  EXPECT_NE(municipality.find("<value>GM0363</value>"), std::string::npos);
  EXPECT_EQ(first_of(municipality, "areaDesc"), "Gemeente Amsterdam");
  EXPECT_EQ(first_of(municipality, "category"), "Rescue");

  // Nobody's number, place, id or tip.
  char home_text[64];
  std::snprintf(home_text, sizeof home_text, "%.5f,%.5f", home.lat, home.lon);
  for (const auto* document : {&first, &second, &third, &polygon_first, &polygon_update, &municipality}) {
    EXPECT_EQ(document->find("+316"), std::string::npos);
    EXPECT_EQ(document->find(participant), std::string::npos);
    EXPECT_EQ(document->find("Tip-7731"), std::string::npos);
    EXPECT_EQ(document->find(home_text), std::string::npos);
  }

  // The feed: no token, valid Atom, every inline alert valid CAP, only public actions.
  const auto tomorrow_noon = database.scalar(
      "SELECT to_char((((now() AT TIME ZONE 'Europe/Amsterdam')::date + 1 + time '12:00') AT TIME ZONE "
      "'Europe/Amsterdam') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')");
  auto scheduled_body = action({{"municipality", "GM0363"}}, "alert");
  scheduled_body["category"] = "prevention";
  scheduled_body["send_at"] = tomorrow_noon;
  const auto scheduled = raise_action(client(), scheduled_body);
  const auto withdrawn = raise_action(client(), scheduled_body);
  ASSERT_EQ(
      client()
          .post("/v1/actions/" + withdrawn + "/close", {{"outcome", "cancelled"}, {"message", "Vervalt."}})
          .status,
      200);
  // An action sent three weeks ago: beyond the feed's seven days.
  const auto old = raise_action(client(), action(circle(centre(), 300)));
  database.scalar("UPDATE action_messages SET created_at = now() - interval '21 days' WHERE action_id = '" +
                  old + "' RETURNING 1");
  database.scalar("UPDATE actions SET send_at = now() - interval '21 days' WHERE id = '" + old +
                  "' RETURNING 1");

  const auto feed = HttpClient(daemon_->port()).get("/v1/cap/feed");
  ASSERT_EQ(feed.status, 200) << feed.body;
  EXPECT_EQ(feed.header("content-type"), "application/atom+xml; charset=utf-8");
  EXPECT_EQ(xmllint_errors(feed.body, false), "") << feed.body;
  // Circle 3 messages, polygon 2, municipality 1.
  EXPECT_EQ(all_of(feed.body, "summary").size(), 6u) << feed.body;
  for (const auto& id : {circle_id, polygon_id, municipality_id})
    EXPECT_NE(feed.body.find(id), std::string::npos);
  for (const auto& id : {scheduled, withdrawn, old}) EXPECT_EQ(feed.body.find(id), std::string::npos) << id;
  EXPECT_EQ(feed.body.find("+316"), std::string::npos);
  EXPECT_EQ(feed.body.find("Tip-7731"), std::string::npos);
  EXPECT_EQ(feed.body.find(participant), std::string::npos);
  std::size_t alerts = 0;
  for (auto at = feed.body.find("<alert "); at != std::string::npos; at = feed.body.find("<alert ", at + 1)) {
    const auto end = feed.body.find("</alert>", at);
    const auto alert = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + feed.body.substr(at, end + 8 - at);
    EXPECT_EQ(xmllint_errors(alert, true), "") << alert;
    ++alerts;
  }
  EXPECT_EQ(alerts, 6u);
  // Newest first: the polygon's update came last.
  const auto updated = all_of(feed.body, "updated");
  ASSERT_GE(updated.size(), 2u);
  EXPECT_TRUE(std::is_sorted(updated.begin() + 1, updated.end(), std::greater<>())) << feed.body;
  EXPECT_LT(feed.body.find(polygon_id + "/cap?message=2"), feed.body.find(circle_id + "/cap?message=3"));
  // The entry's link is the action's route: the same document, for a token that sees it.
  EXPECT_NE(feed.body.find(first_of(third, "identifier")), std::string::npos);

  // The operator still sees the scheduled alert as CAP; its expiry follows its send_at.
  EXPECT_EQ(first_of(cap(scheduled), "msgType"), "Alert");
}

TEST_F(CapExportTest, TimesAreAmsterdamsOffsetOfThatDayInWinterAndSummer) {
  const auto id = raise_action(client(), action(circle(centre(), 400)));
  const auto set_sent = [&](const std::string& at) {
    database.scalar("UPDATE actions SET send_at = '" + at + "', expires_at = timestamptz '" + at +
                    "' + interval '6 hours' WHERE id = '" + id + "' RETURNING 1");
    database.scalar("UPDATE action_messages SET created_at = '" + at + "' WHERE action_id = '" + id +
                    "' RETURNING 1");
  };
  set_sent("2026-01-20 12:00:00.7+00");  // fractions are cut, not rounded
  auto document = cap(id);
  EXPECT_EQ(first_of(document, "sent"), "2026-01-20T13:00:00+01:00");
  EXPECT_EQ(first_of(document, "expires"), "2026-01-20T19:00:00+01:00");
  set_sent("2026-07-01 12:00:00+00");
  document = cap(id);
  EXPECT_EQ(first_of(document, "sent"), "2026-07-01T14:00:00+02:00");
  // The night the clocks go back: 02:30 local happens twice, with +02:00 and then +01:00.
  set_sent("2026-10-25 00:30:00+00");
  EXPECT_EQ(first_of(cap(id), "sent"), "2026-10-25T02:30:00+02:00");
  set_sent("2026-10-25 01:30:00+00");
  EXPECT_EQ(first_of(cap(id), "sent"), "2026-10-25T02:30:00+01:00");
}

TEST_F(CapExportTest, TheActionRouteFollowsVisibilityAndNamesBadInput) {
  const auto id = raise_action(client(), action(circle(centre(), 400)));
  EXPECT_EQ(HttpClient(daemon_->port()).get("/v1/actions/" + id + "/cap").status, 401);
  EXPECT_EQ(HttpClient(daemon_->port(), registrar_).get("/v1/actions/" + id + "/cap").status, 403);
  // A municipality sees only its own and its area's actions: the operator's is "not found".
  const auto municipal = token("municipal", "gemeente", "GM0363");
  EXPECT_EQ(HttpClient(daemon_->port(), municipal).get("/v1/actions/" + id + "/cap").status, 404);
  EXPECT_EQ(HttpClient(daemon_->port(), token("admin", "beheer")).get("/v1/actions/" + id + "/cap").status,
            200);
  for (const auto* bad : {"0", "-1", "abc", "1x", ""}) {
    const auto r = client().get("/v1/actions/" + id + "/cap?message=" + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.json()["error"]["field"], "message") << r.body;
  }
  EXPECT_EQ(client().get("/v1/actions/" + id + "/cap?message=2").status, 404);
  EXPECT_EQ(client().get("/v1/actions/not-a-uuid/cap").status, 404);
  EXPECT_EQ(client().get("/v1/actions/00000000-0000-4000-8000-000000000000/cap").status, 404);
}

TEST_F(CapExportTest, TheFeedIsKeptForSecondsAndLimitedPerClient) {
  HttpClient reader(daemon_->port());
  const auto before = reader.get("/v1/cap/feed");
  ASSERT_EQ(before.status, 200);
  EXPECT_EQ(before.header("cache-control"), "public, max-age=10");
  EXPECT_EQ(all_of(before.body, "entry").size(), 0u);
  // Within ten seconds a new action is not in the feed yet: it is the kept copy.
  raise_action(client(), action(circle(centre(), 400)));
  EXPECT_EQ(reader.get("/v1/cap/feed").body, before.body);
  // A reader that polls without pause is slowed down, with Retry-After.
  int limited = 0;
  for (int i = 0; i < 40 && limited == 0; ++i) {
    const auto r = reader.get("/v1/cap/feed");
    if (r.status == 429) {
      ++limited;
      EXPECT_FALSE(r.header("retry-after").empty());
    }
  }
  EXPECT_EQ(limited, 1);
}

}  // namespace
}  // namespace burgernet::testing
