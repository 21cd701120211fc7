#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tern/tern.hpp"

namespace tern::interp {

// Calls any function (Wasm or host) with dynamic values.
Expected<std::vector<Value>, Trap> invoke(Func* f, std::span<const Value> args);

// For JIT code's calls out (src/runtime/jit_calls.cc): calls f (host,
// another instance, or an interpreted function) on this thread with its
// arguments at fp; the results replace them. The `jit_frames` frames of JIT
// code below count against the call-depth limit meanwhile.
std::optional<Trap> callFromJit(Instance* caller, Func* f, uint64_t* fp, uint32_t jit_frames);

}  // namespace tern::interp
