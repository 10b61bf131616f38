// FCM answers 200 with {"name": "projects/P/messages/ID"}; its errors carry google.rpc.Status
// with FcmError details, which tell a dead registration token from a bad request.
#include "channel/fcm/fcm_channel.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "burgernet/net/encoding.hpp"

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
  std::string error_code;    // FcmError.errorCode: UNREGISTERED, INVALID_ARGUMENT, ...
  bool bad_request = false;  // a google.rpc.BadRequest detail: a field of our request is wrong
  bool token_field = false;  // ... and that field is message.token
};

FcmError read_error(const std::string& body) {
  FcmError out;
  const auto document = nlohmann::json::parse(body, nullptr, false);
  if (!document.is_object() || !document.contains("error") || !document["error"].is_object()) return out;
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

FcmChannel::FcmChannel(const config::ChannelConfig& config, std::function<Clock::time_point()> clock)
    : HttpChannel(http_client_options(config)), clock_(std::move(clock)) {
  const std::string key = "channels." + config.name + ".";
  const std::string path = config.settings.value("service_account_file", "");
  std::string text = read_secret_file(key + "service_account_file", path);
  auto account = nlohmann::json::parse(text, nullptr, false);
  OPENSSL_cleanse(text.data(), text.size());
  if (!account.is_object()) throw std::runtime_error(key + "service_account_file: " + path + " is not JSON");
  const auto field = [&account](const char* name) {
    return account.contains(name) && account[name].is_string() ? account[name].get<std::string>()
                                                               : std::string();
  };
  client_email_ = field("client_email");
  token_uri_ = field("token_uri");
  if (token_uri_.empty()) token_uri_ = "https://oauth2.googleapis.com/token";
  std::string private_key = field("private_key");
  if (client_email_.empty() || private_key.empty()) {
    throw std::runtime_error(key + "service_account_file: " + path +
                             " lacks client_email or private_key (expected Google's service-account JSON)");
  }
  if (!net::parse_https_url(token_uri_)) {
    throw std::runtime_error(key + "service_account_file: token_uri must be an https URL");
  }
  try {
    signer_ = std::make_unique<JwtSigner>(private_key);
  } catch (const std::exception& e) {
    OPENSSL_cleanse(private_key.data(), private_key.size());
    throw std::runtime_error(key + "service_account_file: " + e.what());
  }
  OPENSSL_cleanse(private_key.data(), private_key.size());
  if (auto& key_in_json = account["private_key"]; key_in_json.is_string()) {
    auto& pem = key_in_json.get_ref<std::string&>();
    OPENSSL_cleanse(pem.data(), pem.size());
  }

  const std::string project = config.settings.value("project_id", field("project_id"));
  if (project.empty())
    throw std::runtime_error(key + "project_id: is required (or project_id in service_account_file)");
  std::string base = config.settings.value("base_url", "https://fcm.googleapis.com");
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!net::parse_https_url(base)) throw std::runtime_error(key + "base_url: must be an https URL");
  url_ = base + "/v1/projects/" + net::percent_encode(project) + "/messages:send";
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
  nlohmann::json notification = {{"body", message.text}};
  if (!message.title.empty()) notification["title"] = message.title;
  return {
      {"message",
       {{"token", message.to.value_or("")},
        {"notification", notification},
        {"data", data},
        {"android", {{"priority", "high"}}},
        {"apns", {{"headers", {{"apns-priority", "10"}}}, {"payload", {{"aps", {{"sound", "default"}}}}}}}}}};
}

asio::awaitable<HttpChannel::Prepared> FcmChannel::prepare(const OutboundMessage& message) {
  if (!message.to || message.to->empty())
    co_return SendResult(Failed{client().options().driver + ": no push token"});
  auto token = co_await access_token();
  if (auto* failure = std::get_if<SendResult>(&token)) co_return *failure;
  net::HttpRequest request;
  request.url = url_;
  request.body = body(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  request.headers = {{"Content-Type", "application/json; charset=UTF-8"},
                     {"Accept", "application/json"},
                     {"Authorization", "Bearer " + std::get<std::string>(token)}};
  co_return request;
}

SendResult FcmChannel::accepted(const OutboundMessage&, const net::HttpResponse& response) {
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
  if (status == 404 || error.error_code == "UNREGISTERED") {
    return Failed{driver + ": HTTP " + std::to_string(status) + " UNREGISTERED", true};
  }
  // INVALID_ARGUMENT without a BadRequest detail is FCM's answer to a malformed token; with
  // one, it names the field, and only message.token is the device's fault.
  if (status == 400 &&
      (error.token_field || (error.error_code == "INVALID_ARGUMENT" && !error.bad_request))) {
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
  net::HttpRequest request;
  request.url = token_uri_;
  try {
    const auto claims =
        service_account_claims(client_email_, kScope, token_uri_, std::chrono::system_clock::now());
    request.body = net::form_encode({{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                                     {"assertion", signer_->sign(claims)}});
  } catch (const std::exception&) {
    co_return SendResult(Retry{std::nullopt, driver + ": cannot sign the token request"});
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
    co_return AccessToken{document["access_token"].get<std::string>(), asked_at + usable};
  }
  if (auto* retry = std::get_if<Retry>(&exchange.result)) {
    co_return SendResult(
        Retry{retry->after, driver + ": token endpoint HTTP " + status, retry->counts_attempt});
  }
  // 400/401 invalid_grant and the like: the service account or its key is not accepted; trying
  // again changes nothing until an operator fixes it.
  const std::string error =
      document.is_object() ? code_word(document.value("error", nlohmann::json()), false) : "";
  spdlog::error(
      "{}: the token endpoint refused the service account (HTTP {}{}); check service_account_file, the "
      "key's validity and the clock",
      driver, status, error.empty() ? "" : ", " + error);
  if (error.empty()) co_return SendResult(Failed{driver + ": token endpoint HTTP " + status});
  co_return SendResult(Failed{driver + ": token refused (HTTP " + status + " " + error + ")"});
}

}  // namespace burgernet::channel
