// The interpreter loop: direct-threaded dispatch over the lowered form
// (see lower.h). Wasm-to-Wasm calls within an instance stay in this loop
// (no native recursion); calls to host functions and other instances go
// through invoke(). A callee's FuncTier (set by runtime/tiering.cc) says
// whether the call enters JIT code instead. The services JIT code calls
// (jit/entry.h) are in interp/jit_services.cc; the one that needs this
// file's per-thread call state goes through callFromJit. A v128 takes two
// slots; its handlers, generated from opcodes.def's V* Impl macros, call
// interp/simd_handlers.h. A Wasm exception unwinds these frames as a trap
// does, except that do_trap first asks each frame's handler table for a
// catch (catchException; the design is in runtime/exceptions.cc). A tail
// call (return_call*) reuses the frame when this loop runs the callee; the
// entry frame leaves any other callee to runAt, whose loop keeps tail calls
// across tiers and instances in constant stack.
//
// run() stays in this file, with the call state in an anonymous namespace:
// the compiler then sees every use of that state and every callee of the
// loop, and allocates the loop's registers better (moving run() and the
// state to their own file, with external linkage, cost interpreter fib
// about 2% more instructions). The state and the calls in and out of the
// loop are written in interp/call_state.h, which only this file includes:
// one translation unit still (the machine code is the same as when they
// were written here).
#include "interp/interp.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>
#include <limits>
#include <type_traits>

#include "base/build.h"
#include "interp/internal.h"
#include "interp/lower.h"
#include "interp/semantics.h"
#include "interp/simd_handlers.h"
#include "jit/entry.h"
#include "jit/jit.h"
#include "runtime/objects.h"
#include "runtime/ops.h"
#include "runtime/tiering.h"

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif
#include "module/module.h"
#include "platform/platform.h"

#include "interp/call_state.h"

