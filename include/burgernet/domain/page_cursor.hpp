// Paging by cursor for every list the API answers newest first: the cursor names the last row
// handed out, so that rows arriving meanwhile neither shift nor repeat a page.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace burgernet::domain {

// Whether `text` is a uuid in its canonical form (else a route answers 404).
bool is_uuid(std::string_view text);

// Opaque to clients: hex of "<sort key>|<uuid>" of the last row handed out.
std::string encode_page_cursor(const std::string& sort_key, const std::string& id);

// The sort key and id of a cursor from encode_page_cursor; throws InvalidField("cursor") for
// anything else.
std::pair<std::string, std::string> decode_page_cursor(const std::string& cursor);

}  // namespace burgernet::domain
