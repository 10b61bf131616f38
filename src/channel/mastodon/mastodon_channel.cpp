// Mastodon answers 200 with the status ({"id", ...}); a repeat with the same Idempotency-Key
// within an hour gets the first status back instead of a second post.
#include "channel/mastodon/mastodon_channel.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "burgernet/channel/social_accounts.hpp"
#include "burgernet/message/tweet_text.hpp"

namespace burgernet::channel {
namespace {

constexpr char kDriver[] = "mastodon";
// The renderer writes social posts in Dutch (docs/messages.md); Mastodon filters by it.
constexpr char kLanguage[] = "nl";

std::string statuses_url(const config::ChannelConfig& config, const std::string& key) {
  std::string base = mastodon_driver().value(config, "base_url");
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) throw std::runtime_error(key + "base_url: is required for the mastodon driver");
  if (!net::parse_https_url(base)) throw std::runtime_error(key + "base_url: must be an https URL");
  return base + "/api/v1/statuses";
}

// X-RateLimit-Reset: "2026-12-01T11:15:00.000Z" (UTC); nullopt when unreadable.
std::optional<std::chrono::system_clock::time_point> parse_reset(const std::string& text) {
  std::tm tm{};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t at = timegm(&tm);
  if (at <= 0) return std::nullopt;
  return std::chrono::system_clock::from_time_t(at);
}

// Checked when the config is read (the driver's capabilities), so a typo stops the start.
std::string checked_visibility(const config::ChannelConfig& config) {
  static const std::vector<std::string> kVisibilities = {"public", "unlisted", "private", "direct"};
  std::string visibility = mastodon_driver().value(config, "visibility");
  if (std::find(kVisibilities.begin(), kVisibilities.end(), visibility) == kVisibilities.end()) {
    throw config::ConfigError("channels." + config.name +
                              ".visibility: must be public, unlisted, private or direct");
  }
  return visibility;
}

}  // namespace

MastodonChannel::MastodonChannel(const config::ChannelConfig& config)
    : HttpChannel(http_client_options(config)) {
  visibility_ = checked_visibility(config);
  const std::string key = "channels." + config.name + ".";
  if (!mastodon_driver().value(config, "token_file").empty()) {
    default_account_ =
        Account{statuses_url(config, key),
                read_secret_file(key + "token_file", mastodon_driver().value(config, "token_file"))};
  }
  for (const auto& account : social_accounts(config)) {
    const auto own = account_config(config, account);
    const std::string account_key = key + "accounts." + account.name + ".";
    accounts_.emplace(account.name, Account{statuses_url(own, account_key),
                                            read_secret_file(account_key + "token_file",
                                                             mastodon_driver().value(own, "token_file"))});
  }
  if (!default_account_ && accounts_.empty()) throw std::runtime_error(key + "token_file: is required");
}

std::string MastodonChannel::status_text(const std::string& text) {
  return message::fit_post(message::strip_personal_data(text), message::kMaxMastodonLength,
                           message::PostCounting::kMastodon);
}

boost::asio::awaitable<HttpChannel::Prepared> MastodonChannel::prepare(const OutboundMessage& message) {
  const Account* account = nullptr;
  if (message.to) {
    const auto it = accounts_.find(*message.to);
    if (it != accounts_.end()) account = &it->second;
  } else if (default_account_) {
    account = &*default_account_;
  }
  // An account removed from the config (SIGHUP) after its post was queued: nobody to post as.
  if (account == nullptr)
    co_return SendResult(Failed{std::string(kDriver) + ": no such account in the config"});
  const std::string text = status_text(message.text);
  if (text.empty()) co_return SendResult(Failed{std::string(kDriver) + ": nothing to post"});
  net::HttpRequest request;
  request.url = account->url;
  request.body = nlohmann::json{{"status", text}, {"visibility", visibility_}, {"language", kLanguage}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  request.headers = {{"Content-Type", "application/json"},
                     {"Accept", "application/json"},
                     {"Authorization", "Bearer " + account->token},
                     {"Idempotency-Key", idempotency_key(message)}};
  co_return request;
}

SendResult MastodonChannel::accepted(const OutboundMessage&, const net::HttpResponse& response) {
  const auto document = nlohmann::json::parse(response.body, nullptr, false);
  if (document.is_object() && document.contains("id") && document["id"].is_string()) {
    return Sent{document["id"].get<std::string>()};
  }
  return Sent{};  // posted; without an id we cannot link it, but it must never be posted twice
}

SendResult MastodonChannel::rejected(const OutboundMessage&, const net::HttpResponse& response,
                                     SendResult classified) {
  if (response.status != 429) return classified;
  auto retry = std::get_if<Retry>(&classified) ? std::get<Retry>(classified)
                                               : Retry{std::nullopt, std::string(kDriver) + ": HTTP 429"};
  if (!retry.after) {
    if (const auto reset = response.header("x-ratelimit-reset")) {
      if (const auto at = parse_reset(*reset)) {
        retry.after = std::max(
            std::chrono::milliseconds(1000),
            std::chrono::duration_cast<std::chrono::milliseconds>(*at - std::chrono::system_clock::now()));
      }
    }
  }
  return retry;
}

const Driver& mastodon_driver() {
  static const Driver driver{"mastodon",
                             {{"base_url", Setting::Kind::kHttpsUrl, true, ""},
                              {"token_file", Setting::Kind::kSecretFile, true, ""},
                              {"visibility", Setting::Kind::kText, false, "public"},
                              {"ca_file", Setting::Kind::kFile, false, ""}},
                             [](const config::ChannelConfig& config) {
                               checked_visibility(config);
                               return capabilities_of(TextForm::kSocial);
                             },
                             [](const config::ChannelConfig& config, boost::asio::any_io_executor) {
                               return std::make_shared<MastodonChannel>(config);
                             }};
  return driver;
}

}  // namespace burgernet::channel
