// The words around an operator's text, per language, message kind, category and text form.
#pragma once

#include <array>
#include <string_view>

namespace burgernet::message {

// Placeholders filled by the renderer (render.cpp):
//   {lead}     the lead line, e.g. "Burgernet-actie: vermist kind"
//   {title}    the action's title        {message}  the operator's text of this message
//   {call}     the call-back line (or what is left of it: see render.cpp), "" for a closing
//   {sender}   the region's sender name  {what}     the category's name (lead lines only)
// A line that is empty after filling is dropped, so a missing part leaves no blank line.
struct FormTemplates {
  std::string_view sms;
  // Not repeated here: the Twilio voice driver says the whole text twice in every call.
  std::string_view voice;
  std::string_view push_title;
  std::string_view push_body;
  std::string_view email_subject;
  std::string_view email_body;
  std::string_view social;  // broadcast: always Dutch; "#Burgernet" is added after fitting
};

struct CategoryName {
  std::string_view category;  // actions.category
  std::string_view name;      // {what}
};

struct LanguageTemplates {
  std::string_view code;  // participants.language
  std::string_view twilio_voice;  // <Say language=...>; "" keeps the channel's configured one
  // Lead lines by message kind; an action's by its urgency.
  std::string_view lead_urgent, lead_alert, lead_update, lead_closing;
  // Call-back lines: both numbers, or only the one the operator's text does not give already.
  std::string_view call_both, call_callback_only, call_emergency_only;
  // Words that make a "112" in the operator's text an instruction to call it.
  std::array<std::string_view, 4> call_words;
  FormTemplates forms;
  std::array<CategoryName, 12> categories;
};

// Dutch for "nl", any other or no language; English for "en".
const LanguageTemplates& templates_for(std::string_view language);
const LanguageTemplates& dutch_templates();

}  // namespace burgernet::message
