// `burgernetctl check-config`: everything the daemon would need at start, checked without
// changing anything: the config, each key and secret file it names (there, readable, not open
// to others), the database (reachable, schema current) and a TLS handshake with each HTTPS
// provider. One line per check; files are never read beyond what the check needs, nor printed.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "burgernet/channel/driver.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "burgernet/db/migrate.hpp"
#include "burgernet/net/http_client.hpp"
#include "burgernet/privacy/key_fingerprints.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"
#include "ctl/tls_probe.hpp"

namespace burgernet::ctl {
namespace {

using nlohmann::json;

// A provider that has not finished a handshake by then will not help the daemon either.
constexpr std::chrono::milliseconds kHandshakeTimeout{5000};

struct Check {
  enum class Verdict { kOk, kFail, kSkip };
  std::string name;
  Verdict verdict = Verdict::kOk;
  std::string detail;
  bool config_problem = false;  // a FAIL the operator fixes in files (exit 2), not a runtime one (exit 1)
};

class Checks {
 public:
  void add(std::string name, std::string problem, bool config_problem, std::string detail_ok = {}) {
    Check check{std::move(name), problem.empty() ? Check::Verdict::kOk : Check::Verdict::kFail,
                problem.empty() ? std::move(detail_ok) : std::move(problem), config_problem};
    checks_.push_back(std::move(check));
  }
  void skip(std::string name, std::string why) {
    checks_.push_back({std::move(name), Check::Verdict::kSkip, std::move(why), false});
  }
  int exit_code() const {
    bool config = false, runtime = false;
    for (const auto& c : checks_) {
      if (c.verdict != Check::Verdict::kFail) continue;
      (c.config_problem ? config : runtime) = true;
    }
    return config ? kExitUsage : runtime ? kExitFailure : kExitOk;
  }
  void print(bool as_json) const {
    if (as_json) {
      json list = json::array();
      for (const auto& c : checks_) {
        list.push_back({{"check", c.name},
                        {"result", c.verdict == Check::Verdict::kOk     ? "ok"
                                   : c.verdict == Check::Verdict::kFail ? "fail"
                                                                        : "skip"},
                        {"detail", c.detail}});
      }
      std::cout << json{{"ok", exit_code() == kExitOk}, {"checks", list}}.dump(2) << "\n";
      return;
    }
    for (const auto& c : checks_) {
      std::cout << (c.verdict == Check::Verdict::kOk     ? "ok    "
                    : c.verdict == Check::Verdict::kFail ? "FAIL  "
                                                         : "skip  ")
                << c.name << (c.detail.empty() ? "" : ": " + c.detail) << "\n";
    }
  }

