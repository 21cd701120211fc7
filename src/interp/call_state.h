// The interpreter's call state and its ways in and out, for interp.cc
// alone: everything here is in an anonymous namespace, so that interp.cc's
// translation unit sees every use of the state and every callee of its
// loop (run(), which stays there), as when this was one file (see
// interp.cc's comment: external linkage cost interpreter fib about 2% more
// instructions). Included once, by interp.cc; not a header for anyone else.
//
// What is here: the per-thread context (value stack, frames, the native
// depth, a pending tail call, held exceptions), values to and from frame
// slots, calls out of the loop (callOut, the host-call boundary callHost,
// invokeFrom, runAt and its tail-call loop, enterJit into JIT code),
// backtraces (addFrame), and the exception paths (throw, rethrow, finding
// a catch clause: catchException).
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "base/build.h"
#include "interp/interp.h"
#include "interp/internal.h"
#include "interp/lower.h"
#include "interp/semantics.h"
#include "jit/entry.h"
#include "jit/jit.h"
#include "module/module.h"
#include "platform/platform.h"
#include "runtime/objects.h"
#include "runtime/tiering.h"

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

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

// The loop (interp.cc).
std::optional<Trap> run(ThreadCtx* tp, ModuleInst* inst, uint32_t func, uint64_t* fp, const int32_t** table_out,
                        const uint32_t* start_pc, uint32_t base_frames);

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

}  // namespace tern::interp
