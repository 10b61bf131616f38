// Tip handlers: the app back end posts tips (registrar), operators and municipalities read
// those of the actions they see, and participants answer an action's SMS (Twilio's inbound
// webhook, signed). Neither a number nor a tip's text ever reaches the log.
#include "api/tip_routes.hpp"

#include <spdlog/spdlog.h>

#include "api/audit_entry.hpp"
#include "api/page_limit.hpp"
#include "burgernet/channel/http_channel.hpp"
#include "burgernet/http/errors.hpp"
#include "burgernet/message/utf8.hpp"
#include "burgernet/net/encoding.hpp"
#include "burgernet/participant/phone_number.hpp"
#include "burgernet/tip/tip_request.hpp"
#include "burgernet/tip/tip_store.hpp"
#include "channel/twilio/twilio_channel.hpp"

namespace burgernet::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
namespace verb = http::beast_http;

const std::vector<std::string> kReaders = {"operator", "municipal"};
const std::vector<std::string> kPosters = {"registrar"};

// The configured channels that send SMS: an inbound SMS answers what one of them sent.
std::vector<std::string> sms_channels(const config::Config& config) {
  std::vector<std::string> names;
  for (const auto& [name, channel] : config.channels) {
    if (channel.capabilities.form == channel::TextForm::kSms) names.push_back(name);
  }
  return names;
}

// Whether a configured Twilio SMS channel's auth token signed this request to its inbound_url
// (the URL given to Twilio as the number's "A message comes in" webhook).
bool signed_by_twilio(const config::Config& config, const std::string& signature,
                      const std::vector<std::pair<std::string, std::string>>& params) {
  for (const auto& [name, channel] : config.channels) {
    if (channel.driver != "twilio_sms") continue;
    const std::string url = channel.settings.value("inbound_url", "");
    if (url.empty()) continue;
    std::string token;
    try {
      token = channel::read_secret_file("channels." + name + ".auth_token_file",
                                        channel.settings.value("auth_token_file", ""));
    } catch (const std::exception& e) {
      spdlog::error("twilio inbound sms: {}", e.what());
      continue;
    }
    if (net::equal_secret(channel::twilio_signature(token, url, params), signature)) return true;
  }
  return false;
}

std::string param(const std::vector<std::pair<std::string, std::string>>& params, const std::string& name) {
  for (const auto& [key, value] : params)
    if (key == name) return value;
  return {};
}

// TwiML: nothing to send back, or a short thank-you in the participant's language.
Response twiml(const Request& request, const std::string& reply) {
  std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  body += reply.empty() ? "<Response/>" : "<Response><Message>" + reply + "</Message></Response>";
  return http::text_response(request, 200, "text/xml", std::move(body));
}

std::string thank_you(const std::string& language) {
  if (language == "en") return "Thank you. Your tip has been passed on to the control room.";
  return "Dank je wel. Je tip is doorgegeven aan de meldkamer.";
}

// The SMS's text as a tip: valid UTF-8, at most kMaxTipTextLength characters (an SMS of 10
// segments is far below it), or nothing worth storing.
std::optional<std::string> tip_text(const std::string& body) {
  if (!message::is_valid_utf8(body) || body.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::nullopt;
  const auto characters = message::decode_utf8(body);
  if (characters.size() > tip::kMaxTipTextLength) return std::nullopt;
  return body;
}

}  // namespace