 private:
  std::vector<Check> checks_;
};

std::string octal_mode(mode_t mode) {
  std::ostringstream out;
  out << "0" << std::oct << (mode & 07777);
  return out.str();
}

// Why the file at `path` cannot serve, or "". A secret must not be readable by others nor
// changeable by its group (0600, or 0640 for a group the daemon's user is in).
std::string file_problem(const std::string& path, bool secret) {
  if (path.empty()) return "no file named";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return path + ": not a regular file";
  if (::access(path.c_str(), R_OK) != 0 || !std::ifstream(path))
    return path + ": cannot be read by this user";
  if (secret && (st.st_mode & 0027) != 0) {
    return path + ": mode " + octal_mode(st.st_mode) +
           " lets others read it or its group change it (chmod 600)";
  }
  return {};
}

void check_key_file(Checks& checks, const std::string& name, const std::string& path) {
  auto problem = file_problem(path, /*secret=*/true);
  if (problem.empty()) {
    try {
      privacy::read_key_file(path, /*create=*/false);
    } catch (const privacy::KeyError& e) {
      problem = e.what();
    }
  }
  checks.add(name, problem, true, path);
}

void check_files(Checks& checks, const config::Config& config) {
  check_key_file(checks, "privacy.key_file", config.privacy.key_file);
  for (std::size_t i = 0; i < config.privacy.previous_key_files.size(); ++i)
    check_key_file(checks, "privacy.previous_key_files[" + std::to_string(i) + "]",
                   config.privacy.previous_key_files[i]);
  check_key_file(checks, "privacy.lookup_key_file", config.privacy.lookup_key_file);

  const auto& tls = config.http.tls;
  if (tls.enabled()) {
    checks.add("http.tls.cert_file", file_problem(tls.cert_file, false), true, tls.cert_file);
    checks.add("http.tls.key_file", file_problem(tls.key_file, true), true, tls.key_file);
    if (!tls.client_ca_file.empty())
      checks.add("http.tls.client_ca_file", file_problem(tls.client_ca_file, false), true,
                 tls.client_ca_file);
  }

  for (const auto& [name, channel] : config.channels) {
    const auto* driver = channel::find_driver(channel.driver);
    if (!driver) continue;  // the config parser refused it already
    for (const auto& setting : driver->settings) {
      const auto path = driver->value(channel, setting.key);
      const std::string key = "channels." + name + "." + setting.key;
      if (setting.kind == channel::Setting::Kind::kSecretFile && (!path.empty() || setting.required))
        checks.add(key, file_problem(path, true), true, path);
      else if (setting.key == "ca_file" && !path.empty())
        checks.add(key, file_problem(path, false), true, path);
    }
  }
}

// Whether the key files are those the database was sealed with, read only: the daemon's own
// check (check_key_fingerprints) records keys on an older database, which this command must not.
void check_recorded_keys(Checks& checks, const config::Config& config, db::Connection& connection) {
  const std::string name = "privacy keys match the database";
  std::optional<privacy::PersonalDataKeys> keys;
  try {
    keys.emplace(privacy::PersonalDataKeys::load(config.privacy));
  } catch (const privacy::KeyError&) {
    checks.skip(name, "the key files cannot be read (above)");
    return;
  }
  std::vector<privacy::RecordedKey> recorded;
  try {
    recorded = privacy::recorded_keys(connection);
  } catch (const db::DatabaseUnavailable&) {
    throw;
  } catch (const db::DatabaseError&) {
    checks.skip(name, "the database has no record of keys yet (run burgernetctl migrate)");
    return;
  }
  auto current = [&](const std::string& purpose) -> std::optional<std::string> {
    for (const auto& k : recorded)
      if (k.purpose == purpose && k.status == "current") return k.fingerprint;
    return std::nullopt;
  };
  const auto seal = current("seal"), lookup = current("lookup");
  if (!seal && !lookup) {
    checks.skip(name, "the database recorded no keys yet (burgernetctl keys init records them)");
    return;
  }
  const auto ours = keys->sealing_identity().fingerprint;
  bool seal_ok = !seal || *seal == ours;
  if (!seal_ok) {
    // A rotation in progress: the database's current key is among privacy.previous_key_files.
    for (const auto& previous : keys->previous_identities())
      seal_ok = seal_ok || previous.fingerprint == *seal;
  }
  const bool lookup_ok = !lookup || *lookup == keys->lookup_identity().fingerprint;
  std::string problem;
  if (!seal_ok)
    problem = "privacy.key_file is " + privacy::short_fingerprint(ours) + ", the database was sealed with " +
              privacy::short_fingerprint(*seal);
  if (!lookup_ok)
    problem += (problem.empty() ? "" : "; ") + std::string("privacy.lookup_key_file is ") +
               privacy::short_fingerprint(keys->lookup_identity().fingerprint) + ", the database's is " +
               privacy::short_fingerprint(*lookup);
  checks.add(name, problem, true, "sealing key " + privacy::short_fingerprint(ours));
}

void check_database(Checks& checks, const config::Config& config) {
  try {
    db::Connection connection(config.database.url);
    checks.add("database", "", false, "connected");
    const int schema = db::schema_version(connection), needed = sql::latest_migration_version();
    std::string problem;
    if (schema < needed)
      problem = "schema at version " + std::to_string(schema) + ", this program needs " +
                std::to_string(needed) + " (run burgernetctl migrate)";
    if (schema > needed)
      problem = "schema at version " + std::to_string(schema) + " is newer than this program's " +
                std::to_string(needed);
    checks.add("database schema", problem, false, "version " + std::to_string(schema));
    check_recorded_keys(checks, config, connection);
  } catch (const std::exception& e) {
    checks.add("database", e.what(), false);
  }
}

// Where a channel's driver speaks TLS: its https URLs, or its SMTP server (smtps://, or smtp://
// with STARTTLS; ports as libcurl defaults them).
std::vector<std::pair<std::string, TlsEndpoint>> tls_endpoints(const config::ChannelConfig& channel,
                                                               const channel::Driver& driver) {
  std::vector<std::pair<std::string, TlsEndpoint>> out;
  for (const auto& setting : driver.settings) {
    const auto value = driver.value(channel, setting.key);
    if (setting.kind == channel::Setting::Kind::kHttpsUrl) {
      if (const auto url = net::parse_https_url(value))
        out.push_back({setting.key, {url->host, url->port, false}});
    } else if (driver.name == "smtp" && setting.key == "url") {
      const bool implicit = value.starts_with("smtps://");
      if (!implicit && !value.starts_with("smtp://")) continue;  // the config parser refused it already
      auto authority = value.substr(implicit ? 8 : 7);
      authority = authority.substr(0, authority.find('/'));
      const auto colon = authority.rfind(':');
      TlsEndpoint endpoint{authority.substr(0, colon), implicit ? "465" : "25", !implicit};
      if (colon != std::string::npos) endpoint.port = authority.substr(colon + 1);
      out.push_back({setting.key, endpoint});
    }
  }
  return out;
}

void check_providers(Checks& checks, const config::Config& config) {
  for (const auto& [name, channel] : config.channels) {
    const auto* driver = channel::find_driver(channel.driver);
    if (!driver) continue;
    const auto ca_file = channel.settings.value("ca_file", "");
    const auto timeout = std::min<std::chrono::milliseconds>(channel.timeout, kHandshakeTimeout);
    for (const auto& [key, endpoint] : tls_endpoints(channel, *driver)) {
      const std::string where = endpoint.host + ":" + endpoint.port;
      const auto failure = tls_handshake(endpoint, ca_file, timeout);
      checks.add("channels." + name + "." + key + " TLS handshake",
                 failure.empty() ? "" : where + ": " + failure, false,
                 where + (endpoint.starttls ? " (STARTTLS)" : ""));
    }
  }
}

}  // namespace

int run_check_config(const CheckConfigOptions& options) {
  Checks checks;
  config::Config config;
  try {
    config = config::load_config_file(options.config_path);
    checks.add("config", "", true, options.config_path);
  } catch (const std::exception& e) {
    checks.add("config", options.config_path + ": " + e.what(), true);
    checks.print(options.json);
    return checks.exit_code();
  }
  check_files(checks, config);
  check_database(checks, config);
  check_providers(checks, config);
  checks.print(options.json);
  return checks.exit_code();
}

}  // namespace burgernet::ctl
