// What the JIT's fault handler needs to know about the thread a fault
// interrupted. The platform layer hands the handler the machine state as an
// opaque pointer (platform::Fault::context); only the architecture backend
// knows its layout and which registers JIT code pins (jit/<arch>/
// fault_context_<arch>.cc), so the neutral handler in jit_runtime.cc reads it
// through these two functions.
#pragma once

#include <cstdint>

namespace tern::jit {

struct FaultRegisters {
  uintptr_t pc = 0;           // the faulting instruction
  uintptr_t sp = 0;           // the native stack pointer
  uintptr_t memory_base = 0;  // the register holding linear memory 0's base
  uintptr_t ctx = 0;          // the register holding the Ctx*
};

// Reads them from a platform::Fault::context (async-signal-safe).
FaultRegisters readFaultRegisters(const void* machine_context);
// Makes the interrupted thread resume at `pc` (async-signal-safe).
void setFaultPc(void* machine_context, uintptr_t pc);

}  // namespace tern::jit
