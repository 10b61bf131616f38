// The one place that maps a driver name to its implementation.
#include "burgernet/channel/registry.hpp"

#include "channel/fcm/fcm_channel.hpp"
#include "channel/file/file_channel.hpp"
#include "channel/smtp/smtp_channel.hpp"
#include "channel/twilio/twilio_channel.hpp"
#include "channel/webhook/webhook_channel.hpp"
#include "channel/x/x_channel.hpp"

namespace burgernet::channel {
namespace {

std::shared_ptr<Channel> make_channel(const config::ChannelConfig& settings, boost::asio::any_io_executor blocking) {
  const auto& driver = settings.driver;
  if (driver == "file") return std::make_shared<FileChannel>(settings.settings.value("path", ""), blocking);
  if (driver == "fcm") return std::make_shared<FcmChannel>(settings);
  if (driver == "webhook") return std::make_shared<WebhookChannel>(settings);
  if (driver == "twilio_sms") return std::make_shared<TwilioChannel>(settings, TwilioChannel::Kind::kSms);
  if (driver == "twilio_voice") return std::make_shared<TwilioChannel>(settings, TwilioChannel::Kind::kVoice);
  if (driver == "smtp") return std::make_shared<SmtpChannel>(settings, blocking);
  if (driver == "x") return std::make_shared<XChannel>(settings);
  // Refuse rather than accept deliveries that would only ever wait in the queue.
  throw UnsupportedDriver("channels." + settings.name + ".driver: driver \"" + driver +
                          "\" is not implemented in this build");
}

}  // namespace

std::map<std::string, std::shared_ptr<Channel>> make_channels(const config::Config& config,
                                                              boost::asio::any_io_executor blocking) {
  std::map<std::string, std::shared_ptr<Channel>> channels;
  for (const auto& [name, settings] : config.channels) {
    try {
      channels.emplace(name, make_channel(settings, blocking));
    } catch (const ChannelSetupError&) {
      throw;
    } catch (const std::exception& e) {
      throw ChannelSetupError(e.what());  // drivers name the key; never a secret's content
    }
  }
  return channels;
}

}  // namespace burgernet::channel
