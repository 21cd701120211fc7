// The JIT's neutral runtime: executable memory (written, then made
// read+execute: never both), the shared stubs and their entry points, the
// layout of a module's code (bodies, then call-out stubs, then patched
// direct calls), the fault handler that turns a guard-page hit in JIT code
// into a trap, and the walk over the JIT frames a trap unwinds. The memory
// and the handler's installation come from the platform layer
// (platform/platform.h); the stubs, call patching and frame shape from the
// architecture backend (jit/backend.h), the interrupted thread's registers
// too (jit/fault_context.h).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <mutex>
#include <string>

#include "jit/backend.h"
#include "jit/fault_context.h"
#include "jit/jit.h"
#include "platform/platform.h"

namespace tern::jit {

namespace {

// ---- executable memory ----
// Written while read+write, then made read+execute (never both at once).
// `reserve_bytes` beyond the code's pages stay reserved, with no access,
// for ModuleBuilder::place; 0 reserves just the code. *size_out: what was
// reserved.
// The two halves: writable pages for `bytes` bytes (written in place by the
// caller, with no copy in between), then made executable (released on
// failure).
uint8_t* mapWritable(size_t bytes, size_t reserve_bytes, size_t* size_out) {
  size_t page = platform::pageSize();
  size_t size = (bytes + page - 1) / page * page;
  void* p = nullptr;
  if (reserve_bytes > size) {
    p = platform::reserve(reserve_bytes);
    if (p && !platform::commit(p, size)) {
      platform::release(p, reserve_bytes);
      return nullptr;
    }
  } else {
    reserve_bytes = size;
    p = platform::reserveCommitted(size);
  }
  if (!p) return nullptr;
  // The caller writes every page at once: one call backs them all, where
  // hundreds of page faults would (a tenth of a big module's compile).
  platform::prefault(p, size);
  *size_out = reserve_bytes;
  return static_cast<uint8_t*>(p);
}
bool makeExecutable(uint8_t* p, size_t bytes, size_t reserved) {
  size_t page = platform::pageSize();
  platform::flushInstructionCache(p, bytes);
  if (!platform::protect(p, (bytes + page - 1) / page * page, platform::Access::ReadExecute)) {
    platform::release(p, reserved);
    return false;
  }
  return true;
}
uint8_t* allocExec(std::span<const uint8_t> bytes, size_t reserve_bytes, size_t* size_out) {
  uint8_t* p = mapWritable(bytes.size(), reserve_bytes, size_out);
  if (!p) return nullptr;
  std::memcpy(p, bytes.data(), bytes.size());
  return makeExecutable(p, bytes.size(), *size_out) ? p : nullptr;
}

// ---- code ranges the fault handler accepts ----
constexpr size_t kMaxRanges = 4096;
std::atomic<uintptr_t> g_range_start[kMaxRanges];
std::atomic<uintptr_t> g_range_end[kMaxRanges];
std::atomic<size_t> g_ranges_used{0};  // no range at or past this index

// Modules are laid out and freed on any thread at once: a slot is claimed
// by its start (compare-exchange), and only then given its end, so that two
// claims cannot mix their ends; until then the slot covers nothing.
void registerRange(uintptr_t start, uintptr_t end) {
  for (size_t i = 0; i < kMaxRanges; ++i) {
    uintptr_t expected = 0;
    if (g_range_end[i].load() == 0 && g_range_start[i].compare_exchange_strong(expected, start)) {
      g_range_end[i].store(end);
      size_t used = g_ranges_used.load();
      while (used < i + 1 && !g_ranges_used.compare_exchange_weak(used, i + 1)) {
      }
      return;
    }
  }
}
// The end goes first: a slot is free again only once its start is 0.
void unregisterRange(uintptr_t start) {
  for (size_t i = 0; i < kMaxRanges; ++i) {
    if (g_range_start[i].load() == start) {
      g_range_end[i].store(0);
      g_range_start[i].store(0);
      return;
    }
  }
}
bool inJitCode(uintptr_t pc) {
  size_t used = g_ranges_used.load(std::memory_order_acquire);
  for (size_t i = 0; i < used; ++i) {
    uintptr_t s = g_range_start[i].load(std::memory_order_relaxed);
    if (s && pc >= s && pc < g_range_end[i].load(std::memory_order_relaxed)) return true;
  }
  return false;
}

// ---- trampoline and stubs, generated once ----
struct Stubs {
  int (*enter)(uint64_t* fp, Ctx* ctx, void* entry) = nullptr;
  void* unwind = nullptr;
  void* call_out = nullptr;
  void* ret = nullptr;
  uint8_t* mem = nullptr;
  size_t size = 0;
};

Stubs buildStubs() {
  Stubs st;
  std::vector<uint8_t> bytes;
  backend::StubOffsets at;
  if (!backend::emitSharedStubs(bytes, at)) return st;
  st.mem = allocExec(bytes, 0, &st.size);
  if (!st.mem) return st;
  registerRange(uintptr_t(st.mem), uintptr_t(st.mem) + st.size);
  st.enter = reinterpret_cast<int (*)(uint64_t*, Ctx*, void*)>(st.mem + at.enter);
  st.unwind = st.mem + at.unwind;
  st.call_out = st.mem + at.call_out;
  st.ret = st.mem + at.ret;
  return st;
}

const Stubs& stubs() {
  static const Stubs s = buildStubs();
  return s;
}

// ---- fault handler ----
// Called by the platform layer inside the signal (async-signal-safe).
bool onFault(const platform::Fault& fault) {
  FaultRegisters regs = readFaultRegisters(fault.context);
  uintptr_t addr = fault.address, mem = regs.memory_base;
  // A Wasm trap only if the pc is JIT code and the address lies in the
  // 8 GiB window a 32-bit address plus a 32-bit offset can reach from the
  // memory base that JIT code keeps in its memory-base register, or from
  // the base of another memory of the instance (multi-memory: JIT code
  // loads it from Ctx::memories; every 32-bit memory has the same
  // reservation and guard region).
  if (!inJitCode(regs.pc)) return false;
  auto inWindow = [addr](uintptr_t base) { return base && addr >= base && addr - base < (uintptr_t(8) << 30); };
  auto* ctx = reinterpret_cast<Ctx*>(regs.ctx);
  bool hit = inWindow(mem);
  for (uint32_t i = 1; !hit && ctx && ctx->memories && i < ctx->num_memories; ++i)
    hit = inWindow(uintptr_t(ctx->memories[i]->base_));
  if (!hit) return false;
  ctx->trap_kind = trapCode(TrapKind::MemoryOutOfBounds);
  ctx->trap_func = UINT32_MAX;  // found from fault_pc by the caller
  ctx->fault_pc = regs.pc;
  ctx->trap_sp = regs.sp;
  setFaultPc(fault.context, uintptr_t(ctx->unwind));
  return true;
}

}  // namespace

// Walks the JIT frames between the trap and the entry by the backend's frame
// shape (jit/backend.h), innermost first, until visit returns true. A return
// address that is not JIT code means the stack does not have the shape the
// backend describes: the walk stops there rather than read on.
void walkFrames(Ctx* ctx, uintptr_t sp, bool (*visit)(void*, const FrameRef&), void* arg) {
  if (!sp) return;
  const backend::FrameShape& shape = backend::frameShape();
  auto word = [](uintptr_t at) { return *reinterpret_cast<const uintptr_t*>(at); };
  // The innermost function's body sp; after a guard-page fault its pc is
  // ctx->fault_pc, otherwise the call that left it is on the stack.
  FrameRef f{0, sp, ctx->trap_fp};
  if (!ctx->fault_pc) {
    f.ret = word(sp + shape.call_return_offset);
    bool jit = inJitCode(f.ret);
    assert(jit && "trap: the return address at the trap sp is not JIT code");
    if (!jit) return;
    f.body_sp = sp + shape.call_size;
    if (visit(arg, f)) return;
  }
  // Each frame's return address into its caller, up to the outermost
  // frame, whose caller is the trampoline.
  while (f.body_sp + shape.frame_size < ctx->entry_sp) {
    uintptr_t ret = word(f.body_sp + shape.return_offset);
    bool jit = inJitCode(ret);
    assert(jit && "trap: a JIT frame's return address is not JIT code");
    if (!jit) return;
    f = FrameRef{ret, f.body_sp + shape.frame_size, reinterpret_cast<uint64_t*>(word(f.body_sp + shape.fp_offset))};
    if (visit(arg, f)) return;
  }
  assert(f.body_sp + shape.frame_size == ctx->entry_sp && "trap: the frame walk missed the entry frame");
}

// The unwind stub calls this on the thread's stack after the fault handler
// has returned (never inside it), so it may allocate; nothing may throw
// through JIT frames.
void jitCaptureFrames(Ctx* ctx, uintptr_t sp) noexcept {
  ctx->frames.clear();
  try {
    walkFrames(ctx, sp, [&](const FrameRef& f) {
      ctx->frames.push_back(f.ret);
      return false;
    });
  } catch (...) {
    // Out of memory: the backtrace keeps what was found.
  }
}

// ---- public pieces ----
bool available() {
#if defined(__x86_64__) || defined(__aarch64__)
  return stubs().enter != nullptr;
#else
  return false;
#endif
}

int enter(Ctx& ctx, void* entry, uint64_t* fp) {
  ctx.unwind = stubs().unwind;
  ctx.call_out = stubs().call_out;
  return stubs().enter(fp, &ctx, entry);
}

void* unwindStub() { return stubs().unwind; }
void* callOutStub() { return stubs().call_out; }
void* retStub() { return stubs().ret; }

void installTrapHandler() {
  platform::installFaultHandler(onFault);
  ensureAltStack();
}

void ensureAltStack() { platform::ensureFaultStack(); }

// ---- modules ----
JitModule::~JitModule() {
  if (code) unregisterRange(uintptr_t(code));
  platform::unmapCodeAlias(arena_alias);
  if (file_mapping) platform::release(file_mapping, file_mapping_size);
  else if (code) platform::release(code, size);
}

namespace {

// Functions start kCodeAlign-aligned in a module's code (as
// backend::alignCode would start them); the gaps get the backend's padding,
// one word of it repeated (every gap starts and ends on a whole
// instruction): byte i of the code, if padding, is padWord()[i % 4].
constexpr size_t kCodeAlign = 16;
size_t alignCodeUp(size_t n) { return (n + kCodeAlign - 1) / kCodeAlign * kCodeAlign; }
const std::array<uint8_t, 4>& padWord() {
  static const std::array<uint8_t, 4> pad = [] {
    std::vector<uint8_t> v(kCodeAlign - 4);
    backend::alignCode(v);
    return std::array<uint8_t, 4>{v[kCodeAlign - 4], v[kCodeAlign - 3], v[kCodeAlign - 2], v[kCodeAlign - 1]};
  }();
  return pad;
}
void padGap(uint8_t* code, size_t from, size_t to) {
  const std::array<uint8_t, 4>& pad = padWord();
  for (size_t i = from; i < to; ++i) code[i] = pad[i % 4];
}

// ModuleBuilder::stageCode's reservation: room for the code and the arena
// (arenaBytes keeps both within 120 MiB), and what is made writable at a
// time (then prefaulted, as mapWritable does).
constexpr size_t kStageReserve = size_t(128) << 20;
constexpr size_t kStageStep = size_t(1) << 20;

}  // namespace

ModuleBuilder::ModuleBuilder(const Options& opts) : opts_(opts) {}
ModuleBuilder::~ModuleBuilder() { releaseStage(); }

void ModuleBuilder::releaseStage() {
  if (stage_) platform::release(stage_, stage_reserved_);
  stage_ = nullptr;
  stage_reserved_ = stage_committed_ = stage_end_ = 0;
}

bool ModuleBuilder::stage(Fn& f, std::span<const uint8_t> code) {
  // In index order, each after the last staged one: as finish() lays out
  // (f is fns_.back()).
  if (fns_.size() > 1) {
    const Fn& last = fns_[fns_.size() - 2];
    if (last.at == kNotStaged || last.index >= f.index) return false;
  }
  if (!stage_) {
    stage_ = static_cast<uint8_t*>(platform::reserve(kStageReserve));
    if (!stage_) {
      stage_wanted_ = false;
      return false;
    }
    stage_reserved_ = kStageReserve;
  }
  size_t at = alignCodeUp(stage_end_), end = at + code.size();
  // Room left for the call-out stubs: else finish() copies.
  if (end > stage_reserved_ - kStageStep) return false;
  if (end > stage_committed_) {
    size_t page = platform::pageSize();
    size_t want = std::max(end, stage_committed_ + std::max(kStageStep, stage_committed_));
    want = std::min((want + page - 1) / page * page, stage_reserved_);
    if (!platform::commit(stage_ + stage_committed_, want - stage_committed_)) return false;
    platform::prefault(stage_ + stage_committed_, want - stage_committed_);
    stage_committed_ = want;
  }
  padGap(stage_, stage_end_, at);
  if (!code.empty()) std::memcpy(stage_ + at, code.data(), code.size());
  f.at = at;
  stage_end_ = end;
  return true;
}

void ModuleBuilder::addFunction(uint32_t func_index, std::span<const uint8_t> code, size_t entry,
                                std::span<const std::pair<uint32_t, uint32_t>> calls, PosTable positions,
                                CatchTable catches) {
  positions.shrink();
  size_t first_call = calls_.size();
  for (auto [offset, callee] : calls) calls_.push_back(CallSite{offset, callee});
  // (Braces: clang before 16 has no parenthesized aggregate init in emplace_back.)
  Fn& f = fns_.emplace_back(Fn{func_index, std::vector<uint8_t>{}, kNotStaged, code.size(), entry, first_call,
                               calls.size(), std::move(positions), std::move(catches)});
  if (!stage_wanted_ || !stage(f, code)) f.code.assign(code.begin(), code.end());
}

void ModuleBuilder::append(ModuleBuilder&& other) {
  for (Fn& f : other.fns_) {
    if (f.at != kNotStaged) {
      const uint8_t* p = other.bytesOf(f);
      f.code.assign(p, p + f.size);
      f.at = kNotStaged;
    }
    f.first_call += calls_.size();
    fns_.push_back(std::move(f));
  }
  calls_.insert(calls_.end(), other.calls_.begin(), other.calls_.end());
  other.fns_.clear();
  other.calls_.clear();
  other.releaseStage();
}

namespace {

// Appends perf's JIT symbol lines ("START SIZE NAME", hex) for functions
// `fns` placed so that function index i's code starts at start(i).
template <class Fns, class Start>
void writePerfMap(const ModuleData& m, const Fns& fns, Start start) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  if (FILE* out = std::fopen(path.c_str(), "a")) {
    for (const auto& f : fns)
      std::fprintf(out, "%lx %zx wasm:%s\n", static_cast<unsigned long>(start(f)), f.size, m.funcName(f.index).c_str());
    std::fclose(out);
  }
}

// The arena's size for a module whose Lazy bodies have `lazy_bytes` bytes of
// Wasm in all: room for machine code several times their size, plus a page
// lost to rounding per function, within a direct call's reach (+-128 MiB on
// AArch64) of the module's code. It is address space only until used.
size_t arenaBytes(size_t code_bytes, size_t lazy_bytes, size_t lazy_funcs, size_t page) {
  constexpr size_t kReach = size_t(120) << 20;
  size_t want = 16 * lazy_bytes + 2 * lazy_funcs * page + (size_t(1) << 20);
  size_t room = code_bytes < kReach ? kReach - code_bytes : 0;
  return std::min(want, room) / page * page;
}

}  // namespace

