// The only file that includes the generated build_info.h: a new commit recompiles this one alone.
#include "burgernet/metrics/build_info.hpp"

#include "build_info.h"

namespace burgernet::metrics {

void register_build_info(Registry& registry) {
  registry
      .gauge("burgernet_build_info", "Always 1; the labels say which build of burgernetd this is.",
             {{"version", kBuildVersion}, {"commit", kBuildCommit}, {"compiler", kBuildCompiler}})
      .set(1);
}

}  // namespace burgernet::metrics
