// The interpreter loop: direct-threaded dispatch over the lowered form
// (see lower.h). Wasm-to-Wasm calls within an instance stay in this loop
// (no native recursion); calls to host functions and other instances go
// through invoke(). A callee's FuncTier (set by runtime/tiering.cc) says
// whether the call enters JIT code instead. The services JIT code calls
// (jit/entry.h) are in interp/jit_services.cc; the one that needs this
// file's per-thread call state goes through callFromJit. A v128 takes two
// slots; its handlers, generated from opcodes.def's V* Impl macros, call
// interp/simd_handlers.h.
//
// run() stays in this file, with the call state in an anonymous namespace:
// the compiler then sees every use of that state and every callee of the
// loop, and allocates the loop's registers better (moving run() and the
// state to their own file, with external linkage, cost interpreter fib
// about 2% more instructions).
#include "interp/interp.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <typeinfo>
#include <limits>
#include <type_traits>

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

namespace tern::interp {

namespace {
using namespace tern::sem;

struct Frame {
  const uint32_t* ret_pc;
  uint64_t* fp;
  const Code* code;
  uint32_t func;
};

// The value stack: reserved and committed at once (the OS backs it as it is
// touched), or in a minimal build a block from the platform core.
uint64_t* allocValueStack(size_t bytes) {
#ifdef TERN_MINIMAL
  return static_cast<uint64_t*>(platform::allocate(bytes));
#else
  return static_cast<uint64_t*>(platform::reserveCommitted(bytes));
#endif
}
void freeValueStack(uint64_t* stack, size_t bytes) {
#ifdef TERN_MINIMAL
  platform::deallocate(stack, bytes);
#else
  platform::release(stack, bytes);
#endif
}

struct ThreadCtx {
  uint64_t* stack = nullptr;
  uint64_t* stack_end = nullptr;
  uint64_t* top = nullptr;  // first free slot for a new entry frame
  Frame* frames = nullptr;
  uint32_t max_frames = 0;
  uint32_t nframes = 0;
  uint32_t native_depth = 0;
  size_t stack_bytes = 0;
  uintptr_t native_limit = 0;  // JIT code traps below this rsp
  ~ThreadCtx() {
    if (stack) freeValueStack(stack, stack_bytes);
    delete[] frames;
  }
};

#ifdef TERN_MINIMAL
// The platform core's thread slot holds the thread's context: a minimal
// build asks nothing of the C++ runtime's thread_local support.
ThreadCtx& currentThreadCtx() {
  void* p = platform::threadSlot();
  if (!p) {
    p = new ThreadCtx;
    platform::setThreadSlot(p, [](void* c) { delete static_cast<ThreadCtx*>(c); });
  }
  return *static_cast<ThreadCtx*>(p);
}
#else
thread_local ThreadCtx t_ctx;
ThreadCtx& currentThreadCtx() { return t_ctx; }
#endif
constexpr uint32_t kMaxNativeDepth = 400;

ThreadCtx& threadCtx(const Config& cfg) {
  ThreadCtx& t = currentThreadCtx();
  if (!t.stack) {
    t.stack_bytes = slotBytes(cfg.value_stack_slots);
    t.stack = allocValueStack(t.stack_bytes);
    t.stack_end = t.stack + cfg.value_stack_slots;
    t.top = t.stack;
    t.max_frames = cfg.max_call_depth;
    t.frames = new Frame[t.max_frames];
#ifndef TERN_MINIMAL
    // JIT code checks rsp against a limit that leaves room for the C++ code
    // (helpers, host functions, the interpreter) it may call.
    platform::StackBounds native = platform::currentThreadStack();
    size_t margin = native.size >= (size_t(4) << 20) ? (size_t(1) << 20) : native.size / 4;
    t.native_limit = native.low + margin;
    if (jit::available()) jit::installTrapHandler();
#endif
  } else if (t.nframes == 0 && t.native_depth == 0 && t.top == t.stack) {
    // Another engine's limits: the thread's context was made for the first
    // engine that ran code on it. Between outermost calls no frame and no
    // value is live, so the frames and the value stack can be made again.
    if (t.max_frames != cfg.max_call_depth) {
      delete[] t.frames;
      t.max_frames = cfg.max_call_depth;
      t.frames = new Frame[t.max_frames];
    }
    size_t stack_bytes = slotBytes(cfg.value_stack_slots);
    if (t.stack_bytes != stack_bytes) {
      if (uint64_t* stack = allocValueStack(stack_bytes)) {
        freeValueStack(t.stack, t.stack_bytes);
        t.stack_bytes = stack_bytes;
        t.stack = t.top = stack;
        t.stack_end = t.stack + cfg.value_stack_slots;
      }
    }
  }
  return t;
}

std::optional<Trap> runJit(ThreadCtx& t, ModuleInst* inst, uint32_t func, uint64_t* fp);

// Appends frame `func` of `inst`, at module offset `off`, to a trap's
// backtrace (as data, and as the name string of Trap::backtrace).
void addFrame(Trap& tr, ModuleInst* inst, uint32_t func, uint32_t off) {
  const ModuleData& md = inst->module_->data();
  TrapFrame f;
  f.func_index = func;
  f.module_offset = off;
  if (off != PosTable::kNone && func >= md.num_imported_funcs) {
    size_t body = md.bodies[func - md.num_imported_funcs].offset;
    if (off >= body) f.func_offset = uint32_t(off - body);
  }
  if (!tr.frames.empty() && tr.frames.back().instance == inst && tr.frames.back().func_index == func) {
    // Recursion: the frame before names the same function.
    f.name = tr.frames.back().name;
  } else if (auto n = md.func_names.find(func); n != md.func_names.end()) {
    f.name = n->second;
  } else {
    for (const Export& e : md.exports)
      if (e.kind == ExternKind::Func && e.index == func) {
        f.name = e.name;
        break;
      }
  }
  f.module = md.file_name.empty() ? md.module_name : md.file_name;
  f.instance = inst;
  tr.backtrace.push_back(f.name.empty() ? "func[" + std::to_string(func) + "]" : f.name);
  tr.frames.push_back(std::move(f));
}

// Position lookups for a backtrace, remembering the last answer: the
// frames of a deep recursion repeat one call site thousands of times.
struct PosCache {
  const void* key_table = nullptr;
  uint32_t key_pos = 0, value = PosTable::kNone;
  uint32_t lookup(const PosTable& t, uint32_t pos) {
    if (key_table != &t || key_pos != pos) {
      key_table = &t;
      key_pos = pos;
      value = t.lookup(pos);
    }
    return value;
  }
};

Expected<std::vector<Value>, Trap> invokeFrom(ModuleInst* caller, FuncInst* f, std::span<const Value> args);

// Values to and from consecutive frame slots (module/frame_layout.h: a v128
// takes two, its low half first).
void toSlots(std::span<const Value> vs, uint64_t* slots) {
  for (const Value& v : vs) {
    *slots++ = v.bits;
    if (v.type == ValType::V128) *slots++ = v.hi;
  }
}
void fromSlots(std::span<const ValType> ts, const uint64_t* slots, Value* out) {
  for (ValType t : ts) {
    uint64_t lo = *slots++;
    *out++ = Value{t, lo, t == ValType::V128 ? *slots++ : 0};
  }
}

// Calls a host function or another instance's function from the loop, with
// arguments in slots; results are written back to the same slots.
std::optional<Trap> callOut(ThreadCtx& t, ModuleInst* caller, FuncInst* f, uint64_t* slots, uint64_t* frame_top) {
  const FuncType& ft = f->type();
  Value argv[16];
  std::vector<Value> big;
  Value* args = argv;
  if (ft.params.size() > 16) {
    big.resize(ft.params.size());
    args = big.data();
  }
  fromSlots(ft.params, slots, args);
  uint64_t* saved_top = t.top;
  t.top = frame_top;
  auto r = invokeFrom(caller, f, std::span<const Value>(args, ft.params.size()));
  t.top = saved_top;
  if (!r.ok()) return std::move(r.error());
  toSlots(r.value(), slots);
  return std::nullopt;
}

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

// A callee that lazy compilation has not compiled yet: compiled out of line
// too, from `inst`, so that the loop keeps no module pointer live for it.
[[gnu::noinline]] FuncTier compileCalleeOp(ModuleInst* inst, uint32_t def) {
  return compileLazily(inst->module_->data(), def);
}

// Runs defined function `func` of `inst` whose frame (args in place) starts
// at `fp`. Returns a trap, if any. With t == nullptr, publishes the handler
// table instead (generated from module/opcodes.def and interp/iops.def, in
// IOp's order). Aligned so that code added before it does not shift it.
__attribute__((noinline, noclone, aligned(64))) std::optional<Trap> run(ThreadCtx* tp, ModuleInst* inst, uint32_t func,
                                                                        uint64_t* fp, const int32_t** table_out) {
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
  const uint32_t base_frames = t.nframes;
  const Code* code = bodies[func - nimp].code.get();
  const uint32_t* pc = code->words.data();
  TrapKind trap_kind = TrapKind::Unreachable;
  std::optional<Trap> inner;  // a trap from a host or another instance

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
#define LOAD(Tm, To) \
  { \
    MEM_EA(ea, 2, sizeof(Tm)) \
    Tm v; \
    std::memcpy(&v, mem_base + ea, sizeof(Tm)); \
    wr<To>(S(1), To(v)); \
    pc += 4; \
    NEXT(); \
  }
#define STORE(Tv, Tm) \
  { \
    MEM_EA(ea, 1, sizeof(Tm)) \
    Tm v = Tm(rd<Tv>(S(2))); \
    std::memcpy(mem_base + ea, &v, sizeof(Tm)); \
    pc += 4; \
    NEXT(); \
  }
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
#define VLOAD(fn) \
  { \
    MEM_EA(ea, 2, kBytes) \
    vLoad<simd::fn>(&S(1), mem_base + ea); \
    pc += 4; \
    NEXT(); \
  }
#define VSTORE(fn) \
  { \
    MEM_EA(ea, 1, kBytes) \
    vStore<simd::fn>(&S(2), mem_base + ea); \
    pc += 4; \
    NEXT(); \
  }
#define VLOADLANE(fn) \
  { \
    MEM_EA(ea, 2, kBytes) \
    vLoadLane<simd::fn>(&S(1), &S(4), int(pc[5]), mem_base + ea); \
    pc += 6; \
    NEXT(); \
  }
#define VSTORELANE(fn) \
  { \
    MEM_EA(ea, 1, kBytes) \
    vStoreLane<simd::fn>(&S(2), int(pc[4]), mem_base + ea); \
    pc += 5; \
    NEXT(); \
  }
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
  if (bodies[def].tier >= FuncTier::Jit) {
    // Lazy, not compiled yet: compiled now, and the call made again. A body
    // no tier can run fails in callOut (invoke says why).
    if (bodies[def].tier == FuncTier::Lazy && compileCalleeOp(inst, def) != FuncTier::None) NEXT();
    inner = bodies[def].tier == FuncTier::Jit
                ? runJit(t, inst, nimp + def, fp + pc[2])
                : callOut(t, inst, inst->funcs_[nimp + def], fp + pc[2], fp + code->frame_slots);
    if (inner) goto do_trap;
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
  if (inner) goto do_trap;
  RELOAD_MEM();
  pc += 3;
  NEXT();
}
L_CallIndirectI : {
  TableInst* tab = inst->tables_[pc[2]];
  uint32_t i = uint32_t(S(4));
  if (i >= tab->elems_.size()) TRAP(TrapKind::UndefinedElement);
  FuncInst* f = reinterpret_cast<FuncInst*>(tab->elems_[i]);
  if (!f) TRAP(TrapKind::UninitializedElement);
  if (f->type_id_ != type_ids[pc[1]]) TRAP(TrapKind::IndirectCallTypeMismatch);
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
  if (f->instance_ == inst && bodies[f->index_ - nimp].tier == FuncTier::Lazy &&
      compileCalleeOp(inst, f->index_ - nimp) != FuncTier::None)
    NEXT();
  inner = callOut(t, inst, f, fp + pc[3], fp + code->frame_slots);
  if (inner) goto do_trap;
  RELOAD_MEM();
  pc += 5;
  NEXT();
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
  trap_kind = TrapKind::Unreachable;
  inner = Trap::host("internal error: instruction without interpreter handler");
  goto do_trap;

do_trap : {
  // pc is at the instruction that trapped (or made the call that did); the
  // callers' return addresses are just past their calls.
  Trap tr = inner ? std::move(*inner) : Trap::make(trap_kind);
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
#undef VR
#undef SPECIAL
#undef SIMD
#include "module/impl_v128_undef.inc"
}

// The host-call boundary, the one place every tier (and Func::call) runs a
// host function: an exception stops here and becomes a trap (see HostFn),
// so none unwinds through the interpreter's loop or JIT code. The try block
// costs nothing until something is thrown.
std::optional<Trap> callHost(FuncInst* f, Caller& c, std::span<const Value> args, std::span<Value> results) noexcept {
  try {
    return f->host_(c, args, results);
  } catch (Trap& t) {
    return std::move(t);
  } catch (const std::exception& e) {
    Trap t = Trap::make(TrapKind::HostException);
    t.message = e.what();
    t.exception = std::current_exception();
    return t;
  } catch (...) {
    std::string type;
#if __has_include(<cxxabi.h>)
    if (const std::type_info* ti = abi::__cxa_current_exception_type()) {
      int status = 0;
      char* name = abi::__cxa_demangle(ti->name(), nullptr, nullptr, &status);
      type = status == 0 && name ? name : ti->name();
      std::free(name);
    }
#endif
    Trap t = Trap::make(TrapKind::HostException);
    t.message = "host function " + f->name() + " threw a C++ exception";
    if (!type.empty()) t.message += " of type " + type;
    t.exception = std::current_exception();
    return t;
  }
}

Expected<std::vector<Value>, Trap> invokeFrom(ModuleInst* caller, FuncInst* f, std::span<const Value> args) {
  const FuncType& ft = f->type();
  ThreadCtx& t = threadCtx(f->store_->engine().config());
  if (t.native_depth >= kMaxNativeDepth) return Trap::make(TrapKind::CallStackExhausted);
  struct DepthGuard {
    ThreadCtx& t;
    explicit DepthGuard(ThreadCtx& x) : t(x) { ++t.native_depth; }
    ~DepthGuard() { --t.native_depth; }
  } guard(t);

  if (f->host_) {
    std::vector<Value> results(ft.results.size());
    for (size_t i = 0; i < results.size(); ++i) results[i] = Value::zero(ft.results[i]);
    CallerInst c;
    c.instance_ = caller;
    c.store_ = caller ? caller->store_ : f->store_;
    std::optional<Trap> tr = callHost(f, c, args, results);
    if (tr) {
      if (tr->kind != TrapKind::Exit) {
        tr->backtrace.push_back(f->name());
        TrapFrame hf;
        hf.name = f->name();
        tr->frames.push_back(std::move(hf));
      }
      return std::move(*tr);
    }
    return results;
  }

  ModuleInst* inst = f->instance_;
  const ModuleData& md = inst->module_->data();
  if (compileLazily(md, f->index_ - md.num_imported_funcs) == FuncTier::Jit) {
    uint64_t* fp = t.top;
    size_t need = std::max(slotsOf(ft.params), slotsOf(ft.results));
    if (fp + need > t.stack_end) return Trap::make(TrapKind::CallStackExhausted);
    toSlots(args, fp);
    std::optional<Trap> tr = runJit(t, inst, f->index_, fp);
    if (tr) return std::move(*tr);
    std::vector<Value> results(ft.results.size());
    fromSlots(ft.results, fp, results.data());
    return results;
  }
  const FuncBody& body = md.bodies[f->index_ - md.num_imported_funcs];
  const Code* code = body.code.get();
  if (!code) return Trap::host("function " + f->name() + " cannot run: " + body.unsupported);
  uint64_t* fp = t.top;
  size_t need = std::max<size_t>({code->frame_slots, slotsOf(ft.params), slotsOf(ft.results)});
  if (fp + need > t.stack_end) return Trap::make(TrapKind::CallStackExhausted);
  toSlots(args, fp);
  std::memset(fp + code->num_params, 0, slotBytes(code->num_locals - code->num_params));
  std::optional<Trap> tr = run(&t, inst, f->index_, fp, nullptr);
  if (tr) return std::move(*tr);
  std::vector<Value> results(ft.results.size());
  fromSlots(ft.results, fp, results.data());
  return results;
}

uint64_t g_zero_size = 0;

// Enters JIT code for function `func` of `inst` with its frame at fp.
std::optional<Trap> runJit(ThreadCtx& t, ModuleInst* inst, uint32_t func, uint64_t* fp) {
  const ModuleData& md = inst->module_->data();
  const jit::JitModule* jm = md.jit.get();
  MemoryInst* mem0 = inst->memories_.empty() ? nullptr : inst->memories_[0];
  jit::Ctx c;
  c.mem_base = mem0 ? mem0->base_ : nullptr;
  c.mem_size = mem0 ? &mem0->size_ : &g_zero_size;
  c.memory = mem0;
  c.stack_end = t.stack_end;
  c.native_limit = t.native_limit;
  c.func_table = jm->table.data();
  c.inst = inst;
  c.globals = inst->globals_.data();
  c.depth_left = c.depth_start = t.max_frames > t.nframes ? t.max_frames - t.nframes : 0;
  std::optional<Trap> inner;
  c.inner = &inner;
  if (jit::enter(c, jm->table[func], fp) == 0) return std::nullopt;
  Trap tr = inner ? std::move(*inner) : Trap::make(trapKindOf(c.trap_kind));
  // A guard-page fault: the faulting instruction, then the callers. Any
  // other trap left through its site's stub, whose return address is the
  // first of c.frames, as the callers' are past their calls.
  if (c.fault_pc) {
    auto [f, off] = jm->locate(c.fault_pc);
    if (f != UINT32_MAX) addFrame(tr, inst, f, off);
  }
  uintptr_t last_ra = 0;
  std::pair<uint32_t, uint32_t> last{UINT32_MAX, PosTable::kNone};
  for (uintptr_t ra : c.frames) {
    if (ra != last_ra) last = jm->locate(ra - 1);
    last_ra = ra;
    if (last.first != UINT32_MAX) addFrame(tr, inst, last.first, last.second);
  }
  return tr;
}

}  // namespace

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

Expected<std::vector<Value>, Trap> invoke(FuncInst* f, std::span<const Value> args) {
  return invokeFrom(nullptr, f, args);
}

}  // namespace tern::interp
