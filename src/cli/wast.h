// `tern wast`: runs a WebAssembly spec test script (.wast).
#pragma once

namespace tern::cli {

// tern wast FILE.wast [--tier=interp|jit|auto] [--precompile] [--skip-list FILE] [-v]
//
// argv[0] is "wast"; the rest are its arguments. The script is converted to
// JSON plus binary modules by wabt's wast2json, then every command is run
// against one Store. Prints one line per failure and a final
// "N passed, N failed, N skipped" line. Returns the process exit status:
// 0 when nothing failed, 1 when something failed, 2 on a usage or setup error.
int wastMain(int argc, char** argv);

}  // namespace tern::cli
