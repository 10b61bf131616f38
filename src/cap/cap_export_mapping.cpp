// How an action's kind and category become CAP's msgType, category, urgency, severity,
// certainty and responseType: the table of docs/cap.md, "Mapping", in code.
#include <array>

#include "burgernet/cap/cap_document.hpp"

namespace burgernet::cap {

namespace {

struct CategoryClass {
  std::string_view category;
  std::string_view cap_category;
  std::string_view severity;
};

// Severity is the harm the incident stands for: a person in danger is Severe, violence or a
// fleeing offender Moderate, property and requests for witnesses Minor. A missing person is a
// search (Rescue); everything else is law enforcement (Security).
constexpr std::array<CategoryClass, 12> kCategories{{
    {"amber_alert", "Security", "Severe"},
    {"missing_person", "Rescue", "Severe"},
    {"robbery", "Security", "Moderate"},
    {"street_robbery", "Security", "Moderate"},
    {"hit_and_run", "Security", "Moderate"},
    {"burglary", "Security", "Moderate"},
    {"vehicle", "Security", "Moderate"},
    {"shoplifting", "Security", "Minor"},
    {"pickpocketing", "Security", "Minor"},
    {"witness_call", "Security", "Minor"},
    {"prevention", "Security", "Minor"},
    {"other", "Security", "Minor"},
}};

}  // namespace

CapClassification classify(std::string_view message_kind, std::string_view action_kind,
                           std::string_view category) {
  CapClassification c;
  const auto* found = &kCategories.back();  // "other"
  for (const auto& entry : kCategories) {
    if (entry.category == category) found = &entry;
  }
  c.cap_category = found->cap_category;
  c.severity = found->severity;
  // An urgent action is an incident the police see now; people should look out at once. An
  // alert (municipal staff, not urgent) asks for attention in the coming hours; prevention
  // advice is about what may happen.
  if (action_kind == "urgent") {
    c.urgency = "Immediate";
    c.certainty = "Observed";
    c.response_type = "Monitor";
  } else if (category == "prevention") {
    c.urgency = "Future";
    c.certainty = "Possible";
    c.response_type = "Prepare";
  } else {
    c.urgency = "Expected";
    c.certainty = "Likely";
    c.response_type = "Monitor";
  }
  if (message_kind == "closing") {
    // The closing ends the action: nothing more to look out for.
    c.msg_type = "Cancel";
    c.urgency = "Past";
    c.response_type = "AllClear";
  } else {
    c.msg_type = message_kind == "update" ? "Update" : "Alert";
  }
  return c;
}

}  // namespace burgernet::cap
