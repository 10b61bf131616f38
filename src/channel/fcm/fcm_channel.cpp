// FCM answers 200 with {"name": "projects/P/messages/ID"}; its errors carry google.rpc.Status
// with FcmError details, which tell a dead registration token from a bad request.
#include "channel/fcm/fcm_channel.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <stdexcept>

#include "burgernet/net/encoding.hpp"
#include "burgernet/net/held_messages.hpp"
#include "channel/push_matching.hpp"

namespace burgernet::channel {

namespace asio = boost::asio;

namespace {

// A provider's code word, safe to store and log: only the characters such codes are made of.
std::string code_word(const nlohmann::json& value, bool upper) {
  if (!value.is_string()) return {};
  std::string word = value.get<std::string>();
  if (word.size() > 40) return {};
  for (const char c : word) {
    const bool letter = upper ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z');
    if (!letter && c != '_') return {};
  }
  return word;
}

// What an FCM error body says about the message, from google.rpc.Status's details.
struct FcmError {
  std::string error_code;                 // FcmError.errorCode: UNREGISTERED, INVALID_ARGUMENT, ...
  bool bad_request = false;               // a google.rpc.BadRequest detail: a field of our request is wrong
  bool token_field = false;               // ... and that field is message.token
  bool names_registration_token = false;  // google.rpc.Status.message speaks of the token
};

FcmError read_error(const std::string& body) {
  FcmError out;
  const auto document = nlohmann::json::parse(body, nullptr, false);
  if (!document.is_object() || !document.contains("error") || !document["error"].is_object()) return out;
  if (const auto message = document["error"].value("message", nlohmann::json()); message.is_string()) {
    std::string text = message.get<std::string>();
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    out.names_registration_token = text.find("registration token") != std::string::npos;
  }
  const auto& details = document["error"].value("details", nlohmann::json::array());
  if (!details.is_array()) return out;
  for (const auto& detail : details) {
    if (!detail.is_object()) continue;
    const std::string type = detail.value("@type", "");
    if (type.ends_with("google.firebase.fcm.v1.FcmError")) {
      out.error_code = code_word(detail.value("errorCode", nlohmann::json()), true);
    } else if (type.ends_with("google.rpc.BadRequest")) {
      out.bad_request = true;
      const auto& violations = detail.value("fieldViolations", nlohmann::json::array());
      if (!violations.is_array()) continue;
      for (const auto& violation : violations) {
        if (violation.is_object() && violation.value("field", "") == "message.token") out.token_field = true;
      }
    }
  }
  return out;
}

std::string with_code(std::string reason, const std::string& error_code) {
  return error_code.empty() ? reason : reason + " " + error_code;
}

}  // namespace

FcmChannel::ServiceAccount FcmChannel::load_service_account(const std::string& key, const std::string& path) {
  std::string text = read_secret_file(key, path);
  auto document = nlohmann::json::parse(text, nullptr, false);
  OPENSSL_cleanse(text.data(), text.size());
  if (!document.is_object()) throw std::runtime_error(key + ": " + path + " is not JSON");
  const auto field = [&document](const char* name) {
    return document.contains(name) && document[name].is_string() ? document[name].get<std::string>()
                                                                 : std::string();
  };
  ServiceAccount account;
  account.client_email = field("client_email");
  account.token_uri = field("token_uri");
  account.project_id = field("project_id");
  if (account.token_uri.empty()) account.token_uri = "https://oauth2.googleapis.com/token";
  std::string private_key = field("private_key");
  if (auto& key_in_json = document["private_key"]; key_in_json.is_string()) {
    auto& pem = key_in_json.get_ref<std::string&>();
    OPENSSL_cleanse(pem.data(), pem.size());
  }
  if (account.client_email.empty() || private_key.empty()) {
    OPENSSL_cleanse(private_key.data(), private_key.size());
    throw std::runtime_error(key + ": " + path +
                             " lacks client_email or private_key (expected Google's service-account JSON)");
  }
  if (!net::parse_https_url(account.token_uri)) {
    OPENSSL_cleanse(private_key.data(), private_key.size());
    throw std::runtime_error(key + ": token_uri must be an https URL");
  }
  try {
    account.signer = std::make_unique<JwtSigner>(private_key);
  } catch (const std::exception& e) {
    OPENSSL_cleanse(private_key.data(), private_key.size());
    throw std::runtime_error(key + ": " + e.what());
  }
  OPENSSL_cleanse(private_key.data(), private_key.size());
  return account;
}

FcmChannel::FcmChannel(const config::ChannelConfig& config, std::function<Clock::time_point()> clock)
    : HttpChannel(http_client_options(config)), clock_(std::move(clock)) {
  const std::string key = "channels." + config.name + ".";
  account_key_ = key + "service_account_file";
  account_path_ = fcm_driver().value(config, "service_account_file");
  account_ = load_service_account(account_key_, account_path_);

  const std::string project = config.settings.value("project_id", account_.project_id);
  if (project.empty())
    throw std::runtime_error(key + "project_id: is required (or project_id in service_account_file)");
  std::string base = fcm_driver().value(config, "base_url");
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!net::parse_https_url(base)) throw std::runtime_error(key + "base_url: must be an https URL");
  url_ = base + "/v1/projects/" + net::percent_encode(project) + "/messages:send";
  to_topics_ = matches_on_device(config);
}

