// memory64 through the C++ API, on every tier (interp, jit, jit with
// explicit bounds checks): i64 addresses at the edges of the memory,
// memarg offsets whose sum with the address wraps past 2^64 or lies past
// 4 GiB, memory.grow and memory.size in i64, and a memory that grows past
// 4 GiB where the host lets it. The modules are built here byte by byte
// (tests/unit/wasm_builder.h): wat2wasm 1.0.32 cannot write an offset of
// 2^32 or more.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "../unit/wasm_builder.h"
#include "doctest/doctest.h"
#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;

namespace {

using namespace wb;

constexpr uint64_t kPage = 65536;
constexpr uint64_t kBigOffset = uint64_t(1) << 32;
constexpr uint64_t kWrapOffset = 0xfffffffffffffff0ull;

// A memarg: alignment exponent, then the offset.
Bytes memarg(uint8_t align, uint64_t offset) { return Buf().u8(align).u32(offset).b; }
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A 64-bit memory of `min` pages (and at most `max`), exported as
// "memory", eight bytes 1..8 at 65528 (a data segment with an i64 offset),
// and the functions below, each exported under its name.
Bytes memory64Module(uint64_t min, std::optional<uint64_t> max) {
  const Bytes get0{0x20, 0x00};
  struct Fn {
    const char* name;
    Sig sig;
    Bytes code;
  };
  const std::vector<Fn> fns = {
      {"load64", {{I64}, {I64}}, cat({get0, {0x29}, memarg(3, 0)})},                        // i64.load
      {"load_wrap", {{I64}, {I32}}, cat({get0, {0x2d}, memarg(0, kWrapOffset)})},           // i32.load8_u
      {"load_big", {{I64}, {I64}}, cat({get0, {0x31}, memarg(0, kBigOffset)})},             // i64.load8_u
      {"store_big", {{I64}, {}}, cat({get0, {0x42, 0x07, 0x3c}, memarg(0, kBigOffset)})},   // i64.store8 7
      {"store64", {{I64, I64}, {}}, cat({get0, {0x20, 0x01, 0x37}, memarg(3, 0)})},         // i64.store
      {"size", {{}, {I64}}, {0x3f, 0x00}},                                                  // memory.size
      {"grow", {{I64}, {I64}}, cat({get0, {0x40, 0x00}})},                                  // memory.grow
      {"fill", {{I64, I64}, {}}, cat({get0, {0x41, 0x2a, 0x20, 0x01, 0xfc, 0x0b, 0x00}})},  // memory.fill 42
  };
  std::vector<Sig> sigs;
  std::vector<uint32_t> types;
  std::vector<Body> bodies;
  std::vector<Exp> exports = {{"memory", 2, 0}};
  for (uint32_t i = 0; i < fns.size(); ++i) {
    sigs.push_back(fns[i].sig);
    types.push_back(i);
    bodies.push_back({{}, cat({fns[i].code, {0x0b}})});
    exports.push_back({fns[i].name, 0, i});
  }
  Buf memory;
  memory.u32(1).u8(max ? 0x05 : 0x04).u32(min);
  if (max) memory.u32(*max);
  ModuleBuilder m;
  m.section(kType, typeSection(sigs));
  m.section(kFunction, funcSection(types));
  m.section(kMemory, memory);
  m.section(kExport, exportSection(exports));
  m.section(kCode, codeSection(bodies));
  // One active segment at (i64.const 65528).
  m.section(kData,
            Buf().u32(1).u8(0x00).u8(0x42).s32(int64_t(kPage - 8)).u8(0x0b).u32(8).raw({1, 2, 3, 4, 5, 6, 7, 8}));
  return m.bytes();
}

struct Tiered {
  const char* name;
  Tier tier;
  bool bounds_checks;
};
constexpr Tiered kTiers[] = {
    {"interp", Tier::Interp, false}, {"jit", Tier::Jit, false}, {"jit-bounds", Tier::Jit, true}};

struct Mem64Fixture {
  Engine engine;
  Store store{engine};
  Instance* inst = nullptr;

  Mem64Fixture(const Tiered& t, const Bytes& wasm)
      : engine([&t] {
          Config c;
          c.tier = t.tier;
          c.bounds_checks = t.bounds_checks;
          c.features.memory64 = true;
          return c;
        }()) {
    auto m = Module::compile(engine, wasm);
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    auto i = Linker().instantiate(store, m.value());
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
    if (t.tier == Tier::Jit && test::jitAvailable()) {
      // The JIT compiles every function here: none falls back.
      for (const char* f : {"load64", "load_wrap", "store_big", "grow", "fill"}) CHECK(test::runsJitCode(*inst, f));
    }
  }
  uint64_t call(const char* name, std::vector<Value> args) {
    auto r = inst->getFunc(name)->call(args);
    REQUIRE_MESSAGE(r.ok(), name << ": " << (r.ok() ? "" : r.error().toString()));
    return r.value().empty() ? 0 : r.value()[0].bits;
  }
  bool traps(const char* name, std::vector<Value> args) {
    auto r = inst->getFunc(name)->call(args);
    if (r.ok()) return false;
    CHECK(r.error().kind == TrapKind::MemoryOutOfBounds);
    return true;
  }
};

Value i64(uint64_t v) { return Value::i64(int64_t(v)); }

}  // namespace

