// Audit rows written by burgernetctl: the actor is the OS account that ran it, since the command
// line has no token of its own.
#pragma once

#include <string>

#include "burgernet/audit/audit_log.hpp"
#include "burgernet/auth/caller.hpp"

namespace burgernet::ctl {

// "burgernetctl:<os user>".
std::string local_actor();

audit::Entry local_entry(std::string action, std::string target, std::string result = "ok");

// The caller the action store sees for a burgernetctl command: an admin, who sees every action.
auth::Caller local_caller();

}  // namespace burgernet::ctl
