// Participants in the database: sign-up with a verification code sent through the queue,
// verification, reading, changing, erasure, devices and their locations. Blocking; run on the
// pool's threads. Each function is one transaction. Numbers, e-mail addresses and code texts
// are sealed with `keys` before they reach the database (privacy/personal_data_keys.hpp).
// `audit`, when given, is appended with the participant's id in the same transaction.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/config/config.hpp"
#include "burgernet/db/connection.hpp"
#include "burgernet/participant/participant_request.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::participant {

inline constexpr int kCodeValidSeconds = 600;
inline constexpr int kCodeMaxTries = 5;
inline constexpr int kCodeResendAfterSeconds = 60;
inline constexpr int kMaxDevices = 10;

// A channel that can carry a verification code to a phone number.
struct CodeChannel {
  std::string name;
  bool calls = false;  // the code is spoken, digit by digit
  int max_attempts = 5;
};
// The settings the participant store uses: the configured channel that sends text messages to
// a phone, and the one that calls (channel capabilities, never names).
struct CodeChannels {
  std::optional<CodeChannel> text;
  std::optional<CodeChannel> call;
};
CodeChannels code_channels(const config::Config& config);

// Stores the pending participant and queues its verification code; returns the new id.
// Throws Unavailable when no channel can carry the code.
std::string sign_up(db::Connection& connection, const SignUpRequest& request, const CodeChannels& channels,
                    const privacy::PersonalDataKeys& keys, const audit::Entry* audit = nullptr);

// A new code for a pending participant (the old one stops working). Throws NotFound,
// Conflict (already active) or TooSoon (the last code is less than a minute old).
void resend_verification(db::Connection& connection, const std::string& id, const CodeChannels& channels,
                         const privacy::PersonalDataKeys& keys);

// Checks the code: activates the participant (replacing an older registration of the same
// number) or throws Rejected (code_incorrect, code_expired, code_attempts_exhausted),
// NotFound, or Conflict (already active).
void verify(db::Connection& connection, const std::string& id, const std::string& code,
            const audit::Entry* audit = nullptr);

// GET /v1/participants/{id}; throws NotFound.
nlohmann::json get_participant(db::Connection& connection, const std::string& id,
                               const privacy::PersonalDataKeys& keys, const audit::Entry* audit = nullptr);

// PATCH: applies the change and returns the participant as GET shows it. A new number goes
// back to pending_verification and gets a code.
nlohmann::json change_participant(db::Connection& connection, const std::string& id, const ParticipantChange& change,
                                  const CodeChannels& channels, const privacy::PersonalDataKeys& keys,
                                  const audit::Entry* audit = nullptr);

// Erasure for good: the person's row, addresses, devices, codes and queued deliveries; only a
// monthly count of erasures stays. Throws NotFound.
void erase_participant(db::Connection& connection, const std::string& id, const audit::Entry* audit = nullptr);

struct NewDevice {
  std::string device_id;
  std::string device_secret;  // shown once; only its hash is stored
};
NewDevice add_device(db::Connection& connection, const std::string& participant_id, const std::string& platform,
                     const std::string& push_token, const privacy::PersonalDataKeys& keys,
                     const audit::Entry* audit = nullptr);

// False when the device is unknown, disabled, or the secret is wrong (the caller answers 401).
// `lat`/`lon` nullopt clears the location.
bool update_device_location(db::Connection& connection, const std::string& device_id, const std::string& secret,
                            std::optional<double> lat, std::optional<double> lon, std::optional<double> accuracy_m);

// The SHA-256 of a participant's code, bound to the participant so equal codes differ.
std::string code_hash_param(const std::string& participant_id, const std::string& code);

// The text of the verification message (digits spoken one by one on a call).
std::string verification_text(const std::string& code, bool spoken_aloud);

}  // namespace burgernet::participant
