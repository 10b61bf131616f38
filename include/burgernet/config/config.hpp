// The daemon's configuration: every key of docs/configuration.md, with its default.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "burgernet/channel/capabilities.hpp"
#include "burgernet/message/regions.hpp"

namespace burgernet::config {

// A config file that cannot be used; the message names the key ("http.listen: ...").
class ConfigError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// TLS for the API listener (docs/security.md). Empty cert_file: no TLS.
struct TlsConfig {
  std::string cert_file;       // PEM, the server certificate and its chain
  std::string key_file;        // PEM, its private key
  std::string client_ca_file;  // PEM; when set, client certificates are verified against it
  bool require_client_cert = false;
  bool enabled() const { return !cert_file.empty(); }
};

struct HttpConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 2;
  std::size_t body_limit_bytes = 1 << 20;
  std::size_t header_limit_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};
  std::size_t max_connections = 1024;
  std::chrono::milliseconds drain_timeout{10000};
  TlsConfig tls;
  // Plain HTTP on an address other than loopback is refused unless this is true.
  bool allow_plain_http = false;
  // Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For is believed.
  std::vector<std::string> trusted_proxies;
};

struct DatabaseConfig {
  std::string url;
  // Connections (and database threads) for API requests only; the senders cannot take them.
  std::size_t pool_size = 8;
  // Connections for the background work: dispatcher, fan-out, retention, partitions.
  std::size_t worker_pool_size = 8;
  // API database work that may wait for one of pool_size connections; more is answered 503.
  std::size_t max_waiting = 64;
  std::chrono::milliseconds statement_timeout{10000};
  // libpq's TCP keepalives and TCP_USER_TIMEOUT (db::KeepaliveOptions); a URL's own win.
  std::chrono::seconds keepalives_idle{5};
  std::chrono::seconds keepalives_interval{2};
  int keepalives_count = 3;
  std::chrono::milliseconds tcp_user_timeout{10000};
};

// One configured channel. Driver-specific keys stay JSON for the driver to read (checked here
// against the driver's description, channel/driver.hpp); the common ones are parsed here.
struct ChannelConfig {
  std::string name;    // any name: "sms", "texts", "pager"
  std::string driver;  // "file", "twilio_sms", ...
  // What the channel can do, from its driver: the selection, the dispatcher and the renderer
  // read this, never the channel's name.
  channel::Capabilities capabilities;
  double rate_per_s = 0;  // 0: unlimited
  int concurrency = 4;
  std::chrono::milliseconds timeout{10000};
  int max_attempts = 5;
  // HTTP drivers' circuit breaker: after this many retry-class failures in a row (0: never),
  // offer nothing to the provider for circuit_open; the messages wait without using attempts.
  int circuit_failures = 5;
  std::chrono::milliseconds circuit_open{30000};
  nlohmann::json settings;  // the whole object, for the driver
};

struct ServiceArea {
  double min_lat = 50.7, max_lat = 53.6, min_lon = 3.3, max_lon = 7.3;
};

struct LimitsConfig {
  std::int64_t confirm_above = 25000;
  double max_radius_m = 20000;
  int max_vertices = 1000;
  // An action's area is cut into chunks of about this many addresses, selected and written one
  // committed chunk at a time; the POST writes the first, of about first_chunk addresses.
  std::int64_t fanout_chunk = 20000;
  std::int64_t first_chunk = 500;
  // Requests per second per API token on /v1, and how many may come at once (0: no limit).
  double api_per_token_per_s = 50;
  double api_per_token_burst = 200;
  ServiceArea service_area;
};

struct QueueConfig {
  // False: this daemon serves the API and fans out, and leaves sending to the others.
  bool dispatch = true;
  int batch_size = 200;
  std::chrono::seconds lease{60};
  std::chrono::milliseconds poll{1000};
  std::chrono::milliseconds retry_base{2000};
  std::chrono::milliseconds retry_max{300000};
  std::chrono::seconds default_urgent_expiry{6 * 3600};
  std::chrono::seconds default_alert_expiry{48 * 3600};
};

// Keys for personal data at rest (privacy/personal_data_keys.hpp). Relative paths are taken
// from the working directory, like the outbox paths of the file channel.
struct PrivacyConfig {
  std::string key_file = "var/keys/personal-data.key";
  std::vector<std::string> previous_key_files;
  std::string lookup_key_file = "var/keys/lookup.key";
};

// alerts.*: non-urgent alerts never go out at night (SPEC "Selection rules"). Times of day in
// Europe/Amsterdam; the window may cross midnight; equal times switch the rule off.
struct AlertsConfig {
  std::string night_from = "22:00";
  std::string night_to = "07:00";
};

// tips.*: tips from participants (docs/privacy.md, "Tips"). The photo limit is of the image's
// bytes; POST /v1/actions/{id}/tips takes a body large enough for it in base64.
struct TipsConfig {
  std::size_t max_photo_bytes = 5 << 20;
  // retention.tips_days: a tip (text, number, photo) is deleted this many days after it came.
  int retention_days = 30;
};

// events.*: GET /v1/actions/{id}/events (docs/architecture.md, "Event streams").
struct EventsConfig {
  std::chrono::seconds heartbeat{15};  // a `: ping` comment when nothing else was sent
  int max_streams_per_token = 5;       // the next one is 429
};

// cap.*: the CAP 1.2 documents of GET /v1/cap/feed and /v1/actions/{id}/cap (docs/cap.md).
struct CapConfig {
  // CAP's <sender>: no spaces, commas or '<' '&'. Empty in the file: "burgernet@<host name>".
  std::string sender;
};

struct Config {
  HttpConfig http;
  DatabaseConfig database;
  std::map<std::string, ChannelConfig> channels;
  LimitsConfig limits;
  std::chrono::seconds location_ttl{7200};
  // retention.deliveries_months: a month of delivery rows (they link a participant to the
  // actions that reached them) is dropped once it ended this many months ago. Never "forever".
  int delivery_retention_months = 6;
  int sms_max_segments = 3;
  QueueConfig queue;
  PrivacyConfig privacy;
  AlertsConfig alerts;
  TipsConfig tips;
  EventsConfig events;
  CapConfig cap;
  // regions: call-back number and sender name per police region (config/regions_config.hpp).
  std::shared_ptr<const message::Regions> regions = std::make_shared<const message::Regions>();
  std::string log_level = "info";
};

// Parses and validates; throws ConfigError naming the first bad key. `env_database_url`
// (BURGERNET_DATABASE_URL) overrides database.url when not empty.
Config parse_config(const nlohmann::json& document, const std::string& env_database_url = {});
Config load_config_file(const std::string& path);

}  // namespace burgernet::config
