// The public Atom feed (RFC 4287) of CAP messages: one entry per message, newest first, each
// with its whole CAP alert inline and a link to the action's CAP route (docs/cap.md, "Feed").
#include "burgernet/cap/cap_document.hpp"
#include "cap/cap_writer.hpp"

namespace burgernet::cap {

namespace {

constexpr std::string_view kAtomNamespace = "http://www.w3.org/2005/Atom";
// RFC 9562's namespace for URLs; the feed's own id is derived from the sender in it.
constexpr std::string_view kUrlNamespace = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

}  // namespace

std::string write_cap_feed(const std::vector<CapMessage>& messages, const std::string& sender,
                           CapTime updated) {
  XmlWriter xml;
  xml.open("feed", {{"xmlns", kAtomNamespace}});
  // Stable per installation: a reader that polls two daemons behind one name sees one feed.
  xml.element("id", "urn:uuid:" + name_based_uuid(kUrlNamespace, "burgernet-cap-feed:" + sender));
  xml.element("title", "Burgernet CAP");
  xml.element("updated", format_cap_time(messages.empty() ? updated : messages.front().sent));
  xml.open("author");
  xml.element("name", "Burgernet");
  xml.close();
  // Relative references: resolved against where the reader fetched the feed (RFC 4287, 1.3),
  // which is right behind any proxy without knowing its name.
  xml.empty("link", {{"rel", "self"}, {"type", "application/atom+xml"}, {"href", "/v1/cap/feed"}});
  for (const auto& m : messages) {
    const auto href = "/v1/actions/" + m.action_id + "/cap?message=" + std::to_string(m.sequence);
    xml.open("entry");
    xml.element("id", message_identifier(m.action_id, m.message_kind, m.message_id));
    xml.element("title", cap_headline(m, "nl"));
    xml.element("updated", format_cap_time(m.sent));
    xml.empty("link", {{"rel", "alternate"}, {"type", "application/cap+xml"}, {"href", href}});
    xml.element("summary", m.text);
    xml.open("content", {{"type", "application/cap+xml"}});
    write_alert_element(xml, m, sender);
    xml.close();
    xml.close();
  }
  return xml.finish();
}

}  // namespace burgernet::cap
