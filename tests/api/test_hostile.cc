// Hostile guests through the C++ API, on both tiers: a memory bomb and a
// table bomb held by StoreLimits, a runaway loop under fuel and under an
// epoch deadline, unbounded direct and mutual recursion. Each ends with a
// result or a trap, within bounded memory (this process's peak RSS), and
// afterwards the same Engine and Store still compile, instantiate and run a
// normal module. The guests are hostile.wat; the normal module is tiny.wat.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include "tern/tern.hpp"
#include "tier_probe.h"
#include "wasm.h"

using namespace tern;

namespace {

constexpr uint64_t kPage = 65536;

std::vector<uint8_t> wasmFile(const std::string& name) {
  std::ifstream in(std::string(TERN_API_WASM_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// This process's peak resident set so far, in bytes.
uint64_t peakRss() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return uint64_t(u.ru_maxrss) * 1024;
}

// hostile.wasm instantiated in its own engine and store, on one tier.
struct Hostile {
  Engine engine;
  Store store{engine};
  Instance* inst = nullptr;

  explicit Hostile(Config cfg) : engine(cfg) {
    auto m = Module::compile(engine, wasmFile("hostile.wasm"));
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    auto i = Linker().instantiate(store, m.value());
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
    if (cfg.tier == Tier::Jit && test::jitAvailable()) CHECK(test::runsJitCode(*inst, "spin"));
  }

  template <class Sig>
  auto fn(const char* name) {
    return inst->getFunc(name)->typed<Sig>().value();
  }

  // The same engine and store take a normal module after the hostile one:
  // tiny.wasm's run(0) is its first data byte ('r') plus one.
  void runsNormalModule() {
    auto m = Module::compile(engine, wasmFile("tiny.wasm"));
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    auto i = Linker().instantiate(store, m.value());
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    CHECK(i.value()->getFunc("run")->typed<int32_t(int32_t)>().value()(0).value() == 'r' + 1);
  }
};

Config onTier(Tier tier) {
  Config c;
  c.tier = tier;
  return c;
}

}  // namespace

#define FOR_EACH_TIER(var) \
  Tier var = Tier::Interp; \
  SUBCASE("interp") { var = Tier::Interp; } \
  SUBCASE("jit") { var = Tier::Jit; }

TEST_CASE("Hostile: a memory bomb stops at StoreLimits::memory_bytes; 4 GiB costs only the touched pages") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  Hostile h(onTier(tier));
  h.store.setLimits(StoreLimits{16 << 20, UINT64_MAX, UINT64_MAX});
  auto bomb = h.fn<int32_t()>("mem_bomb");
  CHECK(bomb().value() == 256);  // grows stop at 16 MiB: memory.grow returned -1
  Memory* mem = h.inst->getMemory("memory");
  CHECK(mem->pages() == 256);
  CHECK(mem->grow(1) == -1);  // the host is held to the same limit
  mem->data()[256 * kPage - 1] = 1;

  // The store is full: a normal module's page is refused with a clear
  // error, and fits once the limit is raised.
  auto tiny = Module::compile(h.engine, wasmFile("tiny.wasm"));
  REQUIRE(tiny.ok());
  auto refused = Linker().instantiate(h.store, tiny.value());
  REQUIRE_FALSE(refused.ok());
  CHECK_MESSAGE(refused.error().message.find("limit") != std::string::npos, refused.error().message);
  h.store.setLimits(StoreLimits{});
  h.runsNormalModule();

  // Without a limit the bomb reaches the 4 GiB maximum; only the pages it
  // touches count towards the resident set.
  uint64_t before = peakRss();
  CHECK(bomb().value() == 65536);
  CHECK(mem->size() == 65536 * kPage);
  mem->data()[65536 * kPage - 1] = 2;
  CHECK(h.fn<int32_t(int32_t)>("table_grow")(0).value() == 0);  // the guest still runs
  CHECK(peakRss() - before < (64u << 20));
  h.runsNormalModule();
}

TEST_CASE("Hostile: a table bomb returns -1 without allocating and stops at StoreLimits::table_elements") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  Hostile h(onTier(tier));
  auto grow = h.fn<int32_t(int32_t)>("table_grow");
  uint64_t before = peakRss();
  CHECK(grow(0x7fffffff).value() == -1);
  CHECK(grow(-1).value() == -1);  // 4,294,967,295 elements
  CHECK(grow(100'000'000).value() == -1);
  CHECK(peakRss() - before < (16u << 20));
  Table* table = h.inst->getTable("table");
  CHECK(table->size() == 0);

  // The store's limit counts every table: ping and pong's 2 elements plus
  // the bomb's. Grows of 100 stop at 900 elements; 98 more reach the limit.
  h.store.setLimits(StoreLimits{UINT64_MAX, 1000, UINT64_MAX});
  CHECK(h.fn<int32_t(int32_t)>("table_bomb")(100).value() == 900);
  CHECK(grow(98).value() == 900);
  CHECK(grow(1).value() == -1);
  CHECK(table->grow(1, Value::nullRef(ValType::FuncRef)) == -1);
  CHECK(table->size() == 998);
  h.runsNormalModule();  // tiny.wasm has no table
}

