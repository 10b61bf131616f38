// /v1/callbacks/*: providers' delivery receipts, authenticated by the provider's own signature
// instead of a bearer token.
#pragma once

#include <map>
#include <optional>
#include <string>
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

}  // namespace burgernet::api
