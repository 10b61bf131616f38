// Police regions: who a message is from and which numbers it gives, chosen by the action's area.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace burgernet::message {

struct Region {
  std::string code;                   // "PE-AMS"; "" for the built-in fallback
  std::string name;                   // "Politie Amsterdam"
  std::string callback_number = "0800-0011";  // Burgernet's national number
  std::string sender_name = "Politie Nederland";
  std::string emergency_number = "112";
  std::vector<std::string> areas;     // codes of rows of the `areas` table
};

// The regions of config `regions` and the one used when none holds an action's centre (the
// built-in default, or the region marked "fallback"). Immutable once built; shared by the
// sender's batches, so a SIGHUP swaps the whole table.
class Regions {
 public:
  Regions() = default;
  Regions(std::vector<Region> regions, Region fallback);

  // The first region, in config order, that lists one of the area codes holding the action's
  // centre (actions.centre_areas, migration 0019); the fallback if none does.
  const Region& for_areas(const std::vector<std::string>& centre_areas) const;
  const Region& fallback() const { return fallback_; }
  const std::vector<Region>& all() const { return regions_; }

 private:
  std::vector<Region> regions_;
  Region fallback_;
  std::unordered_map<std::string, std::size_t> by_area_;  // area code -> first region listing it
};

}  // namespace burgernet::message
