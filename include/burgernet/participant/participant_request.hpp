// What a participant sign-up or change asks for, read and checked field by field before
// anything is stored (SPEC.md, "HTTP API": a participant).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "burgernet/config/config.hpp"
#include "burgernet/participant/phone_number.hpp"

namespace burgernet::participant {

inline constexpr std::size_t kMaxAddresses = 5;
inline constexpr std::size_t kMaxLabelLength = 60;  // code points
inline constexpr std::size_t kMaxEmailLength = 254;

// One address in either of its two coordinate forms; the database turns it into RD New.
struct AddressRequest {
  std::optional<std::string> label;
  std::optional<double> lat, lon;  // WGS 84
  std::optional<double> x, y;      // RD New (EPSG:28992), metres
  std::vector<std::string> channels;  // the forms chosen: voice, sms, push, email (channel/capabilities.hpp)
  std::optional<std::string> quiet_from, quiet_to;  // "HH:MM", Europe/Amsterdam
};

struct SignUpRequest {
  PhoneNumber phone;
  std::optional<std::string> email;
  std::string language = "nl";
  std::vector<AddressRequest> addresses;
};

// A PATCH: only what is present changes. `email` present and null removes the address.
struct ParticipantChange {
  std::optional<PhoneNumber> phone;
  std::optional<std::optional<std::string>> email;
  std::optional<std::string> language;
  std::optional<std::vector<AddressRequest>> addresses;
};

// Throw InvalidField naming the first bad field ("addresses[1].quiet_hours.from"). Every
// point must lie in `area`.
SignUpRequest parse_sign_up(const nlohmann::json& body, const config::ServiceArea& area);
ParticipantChange parse_participant_change(const nlohmann::json& body, const config::ServiceArea& area);

// One address object; `field` prefixes error fields ("addresses[0]"; empty for a CSV line).
// `mobile`: whether the participant's number can take an SMS.
AddressRequest parse_address(const nlohmann::json& address, const std::string& field,
                             const config::ServiceArea& area, bool mobile, bool has_email);

// A phone number field, in E.164 or national form; InvalidField(field, reason) when refused.
PhoneNumber read_phone_number(const nlohmann::json& value, const std::string& field);

// "HH:MM" with 00 <= HH <= 23; false for anything else.
bool is_clock_time(const std::string& text);

// The addresses as a JSON array for jsonb_to_recordset (sql/queries/participants.sql).
nlohmann::json addresses_as_records(const std::vector<AddressRequest>& addresses);

}  // namespace burgernet::participant
