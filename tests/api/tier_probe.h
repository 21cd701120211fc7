// What the api tests need to know beyond the API: which tier runs a
// function. The tests themselves use only include/tern/ and wasm.h; this
// probe (tier_probe.cc) is the one place that reads the internal model, so
// that a test of "every tier" cannot silently run the interpreter twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tern/tern.hpp"

namespace tern::test {

// Whether this build has a JIT for this host.
bool jitAvailable();
// Whether the module got machine code (some function was JIT-compiled).
bool hasJitCode(const Module& module);
// Whether function `func_index` of the module is machine code.
bool functionHasJitCode(const Module& module, uint32_t func_index);
// Whether the function export `name` of `inst` runs as machine code. False
// (and a failed check) when there is no such export.
bool runsJitCode(const Instance& inst, std::string_view name);
// How many of the module's functions are still waiting for their first
// compile (lazy compilation), and how many its background thread compiled.
size_t lazyFunctions(const Module& module);
size_t backgroundCompiled(const Module& module);

}  // namespace tern::test
