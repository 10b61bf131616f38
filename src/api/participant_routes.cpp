// Participant handlers: read and check the request, let the store do the work in one
// transaction. Logs carry ids only, never a number, an address or a secret.
#include "api/participant_routes.hpp"

#include <spdlog/spdlog.h>

#include <cmath>

#include "api/audit_entry.hpp"
#include "burgernet/action/action_store.hpp"
#include "burgernet/audit/audit_log.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/http/errors.hpp"
#include "burgernet/domain/json_fields.hpp"
#include "burgernet/participant/participant_request.hpp"
#include "burgernet/participant/participant_store.hpp"
#include "burgernet/push/device_matching.hpp"
#include "burgernet/ratelimit/rate_limiter.hpp"

namespace burgernet::api {
namespace {

using boost::asio::awaitable;
using http::Request;
using http::Response;
using nlohmann::json;
namespace verb = http::beast_http;

const std::vector<std::string> kRegistrar = {"registrar"};
const std::vector<std::string> kDevice = {"device"};
constexpr std::size_t kMaxPushTokenLength = 4096;

// Sign-ups and code requests from one client address (a registration website sends them all
// from its own address, hence the generous burst); codes to one number (three, then one every
// 20 minutes); codes to one range of numbers (the first 8 digits: a sweep of premium numbers);
// verification tries from one client address.
constexpr ratelimit::Rate kSignUpsPerClient{2, 200};
constexpr ratelimit::Rate kCodesPerNumber{1.0 / 1200, 3};
constexpr ratelimit::Rate kCodesPerPrefix{1, 20};
constexpr ratelimit::Rate kTriesPerClient{5, 100};

// A malformed id cannot name anything: 404, like an unknown one.
const std::string& id_param(const Request& request, const char* name) {
  const auto& id = request.path_params.at(name);
  if (!action::is_uuid(id)) throw http::NotFound("no such participant");
  return id;
}

std::string read_string(const json& body, const char* field) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) throw http::BadRequest(field, "is required");
  if (!it->is_string()) throw http::BadRequest(field, "must be a string");
  return it->get<std::string>();
}

std::optional<double> read_coordinate(const json& body, const char* field, double limit) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) throw http::BadRequest(field, "is required");
  if (!it->is_number() || !std::isfinite(it->get<double>()) || std::abs(it->get<double>()) > limit) {
    throw http::BadRequest(field, "must be a number from -" + std::to_string(static_cast<int>(limit)) + " to " +
                                      std::to_string(static_cast<int>(limit)));
  }
  return it->get<double>();
}

// A deployment whose app matches areas on the device (issue 16): a device-matching push channel
// and none that selects devices by the location they report. A location would be kept for nothing.
bool matches_only_on_device(const config::Config& config) {
  bool on_device = false;
  for (const auto& [_, channel] : config.channels) {
    if (channel.capabilities.reaches_devices()) return false;
    on_device = on_device || push::matches_on_device(channel.capabilities);
  }
  return on_device;
}

}  // namespace

