// The JIT under faults, traps, threads and deep recursion (doctest):
//   - a segfault that is not a Wasm trap still reaches the handler that was
//     installed before Tern's (or kills the process when that was SIG_DFL);
//   - a trapping call in one thread does not disturb a call in another;
//   - a trap leaves the instance usable for the next call;
//   - deep recursion in JIT code traps "call stack exhausted".
// The module is jit_test.wat (wat2wasm at build time).
#define DOCTEST_CONFIG_IMPLEMENT
// Tern turns faults in JIT code into traps with its own SIGSEGV handler;
// doctest's crash handler would take its place during each test case.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#include <doctest/doctest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>

#include "jit/jit.h"
#include "module/module.h"
#include "runtime/objects.h"
#include "runtime/tiering.h"
#include "tern/tern.hpp"

using namespace tern;

namespace {

constexpr uint32_t kPage = 0x10000;

std::vector<uint8_t> readBytes(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
std::vector<uint8_t> moduleBytes() { return readBytes(TERN_JIT_TEST_WASM); }

// True when `name` of `inst` runs as JIT code: only then does an access past
// the memory's end fault on the guard region rather than fail a check.
bool isJitCompiled(Instance* inst, const char* name) {
  const ModuleData& md = moduleData(inst->module());
  Func* f = inst->getFunc(name);
  if (!f) return false;
  // Compiled at its first call when lazy: the question is which tier runs it.
  uint32_t index = funcInst(f)->index_;
  if (index >= md.num_imported_funcs) compileLazily(md, index - md.num_imported_funcs);
  return md.jit && md.jit->compiled(index);
}

Config tierConfig(Tier tier, bool bounds_checks = false) {
  Config cfg;
  cfg.tier = tier;
  cfg.bounds_checks = bounds_checks;
  return cfg;
}

std::string describe(const Config& cfg) {
  std::string s = cfg.tier == Tier::Jit ? "jit" : cfg.tier == Tier::Interp ? "interp" : "auto";
  if (cfg.bounds_checks) s += " --bounds-checks";
  return s;
}

// What churn(n, seed) in jit_test.wat returns.
uint64_t churnReference(uint32_t n, uint32_t seed) {
  std::vector<uint32_t> words(16384 / 4, 0);
  uint64_t sum = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t a = i * 0x9E3779B1u + seed;
    uint32_t p = (a >> 16) & 0x3ffc;
    words[p / 4] ^= a;
    sum += words[p / 4];
  }
  return sum;
}

// The signature of a TypedFunc type (which does not name it).
template <class T>
struct SigOf;
template <class R, class... A>
struct SigOf<TypedFunc<R(A...)>> {
  using type = R(A...);
};

// The module's exports with their static types, in one instance.
struct Exports {
  TypedFunc<int32_t(uint32_t)> load{nullptr};
  TypedFunc<void(uint32_t, int32_t)> store{nullptr};
  TypedFunc<int32_t(int32_t, int32_t)> div{nullptr};
  TypedFunc<void()> unreachable{nullptr};
  TypedFunc<int32_t(int32_t)> fib{nullptr}, recurse{nullptr}, depth{nullptr}, trap_at_depth{nullptr};
  TypedFunc<uint64_t(uint32_t, uint32_t)> churn{nullptr};

  // Empty on success, else what went wrong.
  std::string bind(Instance* inst) {
    std::string err;
    auto get = [&](auto& slot, const char* name) {
      Func* f = inst->getFunc(name);
      if (!f) {
        err += std::string("no export ") + name + "; ";
        return;
      }
      auto t = f->typed<typename SigOf<std::remove_reference_t<decltype(slot)>>::type>();
      if (!t) err += t.error().message + "; ";
      else slot = t.value();
    };
    get(load, "load");
    get(store, "store");
    get(div, "div");
    get(unreachable, "unreachable");
    get(fib, "fib");
    get(recurse, "recurse");
    get(depth, "depth");
    get(trap_at_depth, "trap_at_depth");
    get(churn, "churn");
    return err;
  }
};

// The module instantiated in a store of its own.
struct Fixture {
  Engine engine;
  std::shared_ptr<Module> module;
  Store store{engine};
  Instance* inst = nullptr;
  Exports x;