std::shared_ptr<JitModule> ModuleBuilder::finish(const ModuleData& m) {
  if (!available()) return nullptr;
  size_t nfuncs = m.func_types.size();
  // In index order, so that the code does not depend on which thread
  // finished first.
  auto byIndex = [](const Fn& a, const Fn& b) { return a.index < b.index; };
  if (!std::is_sorted(fns_.begin(), fns_.end(), byIndex)) std::sort(fns_.begin(), fns_.end(), byIndex);
  auto isLazy = [&](size_t i) {
    return i >= m.num_imported_funcs && m.bodies[i - m.num_imported_funcs].tier == FuncTier::Lazy;
  };
  std::vector<int64_t> offset(nfuncs, -1);
  // The functions' code is laid out first and written straight into the
  // executable mapping below (megabytes for a big module: no buffer in
  // between), or is there already (stageCode: staged where it is laid out
  // here); each starts where backend::alignCode would start it.
  auto alignUp = alignCodeUp;
  std::vector<size_t> start(fns_.size());
  size_t pos = 0;
  bool in_place = stage_ != nullptr;
  for (size_t k = 0; k < fns_.size(); ++k) {
    const Fn& f = fns_[k];
    start[k] = pos = alignUp(pos);
    offset[f.index] = int64_t(pos + f.entry);
    pos += f.size;
    in_place = in_place && f.at == start[k];
  }
  // A call-out stub for every function without JIT code, after all the
  // code (JitModule::compiled tells them apart by that); a Lazy one's
  // direct calls go through its table entry, which starts at that stub.
  // They are made in a buffer of their own that starts aligned, as they
  // will be placed.
  size_t stubs_start = alignUp(pos);
  std::vector<uint8_t> bytes;
  std::vector<int64_t> stub(nfuncs, -1), direct(offset);
  size_t lazy_funcs = 0, lazy_bytes = 0;
  for (size_t i = 0; i < nfuncs; ++i) {
    if (offset[i] >= 0) continue;
    backend::alignCode(bytes);
    stub[i] = direct[i] = int64_t(stubs_start + bytes.size());
    backend::emitCallOutStub(bytes, uint32_t(i));
    if (!isLazy(i)) continue;
    backend::alignCode(bytes);
    direct[i] = int64_t(stubs_start + bytes.size());
    backend::emitTableJumpStub(bytes, uint32_t(i));
    ++lazy_funcs;
    lazy_bytes += m.bodies[i - m.num_imported_funcs].size;
  }
  // Executable memory is never empty (nothing runs in a lone byte).
  size_t used = std::max<size_t>(stubs_start + bytes.size(), 1);
  auto jm = std::make_shared<JitModule>();
  size_t page = platform::pageSize();
  size_t code_size = (used + page - 1) / page * page;
  size_t arena_size = lazy_funcs ? arenaBytes(code_size, lazy_bytes, lazy_funcs, page) : 0;
  uint8_t* code = nullptr;
  in_place = in_place && code_size + arena_size <= stage_reserved_;
  if (in_place && code_size > stage_committed_) {  // the stubs need more
    uint8_t* more = stage_ + stage_committed_;
    in_place = platform::commit(more, code_size - stage_committed_);
    if (in_place) platform::prefault(more, code_size - stage_committed_);
  }
  if (in_place) {
    // The staged code is the module's: the reservation past its code and
    // arena goes back (pages written but not kept go with it).
    code = stage_;
    jm->size = code_size + arena_size;
    if (stage_reserved_ > jm->size) platform::release(stage_ + jm->size, stage_reserved_ - jm->size);
    stage_ = nullptr;
    releaseStage();
    padGap(code, pos, stubs_start);
  } else {
    code = mapWritable(used, code_size + arena_size, &jm->size);
    if (!code) return nullptr;
    // The gaps between functions get the backend's padding.
    for (size_t k = 0; k < fns_.size(); ++k) {
      const Fn& f = fns_[k];
      std::memcpy(code + start[k], bytesOf(f), f.size);
      size_t end = start[k] + f.size, next = k + 1 < fns_.size() ? start[k + 1] : stubs_start;
      padGap(code, end, next);
    }
    releaseStage();
  }
  for (size_t k = 0; k < fns_.size(); ++k)
    for (const CallSite& c : callsOf(fns_[k])) backend::patchCall(code, start[k] + c.offset, size_t(direct[c.callee]));
  if (!bytes.empty()) std::memcpy(code + stubs_start, bytes.data(), bytes.size());
  if (!makeExecutable(code, used, jm->size)) return nullptr;
  jm->code = code;
  jm->used = used;
  registerRange(uintptr_t(jm->code), uintptr_t(jm->code) + jm->size);
  // The arena is made writable whole, at once: place() then makes each
  // function's pages executable with one call (they cost nothing until
  // written, and are never writable and executable at once), until it
  // gives the rest of the arena a write view. Without that, no function is
  // placed there.
  if (arena_size && platform::commit(jm->code + code_size, arena_size)) {
    jm->arena = jm->code + code_size;
    jm->arena_cap = lazy_funcs;
    jm->arena_starts = std::make_unique<JitModule::ArenaStart[]>(lazy_funcs);
  }
  jm->table.resize(nfuncs);
  jm->direct.resize(nfuncs);
  for (size_t i = 0; i < nfuncs; ++i) {
    jm->table[i] = jm->code + (offset[i] >= 0 ? offset[i] : stub[i]);
    jm->direct[i] = uint32_t(direct[i]);
  }
  jm->stubs = jm->code + stubs_start;
  // (In order already: the functions are laid out in index order.)
  jm->starts.reserve(fns_.size());
  for (const Fn& f : fns_)
    jm->starts.emplace_back(uintptr_t(jm->code) + size_t(offset[f.index] - int64_t(f.entry)), f.index);
  if (!std::is_sorted(jm->starts.begin(), jm->starts.end())) std::sort(jm->starts.begin(), jm->starts.end());
  jm->positions.resize(nfuncs);
  jm->catches.resize(nfuncs);
  for (Fn& f : fns_) {
    jm->positions[f.index] = std::move(f.positions);
    jm->catches[f.index] = std::move(f.catches);
  }
  if (opts_.perf_map) {
    writePerfMap(m, fns_,
                 [&](const Fn& f) { return uintptr_t(jm->code) + size_t(offset[f.index] - int64_t(f.entry)); });
  }
  fns_.clear();
  calls_.clear();
  return jm;
}

