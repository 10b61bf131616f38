// What every fuzz target shares: the input as text or JSON, and which exceptions answer bad
// input (expected) and which are findings (a crash libFuzzer reports and keeps the input of).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <typeinfo>

namespace burgernet::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input as a JSON document, or nothing when it is not JSON: the server refuses that before
// any parser of ours sees it (http::Request::json_body).
inline std::optional<nlohmann::json> as_json(std::string_view text) {
  auto document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return std::nullopt;
  return document;
}

[[noreturn]] inline void finding(const char* what, const std::exception& e) {
  std::fprintf(stderr, "fuzz finding: %s escaped: %s (%s)\n", what, e.what(), typeid(e).name());
  std::abort();
}

// Runs `check`. A refusal of bad input is any std::exception the code throws on purpose
// (http::BadRequest today, a domain type tomorrow). Findings: nlohmann::json's own exceptions
// (a value read as the wrong type, a key that is not there), std::logic_error (out_of_range,
// length_error, invalid_argument: a bound or a conversion the code did not check) and
// bad_alloc; they would reach a caller that does not expect them (a 500, an import stopped
// half-way).
template <typename Check>
void expect_refusal_at_most(Check&& check) {
  try {
    check();
  } catch (const nlohmann::json::exception& e) {
    finding("a nlohmann::json exception", e);
  } catch (const std::logic_error& e) {
    finding("a std::logic_error", e);
  } catch (const std::bad_alloc& e) {
    finding("std::bad_alloc", e);
  } catch (const std::exception&) {
    // The input was refused: the expected answer to most fuzz inputs.
  }
}

// A property the code promises that does not hold: a finding.
inline void require(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz finding: %s does not hold\n", property);
  std::abort();
}

}  // namespace burgernet::fuzz