  explicit Fixture(const Config& cfg) : engine(cfg) {
    auto m = Module::compile(engine, moduleBytes());
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    module = m.value();
    Linker linker;
    auto i = linker.instantiate(store, module);
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
    std::string err = x.bind(inst);
    REQUIRE_MESSAGE(err.empty(), err);
  }
};

template <class T>
std::string outcome(const Expected<T, Trap>& r) {
  return r.ok() ? std::string("no trap") : "trap \"" + r.error().message + "\"";
}

}  // namespace

// ---------------------------------------------------------------------------
// 1. A fault that is not a Wasm trap reaches the previously installed
//    handler.
//
// Each scenario runs in a child process, so that the faults cannot take the
// test process down. The child is this executable started afresh
// (/proc/self/exe --fault-child SCENARIO), not just a fork: Tern installs its
// handler once per process, on the first call into Wasm, so a plain fork of
// a test process that already ran JIT code would inherit Tern's handler
// already in place, and the scenario needs a process in which the test's own
// handler comes first, as an embedder's would. The child
//   1. installs its own handler (or leaves SIGSEGV/SIGBUS at SIG_DFL),
//   2. creates a JIT engine and calls a JIT-compiled function that loads
//      from the memory's guard region: Tern installs its handler on top and
//      must turn that fault into the trap "out of bounds memory access",
//      without the test's handler running; the instance must still work,
//   3. faults in host code: Tern's handler must pass this fault on to the
//      test's handler, which exits with status 42 (or, for SIG_DFL, the
//      process must die of the signal).
// The module is fault_child.wat.
// Any other exit status names the step that went wrong (kChild* below); a
// child that neither exits nor dies (a handler that returns to the faulting
// instruction forever) is killed after a timeout and fails the test.
namespace {

constexpr int kChildOk = 42;             // the test's handler ran for the host fault
constexpr int kChildHandlerEarly = 10;   // the test's handler ran before the host fault
constexpr int kChildWrongAddress = 11;   // ... for another address than the host fault's
constexpr int kChildSetup = 12;          // compile, instantiate or JIT compile failed
constexpr int kChildWrongTrap = 13;      // the guard-page load did not trap as it should
constexpr int kChildUnusable = 14;       // the instance did not work after the trap
constexpr int kChildTernNotOnTop = 15;   // Tern's handler was not installed over the test's
constexpr int kChildFaultReturned = 16;  // the host fault did not stop the program
constexpr int kChildNoJit = 17;          // this build has no JIT: nothing to test
constexpr int kChildUsage = 18;

const char* childMeaning(int code) {
  switch (code) {
    case kChildOk: return "the previous handler ran for the host fault";
    case kChildHandlerEarly: return "the previous handler ran before the host fault (a Wasm fault reached it)";
    case kChildWrongAddress: return "the previous handler got another fault address";
    case kChildSetup: return "setup failed";
    case kChildWrongTrap: return "the guard-page load did not trap \"out of bounds memory access\"";
    case kChildUnusable: return "the instance failed after the trap";
    case kChildTernNotOnTop: return "Tern's handler was not installed over the test's";
    case kChildFaultReturned: return "the host fault did not stop the program";
    case kChildNoJit: return "no JIT in this build";
    case 127: return "exec of /proc/self/exe failed";
    default: return "?";
  }
}

volatile sig_atomic_t g_stage = 0;  // 2 once the host fault is about to happen
void* volatile g_fault_addr = nullptr;

void childInfoHandler(int, siginfo_t* info, void*) {
  if (g_stage != 2) _exit(kChildHandlerEarly);
  if (info->si_addr != g_fault_addr) _exit(kChildWrongAddress);
  _exit(kChildOk);
}
void childPlainHandler(int) { _exit(g_stage == 2 ? kChildOk : kChildHandlerEarly); }

// Writes to `target` with r12 holding `base`, as it does in JIT code (r12 is
// the memory base there, and callee-saved, so a host function called from
// JIT code may well fault before anything changes it).
[[gnu::noinline]] void writeWithBaseInR12(uint8_t* base, void* target) {
#if defined(__x86_64__)
  asm volatile("movq %0, %%r12\n\tmovl $1, (%1)" : : "r"(base), "r"(target) : "r12", "memory");
#else
  (void)base;
  *static_cast<volatile uint32_t*>(target) = 1;
#endif
}

int childFail(int code, const std::string& why) {
  std::fprintf(stderr, "fault child: %s\n", why.c_str());
  return code;
}

// Scenarios: "info" (SA_SIGINFO handler, fault on a PROT_NONE page),
// "plain" (sa_handler, same fault), "guard" (SA_SIGINFO handler; a host
// function called from JIT code writes into the Wasm memory's own guard
// region with the memory base in r12: everything a Wasm trap would show the
// handler, except that the pc is not JIT code), "bus" (SIGBUS from host code
// writing past the end of a mapped file), "default-segv" and "default-bus"
// (no handler of the test's: the process must die of the signal).
int faultChild(const std::string& scenario) {
  // No core files from the scenarios that die.
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0);
  if (!jit::available()) return childFail(kChildNoJit, "no JIT in this build");
  // Start from the defaults, whatever the environment installed (a
  // sanitizer's handler, say). Tern has installed nothing yet in this fresh
  // process.
  signal(SIGSEGV, SIG_DFL);
  signal(SIGBUS, SIG_DFL);