bool ModuleBuilder::place(JitModule& jm, const ModuleData& m) {
  if (!jm.arena) return false;
  size_t page = platform::pageSize(), arena_size = jm.size - size_t(jm.arena - jm.code);
  size_t count = jm.arena_count.load(std::memory_order_relaxed);
  // The first functions take pages of their own, made executable one by
  // one: a program that compiles little pays an mprotect for each. From
  // the kAliasAfter'th on, the rest of the arena (from a page boundary: the
  // pages so far are whole) gets a write view where the platform can give
  // it one, and functions are packed there (JitModule::arena_alias).
  constexpr size_t kAliasAfter = 8;
  if (!jm.alias_tried && count >= kAliasAfter && jm.arena_used < arena_size) {
    jm.alias_tried = true;
    jm.arena_alias = platform::mapCodeAlias(jm.arena + jm.arena_used, arena_size - jm.arena_used);
    if (jm.arena_alias) jm.alias_base = jm.arena_used;
    else if (!platform::commit(jm.arena + jm.arena_used, arena_size - jm.arena_used)) return false;
  }
  platform::CodeAlias* alias = jm.arena_alias;
  if (alias && alias->lost.load(std::memory_order_relaxed)) return false;
  size_t align = alias ? 16 : page;
  auto alignUp = [&](size_t n) { return (n + align - 1) / align * align; };
  size_t end = jm.arena_used;
  for (const Fn& f : fns_) end = alignUp(alignUp(end) + f.size);
  if (end > arena_size || fns_.size() > jm.arena_cap - count) return false;
  if (alias) platform::growCodeAlias(alias, end - jm.alias_base);
  const std::array<uint8_t, 4>& pad = padWord();
  std::vector<uintptr_t> starts;  // for the perf map only
  for (Fn& f : fns_) {
    size_t at = alignUp(jm.arena_used);
    uint8_t* p = jm.arena + at;                                    // where it runs
    uint8_t* w = alias ? alias->write + (at - jm.alias_base) : p;  // where it is written (writable: finish)
    size_t base = size_t(p - jm.code);                             // offsets count from jm.code
    for (size_t i = jm.arena_used; i < at; ++i) *(w - (at - i)) = pad[i % 4];
    std::memcpy(w, bytesOf(f), f.size);
    for (const CallSite& c : callsOf(f)) {
      // A callee placed already (or this function itself) is called
      // directly, not through its table.
      void* entry = jm.table[c.callee];
      size_t target = c.callee == f.index     ? base + f.entry
                      : jm.compiled(c.callee) ? size_t(static_cast<uint8_t*>(entry) - jm.code)
                                              : jm.direct[c.callee];
      // patchCall writes at w + c.offset a displacement to target, both
      // counted from the function's start.
      backend::patchCall(w, c.offset, target - base);
    }
    platform::flushInstructionCache(p, f.size);
    if (!alias && !platform::protect(p, alignUp(f.size), platform::Access::ReadExecute)) return false;
    jm.positions[f.index] = std::move(f.positions);
    jm.catches[f.index] = std::move(f.catches);
    jm.arena_starts[count] = {uintptr_t(p), f.index};
    jm.arena_count.store(++count, std::memory_order_release);
    jm.arena_used = alias ? at + f.size : alignUp(at + f.size);
    if (alias) alias->written.store(jm.arena_used - jm.alias_base, std::memory_order_release);
    if (opts_.perf_map) starts.push_back(uintptr_t(p));
    std::atomic_ref<void*>(jm.table[f.index]).store(p + f.entry, std::memory_order_release);
  }
  if (opts_.perf_map) {
    size_t k = 0;
    writePerfMap(m, fns_, [&](const Fn&) { return starts[k++]; });
  }
  fns_.clear();
  calls_.clear();
  return true;
}

