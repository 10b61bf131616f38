// `burgernetctl participants import` and `areas import` (the core-flow change fills these in).
#include <iostream>

#include "ctl/commands.hpp"

namespace burgernet::ctl {

int run_participants_import(const config::Config&, const ImportOptions&) {
  std::cerr << "burgernetctl: participants import is not available in this version\n";
  return 1;
}

}  // namespace burgernet::ctl
