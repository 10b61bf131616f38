// The <alert> element of one message, written into a document under way (the feed embeds it).
#pragma once

#include "burgernet/cap/cap_document.hpp"
#include "cap/cap_xml_writer.hpp"

namespace burgernet::cap {

inline constexpr std::string_view kCapNamespace = "urn:oasis:names:tc:emergency:cap:1.2";

void write_alert_element(XmlWriter& xml, const CapMessage& message, const std::string& sender);

// The headline of the message in `language` ("nl" or "en"): the lead line of its kind and the
// action's title, as in an e-mail subject (message/templates.cpp).
std::string cap_headline(const CapMessage& message, std::string_view language);

}  // namespace burgernet::cap