JitImage JitModule::image() const {
  JitImage im;
  im.code.assign(code, code + used);
  im.stubs = uint32_t(stubs - code);
  for (void* entry : table) im.table.push_back(uint32_t(static_cast<uint8_t*>(entry) - code));
  for (auto [start, index] : starts) im.starts.emplace_back(uint32_t(start - uintptr_t(code)), index);
  im.positions = positions;
  im.catches = catches;
  return im;
}

namespace {

// The image's offsets, checked against its code's size.
bool imageFits(std::span<const uint8_t> code, const JitImage& im) {
  if (code.empty() || im.stubs > code.size()) return false;
  for (uint32_t at : im.table)
    if (at >= code.size()) return false;
  if (im.catches.size() > im.table.size()) return false;
  for (auto [at, index] : im.starts) {
    if (at >= code.size() || index >= im.table.size()) return false;
    // A landing pad lies in the function's code (jitCatch checks a
    // clause's tag index against the instance's tags).
    if (index < im.catches.size())
      for (const CatchTable::Clause& c : im.catches[index].clauses)
        if (c.pad >= code.size() - at) return false;
  }
  return true;
}

// The tables of `im`, for code placed at jm.code.
void takeTables(JitModule& jm, JitImage& im) {
  registerRange(uintptr_t(jm.code), uintptr_t(jm.code) + jm.size);
  jm.stubs = jm.code + im.stubs;
  for (uint32_t at : im.table) jm.table.push_back(jm.code + at);
  for (auto [at, index] : im.starts) jm.starts.emplace_back(uintptr_t(jm.code) + at, index);
  std::sort(jm.starts.begin(), jm.starts.end());
  jm.positions = std::move(im.positions);
  jm.positions.resize(jm.table.size());
  jm.catches = std::move(im.catches);
  jm.catches.resize(jm.table.size());
}

}  // namespace

