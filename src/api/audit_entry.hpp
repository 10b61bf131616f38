// The audit entry of an API request: actor and remote address from the authenticated caller.
#pragma once

#include <optional>
#include <string>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/http/message.hpp"

namespace burgernet::api {

inline audit::Entry audit_entry(const http::Request& request, std::string action, std::optional<std::string> target,
                                std::string result = "ok") {
  audit::Entry entry;
  entry.actor = request.caller ? request.caller->name : "anonymous";
  entry.action = std::move(action);
  entry.target = std::move(target);
  if (!request.remote_address.empty()) entry.remote = request.remote_address;
  entry.result = std::move(result);
  return entry;
}

}  // namespace burgernet::api
