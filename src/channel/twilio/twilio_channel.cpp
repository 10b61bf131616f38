// Twilio answers 201 with the new resource as JSON; its `sid` keys the status callbacks.
#include "channel/twilio/twilio_channel.hpp"

#include <algorithm>
#include <stdexcept>

#include "burgernet/net/encoding.hpp"

namespace burgernet::channel {
namespace {

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

TwilioChannel::TwilioChannel(const config::ChannelConfig& config, Kind kind)
    : HttpChannel(http_client_options(config)),
      kind_(kind),
      account_sid_(twilio_sms_driver().value(config, "account_sid")),
      auth_token_(read_secret_file("channels." + config.name + ".auth_token_file",
                                   twilio_sms_driver().value(config, "auth_token_file"))),
      from_(twilio_sms_driver().value(config, "from")),
      status_callback_url_(twilio_sms_driver().value(config, "status_callback_url")),
      language_(twilio_voice_driver().value(config, "language")) {
  const std::string key = "channels." + config.name + ".";
  std::string base = twilio_sms_driver().value(config, "base_url");
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!net::parse_https_url(base)) throw std::runtime_error(key + "base_url: must be an https URL");
  url_ = base + "/2010-04-01/Accounts/" + net::percent_encode(account_sid_) +
         (kind == Kind::kSms ? "/Messages.json" : "/Calls.json");
}

std::string TwilioChannel::twiml(const std::string& text, const std::string& language) {
  const std::string say = "<Say language=\"" + xml_escape(language) + "\">" + xml_escape(text) + "</Say>";
  return "<Response>" + say + "<Pause length=\"1\"/>" + say + "</Response>";
}

std::vector<std::pair<std::string, std::string>> TwilioChannel::fields(const OutboundMessage& message) const {
  std::vector<std::pair<std::string, std::string>> out = {{"To", message.to.value_or("")}, {"From", from_}};
  if (kind_ == Kind::kSms) {
    out.emplace_back("Body", message.text);
  } else {
    // The renderer names a voice for a participant who reads another language (en-GB for "en").
    const auto voice = message.data.find("language");
    const bool own = voice != message.data.end() && voice->is_string() && !voice->get<std::string>().empty();
    out.emplace_back("Twiml", twiml(message.text, own ? voice->get<std::string>() : language_));
  }
  // The delivery id rides in the callback URL (Twilio signs it with the rest), so a receipt that
  // comes before we wrote the outcome still finds its delivery.
  if (!status_callback_url_.empty()) {
    const char separator = status_callback_url_.find('?') == std::string::npos ? '?' : '&';
    out.emplace_back("StatusCallback",
                     status_callback_url_ + separator + "delivery=" + std::to_string(message.delivery_id));
  }
  return out;
}

boost::asio::awaitable<HttpChannel::Prepared> TwilioChannel::prepare(const OutboundMessage& message) {
  if (!message.to || message.to->empty()) co_return SendResult(Failed{client().options().driver + ": no phone number"});
  net::HttpRequest request;
  request.url = url_;
  request.body = net::form_encode(fields(message));
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"},
                     {"Authorization", "Basic " + net::to_base64(account_sid_ + ":" + auth_token_)},
                     // The same on every attempt of this delivery: Twilio answers a repeat within
                     // its window with the first request's resource instead of sending again.
                     {"I-Twilio-Idempotency-Token", idempotency_key(message)}};
  co_return request;
}

SendResult TwilioChannel::accepted(const OutboundMessage&, const net::HttpResponse& response) {
  const auto document = nlohmann::json::parse(response.body, nullptr, false);
  if (document.is_object() && document.contains("sid") && document["sid"].is_string()) {
    return Sent{document["sid"].get<std::string>()};
  }
  // Accepted, but we cannot match its receipts: still sent, never sent twice.
  return Sent{};
}

namespace {

std::vector<Setting> twilio_settings() {
  return {{"base_url", Setting::Kind::kHttpsUrl, false, "https://api.twilio.com"},
          {"account_sid", Setting::Kind::kText, true, ""},
          {"auth_token_file", Setting::Kind::kSecretFile, true, ""},
          {"from", Setting::Kind::kText, true, ""},
          {"status_callback_url", Setting::Kind::kText, false, ""},
          // The number's inbound webhook as given to Twilio (POST /v1/callbacks/twilio/sms): the
          // URL Twilio signs, for tips answered by SMS (api/tip_routes.cpp).
          {"inbound_url", Setting::Kind::kText, false, ""},
          {"ca_file", Setting::Kind::kFile, false, ""}};
}

}  // namespace

const Driver& twilio_sms_driver() {
  static const Driver driver{"twilio_sms", twilio_settings(), serves(TextForm::kSms),
                             [](const config::ChannelConfig& config, boost::asio::any_io_executor) {
                               return std::make_shared<TwilioChannel>(config, TwilioChannel::Kind::kSms);
                             }};
  return driver;
}

const Driver& twilio_voice_driver() {
  static const Driver driver{
      "twilio_voice",
      [] {
        auto settings = twilio_settings();
        settings.push_back({"language", Setting::Kind::kText, false, "nl-NL"});
        return settings;
      }(),
      serves(TextForm::kVoice),
      [](const config::ChannelConfig& config, boost::asio::any_io_executor) {
        return std::make_shared<TwilioChannel>(config, TwilioChannel::Kind::kVoice);
      }};
  return driver;
}

}  // namespace burgernet::channel