  const bool bus = scenario == "bus" || scenario == "default-bus";
  const int sig = bus ? SIGBUS : SIGSEGV;
  struct sigaction mine;
  std::memset(&mine, 0, sizeof mine);
  sigemptyset(&mine.sa_mask);
  if (scenario == "plain") {
    mine.sa_handler = childPlainHandler;
  } else if (scenario == "info" || scenario == "guard" || scenario == "bus") {
    mine.sa_sigaction = childInfoHandler;
    mine.sa_flags = SA_SIGINFO;
  } else if (scenario != "default-segv" && scenario != "default-bus") {
    return childFail(kChildUsage, "unknown scenario " + scenario);
  }
  if (scenario.rfind("default", 0) != 0) sigaction(sig, &mine, nullptr);

  // A Wasm fault in JIT code, with Tern's handler installed over ours.
  Engine engine(tierConfig(Tier::Jit));
  auto m = Module::compile(engine, readBytes(TERN_JIT_FAULT_WASM));
  if (!m) return childFail(kChildSetup, "compile: " + m.error().toString());
  Store store(engine);
  Linker linker;
  linker.func("host", "fault", [](Caller& caller) {
    uint8_t* base = caller.memory()->data();
    g_fault_addr = base + 2 * kPage;
    g_stage = 2;
    writeWithBaseInR12(base, g_fault_addr);
  });
  auto inst = linker.instantiate(store, m.value());
  if (!inst) return childFail(kChildSetup, "instantiate: " + inst.error().toString());
  if (!isJitCompiled(*inst, "load") || !isJitCompiled(*inst, "call_host"))
    return childFail(kChildSetup, "load or call_host is not JIT code");
  auto load = (*inst)->getFunc("load")->typed<int32_t(uint32_t)>();
  if (!load) return childFail(kChildSetup, load.error().message);
  g_stage = 1;
  for (uint32_t addr : {kPage, 0x7ffffffcu, 0xfffffffcu}) {
    auto r = load.value()(addr);
    if (r.ok() || r.error().kind != TrapKind::MemoryOutOfBounds || r.error().message != "out of bounds memory access")
      return childFail(kChildWrongTrap, "load(" + std::to_string(addr) + "): " + outcome(r));
  }
  auto ok = load.value()(0);
  if (!ok || ok.value() != 0) return childFail(kChildUnusable, "load(0) after the trap: " + outcome(ok));
  struct sigaction now;
  sigaction(SIGSEGV, nullptr, &now);
  if (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction == childInfoHandler)
    return childFail(kChildTernNotOnTop, "SIGSEGV's handler is not Tern's after a JIT call");

