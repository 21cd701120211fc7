// The runtime helpers JIT code calls, by id. Machine code never holds a
// host address: it calls through the table Ctx::helpers points at (one per
// process, built by helperTable()), so the same bytes run wherever the
// runtime is loaded, which is what a cache of compiled code needs.
//
// Ids: the services of jit/entry.h first, then one per opcode for the
// operator helpers (helperFor in jit/jit_runtime.cc; null where an opcode has
// none).
#pragma once

#include <cstdint>

namespace tern::jit {

enum class HelperId : uint32_t {
  CallOut,           // jitCallOut
  MemoryGrow,        // jitMemoryGrow
  CallIndirect,      // jitCallIndirect
  CheckInterrupt,    // jitCheckInterrupt
  Misc,              // jitMisc
  Simd,              // jitSimd (jit/simd_helpers.cc)
  TailCallIndirect,  // jitTailCallIndirect
  FirstOperator,     // + unsigned(Opcode): helperFor(op)
};

// The id of opcode number `op`'s operator helper.
constexpr uint32_t operatorHelper(unsigned op) { return uint32_t(HelperId::FirstOperator) + op; }
constexpr uint32_t helperId(HelperId id) { return uint32_t(id); }

// The addresses, indexed by id (built on first use; null without a JIT).
const void* const* helperTable();

}  // namespace tern::jit
