// CAP 1.2 out, without a database: escaping, times with their offset, lat,lon order, the
// mapping, identifiers, and whole documents against the OASIS schema.
#include <gtest/gtest.h>

#include "burgernet/cap/cap_document.hpp"
#include "cap/cap_export_xmllint.hpp"
#include "cap/cap_xml_writer.hpp"

namespace burgernet::cap {
namespace {

using testing::xmllint_errors;

constexpr const char* kSender = "burgernet@test.example";

CapMessage circle_message() {
  CapMessage m;
  m.action_id = "0b6b2a4e-7f0c-4c8e-9d1e-3f6a1b2c3d4e";
  m.message_id = 17;
  m.message_kind = "action";
  m.action_kind = "urgent";
  m.category = "burglary";
  m.title = "Inbraak";
  m.text = "Man in donkere jas gevlucht richting station.";
  m.sent = {1782907200, 7200};  // 2026-07-01 12:00 UTC, summer time
  m.expires = CapTime{1782928800, 7200};
  m.area.circle = CapArea::Circle{{52.3731, 4.8926}, 500};
  return m;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(CapExportTest, TimesCarryTheAmsterdamOffsetOfTheirDayNeverZNorFractions) {
  // Summer (CEST) and winter (CET), as PostgreSQL computes the offsets for the writer.
  EXPECT_EQ(format_cap_time({1782907200, 7200}), "2026-07-01T14:00:00+02:00");
  EXPECT_EQ(format_cap_time({1768910400, 3600}), "2026-01-20T13:00:00+01:00");
  // Local midnight lies on the next day in UTC terms of the local clock.
  EXPECT_EQ(format_cap_time({1767222000, 3600}), "2026-01-01T00:00:00+01:00");
  EXPECT_EQ(format_cap_time({0, 0}), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(format_cap_time({0, -16200}), "1969-12-31T19:30:00-04:30");
}

TEST(CapExportTest, EscapingLeavesNoMarkupOfTheOperatorsAndNoCharacterXmlForbids) {
  EXPECT_EQ(escape_xml("a < b & c > d \"e\" 'f'"), "a &lt; b &amp; c &gt; d \"e\" 'f'");
  EXPECT_EQ(escape_xml("say \"hi\"\n\tnow", true), "say &quot;hi&quot;&#10;&#9;now");
  EXPECT_EQ(escape_xml("]]>"), "]]&gt;");
  EXPECT_EQ(escape_xml("line\r\nnext"), "line&#13;\nnext");
  // Control characters and broken UTF-8 become U+FFFD; good UTF-8 stays as it is.
  EXPECT_EQ(escape_xml(std::string("a\x01"
                                   "b\x1b"
                                   "c",
                                   5)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c");
  EXPECT_EQ(escape_xml("\xC3\x28"), "\xEF\xBF\xBD(");
  EXPECT_EQ(escape_xml("caf\xC3\xA9 \xF0\x9F\x9A\x93"), "caf\xC3\xA9 \xF0\x9F\x9A\x93");
  EXPECT_EQ(escape_xml(std::string("\0", 1)), "\xEF\xBF\xBD");
}

TEST(CapExportTest, OperatorTextThatLooksLikeXmlStaysTextAndTheDocumentStaysValid) {
  auto m = circle_message();
  m.title = "</title><script>alert(1)</script>";
  m.text = "Verdachte: \"Jan\" & <Piet>]]> ';\n<!-- --><![CDATA[x]]>\x07\xff";
  const auto document = write_cap_alert(m, kSender);
  EXPECT_EQ(xmllint_errors(document, true), "") << document;
  EXPECT_EQ(document.find("<script>"), std::string::npos);
  EXPECT_EQ(document.find("<Piet>"), std::string::npos);
  EXPECT_EQ(document.find("<![CDATA["), std::string::npos);
  EXPECT_NE(document.find("&lt;/title&gt;&lt;script&gt;"), std::string::npos) << document;
}

TEST(CapExportTest, ACircleIsLatLonAndRadiusInKilometres) {
  const auto document = write_cap_alert(circle_message(), kSender);
  EXPECT_EQ(xmllint_errors(document, true), "") << document;
  EXPECT_NE(document.find("<circle>52.373100,4.892600 0.500</circle>"), std::string::npos) << document;
  EXPECT_NE(document.find("<identifier>urn:uuid:0b6b2a4e-7f0c-4c8e-9d1e-3f6a1b2c3d4e</identifier>"),
            std::string::npos);
  EXPECT_NE(document.find("<sent>2026-07-01T14:00:00+02:00</sent>"), std::string::npos);
  EXPECT_NE(document.find("<expires>2026-07-01T20:00:00+02:00</expires>"), std::string::npos);
  EXPECT_NE(document.find("<msgType>Alert</msgType>"), std::string::npos);
  EXPECT_NE(document.find("<scope>Public</scope>"), std::string::npos);
  EXPECT_EQ(document.find("<references>"), std::string::npos);
  EXPECT_EQ(count(document, "<info>"), 2u);
  EXPECT_NE(document.find("<language>nl-NL</language>"), std::string::npos);
  EXPECT_NE(document.find("<language>en-US</language>"), std::string::npos);
  EXPECT_NE(document.find("<headline>Burgernet-actie: inbraak - Inbraak</headline>"), std::string::npos)
      << document;
  EXPECT_NE(document.find("<headline>Burgernet action: burglary - Inbraak</headline>"), std::string::npos);
  EXPECT_EQ(document.find('Z' + std::string("</sent>")), std::string::npos);
}

TEST(CapExportTest, PolygonRingsTurnGeoJsonsLonLatIntoCapsLatLonOnePolygonPerPart) {
  const auto rings = polygon_rings(
      R"({"type":"MultiPolygon","coordinates":[
           [[[4.1,52.1],[4.2,52.1],[4.2,52.2],[4.1,52.1]],[[4.15,52.12],[4.16,52.12],[4.16,52.13],[4.15,52.12]]],
           [[[5.1,53.1],[5.2,53.1],[5.2,53.2],[5.1,53.1]]],
           [[[6.0,51.0],[6.0,51.0]]]]})");
  ASSERT_EQ(rings.size(), 2u);  // the hole is left out, the two-point part dropped
  EXPECT_DOUBLE_EQ(rings[0][0].lat, 52.1);
  EXPECT_DOUBLE_EQ(rings[0][0].lon, 4.1);
  EXPECT_DOUBLE_EQ(rings[1][1].lat, 53.1);
  EXPECT_DOUBLE_EQ(rings[1][1].lon, 5.2);
  EXPECT_EQ(polygon_rings(R"({"type":"Polygon","coordinates":[[[4,52],[5,52],[5,53],[4,52]]]})").size(), 1u);
  EXPECT_TRUE(polygon_rings("not json").empty());
  EXPECT_TRUE(polygon_rings(R"({"type":"Point","coordinates":[4,52]})").empty());

  auto m = circle_message();
  m.area = {};
  m.area.polygons = rings;
  m.area.municipality_code = "GM0363";
  m.area.municipality_name = "Amsterdam";
  const auto document = write_cap_alert(m, kSender);
  EXPECT_EQ(xmllint_errors(document, true), "") << document;
  EXPECT_NE(
      document.find("<polygon>52.100000,4.100000 52.100000,4.200000 52.200000,4.200000 52.100000,4.100000"
                    "</polygon>"),
      std::string::npos)
      << document;
  EXPECT_EQ(count(document, "<polygon>"), 4u);  // two parts, in each of the two languages
  EXPECT_NE(document.find("<geocode>"), std::string::npos) << document;
  EXPECT_NE(document.find("<valueName>CBS</valueName>"), std::string::npos);
  EXPECT_NE(document.find("<value>GM0363</value>"), std::string::npos);
  EXPECT_NE(document.find("<areaDesc>Gemeente Amsterdam</areaDesc>"), std::string::npos);
}

TEST(CapExportTest, UpdatesAndTheClosingReferenceEveryEarlierMessageByNameBasedIdentifiers) {
  auto update = circle_message();
  update.message_kind = "update";
  update.message_id = 18;
  update.sequence = 2;
  update.earlier = {{message_identifier(update.action_id, "action", 17), {1782907200, 7200}}};
  const auto update_document = write_cap_alert(update, kSender);
  EXPECT_EQ(xmllint_errors(update_document, true), "") << update_document;
  const auto update_id = message_identifier(update.action_id, "update", 18);
  EXPECT_EQ(update_id, message_identifier(update.action_id, "update", 18));  // stable
  EXPECT_NE(update_id, message_identifier(update.action_id, "update", 19));
  EXPECT_NE(update_document.find("<identifier>" + update_id + "</identifier>"), std::string::npos);
  EXPECT_NE(update_document.find("<msgType>Update</msgType>"), std::string::npos);
  EXPECT_NE(
      update_document.find("<references>burgernet@test.example,urn:uuid:0b6b2a4e-7f0c-4c8e-9d1e-3f6a1b2c3d4e,"
                           "2026-07-01T14:00:00+02:00</references>"),
      std::string::npos)
      << update_document;

  auto closing = update;
  closing.message_kind = "closing";
  closing.message_id = 19;
  closing.earlier.push_back({update_id, {1782908000, 7200}});
  const auto closing_document = write_cap_alert(closing, kSender);
  EXPECT_EQ(xmllint_errors(closing_document, true), "") << closing_document;
  EXPECT_NE(closing_document.find("<msgType>Cancel</msgType>"), std::string::npos);
  EXPECT_NE(closing_document.find("<responseType>AllClear</responseType>"), std::string::npos);
  EXPECT_NE(closing_document.find("," + update_id + ",2026-07-01T14:13:20+02:00</references>"),
            std::string::npos)
      << closing_document;
}

TEST(CapExportTest, NameBasedUuidsAreRfc9562Version5) {
  // Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
  EXPECT_EQ(name_based_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d");
  EXPECT_THROW(name_based_uuid("not-a-uuid", "x"), std::invalid_argument);
}

TEST(CapExportTest, KindAndCategoryMapToCapsEnumerations) {
  const auto urgent = classify("action", "urgent", "amber_alert");
  EXPECT_EQ(urgent.msg_type, "Alert");
  EXPECT_EQ(urgent.urgency, "Immediate");
  EXPECT_EQ(urgent.severity, "Severe");
  EXPECT_EQ(urgent.certainty, "Observed");
  EXPECT_EQ(urgent.cap_category, "Security");
  EXPECT_EQ(urgent.response_type, "Monitor");
  EXPECT_EQ(classify("action", "urgent", "missing_person").cap_category, "Rescue");
  const auto alert = classify("update", "alert", "witness_call");
  EXPECT_EQ(alert.msg_type, "Update");
  EXPECT_EQ(alert.urgency, "Expected");
  EXPECT_EQ(alert.severity, "Minor");
  EXPECT_EQ(alert.certainty, "Likely");
  const auto prevention = classify("action", "alert", "prevention");
  EXPECT_EQ(prevention.urgency, "Future");
  EXPECT_EQ(prevention.response_type, "Prepare");
  const auto closing = classify("closing", "urgent", "robbery");
  EXPECT_EQ(closing.msg_type, "Cancel");
  EXPECT_EQ(closing.urgency, "Past");
  EXPECT_EQ(closing.response_type, "AllClear");
  EXPECT_EQ(closing.severity, "Moderate");
  EXPECT_EQ(classify("action", "urgent", "no_such_category").severity, "Minor");
}

TEST(CapExportTest, TheFeedIsAtomWithEveryAlertInlineNewestFirstAndValidOnItsOwn) {
  auto first = circle_message();
  auto second = circle_message();
  second.message_kind = "update";
  second.message_id = 18;
  second.sequence = 2;
  second.sent = {1782908000, 7200};
  second.text = "Nu <gezien> bij de brug & het plein.";
  second.earlier = {{message_identifier(first.action_id, "action", 17), first.sent}};
  const auto feed = write_cap_feed({second, first}, kSender, {1782909000, 7200});
  EXPECT_EQ(xmllint_errors(feed, false), "") << feed;
  EXPECT_NE(feed.find("<feed xmlns=\"http://www.w3.org/2005/Atom\">"), std::string::npos);
  EXPECT_NE(feed.find("<updated>2026-07-01T14:13:20+02:00</updated>"), std::string::npos) << feed;
  EXPECT_EQ(count(feed, "<entry>"), 2u);
  EXPECT_LT(feed.find("?message=2"), feed.find("?message=1"));
  EXPECT_NE(feed.find("href=\"/v1/actions/0b6b2a4e-7f0c-4c8e-9d1e-3f6a1b2c3d4e/cap?message=1\""),
            std::string::npos);
  // Each inline alert is a CAP document by itself.
  for (std::size_t at = feed.find("<alert "); at != std::string::npos; at = feed.find("<alert ", at + 1)) {
    const auto end = feed.find("</alert>", at);
    ASSERT_NE(end, std::string::npos);
    const auto alert = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + feed.substr(at, end + 8 - at);
    EXPECT_EQ(xmllint_errors(alert, true), "") << alert;
  }
  // The feed's id depends on the sender only.
  const auto id_of = [](const std::string& document) {
    const auto at = document.find("<id>");
    return document.substr(at, document.find("</id>", at) - at);
  };
  EXPECT_EQ(id_of(feed), id_of(write_cap_feed({}, kSender, {0, 0})));
  EXPECT_NE(id_of(feed), id_of(write_cap_feed({}, "other@sender", {0, 0})));
  EXPECT_EQ(xmllint_errors(write_cap_feed({}, kSender, {0, 0}), false), "");
}

}  // namespace
}  // namespace burgernet::cap
