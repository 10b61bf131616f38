// `burgernetctl keys rotate`: after a new privacy.key_file is in place (the old one listed in
// privacy.previous_key_files), reseals every phone number, e-mail address and pending
// verification text with the new key, and recomputes the look-up hashes with the configured
// lookup key. Safe while daemons run: a row changed in between is left to its new value.
#include <iostream>

#include "burgernet/db/connection.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {

int run_keys_rotate(const config::Config& config) {
  const auto keys = privacy::PersonalDataKeys::load(config.privacy);
  db::Connection connection(config.database.url);
  constexpr int kPage = 1000;
  std::string last = "00000000-0000-0000-0000-000000000000";
  std::size_t resealed = 0, seen = 0;
  for (;;) {
    const auto page = connection.exec(sql::query("ParticipantsSealedPage"), last, kPage);
    for (int i = 0; i < page.rows(); ++i) {
      const std::string id = page.string(i, 0);
      const std::string sealed_phone = page.string(i, 1);
      const auto phone = keys.open(sealed_phone, "phone");
      std::optional<std::string> email;
      if (!page.is_null(i, 2)) email = keys.seal(keys.open(page.text(i, 2), "email"), "email");
      const auto updated = connection.exec(sql::query("ParticipantReseal"),
                                           db::Params(id, keys.seal(phone, "phone"), keys.lookup(phone), email,
                                                      sealed_phone));
      resealed += static_cast<std::size_t>(updated.rows());
      last = id;
    }
    seen += static_cast<std::size_t>(page.rows());
    if (page.rows() < kPage) break;
  }
  const auto bodies = connection.exec(sql::query("VerificationBodiesQueued"));
  for (int i = 0; i < bodies.rows(); ++i) {
    const std::string sealed = bodies.string(i, 1);
    if (keys.is_current(sealed)) continue;
    connection.exec(sql::query("VerificationBodyReseal"),
                    db::Params(bodies.string(i, 0), keys.seal(keys.open(sealed, "verification"), "verification"),
                               sealed));
  }
  std::cout << "resealed " << resealed << " of " << seen << " participants with the current key\n";
  return 0;
}

}  // namespace burgernet::ctl