namespace tern::interp {

namespace {

// The loop calls these runtime operations out of line. They are rare, and
// inlined they would only compete with the hot handlers for registers: the
// inliner's choice for them changed with whatever else this file held, and
// with it the loop's code (interpreter fib by 2% of its instructions).
[[gnu::noinline]] uint64_t tableGrowOp(ModuleInst* inst, uint32_t t, uint64_t init, uint32_t n) {
  return ops::tableGrow(inst, t, init, n);
}
[[gnu::noinline]] TrapCode tableCopyOp(ModuleInst* inst, uint32_t dt, uint32_t st, uint64_t d, uint64_t s, uint64_t n) {
  return ops::tableCopy(inst, dt, st, d, s, n);
}
[[gnu::noinline]] TrapCode tableInitOp(ModuleInst* inst, uint32_t t, uint32_t seg, uint64_t d, uint64_t s, uint64_t n) {
  return ops::tableInit(inst, t, seg, d, s, n);
}
[[gnu::noinline]] TrapCode memoryInitOp(ModuleInst* inst, uint32_t seg, uint64_t d, uint64_t s, uint64_t n) {
  return ops::memoryInit(inst, seg, d, s, n);
}
// Memories other than memory 0 (multi-memory).
struct MemView {
  uint8_t* base;
  uint64_t size;
};
[[gnu::noinline]] MemView memoryView(ModuleInst* inst, uint32_t mem) {
  MemoryInst* m = inst->memories_[mem];
  return {m->base_, m->size_};
}
[[gnu::noinline]] uint64_t memorySizeOp(ModuleInst* inst, uint32_t mem) { return inst->memories_[mem]->size_ >> 16; }
// Their operands as whole slots: each memory may be 32- or 64-bit (ops::operandOf).
[[gnu::noinline]] uint64_t memoryGrowOp(ModuleInst* inst, uint32_t mem, uint64_t n) {
  return ops::memoryGrowAny(inst->memories_[mem], n);
}
[[gnu::noinline]] TrapCode memoryCopyOp(ModuleInst* inst, uint32_t dm, uint32_t sm, uint64_t d, uint64_t s,
                                        uint64_t n) {
  return ops::memoryCopyAny(inst->memories_[dm], inst->memories_[sm], d, s, n);
}
[[gnu::noinline]] TrapCode memoryFillOp(ModuleInst* inst, uint32_t mem, uint64_t d, uint8_t v, uint64_t n) {
  return ops::memoryFillAny(inst->memories_[mem], d, v, n);
}
[[gnu::noinline]] TrapCode memoryInitKOp(ModuleInst* inst, uint32_t mem, uint32_t seg, uint64_t d, uint64_t s,
                                         uint64_t n) {
  return ops::memoryInitAny(inst, mem, seg, d, s, n);
}

// A callee that lazy compilation has not compiled yet: compiled out of line
// too, from `inst`, so that the loop keeps no module pointer live for it.
[[gnu::noinline]] FuncTier compileCalleeOp(ModuleInst* inst, uint32_t def) {
  return compileLazily(inst->module_->data(), def);
}

// Runs defined function `func` of `inst` whose frame (args in place) starts
// at `fp`. Returns a trap, if any. With t == nullptr, publishes the handler
// table instead (generated from module/opcodes.def and interp/iops.def, in
// IOp's order). Aligned so that code added before it does not shift it.
// A run resumed at a catch clause (catchException) starts at `start_pc`
// with `base_frames` its frames' base, as the run that threw had.
__attribute__((noinline, noclone, aligned(64))) std::optional<Trap> run(ThreadCtx* tp, ModuleInst* inst, uint32_t func,
                                                                        uint64_t* fp, const int32_t** table_out,
                                                                        const uint32_t* start_pc = nullptr,
                                                                        uint32_t base_frames = 0) {
  static int32_t table[kHandlerCount];
  if (!tp) {
    unsigned i = 0;
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id) - reinterpret_cast<const char*>(&&L_Unreachable));
#include "module/opcodes.def"
#undef X
#define I(id, traps, operands) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id) - reinterpret_cast<const char*>(&&L_Unreachable));
#include "interp/iops.def"
#undef I
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id##_K) - reinterpret_cast<const char*>(&&L_Unreachable));
#include "module/opcodes.def"
#undef X
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id##_Nz) - reinterpret_cast<const char*>(&&L_Unreachable));
#include "module/opcodes.def"
#undef X
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id##_Z) - reinterpret_cast<const char*>(&&L_Unreachable));
#include "module/opcodes.def"
#undef X
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id##_KNz) - reinterpret_cast<const char*>(&&L_Unreachable));
#include "module/opcodes.def"
#undef X
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id##_KZ) - reinterpret_cast<const char*>(&&L_Unreachable));
#include "module/opcodes.def"
#undef X
#ifndef TERN_NO_MEMORY64
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&L_##id##_M64) - reinterpret_cast<const char*>(&&L_Unreachable));
#else  // no kM64 handlers: the lowering never asks for one (memory64 cannot be switched on)
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  table[i++] = int32_t(reinterpret_cast<const char*>(&&bad_op) - reinterpret_cast<const char*>(&&L_Unreachable));
#endif
#include "module/opcodes.def"
#undef X
    *table_out = table;
    return std::nullopt;
  }
  ThreadCtx& t = *tp;
  const ModuleData& md = inst->module_->data();
  const FuncBody* bodies = md.bodies.data();
  const uint32_t nimp = md.num_imported_funcs;
  MemoryInst* mem0 = inst->memories_.empty() ? nullptr : inst->memories_[0];
  uint8_t* mem_base = mem0 ? mem0->base_ : nullptr;
  uint64_t mem_size = mem0 ? mem0->size_ : 0;
  GlobalInst* const* globals = inst->globals_.data();
  const uint32_t* type_ids = inst->type_ids_.data();
  Frame* frames = t.frames;
  uint64_t* const stack_end = t.stack_end;
  const Code* code = bodies[func - nimp].code.get();
  const uint32_t* pc = start_pc ? start_pc : code->words.data();
  TrapKind trap_kind = TrapKind::Unreachable;
  std::optional<Trap> inner;   // a trap from a host or another instance
  FuncInst* tail_f = nullptr;  // return_call* to another tier, instance or host: the callee
  uint32_t tail_from = 0;      // and the slot of its first argument
  uint32_t tail_def = 0;       // return_call* in place: the defined function

#define S(i) fp[pc[i]]
#define NEXT() goto*(static_cast<const void*>(reinterpret_cast<const char*>(&&L_Unreachable) + int32_t(*pc)))
#define TRAP(k) \
  do { \
    trap_kind = (k); \
    goto do_trap; \
  } while (0)
#define RELOAD_MEM() \
  if (mem0) { \
    mem_base = mem0->base_; \
    mem_size = mem0->size_; \
  }
#define UN(Ti, To, e) \
  { \
    Ti a = rd<Ti>(S(2)); \
    wr<To>(S(1), To(e)); \
    pc += 3; \
    NEXT(); \
  }
#define BIN(Ti, To, e) \
  { \
    Ti a = rd<Ti>(S(2)); \
    Ti b = rd<Ti>(S(3)); \
    wr<To>(S(1), To(e)); \
    pc += 4; \
    NEXT(); \
  }
#define TUN(Ti, To, fn) \
  { \
    Ti a = rd<Ti>(S(2)); \
    TrapCode trap_ = TrapCode::None; \
    To r_ = fn(a, trap_); \
    if (isTrap(trap_)) TRAP(trapKindOf(trap_)); \
    wr<To>(S(1), r_); \
    pc += 3; \
    NEXT(); \
  }
#define TBIN(Ti, To, fn) \
  { \
    Ti a = rd<Ti>(S(2)); \
    Ti b = rd<Ti>(S(3)); \
    TrapCode trap_ = TrapCode::None; \
    To r_ = fn<Ti>(a, b, trap_); \
    if (isTrap(trap_)) TRAP(trapKindOf(trap_)); \
    wr<To>(S(1), r_); \
    pc += 4; \
    NEXT(); \
  }
// Every access to linear memory, scalar or v128: `ea` is the address in
// slot pc[i] plus the offset in pc[3], checked for `bytes` bytes.
#define MEM_EA(ea, i, bytes) \
  uint64_t ea = uint64_t(uint32_t(S(i))) + pc[3]; \
  if (ea + (bytes) > mem_size) TRAP(TrapKind::MemoryOutOfBounds);
// The access handlers, *_AT, are the rows' LOAD, STORE and V*: the base
// handlers and the kM64 variant expand them with their own MEM_EA.
#define LOAD_AT(Tm, To) \
  { \
    MEM_EA(ea, 2, sizeof(Tm)) \
    Tm v; \
    std::memcpy(&v, mem_base + ea, sizeof(Tm)); \
    wr<To>(S(1), To(v)); \
    pc += 4; \
    NEXT(); \
  }
#define STORE_AT(Tv, Tm) \
  { \
    MEM_EA(ea, 1, sizeof(Tm)) \
    Tm v = Tm(rd<Tv>(S(2))); \
    std::memcpy(mem_base + ea, &v, sizeof(Tm)); \
    pc += 4; \
    NEXT(); \
  }
#define LOAD(Tm, To) LOAD_AT(Tm, To)
#define STORE(Tv, Tm) STORE_AT(Tv, Tm)
#define SPECIAL goto bad_op;
#define SIMD goto bad_op;
  // The generic v128 copy and select handlers use VR in every build.
#define VR(i) rdV(&S(i))
#ifdef TERN_NO_SIMD
  // Built without SIMD (-Dsimd=false, a minimal build's default): every v128
  // row stays bad_op, and no body with a v128 instruction reaches the
  // interpreter (Tiering::interpret).
#include "module/impl_v128_pending.inc"
#else
  // v128 rows (the operands' order is Lowering::simdOp's; kBytes is the
  // row's Bytes column): a v128 is read from and written to two slots.
#define VUN(fn) \
  { \
    vUn<simd::fn>(&S(1), &S(2)); \
    pc += 3; \
    NEXT(); \
  }
#define VBIN(fn) \
  { \
    vBin<simd::fn>(&S(1), &S(2), &S(3)); \
    pc += 4; \
    NEXT(); \
  }
#define VTERN(fn) \
  { \
    vTern<simd::fn>(&S(1), &S(2), &S(3), &S(4)); \
    pc += 5; \
    NEXT(); \
  }
#define VSHIFT(fn) \
  { \
    vShift<simd::fn>(&S(1), &S(2), uint32_t(S(3))); \
    pc += 4; \
    NEXT(); \
  }
#define VTEST(fn) \
  { \
    wr<uint32_t>(S(1), vTest<simd::fn>(&S(2))); \
    pc += 3; \
    NEXT(); \
  }
#define VSPLAT(T, fn) \
  { \
    vSplat<T, simd::fn>(&S(1), rd<T>(S(2))); \
    pc += 3; \
    NEXT(); \
  }
#define VEXTRACT(T, fn) \
  { \
    wr<T>(S(1), vExtract<T, simd::fn>(&S(2), int(pc[3]))); \
    pc += 4; \
    NEXT(); \
  }
#define VREPLACE(T, fn) \
  { \
    vReplace<T, simd::fn>(&S(1), &S(2), int(pc[4]), rd<T>(S(3))); \
    pc += 5; \
    NEXT(); \
  }
#define VSHUFFLE(fn) \
  { \
    vShuffle<simd::fn>(&S(1), &S(2), &S(3), reinterpret_cast<const uint8_t*>(pc + 4)); \
    pc += 8; \
    NEXT(); \
  }
#define VCONST \
  { \
    std::memcpy(&S(1), pc + 2, 16); \
    pc += 6; \
    NEXT(); \
  }
#define VLOAD_AT(fn) \
  { \
    MEM_EA(ea, 2, kBytes) \
    vLoad<simd::fn>(&S(1), mem_base + ea); \
    pc += 4; \
    NEXT(); \
  }
#define VSTORE_AT(fn) \
  { \
    MEM_EA(ea, 1, kBytes) \
    vStore<simd::fn>(&S(2), mem_base + ea); \
    pc += 4; \
    NEXT(); \
  }
#define VLOADLANE_AT(fn) \
  { \
    MEM_EA(ea, 2, kBytes) \
    vLoadLane<simd::fn>(&S(1), &S(4), int(pc[5]), mem_base + ea); \
    pc += 6; \
    NEXT(); \
  }
#define VSTORELANE_AT(fn) \
  { \
    MEM_EA(ea, 1, kBytes) \
    vStoreLane<simd::fn>(&S(2), int(pc[4]), mem_base + ea); \
    pc += 5; \
    NEXT(); \
  }
#define VLOAD(fn) VLOAD_AT(fn)
#define VSTORE(fn) VSTORE_AT(fn)
#define VLOADLANE(fn) VLOADLANE_AT(fn)
#define VSTORELANE(fn) VSTORELANE_AT(fn)
#endif

