// Ahead-of-time linking (`tern link`): merges a main module and its
// dependencies into one module in which the imports that name a dependency
// are satisfied by that dependency's exports.
//
// The result behaves like instantiating the dependencies first (each in an
// order where the modules it imports from come before it, otherwise in the
// order given) and then the main module, every import of a dependency's name
// resolved to that dependency's instance:
//   - index spaces are merged: imports nobody satisfies first (deduplicated),
//     then the definitions of each module in instantiation order; function
//     types are deduplicated;
//   - code is rewritten (every immediate naming a type, function, table,
//     global, element or data segment, memory or tag);
//   - tags (exception handling) are an index space like the others: a
//     dependency's exported tag satisfies an import of it, and the output
//     has one tag section;
//   - element and data segments keep their order; start functions run in
//     instantiation order. When more than one start function exists, or a
//     module's segments would otherwise be written before an earlier
//     module's start function ran, a synthesized start function runs, per
//     module, its active segments (memory.init / table.init) and its start;
//   - only the main module's exports are exported;
//   - function names (name section, else export names) are kept.
//   - memories: when several modules own a memory they use, the result
//     keeps them all (multi-memory), the main module's memory 0 as memory 0,
//     and every memory instruction and data segment is rewritten to its
//     module's memory; a dependency's memory that nothing uses is dropped.
// Cannot be merged: an import whose type does not match the export, an
// import of a name the dependency does not export, dependencies that import
// each other in a cycle, a dependency with a memory of its own besides the
// main module's that imports WASI (WASI reads memory 0), a memory import
// nobody provides that would push the main module's memory off index 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tern/tern.hpp"

namespace tern::link {

struct InputModule {
  std::string name;            // the module name importers use (ignored for main)
  std::string path;            // for messages
  std::vector<uint8_t> bytes;  // the binary module
};

struct Options {
  bool name_section = true;  // write a "name" custom section with function names
};

// Errors: ErrorKind::Malformed / Invalid for an input that does not decode
// or validate (the message starts with its path), ErrorKind::Link for
// modules that cannot be merged. The message is one line.
Expected<std::vector<uint8_t>> linkModules(const InputModule& main, const std::vector<InputModule>& deps,
                                           const Options& options = {});

// "deps/math.wasm" -> "math": the file name without directories and
// without a trailing ".wasm".
std::string moduleNameFromPath(std::string_view path);

}  // namespace tern::link
