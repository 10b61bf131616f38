// Fuzzes Twilio's status callback as POST /v1/callbacks/twilio reads it: the form body decoded,
// its signature computed and compared, and the receipt read. The input is the
// X-Twilio-Signature value, a newline, and the body.
#include "api/callback_routes.hpp"
#include "burgernet/net/encoding.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;

// The project's API, in one place.
void check(std::string_view signature, std::string_view body) {
  const auto params = net::form_decode(body);
  // Decoding what we encode gives the same fields back, whatever the fields.
  fuzz::require(net::form_decode(net::form_encode(params)) == params, "form_decode(form_encode(x)) == x");
  const std::string url = "https://burgernet.example/v1/callbacks/twilio?delivery=42";
  const auto expected = channel::twilio_signature("auth-token", url, params);
  fuzz::require(net::equal_secret(expected, expected), "a signature equals itself");
  net::equal_secret(expected, signature);
  const auto receipt = api::read_twilio_receipt(params);
  if (receipt.outcome != api::TwilioReceipt::Outcome::kIgnore) {
    fuzz::require(!receipt.sid.empty(), "a receipt that changes a delivery names it");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = burgernet::fuzz::as_text(data, size);
  const auto newline = input.find('\n');
  const auto signature = input.substr(0, newline);
  const auto body = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  burgernet::fuzz::expect_refusal_at_most([&] { check(signature, body); });
  return 0;
}
