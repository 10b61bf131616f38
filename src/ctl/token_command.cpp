// `burgernetctl token create|list|revoke`: a token is printed once and only its hash is stored;
// every create and revoke leaves an audit row in the same transaction.
#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/auth/secret.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "ctl/commands.hpp"
#include "ctl/exit_codes.hpp"
#include "ctl/local_audit.hpp"

namespace burgernet::ctl {
namespace {

std::string utc_timestamp(std::chrono::system_clock::time_point at) {
  const std::time_t t = std::chrono::system_clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

}  // namespace

int run_token_create(const config::Config& config, const TokenOptions& options) {
  if (options.role == "municipal" && !options.area) {
    std::cerr << "burgernetctl: a municipal token needs --area (its municipality code)\n";
    return 2;
  }
  if (options.area && options.role != "municipal" && options.role != "operator") {
    // Nothing would hold a registrar or admin token to it: refuse rather than pretend.
    std::cerr << "burgernetctl: --area binds municipal and operator tokens only\n";
    return 2;
  }
  std::optional<std::string> expires_at;
  if (options.expires_in_days) {
    expires_at =
        utc_timestamp(std::chrono::system_clock::now() + std::chrono::hours(24) * *options.expires_in_days);
  }
  db::Connection connection(config.database.url);
  // An area code that names no area would bind the token to nowhere: every action it raised
  // would be refused, long after the typo was made.
  if (options.area && !connection.exec(sql::query("AreaExists"), *options.area).boolean(0, 0)) {
    std::cerr << "burgernetctl: there is no area with code \"" << *options.area
              << "\" (load it first with burgernetctl areas import)\n";
    return kExitUsage;
  }
  const std::string token = auth::new_secret("bn_");
  try {
    db::Transaction tx(connection);
    const auto id = connection
                        .exec(sql::query("TokenCreate"), options.name, options.role, options.area,
                              auth::secret_hash_param(token), expires_at)
                        .string(0, 0);
    auto entry = local_entry("token.create", options.name);
    entry.details = {{"token_id", id}, {"role", options.role}};
    if (options.area) entry.details["area"] = *options.area;
    if (expires_at) entry.details["expires_at"] = *expires_at;
    audit::append(connection, entry);
    tx.commit();
  } catch (const db::UniqueViolation&) {
    std::cerr << "burgernetctl: a token named \"" << options.name << "\" exists already\n";
    return 1;
  }
  std::cout << token << "\n";
  return 0;
}

int run_token_list(const config::Config& config, bool as_json) {
  db::Connection connection(config.database.url);
  const auto r = connection.exec(sql::query("TokenList"));
  static constexpr const char* kColumns[] = {"id", "name", "role", "area", "created", "expires", "revoked"};
  if (as_json) {
    auto tokens = nlohmann::json::array();
    for (int row = 0; row < r.rows(); ++row) {
      nlohmann::json token;
      for (int column = 0; column < 7; ++column)
        token[kColumns[column]] = r.is_null(row, column) ? nlohmann::json(nullptr) : nlohmann::json(r.string(row, column));
      tokens.push_back(std::move(token));
    }
    std::cout << nlohmann::json{{"tokens", std::move(tokens)}}.dump(2) << "\n";
    return kExitOk;
  }
  auto cell = [&](int row, int column) {
    return r.is_null(row, column) ? std::string("-") : r.string(row, column);
  };
  std::cout << "id\tname\trole\tarea\tcreated\texpires\trevoked\n";
  for (int row = 0; row < r.rows(); ++row) {
    for (int column = 0; column < 7; ++column) std::cout << (column ? "\t" : "") << cell(row, column);
    std::cout << "\n";
  }
  return kExitOk;
}

int run_token_revoke(const config::Config& config, const std::string& name_or_id) {
  db::Connection connection(config.database.url);
  db::Transaction tx(connection);
  const auto revoked = connection.exec(sql::query("TokenRevoke"), name_or_id);
  if (revoked.empty()) {
    const auto found = connection.exec(sql::query("TokenFind"), name_or_id);
    const bool already = !found.empty();
    audit::append(connection,
                  local_entry("token.revoke", name_or_id, already ? "already_revoked" : "not_found"));
    tx.commit();
    if (already) {
      std::cerr << "burgernetctl: token \"" << found.string(0, 1) << "\" was revoked already\n";
      return 0;
    }
    std::cerr << "burgernetctl: no token named or with id \"" << name_or_id << "\"\n";
    return kExitNotFound;
  }
  auto entry = local_entry("token.revoke", revoked.string(0, 1));
  entry.details = {{"token_id", revoked.string(0, 0)}};
  audit::append(connection, entry);
  tx.commit();
  std::cout << "revoked " << revoked.string(0, 1) << " (" << revoked.string(0, 0) << ")\n";
  return 0;
}

}  // namespace burgernet::ctl
