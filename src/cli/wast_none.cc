// `tern wast` in a build without nlohmann-json (meson.build compiles this
// file instead of wast.cc then): the command exists, and says why it cannot
// run. Nothing else in `tern` needs the JSON library.
#include <cstdio>

#include "cli/wast.h"

namespace tern::cli {

int wastMain(int, char**) {
  std::fprintf(stderr,
               "error: this build of tern has no `wast` command: it was configured without "
               "nlohmann-json (Debian: nlohmann-json3-dev; install it and reconfigure)\n");
  return 2;
}

}  // namespace tern::cli
