// The fault handler's view of an interrupted x86-64 thread (see
// jit/fault_context.h). JIT code keeps linear memory 0's base in r12 and the
// Ctx* in r13 (the register contract in frame_x64.h).
#include <ucontext.h>

#include "jit/fault_context.h"

namespace tern::jit {

#if defined(__linux__)

FaultRegisters readFaultRegisters(const void* machine_context) {
  const greg_t* gregs = static_cast<const ucontext_t*>(machine_context)->uc_mcontext.gregs;
  FaultRegisters r;
  r.pc = uintptr_t(gregs[REG_RIP]);
  r.sp = uintptr_t(gregs[REG_RSP]);
  r.memory_base = uintptr_t(gregs[REG_R12]);
  r.ctx = uintptr_t(gregs[REG_R13]);
  return r;
}

void setFaultPc(void* machine_context, uintptr_t pc) {
  static_cast<ucontext_t*>(machine_context)->uc_mcontext.gregs[REG_RIP] = greg_t(pc);
}

#else
#error "fault_context_x64.cc: the machine context layout of this OS is not described yet"
#endif

}  // namespace tern::jit
