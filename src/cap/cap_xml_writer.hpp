// A small XML writer for the CAP documents and the Atom feed: every text and attribute value
// goes through escape_xml, so operator text can never add markup of its own.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace burgernet::cap {

// `text` as XML character data (or, with `attribute`, as a double-quoted attribute value):
// markup characters as entities, ill-formed UTF-8 and the characters XML 1.0 forbids (controls
// other than tab, newline and carriage return; U+FFFE, U+FFFF) as U+FFFD.
std::string escape_xml(std::string_view text, bool attribute = false);

class XmlWriter {
 public:
  using Attributes = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // Starts the document with its declaration (UTF-8).
  XmlWriter();

  // Element names are the code's own constants; only attribute values and text are data.
  void open(std::string_view name, Attributes attributes = {});
  void close();
  void element(std::string_view name, std::string_view text, Attributes attributes = {});
  void empty(std::string_view name, Attributes attributes);

  // The document, with every element still open closed.
  std::string finish();

 private:
  void start_tag(std::string_view name, Attributes attributes);
  void indent();

  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace burgernet::cap
