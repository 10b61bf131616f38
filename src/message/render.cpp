// Per-channel texts from the templates (templates.cpp) in the participant's language, with the
// call-back line of the action's police region (regions.hpp): an SMS keeps that line when cut,
// the line never repeats what the operator wrote, and a tweet never carries personal data.
#include "burgernet/message/render.hpp"

#include <string_view>

#include "burgernet/message/sms_text.hpp"
#include "burgernet/message/templates.hpp"
#include "burgernet/message/tweet_text.hpp"
#include "burgernet/message/voice_text.hpp"

namespace burgernet::message {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Lower-case ASCII, every run of whitespace one space, no space at either end: how two lines
// are compared, and how the operator's text is searched for the numbers.
std::string normalized(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string digits_of(std::string_view number) {
  std::string out;
  for (const char c : number) {
    if (is_digit(c)) out.push_back(c);
  }
  return out;
}

// Whether `text` holds a number whose digits are `digits`, written whole, its groups joined by
// '-' or one space ("0800-0011", "0800 0011", "08000011"), not inside a longer number.
bool has_number(std::string_view text, std::string_view digits) {
  if (digits.empty()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_digit(text[i]) || (i > 0 && is_digit(text[i - 1]))) continue;
    std::string chain;
    std::size_t j = i;
    while (j < text.size()) {
      if (is_digit(text[j])) {
        chain.push_back(text[j++]);
      } else if ((text[j] == '-' || text[j] == ' ') && j + 1 < text.size() && is_digit(text[j + 1]) &&
                 chain.size() < digits.size()) {
        ++j;  // a separator inside the number; after all its digits, a space starts the next word
      } else {
        break;
      }
    }
    if (chain == digits) return true;
    i = j;
  }
  return false;
}

bool is_call_word_before(std::string_view text, std::size_t at, std::string_view word) {
  // `word`, whole, ending one space before `at` ("bel dan 112": "bel dan" is a call word itself).
  if (at < word.size() + 1 || text[at - 1] != ' ') return false;
  const std::size_t begin = at - 1 - word.size();
  return text.substr(begin, word.size()) == word && (begin == 0 || !is_letter(text[begin - 1]));
}

// Whether the operator already tells people to call the emergency number: the number, whole,
// right after a call word of either language ("bel 112", "Call 112"), or followed by "bellen".
// An emergency number after no call word ("huisnummer 112") does not count.
bool tells_to_call(std::string_view text, std::string_view emergency) {
  for (std::size_t at = text.find(emergency); at != std::string_view::npos; at = text.find(emergency, at + 1)) {
    const std::size_t end = at + emergency.size();
    if ((at > 0 && is_digit(text[at - 1])) || (end < text.size() && is_digit(text[end]))) continue;
    if (text.substr(end).starts_with(" bellen")) return true;
    for (const auto* language : {&dutch_templates(), &templates_for("en")}) {
      for (const auto word : language->call_words) {
        if (is_call_word_before(text, at, word)) return true;
      }
    }
  }
  return false;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

struct Fields {
  std::string lead, title, message, call, sender;
};

// The template with its placeholders filled. A template line whose placeholders were all empty
// is left out; blank lines are never doubled and never start or end the text.
std::string fill(std::string_view pattern, const Fields& f, bool keep_blank_lines) {
  static constexpr std::string_view kNames[] = {"{lead}", "{title}", "{message}", "{call}", "{sender}"};
  const std::string* values[] = {&f.lead, &f.title, &f.message, &f.call, &f.sender};
  std::string joined;
  std::size_t begin = 0;
  while (begin <= pattern.size()) {
    std::size_t end = pattern.find('\n', begin);
    if (end == std::string_view::npos) end = pattern.size();
    std::string line(pattern.substr(begin, end - begin));
    bool had_placeholder = false;
    bool any_filled = false;
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
      if (line.find(kNames[i]) == std::string::npos) continue;
      had_placeholder = true;
      any_filled = any_filled || !values[i]->empty();
      line = replace_all(std::move(line), kNames[i], *values[i]);
    }
    if (!had_placeholder || any_filled) joined += line + "\n";
    begin = end + 1;
  }
  std::string out;
  std::size_t at = 0;
  while (at < joined.size()) {
    std::size_t end = joined.find('\n', at);
    if (end == std::string::npos) end = joined.size();
    std::string_view line = std::string_view(joined).substr(at, end - at);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    at = end + 1;
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      if (keep_blank_lines && !out.empty() && !out.ends_with("\n\n")) out += "\n";
      continue;
    }
    out += line;
    out += "\n";
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The operator's text without the lines that say again what the lead or title say.
std::string own_lines(std::string_view message, const std::string& lead, const std::string& title) {
  const std::string lead_n = normalized(lead), title_n = normalized(title);
  std::string out;
  std::size_t at = 0;
  while (at <= message.size()) {
    std::size_t end = message.find('\n', at);
    if (end == std::string_view::npos) end = message.size();
    const std::string_view line = message.substr(at, end - at);
    const std::string n = normalized(line);
    if (n.empty() || (n != title_n && n != lead_n)) {
      out += line;
      out += '\n';
    }
    at = end + 1;
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string_view category_name(const LanguageTemplates& t, std::string_view category) {
  for (const auto& c : t.categories) {
    if (c.category == category) return c.name;
  }
  return t.categories.back().name;  // "other"
}

std::string lead_line(const LanguageTemplates& t, const RenderInput& in) {
  std::string_view pattern = in.action_kind == "urgent" ? t.lead_urgent : t.lead_alert;
  if (in.kind == "update") pattern = t.lead_update;
  if (in.kind == "closing") pattern = t.lead_closing;
  return replace_all(std::string(pattern), "{what}", category_name(t, in.category));
}

// Both numbers, or only what the operator's text does not give; nothing after a closing.
std::string call_line(const LanguageTemplates& t, const RenderInput& in, const Region& region) {
  if (in.kind == "closing") return "";
  const std::string text = normalized(in.message);
  const bool emergency_said = tells_to_call(text, region.emergency_number);
  const bool callback_said = has_number(text, digits_of(region.callback_number));
  std::string_view pattern = t.call_both;
  if (emergency_said && callback_said) return "";
  if (emergency_said) pattern = t.call_callback_only;
  if (callback_said) pattern = t.call_emergency_only;
  return replace_all(replace_all(std::string(pattern), "{emergency}", region.emergency_number), "{callback}",
                     region.callback_number);
}

// The call line is the template's last line: the operator's text is cut, never that line.
std::string sms(const LanguageTemplates& t, const Fields& fields, std::size_t max_segments) {
  std::string full = to_gsm_friendly(fill(t.forms.sms, fields, false));
  if (measure_sms(full).segments <= max_segments) return full;
  Fields without_call = fields;
  without_call.call.clear();
  const std::string head = to_gsm_friendly(fill(t.forms.sms, without_call, false));
  const std::string tail = fields.call.empty() ? std::string() : "\n" + to_gsm_friendly(fields.call);
  std::string cut = fit_sms(head, max_segments);
  while (!cut.empty() && measure_sms(cut + tail).segments > max_segments) {
    const std::size_t before = cut.size() > 4 ? cut.size() - 4 : 0;
    const std::size_t space = before == 0 ? std::string::npos : cut.find_last_of(" \n", before);
    cut = (space == std::string::npos || space == 0) ? std::string() : cut.substr(0, space) + "...";
  }
  return cut.empty() ? to_gsm_friendly(fields.call) : cut + tail;
}

std::string tweet(const LanguageTemplates& t, const Fields& fields) {
  const std::string tag = " #Burgernet";
  const std::string text = strip_personal_data(fill(t.forms.social, fields, false));
  return fit_tweet(text, kMaxTweetLength - tag.size()) + tag;
}

}  // namespace

Rendered render(const RenderInput& in, const RenderOptions& options) {
  Rendered out;
  if (in.kind == "verification") {
    out.title = in.title;
    out.text = in.message;
    return out;
  }
  using channel::TextForm;
  // A broadcast post is read by everyone: Dutch, as the operator writes.
  const LanguageTemplates& t = in.form == TextForm::kSocial ? dutch_templates() : templates_for(in.language);
  static const Regions kBuiltIn;
  const Region& region = options.regions ? options.regions->for_areas(in.centre_areas) : kBuiltIn.fallback();
  Fields fields;
  fields.lead = lead_line(t, in);
  fields.title = in.title;
  fields.message = own_lines(in.message, fields.lead, in.title);
  fields.call = call_line(t, in, region);
  fields.sender = region.sender_name;
  out.title = fields.lead;
  switch (in.form) {
    case TextForm::kSms:
      out.text = sms(t, fields, options.sms_max_segments);
      break;
    case TextForm::kVoice: {
      const Speech speech = &t == &dutch_templates() ? Speech::kDutch : Speech::kEnglish;
      out.text = speech_text(fill(t.forms.voice, fields, false), speech);
      if (!t.twilio_voice.empty()) out.data["language"] = t.twilio_voice;
      break;
    }
    case TextForm::kSocial:
      out.title = strip_personal_data(fields.lead + ": " + in.title);
      out.text = tweet(t, fields);
      break;
    case TextForm::kPush:
      out.title = fill(t.forms.push_title, fields, false);
      out.text = fill(t.forms.push_body, fields, false);
      out.data = {{"action_id", in.action_id}, {"kind", in.kind}, {"category", in.category}, {"language", t.code}};
      break;
    case TextForm::kEmail:
      out.title = fill(t.forms.email_subject, fields, false);
      out.text = fill(t.forms.email_body, fields, true);
      break;
  }
  return out;
}

}  // namespace burgernet::message
