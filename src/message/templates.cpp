// The texts themselves, Dutch and English, as data. Keep them short: every character of an SMS
// line counts against sms.max_segments, and the operator's message is what gets cut first.
#include "burgernet/message/templates.hpp"

namespace burgernet::message {
namespace {

constexpr LanguageTemplates kDutch{
    .code = "nl",
    .twilio_voice = "",  // the channel's `language`, nl-NL by default
    .lead_urgent = "Burgernet-actie: {what}",
    .lead_alert = "Burgernet alert: {what}",
    .lead_update = "Burgernet-update: {what}",
    .lead_closing = "Burgernet afgesloten: {what}",
    .call_both = "Bel {emergency} of {callback}",
    .call_callback_only = "Of bel {callback}",
    .call_emergency_only = "Bel bij spoed {emergency}",
    .call_words = {"bel", "bellen", "belt", "bel dan"},
    .forms =
        {
            .sms = "{lead}\n{title}\n{message}\n{call}",
            .voice = "Dit is een bericht van Burgernet, namens {sender}.\n{lead}.\n{title}.\n{message}\n{call}.",
            .push_title = "{lead}",
            .push_body = "{title}\n{message}\n{call}",
            .email_subject = "{lead} - {title}",
            .email_body = "{title}\n\n{message}\n\n{call}.\n\n{sender}\n"
                          "U ontvangt dit bericht omdat u meedoet aan Burgernet.",
            .social = "{lead}\n{title}: {message}",
        },
    .categories = {{
        {"burglary", "inbraak"},
        {"missing_person", "vermiste persoon"},
        {"amber_alert", "vermist kind"},
        {"street_robbery", "straatroof"},
        {"robbery", "overval"},
        {"shoplifting", "winkeldiefstal"},
        {"pickpocketing", "zakkenrollers"},
        {"hit_and_run", "doorrijden na ongeval"},
        {"vehicle", "voertuig gezocht"},
        {"witness_call", "getuigen gezocht"},
        {"prevention", "preventie"},
        {"other", "melding"},
    }},
};

constexpr LanguageTemplates kEnglish{
    .code = "en",
    .twilio_voice = "en-GB",
    .lead_urgent = "Burgernet action: {what}",
    .lead_alert = "Burgernet alert: {what}",
    .lead_update = "Burgernet update: {what}",
    .lead_closing = "Burgernet closed: {what}",
    .call_both = "Call {emergency} or {callback}",
    .call_callback_only = "Or call {callback}",
    .call_emergency_only = "In an emergency call {emergency}",
    .call_words = {"call", "dial", "phone", "ring"},
    .forms =
        {
            .sms = "{lead}\n{title}\n{message}\n{call}",
            .voice = "This is a message from Burgernet, on behalf of {sender}.\n{lead}.\n{title}.\n{message}\n{call}.",
            .push_title = "{lead}",
            .push_body = "{title}\n{message}\n{call}",
            .email_subject = "{lead} - {title}",
            .email_body = "{title}\n\n{message}\n\n{call}.\n\n{sender}\n"
                          "You receive this message because you take part in Burgernet.",
            .social = "{lead}\n{title}: {message}",
        },
    .categories = {{
        {"burglary", "burglary"},
        {"missing_person", "missing person"},
        {"amber_alert", "missing child"},
        {"street_robbery", "street robbery"},
        {"robbery", "robbery"},
        {"shoplifting", "shoplifting"},
        {"pickpocketing", "pickpockets"},
        {"hit_and_run", "hit and run"},
        {"vehicle", "wanted vehicle"},
        {"witness_call", "witnesses wanted"},
        {"prevention", "prevention"},
        {"other", "notice"},
    }},
};

}  // namespace

const LanguageTemplates& dutch_templates() { return kDutch; }

const LanguageTemplates& templates_for(std::string_view language) {
  return language == kEnglish.code ? kEnglish : kDutch;
}

}  // namespace burgernet::message
