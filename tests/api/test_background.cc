// Background compilation (Config::background_compilation): with lazy
// compilation, once a guest meets functions it never called some 20 ms of
// CPU time after its first call, a low-priority thread compiles every function still
// waiting, on both tiers; results are the same, each function is installed
// once (a guest thread racing the background one for a function wins or
// waits, never gets a half-installed body), and a module destroyed while its
// thread works goes safely (run under the sanitizers by CI's sanitizer pass).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "chain_module.h"
#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;
using namespace tern::test;

namespace {

Config lazyConfig(Tier tier, bool background) {
  Config c;
  c.tier = tier;
  c.lazy = true;
  c.background_compilation = background;
  return c;
}

// What export "f<i>" returns for x; a trap is reported and returns -1.
int32_t call(Instance& inst, uint32_t i, int32_t x) {
  auto r = inst.getFunc("f" + std::to_string(i))->typed<int32_t(int32_t)>().value()(x);
  if (!r.ok()) {
    std::fprintf(stderr, "f%u: %s\n", i, r.error().toString().c_str());
    return -1;
  }
  return *r;
}

// First calls startBackground makes (f0 to f<kStarters - 1>).
constexpr uint32_t kStarters = 33;

// Makes the guest's first call, then, past the background compiler's delay
// (CPU time: this thread spins), more first calls, at one of which
// (LazyCompiler reads the clock at every 16th) the thread starts.
void startBackground(Instance& inst) {
  CHECK(uint32_t(call(inst, 0, 5)) == chainResult(1, 5));
  std::clock_t start = std::clock();
  while (std::clock() - start < CLOCKS_PER_SEC / 25) {
  }
  for (uint32_t i = 1; i < kStarters; ++i) CHECK(uint32_t(call(inst, i, 6)) == chainResult(i + 1, 6));
}

// Waits (up to a minute: the thread runs at the lowest priority) until no
// function of `m` waits for its first compile; false if some still does.
bool waitAllCompiled(const Module& m) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (lazyFunctions(m) != 0) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool severalCores() { return std::thread::hardware_concurrency() > 1; }

// A module compiled lazily and instantiated, whose guest has made the first
// calls that start the background thread (startBackground).
struct Started {
  Engine engine;
  std::shared_ptr<Module> module;
  std::unique_ptr<Store> store;
  Instance* inst = nullptr;
  size_t lazy_at_first = 0;  // functions waiting for their first compile, before any call

  Started(const std::vector<uint8_t>& wasm, Tier tier, bool background) : engine(lazyConfig(tier, background)) {
    auto m = Module::compile(engine, wasm);
    REQUIRE(m.ok());
    module = *m;
    lazy_at_first = lazyFunctions(*module);
    store = std::make_unique<Store>(engine);
    Linker linker;
    auto in = linker.instantiate(*store, module);
    REQUIRE(in.ok());
    inst = *in;
    startBackground(*inst);
  }
};

}  // namespace

TEST_CASE("background compilation: every function ends up compiled, with the same results, on both tiers") {
  const uint32_t n = 500;
  std::vector<uint8_t> wasm = chainModule(n, {}, true);
  for (Tier tier : {Tier::Interp, Tier::Jit}) {
    if (tier == Tier::Jit && !jitAvailable()) continue;
    CAPTURE(int(tier));
    Started g(wasm, tier, true);
    CHECK(g.lazy_at_first == n);
    if (!severalCores()) continue;  // no thread then: the switch's default
    REQUIRE(waitAllCompiled(*g.module));
    // The guest compiled the first ones itself (the thread may have been
    // quicker to some of the rest of f0 to f32), the thread the others.
    CHECK(backgroundCompiled(*g.module) > 0);
    CHECK(backgroundCompiled(*g.module) < n);
    if (tier == Tier::Jit)
      for (uint32_t i : {2u, n / 2, n - 1}) CHECK(functionHasJitCode(*g.module, i));
    for (uint32_t i : {2u, 17u, n / 2, n - 1}) CHECK(uint32_t(call(*g.inst, i, 77)) == chainResult(i + 1, 77));
    CHECK(uint32_t(g.inst->getFunc("last")->typed<int32_t(int32_t)>().value()(12345).value()) == chainResult(n, 12345));
  }
}

TEST_CASE("background compilation off: only what the guest calls is compiled") {
  const uint32_t n = 200;
  Started g(chainModule(n, {}, true), Tier::Auto, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(lazyFunctions(*g.module) == n - kStarters);
  CHECK(backgroundCompiled(*g.module) == 0);
}

TEST_CASE("background compilation: guest threads racing the background thread for first calls") {
  const uint32_t n = 300;  // a chain this deep fits the native stack of any thread
  Started g(chainModule(n, {}, true), Tier::Auto, true);
  // Two guest threads call every function, from either end, while the
  // background thread compiles from the start: each function is met by two
  // or three threads at once somewhere.
  std::vector<uint32_t> wrong(2, 0);
  auto guest = [&](int which) {
    Store s(g.engine);
    Linker l;
    auto in = l.instantiate(s, g.module);
    if (!in.ok()) {
      wrong[which] = UINT32_MAX;
      return;
    }
    for (uint32_t k = kStarters; k < n; ++k) {
      uint32_t i = which ? n - 1 - (k - kStarters) : k;
      if (uint32_t(call(**in, i, int32_t(k))) != chainResult(i + 1, k)) ++wrong[which];
    }
  };
  std::thread a(guest, 0), b(guest, 1);
  a.join();
  b.join();
  CHECK(wrong[0] == 0);
  CHECK(wrong[1] == 0);
  CHECK(lazyFunctions(*g.module) == 0);
}

TEST_CASE("background compilation: a module destroyed while its thread compiles") {
  std::vector<uint8_t> wasm = chainModule(3000, {}, true);
  for (int round = 0; round < 5; ++round) {
    Started g(wasm, Tier::Auto, true);
    // The store, then the module, then the engine go while the thread is
    // (most likely) in the middle of the 3000 functions.
    g.store.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(round));
    g.module.reset();
  }
}
