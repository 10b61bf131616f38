// CAP 1.2 out (docs/cap.md). The feed needs no token, so that other warning systems can poll
// it: it holds only what the social posts already publish, is kept for ten seconds (a thousand
// readers cost one query every ten seconds) and is rate-limited per client address.
#include "api/cap_routes.hpp"

#include <charconv>
#include <memory>

#include "burgernet/action/action_store.hpp"
#include "burgernet/cap/cap_document.hpp"
#include "burgernet/cap/cap_export_store.hpp"
#include "burgernet/http/errors.hpp"

namespace burgernet::api {
namespace {

using http::Request;
using http::Response;

constexpr std::chrono::seconds kFeedKeptFor{10};
// A reader polls every minute or so; a burst allows a few readers behind one address (NAT).
constexpr ratelimit::Rate kFeedPerClient{1, 30};
constexpr const char* kCapType = "application/cap+xml; charset=utf-8";

// ?message=<n>: the n-th message of the action (1 its own, then updates and closing).
std::optional<int> message_param(const Request& request) {
  const auto it = request.query.find("message");
  if (it == request.query.end()) return std::nullopt;
  int n = 0;
  const auto& text = it->second;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc() || end != text.data() + text.size() || n < 1) {
    throw http::BadRequest("message", "must be a whole number from 1 (the action's own message)");
  }
  return n;
}

}  // namespace

void add_cap_routes(http::Router& router, Context& context) {
  auto kept = std::make_shared<ShortCache<std::string>>(kFeedKeptFor, 1);
  router.add(
      http::beast_http::verb::get, "/v1/cap/feed", {},
      [&context, kept](Request& request) -> boost::asio::awaitable<Response> {
        ratelimit::enforce(context.limiters.client_ip, "cap-feed:" + request.remote_address, kFeedPerClient);
        auto body = kept->get("feed");
        if (!body) {
          const auto messages =
              co_await context.pool.run([](db::Connection& c) { return cap::feed_cap_messages(c); });
          const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
          // The feed's own <updated> only matters when it is empty; UTC then is as good.
          body = cap::write_cap_feed(messages, context.config.get()->cap.sender, {now, 0});
          kept->put("feed", *body);
        }
        auto response = http::text_response(request, 200, "application/atom+xml; charset=utf-8", *body);
        response.set(http::beast_http::field::cache_control, "public, max-age=10");
        co_return response;
      });

  router.add(http::beast_http::verb::get, "/v1/actions/{id}/cap", {"operator", "municipal"},
             [&context](Request& request) -> boost::asio::awaitable<Response> {
               const auto& id = request.path_params.at("id");
               if (!action::is_uuid(id)) throw http::NotFound("no such action");
               const auto wanted = message_param(request);
               const auto visibility = action::visibility_of(*request.caller);
               const auto messages = co_await context.pool.run([&id, &visibility](db::Connection& c) {
                 return cap::action_cap_messages(c, id, visibility);
               });
               if (messages.empty()) throw http::NotFound("no such action");
               // Without ?message the latest state: the newest message, referencing all before it.
               const auto index = wanted.value_or(static_cast<int>(messages.size()));
               if (index > static_cast<int>(messages.size())) {
                 throw http::NotFound("the action has " + std::to_string(messages.size()) + " messages");
               }
               const auto& message = messages[static_cast<std::size_t>(index - 1)];
               co_return http::text_response(request, 200, kCapType,
                                             cap::write_cap_alert(message, context.config.get()->cap.sender));
             });
}

}  // namespace burgernet::api
