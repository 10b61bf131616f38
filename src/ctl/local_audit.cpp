// Who ran burgernetctl, for the audit log and the stores' access checks.
#include "ctl/local_audit.hpp"

#include <pwd.h>
#include <unistd.h>

namespace burgernet::ctl {

std::string local_actor() {
  std::string user;
  if (const passwd* pw = getpwuid(geteuid())) user = pw->pw_name;
  if (user.empty()) user = std::to_string(geteuid());
  return "burgernetctl:" + user;
}

audit::Entry local_entry(std::string action, std::string target, std::string result) {
  audit::Entry entry;
  entry.actor = local_actor();
  entry.action = std::move(action);
  entry.target = std::move(target);
  entry.remote = "local";
  entry.result = std::move(result);
  return entry;
}

auth::Caller local_caller() {
  // No token: the store's visibility rules let an admin see and change every action, and the
  // caller's token id is only read for callers bound to an area.
  return auth::Caller{"", local_actor(), "admin", std::nullopt};
}

}  // namespace burgernet::ctl
