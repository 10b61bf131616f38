// Participants in the database (SPEC.md "HTTP API", issue "core flow" part 1).
#include "burgernet/participant/participant_store.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "burgernet/auth/secret.hpp"
#include "burgernet/domain/errors.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::participant {
namespace {

using nlohmann::json;

// Six digits from the CSPRNG, without the bias of a plain modulo.
std::string new_code() {
  constexpr std::uint32_t kRange = 1000000;
  constexpr std::uint32_t kLimit = UINT32_MAX - UINT32_MAX % kRange;
  std::uint32_t value = 0;
  do {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value) != 1) {
      throw std::runtime_error("the random number generator failed");
    }
  } while (value >= kLimit);
  auto digits = std::to_string(value % kRange);
  return std::string(6 - digits.size(), '0') + digits;
}

// A text message where the number takes one, a call otherwise; whichever of them is configured.
const CodeChannel& verification_channel(bool mobile, const CodeChannels& channels) {
  if (mobile && channels.text) return *channels.text;
  if (channels.call) return *channels.call;
  throw Unavailable("verification_unavailable",
                    mobile ? "no channel that sends SMS or calls is configured to send the verification code"
                           : "this number takes calls only, and no channel that calls is configured");
}

void queue_code(db::Connection& c, const std::string& id, bool mobile, const CodeChannels& channels,
                const privacy::PersonalDataKeys& keys) {
  const auto& channel = verification_channel(mobile, channels);
  const auto code = new_code();
  c.exec(sql::query("VerificationCodeUpsert"), id, code_hash_param(id, code), kCodeValidSeconds);
  c.exec(sql::query("VerificationDeliveriesCancel"), id);
  c.exec(sql::query("VerificationDeliveryInsert"),
         db::Params(id, channel.name, keys.seal(verification_text(code, channel.calls), "verification"),
                    kCodeValidSeconds, channel.max_attempts));
}

void check_channels(db::Connection& c, const std::string& id) {
  const auto r = c.exec(sql::query("ParticipantChannelConflicts"), id);
  if (r.empty()) return;
  if (r.boolean(0, 0)) throw InvalidField("addresses", "sms needs a mobile number; this number takes calls only");
  if (r.boolean(0, 1)) throw InvalidField("email", "an address uses the email channel; keep an e-mail address");
}

void erase(db::Connection& c, const std::string& id) {
  c.exec(sql::query("ParticipantEraseDeliveries"), id);
  if (c.exec(sql::query("ParticipantDelete"), id).empty()) throw NotFound("no such participant");
  c.exec(sql::query("ParticipantErasureCount"));
}

}  // namespace

CodeChannels code_channels(const config::Config& config) {
  CodeChannels channels;
  for (const auto& [name, channel] : config.channels) {
    const auto& can = channel.capabilities;
    if (can.broadcast() || can.address != channel::AddressKind::kPhone) continue;
    (can.calls ? channels.call : channels.text) = CodeChannel{name, can.calls, channel.max_attempts};
  }
  return channels;
}

std::string code_hash_param(const std::string& participant_id, const std::string& code) {
  return auth::secret_hash_param(participant_id + ":" + code);
}

std::string verification_text(const std::string& code, bool spoken_aloud) {
  if (spoken_aloud) {
    std::string spoken;
    for (char digit : code) spoken += std::string(spoken.empty() ? "" : ", ") + digit;
    return "Uw verificatiecode voor Burgernet is: " + spoken + ". Ik herhaal: " + spoken + ".";
  }
  return "Uw Burgernet-code is " + code + ". Deze code is 10 minuten geldig. Deel hem met niemand.";
}

std::string sign_up(db::Connection& c, const SignUpRequest& request, const CodeChannels& channels,
                    const privacy::PersonalDataKeys& keys, const audit::Entry* audit) {
  verification_channel(request.phone.mobile, channels);  // refuse before storing anything
  db::Transaction transaction(c);
  std::optional<std::string> email;
  if (request.email) email = keys.seal(*request.email, "email");
  const auto id = c.exec(sql::query("ParticipantInsert"),
                         db::Params(keys.seal(request.phone.e164, "phone"), keys.lookup(request.phone.e164),
                                    request.phone.mobile, email, request.language))
                      .string(0, 0);
  c.exec(sql::query("ParticipantAddressesInsert"), id, addresses_as_records(request.addresses).dump());
  queue_code(c, id, request.phone.mobile, channels, keys);
  audit::append_for(c, audit, id);
  transaction.commit();
  return id;
}

void resend_verification(db::Connection& c, const std::string& id, const CodeChannels& channels,
                         const privacy::PersonalDataKeys& keys) {
  db::Transaction transaction(c);
  const auto participant = c.exec(sql::query("ParticipantLock"), id);
  if (participant.empty()) throw NotFound("no such participant");
  if (participant.string(0, 0) == "active") throw Conflict("already_verified", "this participant is active");
  const auto age = c.exec(sql::query("VerificationCodeAge"), id);
  if (!age.empty() && age.float64(0, 0) < kCodeResendAfterSeconds) {
    const int wait = kCodeResendAfterSeconds - static_cast<int>(age.float64(0, 0));
    throw TooSoon(std::chrono::seconds(wait), "a code was sent less than a minute ago");
  }
  queue_code(c, id, participant.boolean(0, 2), channels, keys);
  transaction.commit();
}

