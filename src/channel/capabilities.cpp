// The text forms' names and the capabilities each implies.
#include "burgernet/channel/capabilities.hpp"

#include <array>
#include <utility>

namespace burgernet::channel {
namespace {

constexpr std::array<std::pair<TextForm, std::string_view>, 5> kFormNames = {{
    {TextForm::kSms, "sms"},
    {TextForm::kVoice, "voice"},
    {TextForm::kPush, "push"},
    {TextForm::kEmail, "email"},
    {TextForm::kSocial, "social"},
}};

}  // namespace

Capabilities capabilities_of(TextForm form) {
  switch (form) {
    case TextForm::kSms:
      return {Audience::kPersonal, AddressKind::kPhone, form, false};
    case TextForm::kVoice:
      return {Audience::kPersonal, AddressKind::kPhone, form, true};
    case TextForm::kPush:
      return {Audience::kPersonal, AddressKind::kPushToken, form, false};
    case TextForm::kEmail:
      return {Audience::kPersonal, AddressKind::kEmail, form, false};
    case TextForm::kSocial:
      break;
  }
  return {Audience::kBroadcast, AddressKind::kNone, TextForm::kSocial, false};
}

std::string_view form_name(TextForm form) {
  for (const auto& [f, name] : kFormNames) {
    if (f == form) return name;
  }
  return "social";
}

std::optional<TextForm> form_from_name(std::string_view name) {
  for (const auto& [form, n] : kFormNames) {
    if (n == name) return form;
  }
  return std::nullopt;
}

const std::vector<std::string>& participant_forms() {
  static const std::vector<std::string> forms = {"voice", "sms", "push", "email"};
  return forms;
}

}  // namespace burgernet::channel