std::shared_ptr<JitModule> JitModule::load(std::span<const uint8_t> code, JitImage im) {
  if (!available() || !imageFits(code, im)) return nullptr;
  auto jm = std::make_shared<JitModule>();
  jm->code = allocExec(code, 0, &jm->size);
  if (!jm->code) return nullptr;
  jm->used = code.size();
  takeTables(*jm, im);
  return jm;
}

std::shared_ptr<JitModule> JitModule::adopt(void* mapping, size_t mapping_size, std::span<const uint8_t> code,
                                            JitImage im) {
  size_t page = platform::pageSize();
  auto* start = const_cast<uint8_t*>(code.data());
  if (!available() || !imageFits(code, im) || uintptr_t(start) % page) return nullptr;
  size_t size = (code.size() + page - 1) / page * page;
  // The file's pages, never written here: only the instruction cache of a
  // host that needs it is made to see them.
  platform::flushInstructionCache(start, code.size());
  if (!platform::protect(start, size, platform::Access::ReadExecute)) return nullptr;
  auto jm = std::make_shared<JitModule>();
  jm->code = start;
  jm->size = size;
  jm->used = code.size();
  jm->file_mapping = mapping;
  jm->file_mapping_size = mapping_size;
  takeTables(*jm, im);
  return jm;
}

