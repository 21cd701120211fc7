// Modules compiled ahead of time: the .cwasm format (Module::serialize and
// deserialize, `tern compile`, `tern run --allow-precompiled`) and the
// on-disk cache of compiled code (Config::cache_dir), in serialize.cc; the
// compile paths they share with runtime.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "module/module.h"
#include "tern/tern.hpp"

namespace tern {

class ModuleDecoder;

// runtime.cc: the end of every way of compiling a module. `path` names the
// module in backtraces; `bytes` is its binary.
Expected<std::shared_ptr<Module>> finishModule(Engine& engine, ModuleDecoder& dec, const std::string& path,
                                               WasmBytes bytes);
// runtime.cc: compiles `bytes` whole, with no cache; `lazy` false compiles
// every function now, whatever Config::lazy says (a module to serialize).
Expected<std::shared_ptr<Module>> compileBytes(Engine& engine, std::span<const uint8_t> bytes, const std::string& path,
                                               bool lazy = true);

// features.cc: one bit per feature switch that is on, in the order of
// its table (a .cwasm records them).
uint64_t featureBits(const Features& features);

// serialize.cc: the module's code from the engine's cache directory, or
// compiled and then stored there. A cache entry that cannot be read or
// used is compiled again and replaced; a cache that cannot be written is
// not an error (the module still compiles).
Expected<std::shared_ptr<Module>> compileCached(Engine& engine, std::span<const uint8_t> bytes,
                                                const std::string& path);

}  // namespace tern
