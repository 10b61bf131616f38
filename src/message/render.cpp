// Per-channel texts: SMS keeps its call-back line when cut, a tweet never carries personal data.
#include "burgernet/message/render.hpp"

#include "burgernet/message/sms_text.hpp"
#include "burgernet/message/tweet_text.hpp"
#include "burgernet/message/voice_text.hpp"

namespace burgernet::message {

namespace {

std::string heading(const RenderInput& in) {
  if (in.kind == "update") return "Update: " + in.title;
  if (in.kind == "closing") return "Afgesloten: " + in.title;
  return in.title;
}

std::string sms(const RenderInput& in, const RenderOptions& options) {
  const std::string tail = "\nBel 112 of " + options.callback_number;
  const std::string head = "Burgernet: " + heading(in) + "\n";
  const std::string body = to_gsm_friendly(in.message);
  std::string full = to_gsm_friendly(head) + body + tail;
  if (measure_sms(full).segments <= options.sms_max_segments) return full;
  // Cut the message, not the call-back line: drop words until the text and the line fit.
  std::string cut = fit_sms(to_gsm_friendly(head) + body, options.sms_max_segments);
  while (!cut.empty() && measure_sms(cut + tail).segments > options.sms_max_segments) {
    const std::size_t before = cut.size() > 4 ? cut.size() - 4 : 0;
    const std::size_t space = before == 0 ? std::string::npos : cut.find_last_of(" \n", before);
    cut = (space == std::string::npos || space == 0) ? std::string() : cut.substr(0, space) + "...";
  }
  return cut + tail;
}

std::string tweet(const RenderInput& in) {
  const std::string tag = " #Burgernet";
  const std::string text = strip_personal_data(heading(in) + ": " + in.message);
  return fit_tweet(text, kMaxTweetLength - tag.size()) + tag;
}

}  // namespace

Rendered render(const RenderInput& in, const RenderOptions& options) {
  Rendered out;
  out.title = heading(in);
  if (in.kind == "verification") {
    out.text = in.message;
    return out;
  }
  using channel::TextForm;
  switch (in.form) {
    case TextForm::kSms:
      out.text = sms(in, options);
      break;
    case TextForm::kVoice:
      out.text = speech_text("Dit is een bericht van Burgernet.\n" + heading(in) + ".\n" + in.message +
                             "\nBel 112 of " + options.callback_number + ".");
      break;
    case TextForm::kSocial:
      out.title = strip_personal_data(out.title);
      out.text = tweet(in);
      break;
    case TextForm::kPush:
      out.text = in.message;
      out.data = {{"action_id", in.action_id}, {"kind", in.kind}, {"category", in.category}};
      break;
    case TextForm::kEmail:  // subject + plain text
      out.title = "Burgernet: " + heading(in);
      out.text = in.message + "\n\nBel 112 of " + options.callback_number + ".";
      break;
  }
  return out;
}

}  // namespace burgernet::message
