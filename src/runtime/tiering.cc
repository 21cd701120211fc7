// The tier policy (see tiering.h).
#include "runtime/tiering.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <system_error>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include "base/errors.h"
#include "decode/scan.h"
#include "interp/lower.h"
#include "jit/jit.h"
#include "platform/platform.h"
#ifndef TERN_MINIMAL
#include "runtime/compile_pool.h"
#endif

namespace tern {

jit::Options jitOptions(const Config& config) {
  jit::Options o;
  // Guard pages cover an access only when the reservation spans every
  // 32-bit address; otherwise every access is checked.
  o.bounds_checks = config.bounds_checks || config.memory_reservation < (uint64_t(4) << 30);
  o.guard_bytes = config.guard_bytes;
  o.epoch = config.epoch_interruption;
  o.fuel = config.consume_fuel;
  o.perf_map = config.perf_map;
  return o;
}

#ifndef TERN_MINIMAL
namespace {

// TERN_JIT_FUNCS, the bisecting aid: only the functions it lists get the JIT,
// everything else is interpreted, so a wrong result can be narrowed to one
// function by halving the list (tests/jit/jit_bisect.py does it). The value
// is comma-separated function indices (as in wasm-function[N], imports
// counted) and ranges A-B (inclusive); a leading '!' means "all but these".
// Unset or empty: no restriction.
struct JitFuncFilter {
  bool active = false, negate = false;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;

  static bool number(const char*& p, uint32_t* out) {
    if (*p < '0' || *p > '9') return false;
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
      v = v * 10 + uint64_t(*p++ - '0');
      if (v > 0xffffffffu) return false;
    }
    *out = uint32_t(v);
    return true;
  }
  explicit JitFuncFilter(const char* spec) {
    if (!spec || !*spec) return;
    const char* p = spec;
    if (*p == '!') {
      negate = true;
      ++p;
    }
    for (;;) {
      uint32_t lo, hi;
      if (!number(p, &lo)) break;
      hi = lo;
      if (*p == '-' && !(++p, number(p, &hi))) break;
      if (hi < lo) break;
      ranges.push_back({lo, hi});
      if (*p == 0) {
        active = true;
        return;
      }
      if (*p++ != ',') break;
    }
    std::fprintf(stderr, "tern: ignoring TERN_JIT_FUNCS='%s': expected indices and ranges like 3,10-20 or !3\n", spec);
    ranges.clear();
  }
  bool allows(uint32_t func_index) const {
    if (!active) return true;
    bool listed = false;
    for (auto [lo, hi] : ranges)
      if (func_index >= lo && func_index <= hi) listed = true;
    return listed != negate;
  }
};

const JitFuncFilter& jitFuncFilter() {
  static const JitFuncFilter filter(std::getenv("TERN_JIT_FUNCS"));
  return filter;
}

// The jit_failure of a body that TERN_JIT_FUNCS left to the interpreter.
const char* const kJitExcluded = "excluded by TERN_JIT_FUNCS";

// TERN_JIT_STATS: which functions the JIT left to the interpreter, and why.
void printJitStats(const ModuleData& m) {
  size_t n = 0, excluded = 0;
  for (size_t i = 0; i < m.bodies.size(); ++i) {
    const FuncBody& b = m.bodies[i];
    if (b.jit_failure.empty()) continue;
    ++n;
    if (b.jit_failure == kJitExcluded) {
      ++excluded;
      continue;
    }
    uint32_t fi = uint32_t(i + m.num_imported_funcs);
    std::fprintf(stderr, "jit: interpreted: func[%u] %s: %s\n", fi, m.funcName(fi).c_str(), b.jit_failure.c_str());
  }
  if (excluded) std::fprintf(stderr, "jit: %zu functions interpreted by TERN_JIT_FUNCS\n", excluded);
  std::fprintf(stderr, "jit: %zu of %zu functions compiled\n", m.bodies.size() - n, m.bodies.size());
}

// Compiles body `func_index` (r at its local declarations) with the JIT into
// `b`. False on invalid code (err says why); *compiled false when the JIT
// left it to the interpreter (body.jit_failure says why).
bool jitBody(const ModuleData& m, jit::ModuleBuilder& b, uint32_t func_index, Reader& r, FuncBody& body,
             DecodeError& err, bool* compiled) {
  *compiled = false;
  if (!jitFuncFilter().allows(func_index)) {
    body.jit_failure = kJitExcluded;
    return true;
  }
  jit::FunctionCompiler jc(m, b, func_index);
  if (!jc.compile(r, &body.locals, &err)) return false;
  if (jc.failed()) {
    body.jit_failure = jc.failure();
    body.locals.clear();
    return true;
  }
  *compiled = true;
  return true;
}

}  // namespace
#endif  // TERN_MINIMAL

