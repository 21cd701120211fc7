// The JIT's runtime side: executable memory (written, then made
// read+execute: never both), the entry trampoline and the shared stubs, the
// generated operator helpers, and the fault handler that turns a guard-page
// hit in JIT code into a trap. The memory and the handler's installation come
// from the platform layer (platform/platform.h), the interrupted thread's
// registers from the architecture backend (jit/fault_context.h).
#include <asmjit/x86.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <cstring>
#include <mutex>

#include "interp/semantics.h"
#include "jit/fault_context.h"
#include "jit/jit.h"
#include "platform/platform.h"

namespace tern::jit {

using namespace asmjit;
using namespace asmjit::x86;

namespace {

// ---- executable memory ----
// Written while read+write, then made read+execute (never both at once).
uint8_t* allocExec(const std::vector<uint8_t>& bytes, size_t* size_out) {
  size_t page = platform::pageSize();
  size_t size = (bytes.size() + page - 1) / page * page;
  void* p = platform::reserveCommitted(size);
  if (!p) return nullptr;
  std::memcpy(p, bytes.data(), bytes.size());
  platform::flushInstructionCache(p, bytes.size());
  if (!platform::protect(p, size, platform::Access::ReadExecute)) {
    platform::release(p, size);
    return nullptr;
  }
  *size_out = size;
  return static_cast<uint8_t*>(p);
}

// ---- code ranges the fault handler accepts ----
constexpr size_t kMaxRanges = 4096;
std::atomic<uintptr_t> g_range_start[kMaxRanges];
std::atomic<uintptr_t> g_range_end[kMaxRanges];

void registerRange(uintptr_t start, uintptr_t end) {
  for (size_t i = 0; i < kMaxRanges; ++i) {
    uintptr_t expected = 0;
    if (g_range_start[i].load() == 0 && g_range_end[i].load() == 0) {
      g_range_end[i].store(end);
      if (g_range_start[i].compare_exchange_strong(expected, start)) return;
    }
  }
}
void unregisterRange(uintptr_t start) {
  for (size_t i = 0; i < kMaxRanges; ++i) {
    if (g_range_start[i].load() == start) {
      g_range_start[i].store(0);
      g_range_end[i].store(0);
      return;
    }
  }
}
bool inJitCode(uintptr_t pc) {
  for (size_t i = 0; i < kMaxRanges; ++i) {
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
  CodeHolder code;
  code.init(Environment::host());
  x86::Assembler a(&code);
  Label l_enter = a.newLabel(), l_unwind = a.newLabel(), l_out = a.newLabel(), l_ret = a.newLabel();

  // int enter(fp=rdi, ctx=rsi, entry=rdx)
  a.bind(l_enter);
  a.push(rbx);
  a.push(rbp);
  a.push(r12);
  a.push(r13);
  a.push(r14);
  a.push(r15);
  a.sub(rsp, 8);
  a.mov(r13, rsi);
  a.mov(r12, ptr(r13, kCtxMemBase));
  a.mov(r14d, dword_ptr(r13, kCtxDepthLeft));
  a.mov(ptr(r13, kCtxEntryRsp), rsp);
  a.call(rdx);
  a.xor_(eax, eax);
  Label l_leave = a.newLabel();  // enter's epilogue, shared with unwind
  a.bind(l_leave);
  a.add(rsp, 8);
  a.pop(r15);
  a.pop(r14);
  a.pop(r13);
  a.pop(r12);
  a.pop(rbp);
  a.pop(rbx);
  a.ret();

  // unwind: record the callers still on the stack, then back to enter's
  // frame, returning 1.
  a.align(AlignMode::kCode, 16);
  a.bind(l_unwind);
  a.mov(rdi, r13);
  a.mov(rsi, ptr(r13, kCtxTrapRsp));
  a.and_(rsp, -16);
  a.mov(rax, uint64_t(uintptr_t(&jitCaptureFrames)));
  a.call(rax);
  a.mov(rsp, ptr(r13, kCtxEntryRsp));
  a.mov(eax, 1);
  a.jmp(l_leave);

  // call_out: function index in esi, callee frame in rdi.
  a.align(AlignMode::kCode, 16);
  a.bind(l_out);
  a.push(rbx);
  a.mov(dword_ptr(r13, kCtxDepthLeft), r14d);
  a.mov(rdx, rdi);
  a.mov(rdi, r13);
  a.mov(rax, uint64_t(uintptr_t(&jitCallOut)));
  a.call(rax);
  a.pop(rbx);
  a.test(eax, eax);
  Label trapped = a.newLabel();
  a.jnz(trapped);
  a.ret();
  a.bind(trapped);
  a.mov(dword_ptr(r13, kCtxTrapFunc), UINT32_MAX);
  a.mov(ptr(r13, kCtxTrapRsp), rsp);
  a.jmp(ptr(r13, kCtxUnwind));

  // A function that does nothing (call_indirect to a function that the
  // helper already ran).
  a.align(AlignMode::kCode, 16);
  a.bind(l_ret);
  a.ret();

  code.flatten();
  code.resolveUnresolvedLinks();
  std::vector<uint8_t> bytes(code.codeSize());
  code.relocateToBase(0);
  code.copyFlattenedData(bytes.data(), bytes.size(), CopySectionFlags::kPadSectionBuffer);
  st.mem = allocExec(bytes, &st.size);
  if (!st.mem) return st;
  registerRange(uintptr_t(st.mem), uintptr_t(st.mem) + st.size);
  st.enter = reinterpret_cast<int (*)(uint64_t*, Ctx*, void*)>(st.mem + code.labelOffset(l_enter));
  st.unwind = st.mem + code.labelOffset(l_unwind);
  st.call_out = st.mem + code.labelOffset(l_out);
  st.ret = st.mem + code.labelOffset(l_ret);
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
  // memory base that JIT code keeps in its memory-base register.
  if (!inJitCode(regs.pc) || !mem || addr < mem || addr - mem >= (uintptr_t(8) << 30)) return false;
  auto* ctx = reinterpret_cast<Ctx*>(regs.ctx);
  ctx->trap_kind = trapCode(TrapKind::MemoryOutOfBounds);
  ctx->trap_func = UINT32_MAX;  // found from fault_pc by the caller
  ctx->fault_pc = regs.pc;
  ctx->trap_rsp = regs.sp;
  setFaultPc(fault.context, uintptr_t(ctx->unwind));
  return true;
}

}  // namespace

// JIT frames hold nothing but their saved frame pointer and the return
// address into their caller, so every word between the trap's rsp and the
// entry's that points into JIT code is a caller. The unwind stub calls this
// on the thread's stack after the fault handler has returned (never inside
// it), so it may allocate; nothing may throw through JIT frames.
void jitCaptureFrames(Ctx* ctx, uintptr_t rsp) noexcept {
  ctx->frames.clear();
  if (!rsp) return;
  try {
    for (auto* p = reinterpret_cast<const uintptr_t*>(rsp); p < reinterpret_cast<const uintptr_t*>(ctx->entry_rsp);
         ++p) {
      if (inJitCode(*p)) ctx->frames.push_back(*p);
    }
  } catch (...) {
    // Out of memory: the backtrace keeps what was found.
  }
}

// ---- generated operator helpers: the interpreter's semantics ----
namespace {
using namespace tern::sem;
template <class T>
inline T rdh(uint64_t s) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<float>(uint32_t(s));
  else if constexpr (std::is_same_v<T, double>) return std::bit_cast<double>(s);
  else return T(s);
}
template <class T>
inline uint64_t wrh(T v) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<uint32_t>(v);
  else if constexpr (std::is_same_v<T, double>) return std::bit_cast<uint64_t>(v);
  else if constexpr (sizeof(T) <= 4) return uint32_t(v);
  else return uint64_t(v);
}
using HelperFn = uint64_t (*)(uint64_t, uint64_t, Ctx*);
#define UN(Ti, To, e) \
  +[](uint64_t av, uint64_t, Ctx*) -> uint64_t { Ti a = rdh<Ti>(av); return wrh<To>(To(e)); }
#define BIN(Ti, To, e)                                  \
  +[](uint64_t av, uint64_t bv, Ctx*) -> uint64_t {     \
    Ti a = rdh<Ti>(av);                                 \
    Ti b = rdh<Ti>(bv);                                 \
    return wrh<To>(To(e));                              \
  }
#define TUN(Ti, To, fn)                                               \
  +[](uint64_t av, uint64_t, Ctx* c) -> uint64_t {                    \
    TrapCode trap = TrapCode::None;                                   \
    To r = fn(rdh<Ti>(av), trap);                                     \
    if (isTrap(trap)) c->trap_kind = trap;                            \
    return wrh<To>(r);                                                \
  }
#define TBIN(Ti, To, fn)                                              \
  +[](uint64_t av, uint64_t bv, Ctx* c) -> uint64_t {                 \
    TrapCode trap = TrapCode::None;                                   \
    To r = fn<Ti>(rdh<Ti>(av), rdh<Ti>(bv), trap);                    \
    if (isTrap(trap)) c->trap_kind = trap;                            \
    return wrh<To>(r);                                                \
  }
#define LOAD(Tm, To) HelperFn(nullptr)
#define STORE(Tv, Tm) HelperFn(nullptr)
#define SPECIAL HelperFn(nullptr)
#define SIMD HelperFn(nullptr)
const HelperFn kHelpers[] = {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) impl,
#include "module/opcodes.def"
#undef X
};
#undef UN
#undef BIN
#undef LOAD
#undef STORE
#undef SPECIAL
#undef SIMD
#define UN(Ti, To, e) false
#define BIN(Ti, To, e) false
#define LOAD(Tm, To) false
#define STORE(Tv, Tm) false
#define SPECIAL false
#define SIMD false
#undef TUN
#undef TBIN
#define TUN(Ti, To, fn) true
#define TBIN(Ti, To, fn) true
const bool kHelperTraps[] = {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) impl,
#include "module/opcodes.def"
#undef X
};
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#undef SPECIAL
#undef SIMD
}  // namespace