FcmChannel::~FcmChannel() = default;

nlohmann::json FcmChannel::body(const OutboundMessage& message) {
  // FCM takes strings only in `data`.
  nlohmann::json data = nlohmann::json::object();
  for (const auto& [name, value] : message.data.items()) {
    if (value.is_null()) continue;
    data[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  data["delivery_id"] = std::to_string(message.delivery_id);
  // The same on every attempt: the app can drop a repeat that reaches it all the same.
  data["burgernet_message_id"] = idempotency_key(message);
  nlohmann::json notification = {{"body", message.text}};
  if (!message.title.empty()) notification["title"] = message.title;
  // A repeat replaces, rather than adds to: a stored message with the same collapse key (FCM
  // keeps the last), a shown notification with the same tag (Android) or collapse id (APNs).
  const std::string collapse = collapse_id(message);
  return {{"message",
           {{"token", message.to.value_or("")},
            {"notification", notification},
            {"data", data},
            {"android",
             {{"priority", "high"}, {"collapse_key", collapse}, {"notification", {{"tag", collapse}}}}},
            {"apns",
             {{"headers", {{"apns-priority", "10"}, {"apns-collapse-id", collapse}}},
              {"payload", {{"aps", {{"sound", "default"}}}}}}}}}};
}

nlohmann::json FcmChannel::topic_body(const OutboundMessage& message) {
  auto out = body(message);
  auto& m = out["message"];
  m.erase("token");
  m["topic"] = message.to.value_or("");
  // No notification for the system to show: the app shows it after it found the area in `data`
  // to cover the phone, and once, however many of its topics the area covers (the message's
  // action_message_id is the same on each; docs/channels.md "Device matching").
  m["data"]["title"] = message.title;
  m["data"]["body"] = message.text;
  m.erase("notification");
  const std::string collapse = topic_collapse_id(message);
  m["android"] = {{"priority", "high"}, {"collapse_key", collapse}};
  // iOS shows an alert only through the app's notification service extension (mutable-content),
  // which drops it outside the area (the filtering entitlement); the same collapse id replaces
  // the copies of the other topics.
  m["apns"] = {
      {"headers", {{"apns-priority", "10"}, {"apns-push-type", "alert"}, {"apns-collapse-id", collapse}}},
      {"payload",
       {{"aps",
         {{"alert", {{"title", message.title}, {"body", message.text}}},
          {"mutable-content", 1},
          {"sound", "default"}}}}}};
  return out;
}

std::string FcmChannel::topic_collapse_id(const OutboundMessage& message) {
  // One message of an action, whichever topic brought it: "bn-<action>-<message>", 3 + 36 + 1 +
  // at most 19 digits, within Apple's 64 bytes.
  const auto id = message.data.find("action_message_id");
  if (!message.action_id || id == message.data.end() || !id->is_string()) return collapse_id(message);
  return "bn-" + *message.action_id + "-" + id->get<std::string>();
}

std::string FcmChannel::collapse_id(const OutboundMessage& message) {
  constexpr std::size_t kApnsCollapseIdMax = 64;  // bytes, Apple's limit for apns-collapse-id
  std::string key = idempotency_key(message);
  if (key.size() <= kApnsCollapseIdMax) return key;
  return "burgernet-" + net::to_hex(net::sha256(key)).substr(0, 32);
}

asio::awaitable<HttpChannel::Prepared> FcmChannel::prepare(const OutboundMessage& message) {
  if (!message.to || message.to->empty())
    co_return SendResult(Failed{client().options().driver + (to_topics_ ? ": no topic" : ": no push token")});
  auto token = co_await access_token();
  if (auto* failure = std::get_if<SendResult>(&token)) {
    const auto* retry = std::get_if<Retry>(failure);
    if (retry && refusal_ && retry->reason == std::get<Retry>(*refusal_).reason) {
      co_return hold_for_token(*failure);
    }
    co_return *failure;
  }
  net::HttpRequest request;
  request.url = url_;
  request.body = (to_topics_ ? topic_body(message) : body(message))
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  request.headers = {{"Content-Type", "application/json; charset=UTF-8"},
                     {"Accept", "application/json"},
                     {"Authorization", "Bearer " + std::get<std::string>(token)}};
  co_return request;
}

SendResult FcmChannel::hold_for_token(const SendResult& failure) {
  client().held().hold(refusal_label_, refusal_why_);
  return failure;
}

SendResult FcmChannel::accepted(const OutboundMessage&, const net::HttpResponse& response) {
  client().held().resolved("not_fcm", "the send URL answers as FCM again");
  const auto document = nlohmann::json::parse(response.body, nullptr, false);
  if (document.is_object() && document.contains("name") && document["name"].is_string()) {
    return Sent{document["name"].get<std::string>()};
  }
  return Sent{};  // accepted all the same: never sent twice
}

SendResult FcmChannel::rejected(const OutboundMessage&, const net::HttpResponse& response,
                                SendResult classified) {
  const std::string& driver = client().options().driver;
  const auto status = response.status;
  const auto error = read_error(response.body);
  // The app was uninstalled or its token rotated: this device will never receive anything.
  // Only FCM's own word disables a device.
  if (error.error_code == "UNREGISTERED") {
    return Failed{driver + ": HTTP " + std::to_string(status) + " UNREGISTERED", true};
  }
  // A 404 that is not FCM's UNREGISTERED: the URL reaches something other than FCM's send
  // method (base_url, a proxy, project_id): every message would meet it until an operator
  // fixes the config, and no device is to blame.
  if (status == 404) {
    client().held().hold("not_fcm",
                         "the send URL answered HTTP 404 without FCM's UNREGISTERED; check base_url and "
                         "project_id");
    return Retry{net::kHoldFor, driver + ": HTTP 404, not FCM's answer (check base_url)", false};
  }
  // FCM's answer to a malformed token is INVALID_ARGUMENT naming the registration token, in a
  // BadRequest detail's field (message.token) or, without one, in its message. Any other
  // INVALID_ARGUMENT is about our request, and the device stays.
  if (status == 400 && (error.token_field || (error.error_code == "INVALID_ARGUMENT" && !error.bad_request &&
                                              error.names_registration_token))) {
    return Failed{driver + ": HTTP 400 invalid registration token", true};
  }
  // Our access token expired or was revoked early: drop it, and the next attempt signs anew.
  // (THIRD_PARTY_AUTH_ERROR is a 401 about the APNs or web-push credentials in Firebase.)
  if (status == 401 && error.error_code != "THIRD_PARTY_AUTH_ERROR") {
    token_.reset();
    return Retry{std::nullopt, driver + ": HTTP 401 (access token refused)"};
  }
  if (auto* failed = std::get_if<Failed>(&classified))
    failed->reason = with_code(failed->reason, error.error_code);
  if (auto* retry = std::get_if<Retry>(&classified))
    retry->reason = with_code(retry->reason, error.error_code);
  return classified;
}

asio::awaitable<std::variant<std::string, SendResult>> FcmChannel::access_token() {
  if (token_ && clock_() < token_->renew_at) co_return token_->value;
  // Refused a moment ago: asking again before an operator could act only burdens the endpoint.
  if (refused_until_ && refusal_ && clock_() < *refused_until_) co_return *refusal_;
  if (fetching_) {
    // One fetch at a time: the others wait for its outcome rather than ask again.
    const auto ticket = fetches_;
    const auto executor = co_await asio::this_coro::executor;
    while (fetching_ && fetches_ == ticket) {
      asio::steady_timer wake(executor, asio::steady_timer::time_point::max());
      waiting_.push_back(&wake);
      boost::system::error_code ignored;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      std::erase(waiting_, &wake);
    }
    if (token_ && clock_() < token_->renew_at) co_return token_->value;
    if (last_failure_) co_return *last_failure_;
  }
  fetching_ = true;
  std::variant<AccessToken, SendResult> fetched = SendResult(Retry{std::nullopt, "fcm: token fetch failed"});
  try {
    fetched = co_await fetch_token();
  } catch (const std::exception&) {
    // fetch_token does not throw; if it ever did, the waiters must still be woken.
  }
  fetching_ = false;
  ++fetches_;
  if (auto* token = std::get_if<AccessToken>(&fetched)) {
    token_ = std::move(*token);
    last_failure_.reset();
  } else {
    token_.reset();
    last_failure_ = std::get<SendResult>(fetched);
  }
  for (auto* waiter : waiting_) waiter->cancel();
  if (token_) co_return token_->value;
  co_return *last_failure_;
}

asio::awaitable<std::variant<FcmChannel::AccessToken, SendResult>> FcmChannel::fetch_token() {
  const std::string& driver = client().options().driver;
  // Holds every message until an operator fixes the account; the token endpoint is asked again
  // after kHoldFor, the service account file read again first.
  const auto refuse = [&](std::string label, std::string reason, std::string why) {
    refused_until_ = clock_() + net::kHoldFor;
    refusal_ = Retry{net::kHoldFor, std::move(reason), false};
    refusal_label_ = std::move(label);
    refusal_why_ = std::move(why);
    return *refusal_;
  };
  if (refused_until_) {
    try {
      account_ = load_service_account(account_key_, account_path_);
    } catch (const std::exception& e) {
      co_return refuse("service_account", driver + ": service account unusable", e.what());
    }
  }
  net::HttpRequest request;
  request.url = account_.token_uri;
  try {
    const auto claims = service_account_claims(account_.client_email, kScope, account_.token_uri,
                                               std::chrono::system_clock::now());
    request.body = net::form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                     {"assertion", account_.signer->sign(claims)}});
  } catch (const std::exception&) {
    co_return refuse("service_account", driver + ": cannot sign the token request",
                     "the service account's key cannot sign the token request; check " + account_key_);
  }
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  const auto asked_at = clock_();
  auto exchange = co_await client().exchange(std::move(request));
  // No answer (timeout, refused, TLS, circuit open): the classifier's reason as it is.
  if (!exchange.response) co_return exchange.result;
  const auto& response = *exchange.response;
  const std::string status = std::to_string(response.status);
  const auto document = nlohmann::json::parse(response.body, nullptr, false);

  if (std::holds_alternative<Sent>(exchange.result)) {
    if (!document.is_object() || !document.contains("access_token") ||
        !document["access_token"].is_string() ||
        document["access_token"].get_ref<const std::string&>().empty()) {
      co_return SendResult(Retry{std::nullopt, driver + ": token endpoint answer unreadable"});
    }
    std::int64_t expires_in = 3600;
    if (document.contains("expires_in") && document["expires_in"].is_number_integer()) {
      expires_in = std::max<std::int64_t>(1, document["expires_in"].get<std::int64_t>());
    }
    const Clock::duration lifetime = std::chrono::seconds(expires_in);
    // Renewed a minute early; a token that lives for less than two is used for half its life.
    const Clock::duration usable = lifetime > 2 * kRenewBefore ? lifetime - kRenewBefore : lifetime / 2;
    refused_until_.reset();
    refusal_.reset();
    client().held().resolved("token_refused", "the token endpoint accepts the service account again");
    client().held().resolved("service_account", "the service account is usable again");
    co_return AccessToken{document["access_token"].get<std::string>(), asked_at + usable};
  }
  if (auto* retry = std::get_if<Retry>(&exchange.result)) {
    co_return SendResult(
        Retry{retry->after, driver + ": token endpoint HTTP " + status, retry->counts_attempt});
  }
  // 400/401 invalid_grant and the like: the service account or its key is not accepted; trying
  // again changes nothing until an operator fixes it, and no message is to blame.
  const std::string error =
      document.is_object() ? code_word(document.value("error", nlohmann::json()), false) : "";
  co_return refuse("token_refused",
                   error.empty() ? driver + ": token endpoint HTTP " + status
                                 : driver + ": token refused (HTTP " + status + " " + error + ")",
                   "the token endpoint refused the service account (HTTP " + status +
                       (error.empty() ? "" : ", " + error) +
                       "); check service_account_file, the key's validity and the clock");
}

const Driver& fcm_driver() {
  static const Driver driver{"fcm",
                             {{"service_account_file", Setting::Kind::kSecretFile, true, ""},
                              {"project_id", Setting::Kind::kText, false, ""},
                              {"base_url", Setting::Kind::kHttpsUrl, false, "https://fcm.googleapis.com"},
                              {"ca_file", Setting::Kind::kFile, false, ""},
                              {"matching", Setting::Kind::kText, false, "server"}},
                             [](const config::ChannelConfig& config) {
                               return with_matching(config, capabilities_of(TextForm::kPush));
                             },
                             [](const config::ChannelConfig& config, boost::asio::any_io_executor) {
                               return std::make_shared<FcmChannel>(config);
                             }};
  return driver;
}

}  // namespace burgernet::channel