namespace {

#ifdef TERN_NO_SIMD
// Whether a validated body (r at its local declarations) has a v128
// instruction (prefix 0xFD).
bool hasSimdInstruction(Reader r) {
  uint32_t groups, n;
  uint8_t t;
  if (!r.u32(&groups)) return false;
  for (uint32_t g = 0; g < groups; ++g)
    if (!r.u32(&n) || !r.u8(&t)) return false;
  while (!r.atEnd()) {
    Opcode op;
    uint32_t index;
    if (!scanInstruction(r, &op, &index)) return false;
    if (opInfo(op).prefix == 0xfd) return true;
  }
  return false;
}
#endif

// Lowers a body (r at its local declarations) for the interpreter and sets
// its tier: Interp, or None when this build cannot run it.
bool interpretBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err, bool epoch,
                   bool fuel) {
#ifdef TERN_NO_SIMD
  const Reader start = r;
#endif
  if (!interp::compileBody(m, func_index, r, body, err, {epoch, fuel})) return false;
#ifdef TERN_NO_SIMD
  // Validated like any other, but the interpreter of a build without SIMD
  // has no v128 handlers: the module does not compile (Unsupported, as
  // runtime.cc's finishModule says for any body without a tier).
  if (hasSimdInstruction(start)) {
    body.code.reset();
    body.unsupported = "SIMD (v128) is not in this build of Tern (-Dsimd=false)";
  }
#endif
  body.tier = body.code ? FuncTier::Interp : FuncTier::None;
  return true;
}

// Compiles a body up front (r at its local declarations): the JIT alone
// first, into `b` (null: no JIT); only a body it leaves to the interpreter
// is decoded a second time, into the interpreter's form.
bool compileEagerly(const ModuleData& m, [[maybe_unused]] jit::ModuleBuilder* b, uint32_t func_index, Reader& r,
                    FuncBody& body, DecodeError& err, bool epoch, bool fuel) {
#ifndef TERN_MINIMAL
  if (b) {
    Reader start = r;
    bool jitted;
    if (!jitBody(m, *b, func_index, r, body, err, &jitted)) return false;
    if (jitted) {
      body.tier = FuncTier::Jit;  // machine code only: body.code stays null
      return true;
    }
    return interpretBody(m, func_index, start, body, err, epoch, fuel);
  }
#endif
  return interpretBody(m, func_index, r, body, err, epoch, fuel);
}

}  // namespace

#ifndef TERN_MINIMAL
// The compile threads, and what they hand back.
struct Tiering::Parallel {
  explicit Parallel(unsigned threads) : pool(threads) {}
  std::mutex mu;                 // Tiering::jit_ and the two below
  uint32_t failed = UINT32_MAX;  // the lowest function index whose compile failed
  DecodeError err;               // why
  CompilePool pool;              // last: its threads end before the rest goes
};
#endif

