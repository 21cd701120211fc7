#include "cli/link_cmd.h"

#include <cstdio>

namespace tern::cli {
int linkMain(int, char**) {
  std::fprintf(stderr, "error: tern link is not implemented yet\n");
  return 2;
}
}  // namespace tern::cli
