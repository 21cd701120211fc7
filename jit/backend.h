// What an architecture backend provides to the neutral JIT runtime
// (jit/jit_runtime.cc) besides its Masm (jit/masm.h) and its fault context
// (jit/fault_context.h): the machine code that is not a Wasm function's body,
// how direct calls are patched once a module's code is laid out, and how a
// JIT frame lies on the native stack. The runtime owns executable memory,
// the layout of a module's code, the fault handler and the frame walk; it
// never encodes an instruction itself. A backend implements this header in
// jit/<arch>/ (jit/x64/stubs_x64.cc for the x64 backend), and meson picks
// one by the host CPU, so a new architecture adds files and changes nothing here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tern::jit::backend {

// ---- the shared stubs, generated once per process ----

// Offsets in the code emitSharedStubs appended:
//   enter     the trampoline, int enter(uint64_t* fp, Ctx* ctx, void* entry)
//             with the C calling convention: saves the registers the C ABI
//             wants kept, loads the pinned ones from ctx, records the native
//             sp in ctx->entry_sp, calls entry with fp as the callee's frame
//             pointer and returns 0;
//   unwind    where every trap goes (ctx->unwind): calls jitCaptureFrames(ctx,
//             ctx->trap_sp), resets the native sp to ctx->entry_sp and leaves
//             through enter's epilogue, returning 1;
//   call_out  where a call-out stub goes (ctx->call_out), with the function
//             index and the callee's frame pointer: writes ctx->depth_left
//             and calls jitCallOut; on a trap (1) sets ctx->trap_func =
//             UINT32_MAX and ctx->trap_sp as a call made trap (FrameShape)
//             and goes to ctx->unwind; given code (a result above 1: a
//             Lazy callee compiled now), jumps there with the callee's
//             frame pointer and return address as the stub got them;
//   ret       a function that returns at once (retStub in jit/entry.h).
// The code is position-independent: it may be copied anywhere.
struct StubOffsets {
  size_t enter = 0, unwind = 0, call_out = 0, ret = 0;
};
// False when the assembler failed (then nothing is run as JIT code).
bool emitSharedStubs(std::vector<uint8_t>& code, StubOffsets& at);

// ---- a module's code ----

// Pads `code` to the alignment every function body and call-out stub
// starts at, with bytes that trap if executed.
void alignCode(std::vector<uint8_t>& code);
// Appends the call-out stub of function `func_index`: the entry of every
// function without JIT code (imports, interpreted functions), reached by a
// direct call or through the function table like any JIT function; it goes
// to ctx->call_out with func_index.
void emitCallOutStub(std::vector<uint8_t>& code, uint32_t func_index);
// Appends the table jump of function `func_index`: where a direct call to a
// Lazy function goes. It jumps to the function's entry in ctx->func_table
// (its call-out stub until the function is placed, then its code), keeping
// the callee's frame pointer and the return address as they are.
void emitTableJumpStub(std::vector<uint8_t>& code, uint32_t func_index);
// Makes the direct call the Masm recorded at `site` (Masm::callSites) reach
// `target`; both are offsets in `code`, which is laid out as it will run.
void patchCall(uint8_t* code, size_t site, size_t target);

// ---- what compiled code needs of the CPU ----

// The optional CPU features the Masm uses when the host has them (AVX,
// SSE4.2, ...), one bit each, as this host has them: code compiled here may
// run only on a CPU that has every bit (a .cwasm records them,
// runtime/serialize.cc). Bits the Masm does not consult are left out.
uint64_t cpuFeatures();
// "avx sse4.2 ...": the names of the bits in `bits`.
std::string cpuFeatureNames(uint64_t bits);

// ---- the shape of JIT frames on the native stack ----

// What jitCaptureFrames follows from a trap to the entry, in bytes. A
// function's "body sp" is the native sp while its body runs, after its
// prologue. From its body sp up to its caller's body sp, a JIT frame is
// frame_size bytes, with the return address into its caller at
// return_offset; the outermost frame's caller's body sp is ctx->entry_sp.
// A trap that leaves JIT code through a call (a trap site calling its stub,
// the call-out stub after a trap below it) records ctx->trap_sp below the
// innermost function's body sp: the return address into that function is
// at trap_sp + call_return_offset and its body sp is trap_sp + call_size
// (its frame pointer is in the frame register, which the unwind stub keeps
// in ctx->trap_fp; each caller's is saved in its callee's frame). A
// guard-page fault records the faulting function's body sp in trap_sp and
// the faulting pc in ctx->fault_pc.
struct FrameShape {
  uint32_t frame_size, return_offset;
  uint32_t fp_offset;  // from a body sp: where the caller's frame pointer is saved
  uint32_t call_size, call_return_offset;
};
const FrameShape& frameShape();

}  // namespace tern::jit::backend
