// Fuzzes the bodies of POST /v1/participants and PATCH /v1/participants/{id}: any JSON document
// through parse_sign_up and parse_participant_change.
#include "burgernet/participant/participant_request.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;

// The project's API, in one place.
void check_sign_up(const nlohmann::json& body) {
  static const config::Config config;
  const auto request = participant::parse_sign_up(body, config.limits.service_area);
  fuzz::require(!request.addresses.empty() && request.addresses.size() <= participant::kMaxAddresses,
                "a sign-up has one to five addresses");
  fuzz::require(request.phone.e164.starts_with('+'), "the phone number is in E.164");
  participant::addresses_as_records(request.addresses);
}

void check_change(const nlohmann::json& body) {
  static const config::Config config;
  const auto change = participant::parse_participant_change(body, config.limits.service_area);
  if (change.addresses) participant::addresses_as_records(*change.addresses);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = burgernet::fuzz::as_json(burgernet::fuzz::as_text(data, size));
  if (!body) return 0;
  burgernet::fuzz::expect_refusal_at_most([&] { check_sign_up(*body); });
  burgernet::fuzz::expect_refusal_at_most([&] { check_change(*body); });
  return 0;
}
