// Reads the JSON config strictly: an unknown key or a wrong type is an error naming the key,
// because a typo in a limit must not silently fall back to the default.
#include "burgernet/config/config.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "burgernet/channel/driver.hpp"
#include "burgernet/channel/social_accounts.hpp"
#include "burgernet/config/credentials.hpp"
#include "burgernet/config/regions_config.hpp"
#include "burgernet/net/proxy_list.hpp"
#include "burgernet/participant/participant_request.hpp"

namespace burgernet::config {
namespace {

using nlohmann::json;

// Ten years: anything longer is a typo (or a wish to keep personal data for good).
constexpr long long kMaxDeliveryRetentionMonths = 120;

// Reads one JSON object, remembering which keys were used, so that leftovers can be reported.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail(path_.empty() ? "the config" : path_, "must be an object");
  }

  [[noreturn]] static void fail(const std::string& key, const std::string& why) {
    throw ConfigError(key + ": " + why);
  }

  std::string key(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }

  const json* find(const std::string& name) {
    used_.insert(name);
    const auto it = object_.find(name);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  void string(const std::string& name, std::string& out) {
    if (const json* v = find(name)) {
      if (!v->is_string()) fail(key(name), "must be a string");
      out = v->get<std::string>();
    }
  }

  void boolean(const std::string& name, bool& out) {
    if (const json* v = find(name)) {
      if (!v->is_boolean()) fail(key(name), "must be true or false");
      out = v->get<bool>();
    }
  }

  template <typename Int>
  void integer(const std::string& name, Int& out, long long min, long long max) {
    if (const json* v = find(name)) {
      if (!v->is_number_integer()) fail(key(name), "must be a whole number");
      const auto n = v->get<long long>();
      if (n < min || n > max) {
        fail(key(name), "must be between " + std::to_string(min) + " and " + std::to_string(max));
      }
      out = static_cast<Int>(n);
    }
  }

  void number(const std::string& name, double& out, double min, double max) {
    if (const json* v = find(name)) {
      if (!v->is_number()) fail(key(name), "must be a number");
      const auto n = v->get<double>();
      if (!(n >= min && n <= max)) {
        std::ostringstream why;
        why << "must be between " << min << " and " << max;
        fail(key(name), why.str());
      }
      out = n;
    }
  }

  template <typename Duration>
  void duration(const std::string& name, Duration& out, long long min, long long max) {
    long long n = out.count();
    integer(name, n, min, max);
    out = Duration(n);
  }

  // Throws for the first key nobody asked for.
  void finish() const {
    for (const auto& [name, value] : object_.items()) {
      if (!used_.contains(name)) fail(key(name), "unknown key");
    }
  }

 private:
  const json& object_;
  std::string path_;
  std::set<std::string> used_;
};

void parse_listen(const std::string& key, const std::string& listen, HttpConfig& http) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) ObjectReader::fail(key, "must be HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  char* end = nullptr;
  const long n = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || n < 0 || n > 65535) ObjectReader::fail(key, "port must be 0 to 65535");
  http.host = host;
  http.port = static_cast<std::uint16_t>(n);
}

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

void parse_http(const json& object, HttpConfig& http) {
  ObjectReader r(object, "http");
  std::string listen;
  r.string("listen", listen);
  if (!listen.empty()) parse_listen(r.key("listen"), listen, http);
  r.integer("threads", http.threads, 1, 64);
  r.integer("body_limit_bytes", http.body_limit_bytes, 1024, 64LL << 20);
  r.integer("header_limit_bytes", http.header_limit_bytes, 1024, 1 << 20);
  r.duration("read_timeout_ms", http.read_timeout, 100, 600000);
  r.duration("idle_timeout_ms", http.idle_timeout, 100, 3600000);
  r.integer("max_connections", http.max_connections, 1, 100000);
  r.duration("drain_timeout_ms", http.drain_timeout, 0, 600000);
  if (const json* tls = r.find("tls")) {
    ObjectReader t(*tls, "http.tls");
    t.string("cert_file", http.tls.cert_file);
    t.string("key_file", http.tls.key_file);
    t.string("client_ca_file", http.tls.client_ca_file);
    t.boolean("require_client_cert", http.tls.require_client_cert);
    t.finish();
    if (http.tls.cert_file.empty()) ObjectReader::fail("http.tls.cert_file", "is required with http.tls");
    if (http.tls.key_file.empty()) ObjectReader::fail("http.tls.key_file", "is required with http.tls");
    http.tls.key_file = credential_path(http.tls.key_file);
    if (http.tls.require_client_cert && http.tls.client_ca_file.empty()) {
      ObjectReader::fail("http.tls.client_ca_file", "is required with require_client_cert");
    }
  }
  r.boolean("allow_plain_http", http.allow_plain_http);
  if (const json* proxies = r.find("trusted_proxies")) {
    if (!proxies->is_array() ||
        !std::all_of(proxies->begin(), proxies->end(), [](const json& p) { return p.is_string(); })) {
      ObjectReader::fail("http.trusted_proxies", "must be an array of IP addresses or CIDR networks");
    }
    http.trusted_proxies = proxies->get<std::vector<std::string>>();
    std::string bad;
    if (!net::valid_proxy_list(http.trusted_proxies, &bad)) {
      ObjectReader::fail("http.trusted_proxies", "\"" + bad + "\" is not an IP address or CIDR network");
    }
  }
  r.finish();
  // Tokens and personal data must not cross a network in the clear by accident.
  if (!http.tls.enabled() && !http.allow_plain_http && !is_loopback(http.host)) {
    ObjectReader::fail("http.listen", "plain HTTP on " + http.host +
                                          " (not loopback) is refused: configure http.tls, or set "
                                          "http.allow_plain_http to true behind a TLS-terminating proxy");
  }
}

