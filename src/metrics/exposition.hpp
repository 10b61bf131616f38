// Rules and spelling of the Prometheus text format 0.0.4: names, labels, escaping, numbers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "burgernet/metrics/registry.hpp"

namespace burgernet::metrics::detail {

// Throw std::invalid_argument: a bad name is a programming error, best caught at startup.
void check_metric_name(std::string_view name);
void check_label_name(std::string_view name);

// Histogram bounds: finite (the +Inf bucket is implicit) and strictly increasing.
void check_upper_bounds(const std::vector<double>& upper_bounds);

// Sorted by label name so the same set in any order is the same series; validated, no duplicates.
Labels canonical_labels(const Labels& labels);

// Whole numbers without exponent ("1000000"), others in their shortest round-trip form, and the
// spellings Prometheus parses for the rest: "+Inf", "-Inf", "NaN".
std::string format_value(double value);
std::string format_value(std::uint64_t value);

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type);

// One sample line: name + suffix, the labels, then `le` if it is not empty (a bucket's bound is
// never empty), then the value already formatted.
void append_sample(std::string& out, std::string_view name, std::string_view suffix, const Labels& labels,
                   std::string_view le, std::string_view value);

}  // namespace burgernet::metrics::detail