// What compiling a module's Lazy bodies needs (their bytes are read from the
// module's own, ModuleData::bytes); shared by the module (ModuleData::lazy)
// once it is decoded.
//
// A body is compiled off the lock and installed under it (placed in the
// JIT's arena, its FuncBody written, its tier stored last); the first
// install wins and a later one for the same body is dropped. Who compiles
// is settled by a claim per body: a guest thread that finds a body claimed
// by another guest thread waits for its install (both run at normal
// priority), but one that finds it claimed by the background thread takes
// the claim over and compiles it itself, never waiting for a thread that
// runs at the lowest priority; the background thread's result is then the
// one dropped (a builder's code is only copied into the arena at install,
// so nothing is lost but the work).
class LazyCompiler {
 public:
  LazyCompiler(const Config& config, bool jit)
      : epoch_(config.epoch_interruption), fuel_(config.consume_fuel), background_(config.background_compilation) {
#ifndef TERN_MINIMAL
    if (jit) jit_ = std::make_unique<jit::Options>(jitOptions(config));
#else
    (void)jit;
#endif
  }
  // Stops the background thread; it ends after the body it is compiling.
  ~LazyCompiler() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
  }

  // Every body has arrived: there are `n`.
  void seal(size_t n) { claims_ = std::make_unique<std::atomic<uint8_t>[]>(n); }

  // On a guest thread: compiles body `def` unless it is compiled already.
  FuncTier compile(const ModuleData& m, uint32_t def) {
    FuncTier tier = compileAs(m, def, kGuest);
    if (background_ && !started_.load(std::memory_order_relaxed)) startBackground(m);
    return tier;
  }

  // Bodies the background thread compiled and installed.
  size_t backgroundCompiled() const { return background_compiled_.load(std::memory_order_relaxed); }

 private:
  enum Claim : uint8_t { kFree, kGuest, kBackground };

  static FuncTier tierOf(const FuncBody& body) {
    return std::atomic_ref<const FuncTier>(body.tier).load(std::memory_order_acquire);
  }

  // Compiles body `def` for `who`; with the claim lost to another guest
  // thread, waits for its install. Returns the body's tier, or Lazy when
  // the background thread should leave it.
  FuncTier compileAs(const ModuleData& m, uint32_t def, Claim who) {
    const FuncBody& body = m.bodies[def];
    std::atomic<uint8_t>& claim = claims_[def];
    uint8_t seen = kFree;
    while (!claim.compare_exchange_weak(seen, who, std::memory_order_acq_rel)) {
      if (seen == kGuest || (seen == kBackground && who == kBackground)) {
        if (who == kBackground) return FuncTier::Lazy;
        std::unique_lock<std::mutex> lock(mu_);
        installed_.wait(lock, [&] { return tierOf(body) != FuncTier::Lazy; });
        return tierOf(body);
      }
      // kBackground, and a guest thread: it takes the claim over.
    }
    if (tierOf(body) != FuncTier::Lazy) return tierOf(body);
    FuncBody out;
    std::unique_ptr<jit::ModuleBuilder> code = build(m, def, out);
    return install(m, def, out, std::move(code), who == kBackground);
  }

  // Compiles body `def` into `out`, with no lock held; returns its machine
  // code when the JIT took it (null: `out` is the interpreter's form).
  std::unique_ptr<jit::ModuleBuilder> build(const ModuleData& m, uint32_t def, FuncBody& out) {
    const FuncBody& body = m.bodies[def];
    out.type_index = body.type_index;
    out.offset = body.offset;
    out.size = body.size;
    uint32_t func_index = def + m.num_imported_funcs;
    DecodeError err;
    if (!bodyBytes(m, out)) {
      out.unsupported = "the module's bytes are not kept";
      out.tier = FuncTier::None;
      return nullptr;
    }
#ifndef TERN_MINIMAL
    if (jit_ && m.jit) {
      Reader r(bodyBytes(m, out), bodyBytes(m, out) + body.size, body.offset);
      auto b = std::make_unique<jit::ModuleBuilder>(*jit_);
      bool jitted = false;
      if (jitBody(m, *b, func_index, r, out, err, &jitted) && jitted) return b;
    }
#else
    (void)func_index;
#endif
    interpret(m, def, out);
    return nullptr;
  }

  // Lowers body `def` into `out` for the interpreter. Validated already:
  // only a limit of the interpreter can fail here.
  void interpret(const ModuleData& m, uint32_t def, FuncBody& out) {
    Reader r(bodyBytes(m, out), bodyBytes(m, out) + out.size, out.offset);
    DecodeError err;
    if (!interpretBody(m, def + m.num_imported_funcs, r, out, err, epoch_, fuel_)) {
      out.code.reset();
      out.unsupported = err.message;
      out.tier = FuncTier::None;
    }
  }

  // Installs `out` as body `def`, unless another thread did first.
  FuncTier install(const ModuleData& m, uint32_t def, FuncBody& out, std::unique_ptr<jit::ModuleBuilder> code,
                   bool background) {
    bool jitted = code != nullptr;
    std::lock_guard<std::mutex> lock(mu_);
    FuncBody& body = const_cast<FuncBody&>(m.bodies[def]);
    if (body.tier != FuncTier::Lazy) return body.tier;
#ifndef TERN_MINIMAL
    if (jitted && !code->place(*m.jit, m)) {
      jitted = false;
      out.jit_failure = "no room left for lazily compiled code";
      out.locals.clear();
      interpret(m, def, out);
    }
#endif
    if (jitted) out.tier = FuncTier::Jit;
    // Only what compiling wrote: other threads may read the rest meanwhile.
    body.code = std::move(out.code);
    body.locals = std::move(out.locals);
    body.unsupported = std::move(out.unsupported);
    body.jit_failure = std::move(out.jit_failure);
    std::atomic_ref<FuncTier>(body.tier).store(out.tier, std::memory_order_release);
    if (background) background_compiled_.fetch_add(1, std::memory_order_relaxed);
    installed_.notify_all();
    return out.tier;
  }

  // Where `body`'s bytes are: in the module's binary, which every way of
  // compiling a module keeps whole in ModuleData::bytes (runtime.cc's
  // finishModule), a file's pages mapped or the bytes read. Null if not.
  static const uint8_t* bodyBytes(const ModuleData& m, const FuncBody& body) {
    if (!m.bytes.data || m.bytes.size < body.offset || m.bytes.size - body.offset < body.size) return nullptr;
    return m.bytes.data.get() + body.offset;
  }

  // Starts the background thread, once, at a first-call compile a guest asks
  // for kBackgroundDelayMicros or more of CPU time after its first.
  void startBackground(const ModuleData& m);
  // The background thread: every body still Lazy, in index order.
  void compileRest(const ModuleData& m);

  std::mutex mu_;                      // installs
  std::condition_variable installed_;  // a body was installed
  bool epoch_, fuel_;
  bool background_;                       // Config::background_compilation
  std::atomic<bool> started_{false};      // the background thread was started (or could not be)
  std::atomic<uint32_t> first_calls_{0};  // first-call compiles the guest asked for
  std::atomic<uint64_t> first_clock_{0};  // the process's CPU time at the first (microseconds)
  std::atomic<bool> stop_{false};         // the background thread should end
  std::atomic<size_t> background_compiled_{0};
  std::thread thread_;  // the background thread