void parse_database(const json& object, DatabaseConfig& db) {
  ObjectReader r(object, "database");
  r.string("url", db.url);
  r.integer("pool_size", db.pool_size, 1, 200);
  r.integer("worker_pool_size", db.worker_pool_size, 1, 200);
  r.integer("max_waiting", db.max_waiting, 0, 100000);
  r.duration("statement_timeout_ms", db.statement_timeout, 0, 3600000);
  r.duration("keepalives_idle_s", db.keepalives_idle, 1, 7200);
  r.duration("keepalives_interval_s", db.keepalives_interval, 1, 600);
  r.integer("keepalives_count", db.keepalives_count, 1, 100);
  r.duration("tcp_user_timeout_ms", db.tcp_user_timeout, 0, 3600000);
  r.finish();
}

// A driver-specific key as its driver declares it (channel/driver.hpp). With `accounts`, a
// required key may be each account's instead (channel/social_accounts.hpp checks that).
void check_setting(ObjectReader& r, const channel::Driver& driver, const channel::Setting& setting,
                   bool has_accounts) {
  const json* v = r.find(setting.key);
  if (v == nullptr) {
    if (setting.required && !has_accounts) {
      ObjectReader::fail(r.key(setting.key), "is required for the " + driver.name + " driver");
    }
    return;
  }
  if (!v->is_string()) ObjectReader::fail(r.key(setting.key), "must be a string");
  const auto text = v->get<std::string>();
  if (setting.required && text.empty()) ObjectReader::fail(r.key(setting.key), "must not be empty");
  if (setting.kind == channel::Setting::Kind::kHttpsUrl && !text.empty() && !text.starts_with("https://")) {
    ObjectReader::fail(r.key(setting.key), "must be an https URL");
  }
}

ChannelConfig parse_channel(const std::string& name, const json& object) {
  ChannelConfig channel;
  channel.name = name;
  ObjectReader r(object, "channels." + name);
  r.string("driver", channel.driver);
  if (channel.driver.empty()) ObjectReader::fail(r.key("driver"), "is required");
  const channel::Driver* driver = channel::find_driver(channel.driver);
  if (driver == nullptr) ObjectReader::fail(r.key("driver"), "unknown driver \"" + channel.driver + "\"");
  r.number("rate_per_s", channel.rate_per_s, 0, 100000);
  r.integer("concurrency", channel.concurrency, 1, 1024);
  r.duration("timeout_ms", channel.timeout, 100, 600000);
  r.integer("max_attempts", channel.max_attempts, 1, 100);
  r.integer("circuit_failures", channel.circuit_failures, 0, 100000);
  r.duration("circuit_open_ms", channel.circuit_open, 100, 3600000);
  const bool has_accounts = r.find("accounts") != nullptr;
  for (const auto& setting : driver->settings) check_setting(r, *driver, setting, has_accounts);
  r.finish();
  channel.settings = object;
  channel.capabilities = driver->capabilities(channel);
  channel::social_accounts(channel);  // throws naming the key
  // A channel named after a form promises it: "sms" on the fcm driver would take the SMS
  // participants chose and push them instead.
  if (const auto promised = channel::form_from_name(name); promised && *promised != channel.capabilities.form) {
    ObjectReader::fail(r.key("driver"), "the " + channel.driver + " driver sends " +
                                            std::string(channel::form_name(channel.capabilities.form)) +
                                            " messages, not " + name +
                                            "; choose a driver that sends " + name + ", or another name");
  }
  return channel;
}

