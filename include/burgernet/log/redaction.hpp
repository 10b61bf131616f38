// The last line of defence for personal data in logs: every log line goes through redact()
// before it is written, so a phone number, e-mail address, token or coordinate that slipped
// into a message is masked. Code should still not log such values in the first place.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace burgernet::log {

// Masks, in place of each match, "[phone]", "[email]", "[token]" or "[coord]":
//  - phone numbers: "+" and 8-15 digits (E.164, also percent-encoded "%2B"), Dutch national
//    "0" and 9 more digits, international "00" and 9-13 more, each with single spaces or
//    dashes between digit groups;
//  - e-mail addresses (also with "@" percent-encoded as "%40");
//  - bearer credentials: whatever follows "Bearer ", and our secrets ("bn_…", "bnd_…");
//  - coordinates: decimal numbers with four or more decimals (about 10 m of precision).
std::string redact(std::string_view text);

// A spdlog formatter: formats with `pattern`, then redacts the whole line.
std::unique_ptr<spdlog::formatter> redacting_formatter(const std::string& pattern);

}  // namespace burgernet::log
