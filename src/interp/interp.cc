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
  // A return_call* that left run()'s entry frame (or JIT code's, see
  // jitCallOut) for another tier, instance or host: its callee, with the
  // arguments at that frame's start; runAt's loop makes the call.
  FuncInst* tail_pending = nullptr;
  size_t stack_bytes = 0;
  uintptr_t native_limit = 0;  // JIT code traps below this rsp
  // The exceptions that catch clauses hold for rethrow, by the address of
  // the clause's slot (Code::Handler::exn_slot) in its frame; a catch drops
  // those at or above its own slot, whose frames and clauses have ended.
  std::vector<std::pair<const uint64_t*, std::shared_ptr<const WasmException>>> caught;
  // Where run() last trapped (the frame and its pc, and the frame count):
  // its caller asks catchException whether a handler takes an exception
  // from there, and runs it again at the handler. (Catching inside the
  // loop's trap path, and jumping back into the loop, cost interpreter fib
  // 0.7% of its instructions: the loop's registers changed.)
  Frame trap_at{};
  uint32_t trap_level = 0;
  // Where catchException found the handler: run() goes on at resume_pc on
  // frame (resume_func, resume_fp).
  const uint32_t* resume_pc = nullptr;
  uint64_t* resume_fp = nullptr;
  uint32_t resume_func = 0;
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
    // Whatever the tier: another engine may run JIT code on this thread
    // later. Not `if (jit::available())`: answering builds the JIT's stubs.
    jit::installTrapHandler();
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

std::optional<Trap> enterJit(ThreadCtx& t, ModuleInst* inst, uint32_t func, uint64_t* fp);
std::optional<Trap> runAt(ThreadCtx& t, ModuleInst* caller, FuncInst* f, uint64_t* fp);

// Runs JIT function `func` of `inst` with its frame at fp, then the tail
// call it left pending, if any (see runAt).
std::optional<Trap> runJit(ThreadCtx& t, ModuleInst* inst, uint32_t func, uint64_t* fp) {
  std::optional<Trap> tr = enterJit(t, inst, func, fp);
  if (tr || !t.tail_pending) return tr;
  return runAt(t, inst, std::exchange(t.tail_pending, nullptr), fp);
}

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
std::optional<Trap> callHostAt(ModuleInst* caller, FuncInst* f, uint64_t* fp);
std::optional<Trap> callHostFrom(ModuleInst* caller, FuncInst* f, std::span<const Value> args,
                                 std::span<Value> results);

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

// Exceptions (the design: runtime/exceptions.cc), out of line: they are
// rare.
// They set the loop's `inner` themselves, so that the loop holds no Trap
// code of its own (the loop's registers stay as they were).
[[gnu::noinline]] void throwOp(ModuleInst* inst, uint32_t tag, const uint64_t* slots, std::optional<Trap>& out) {
  if constexpr (!kBuildExceptions) return;  // never reached (base/build.h)
  TagInst* t = inst->tags_[tag];
  std::vector<Value> values(t->type_.params.size());
  fromSlots(t->type_.params, slots, values.data());
  out = Trap::raise(t, std::move(values));
}
[[gnu::noinline]] void rethrowOp(ThreadCtx& t, const uint64_t* exn_slot, std::optional<Trap>& out) {
  if constexpr (!kBuildExceptions) return;  // never reached (base/build.h)
  for (auto it = t.caught.rbegin(); it != t.caught.rend(); ++it)
    if (it->first == exn_slot) {
      out = exceptionTrap(it->second);
      return;
    }
  out = Trap::host("internal error: rethrow without a caught exception");
}
[[gnu::noinline]] void throwRefOp(ModuleInst* inst, uint64_t ref, std::optional<Trap>& out) {
  out = inst->store_->throwRef(ref);
}

// A catch clause whose slot is at exn_slot takes exn: it is kept for
// rethrow (those kept at or above the slot, whose frames and clauses have
// ended, are dropped), and a catch by tag gets its values in the slots after.
void holdCaught(ThreadCtx& t, uint64_t* exn_slot, std::shared_ptr<const WasmException> exn, bool values) {
  std::erase_if(t.caught, [&](const auto& e) { return e.first >= exn_slot; });
  if (values) toSlots(exn->values, exn_slot + 1);
  t.caught.emplace_back(exn_slot, std::move(exn));
}

// The catch clause of `code` that takes an exception of `tag` raised at
// word `at` (Code::handlers says how), and its handler in *h; or null.
const Code::Handler::Catch* findCatch(const Code& code, uint32_t at, const ModuleInst* inst, const Tag* tag,
                                      const Code::Handler** h) {
  const std::vector<Code::Handler>& hs = code.handlers;
  for (int32_t i = int32_t(hs.size()) - 1; i >= 0;) {
    const Code::Handler& x = hs[size_t(i)];
    if (at < x.begin || at >= x.end) {
      --i;
      continue;
    }
    if (x.delegate == Code::Handler::kToCaller) return nullptr;
    if (x.delegate >= 0) {  // the target's body holds this try, so it holds `at` too
      i = x.delegate;
      continue;
    }
    for (const Code::Handler::Catch& c : x.catches)
      if (c.tag == Code::Handler::kCatchAll || inst->tags_[c.tag] == tag) {
        *h = &x;
        return &c;
      }
    --i;
  }
  return nullptr;
}

