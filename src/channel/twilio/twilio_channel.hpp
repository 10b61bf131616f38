// The `twilio_sms` and `twilio_voice` drivers: Twilio's Messages and Calls APIs, form POSTs
// with HTTP Basic (account SID : auth token). The provider's reference is the returned `sid`.
#pragma once

#include <string>
#include <vector>

#include "burgernet/channel/driver.hpp"
#include "burgernet/channel/http_channel.hpp"
#include "burgernet/config/config.hpp"

namespace burgernet::channel {

class TwilioChannel : public HttpChannel {
 public:
  enum class Kind { kSms, kVoice };
  // Reads `auth_token_file`; throws std::runtime_error naming the key when it cannot.
  TwilioChannel(const config::ChannelConfig& config, Kind kind);

  // The form fields of one message; public for tests.
  std::vector<std::pair<std::string, std::string>> fields(const OutboundMessage& message) const;
  // <Response><Say>TEXT</Say><Pause/><Say>TEXT</Say></Response>: said twice, for a listener
  // who picks up mid-sentence.
  static std::string twiml(const std::string& text, const std::string& language);

 protected:
  boost::asio::awaitable<Prepared> prepare(const OutboundMessage& message) override;
  SendResult accepted(const OutboundMessage& message, const net::HttpResponse& response) override;

 private:
  Kind kind_;
  std::string url_;
  std::string account_sid_;
  std::string auth_token_;
  std::string from_;
  std::string status_callback_url_;
  std::string language_;
};

// X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST parameter's name and value,
// sorted by name)). `url` is the URL Twilio was given (status_callback_url), not the one the
// request arrived at behind a proxy.
std::string twilio_signature(const std::string& auth_token, const std::string& url,
                             std::vector<std::pair<std::string, std::string>> params);

// This driver's description, registered in src/channel/registry.cpp.
const Driver& twilio_sms_driver();
const Driver& twilio_voice_driver();

}  // namespace burgernet::channel
