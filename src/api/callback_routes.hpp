// /v1/callbacks/*: providers' delivery receipts, authenticated by the provider's own signature
// instead of a bearer token.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "burgernet/api/context.hpp"
#include "burgernet/http/router.hpp"

namespace burgernet::api {

void add_callback_routes(http::Router& router, Context& context);

// What a Twilio status callback asks for: nothing (an intermediate status), or a delivery to
// mark delivered or failed. Pure, for tests.
struct TwilioReceipt {
  enum class Outcome { kIgnore, kDelivered, kFailed } outcome = Outcome::kIgnore;
  std::string sid;
  std::string reason;  // for kFailed: "twilio: undelivered (error 30003)"
};
TwilioReceipt read_twilio_receipt(const std::vector<std::pair<std::string, std::string>>& params);

// Only '0'-'9', at least one and at most `max`: a callback's numbers (::isdigit on a byte of
// UTF-8 above 127 is undefined behaviour).
inline bool ascii_digits(std::string_view text, std::size_t max) {
  return !text.empty() && text.size() <= max &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace burgernet::api