// Where a trap unwound the frames of one run() (ThreadCtx::trap_at, the
// frame that raised it with its pc in ret_pc, then its callers down to
// base_frames), an exception stops at the innermost handler that catches
// it: the frames above it are dropped, the caught values written to the
// clause's slots, and ThreadCtx::resume_* say where run() goes on. False if
// none catches it (or the trap is no exception).
[[gnu::noinline]] bool catchException(ThreadCtx& t, ModuleInst* inst, uint32_t base_frames, const Trap& trap) {
  if constexpr (!kBuildExceptions) return false;  // no handlers (base/build.h)
  if (!trap.wasm_exception || !catchable(*trap.wasm_exception)) return false;
  const std::shared_ptr<const WasmException>& exn = trap.wasm_exception;
  const TagInst* tag = tagInst(exn->tag);
  Frame f = t.trap_at;
  uint32_t level = t.trap_level;
  for (;;) {
    const Code::Handler* h = nullptr;
    const Code::Handler::Catch* c = nullptr;
    if (!f.code->handlers.empty()) c = findCatch(*f.code, uint32_t(f.ret_pc - f.code->words.data()), inst, tag, &h);
    if (c) {
      t.nframes = level;
      if (!h->table) holdCaught(t, f.fp + h->exn_slot, exn, false);  // kept for rethrow
      uint64_t* slot = f.fp + c->slot;
      if (c->tag != Code::Handler::kCatchAll) {
        toSlots(exn->values, slot);
        slot += slotsOf(tag->type_.params);
      }
      if (c->ref) *slot = inst->store_->exnRef(exn);
      t.resume_pc = f.code->words.data() + c->pc;
      t.resume_fp = f.fp;
      t.resume_func = f.func;
      return true;
    }
    if (level == base_frames) return false;
    const Frame& caller = t.frames[--level];
    f = Frame{caller.ret_pc - 1, caller.fp, caller.code, caller.func};
  }
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
    std::optional<Trap> tr = callHostFrom(caller, f, args, results);
    if (tr) return std::move(*tr);
    return results;
  }

  uint64_t* fp = t.top;
  size_t need = std::max(slotsOf(ft.params), slotsOf(ft.results));
  if (fp + need > t.stack_end) return Trap::make(TrapKind::CallStackExhausted);
  toSlots(args, fp);
  std::optional<Trap> tr = runAt(t, caller, f, fp);
  if (tr) return std::move(*tr);
  std::vector<Value> results(ft.results.size());
  fromSlots(ft.results, fp, results.data());
  return results;
}

// Runs function f (called from `caller`) with its arguments at fp (results
// replace them), then each tail call that its entry frame left pending
// (ThreadCtx::tail_pending: from run(), or from JIT code through jitCallOut)
// at the same fp. A loop of tail calls across tiers, instances and the host
// thus runs here, in constant stack.
std::optional<Trap> runAt(ThreadCtx& t, ModuleInst* caller, FuncInst* f, uint64_t* fp) {
  for (;;) {
    if (f->host_) return callHostAt(caller, f, fp);
    ModuleInst* inst = f->instance_;
    const ModuleData& md = inst->module_->data();
    // A Lazy function is compiled first, whether called or tail-called.
    FuncTier tier = compileLazily(md, f->index_ - md.num_imported_funcs);
    const FuncBody& body = md.bodies[f->index_ - md.num_imported_funcs];
    std::optional<Trap> tr;
    if (kBuildJit && tier == FuncTier::Jit) {
      tr = enterJit(t, inst, f->index_, fp);
    } else {
      const Code* code = body.code.get();
      if (!code) return Trap::host("function " + f->name() + " cannot run: " + body.unsupported);
      if (fp + code->frame_slots > t.stack_end) return Trap::make(TrapKind::CallStackExhausted);
      std::memset(fp + code->num_params, 0, slotBytes(code->num_locals - code->num_params));
      const uint32_t base_frames = t.nframes;
      tr = run(&t, inst, f->index_, fp, nullptr, nullptr, base_frames);
      while (tr && catchException(t, inst, base_frames, *tr))
        tr = run(&t, inst, t.resume_func, t.resume_fp, nullptr, t.resume_pc, base_frames);
    }
    if (tr || !t.tail_pending) return tr;
    f = std::exchange(t.tail_pending, nullptr);
    caller = inst;
  }
}

// Host function f called from `caller` (null: from the embedder): the
// results (zero unless it sets them), or a trap naming f.
std::optional<Trap> callHostFrom(ModuleInst* caller, FuncInst* f, std::span<const Value> args,
                                 std::span<Value> results) {
  const FuncType& ft = f->type();
  for (size_t i = 0; i < results.size(); ++i) results[i] = Value::zero(ft.results[i]);
  CallerInst c;
  c.instance_ = caller;
  c.store_ = caller ? caller->store_ : f->store_;
  std::optional<Trap> tr = callHost(f, c, args, results);
  if (tr && tr->kind != TrapKind::Exit) {
    tr->backtrace.push_back(f->name());
    TrapFrame hf;
    hf.name = f->name();
    tr->frames.push_back(std::move(hf));
  }
  return tr;
}

// A host function called in tail position, with its arguments at fp: its
// results replace them.
std::optional<Trap> callHostAt(ModuleInst* caller, FuncInst* f, uint64_t* fp) {
  const FuncType& ft = f->type();
  std::vector<Value> args(ft.params.size()), results(ft.results.size());
  fromSlots(ft.params, fp, args.data());
  std::optional<Trap> tr = callHostFrom(caller, f, args, results);
  if (!tr) toSlots(results, fp);
  return tr;
}

uint64_t g_zero_size = 0;

// Enters JIT code for function `func` of `inst` with its frame at fp. A tail
// call its entry frame makes to a function without JIT code returns here
// pending (t.tail_pending); runJit and runAt make it.
std::optional<Trap> enterJit(ThreadCtx& t, ModuleInst* inst, uint32_t func, uint64_t* fp) {
  if constexpr (!kBuildJit) return Trap::host("internal error: no JIT in this build");  // base/build.h
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
  c.memories = inst->memories_.data();
  c.num_memories = uint32_t(inst->memories_.size());
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