  // A fault in host code.
  if (scenario == "guard") {
    auto r = (*inst)->getFunc("call_host")->call({});
    return childFail(kChildFaultReturned, "call_host() returned: " + outcome(r));
  }
  void* target = nullptr;
  if (bus) {
    // A page of a file with no bytes: touching it raises SIGBUS.
    int fd = memfd_create("tern-jit-test", 0);
    if (fd < 0) return childFail(kChildSetup, "memfd_create failed");
    target = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  } else {
    target = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  if (target == MAP_FAILED) return childFail(kChildSetup, "mmap failed");
  g_fault_addr = target;
  g_stage = 2;
  *static_cast<volatile uint32_t*>(target) = 1;
  return childFail(kChildFaultReturned, "the write to " + scenario + " memory did not fault");
}

struct ChildStatus {
  bool exited = false;
  int code = -1;
  int signal = 0;
  bool timed_out = false;
  std::string toString() const {
    if (timed_out) return "still running after the timeout (killed)";
    if (exited) return "exited with status " + std::to_string(code) + ": " + childMeaning(code);
    return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
};

ChildStatus runFaultChild(const char* scenario) {
  ChildStatus st;
  std::fflush(nullptr);
  // A cross build's tests run under an emulator (TERN_TEST_EXEC_WRAPPER,
  // from the cross file): the child goes through it too, with this
  // program's own path (the emulator's /proc/self/exe is the emulator).
  const char* wrapper = std::getenv("TERN_TEST_EXEC_WRAPPER");
  char self[4096] = {};
  if (wrapper && *wrapper) REQUIRE(readlink("/proc/self/exe", self, sizeof self - 1) > 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (wrapper && *wrapper) execlp(wrapper, wrapper, self, "--fault-child", scenario, static_cast<char*>(nullptr));
    else execl("/proc/self/exe", "jit_tests", "--fault-child", scenario, static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) FAIL("waitpid failed");
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      st.timed_out = true;
      return st;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  st.exited = WIFEXITED(status);
  if (st.exited) st.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) st.signal = WTERMSIG(status);
  return st;
}

}  // namespace

TEST_CASE("fault handler: a non-Wasm SIGSEGV/SIGBUS reaches the handler installed before Tern's") {
  if (!jit::available()) {
    MESSAGE("no JIT in this build: nothing to test");
    return;
  }
  // Step 2 (the Wasm trap) is checked in every scenario: the child exits
  // with another status than 42 if it went wrong.
  for (const char* scenario : {"info", "plain", "guard", "bus"}) {
    CAPTURE(scenario);
    ChildStatus st = runFaultChild(scenario);
    CHECK_MESSAGE((st.exited && st.code == kChildOk), st.toString());
  }
}

TEST_CASE("fault handler: with SIG_DFL before Tern's, a non-Wasm fault kills the process") {
  if (!jit::available()) {
    MESSAGE("no JIT in this build: nothing to test");
    return;
  }
  ChildStatus segv = runFaultChild("default-segv");
  CHECK_MESSAGE((!segv.exited && !segv.timed_out && segv.signal == SIGSEGV), segv.toString());
  ChildStatus bus = runFaultChild("default-bus");
  CHECK_MESSAGE((!bus.exited && !bus.timed_out && bus.signal == SIGBUS), bus.toString());
}

// ---------------------------------------------------------------------------
// 2. A trapping call in one thread does not disturb a call in another.
//
// One Engine and Module, two threads, each with its own Store and Instance
// (stores are single-threaded). Thread A traps over and over: loads from the
// guard region (faults handled on A's own signal stack), integer division by
// zero, unreachable, and a load that faults 50 frames deep; after every
// trap it checks the message and that its instance still works. Thread B
// meanwhile computes churn() and fib() and checks every result; it keeps
// going until A is done, so every one of A's traps happens while B is inside
// Wasm code.
namespace {

struct ThreadLog {
  int errors = 0;
  std::string first;
  void fail(const std::string& what) {
    if (errors++ == 0) first = what;
  }
};

void trapsInOneThreadComputeInAnother(const Config& cfg, int a_rounds, int b_min_rounds) {
  Engine engine(cfg);
  auto m = Module::compile(engine, moduleBytes());
  REQUIRE(m.ok());
  std::shared_ptr<Module> module = m.value();
  const uint64_t churn_expected = churnReference(20000, 12345);

  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, a_done{false};
  ThreadLog a, b;
  int a_traps = 0, b_rounds = 0;
  const bool want_jit = cfg.tier == Tier::Jit && jit::available();

  auto setup = [&](Store& store, Exports& x, ThreadLog& log) -> bool {
    Linker linker;
    auto inst = linker.instantiate(store, module);
    if (!inst) {
      log.fail("instantiate: " + inst.error().toString());
      return false;
    }
    std::string err = x.bind(*inst);
    if (!err.empty()) {
      log.fail(err);
      return false;
    }
    for (const char* f : {"load", "div", "trap_at_depth", "churn", "fib"}) {
      if (want_jit && !isJitCompiled(*inst, f)) {
        log.fail(std::string(f) + " is not JIT code");
        return false;
      }
    }
    return true;
  };

  std::thread ta([&] {
    Store store(engine);
    Exports x;
    bool ok = setup(store, x, a);
    ready.fetch_add(1);
    while (!go.load()) std::this_thread::yield();
    if (!ok) {
      a_done = true;
      return;
    }
    const uint32_t oob[] = {kPage, kPage + 12345, 0x7ffffffcu, 0xfffffffcu};
    for (int i = 0; i < a_rounds && a.errors == 0; ++i) {
      if (!x.store(uint32_t(i % 1000) * 4, i).ok()) a.fail("store failed");
      auto r = x.load(oob[i % 4]);
      if (r.ok() || r.error().kind != TrapKind::MemoryOutOfBounds || r.error().message != "out of bounds memory access")
        a.fail("load(" + std::to_string(oob[i % 4]) + "): " + outcome(r));
      auto d = x.div(i, 0);
      if (d.ok() || d.error().message != "integer divide by zero") a.fail("div(i, 0): " + outcome(d));
      auto u = x.unreachable();
      if (u.ok() || u.error().message != "unreachable") a.fail("unreachable(): " + outcome(u));
      if (i % 10 == 0) {
        auto t = x.trap_at_depth(50);
        if (t.ok() || t.error().message != "out of bounds memory access") a.fail("trap_at_depth(50): " + outcome(t));
        ++a_traps;
      }
      a_traps += 3;
      // The instance works after the traps, memory intact.
      auto back = x.load(uint32_t(i % 1000) * 4);
      if (!back.ok() || back.value() != i) a.fail("load after the traps: " + outcome(back));
      auto q = x.div(i, 7);
      if (!q.ok() || q.value() != i / 7) a.fail("div(i, 7) after the traps: " + outcome(q));
    }
    a_done = true;
  });

  std::thread tb([&] {
    Store store(engine);
    Exports x;
    bool ok = setup(store, x, b);
    ready.fetch_add(1);
    while (!go.load()) std::this_thread::yield();
    if (!ok) return;
    while (b.errors == 0 && (!a_done.load() || b_rounds < b_min_rounds)) {
      auto c = x.churn(20000, 12345);
      if (!c.ok() || c.value() != churn_expected)
        b.fail("churn: " +
               (c.ok() ? std::to_string(c.value()) + " instead of " + std::to_string(churn_expected) : outcome(c)));
      auto f = x.fib(18);
      if (!f.ok() || f.value() != 2584) b.fail("fib(18): " + (f.ok() ? std::to_string(f.value()) : outcome(f)));
      ++b_rounds;
    }
  });

  while (ready.load() < 2) std::this_thread::yield();
  go = true;
  ta.join();
  tb.join();
  INFO("tier: " << describe(cfg));
  CHECK_MESSAGE(a.errors == 0, "trapping thread: " << a.errors << " error(s), first: " << a.first);
  CHECK_MESSAGE(b.errors == 0, "computing thread: " << b.errors << " error(s), first: " << b.first);
  CHECK(a_traps >= a_rounds * 3);
  CHECK(b_rounds >= b_min_rounds);
  MESSAGE(describe(cfg) << ": " << a_traps << " traps in one thread during " << b_rounds
                        << " computations in the other");
}

}  // namespace

TEST_CASE("threads: a trapping call in one thread does not disturb a call in another (jit)") {
  trapsInOneThreadComputeInAnother(tierConfig(Tier::Jit), 2000, 20);
}

TEST_CASE("threads: a trapping call in one thread does not disturb a call in another (jit, bounds checks)") {
  trapsInOneThreadComputeInAnother(tierConfig(Tier::Jit, true), 2000, 20);
}

TEST_CASE("threads: a trapping call in one thread does not disturb a call in another (interp)") {
  trapsInOneThreadComputeInAnother(tierConfig(Tier::Interp), 2000, 5);
}

// ---------------------------------------------------------------------------
// 3. A trap leaves the instance usable; deep recursion traps in JIT code.
// tests/api covers both on the default tier; here the tier is named, and on
// the JIT every function involved is checked to be JIT code.
namespace {

void requireJit(Fixture& fx, std::initializer_list<const char*> names) {
  if (fx.engine.config().tier != Tier::Jit || !jit::available()) return;
  for (const char* n : names) REQUIRE_MESSAGE(isJitCompiled(fx.inst, n), n << " is not JIT code");
}

void trapLeavesInstanceUsable(const Config& cfg) {
  INFO("tier: " << describe(cfg));
  Fixture fx(cfg);
  requireJit(fx, {"load", "store", "div", "unreachable", "trap_at_depth", "depth", "fib"});
  REQUIRE(fx.x.store(100, 7).ok());
  for (int round = 0; round < 3; ++round) {
    auto r = fx.x.load(kPage);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == TrapKind::MemoryOutOfBounds);
    CHECK(r.error().message == "out of bounds memory access");
    REQUIRE_FALSE(r.error().backtrace.empty());
    CHECK(r.error().backtrace[0] == "load");
    CHECK(fx.x.load(100).value() == 7);  // memory untouched, instance usable

    auto d = fx.x.div(1, 0);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().message == "integer divide by zero");
    auto o = fx.x.div(INT32_MIN, -1);
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().message == "integer overflow");
    CHECK(fx.x.div(9, 3).value() == 3);

