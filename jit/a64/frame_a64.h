// The AArch64 backend's register contract and frame shape, in one place: the
// shared stubs (stubs_a64.cc), the Masm (masm_a64.cc) and the fault context
// (fault_context_a64.cc) all follow it.
//
// JIT code's register contract (the pinned registers jit/jit.h asks for; all
// callee-saved in the AAPCS64, so helpers keep them):
//   x19  frame pointer (slot 0 of the current value-stack frame)
//   x20  linear memory 0 base
//   x21  Ctx*
//   x22  calls left before the call-depth limit (Ctx::depth_left)
//   x0   on entry to a function: its frame pointer
// x15, x16 and x17 are the Masm's scratch registers (x15 only for frame
// slots out of reach of an immediate offset), v30 and v31 its float
// scratch; x18 (the platform register), x29 and x30 (frame and link
// registers) are never allocated. Every other register is free across calls
// (the operand stack is spilled to its slots before a call); the trampoline
// saves the ones the AAPCS64 wants kept (x19-x28, d8-d15).
//
// The native stack: the trampoline (enter) calls the entry with sp 16-byte
// aligned and records that sp as Ctx::entry_sp. Each function's prologue
// stores the pair (x19, x30) below it, so a JIT frame is, from its body sp up:
//   [body sp + 0]  the caller's x19
//   [body sp + 8]  the return address into the caller (the caller's bl)
// and the body runs 16-byte aligned, calling helpers directly. A trap site is
// `bl stub`; the trap's common exit stores (x19, x30) below the body sp, so
// the trap sp holds the return address into the trapping function 8 bytes up,
// 16 bytes below its body sp. The call-out stub, after a trap below it,
// leaves its own (x19, x30) pair in place and records sp the same way. A
// guard-page fault leaves sp at the faulting function's body sp.
//
// Masm::prologue, Masm::ret, Masm::trapCommon and the call-out stub must match
// these constants: jitCaptureFrames walks the stack by them.
#pragma once

#include <cstdint>

namespace tern::jit::arm64 {

constexpr uint32_t kFrameSize = 16;  // stp x19, x30, [sp, #-16]!
constexpr uint32_t kFrameReturnOffset = 8;
constexpr uint32_t kFrameFpOffset = 0;  // the caller's x19
// A trap that leaves through a call: the (x19, x30) pair its exit stores.
constexpr uint32_t kCallSize = 16;
constexpr uint32_t kCallReturnOffset = 8;

// The pinned registers and the scratch ones, by number.
constexpr unsigned kFrameReg = 19, kMemBaseReg = 20, kCtxReg = 21, kDepthReg = 22;
constexpr unsigned kScratchSlot = 15, kScratch0 = 16, kScratch1 = 17;
constexpr unsigned kFpScratch0 = 31, kFpScratch1 = 30;

}  // namespace tern::jit::arm64
