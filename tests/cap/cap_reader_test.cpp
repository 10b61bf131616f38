// The CAP 1.2 reader and its mapping to an action body, without a database: what is read, what
// is refused (DOCTYPE, XXE, billion laughs, not CAP) and how each refusal names its element.
#include "cap/cap_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>

#include "burgernet/action/action_request.hpp"
#include "cap/cap_import.hpp"
#include "cap/cap_import_samples.hpp"
#include "support/daemon_process.hpp"

namespace burgernet::testing {
namespace {

using namespace std::chrono_literals;
using cap::read_alert;

// The element an InvalidField names, or "" when `read` throws nothing.
template <typename F>
std::string refused_field(F&& read, std::string* why = nullptr) {
  try {
    read();
  } catch (const InvalidField& e) {
    if (why) *why = e.what();
    return e.field();
  }
  return "";
}

std::string refused(const std::string& xml, std::string* why = nullptr) {
  return refused_field([&] { read_alert(xml); }, why);
}

constexpr long long kNow = 1796119200;  // 2026-12-01T10:00:00Z

TEST(CapReader, ReadsARealAlert) {
  const auto alert = read_alert(cap_xml({}));
  EXPECT_EQ(alert.identifier, "NL-POL-ALERT-0001");
  EXPECT_EQ(alert.sender, "meldkamer@politie.example");
  EXPECT_EQ(alert.msg_type, "Alert");
  ASSERT_EQ(alert.infos.size(), 1u);
  const auto& info = alert.infos[0];
  EXPECT_EQ(info.headline, "Inbraak Damstraat");
  ASSERT_EQ(info.areas.size(), 1u);
  ASSERT_EQ(info.areas[0].circles.size(), 1u);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].centre.lat, 52.3731);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].centre.lon, 4.8926);
  EXPECT_DOUBLE_EQ(info.areas[0].circles[0].radius_km, 1);
}

TEST(CapReader, MapsACircleAlertToAnActionBody) {
  CapSample sample;
  sample.expires = "2026-12-01T13:00:00+01:00";  // 2 hours after kNow (10:00Z)
  const auto built = cap::action_body(read_alert(cap_xml(sample)), {}, kNow);
  EXPECT_EQ(built.body["kind"], "urgent");
  EXPECT_EQ(built.body["category"], "burglary");
  EXPECT_EQ(built.body["title"], "Inbraak Damstraat");
  EXPECT_EQ(built.body["message"], "Man in donkere jas gevlucht richting station.\n\nZiet u hem? Bel 112.");
  EXPECT_EQ(built.body["area"]["circle"]["radius_m"], 1000.0);
  EXPECT_EQ(built.body["expires_in_s"], 7200);
  // The body passes the same parser as POST /v1/actions.
  action::ActionRules rules;
  rules.channels = {"sms"};
  EXPECT_NO_THROW(action::parse_action_request(built.body, rules));
}

TEST(CapReader, APolygonBecomesGeoJsonInLonLatOrder) {
  CapSample sample;
  sample.area = "<polygon>52.37,4.89 52.38,4.89 52.38,4.90 52.37,4.89</polygon>";
  const auto built = cap::action_body(read_alert(cap_xml(sample)), {}, kNow);
  const auto ring = built.body["area"]["polygon"]["coordinates"][0];
  ASSERT_EQ(ring.size(), 4u);
  EXPECT_EQ(ring[2][0], 4.90);  // lon first
  EXPECT_EQ(ring[2][1], 52.38);
  EXPECT_EQ(built.area_path, "alert.info[0].area[0].polygon[0]");
}

TEST(CapReader, ACbsGeocodeIsAMunicipality) {
  CapSample sample;
  sample.area = "<geocode><valueName>CBS</valueName><value>0363</value></geocode>";
  EXPECT_EQ(cap::action_body(read_alert(cap_xml(sample)), {}, kNow).body["area"]["municipality"], "GM0363");
  // A polygon beside the geocode is what the sender drew: it wins.
  sample.area += "<polygon>52.37,4.89 52.38,4.89 52.38,4.90 52.37,4.89</polygon>";
  EXPECT_TRUE(cap::action_body(read_alert(cap_xml(sample)), {}, kNow).body["area"].contains("polygon"));
}

