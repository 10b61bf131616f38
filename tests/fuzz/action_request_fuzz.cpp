// Fuzzes the body of POST /v1/actions: any JSON document through parse_action_request.
#include "burgernet/action/action_request.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace burgernet;

// The project's API, in one place: what the parser needs and how it is called.
config::Config make_config() {
  config::Config config;
  for (const char* name : {"sms", "voice", "push", "email", "x"}) {
    config.channels[name] = config::ChannelConfig{.name = name, .driver = "file"};
  }
  return config;
}

void check(const nlohmann::json& body) {
  static const config::Config config = make_config();
  const auto request = action::parse_action_request(body, action::action_rules(config));
  fuzz::require(!request.title.empty() && !request.message.empty(), "an accepted action has a title and a message");
  fuzz::require(!request.channels.empty(), "an accepted action has channels");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = burgernet::fuzz::as_json(burgernet::fuzz::as_text(data, size));
  if (!body) return 0;
  burgernet::fuzz::expect_refusal_at_most([&] { check(*body); });
  return 0;
}
