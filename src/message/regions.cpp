// Region selection by area code: a hash lookup per code, so the sender can do it for every row.
#include "burgernet/message/regions.hpp"

namespace burgernet::message {

Regions::Regions(std::vector<Region> regions, Region fallback)
    : regions_(std::move(regions)), fallback_(std::move(fallback)) {
  for (std::size_t i = 0; i < regions_.size(); ++i) {
    for (const auto& area : regions_[i].areas) by_area_.emplace(area, i);  // the first listing wins
  }
}

const Region& Regions::for_areas(const std::vector<std::string>& centre_areas) const {
  std::size_t best = regions_.size();
  for (const auto& area : centre_areas) {
    if (const auto it = by_area_.find(area); it != by_area_.end() && it->second < best) best = it->second;
  }
  return best < regions_.size() ? regions_[best] : fallback_;
}

}  // namespace burgernet::message
