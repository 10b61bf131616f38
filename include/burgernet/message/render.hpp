// The text of one delivery, per text form and message kind: pure functions of the action's fields.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "burgernet/channel/capabilities.hpp"

namespace burgernet::message {

struct RenderInput {
  channel::TextForm form;    // the channel's, from its driver
  std::string kind;          // action | update | closing | verification
  std::string title;         // the action's
  std::string category;      // the action's
  std::string action_kind;   // urgent | alert
  std::string message;       // action_messages.text, or deliveries.body for verification
  std::string action_id;
};

struct RenderOptions {
  std::string callback_number = "0800-0011";
  std::size_t sms_max_segments = 3;
};

struct Rendered {
  std::string title;
  std::string text;
  nlohmann::json data = nlohmann::json::object();
};

Rendered render(const RenderInput& input, const RenderOptions& options);

}  // namespace burgernet::message
