// Twilio's StatusCallback: the signature is checked against every configured Twilio channel's
// auth token and status_callback_url, and only those channels' deliveries can be changed.
#include "api/callback_routes.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "burgernet/channel/http_channel.hpp"
#include "burgernet/http/errors.hpp"
#include "burgernet/net/encoding.hpp"
#include "burgernet/sql/query.hpp"
#include "channel/twilio/twilio_channel.hpp"

namespace burgernet::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
namespace verb = http::beast_http;

// The configured Twilio channels whose auth token signed these parameters (an SMS and a voice
// channel usually share one account, token and callback URL).
// Twilio signs the URL it called: the configured status_callback_url with the query string
// the driver added to it (the delivery id), so the configured URL's own query is replaced by
// the one of the request.
std::vector<std::string> signing_channels(const config::Config& config, const std::string& signature,
                                          const std::string& query,
                                          const std::vector<std::pair<std::string, std::string>>& params) {
  std::vector<std::string> signed_by;
  for (const auto& [name, channel] : config.channels) {
    if (channel.driver != "twilio_sms" && channel.driver != "twilio_voice") continue;
    std::string url = channel.settings.value("status_callback_url", "");
    if (url.empty()) continue;
    url = url.substr(0, url.find('?')) + (query.empty() ? "" : "?" + query);
    std::string token;
    try {
      // Read per request: a rotated token takes effect without a restart.
      token = channel::read_secret_file("channels." + name + ".auth_token_file",
                                        channel.settings.value("auth_token_file", ""));
    } catch (const std::exception& e) {
      spdlog::error("twilio callback: {}", e.what());
      continue;
    }
    if (net::equal_secret(channel::twilio_signature(token, url, params), signature)) signed_by.push_back(name);
  }
  return signed_by;
}

}  // namespace

void add_callback_routes(http::Router& router, Context& context) {
  // No bearer token: Twilio signs the request instead (X-Twilio-Signature).
  router.add(verb::verb::post, "/v1/callbacks/twilio", {}, [&context](Request& request) -> awaitable<Response> {
    const auto signature = request.header("X-Twilio-Signature");
    if (!signature || signature->empty()) throw http::Forbidden("X-Twilio-Signature is missing");
    const auto params = net::form_decode(request.raw.body());
    const auto config = context.config.get();
    const auto target = std::string_view(request.raw.target());
    const auto mark = target.find('?');
    const std::string query(mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1));
    const auto channels = signing_channels(*config, *signature, query, params);
    if (channels.empty()) throw http::Forbidden("X-Twilio-Signature does not match");

    const auto receipt = read_twilio_receipt(params);
    if (receipt.outcome == TwilioReceipt::Outcome::kIgnore) co_return http::empty_response(request, 204);
    const bool delivered = receipt.outcome == TwilioReceipt::Outcome::kDelivered;
    // The delivery id the driver put in the URL (signed above): the receipt finds its row even
    // before the completion wrote the provider's sid. Older callbacks match by that sid.
    const auto delivery = request.query.find("delivery");
    const bool by_id = delivery != request.query.end() && ascii_digits(delivery->second, 18);
    const auto changed = co_await context.pool.run([&](db::Connection& c) {
      auto r = by_id ? c.exec(sql::query("DeliveriesReceiptById"),
                              db::Params(delivery->second, channels, delivered ? "delivered" : "failed",
                                         receipt.reason, receipt.sid))
               : delivered ? c.exec(sql::query("DeliveriesMarkDelivered"), receipt.sid, channels)
                           : c.exec(sql::query("DeliveriesMarkUndelivered"), receipt.sid, channels, receipt.reason);
      std::vector<std::string> changed_channels;
      for (int i = 0; i < r.rows(); ++i) changed_channels.push_back(r.string(i, 1));
      return changed_channels;
    });
    for (const auto& channel : changed) {
      context.metrics
          .counter("burgernet_delivery_receipts_total", "Providers' delivery receipts that changed a delivery.",
                   {{"channel", channel}, {"outcome", delivered ? "delivered" : "failed"}})
          .inc();
    }
    co_return http::empty_response(request, 204);
  });
}

}  // namespace burgernet::api