  NEXT();

#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  L_##id : { \
    [[maybe_unused]] constexpr uint64_t kBytes = bytes; \
    impl \
  }
#include "module/opcodes.def"
#undef X
  // The variants below have no v128 rows.
#include "module/impl_v128_undef.inc"
#include "module/impl_v128_pending.inc"

  // ---- generated variants (see Variant in lower.h) ----
#define K64(i) (uint64_t(pc[i]) | (uint64_t(pc[(i) + 1]) << 32))
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#define TUN(Ti, To, fn) goto bad_op;
#define LOAD(Tm, To) goto bad_op;
#define STORE(Tv, Tm) goto bad_op;
  // K: constant right operand
#define UN(Ti, To, e) goto bad_op;
#define BIN(Ti, To, e) \
  { \
    Ti a = rd<Ti>(S(2)); \
    Ti b = rd<Ti>(K64(3)); \
    wr<To>(S(1), To(e)); \
    pc += 5; \
    NEXT(); \
  }
#define TBIN(Ti, To, fn) \
  { \
    Ti a = rd<Ti>(S(2)); \
    Ti b = rd<Ti>(K64(3)); \
    TrapCode trap_ = TrapCode::None; \
    To r_ = fn<Ti>(a, b, trap_); \
    if (isTrap(trap_)) TRAP(trapKindOf(trap_)); \
    wr<To>(S(1), r_); \
    pc += 5; \
    NEXT(); \
  }
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) L_##id##_K : impl
#include "module/opcodes.def"
#undef X
#undef UN
#undef BIN
#undef TBIN
#define TBIN(Ti, To, fn) goto bad_op;
  // Nz / Z: compare-and-branch
