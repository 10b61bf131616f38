// Escaping and indentation for the CAP and Atom documents (cap_xml_writer.hpp).
#include "cap/cap_xml_writer.hpp"

#include "burgernet/message/utf8.hpp"

namespace burgernet::cap {

namespace {

// XML 1.0's Char production: what a document may hold at all, even escaped.
bool allowed_in_xml(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace

std::string escape_xml(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const auto decoded = message::decode_utf8_at(text, i);
    const char32_t c =
        allowed_in_xml(decoded.code_point) ? decoded.code_point : message::kReplacementCharacter;
    i += decoded.length;
    switch (c) {
      case U'&':
        out += "&amp;";
        break;
      case U'<':
        out += "&lt;";
        break;
      case U'>':
        out += "&gt;";
        break;  // "]]>" must not appear in text
      case U'"':
        out += attribute ? "&quot;" : "\"";
        break;
      // A parser turns a raw carriage return into a newline, and in an attribute every newline
      // and tab into a space: as references, they arrive as written.
      case U'\r':
        out += "&#13;";
        break;
      case U'\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case U'\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        message::append_utf8(out, c);
    }
  }
  return out;
}

XmlWriter::XmlWriter() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {}

void XmlWriter::indent() { out_.append(open_.size() * 2, ' '); }

void XmlWriter::start_tag(std::string_view name, Attributes attributes) {
  indent();
  out_.append(1, '<').append(name);
  for (const auto& [key, value] : attributes) {
    out_.append(1, ' ').append(key).append("=\"").append(escape_xml(value, true)).append(1, '"');
  }
}

void XmlWriter::open(std::string_view name, Attributes attributes) {
  start_tag(name, attributes);
  out_ += ">\n";
  open_.emplace_back(name);
}

void XmlWriter::close() {
  if (open_.empty()) return;
  const std::string name = std::move(open_.back());
  open_.pop_back();
  indent();
  out_.append("</").append(name).append(">\n");
}

void XmlWriter::element(std::string_view name, std::string_view text, Attributes attributes) {
  start_tag(name, attributes);
  out_.append(1, '>').append(escape_xml(text)).append("</").append(name).append(">\n");
}

void XmlWriter::empty(std::string_view name, Attributes attributes) {
  start_tag(name, attributes);
  out_ += "/>\n";
}

std::string XmlWriter::finish() {
  while (!open_.empty()) close();
  return std::move(out_);
}

}  // namespace burgernet::cap
