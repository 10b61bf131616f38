// `burgernetctl token create`: the token is printed once; only its hash is stored.
#include <iostream>

#include "burgernet/auth/secret.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/db/errors.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {

int run_token_create(const config::Config& config, const TokenOptions& options) {
  if (options.role == "municipal" && !options.area) {
    std::cerr << "burgernetctl: a municipal token needs --area (its municipality code)\n";
    return 2;
  }
  db::Connection connection(config.database.url);
  const std::string token = auth::new_secret("bn_");
  try {
    connection.exec(sql::query("TokenCreate"), options.name, options.role, options.area,
                    auth::secret_hash_param(token), std::optional<std::string>{});
  } catch (const db::UniqueViolation&) {
    std::cerr << "burgernetctl: a token named \"" << options.name << "\" exists already\n";
    return 1;
  }
  std::cout << token << "\n";
  return 0;
}

}  // namespace burgernet::ctl