TEST_CASE("Hostile: declared table sizes are held to Tern's 10,000,000 elements per store, before allocating") {
  Engine engine;
  Store store(engine);
  // (table 4294967295 funcref): 32 GiB of elements, from a 20-byte module.
  const std::vector<uint8_t> huge = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x04,
                                     0x08, 0x01, 0x70, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f};
  auto m = Module::compile(engine, huge);
  REQUIRE(m.ok());
  uint64_t before = peakRss();
  auto refused = Linker().instantiate(store, m.value());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message ==
        "tables of 4294967295 elements exceed Tern's limit of 10000000 table elements per store");
  CHECK(peakRss() - before < (16u << 20));

  // The limit counts every table of the store: with hostile.wasm's two,
  // the bomb's grows of 1,000,000 stop at 9,000,000 elements.
  Hostile h(Config{});
  CHECK(h.fn<int32_t(int32_t)>("table_bomb")(1'000'000).value() == 9'000'000);
  CHECK(h.fn<int32_t(int32_t)>("table_grow")(999'998).value() == 9'000'000);
  CHECK(h.fn<int32_t(int32_t)>("table_grow")(1).value() == -1);
  auto again = Linker().instantiate(h.store, Module::compile(h.engine, wasmFile("hostile.wasm")).value());
  REQUIRE_FALSE(again.ok());  // its 2 elements no longer fit
  CHECK(again.error().message.find("(10000000 already in use)") != std::string::npos);
  h.runsNormalModule();

  // The C API's tables too.
  wasm_engine_t* ce = wasm_engine_new();
  wasm_store_t* cs = wasm_store_new(ce);
  wasm_limits_t too_big = {0xffffffffu, wasm_limits_max_default};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &too_big);
  CHECK(wasm_table_new(cs, tt, nullptr) == nullptr);
  wasm_tabletype_delete(tt);
  wasm_limits_t fine = {1000, wasm_limits_max_default};
  tt = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &fine);
  wasm_table_t* t = wasm_table_new(cs, tt, nullptr);
  CHECK(t != nullptr);
  if (t) CHECK(wasm_table_size(t) == 1000);
  wasm_table_delete(t);
  wasm_tabletype_delete(tt);
  wasm_store_delete(cs);
  wasm_engine_delete(ce);
}

TEST_CASE("Hostile: a runaway loop under fuel") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  Config cfg = onTier(tier);
  cfg.consume_fuel = true;
  Hostile h(cfg);
  h.store.setFuel(1'000'000);
  auto r = h.fn<void()>("spin")();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::OutOfFuel);
  CHECK(r.error().message == "all fuel consumed");
  CHECK(h.store.fuel() == 0);
  h.store.setFuel(1000);
  h.runsNormalModule();
}

TEST_CASE("Hostile: a runaway loop under an epoch deadline") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  Config cfg = onTier(tier);
  cfg.epoch_interruption = true;
  Hostile h(cfg);
  h.store.setEpochDeadline(1);
  auto start = std::chrono::steady_clock::now();
  std::thread bumper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    h.engine.incrementEpoch();
  });
  auto r = h.fn<void()>("spin")();
  bumper.join();
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::Interrupted);
  CHECK(r.error().message == "interrupted");
  CHECK(took >= std::chrono::milliseconds(200));
  CHECK(took < std::chrono::seconds(5));
  h.store.setEpochDeadline(10);
  h.runsNormalModule();
}

TEST_CASE("Hostile: unbounded recursion, direct and through call_indirect, traps at the call depth limit") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  // The default depth, and a small one.
  for (uint32_t depth : {Config{}.max_call_depth, 100u}) {
    CAPTURE(depth);
    Config cfg = onTier(tier);
    cfg.max_call_depth = depth;
    Hostile h(cfg);
    auto r = h.fn<void()>("rec")();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == TrapKind::CallStackExhausted);
    CHECK(r.error().message == "call stack exhausted");
    CHECK(r.error().frames.size() == depth + 1);
    // ping (function 5) and pong (function 6) alternate; the outermost frame
    // is ping, the export called.
    auto m = h.fn<void()>("ping")();
    REQUIRE_FALSE(m.ok());
    CHECK(m.error().kind == TrapKind::CallStackExhausted);
    const auto& frames = m.error().frames;
    REQUIRE(frames.size() == depth + 1);
    CHECK(frames.back().name == "ping");
    size_t alternating = 0;
    for (size_t i = 0; i < frames.size(); ++i) alternating += frames[i].func_index == 5 + (frames.size() - 1 - i) % 2;
    CHECK(alternating == frames.size());
    // Traps do not leave the store's call depth behind: a shallow call works,
    // and so does a normal module.
    CHECK(h.fn<int32_t(int32_t)>("table_grow")(0).value() == 0);
    h.runsNormalModule();
  }
}