TEST(CapReader, TwoShapesAreRefusedNotNarrowed) {
  CapSample sample;
  sample.area = "<circle>52.3731,4.8926 1</circle><circle>52.0,5.0 1</circle>";
  const auto alert = read_alert(cap_xml(sample));
  EXPECT_EQ(refused_field([&] { cap::action_body(alert, {}, kNow); }), "alert.info[0].area");
}

TEST(CapReader, ChoosesTheDutchInfo) {
  CapSample sample;
  sample.language = "en-US";
  sample.headline = "Burglary";
  sample.extra_info =
      "<info><language>nl-NL</language><category>Security</category><event>Inbraak</event>"
      "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
      "<headline>Inbraak</headline><description>Tekst</description>"
      "<area><areaDesc>Dam</areaDesc><circle>52.3731,4.8926 1</circle></area></info>\n";
  const auto alert = read_alert(cap_xml(sample));
  EXPECT_EQ(cap::choose_info(alert), 1u);
  EXPECT_EQ(cap::action_body(alert, {}, kNow).body["title"], "Inbraak");
}

TEST(CapReader, KindAndCategory) {
  cap::Info info;
  info.urgency = "Immediate";
  info.severity = "Extreme";
  EXPECT_EQ(cap::kind_for(info), "urgent");
  info.severity = "Moderate";
  EXPECT_EQ(cap::kind_for(info), "alert");
  info.urgency = "Expected";
  info.severity = "Severe";
  EXPECT_EQ(cap::kind_for(info), "alert");

  info.event = "AMBER Alert: vermist kind";
  EXPECT_EQ(cap::category_for(info), "amber_alert");
  info.event = "Straatroof";
  EXPECT_EQ(cap::category_for(info), "street_robbery");
  info.event = "Overval op juwelier";
  EXPECT_EQ(cap::category_for(info), "robbery");
  info.event = "Brand";
  EXPECT_EQ(cap::category_for(info), "other");
  info.event_codes = {{"burgernet:category", "vehicle"}};
  EXPECT_EQ(cap::category_for(info), "vehicle");
}

TEST(CapReader, RefusesADoctypeWithoutReadingTheFileItNames) {
  // A FIFO without a writer: a parser that opened it would block here for good.
  const std::string fifo = make_temp_dir("burgernet-cap-") + "/secret";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string xxe =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [<!ENTITY x SYSTEM \"file://" + fifo +
      "\">]>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>&x;</identifier></alert>";
  auto result = std::async(std::launch::async, [&] {
    std::string why;
    return std::make_pair(refused(xxe, &why), why);
  });
  if (result.wait_for(5s) != std::future_status::ready) {
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // lets the reader go
    if (fd >= 0) close(fd);
    FAIL() << "the parser opened the file the entity names";
  }
  const auto [field, why] = result.get();
  EXPECT_EQ(field, "body");
  EXPECT_NE(why.find("DOCTYPE"), std::string::npos) << why;

  // The classic: an entity naming /etc/passwd; its text never shows up anywhere.
  const std::string passwd =
      "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><alert "
      "xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><note>&x;</note></alert>";
  std::string passwd_why;
  EXPECT_EQ(refused(passwd, &passwd_why), "body");
  EXPECT_EQ(passwd_why.find("root:"), std::string::npos);
  // An external DTD without an internal subset, too.
  EXPECT_EQ(refused("<!DOCTYPE alert SYSTEM \"http://127.0.0.1:1/cap.dtd\">" + cap_xml({}).substr(39)),
            "body");
}

TEST(CapReader, RefusesBillionLaughsFast) {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  xml += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
  for (int i = 2; i <= 9; ++i) {
    xml += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) xml += "&lol" + std::to_string(i - 1) + ";";
    xml += "\">\n";
  }
  xml += "]>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><note>&lol9;</note></alert>";
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(refused(xml), "body");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
}

