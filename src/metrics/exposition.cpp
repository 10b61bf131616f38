// Rules and spelling of the Prometheus text format 0.0.4: names, labels, escaping, numbers.
#include "metrics/exposition.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace burgernet::metrics::detail {
namespace {

// Above 2^53 not every integer is a double, so "whole" stops meaning "exact".
constexpr double kLargestExactInteger = 9007199254740992.0;

bool is_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(letter || (allow_colon && c == ':') || (i > 0 && digit))) return false;
  }
  return true;
}

void append_escaped(std::string& out, std::string_view text, bool escape_quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_label(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += "=\"";
  append_escaped(out, value, true);
  out += '"';
}

}  // namespace

void check_metric_name(std::string_view name) {
  if (!is_name(name, true)) {
    throw std::invalid_argument("metrics: invalid metric name \"" + std::string(name) + '"');
  }
}

void check_label_name(std::string_view name) {
  // Names starting with "__" are reserved for Prometheus itself.
  if (!is_name(name, false) || name.starts_with("__")) {
    throw std::invalid_argument("metrics: invalid label name \"" + std::string(name) + '"');
  }
}

void check_upper_bounds(const std::vector<double>& upper_bounds) {
  for (std::size_t i = 0; i < upper_bounds.size(); ++i) {
    if (!std::isfinite(upper_bounds[i])) {
      throw std::invalid_argument("metrics: histogram bucket bounds must be finite (+Inf is implicit)");
    }
    if (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i])) {
      throw std::invalid_argument("metrics: histogram bucket bounds must be strictly increasing, got " +
                                  format_value(upper_bounds[i - 1]) + " then " +
                                  format_value(upper_bounds[i]));
    }
  }
}

Labels canonical_labels(const Labels& labels) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    check_label_name(sorted[i].first);
    if (i > 0 && sorted[i].first == sorted[i - 1].first) {
      throw std::invalid_argument("metrics: label \"" + sorted[i].first + "\" given twice");
    }
  }
  return sorted;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const bool whole = value == std::trunc(value) && std::fabs(value) <= kLargestExactInteger;
  char* end = whole ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value)).ptr
                    : std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, end);
}

std::string format_value(std::uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void append_header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix, const Labels& labels,
                   std::string_view le, std::string_view value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !le.empty()) {
    out += '{';
    const char* separator = "";
    for (const auto& [label, label_value] : labels) {
      out += separator;
      append_label(out, label, label_value);
      separator = ",";
    }
    if (!le.empty()) {
      out += separator;
      append_label(out, "le", le);
    }
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace burgernet::metrics::detail
