// The twilio_voice driver speaks in the voice the renderer names for the participant's language.
#include <gtest/gtest.h>

#include <fstream>

#include "burgernet/message/render.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "support/daemon_process.hpp"

namespace burgernet {
namespace {

std::string twiml_of(const channel::TwilioChannel& twilio, const channel::OutboundMessage& message) {
  for (const auto& [key, value] : twilio.fields(message)) {
    if (key == "Twiml") return value;
  }
  return "";
}

TEST(TwilioVoice, AnEnglishParticipantIsCalledWithTheEnglishVoice) {
  const auto dir = testing::make_temp_dir("twilio-voice-");
  std::ofstream(dir + "/token") << "secret-token\n";
  config::ChannelConfig config;
  config.name = "voice";
  config.driver = "twilio_voice";
  config.settings = {{"account_sid", "AC123"}, {"auth_token_file", dir + "/token"}, {"from", "+3185000000"}};
  const channel::TwilioChannel twilio(config, channel::TwilioChannel::Kind::kVoice);

  message::RenderInput input{channel::TextForm::kVoice, "action", "Vermiste jongen", "missing_person", "urgent",
                             "Rode jas.", "a-1", "en", {}};
  auto rendered = message::render(input, {});
  channel::OutboundMessage english{1, "a-1", "voice", "action", "+31612345678", rendered.title, rendered.text,
                                   rendered.data, nullptr};
  EXPECT_TRUE(twiml_of(twilio, english).starts_with("<Response><Say language=\"en-GB\">This is a message"))
      << twiml_of(twilio, english);

  input.language = "nl";
  rendered = message::render(input, {});
  channel::OutboundMessage dutch{2, "a-1", "voice", "action", "+31612345678", rendered.title, rendered.text,
                                 rendered.data, nullptr};
  EXPECT_TRUE(twiml_of(twilio, dutch).starts_with("<Response><Say language=\"nl-NL\">Dit is een bericht"))
      << twiml_of(twilio, dutch);
}

}  // namespace
}  // namespace burgernet
