// What a Twilio status callback's parameters say about a delivery; pure, apart from the route.
#include <algorithm>

#include "api/callback_routes.hpp"

namespace burgernet::api {
namespace {

std::string param(const std::vector<std::pair<std::string, std::string>>& params, const std::string& name) {
  const auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  return it == params.end() ? std::string() : it->second;
}

}  // namespace

TwilioReceipt read_twilio_receipt(const std::vector<std::pair<std::string, std::string>>& params) {
  TwilioReceipt receipt;
  std::string status = param(params, "MessageStatus");
  receipt.sid = param(params, "MessageSid");
  if (status.empty()) {
    status = param(params, "CallStatus");
    receipt.sid = param(params, "CallSid");
  }
  if (receipt.sid.empty()) return receipt;
  if (status == "delivered" || status == "completed") {
    receipt.outcome = TwilioReceipt::Outcome::kDelivered;
  } else if (status == "failed" || status == "undelivered" || status == "busy" || status == "no-answer" ||
             status == "canceled") {
    receipt.outcome = TwilioReceipt::Outcome::kFailed;
    receipt.reason = "twilio: " + status;
    // Only digits of the error code: the reason is stored and used as a label.
    const std::string code = param(params, "ErrorCode");
    if (ascii_digits(code, 8)) {
      receipt.reason += " (error " + code + ")";
    }
  }
  return receipt;
}

}  // namespace burgernet::api
