// `tern wast` in a build without nlohmann-json (meson.build compiles this
// file instead of wast.cc then): the command exists, and says why it cannot
// run. Nothing else in `tern` needs the JSON library.
#include <cstdio>
#include <cstring>

#include "cli/usage.h"
#include "cli/wast.h"

namespace tern::cli {

namespace {
constexpr const char* kMissing =
    "this build of tern has no `wast` command: it was configured without nlohmann-json "
    "(Debian: nlohmann-json3-dev; install it and reconfigure)";
}  // namespace

int wastMain(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      printCommandHelp(*findCommandHelp("wast"), stdout);
      std::printf("\nNote: %s.\n", kMissing);
      return 0;
    }
  }
  std::fprintf(stderr, "error: %s\n", kMissing);
  return 2;
}

}  // namespace tern::cli