    auto u = fx.x.unreachable();
    REQUIRE_FALSE(u.ok());
    CHECK(u.error().message == "unreachable");
    CHECK(fx.x.fib(20).value() == 6765);
  }
  // Traps that unwind many frames at once do not leak call depth: after
  // 200 traps 1000 frames deep, a recursion to 15000 of the 20000 allowed
  // frames still fits.
  for (int i = 0; i < 200; ++i) {
    auto t = fx.x.trap_at_depth(1000);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().message == "out of bounds memory access");
    if (i == 0) {
      REQUIRE_FALSE(t.error().backtrace.empty());
      CHECK(t.error().backtrace[0] == "trap_at_depth");
    }
  }
  auto deep = fx.x.depth(15000);
  CHECK_MESSAGE(deep.ok(), outcome(deep));
  if (deep.ok()) CHECK(deep.value() == 15000);
  CHECK(fx.x.load(100).value() == 7);
}

void deepRecursionTraps(const Config& cfg) {
  INFO("tier: " << describe(cfg));
  Fixture fx(cfg);
  requireJit(fx, {"recurse", "depth"});
  for (int round = 0; round < 3; ++round) {
    auto r = fx.x.recurse(0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == TrapKind::CallStackExhausted);
    CHECK(r.error().message == "call stack exhausted");
    REQUIRE_FALSE(r.error().backtrace.empty());
    CHECK(r.error().backtrace[0] == "recurse");
    // The same instance runs a normal call, and a deep one, right after.
    CHECK(fx.x.fib(15).value() == 610);
    auto d = fx.x.depth(15000);
    CHECK_MESSAGE(d.ok(), outcome(d));
    if (d.ok()) CHECK(d.value() == 15000);
  }
}