void add_participant_routes(http::Router& router, Context& context) {
  router.add(verb::verb::post, "/v1/participants", kRegistrar, [&context](Request& request) -> awaitable<Response> {
    const auto config = context.config.get();
    const auto parsed = participant::parse_sign_up(request.json_body(), config->limits.service_area);
    // Before anything is stored or sent: the SMS channel must not become a pump to premium
    // numbers or a way to bombard one phone (docs/security.md).
    ratelimit::enforce(context.limiters.client_ip, "signup:" + request.remote_address, kSignUpsPerClient);
    ratelimit::enforce(context.limiters.phone_number, "code:" + parsed.phone.e164, kCodesPerNumber);
    ratelimit::enforce(context.limiters.phone_prefix, ratelimit::phone_prefix_key(parsed.phone.e164, 8),
                       kCodesPerPrefix);
    const auto audit = audit_entry(request, "participant.sign_up", std::nullopt);
    const auto channels = participant::code_channels(*config);
    const auto id = co_await context.pool.run(
        [&](db::Connection& c) { return participant::sign_up(c, parsed, channels, context.keys, &audit); });
    spdlog::info("participant {} signed up by {}; verification code queued", id, request.caller->name);
    // The same answer whether or not the number is registered already (migration 0003).
    co_return http::json_response(request, 201, {{"id", id}, {"status", "pending_verification"}});
  });

  router.add(verb::verb::post, "/v1/participants/{id}/verify", kRegistrar,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = id_param(request, "id");
               const auto body = request.json_body();
               reject_unknown_fields(body, "", {"code"});
               const auto code = read_string(body, "code");
               if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos) {
                 throw http::BadRequest("code", "must be the six digits of the code");
               }
               ratelimit::enforce(context.limiters.client_ip, "verify:" + request.remote_address, kTriesPerClient);
               const auto audit = audit_entry(request, "participant.verify", std::nullopt);
               co_await context.pool.run([&](db::Connection& c) {
                 participant::verify(c, id, code, &audit);
                 return 0;
               });
               co_return http::json_response(request, 200, {{"status", "active"}});
             });

  router.add(verb::verb::post, "/v1/participants/{id}/verification", kRegistrar,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = id_param(request, "id");
               const auto config = context.config.get();
               ratelimit::enforce(context.limiters.client_ip, "signup:" + request.remote_address, kSignUpsPerClient);
               const auto channels = participant::code_channels(*config);
               co_await context.pool.run([&](db::Connection& c) {
                 participant::resend_verification(c, id, channels, context.keys);
                 return 0;
               });
               co_return http::json_response(request, 202, {{"status", "pending_verification"}});
             });

  router.add(verb::verb::get, "/v1/participants/{id}", kRegistrar, [&context](Request& request) -> awaitable<Response> {
    const auto& id = id_param(request, "id");
    const auto audit = audit_entry(request, "participant.read", std::nullopt);
    const auto body = co_await context.pool.run(
        [&](db::Connection& c) { return participant::get_participant(c, id, context.keys, &audit); });
    co_return http::json_response(request, 200, body);
  });

  router.add(verb::verb::patch, "/v1/participants/{id}", kRegistrar,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = id_param(request, "id");
               const auto config = context.config.get();
               const auto change = participant::parse_participant_change(request.json_body(), config->limits.service_area);
               const auto audit = audit_entry(request, "participant.change", std::nullopt);
               const auto channels = participant::code_channels(*config);
               const auto body = co_await context.pool.run([&](db::Connection& c) {
                 return participant::change_participant(c, id, change, channels, context.keys, &audit);
               });
               co_return http::json_response(request, 200, body);
             });

  router.add(verb::verb::delete_, "/v1/participants/{id}", kRegistrar,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = id_param(request, "id");
               const auto audit = audit_entry(request, "participant.erase", std::nullopt);
               co_await context.pool.run([&](db::Connection& c) {
                 participant::erase_participant(c, id, &audit);
                 return 0;
               });
               spdlog::info("participant {} erased by {}", id, request.caller->name);
               co_return http::empty_response(request, 204);
             });

  router.add(verb::verb::post, "/v1/participants/{id}/devices", kRegistrar,
             [&context](Request& request) -> awaitable<Response> {
               const auto& id = id_param(request, "id");
               const auto body = request.json_body();
               reject_unknown_fields(body, "", {"platform", "push_token"});
               const auto platform = read_string(body, "platform");
               if (platform != "android" && platform != "ios" && platform != "web") {
                 throw http::BadRequest("platform", "must be android, ios or web");
               }
               const auto push_token = read_string(body, "push_token");
               if (push_token.empty() || push_token.size() > kMaxPushTokenLength ||
                   push_token.find_first_of(" \t\r\n") != std::string::npos) {
                 throw http::BadRequest("push_token", "must be 1 to 4096 characters without spaces");
               }
               const auto audit = audit_entry(request, "device.add", std::nullopt);
               const auto device = co_await context.pool.run([&](db::Connection& c) {
                 return participant::add_device(c, id, platform, push_token, context.keys, &audit);
               });
               co_return http::json_response(request, 201,
                                             {{"device_id", device.device_id}, {"device_secret", device.device_secret}});
             });

  router.add(verb::verb::put, "/v1/devices/{device_id}/location", kDevice,
             [&context](Request& request) -> awaitable<Response> {
               // Device matching only (issue 16): no channel selects by location, so none is
               // taken, not even for a moment; refused before the body is read.
               if (matches_only_on_device(*context.config.get())) {
                 throw http::Conflict("location_not_used",
                                      "this deployment matches areas on the device; the app reports no location");
               }
               const auto secret = auth::bearer_token(request.header("Authorization").value_or(""));
               if (secret.empty()) throw http::Unauthorized("the device's secret is required as a bearer token");
               const auto& id = request.path_params.at("device_id");
               if (!action::is_uuid(id)) throw http::Unauthorized("the device is unknown or its secret is wrong");
               const auto body = request.json_body();
               reject_unknown_fields(body, "", {"lat", "lon", "accuracy_m"});
               auto lat = read_coordinate(body, "lat", 90);
               auto lon = read_coordinate(body, "lon", 180);
               std::optional<double> accuracy;
               if (const auto it = body.find("accuracy_m"); it != body.end() && !it->is_null()) {
                 if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= 100000)) {
                   throw http::BadRequest("accuracy_m", "must be a number of metres from 0 to 100000");
                 }
                 accuracy = it->get<double>();
               }
               // Outside the service area nobody can be alerted for it: the old location is
               // cleared rather than the new one kept.
               const auto& area = context.config.get()->limits.service_area;
               if (*lat < area.min_lat || *lat > area.max_lat || *lon < area.min_lon || *lon > area.max_lon) {
                 lat.reset();
                 lon.reset();
                 accuracy.reset();
               }
               const bool updated = co_await context.pool.run([&](db::Connection& c) {
                 return participant::update_device_location(c, id, secret, lat, lon, accuracy);
               });
               if (!updated) throw http::Unauthorized("the device is unknown or disabled, or its secret is wrong");
               co_return http::empty_response(request, 204);
             });
}

}  // namespace burgernet::api
