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

// Exceptions (the design: runtime/exceptions.cc), shared with JIT code's
// handlers (jitCatch, jitMisc). Whether a handler may take exn: a host's
// exception whose values do not fit its tag is never caught.
bool catchable(const WasmException& exn);
// A JIT catch clause whose slot is at exn_slot takes exn: kept for rethrow
// as the interpreter's catches keep theirs, and a catch by tag (`values`)
// gets the values in the slots after.
void caughtByJit(uint64_t* exn_slot, std::shared_ptr<const WasmException> exn, bool values);
// The exception the clause slot at exn_slot holds, leaving again.
Trap rethrownByJit(const uint64_t* exn_slot);

}  // namespace tern::interp
