// What interp.cc offers the rest of src/interp, and nothing outside it
// sees. The interpreter's per-thread call state stays private to interp.cc
// (see there why).
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/objects.h"
#include "tern/tern.hpp"

namespace tern::interp {

// Calls f (host, another instance, or an interpreted function) for JIT code,
// with its arguments at fp; the results replace them. `jit_frames` JIT
// frames are live below and count against the call depth limit.
std::optional<Trap> callFromJit(ModuleInst* caller, FuncInst* f, uint64_t* fp, uint32_t jit_frames);

// A tail call from the entry frame of JIT code to f (another tier, instance
// or the host), its arguments at that frame's start: the code that entered
// JIT code makes the call once it returns (interp.cc, runJit and runAt).
void setTailPending(FuncInst* f);

}  // namespace tern::interp
