// What a channel can do, as its driver declares it: the one source the config reader, the
// selection, the dispatcher and the renderer read instead of a channel's name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace burgernet::channel {

// Broadcast channels post once per action, update and closing, with no personal data (SPEC.md,
// "Selection rules"); personal channels get one delivery per recipient.
enum class Audience { kPersonal, kBroadcast };

// What a personal channel sends to.
enum class AddressKind { kNone, kPhone, kPushToken, kEmail };

// The text a channel renders. The personal forms are also what a participant chooses for an
// address (SPEC.md: "channels": subset of voice, sms, push, email): a participant who chose
// "sms" is reached by the channel whose form is sms, whatever that channel is called.
enum class TextForm { kSms, kVoice, kPush, kEmail, kSocial };

struct Capabilities {
  Audience audience = Audience::kBroadcast;
  AddressKind address = AddressKind::kNone;
  TextForm form = TextForm::kSocial;
  bool calls = false;  // rings a phone: an urgent action's call waits out quiet hours, a closing never calls

  bool broadcast() const { return audience == Audience::kBroadcast; }
  // Also selected by a device's reported location (push to the app).
  bool reaches_devices() const { return address == AddressKind::kPushToken; }
  bool operator==(const Capabilities&) const = default;
};

// The capabilities that go with a text form; drivers declare theirs with it, so that a form
// and its address kind cannot disagree.
Capabilities capabilities_of(TextForm form);

// "sms", "voice", "push", "email", "social".
std::string_view form_name(TextForm form);
std::optional<TextForm> form_from_name(std::string_view name);

// The forms a participant may choose for an address, in SPEC.md's order.
const std::vector<std::string>& participant_forms();

}  // namespace burgernet::channel
