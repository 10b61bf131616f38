// A receiver checks X-Burgernet-Signature against the raw body before parsing it, as with
// GitHub's X-Hub-Signature-256.
#include "channel/webhook/webhook_channel.hpp"

#include <stdexcept>

#include "burgernet/net/encoding.hpp"

namespace burgernet::channel {

WebhookChannel::WebhookChannel(const config::ChannelConfig& config)
    : HttpChannel(http_client_options(config)),
      url_(webhook_driver().value(config, "url")),
      secret_(read_secret_file("channels." + config.name + ".secret_file", webhook_driver().value(config, "secret_file"))) {
  if (!net::parse_https_url(url_)) throw std::runtime_error("channels." + config.name + ".url: must be an https URL");
}

std::string WebhookChannel::body(const OutboundMessage& m) {
  const auto optional = [](const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  const nlohmann::json document = {{"delivery_id", m.delivery_id}, {"action_id", optional(m.action_id)},
                                   {"channel", m.channel},         {"kind", m.kind},
                                   {"to", optional(m.to)},          {"title", m.title},
                                   {"text", m.text},                {"data", m.data}};
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WebhookChannel::signature(const std::string& secret, const std::string& body) {
  return "sha256=" + net::to_hex(net::hmac_sha256(secret, body));
}

boost::asio::awaitable<HttpChannel::Prepared> WebhookChannel::prepare(const OutboundMessage& message) {
  net::HttpRequest request;
  request.url = url_;
  request.body = body(message);
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Burgernet-Signature", signature(secret_, request.body)},
                     {"X-Burgernet-Delivery", std::to_string(message.delivery_id)},
                     // The same on every attempt of this delivery, for the receiver to drop repeats.
                     {"Idempotency-Key", idempotency_key(message)}};
  co_return request;
}

// A webhook posts each action, update and closing once, without personal data, to one
// receiver (a pager gateway, a regional dashboard): a broadcast channel.
const Driver& webhook_driver() {
  static const Driver driver{"webhook",
                             {{"url", Setting::Kind::kHttpsUrl, true, ""},
                              {"secret_file", Setting::Kind::kSecretFile, true, ""},
                              {"ca_file", Setting::Kind::kFile, false, ""}},
                             serves(TextForm::kSocial),
                             [](const config::ChannelConfig& config, boost::asio::any_io_executor) {
                               return std::make_shared<WebhookChannel>(config);
                             }};
  return driver;
}

}  // namespace burgernet::channel
