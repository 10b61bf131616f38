// X's v2 API answers 201 {"data":{"id","text"}}; its limits come back as x-rate-limit-* headers.
#include "channel/x/x_channel.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <stdexcept>

#include "burgernet/channel/social_accounts.hpp"
#include "burgernet/message/tweet_text.hpp"

namespace burgernet::channel {
namespace {

constexpr char kDriver[] = "x";

// `key`: where the settings are, "channels.NAME." or "channels.NAME.accounts.ACCOUNT.".
OAuth1Credentials credentials(const config::ChannelConfig& config, const std::string& key) {
  OAuth1Credentials out;
  out.consumer_key = x_driver().value(config, "consumer_key");
  out.token = x_driver().value(config, "access_token");
  out.consumer_secret =
      read_secret_file(key + "consumer_secret_file", x_driver().value(config, "consumer_secret_file"));
  out.token_secret = read_secret_file(key + "access_token_secret_file",
                                      x_driver().value(config, "access_token_secret_file"));
  return out;
}

std::optional<std::int64_t> parse_epoch(const std::string& text) {
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value <= 0) return std::nullopt;
  return value;
}

// X API v2 answers a repeated text with 403 and a problem detail, {"title":"Forbidden",
// "detail":"You are not allowed to create a Tweet with duplicate content.", ...}; v1.1's form,
// {"errors":[{"code":187,"message":"Status is a duplicate."}]}, is still seen behind some gateways.
bool is_duplicate_post(const std::string& body) {
  const auto document = nlohmann::json::parse(body, nullptr, false);
  if (!document.is_object()) return false;
  if (const auto detail = document.find("detail"); detail != document.end() && detail->is_string()) {
    std::string text = detail->get<std::string>();
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    if (text.find("duplicate content") != std::string::npos) return true;
  }
  if (const auto errors = document.find("errors"); errors != document.end() && errors->is_array()) {
    for (const auto& error : *errors) {
      if (error.is_object() && error.value("code", nlohmann::json()) == 187) return true;
    }
  }
  return false;
}

}  // namespace

XChannel::XChannel(const config::ChannelConfig& config, std::unique_ptr<OAuth1Signer> signer)
    : HttpChannel(http_client_options(config)), signer_(std::move(signer)) {
  const auto accounts = social_accounts(config);
  // With accounts, the channel's own access token is optional: each account has its own.
  if (!signer_ && (accounts.empty() || !x_driver().value(config, "access_token").empty())) {
    signer_ = std::make_unique<OAuth1Signer>(credentials(config, "channels." + config.name + "."));
  }
  for (const auto& account : accounts) {
    const std::string key = "channels." + config.name + ".accounts." + account.name + ".";
    account_signers_.emplace(account.name,
                             std::make_unique<OAuth1Signer>(credentials(account_config(config, account), key)));
  }
  std::string base = x_driver().value(config, "base_url");
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!net::parse_https_url(base)) {
    throw std::runtime_error("channels." + config.name + ".base_url: must be an https URL");
  }
  url_ = base + "/2/tweets";
}

std::string XChannel::post_text(const std::string& text) {
  return message::fit_tweet(message::strip_personal_data(text), message::kMaxTweetLength);
}

boost::asio::awaitable<HttpChannel::Prepared> XChannel::prepare(const OutboundMessage& message) {
  const OAuth1Signer* signer = signer_.get();
  if (message.to) {
    const auto it = account_signers_.find(*message.to);
    signer = it == account_signers_.end() ? nullptr : it->second.get();
  }
  // An account removed from the config (SIGHUP) after its post was queued: nobody to post as.
  if (signer == nullptr) {
    co_return SendResult(Failed{std::string(kDriver) + ": no such account in the config"});
  }
  const std::string text = post_text(message.text);
  if (text.empty()) co_return SendResult(Failed{std::string(kDriver) + ": nothing to post"});
  net::HttpRequest request;
  request.url = url_;
  request.body =
      nlohmann::json{{"text", text}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // The JSON body is not signed: only the query and form fields are (RFC 5849 3.4.1.3.1).
  request.headers = {{"Content-Type", "application/json"},
                     {"Accept", "application/json"},
                     {"Authorization", signer->authorization({"POST", url_})}};
  co_return request;
}

SendResult XChannel::accepted(const OutboundMessage&, const net::HttpResponse& response) {
  const auto document = nlohmann::json::parse(response.body, nullptr, false);
  if (document.is_object() && document.contains("data") && document["data"].is_object()) {
    const auto& data = document["data"];
    if (data.contains("id") && data["id"].is_string()) return Sent{data["id"].get<std::string>()};
  }
  return Sent{};  // posted; without an id we cannot link it, but it must never be posted twice
}

SendResult XChannel::rejected(const OutboundMessage&, const net::HttpResponse& response,
                              SendResult classified) {
  if (response.status == 429) {
    auto retry = std::get_if<Retry>(&classified) ? std::get<Retry>(classified)
                                                 : Retry{std::nullopt, std::string(kDriver) + ": HTTP 429"};
    if (!retry.after) {
      if (const auto reset = response.header("x-rate-limit-reset")) {
        if (const auto epoch = parse_epoch(*reset)) {
          const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(*epoch));
          retry.after = std::max(
              std::chrono::milliseconds(1000),
              std::chrono::duration_cast<std::chrono::milliseconds>(at - std::chrono::system_clock::now()));
        }
      }
    }
    return retry;
  }
  if (response.status == 403 && is_duplicate_post(response.body)) {
    // This very text is on the account already: posted by an earlier attempt of this delivery
    // whose answer we lost (or, rarely, by an earlier post with the same text). Posting it again
    // can never succeed, and it is there for all to see: sent.
    spdlog::info("{}: X refused the post as a duplicate of one already on the account; counted as sent",
                 kDriver);
    return Sent{};
  }
  return classified;
}

const Driver& x_driver() {
  static const Driver driver{"x",
                             {{"base_url", Setting::Kind::kHttpsUrl, false, "https://api.x.com"},
                              {"consumer_key", Setting::Kind::kText, true, ""},
                              {"consumer_secret_file", Setting::Kind::kSecretFile, true, ""},
                              {"access_token", Setting::Kind::kText, true, ""},
                              {"access_token_secret_file", Setting::Kind::kSecretFile, true, ""},
                              {"ca_file", Setting::Kind::kFile, false, ""}},
                             serves(TextForm::kSocial),
                             [](const config::ChannelConfig& config, boost::asio::any_io_executor) {
                               return std::make_shared<XChannel>(config);
                             }};
  return driver;
}

}  // namespace burgernet::channel