namespace {

// The function whose code contains pc, and where that code starts:
// (UINT32_MAX, 0) if none.
std::pair<uint32_t, uintptr_t> findFunction(const JitModule& jm, uintptr_t pc) {
  if (!jm.contains(pc)) return {UINT32_MAX, 0};
  if (jm.arena && pc >= uintptr_t(jm.arena)) {
    const JitModule::ArenaStart* first = jm.arena_starts.get();
    const JitModule::ArenaStart* last = first + jm.arena_count.load(std::memory_order_acquire);
    auto it = std::upper_bound(first, last, pc,
                               [](uintptr_t a, const JitModule::ArenaStart& s) { return a < s.start; });
    if (it == first) return {UINT32_MAX, 0};
    return {std::prev(it)->index, std::prev(it)->start};
  }
  if (jm.starts.empty()) return {UINT32_MAX, 0};
  auto it = std::upper_bound(jm.starts.begin(), jm.starts.end(), std::make_pair(pc, UINT32_MAX));
  if (it == jm.starts.begin()) return {UINT32_MAX, 0};
  return {std::prev(it)->second, std::prev(it)->first};
}

}  // namespace

uint32_t JitModule::functionAt(uintptr_t pc) const { return findFunction(*this, pc).first; }

std::pair<const CatchTable*, uintptr_t> JitModule::catchesAt(uintptr_t pc) const {
  auto [index, start] = findFunction(*this, pc);
  if (index >= catches.size() || catches[index].empty()) return {nullptr, 0};
  return {&catches[index], start};
}

std::pair<uint32_t, uint32_t> JitModule::locate(uintptr_t pc) const {
  auto [index, start] = findFunction(*this, pc);
  if (index == UINT32_MAX) return {UINT32_MAX, PosTable::kNone};
  uint32_t off = index < positions.size() ? positions[index].lookup(uint32_t(pc - start)) : PosTable::kNone;
  return {index, off};
}

}  // namespace tern::jit
