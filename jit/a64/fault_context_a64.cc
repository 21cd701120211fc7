// The fault handler's view of an interrupted AArch64 thread (see
// jit/fault_context.h). JIT code keeps linear memory 0's base in x20 and the
// Ctx* in x21 (the register contract in frame_a64.h). The pc a fault reports
// is the faulting load or store itself.
#include <ucontext.h>

#include "jit/a64/frame_a64.h"
#include "jit/fault_context.h"

namespace tern::jit {

#if defined(__linux__)

FaultRegisters readFaultRegisters(const void* machine_context) {
  const mcontext_t& mc = static_cast<const ucontext_t*>(machine_context)->uc_mcontext;
  FaultRegisters r;
  r.pc = uintptr_t(mc.pc);
  r.sp = uintptr_t(mc.sp);
  r.memory_base = uintptr_t(mc.regs[arm64::kMemBaseReg]);
  r.ctx = uintptr_t(mc.regs[arm64::kCtxReg]);
  return r;
}

void setFaultPc(void* machine_context, uintptr_t pc) { static_cast<ucontext_t*>(machine_context)->uc_mcontext.pc = pc; }

#else
#error "fault_context_a64.cc: the machine context layout of this OS is not described yet"
#endif

}  // namespace tern::jit