#define UN(Ti, To, e) \
  { \
    Ti a = rd<Ti>(S(2)); \
    if ((To(e) != 0) == NZ) pc += int32_t(pc[3]); \
    else pc += 4; \
    NEXT(); \
  }
#define BIN(Ti, To, e) \
  { \
    Ti a = rd<Ti>(S(2)); \
    Ti b = rd<Ti>(S(3)); \
    if ((To(e) != 0) == NZ) pc += int32_t(pc[4]); \
    else pc += 5; \
    NEXT(); \
  }
#define NZ true
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) L_##id##_Nz : impl
#include "module/opcodes.def"
#undef X
#undef NZ
#define NZ false
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) L_##id##_Z : impl
#include "module/opcodes.def"
#undef X
#undef NZ
#undef UN
#undef BIN
  // KNz / KZ
#define UN(Ti, To, e) goto bad_op;
#define BIN(Ti, To, e) \
  { \
    Ti a = rd<Ti>(S(2)); \
    Ti b = rd<Ti>(K64(3)); \
    if ((To(e) != 0) == NZ) pc += int32_t(pc[5]); \
    else pc += 6; \
    NEXT(); \
  }
#define NZ true
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) L_##id##_KNz : impl
#include "module/opcodes.def"
#undef X
#undef NZ
#define NZ false
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) L_##id##_KZ : impl
#include "module/opcodes.def"
#undef X
#undef NZ
#undef K64
#undef UN
#undef BIN
  // M64: the loads and stores of a 64-bit memory; the address slot holds an
  // i64, and the sum with the offset must not wrap. A minimal build leaves
  // memory64 out (TERN_NO_MEMORY64: its size limit).
#ifndef TERN_NO_MEMORY64
#define UN(Ti, To, e) goto bad_op;
#define BIN(Ti, To, e) goto bad_op;
#undef LOAD
#undef STORE
#undef MEM_EA
#define MEM_EA(ea, i, bytes) \
  uint64_t ea = S(i) + pc[3]; \
  if (ea < pc[3] || ea > mem_size || mem_size - ea < (bytes)) TRAP(TrapKind::MemoryOutOfBounds);
