// Account selection for social posts: two small queries in the transaction that writes the
// message; PostGIS decides which areas the action's area overlaps.
#include "burgernet/action/social_targets.hpp"

#include <algorithm>
#include <set>

#include "burgernet/db/connection.hpp"
#include "burgernet/sql/query.hpp"

namespace burgernet::action {
namespace {

// An account as the selection sees it: the area codes it speaks for, its regions' included.
struct AccountAreas {
  std::string name;
  std::set<std::string> codes;
  bool national = false;
};

std::vector<std::optional<std::string>> names(const std::vector<const AccountAreas*>& accounts) {
  std::vector<std::optional<std::string>> out;
  for (const auto* account : accounts) out.emplace_back(account->name);
  return out;
}

}  // namespace

BroadcastTargets social_targets(std::string channel, std::vector<channel::SocialAccount> accounts,
                                const message::Regions& regions) {
  std::vector<AccountAreas> areas;
  std::set<std::string> all_codes;
  for (const auto& account : accounts) {
    AccountAreas a{
        account.name, {account.municipalities.begin(), account.municipalities.end()}, account.national};
    for (const auto& region : regions.all()) {
      if (std::find(account.regions.begin(), account.regions.end(), region.code) != account.regions.end()) {
        a.codes.insert(region.areas.begin(), region.areas.end());
      }
    }
    all_codes.insert(a.codes.begin(), a.codes.end());
    areas.push_back(std::move(a));
  }
  return [channel = std::move(channel), areas = std::move(areas),
          codes = std::vector<std::string>(all_codes.begin(), all_codes.end())](
             db::Connection& c, const std::string& action_id) -> std::vector<std::optional<std::string>> {
    // An update or a closing: the same accounts as the action's own post, so that nobody reads
    // a closing of an action they never saw. Accounts since removed from the config are left out.
    const auto earlier = c.exec(sql::query("SocialAccountsEarlier"), action_id, channel);
    std::vector<std::optional<std::string>> same;
    for (int i = 0; i < earlier.rows(); ++i) {
      const std::string name = earlier.string(i, 0);
      if (std::any_of(areas.begin(), areas.end(), [&](const AccountAreas& a) { return a.name == name; })) {
        same.emplace_back(name);
      }
    }
    if (!same.empty()) return same;

    const auto touched_rows = c.exec(sql::query("SocialAccountsAreasTouched"), action_id, codes);
    std::set<std::string> touched;
    bool amber_alert = false;
    for (int i = 0; i < touched_rows.rows(); ++i) {
      amber_alert = amber_alert || touched_rows.text(i, 0) == "amber_alert";
      if (!touched_rows.is_null(i, 1)) touched.insert(touched_rows.string(i, 1));
    }
    std::vector<const AccountAreas*> regional;
    std::vector<const AccountAreas*> national;
    for (const auto& account : areas) {
      if (account.national) national.push_back(&account);
      if (std::any_of(account.codes.begin(), account.codes.end(),
                      [&](const auto& code) { return touched.contains(code); })) {
        regional.push_back(&account);
      }
    }
    // An AMBER Alert is national by definition; an area across many regions is better told once
    // nationally than by every region at once; an area no region claims still gets its post.
    if (amber_alert || regional.empty() || regional.size() > kNationalAboveAccounts) return names(national);
    return names(regional);
  };
}

}  // namespace burgernet::action