void verify(db::Connection& c, const std::string& id, const std::string& code, const audit::Entry* audit) {
  db::Transaction transaction(c);
  const auto participant = c.exec(sql::query("ParticipantLock"), id);
  if (participant.empty()) throw NotFound("no such participant");
  if (participant.string(0, 0) == "active") throw Conflict("already_verified", "this participant is active");
  const auto stored = c.exec(sql::query("VerificationCodeLock"), id);
  if (stored.empty() || !stored.boolean(0, 2)) {
    throw Rejected("code_expired", "the code has expired; request a new one");
  }
  if (stored.int64(0, 1) >= kCodeMaxTries) {
    throw Rejected("code_attempts_exhausted", "too many wrong codes; request a new one");
  }
  const auto expected = stored.string(0, 0);
  const auto given = code_hash_param(id, code);
  if (expected.size() != given.size() || CRYPTO_memcmp(expected.data(), given.data(), given.size()) != 0) {
    const auto tries = c.exec(sql::query("VerificationCodeFailedTry"), id).int64(0, 0);
    transaction.commit();
    const auto left = kCodeMaxTries - tries;
    if (left <= 0) throw Rejected("code_attempts_exhausted", "too many wrong codes; request a new one");
    throw Rejected("code_incorrect",
                   "the code is not right; " + std::to_string(left) + (left == 1 ? " try" : " tries") + " left");
  }
  c.exec(sql::query("VerificationCodeDelete"), id);
  c.exec(sql::query("VerificationDeliveriesCancel"), id);
  const auto phone_lookup = participant.string(0, 1);
  const auto older = c.exec(sql::query("ParticipantsActiveWithPhone"), phone_lookup, id);
  for (int i = 0; i < older.rows(); ++i) erase(c, older.string(i, 0));
  c.exec(sql::query("ParticipantActivate"), id);
  audit::append_for(c, audit, id);
  transaction.commit();
  if (older.rows() > 0) spdlog::info("participant {} verified; it replaces an older registration", id);
}

json get_participant(db::Connection& c, const std::string& id, const privacy::PersonalDataKeys& keys,
                     const audit::Entry* audit) {
  const auto r = c.exec(sql::query("ParticipantGet"), id);
  if (r.empty()) throw NotFound("no such participant");
  audit::append_for(c, audit, id);
  json out = {{"id", r.string(0, 0)},
              {"status", r.string(0, 1)},
              {"phone", keys.open(r.text(0, 2), "phone")},
              {"language", r.string(0, 4)},
              {"created_at", r.string(0, 5)},
              {"addresses", json::parse(r.string(0, 7))},
              {"devices", json::parse(r.string(0, 8))}};
  out["email"] = r.is_null(0, 3) ? json() : json(keys.open(r.text(0, 3), "email"));
  out["verified_at"] = r.is_null(0, 6) ? json() : json(r.string(0, 6));
  return out;
}

json change_participant(db::Connection& c, const std::string& id, const ParticipantChange& change,
                        const CodeChannels& channels, const privacy::PersonalDataKeys& keys,
                        const audit::Entry* audit) {
  db::Transaction transaction(c);
  const auto before = c.exec(sql::query("ParticipantLock"), id);
  if (before.empty()) throw NotFound("no such participant");
  std::optional<std::string> phone, phone_lookup, email;
  std::optional<bool> mobile;
  if (change.phone) {
    phone = keys.seal(change.phone->e164, "phone");
    phone_lookup = keys.lookup(change.phone->e164);
    mobile = change.phone->mobile;
  }
  const bool new_number = phone_lookup && *phone_lookup != before.string(0, 1);
  if (new_number) verification_channel(change.phone->mobile, channels);
  const bool remove_email = change.email && !change.email->has_value();
  if (change.email && change.email->has_value()) email = keys.seal(**change.email, "email");
  c.exec(sql::query("ParticipantUpdate"),
         db::Params(id, phone, mobile, email, remove_email, change.language, phone_lookup));
  if (change.addresses) {
    c.exec(sql::query("ParticipantAddressesDelete"), id);
    c.exec(sql::query("ParticipantAddressesInsert"), id, addresses_as_records(*change.addresses).dump());
  }
  check_channels(c, id);
  if (new_number) queue_code(c, id, change.phone->mobile, channels, keys);
  audit::append_for(c, audit, id);
  transaction.commit();
  return get_participant(c, id, keys);
}

void erase_participant(db::Connection& c, const std::string& id, const audit::Entry* audit) {
  db::Transaction transaction(c);
  erase(c, id);
  audit::append_for(c, audit, id);
  transaction.commit();
}

NewDevice add_device(db::Connection& c, const std::string& participant_id, const std::string& platform,
                     const std::string& push_token, const privacy::PersonalDataKeys& keys,
                     const audit::Entry* audit) {
  db::Transaction transaction(c);
  if (c.exec(sql::query("ParticipantLock"), participant_id).empty()) throw NotFound("no such participant");
  if (c.exec(sql::query("DeviceCountActive"), participant_id).int64(0, 0) >= kMaxDevices) {
    throw Conflict("too_many_devices",
                   "a participant has at most " + std::to_string(kMaxDevices) + " devices");
  }
  NewDevice device;
  device.device_secret = auth::new_secret("bnd_");
  device.device_id = c.exec(sql::query("DeviceInsert"), participant_id, platform, keys.seal(push_token, "push_token"),
                            auth::secret_hash_param(device.device_secret))
                         .string(0, 0);
  audit::append_for(c, audit, participant_id);
  transaction.commit();
  return device;
}

bool update_device_location(db::Connection& c, const std::string& device_id, const std::string& secret,
                            std::optional<double> lat, std::optional<double> lon, std::optional<double> accuracy_m) {
  return !c.exec(sql::query("DeviceLocationUpdate"),
                 db::Params(device_id, auth::secret_hash_param(secret), lat, lon, accuracy_m))
              .empty();
}

}  // namespace burgernet::participant