#define LOAD(Tm, To) LOAD_AT(Tm, To)
#define STORE(Tv, Tm) STORE_AT(Tv, Tm)
#ifndef TERN_NO_SIMD
#undef VLOAD
#undef VSTORE
#undef VLOADLANE
#undef VSTORELANE
#define VLOAD(fn) VLOAD_AT(fn)
#define VSTORE(fn) VSTORE_AT(fn)
#define VLOADLANE(fn) VLOADLANE_AT(fn)
#define VSTORELANE(fn) VSTORELANE_AT(fn)
#endif
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  L_##id##_M64 : { \
    [[maybe_unused]] constexpr uint64_t kBytes = bytes; \
    impl \
  }
#include "module/opcodes.def"
#undef X
#endif  // TERN_NO_MEMORY64

L_Copy:
  S(1) = S(2);
  pc += 3;
  NEXT();
L_Const32:
  S(1) = pc[2];
  pc += 3;
  NEXT();
L_Const64:
  S(1) = uint64_t(pc[2]) | (uint64_t(pc[3]) << 32);
  pc += 4;
  NEXT();
L_Jump:
  pc += int32_t(pc[1]);
  NEXT();
L_BrIfNz:
  if (uint32_t(S(1)) != 0) pc += int32_t(pc[2]);
  else pc += 3;
  NEXT();
L_BrIfZ:
  if (uint32_t(S(1)) == 0) pc += int32_t(pc[2]);
  else pc += 3;
  NEXT();
L_BrTableI : {
  uint32_t i = uint32_t(S(1));
  uint32_t n = pc[2];
  if (i > n) i = n;
  pc += int32_t(pc[3 + i]);
  NEXT();
}
L_Ret : {
  if (t.nframes == base_frames) goto done;
  const Frame& f = frames[--t.nframes];
  pc = f.ret_pc;
  fp = f.fp;
  code = f.code;
  func = f.func;
  NEXT();
}
L_CallI : {
  uint32_t def = pc[1];
  if ((kBuildJit || kBuildLazy) && bodies[def].tier >= FuncTier::Jit) {
    // Lazy, not compiled yet: compiled now, and the call made again. A body
    // no tier can run fails in callOut (invoke says why).
    if (bodies[def].tier == FuncTier::Lazy && compileCalleeOp(inst, def) != FuncTier::None) NEXT();
    inner = bodies[def].tier == FuncTier::Jit
                ? runJit(t, inst, nimp + def, fp + pc[2])
                : callOut(t, inst, inst->funcs_[nimp + def], fp + pc[2], fp + code->frame_slots);
    if (inner) goto do_inner;
    RELOAD_MEM();
    pc += 3;
    NEXT();
  }
  const Code* c = bodies[def].code.get();
  uint64_t* nfp = fp + pc[2];
  if (nfp + c->frame_slots > stack_end || t.nframes >= t.max_frames) TRAP(TrapKind::CallStackExhausted);
  frames[t.nframes++] = Frame{pc + 3, fp, code, func};
  std::memset(nfp + c->num_params, 0, slotBytes(c->num_locals - c->num_params));
  fp = nfp;
  code = c;
  func = nimp + def;
  pc = c->words.data();
  NEXT();
}
L_CallImport : {
  FuncInst* f = inst->funcs_[pc[1]];
  inner = callOut(t, inst, f, fp + pc[2], fp + code->frame_slots);
  if (inner) goto do_inner;
  RELOAD_MEM();
  pc += 3;
  NEXT();
}
L_CallIndirectI : {
  FuncInst* f = ops::indirectCallee(inst, pc[2], uint32_t(S(4)), type_ids[pc[1]], &trap_kind);
  if (!f) goto do_trap;
  if (f->instance_ == inst && bodies[f->index_ - nimp].tier == FuncTier::Interp) {
    uint32_t def = f->index_ - nimp;
    const Code* c = bodies[def].code.get();
    uint64_t* nfp = fp + pc[3];
    if (nfp + c->frame_slots > stack_end || t.nframes >= t.max_frames) TRAP(TrapKind::CallStackExhausted);
    frames[t.nframes++] = Frame{pc + 5, fp, code, func};
    std::memset(nfp + c->num_params, 0, slotBytes(c->num_locals - c->num_params));
    fp = nfp;
    code = c;
    func = f->index_;
    pc = c->words.data();
    NEXT();
  }
  // Lazy, not compiled yet: compiled now, and the call made again (as
  // L_CallI). JIT code, other instances, the host, and a body no tier can
  // run go through callOut.
  if (kBuildLazy && f->instance_ == inst && bodies[f->index_ - nimp].tier == FuncTier::Lazy &&
      compileCalleeOp(inst, f->index_ - nimp) != FuncTier::None)
    NEXT();
  inner = callOut(t, inst, f, fp + pc[3], fp + code->frame_slots);
  if (inner) goto do_inner;
  RELOAD_MEM();
  pc += 5;
  NEXT();
}
L_ReturnCallI:
  if constexpr (!kBuildTailCalls) goto bad_op;  // never lowered (base/build.h)
  tail_def = pc[1];
  tail_from = pc[2];
  if ((kBuildJit || kBuildLazy) && bodies[tail_def].tier >= FuncTier::Jit) {
    // Lazy, not compiled yet: compiled now, and the call made again (as
    // L_CallI), so that a loop of tail calls keeps this frame. A body no
    // tier can run fails in runAt or callOut (invoke says why).
    if (bodies[tail_def].tier == FuncTier::Lazy && compileCalleeOp(inst, tail_def) != FuncTier::None) NEXT();
    tail_f = inst->funcs_[nimp + tail_def];
    goto tail_out;
  }
