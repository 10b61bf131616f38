// One line of a participants import file, read and checked like an API sign-up; no database,
// so that it can be tested and fuzzed on its own.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "burgernet/config/config.hpp"
#include "burgernet/privacy/personal_data_keys.hpp"

namespace burgernet::ctl {

inline constexpr const char* kParticipantsCsvHeader = "phone,lat,lon,channels,quiet_from,quiet_to,language";

// A field without the blanks and quotes a spreadsheet puts around it.
std::string csv_trim(const std::string& text);
// The trimmed fields of a line; a separator at the end makes an empty last field.
std::vector<std::string> csv_split(const std::string& line, char separator);

// One line's fields as a record for ParticipantsImport (sql/queries/participants.sql), the
// phone number sealed with `keys`; throws InvalidField with the reason.
nlohmann::json read_participant_line(const std::vector<std::string>& fields, const config::Config& config,
                                     const privacy::PersonalDataKeys& keys);

}  // namespace burgernet::ctl