#ifndef TERN_MINIMAL
  std::unique_ptr<jit::Options> jit_;  // null: the interpreter only
#endif
  std::unique_ptr<std::atomic<uint8_t>[]> claims_;  // per defined function: a Claim
};

#ifndef TERN_MINIMAL
namespace {

// Set when the process exits through exit() (not _exit): a background
// thread then stops after the body it is compiling rather than go on while
// static objects are destroyed under it.
std::atomic<bool> g_exiting{false};

// More than one core: a background thread has one of its own to use.
bool severalCores() {
  static const bool several = std::thread::hardware_concurrency() > 1;
  return several;
}

// A program that is done within this much CPU time after its first call (a
// command that prints its version, a short script) ends before a background
// thread could pay for itself, and would only pay for it: the thread's page
// faults and installs, and at exit the wait until a thread of the lowest
// priority is scheduled to die, which on a busy machine is milliseconds. A
// thread starts only for a guest that still meets functions it never called
// after this. CPU time, not wall-clock time, so that a busy machine does
// not make a short program look long.
constexpr uint64_t kBackgroundDelayMicros = 20000;
// The clock is read at every this many first calls (it is a system call).
constexpr uint32_t kClockEvery = 16;

}  // namespace

void LazyCompiler::startBackground(const ModuleData& m) {
  uint32_t calls = first_calls_.fetch_add(1, std::memory_order_relaxed);
  if (calls % kClockEvery != 0) return;
  uint64_t now = platform::processCpuMicros();
  if (calls == 0) {
    first_clock_.store(now, std::memory_order_relaxed);
    return;
  }
  if (now == 0 || now - first_clock_.load(std::memory_order_relaxed) < kBackgroundDelayMicros) return;
  if (started_.exchange(true) || !severalCores()) return;
  static std::once_flag at_exit;
  std::call_once(at_exit, [] { std::atexit([] { g_exiting.store(true, std::memory_order_relaxed); }); });
  // Without a thread (none can be started), first calls compile as before.
  try {
    thread_ = std::thread([this, &m] { compileRest(m); });
  } catch (const std::system_error&) {
  }
}

