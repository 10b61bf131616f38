// The text of one delivery, per text form and message kind: pure functions of the action's fields.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/message/regions.hpp"

namespace burgernet::message {

struct RenderInput {
  channel::TextForm form;    // the channel's, from its driver
  std::string kind;          // action | update | closing | verification
  std::string title;         // the action's
  std::string category;      // the action's
  std::string action_kind;   // urgent | alert
  std::string message;       // action_messages.text, or deliveries.body for verification
  std::string action_id;
  std::string language;                   // the participant's (templates.hpp: "en", else Dutch)
  std::vector<std::string> centre_areas;  // actions.centre_areas: selects the region
};

struct RenderOptions {
  std::size_t sms_max_segments = 3;
  // Config `regions`, shared: a SIGHUP swaps the pointer, batches in flight keep the old table.
  std::shared_ptr<const Regions> regions = std::make_shared<const Regions>();
};

struct Rendered {
  std::string title;
  std::string text;
  nlohmann::json data = nlohmann::json::object();
};

Rendered render(const RenderInput& input, const RenderOptions& options);

}  // namespace burgernet::message
