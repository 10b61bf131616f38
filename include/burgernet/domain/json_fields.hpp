// Small checks shared by every handler that reads a JSON object field by field.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

namespace burgernet {

// Every key of `object` must be in `allowed`; else InvalidField naming `prefix` + key, so that a
// misspelt optional field is an error instead of a silent default.
void reject_unknown_fields(const nlohmann::json& object, const std::string& prefix,
                           std::initializer_list<const char*> allowed);

}  // namespace burgernet