void LazyCompiler::compileRest(const ModuleData& m) {
  platform::lowerThreadPriority();
  for (uint32_t def = 0; def < m.bodies.size(); ++def) {
    if (stop_.load(std::memory_order_relaxed) || g_exiting.load(std::memory_order_relaxed)) return;
    if (tierOf(m.bodies[def]) == FuncTier::Lazy) compileAs(m, def, kBackground);
  }
}
#else
// Never called there: a minimal build has no Lazy body (Tiering's constructor).
void LazyCompiler::startBackground(const ModuleData&) {}
void LazyCompiler::compileRest(const ModuleData&) {}
#endif

size_t backgroundCompiled(const ModuleData& m) { return m.lazy ? m.lazy->backgroundCompiled() : 0; }

FuncTier compileLazily(const ModuleData& m, uint32_t def) {
  FuncTier tier = std::atomic_ref<const FuncTier>(m.bodies[def].tier).load(std::memory_order_acquire);
#ifdef TERN_MINIMAL
  return tier;  // never Lazy there (Tiering's constructor)
#else
  if (tier != FuncTier::Lazy || !m.lazy) return tier;
  return m.lazy->compile(m, def);
#endif
}

Tiering::Tiering(const Config& config, bool lazy) : epoch_(config.epoch_interruption), fuel_(config.consume_fuel) {
#ifndef TERN_MINIMAL
  bool jit = config.tier != Tier::Interp && jit::available();
  if (jit) jit_ = std::make_unique<jit::ModuleBuilder>(jitOptions(config));
  // TERN_JIT_STATS reports on every function: they are all compiled first.
  if (std::getenv("TERN_JIT_STATS")) return;
  if (config.lazy && lazy) {
    lazy_ = std::make_shared<LazyCompiler>(config, jit);
#ifndef TERN_NO_SIMD
    // Lazy bodies are only validated as they arrive, which any thread can
    // do (a build without SIMD compiles some of them at once: one thread).
    if (config.parallel_compilation) body_threads_ = CompilePool::threadsFor(config.compile_threads);
#endif
  } else if (config.parallel_compilation) {
    unsigned threads = CompilePool::threadsFor(config.compile_threads);
    if (threads > 1) parallel_ = std::make_unique<Parallel>(threads);
  }
  // Compiled here, in order: the code goes where it will run.
  if (jit_ && !lazy_ && !parallel_) jit_->stageCode();
#else
  // A minimal build lowers every body as it arrives: validating ahead of a
  // lazy lowering takes a second decoder (FunctionDecoder<NullVisitor>,
  // some 11 KB of the example's size), and lowering is about as fast.
  (void)lazy;
#endif
}

// A module loaded from a .cwasm is never lazy: its code was compiled with
// the whole module (Module::serialize compiles every function), and the
// functions without code are lowered for the interpreter as they arrive.
Tiering::Tiering(const Config& config, std::shared_ptr<jit::JitModule> precompiled)
    : epoch_(config.epoch_interruption), fuel_(config.consume_fuel), precompiled_(std::move(precompiled)) {}

