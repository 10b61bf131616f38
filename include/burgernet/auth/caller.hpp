// Who made a request, once its token is known: what the stores check access against.
#pragma once

#include <optional>
#include <string>

namespace burgernet::auth {

struct Caller {
  std::string token_id;
  std::string name;
  std::string role;  // operator, municipal, registrar, admin, device
  std::optional<std::string> area_code;
};

}  // namespace burgernet::auth
