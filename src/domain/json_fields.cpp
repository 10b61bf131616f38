// Small checks shared by every handler that reads a JSON object field by field.
#include "burgernet/domain/json_fields.hpp"

#include <algorithm>

#include "burgernet/domain/errors.hpp"

namespace burgernet {

void reject_unknown_fields(const nlohmann::json& object, const std::string& prefix,
                           std::initializer_list<const char*> allowed) {
  for (const auto& item : object.items()) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const auto& key = item.key();
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      throw InvalidField(prefix + key, "unknown field");
    }
  }
}

}  // namespace burgernet
