// Fuzzes the CAP 1.2 reader of POST /v1/cap (libxml2 with DTDs refused) and the mapping of what
// it reads to an action body, as far as the action's own parser.
#include "burgernet/action/action_request.hpp"
#include "cap/cap_import.hpp"
#include "cap/cap_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace burgernet;
  fuzz::expect_refusal_at_most([&] {
    const auto alert = cap::read_alert(fuzz::as_text(data, size));
    const auto built = cap::action_body(alert, {}, 1796119200);
    action::ActionRules rules;
    rules.channels = {"sms"};
    try {
      action::parse_action_request(built.body, rules);
    } catch (const InvalidField& e) {
      cap::as_cap_field(e, built);
      throw;
    }
  });
  return 0;
}