tail_in_place : {
  // The callee takes this frame: its arguments move to the frame's first
  // slots, and the Frame record of the caller stays as it is.
  const Code* c = bodies[tail_def].code.get();
  if (fp + c->frame_slots > stack_end) TRAP(TrapKind::CallStackExhausted);
  std::memmove(fp, fp + tail_from, slotBytes(c->num_params));
  std::memset(fp + c->num_params, 0, slotBytes(c->num_locals - c->num_params));
  code = c;
  func = nimp + tail_def;
  pc = c->words.data();
  NEXT();
}
L_ReturnCallImport:
  if constexpr (!kBuildTailCalls) goto bad_op;
  tail_f = inst->funcs_[pc[1]];
  tail_from = pc[2];
  goto tail_out;
L_ReturnCallIndirectI : {
  if constexpr (!kBuildTailCalls) goto bad_op;
  FuncInst* f = ops::indirectCallee(inst, pc[2], uint32_t(S(4)), type_ids[pc[1]], &trap_kind);
  if (!f) goto do_trap;
  tail_from = pc[3];
  if (f->instance_ == inst) {
    // Lazy, not compiled yet: compiled now, and the call made again (as
    // L_ReturnCallI).
    if (kBuildLazy && bodies[f->index_ - nimp].tier == FuncTier::Lazy &&
        compileCalleeOp(inst, f->index_ - nimp) != FuncTier::None)
      NEXT();
    if (bodies[f->index_ - nimp].tier == FuncTier::Interp) {
      tail_def = f->index_ - nimp;
      goto tail_in_place;
    }
  }
  tail_f = f;
  goto tail_out;
}
tail_out : {
  // A tail call out of this loop: the arguments move to the frame's first
  // slots. The entry frame of this run() returns with the call pending, and
  // runAt makes it, in its own loop; a frame below calls it from here
  // and then returns its results. Either way no frame stays behind.
  const FuncType& ft = tail_f->type();
  std::memmove(fp, fp + tail_from, slotBytes(slotsOf(ft.params)));
  if (t.nframes == base_frames) {
    t.tail_pending = tail_f;
    goto done;
  }
  if (kBuildJit && tail_f->instance_ == inst && !tail_f->host_ && bodies[tail_f->index_ - nimp].tier == FuncTier::Jit) {
    inner = runJit(t, inst, tail_f->index_, fp);
  } else {
    uint32_t top = std::max<uint32_t>(code->frame_slots, slotsOf(ft.results));
    inner = callOut(t, inst, tail_f, fp, fp + top);
  }
  if (inner) goto do_inner;
  RELOAD_MEM();
  goto L_Ret;
}
L_Trap:
  TRAP(TrapKind(pc[1]));
L_SelectI:
  S(1) = uint32_t(S(4)) ? S(2) : S(3);
  pc += 5;
  NEXT();
L_GlobalGetI:
  S(1) = globals[pc[2]]->bits_;
  pc += 3;
  NEXT();
L_GlobalSetI:
  globals[pc[1]]->bits_ = S(2);
  pc += 3;
  NEXT();
L_MemorySizeI:
  S(1) = mem_size >> 16;
  pc += 2;
  NEXT();
L_MemoryGrowI : {
  int64_t r = mem0->grow(uint32_t(S(2)));
  S(1) = uint32_t(int32_t(r));
  RELOAD_MEM();
  pc += 3;
  NEXT();
}
L_RefIsNullI:
  S(1) = S(2) == 0 ? 1 : 0;
  pc += 3;
  NEXT();
L_RefFuncI:
  S(1) = ops::refFunc(inst, pc[2]);
  pc += 3;
  NEXT();
L_TableGetI : {
  uint64_t v;
  TrapCode k = ops::tableGet(inst, pc[2], uint32_t(S(3)), &v);
  if (isTrap(k)) TRAP(trapKindOf(k));
  S(1) = v;
  pc += 4;
  NEXT();
}
L_TableSetI : {
  TrapCode k = ops::tableSet(inst, pc[1], uint32_t(S(2)), S(3));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 4;
  NEXT();
}
L_TableSizeI:
  S(1) = ops::tableSize(inst, pc[2]);
  pc += 3;
  NEXT();