void add_tip_routes(http::Router& router, Context& context) {
  router.add(verb::verb::post, "/v1/actions/{id}/tips", kPosters,
             [&context](Request& request) -> awaitable<Response> {
               const auto config = context.config.get();
               tip::TipRequest parsed;
               try {
                 parsed = tip::parse_tip_request(request.json_body(), config->tips.max_photo_bytes);
               } catch (const tip::PhotoTooLarge& e) {
                 throw http::ApiError(413, "body_too_large", e.what());
               }
               tip::NewTip tip{request.path_params.at("id"), "app",        parsed.participant_id,
                               std::move(parsed.text),       std::nullopt, parsed.photo_type,
                               std::move(parsed.photo)};
               const auto audit = audit_entry(request, "tip.add", std::nullopt);
               const auto body = co_await context.pool.run(
                   [&](db::Connection& c) { return tip::add_tip(c, tip, context.keys, &audit); });
               co_return http::json_response(request, 201, body);
             });

  router.add(verb::verb::get, "/v1/actions/{id}/tips", kReaders,
             [&context](Request& request) -> awaitable<Response> {
               const int limit = read_page_limit(request);
               std::optional<std::string> cursor;
               if (const auto it = request.query.find("cursor"); it != request.query.end())
                 cursor = it->second;
               const auto& id = request.path_params.at("id");
               const auto audit = audit_entry(request, "tip.read", std::nullopt);
               const auto body = co_await context.pool.run([&](db::Connection& c) {
                 return tip::list_tips(c, id, *request.caller, limit, cursor, context.keys, &audit);
               });
               auto response = http::json_response(request, 200, body);
               response.set(verb::field::cache_control, "no-store");
               co_return response;
             });

  router.add(verb::verb::get, "/v1/actions/{id}/tips/{tip_id}/photo", kReaders,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = request.path_params.at("id");
               const auto& tip_id = request.path_params.at("tip_id");
               const auto audit = audit_entry(request, "tip.photo", std::nullopt);
               auto photo = co_await context.pool.run([&](db::Connection& c) {
                 return tip::tip_photo(c, id, tip_id, *request.caller, context.keys, &audit);
               });
               auto response = http::text_response(request, 200, photo.type, std::move(photo.bytes));
               response.set(verb::field::cache_control, "no-store");
               response.set("X-Content-Type-Options", "nosniff");
               co_return response;
             });

  // No bearer token: Twilio signs the request instead (X-Twilio-Signature), as the status
  // callbacks (callback_routes.cpp). Whatever happens after the signature, Twilio gets a 200
  // with TwiML, so that it neither retries nor tells the sender about our participants.
  router.add(
      verb::verb::post, "/v1/callbacks/twilio/sms", {}, [&context](Request& request) -> awaitable<Response> {
        const auto signature = request.header("X-Twilio-Signature");
        if (!signature || signature->empty()) throw http::Forbidden("X-Twilio-Signature is missing");
        const auto params = net::form_decode(request.raw.body());
        const auto config = context.config.get();
        if (!signed_by_twilio(*config, std::string(*signature), params))
          throw http::Forbidden("X-Twilio-Signature does not match");

        const auto count = [&](const char* outcome) {
          context.metrics
              .counter("burgernet_inbound_sms_total",
                       "Inbound SMS by what became of them: a tip linked to an action, or dropped and why.",
                       {{"outcome", outcome}})
              .inc();
        };
        const auto number = participant::parse_phone_number(param(params, "From"));
        const auto text = tip_text(param(params, "Body"));
        if (!number.number || !text) {
          count(text ? "unknown_sender" : "no_text");
          co_return twiml(request, "");
        }
        const auto channels = sms_channels(*config);
        const auto e164 = number.number->e164;
        const auto stored = co_await context.pool.run([&](db::Connection& c) -> std::optional<std::string> {
          const auto sender = tip::find_sms_sender(c, e164, channels, context.keys);
          if (!sender) return std::nullopt;
          tip::NewTip tip{sender->action_id, "sms",       sender->participant_id, *text, e164,
                          std::nullopt,      std::nullopt};
          try {
            tip::add_tip(c, tip, context.keys);
          } catch (const Conflict&) {
            return std::nullopt;  // closed between the two statements; as if too late
          }
          return sender->language;
        });
        if (!stored) {
          count("not_linked");
          co_return twiml(request, "");
        }
        count("linked");
        co_return twiml(request, thank_you(*stored));
      });
}

}  // namespace burgernet::api