// Each form a participant may choose is served by one channel at most: a participant who chose
// "sms" must be reached once, by one provider.
void check_one_channel_per_form(const std::map<std::string, ChannelConfig>& channels) {
  std::map<channel::TextForm, std::string> serving;
  for (const auto& [name, channel] : channels) {
    if (channel.capabilities.broadcast()) continue;
    const auto [it, fresh] = serving.emplace(channel.capabilities.form, name);
    if (!fresh) {
      ObjectReader::fail("channels." + name, "sends " + std::string(channel::form_name(channel.capabilities.form)) +
                                                 " messages as channels." + it->second +
                                                 " does; one channel per personal form");
    }
  }
}

void parse_limits(const json& object, LimitsConfig& limits) {
  ObjectReader r(object, "limits");
  r.integer("confirm_above", limits.confirm_above, 1, 100000000);
  r.number("max_radius_m", limits.max_radius_m, 50, 500000);
  r.integer("max_vertices", limits.max_vertices, 4, 100000);
  // inline_fanout: this key's name before 0.13 (the most recipients a POST wrote itself).
  r.integer("inline_fanout", limits.fanout_chunk, 1, 100000000);
  r.integer("fanout_chunk", limits.fanout_chunk, 1, 100000000);
  r.integer("first_chunk", limits.first_chunk, 1, 100000000);
  r.number("api_per_token_per_s", limits.api_per_token_per_s, 0, 1000000);
  r.number("api_per_token_burst", limits.api_per_token_burst, 1, 1000000);
  if (const json* area = r.find("service_area")) {
    ObjectReader a(*area, "limits.service_area");
    auto& s = limits.service_area;
    a.number("min_lat", s.min_lat, -90, 90);
    a.number("max_lat", s.max_lat, -90, 90);
    a.number("min_lon", s.min_lon, -180, 180);
    a.number("max_lon", s.max_lon, -180, 180);
    a.finish();
    if (s.min_lat >= s.max_lat || s.min_lon >= s.max_lon) {
      ObjectReader::fail("limits.service_area", "min must be below max");
    }
  }
  r.finish();
}

void parse_queue(const json& object, QueueConfig& queue) {
  ObjectReader r(object, "queue");
  r.boolean("dispatch", queue.dispatch);
  r.integer("batch_size", queue.batch_size, 1, 10000);
  r.duration("lease_s", queue.lease, 5, 3600);
  r.duration("poll_ms", queue.poll, 10, 60000);
  r.duration("retry_base_ms", queue.retry_base, 10, 3600000);
  r.duration("retry_max_ms", queue.retry_max, 10, 86400000);
  r.duration("default_urgent_expiry_s", queue.default_urgent_expiry, 60, 30 * 86400);
  r.duration("default_alert_expiry_s", queue.default_alert_expiry, 60, 30 * 86400);
  r.finish();
}

// "burgernet@<host name>": unique per installation without any setting.
std::string default_cap_sender() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "burgernet@localhost";
  std::string name = host;
  std::erase_if(name, [](char c) { return c == ' ' || c == ',' || c == '<' || c == '&'; });
  return "burgernet@" + name;
}

}  // namespace