L_TableGrowI:
  S(1) = tableGrowOp(inst, pc[2], S(3), uint32_t(S(4)));
  pc += 5;
  NEXT();
L_TableFillI : {
  TrapCode k = ops::tableFill(inst, pc[1], uint32_t(S(2)), S(3), uint32_t(S(4)));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 5;
  NEXT();
}
L_TableCopyI : {
  TrapCode k = tableCopyOp(inst, pc[1], pc[2], uint32_t(S(3)), uint32_t(S(4)), uint32_t(S(5)));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 6;
  NEXT();
}
L_TableInitI : {
  TrapCode k = tableInitOp(inst, pc[1], pc[2], uint32_t(S(3)), uint32_t(S(4)), uint32_t(S(5)));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 6;
  NEXT();
}
L_ElemDropI:
  ops::elemDrop(inst, pc[1]);
  pc += 2;
  NEXT();
L_MemoryInitI : {
  TrapCode k = memoryInitOp(inst, pc[1], uint32_t(S(2)), uint32_t(S(3)), uint32_t(S(4)));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 5;
  NEXT();
}
L_DataDropI:
  ops::dataDrop(inst, pc[1]);
  pc += 2;
  NEXT();
L_MemoryCopyI : {
  TrapCode k = ops::memoryCopy(mem0, uint32_t(S(1)), uint32_t(S(2)), uint32_t(S(3)));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 4;
  NEXT();
}
L_MemSelect : {
  if constexpr (!kBuildMultiMemory) goto bad_op;  // never lowered (base/build.h)
  MemView v = memoryView(inst, pc[1]);
  mem_base = v.base;
  mem_size = v.size;
  pc += 2;
  NEXT();
}
L_MemRestore:
  RELOAD_MEM();
  pc += 1;
  NEXT();
L_MemorySizeK:
  if constexpr (!kBuildMultiMemory) goto bad_op;
  S(1) = memorySizeOp(inst, pc[2]);
  pc += 3;
  NEXT();
L_MemoryGrowK:
  if constexpr (!kBuildMultiMemory) goto bad_op;
  S(1) = memoryGrowOp(inst, pc[2], S(3));
  pc += 4;
  NEXT();
L_MemoryInitK : {
  if constexpr (!kBuildMultiMemory) goto bad_op;
  TrapCode k = memoryInitKOp(inst, pc[1], pc[2], S(3), S(4), S(5));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 6;
  NEXT();
}
L_MemoryCopyK : {
  if constexpr (!kBuildMultiMemory) goto bad_op;
  TrapCode k = memoryCopyOp(inst, pc[1], pc[2], S(3), S(4), S(5));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 6;
  NEXT();
}
L_MemoryFillK : {
  if constexpr (!kBuildMultiMemory) goto bad_op;
  TrapCode k = memoryFillOp(inst, pc[1], S(2), uint8_t(S(3)), S(4));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 5;
  NEXT();
}
L_CheckInterrupt : {
  Store::Impl* st = inst->store_;
  if ((pc[1] & 1) && st->epoch_->load(std::memory_order_relaxed) >= st->epoch_deadline_) TRAP(TrapKind::Interrupted);
  if ((pc[1] & 2) && --st->fuel_ < 0) {
    st->fuel_ = 0;
    TRAP(TrapKind::OutOfFuel);
  }
  pc += 2;
  NEXT();
}
L_MemoryGrow64I : {
  if constexpr (!kBuildMemory64) goto bad_op;  // never lowered (base/build.h)
  S(1) = uint64_t(mem0->grow(S(2)));
  RELOAD_MEM();
  pc += 3;
  NEXT();
}
L_MemoryInit64I : {
  if constexpr (!kBuildMemory64) goto bad_op;
  TrapCode k = memoryInitOp(inst, pc[1], S(2), uint32_t(S(3)), uint32_t(S(4)));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 5;
  NEXT();
}
L_MemoryCopy64I : {
  if constexpr (!kBuildMemory64) goto bad_op;
  TrapCode k = ops::memoryCopy(mem0, S(1), S(2), S(3));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 4;
  NEXT();
}
L_MemoryFill64I : {
  if constexpr (!kBuildMemory64) goto bad_op;
  TrapCode k = ops::memoryFill(mem0, S(1), uint8_t(S(2)), S(3));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 4;
  NEXT();
}
L_Ea64 : {
  if constexpr (!kBuildMemory64) goto bad_op;
  uint64_t off = uint64_t(pc[3]) | (uint64_t(pc[4]) << 32);
  uint64_t ea = S(2) + off;
  if (ea < off) TRAP(TrapKind::MemoryOutOfBounds);
  S(1) = ea;
  pc += 5;
  NEXT();
}
L_ThrowI:
  if constexpr (!kBuildExceptions) goto bad_op;  // never lowered (base/build.h)
  throwOp(inst, pc[1], &S(2), inner);
  goto do_inner;
