// `burgernetctl keys rotate`: after a new privacy.key_file is in place (the old one listed in
// privacy.previous_key_files), reseals every phone number, e-mail address, push token and
// pending verification text with the new key, recomputes the look-up hashes with the configured
// lookup key, and records the change in key_fingerprints (migration 0016): the new key current,
// the old one retired once nothing sealed with it remains. Safe while daemons run: a row changed
// in between is left to its new value; run it again after every daemon has restarted.
#include <iostream>
#include <map>

#include "burgernet/db/connection.hpp"
#include "burgernet/privacy/key_fingerprints.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"
#include "burgernet/sql/query.hpp"
#include "burgernet/tip/tip_store.hpp"
#include "ctl/commands.hpp"

namespace burgernet::ctl {
namespace {

constexpr int kPage = 1000;
constexpr const char* kFirstId = "00000000-0000-0000-0000-000000000000";

struct Resealed {
  std::size_t resealed = 0, seen = 0;
};

Resealed reseal_participants(db::Connection& connection, const privacy::PersonalDataKeys& keys) {
  Resealed out;
  std::string last = kFirstId;
  for (;;) {
    const auto page = connection.exec(sql::query("ParticipantsSealedPage"), last, kPage);
    for (int i = 0; i < page.rows(); ++i) {
      const std::string id = page.string(i, 0);
      const std::string sealed_phone = page.string(i, 1);
      const auto phone = keys.open(sealed_phone, "phone");
      std::optional<std::string> email;
      if (!page.is_null(i, 2)) email = keys.seal(keys.open(page.text(i, 2), "email"), "email");
      const auto updated =
          connection.exec(sql::query("ParticipantReseal"),
                          db::Params(id, keys.seal(phone, "phone"), keys.lookup(phone), email, sealed_phone));
      out.resealed += static_cast<std::size_t>(updated.rows());
      last = id;
    }
    out.seen += static_cast<std::size_t>(page.rows());
    if (page.rows() < kPage) break;
  }
  return out;
}

Resealed reseal_push_tokens(db::Connection& connection, const privacy::PersonalDataKeys& keys) {
  Resealed out;
  std::string last = kFirstId;
  for (;;) {
    const auto page = connection.exec(sql::query("DevicesSealedPage"), last, kPage);
    for (int i = 0; i < page.rows(); ++i) {
      const std::string id = page.string(i, 0);
      const std::string sealed = page.string(i, 1);
      last = id;
      if (keys.is_current(sealed)) continue;
      const auto updated =
          connection.exec(sql::query("DeviceReseal"),
                          db::Params(id, keys.seal(keys.open(sealed, "push_token"), "push_token"), sealed));
      out.resealed += static_cast<std::size_t>(updated.rows());
    }
    out.seen += static_cast<std::size_t>(page.rows());
    if (page.rows() < kPage) break;
  }
  return out;
}

Resealed reseal_verification_texts(db::Connection& connection, const privacy::PersonalDataKeys& keys) {
  Resealed out;
  const auto bodies = connection.exec(sql::query("VerificationBodiesQueued"));
  out.seen = static_cast<std::size_t>(bodies.rows());
  for (int i = 0; i < bodies.rows(); ++i) {
    const std::string sealed = bodies.string(i, 1);
    if (keys.is_current(sealed)) continue;
    const auto updated =
        connection.exec(sql::query("VerificationBodyReseal"),
                        db::Params(bodies.string(i, 0),
                                   keys.seal(keys.open(sealed, "verification"), "verification"), sealed));
    out.resealed += static_cast<std::size_t>(updated.affected());
  }
  return out;
}

}  // namespace

int run_keys_rotate(const config::Config& config) {
  const auto keys = privacy::PersonalDataKeys::load(config.privacy);
  db::Connection connection(config.database.url);
  for (const auto& change : privacy::record_rotation(connection, keys)) std::cout << change << "\n";

  const auto participants = reseal_participants(connection, keys);
  const auto push_tokens = reseal_push_tokens(connection, keys);
  const auto texts = reseal_verification_texts(connection, keys);
  const auto tips = tip::reseal_tips(connection, keys);
  std::cout << "resealed " << participants.resealed << " of " << participants.seen
            << " participants with the current key\n"
            << "resealed " << push_tokens.resealed << " of " << push_tokens.seen << " push tokens\n"
            << "resealed " << texts.resealed << " of " << texts.seen << " queued verification texts\n"
            << "resealed " << tips.resealed << " of " << tips.seen << " tips\n";

  // What is left under another key: values a daemon with the old configuration sealed meanwhile.
  const auto current_id = keys.sealing_identity().key_id;
  const auto counts = privacy::count_sealed_values(connection);
  std::map<std::string, std::int64_t> left;
  for (const auto& c : counts) {
    if (c.key_id != current_id) left[c.key_id] += c.count;
  }
  for (const auto& [key_id, count] : left) {
    std::cout
        << "still sealed with key id " << key_id << ": " << count
        << " (a daemon still runs with the old privacy.key_file? restart it and run keys rotate again)\n";
  }
  for (const auto& retired : privacy::retire_unused_keys(connection, counts)) {
    std::cout << retired << " retired: nothing sealed with it remains; remove it from "
              << "privacy.previous_key_files and destroy the file\n";
  }
  return left.empty() ? 0 : 1;
}

}  // namespace burgernet::ctl