TEST_CASE("memory64: addresses and offsets at the edges, grow and size, on every tier") {
  for (const Tiered& t : kTiers) {
    std::string tier = t.name;
    CAPTURE(tier);
    Mem64Fixture fx(t, memory64Module(1, 3));
    // The API reports the memory's index type and 64-bit limits.
    Memory* mem = fx.inst->getMemory("memory");
    REQUIRE(mem);
    CHECK(mem->type().is64);
    CHECK(mem->type().limits == Limits{1, 3});
    // The data segment, and the last eight bytes of the page.
    CHECK(fx.call("load64", {i64(kPage - 8)}) == 0x0807060504030201ull);
    CHECK(fx.traps("load64", {i64(kPage - 7)}));
    CHECK(fx.traps("load64", {i64(kPage)}));
    // Addresses whose low 32 bits are in bounds (a truncating tier would
    // read address 0), and the largest ones, where address + 8 wraps.
    CHECK(fx.traps("load64", {i64(kBigOffset)}));
    CHECK(fx.traps("load64", {i64(kBigOffset + 8)}));
    CHECK(fx.traps("load64", {i64(~uint64_t(0))}));
    CHECK(fx.traps("load64", {i64(~uint64_t(0) - 7)}));
    // Offsets: 0xfff...f0 plus 0x10 wraps to 0, plus 0 is far out; 2^32 plus
    // a small address is past the page.
    CHECK(fx.traps("load_wrap", {i64(0x10)}));
    CHECK(fx.traps("load_wrap", {i64(0x18)}));
    CHECK(fx.traps("load_wrap", {i64(0)}));
    CHECK(fx.traps("load_big", {i64(0)}));
    CHECK(fx.traps("store_big", {i64(0)}));
    CHECK(fx.traps("store_big", {i64(~uint64_t(0) - kBigOffset + 1)}));  // sum is exactly 2^64
    // A store then a load at the last word; a store that does not fit
    // leaves the memory as it was.
    fx.call("store64", {i64(kPage - 8), i64(0x1122334455667788ull)});
    CHECK(fx.call("load64", {i64(kPage - 8)}) == 0x1122334455667788ull);
    CHECK(fx.traps("store64", {i64(kPage - 4), i64(0)}));
    // memory.size and memory.grow in i64 pages; -1 (all 64 bits) on failure.
    CHECK(fx.call("size", {}) == 1);
    CHECK(fx.call("grow", {i64(1)}) == 1);
    CHECK(fx.call("size", {}) == 2);
    CHECK(fx.call("grow", {i64(2)}) == ~uint64_t(0));  // past the maximum of 3
    CHECK(fx.call("grow", {i64(uint64_t(1) << 48)}) == ~uint64_t(0));
    CHECK(fx.call("grow", {i64(~uint64_t(0))}) == ~uint64_t(0));
    CHECK(fx.call("size", {}) == 2);
    CHECK(fx.call("load64", {i64(2 * kPage - 8)}) == 0);
    CHECK(fx.traps("load64", {i64(2 * kPage - 7)}));
    // memory.fill with i64 address and length, at the end and past it.
    fx.call("fill", {i64(2 * kPage - 8), i64(8)});
    CHECK(fx.call("load64", {i64(2 * kPage - 8)}) == 0x2a2a2a2a2a2a2a2aull);
    CHECK(fx.traps("fill", {i64(2 * kPage - 8), i64(9)}));
    CHECK(fx.traps("fill", {i64(8), i64(~uint64_t(0))}));  // 8 + length wraps
    CHECK(mem->size() == 2 * kPage);
    CHECK(mem->grow(~uint64_t(0)) == -1);
  }
}

TEST_CASE("memory64: a memory grows past 4 GiB where the host lets it") {
  for (const Tiered& t : kTiers) {
    std::string tier = t.name;
    CAPTURE(tier);
    Mem64Fixture fx(t, memory64Module(1, std::nullopt));
    uint64_t old = fx.call("grow", {i64(kBigOffset / kPage)});
    if (old == ~uint64_t(0)) {
      MESSAGE("skipped: this host cannot commit 4 GiB of address space for a memory (memory.grow returned -1)");
      continue;
    }
    CHECK(old == 1);
    CHECK(fx.call("size", {}) == kBigOffset / kPage + 1);
    CHECK(fx.inst->getMemory("memory")->size() == kBigOffset + kPage);
    // Past 4 GiB: an address, and an offset of 2^32 added to a small one.
    fx.call("store_big", {i64(100)});
    CHECK(fx.call("load_big", {i64(100)}) == 7);
    CHECK(fx.call("load64", {i64(kBigOffset + 96)}) == 0x0700000000ull);
    CHECK(fx.call("load64", {i64(kBigOffset + kPage - 8)}) == 0);
    CHECK(fx.traps("load64", {i64(kBigOffset + kPage - 7)}));
    CHECK(fx.traps("load_big", {i64(kPage)}));
    // What is below 4 GiB is still there.
    CHECK(fx.call("load64", {i64(kPage - 8)}) == 0x0807060504030201ull);
  }
}