uint64_t (*helperFor(Opcode op))(uint64_t, uint64_t, Ctx*) { return kHelpers[unsigned(op)]; }
bool helperTraps(Opcode op) { return kHelperTraps[unsigned(op)]; }

// ---- public pieces ----
bool available() {
#if defined(__x86_64__)
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
  if (code) {
    unregisterRange(uintptr_t(code));
    platform::release(code, size);
  }
}

ModuleBuilder::ModuleBuilder(const Options& opts) : opts_(opts) {}
ModuleBuilder::~ModuleBuilder() = default;

void ModuleBuilder::addFunction(uint32_t func_index, std::vector<uint8_t> code, size_t entry,
                                std::vector<CallSite> calls, PosTable positions) {
  positions.shrink();
  fns_.push_back(Fn{func_index, std::move(code), entry, std::move(calls), std::move(positions)});
}

std::shared_ptr<JitModule> ModuleBuilder::finish(const ModuleData& m) {
  if (!available()) return nullptr;
  size_t nfuncs = m.func_types.size();
  std::vector<int64_t> offset(nfuncs, -1);
  std::vector<uint8_t> bytes;
  std::vector<size_t> start(fns_.size());
  for (size_t k = 0; k < fns_.size(); ++k) {
    const Fn& f = fns_[k];
    while (bytes.size() % 16) bytes.push_back(0xcc);
    start[k] = bytes.size();
    offset[f.index] = int64_t(bytes.size() + f.entry);
    bytes.insert(bytes.end(), f.code.begin(), f.code.end());
  }
  // A stub for every function without JIT code: mov esi, index; jmp [r13+call_out].
  std::vector<int64_t> stub(nfuncs, -1);
  for (size_t i = 0; i < nfuncs; ++i) {
    if (offset[i] >= 0) continue;
    while (bytes.size() % 16) bytes.push_back(0xcc);
    stub[i] = int64_t(bytes.size());
    uint8_t s[] = {0xbe, 0, 0, 0, 0, 0x41, 0xff, 0x65, uint8_t(kCtxCallOut)};
    uint32_t idx = uint32_t(i);
    std::memcpy(s + 1, &idx, 4);
    bytes.insert(bytes.end(), s, s + sizeof s);
  }
  // Direct calls: rel32 from the end of the call instruction.
  for (size_t k = 0; k < fns_.size(); ++k) {
    for (const CallSite& c : fns_[k].calls) {
      int64_t target = offset[c.callee] >= 0 ? offset[c.callee] : stub[c.callee];
      size_t site = start[k] + c.offset;
      int32_t rel = int32_t(target - int64_t(site + 4));
      std::memcpy(bytes.data() + site, &rel, 4);
    }
  }
  if (bytes.empty()) bytes.push_back(0xcc);
  auto jm = std::make_shared<JitModule>();
  jm->code = allocExec(bytes, &jm->size);
  if (!jm->code) return nullptr;
  registerRange(uintptr_t(jm->code), uintptr_t(jm->code) + jm->size);
  jm->table.resize(nfuncs);
  for (size_t i = 0; i < nfuncs; ++i) jm->table[i] = jm->code + (offset[i] >= 0 ? offset[i] : stub[i]);
  jm->compiled.assign(nfuncs, false);
  for (size_t i = 0; i < nfuncs; ++i) jm->compiled[i] = offset[i] >= 0;
  for (const Fn& f : fns_) jm->starts.emplace_back(uintptr_t(jm->code) + size_t(offset[f.index] - int64_t(f.entry)), f.index);
  std::sort(jm->starts.begin(), jm->starts.end());
  jm->positions.resize(nfuncs);
  for (Fn& f : fns_) jm->positions[f.index] = std::move(f.positions);
  if (opts_.perf_map) {
    // perf's JIT symbol file: "START SIZE NAME" per line, hex.
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
    if (FILE* out = std::fopen(path.c_str(), "a")) {
      for (const Fn& f : fns_) {
        uintptr_t start = uintptr_t(jm->code) + size_t(offset[f.index] - int64_t(f.entry));
        std::fprintf(out, "%lx %zx wasm:%s\n", static_cast<unsigned long>(start), f.code.size(),
                     m.funcName(f.index).c_str());
      }
      std::fclose(out);
    }
  }
  return jm;
}

uint32_t JitModule::functionAt(uintptr_t pc) const {
  if (!contains(pc) || starts.empty()) return UINT32_MAX;
  auto it = std::upper_bound(starts.begin(), starts.end(), std::make_pair(pc, UINT32_MAX));
  if (it == starts.begin()) return UINT32_MAX;
  return std::prev(it)->second;
}

std::pair<uint32_t, uint32_t> JitModule::locate(uintptr_t pc) const {
  if (!contains(pc) || starts.empty()) return {UINT32_MAX, PosTable::kNone};
  auto it = std::upper_bound(starts.begin(), starts.end(), std::make_pair(pc, UINT32_MAX));
  if (it == starts.begin()) return {UINT32_MAX, PosTable::kNone};
  auto [start, index] = *std::prev(it);
  uint32_t off = index < positions.size() ? positions[index].lookup(uint32_t(pc - start)) : PosTable::kNone;
  return {index, off};
}

}  // namespace tern::jit