// Runs fn on a thread with a stack of `bytes`.
void onSmallStack(size_t bytes, std::function<void()> fn) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  REQUIRE(pthread_attr_setstacksize(&attr, bytes) == 0);
  pthread_t th;
  auto run = [](void* p) -> void* {
    (*static_cast<std::function<void()>*>(p))();
    return nullptr;
  };
  REQUIRE(pthread_create(&th, &attr, run, &fn) == 0);
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace

TEST_CASE("a trap leaves the instance usable for the next call (jit)") {
  trapLeavesInstanceUsable(tierConfig(Tier::Jit));
  trapLeavesInstanceUsable(tierConfig(Tier::Jit, true));
}

TEST_CASE("a trap leaves the instance usable for the next call (interp)") {
  trapLeavesInstanceUsable(tierConfig(Tier::Interp));
}

TEST_CASE("deep recursion traps in JIT code with \"call stack exhausted\"") {
  deepRecursionTraps(tierConfig(Tier::Jit));
  deepRecursionTraps(tierConfig(Tier::Jit, true));
  deepRecursionTraps(tierConfig(Tier::Interp));
}

TEST_CASE("deep recursion on a small native stack traps instead of overflowing it") {
  // With a call-depth limit far beyond what 256 KiB of native stack holds,
  // the JIT's native stack check is what must stop the recursion.
  Config cfg = tierConfig(Tier::Jit);
  cfg.max_call_depth = 1000000;
  std::string failure;
  int traps = 0;
  onSmallStack(256 * 1024, [&] {
    Engine engine(cfg);
    auto m = Module::compile(engine, moduleBytes());
    if (!m) {
      failure = m.error().toString();
      return;
    }
    Store store(engine);
    Linker linker;
    auto inst = linker.instantiate(store, m.value());
    Exports x;
    if (!inst || !(failure = x.bind(*inst)).empty()) {
      if (failure.empty()) failure = inst.error().toString();
      return;
    }
    if (jit::available() && !isJitCompiled(*inst, "recurse")) {
      failure = "recurse is not JIT code";
      return;
    }
    for (int round = 0; round < 3; ++round) {
      auto r = x.recurse(0);
      if (r.ok() || r.error().kind != TrapKind::CallStackExhausted) {
        failure = "recurse(0): " + outcome(r);
        return;
      }
      ++traps;
      auto f = x.fib(15);
      if (!f.ok() || f.value() != 610) {
        failure = "fib(15) after the trap: " + outcome(f);
        return;
      }
    }
  });
  CHECK_MESSAGE(failure.empty(), failure);
  CHECK(traps == 3);
}

