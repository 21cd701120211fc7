// The x86-64 backend's register contract and frame shape, in one place: the
// shared stubs (stubs_x64.cc), the Masm (masm_x64.cc) and the fault context
// (fault_context_x64.cc) all follow it.
//
// JIT code's register contract (the pinned registers jit/jit.h asks for):
//   rbx  frame pointer (slot 0 of the current value-stack frame)
//   r12  linear memory 0 base
//   r13  Ctx*
//   r14  calls left before the call-depth limit (Ctx::depth_left)
//   rdi  on entry to a function: its frame pointer
// Every other register is free across calls (the operand stack is spilled to
// its slots before a call); helpers are called with the System V convention,
// which keeps rbx and r12-r15.
//
// The native stack: the trampoline (enter) calls the entry with rsp 16-byte
// aligned and records that rsp as Ctx::entry_sp. Each function's prologue
// pushes rbx (its caller's frame pointer) and nothing else, so a JIT frame
// is, from its body rsp up:
//   [body rsp + 0]  the caller's rbx
//   [body rsp + 8]  the return address into the caller
// and the body runs 16-byte aligned, calling helpers directly. A trap site
// is `call stub`: the trap's rsp holds the return address into the trapping
// function, 8 bytes below its body rsp; the call-out stub, after a trap
// below it, pops the rbx it pushed before calling C++ and records rsp the
// same way (the return address into the calling function). A guard-page
// fault leaves rsp at the faulting function's body rsp.
//
// Masm::prologue, Masm::ret, Masm::trapSite and the call-out stub must match
// these constants: jitCaptureFrames walks the stack by them.
#pragma once

#include <cstdint>

namespace tern::jit::x64 {

constexpr uint32_t kPrologueBytes = 8;  // push rbx
constexpr uint32_t kReturnAddressBytes = 8;
constexpr uint32_t kFrameSize = kPrologueBytes + kReturnAddressBytes;
constexpr uint32_t kFrameReturnOffset = kPrologueBytes;
constexpr uint32_t kFrameFpOffset = 0;  // the caller's rbx
// A trap that leaves through a call: the call's return address, at the trap
// rsp.
constexpr uint32_t kCallSize = kReturnAddressBytes;
constexpr uint32_t kCallReturnOffset = 0;

}  // namespace tern::jit::x64