Config parse_config(const json& document, const std::string& env_database_url) {
  Config config;
  ObjectReader root(document, "");
  if (const json* v = root.find("http")) parse_http(*v, config.http);
  if (const json* v = root.find("database")) parse_database(*v, config.database);
  if (const json* v = root.find("channels")) {
    if (!v->is_object()) ObjectReader::fail("channels", "must be an object");
    for (const auto& [name, channel] : v->items()) config.channels.emplace(name, parse_channel(name, channel));
    check_one_channel_per_form(config.channels);
  }
  if (const json* v = root.find("limits")) parse_limits(*v, config.limits);
  if (const json* v = root.find("locations")) {
    ObjectReader r(*v, "locations");
    r.duration("ttl_s", config.location_ttl, 60, 7 * 86400);
    r.finish();
  }
  if (const json* v = root.find("retention")) {
    ObjectReader r(*v, "retention");
    if (const json* months = r.find("deliveries_months")) {
      // Delivery rows are personal data: there is no "keep forever" value (docs/privacy.md).
      if (months->is_number_integer() && months->get<long long>() < 1) {
        ObjectReader::fail("retention.deliveries_months",
                           "must be at least 1: delivery rows link participants to actions and are "
                           "not kept forever");
      }
      r.integer("deliveries_months", config.delivery_retention_months, 1, kMaxDeliveryRetentionMonths);
    }
    r.integer("tips_days", config.tips.retention_days, 1, 3650);
    r.finish();
  }
  if (const json* v = root.find("tips")) {
    ObjectReader r(*v, "tips");
    r.integer("max_photo_bytes", config.tips.max_photo_bytes, 1024, 20LL << 20);
    r.finish();
  }
  if (const json* v = root.find("sms")) {
    ObjectReader r(*v, "sms");
    r.integer("max_segments", config.sms_max_segments, 1, 10);
    r.finish();
  }
  if (const json* v = root.find("queue")) parse_queue(*v, config.queue);
  if (const json* v = root.find("events")) {
    ObjectReader r(*v, "events");
    r.duration("heartbeat_s", config.events.heartbeat, 1, 300);
    r.integer("max_streams_per_token", config.events.max_streams_per_token, 1, 1000);
    r.finish();
  }
  if (const json* v = root.find("cap")) {
    ObjectReader r(*v, "cap");
    r.string("sender", config.cap.sender);
    r.finish();
  }
  // CAP forbids spaces, commas and the two XML-reserved characters in a sender (CAP 1.2, 3.2.1).
  if (config.cap.sender.empty()) config.cap.sender = default_cap_sender();
  if (config.cap.sender.find_first_of(" \t\r\n,<&") != std::string::npos) {
    ObjectReader::fail("cap.sender", "must not contain spaces, commas, '<' or '&' (CAP 1.2)");
  }
  if (const json* v = root.find("privacy")) {
    ObjectReader r(*v, "privacy");
    r.string("key_file", config.privacy.key_file);
    r.string("lookup_key_file", config.privacy.lookup_key_file);
    if (const json* previous = r.find("previous_key_files")) {
      if (!previous->is_array() || !std::all_of(previous->begin(), previous->end(), [](const json& p) {
            return p.is_string() && !p.get<std::string>().empty();
          })) {
        ObjectReader::fail("privacy.previous_key_files", "must be an array of file paths");
      }
      config.privacy.previous_key_files = previous->get<std::vector<std::string>>();
    }
    r.finish();
    if (config.privacy.key_file.empty()) ObjectReader::fail("privacy.key_file", "must not be empty");
    if (config.privacy.lookup_key_file.empty()) ObjectReader::fail("privacy.lookup_key_file", "must not be empty");
    config.privacy.key_file = credential_path(config.privacy.key_file);
    config.privacy.lookup_key_file = credential_path(config.privacy.lookup_key_file);
    for (auto& previous : config.privacy.previous_key_files) previous = credential_path(previous);
  }
  if (const json* v = root.find("alerts")) {
    ObjectReader r(*v, "alerts");
    r.string("night_from", config.alerts.night_from);
    r.string("night_to", config.alerts.night_to);
    r.finish();
    for (const auto& [key, value] : {std::pair{"alerts.night_from", config.alerts.night_from},
                                     std::pair{"alerts.night_to", config.alerts.night_to}}) {
      if (!participant::is_clock_time(value)) ObjectReader::fail(key, "must be a time of day as HH:MM, 00:00 to 23:59");
    }
  }
  if (const json* v = root.find("regions")) config.regions = std::make_shared<const message::Regions>(parse_regions(*v));
  for (const auto& [name, channel] : config.channels) {
    channel::check_account_regions(channel, *config.regions);
  }
  if (const json* v = root.find("log")) {
    ObjectReader r(*v, "log");
    r.string("level", config.log_level);
    static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error"};
    if (!levels.contains(config.log_level)) ObjectReader::fail("log.level", "must be trace, debug, info, warn or error");
    r.finish();
  }
  root.finish();
  if (!env_database_url.empty()) config.database.url = env_database_url;
  if (config.database.url.empty()) {
    ObjectReader::fail("database.url", "is required (or set BURGERNET_DATABASE_URL)");
  }
  return config;
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot be read");
  json document;
  try {
    document = json::parse(in);
  } catch (const json::parse_error& e) {
    throw ConfigError(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  const char* env = std::getenv("BURGERNET_DATABASE_URL");
  return parse_config(document, env ? env : "");
}

}  // namespace burgernet::config