Tiering::~Tiering() = default;

bool Tiering::onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err) {
  if (precompiled_) {
    // Validated when it was compiled: its code is all it needs.
    if (!precompiled_->compiled(func_index)) return interpretBody(m, func_index, r, body, err, epoch_, fuel_);
    body.tier = FuncTier::Jit;
    return true;
  }
#ifndef TERN_MINIMAL
#ifdef TERN_NO_SIMD
  // A body this build's interpreter cannot run is compiled now, so that the
  // module is accepted or rejected as without lazy compilation.
  bool lazy = lazy_ && !hasSimdInstruction(r);
#else
  bool lazy = bool(lazy_);
#endif
  if (lazy) {
    // Validated now, compiled at the first call from the module's bytes.
    NullVisitor v;
    FunctionDecoder<NullVisitor> dec(m, func_index, v);
    if (!dec.decode(r, &body.locals)) {
      err = dec.error();
      return false;
    }
    body.locals.clear();
    body.tier = FuncTier::Lazy;
    return true;
  }
  if (parallel_) {
    // Validated here, in order, so that an invalid module fails as with one
    // thread; compiled on the pool's threads.
    Reader start = r;
    std::vector<ValType> locals;
    NullVisitor v;
    FunctionDecoder<NullVisitor> dec(m, func_index, v);
    if (!dec.decode(r, &locals)) {
      err = dec.error();
      return false;
    }
    // A copy: the decoder's buffer moves as more bytes arrive.
    std::vector<uint8_t> bytes(start.pos(), start.end());
    size_t work = bytes.size();
    parallel_->pool.submit(
        [this, &m, func_index, &body, bytes = std::move(bytes)] { compileOnThread(m, func_index, body, bytes); }, work);
    return true;
  }
#endif
  return compileEagerly(m, jit_.get(), func_index, r, body, err, epoch_, fuel_);
}

#ifndef TERN_MINIMAL
void Tiering::compileOnThread(const ModuleData& m, uint32_t func_index, FuncBody& body,
                              const std::vector<uint8_t>& bytes) {
  Reader r(bytes.data(), bytes.data() + bytes.size(), body.offset);
  DecodeError err;
  std::unique_ptr<jit::ModuleBuilder> b;
  if (jit_) b = std::make_unique<jit::ModuleBuilder>(jit_->options());
  bool ok = compileEagerly(m, b.get(), func_index, r, body, err, epoch_, fuel_);
  std::lock_guard<std::mutex> lock(parallel_->mu);
  if (b) jit_->append(std::move(*b));
  if (!ok && func_index < parallel_->failed) {
    parallel_->failed = func_index;
    parallel_->err = err;
  }
}

void Tiering::settle() {
  if (parallel_) parallel_->pool.cancel();
}
#endif

bool Tiering::finish(ModuleData& m, DecodeError& err) {
#ifndef TERN_MINIMAL
  if (parallel_) {
    parallel_->pool.wait();
    // Validated already: only a limit of a tier can fail here.
    if (parallel_->failed != UINT32_MAX) {
      err = parallel_->err;
      return false;
    }
  }
#endif
  if (lazy_) lazy_->seal(m.bodies.size());
  m.lazy = lazy_;
#ifndef TERN_MINIMAL
  if (precompiled_) {
    m.jit = std::move(precompiled_);
    return true;
  }
  if (!jit_) return true;
  m.jit = jit_->finish(m);
  if (!m.jit) {
    for (const FuncBody& b : m.bodies) {
      if (b.tier == FuncTier::Jit || b.tier == FuncTier::Lazy) {
        err = makeError(ErrorCode::NoExecutableMemory, err.offset);
        return false;
      }
    }
  }
  if (std::getenv("TERN_JIT_STATS")) printJitStats(m);
#else
  (void)err;
#endif
  return true;
}

}  // namespace tern
