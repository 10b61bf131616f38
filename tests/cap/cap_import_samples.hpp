// CAP 1.2 alerts for the import tests: one real-looking alert, its parts replaceable.
#pragma once

#include <string>

namespace burgernet::testing {

struct CapSample {
  std::string identifier = "NL-POL-ALERT-0001";
  std::string sender = "meldkamer@politie.example";
  std::string sent = "2026-12-01T11:00:00+01:00";
  std::string status = "Actual";
  std::string msg_type = "Alert";
  std::string scope = "Public";
  std::string references;  // empty: no <references>
  std::string language = "nl-NL";
  std::string event = "Inbraak";
  std::string urgency = "Immediate", severity = "Severe";
  std::string headline = "Inbraak Damstraat";
  std::string description = "Man in donkere jas gevlucht richting station.";
  std::string instruction = "Ziet u hem? Bel 112.";
  std::string expires;  // empty: no <expires>
  // The inside of <area> after <areaDesc>: a circle "lat,lon radius_km" by default.
  std::string area = "<circle>52.3731,4.8926 1</circle>";
  std::string extra_info;  // more <info> elements, after the first
};

inline std::string cap_xml(const CapSample& s) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n";
  xml += "  <identifier>" + s.identifier + "</identifier>\n";
  xml += "  <sender>" + s.sender + "</sender>\n";
  xml += "  <sent>" + s.sent + "</sent>\n";
  xml += "  <status>" + s.status + "</status>\n";
  xml += "  <msgType>" + s.msg_type + "</msgType>\n";
  xml += "  <scope>" + s.scope + "</scope>\n";
  if (!s.references.empty()) xml += "  <references>" + s.references + "</references>\n";
  xml += "  <info>\n";
  xml += "    <language>" + s.language + "</language>\n";
  xml += "    <category>Security</category>\n";
  xml += "    <event>" + s.event + "</event>\n";
  xml += "    <urgency>" + s.urgency + "</urgency>\n";
  xml += "    <severity>" + s.severity + "</severity>\n";
  xml += "    <certainty>Observed</certainty>\n";
  if (!s.expires.empty()) xml += "    <expires>" + s.expires + "</expires>\n";
  xml += "    <senderName>Politie Amsterdam</senderName>\n";
  xml += "    <headline>" + s.headline + "</headline>\n";
  if (!s.description.empty()) xml += "    <description>" + s.description + "</description>\n";
  if (!s.instruction.empty()) xml += "    <instruction>" + s.instruction + "</instruction>\n";
  xml += "    <area>\n      <areaDesc>Amsterdam Centrum</areaDesc>\n      " + s.area + "\n    </area>\n";
  xml += "  </info>\n" + s.extra_info + "</alert>\n";
  return xml;
}

}  // namespace burgernet::testing
