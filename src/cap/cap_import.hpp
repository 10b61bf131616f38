// How a CAP 1.2 alert becomes an action: the body of the POST /v1/actions it stands for, so that
// it goes through the same parser and store as one (docs/cap.md, "Import"). Pure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "burgernet/domain/errors.hpp"
#include "cap/cap_reader.hpp"

namespace burgernet::cap {

// The query parameters of POST /v1/cap.
struct ImportOptions {
  bool dry_run = false;
  std::optional<std::int64_t> confirm_recipients;
};

// The <info> an action is made of: the first in nl-NL, else the first in Dutch, else the first.
// Throws InvalidField("alert.info", ...) when there is none.
std::size_t choose_info(const Alert& alert);

// urgent for Immediate urgency with Extreme or Severe severity, alert otherwise.
std::string kind_for(const Info& info);
// Our category from a "burgernet:category" eventCode, else from words in <event> (docs/cap.md).
std::string category_for(const Info& info);

// The POST /v1/actions body of a msgType Alert, and where in the CAP document each of its
// fields came from (to name the element when the action's rules refuse the field).
struct ActionBody {
  nlohmann::json body;
  std::string info_path;  // "alert.info[0]"
  std::string area_path;  // "alert.info[0].area[0].circle[0]"
};
// `now_s`: seconds since the epoch, for <expires>. Throws InvalidField naming the element.
ActionBody action_body(const Alert& alert, const ImportOptions& options, long long now_s);

// An InvalidField of the action's rules ("area.circle.radius_m", "title") as the CAP element it
// came from ("alert.info[0].area[0].circle[0]", "alert.info[0].headline").
InvalidField as_cap_field(const InvalidField& error, const ActionBody& from);

// The text of an Update (<description> and <instruction>) or of the closing a Cancel sends
// (its <description>, else <headline>, else <note>, else a fixed sentence). Both fit
// action::kMaxMessageLength.
std::string update_text(const Alert& alert);
std::string closing_text(const Alert& alert);

// `text` cut to at most `max` code points, with "…" at the end when cut.
std::string shortened(const std::string& text, std::size_t max);

}  // namespace burgernet::cap