TEST(CapReader, NamesWhatIsWrong) {
  std::string why;
  EXPECT_EQ(refused("<alert><unclosed></alert>", &why), "body");
  EXPECT_NE(why.find("not well-formed XML: line 1"), std::string::npos) << why;
  EXPECT_EQ(refused("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.1\"/>"), "alert");
  EXPECT_EQ(refused("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>"), "alert");
  EXPECT_EQ(refused(""), "body");

  CapSample sample;
  sample.msg_type = "Warning";
  EXPECT_EQ(refused(cap_xml(sample)), "alert.msgType");
  sample = {};
  sample.identifier = "two words";
  EXPECT_EQ(refused(cap_xml(sample)), "alert.identifier");
  sample = {};
  sample.sent = "yesterday";
  EXPECT_EQ(refused(cap_xml(sample)), "alert.sent");
  sample = {};
  sample.urgency = "Now";
  EXPECT_EQ(refused(cap_xml(sample)), "alert.info[0].urgency");
  sample = {};
  sample.area = "<polygon>52.37,4.89 52.38,4.89 52.38,4.90 52.36,4.89</polygon>";
  EXPECT_EQ(refused(cap_xml(sample), &why), "alert.info[0].area[0].polygon[0]");
  EXPECT_NE(why.find("not closed"), std::string::npos);
  sample.area = "<circle>4.8926 52.3731,1</circle>";
  EXPECT_EQ(refused(cap_xml(sample)), "alert.info[0].area[0].circle[0]");
  sample = {};
  sample.references = "onlytwo,parts";
  EXPECT_EQ(refused(cap_xml(sample)), "alert.references");
  EXPECT_EQ(refused(std::string(cap::kMaxCapBytes + 1, ' ')), "body");
}

TEST(CapReader, RulesOfTheActionNameTheCapElement) {
  CapSample sample;
  sample.area = "<circle>52.3731,4.8926 0</circle>";
  const auto built = cap::action_body(read_alert(cap_xml(sample)), {}, kNow);
  const auto mapped =
      cap::as_cap_field(InvalidField("area.circle.radius_m", "must be between 50 and 20000"), built);
  EXPECT_EQ(mapped.field(), "alert.info[0].area[0].circle[0]");
  EXPECT_STREQ(mapped.what(), "alert.info[0].area[0].circle[0]: must be between 50 and 20000");
  EXPECT_EQ(cap::as_cap_field(InvalidField("title", "x"), built).field(), "alert.info[0].headline");

  sample = {};
  sample.expires = "2026-12-01T10:00:00+01:00";  // an hour before kNow
  EXPECT_EQ(refused_field([&] { cap::action_body(read_alert(cap_xml(sample)), {}, kNow); }),
            "alert.info[0].expires");
  sample = {};
  sample.description = sample.instruction = "";
  EXPECT_EQ(refused_field([&] { cap::action_body(read_alert(cap_xml(sample)), {}, kNow); }),
            "alert.info[0].description");
}

TEST(CapReader, LongHeadlinesAreCutAtACodePoint) {
  CapSample sample;
  sample.headline = std::string(150, 'e') + "\xc3\xa9";
  const auto title = cap::action_body(read_alert(cap_xml(sample)), {}, kNow).body["title"].get<std::string>();
  EXPECT_EQ(title, std::string(119, 'e') + "\u2026");
}

TEST(CapReader, CapTimes) {
  EXPECT_EQ(cap::parse_cap_time("1970-01-01T01:00:00+01:00"), 0LL);
  EXPECT_EQ(cap::parse_cap_time("2026-12-01T10:00:00-00:00"), kNow);
  EXPECT_EQ(cap::parse_cap_time("2026-12-01T10:00:00.5Z"), kNow);
  EXPECT_FALSE(cap::parse_cap_time("2026-12-01T10:00:00").has_value());
  EXPECT_FALSE(cap::parse_cap_time("2026-13-01T10:00:00+01:00").has_value());
  EXPECT_FALSE(cap::parse_cap_time("2026-02-30T10:00:00+01:00").has_value());
  EXPECT_FALSE(cap::parse_cap_time("2026-12-01T10:00:00+01:00x").has_value());
}

}  // namespace
}  // namespace burgernet::testing