L_RethrowI:
  if constexpr (!kBuildExceptions) goto bad_op;
  rethrowOp(t, &S(1), inner);
  goto do_inner;
L_ThrowRefI:
  if constexpr (!kBuildExceptions) goto bad_op;
  throwRefOp(inst, S(1), inner);
  goto do_inner;
L_MemoryFillI : {
  TrapCode k = ops::memoryFill(mem0, uint32_t(S(1)), uint8_t(S(2)), uint32_t(S(3)));
  if (isTrap(k)) TRAP(trapKindOf(k));
  pc += 4;
  NEXT();
}
L_CopyV:
  wrV(&S(1), VR(2));
  pc += 3;
  NEXT();
L_SelectV:
  wrV(&S(1), uint32_t(S(4)) ? VR(2) : VR(3));
  pc += 5;
  NEXT();
L_GlobalGetV:
  S(1) = globals[pc[2]]->bits_;
  fp[pc[1] + 1] = globals[pc[2]]->hi_;
  pc += 3;
  NEXT();
L_GlobalSetV:
  globals[pc[1]]->bits_ = S(2);
  globals[pc[1]]->hi_ = fp[pc[2] + 1];
  pc += 3;
  NEXT();

bad_op:
  inner = Trap::host("internal error: instruction without interpreter handler");
  goto do_inner;

do_trap:
  // trap_kind is set only on the way here, and inner on the way to do_inner,
  // so neither is live across dispatch (a trap kind kept live there cost a
  // register and an instruction per handler).
  inner = Trap::make(trap_kind);
do_inner : {
  // pc is at the instruction that trapped (or made the call that did); the
  // callers' return addresses are just past their calls.
  t.trap_at = Frame{pc, fp, code, func};
  t.trap_level = t.nframes;
  Trap tr = std::move(*inner);
  PosCache pcache;
  addFrame(tr, inst, func, pcache.lookup(code->positions, uint32_t(pc - code->words.data())));
  while (t.nframes > base_frames) {
    const Frame& f = frames[--t.nframes];
    addFrame(tr, inst, f.func, pcache.lookup(f.code->positions, uint32_t(f.ret_pc - 1 - f.code->words.data())));
  }
  return tr;
}
done:
  return std::nullopt;

#undef S
#undef NEXT
#undef TRAP
#undef RELOAD_MEM
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#undef MEM_EA
#undef LOAD_AT
#undef STORE_AT
#undef VLOAD_AT
#undef VSTORE_AT
#undef VLOADLANE_AT
#undef VSTORELANE_AT
#undef VR
#undef SPECIAL
#undef SIMD
#include "module/impl_v128_undef.inc"
}

}  // namespace

bool catchable(const WasmException& exn) {
  const TagInst* tag = tagInst(exn.tag);
  if (!tag || tag->type_.params.size() != exn.values.size()) return false;  // a host's malformed exception
  for (size_t i = 0; i < exn.values.size(); ++i)
    if (exn.values[i].type != tag->type_.params[i]) return false;
  return true;
}

void caughtByJit(uint64_t* exn_slot, std::shared_ptr<const WasmException> exn, bool values) {
  holdCaught(currentThreadCtx(), exn_slot, std::move(exn), values);
}

Trap rethrownByJit(const uint64_t* exn_slot) {
  std::optional<Trap> out;
  rethrowOp(currentThreadCtx(), exn_slot, out);
  return std::move(*out);
}

const int32_t* handlerOffsets() {
  static const int32_t* table = [] {
    const int32_t* out = nullptr;
    (void)run(nullptr, nullptr, 0, nullptr, &out);
    return out;
  }();
  return table;
}

std::optional<Trap> callFromJit(ModuleInst* caller, FuncInst* f, uint64_t* fp, uint32_t jit_frames) {
  ThreadCtx& t = currentThreadCtx();
  const FuncType& ft = f->type();
  uint64_t* top = fp + std::max(slotsOf(ft.params), slotsOf(ft.results));
  // The JIT frames below count against the interpreter's depth limit.
  t.nframes += jit_frames;
  std::optional<Trap> tr = callOut(t, caller, f, fp, top);
  t.nframes -= jit_frames;
  return tr;
}

void setTailPending(FuncInst* f) { currentThreadCtx().tail_pending = f; }

Expected<std::vector<Value>, Trap> invoke(FuncInst* f, std::span<const Value> args) {
  return invokeFrom(nullptr, f, args);
}

}  // namespace tern::interp