// 4. Multi-memory: functions using memory 1 are JIT code (its base loaded
// from the instance, not memory 0's register) and trap out of bounds of
// memory 1 (its guard region or, with --bounds-checks, its size), never
// touching memory 0.
namespace {

void memoryOneInJitCode(const Config& cfg) {
  INFO("tier: " << describe(cfg));
  Engine engine(cfg);
  auto m = Module::compile(engine, readBytes(TERN_JIT_MULTI_MEMORY_WASM));
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
  Store store(engine);
  Linker linker;
  auto i = linker.instantiate(store, m.value());
  REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
  Instance* inst = i.value();
  const char* names[] = {"load1", "load1_off", "store1", "load0", "store0", "size1", "grow1", "fill1", "copy10"};
  if (cfg.tier == Tier::Jit && jit::available())
    for (const char* n : names) REQUIRE_MESSAGE(isJitCompiled(inst, n), std::string(n) << " is not JIT code");
  auto fn = [&](const char* name) {
    Func* f = inst->getFunc(name);
    REQUIRE_MESSAGE(f, name);
    return f;
  };
  auto call = [&](const char* name, std::vector<Value> args) { return fn(name)->call(args); };
  auto i32 = [](int32_t v) { return Value::i32(v); };
  auto result = [](const Expected<std::vector<Value>, Trap>& r) {
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return r.value().at(0).asI32();
  };
  auto oob = [](const Expected<std::vector<Value>, Trap>& r, int line) {
    INFO("the call on line " << line);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == TrapKind::MemoryOutOfBounds);
  };
  for (int round = 0; round < 2; ++round) {
    REQUIRE(call("store0", {i32(8), i32(111)}).ok());
    REQUIRE(call("store1", {i32(8), i32(222)}).ok());
    CHECK(result(call("load0", {i32(8)})) == 111);
    CHECK(result(call("load1", {i32(8)})) == 222);
    REQUIRE(call("store1", {i32(kPage - 4), i32(333)}).ok());
    CHECK(result(call("load1", {i32(kPage - 4)})) == 333);
    // Past memory 1's end, with and without an offset, and far past it.
    oob(call("load1", {i32(kPage - 3)}), __LINE__);
    oob(call("load1", {i32(kPage)}), __LINE__);
    oob(call("load1_off", {i32(1)}), __LINE__);
    oob(call("load1", {i32(-4)}), __LINE__);
    oob(call("store1", {i32(kPage), i32(1)}), __LINE__);
    CHECK(result(call("load0", {i32(8)})) == 111);  // memory 0 untouched
    CHECK(result(call("size1", {})) == 1);
  }
  CHECK(result(call("grow1", {i32(1)})) == 1);
  CHECK(result(call("grow1", {i32(1)})) == -1);  // memory 1's maximum is 2
  CHECK(result(call("size1", {})) == 2);
  // Grown: the second page of memory 1 is in bounds now.
  REQUIRE(call("store1", {i32(kPage), i32(444)}).ok());
  CHECK(result(call("load1", {i32(kPage)})) == 444);
  oob(call("load1", {i32(2 * kPage)}), __LINE__);
  REQUIRE(call("fill1", {i32(16), i32(0x5a), i32(4)}).ok());
  CHECK(uint32_t(result(call("load1", {i32(16)}))) == 0x5a5a5a5au);
  oob(call("fill1", {i32(2 * kPage - 2), i32(1), i32(4)}), __LINE__);
  REQUIRE(call("copy10", {i32(32), i32(8), i32(4)}).ok());  // memory 0 -> memory 1
  CHECK(result(call("load1", {i32(32)})) == 111);
  oob(call("copy10", {i32(0), i32(kPage - 2), i32(4)}), __LINE__);
}

}  // namespace

TEST_CASE("a function using memory 1 is JIT code and traps out of bounds of memory 1") {
  memoryOneInJitCode(tierConfig(Tier::Jit));
  memoryOneInJitCode(tierConfig(Tier::Jit, true));
  memoryOneInJitCode(tierConfig(Tier::Interp));
}

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--fault-child") == 0) return faultChild(argv[2]);
  doctest::Context context(argc, argv);
  return context.run();
}
