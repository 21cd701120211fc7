// The JIT's entry points: every function through which control enters or
// leaves JIT code, declared once. Both the files that define them and the
// files that call them (or bake their addresses into machine code) include
// this header (jit/jit.h includes it too), so a changed signature cannot
// go unnoticed.
//
// Into JIT code (defined in jit/jit_runtime.cc, or jit/jit_none.cc; the
// machine code behind them is the backend's, see jit/backend.h):
//   enter        the trampoline from C++ into a compiled function
//   unwindStub   where a trap leaves JIT code for enter's frame
//   callOutStub  where a call to a function without JIT code goes
//   retStub      a function that returns at once
// Out of JIT code: the helpers machine code calls by address, with the
// Ctx in the first argument. They are the runtime's services to JIT code
// (calls into other tiers and instances, memory.grow, table and bulk
// operations, interruption); jitCaptureFrames is defined in
// jit/jit_runtime.cc, the others in src/interp/jit_services.cc (they use the
// interpreter's per-thread call state). JIT code has no unwind information,
// so none of them may let an exception escape.
#pragma once

#include <cstdint>

namespace tern::jit {

struct Ctx;  // jit/jit.h, which includes this header

// ---- into JIT code ----

// Runs a JIT-compiled function whose frame (arguments in place) is at `fp`.
// Returns 0, or 1 with ctx.trap_kind / *ctx.inner describing the trap.
int enter(Ctx& ctx, void* entry, uint64_t* fp);

// The unwind and call-out stubs every Ctx points at.
void* unwindStub();
void* callOutStub();
void* retStub();  // a function that returns at once

// ---- out of JIT code ----

// Calls function `func_index` of ctx->inst (host, import, or interpreted;
// UINT32_MAX: ctx->tail_target) with its frame at fp; the results replace
// the arguments. 0, or 1 after a trap (ctx->inner holds it). Called by the
// call-out stub, with `caller_sp`, the body sp of the JIT frame it returns
// to: when that is ctx->entry_sp, the outermost JIT function jumped here in a
// tail call, and the call is left pending for the C++ code that entered JIT
// code (interp::setTailPending), so loops of tail calls between tiers and
// instances run in constant stack.
// The first call of a Lazy function of ctx->inst is a call-out too: it is
// compiled here, and when the JIT took it the result is its code, which the
// stub jumps to as the caller's call would have (any value above 1 is an
// entry), so that a chain of first calls nests no native frames.
uintptr_t jitCallOut(Ctx* ctx, uint32_t func_index, uint64_t* fp, uintptr_t caller_sp);
// Records in ctx->frames the return addresses of the JIT frames between the
// trap's native sp (ctx->trap_sp) and the entry frame, walking them by the
// backend's frame shape (the unwind stub calls it, for backtraces).
void jitCaptureFrames(Ctx* ctx, uintptr_t sp) noexcept;
// Where the unwind stub goes first: when the trap is a Wasm exception that a
// JIT frame between it and the entry catches (its function's CatchTable,
// jit/catch_table.h), writes the values to the clause's slots, keeps the
// exception for rethrow and returns the landing pad to jump to, with the
// frame's native sp in ctx->catch_sp, its frame pointer in ctx->trap_fp and
// its call depth in ctx->depth_left; else null (src/interp/jit_services.cc).
void* jitCatch(Ctx* ctx) noexcept;
// memory.grow on memory 0: the old size in pages, or -1.
int32_t jitMemoryGrow(Ctx* ctx, uint32_t delta);
// call_indirect: the entry to call with the frame at fp, retStub() when the
// callee (another instance, the host) has been run already, or null after a
// trap (ctx->trap_kind set).
void* jitCallIndirect(Ctx* ctx, uint32_t type_index, uint32_t table, uint32_t elem, uint64_t* fp);
// return_call_indirect, after the caller moved the arguments to its own
// frame: the same checks as jitCallIndirect, then the entry to jump to (the
// callee's code or call-out stub, or for another instance or the host
// ctx->call_out, with ctx->tail_target set), or null after a trap.
void* jitTailCallIndirect(Ctx* ctx, uint32_t type_index, uint32_t table, uint32_t elem);
// Epoch deadline (flags & 1) and fuel (flags & 2) at function entries and
// loop headers: 1 when the function must trap (ctx->trap_kind set).
int32_t jitCheckInterrupt(Ctx* ctx, uint32_t flags);
// Table, reference and bulk-memory instructions, throw and rethrow (Opcode
// `op`, immediates a and b, operands in v[0..]; rethrow's v is its clause's
// slot); a trap sets ctx->trap_kind (throw and rethrow also set *ctx->inner
// to the exception).
uint64_t jitMisc(Ctx* ctx, uint32_t op, uint32_t a, uint32_t b, const uint64_t* v);
// A SIMD instruction (Opcode `op`, lane immediate `lane`) on the operands in
// the slots from v on; the result replaces them (jit/simd_helpers.cc).
void jitSimd(Ctx* ctx, uint32_t op, uint32_t lane, uint64_t* v);

}  // namespace tern::jit
