// Several memories through the C++ API (multi_memory.wat): a host memory
// imported as memory 0 next to two defined ones, each exported under its
// own name, and every memory instruction on a memory other than 0, with
// its bounds check, on every tier.
#include <cstdint>
#include <cstring>
#include <string>

#include "doctest/doctest.h"
#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;

namespace {

template <class Sig>
TypedFunc<Sig> typedExport(Instance* inst, const char* name) {
  Func* f = inst->getFunc(name);
  REQUIRE_MESSAGE(f, name);
  auto t = f->typed<Sig>();
  REQUIRE_MESSAGE(t.ok(), name);
  return t.value();
}

}  // namespace

TEST_CASE("multi-memory: three memories, exported and imported, on every tier") {
  Tier tier = Tier::Interp;
  SUBCASE("interp") { tier = Tier::Interp; }
  SUBCASE("jit") { tier = Tier::Jit; }
  CAPTURE(int(tier));
  Config cfg;
  cfg.tier = tier;
  Engine engine(cfg);
  Store store(engine);
  auto m = Module::compileFile(engine, std::string(TERN_API_WASM_DIR) + "/multi_memory.wasm");
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
  auto host = store.createMemory(MemoryType{{1, 1}});
  REQUIRE(host.ok());
  Memory* imp = host.value();
  auto i = store.instantiate(m.value(), {Extern(imp)});
  REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
  Instance* inst = i.value();
  Memory* data = inst->getMemory("data");
  Memory* scratch = inst->getMemory("scratch");
  REQUIRE(data);
  REQUIRE(scratch);
  CHECK(inst->getMemory("imported") == imp);
  CHECK(data != scratch);
  if (tier == Tier::Jit && test::jitAvailable()) CHECK(test::runsJitCode(*inst, "load0"));

  // The active segment went to memory 1 only.
  CHECK(std::memcmp(data->data() + 16, "tern", 4) == 0);
  CHECK(scratch->data()[16] == 0);
  CHECK(imp->data()[16] == 0);
  imp->data()[5] = 0xa0;
  scratch->data()[5] = 0xc0;
  auto load8 = typedExport<int32_t(int32_t, int32_t)>(inst, "load8");
  CHECK(load8(0, 5).value() == 0xa0);
  CHECK(load8(1, 17).value() == 'e');
  CHECK(load8(2, 5).value() == 0xc0);
  CHECK(typedExport<int32_t(int32_t)>(inst, "load0")(5).value() == 0xa0);
  // Each memory's own bounds: memory 0 has one page, memory 2 two.
  CHECK_FALSE(load8(0, 65536).ok());
  CHECK(load8(2, 65536).ok());
  CHECK_FALSE(load8(2, 2 * 65536).ok());

  auto store64 = typedExport<void(int32_t, int64_t)>(inst, "store64");
  auto load64 = typedExport<int64_t(int32_t)>(inst, "load64");
  CHECK(store64(100, 0x0102030405060708).ok());
  uint64_t got = 0;
  std::memcpy(&got, scratch->data() + 108, 8);
  CHECK(got == 0x0102030405060708u);
  CHECK(load64(100).value() == 0x0102030405060708);
  CHECK_FALSE(store64(2 * 65536 - 15, 1).ok());  // offset 8, 8 bytes: one past the end
  CHECK(store64(2 * 65536 - 16, 1).ok());

  // v128 load from memory 1, store to memory 2, lane store to memory 0.
  CHECK(typedExport<void(int32_t, int32_t)>(inst, "v128_roundtrip")(16, 300).ok());
  CHECK(std::memcmp(scratch->data() + 300, "tern", 4) == 0);
  CHECK(imp->data()[300] == 'n');

  auto sizes = inst->getFunc("sizes")->call({});
  REQUIRE(sizes.ok());
  CHECK(sizes.value()[0].asI32() == 1);
  CHECK(sizes.value()[1].asI32() == 1);
  CHECK(sizes.value()[2].asI32() == 2);
  auto grow = typedExport<int32_t(int32_t)>(inst, "grow_data");
  CHECK(grow(2).value() == 1);
  CHECK(grow(1).value() == -1);  // max 3
  CHECK(data->pages() == 3);
  CHECK(inst->getFunc("sizes")->call({}).value()[1].asI32() == 3);
  CHECK(load8(1, 3 * 65536 - 1).ok());

  // memory.copy from memory 1 to memory 2, fill of memory 1, init of memory 2.
  auto copy = typedExport<void(int32_t, int32_t, int32_t)>(inst, "copy");
  CHECK(copy(1000, 16, 4).ok());
  CHECK(std::memcmp(scratch->data() + 1000, "tern", 4) == 0);
  CHECK_FALSE(copy(2 * 65536 - 2, 16, 4).ok());
  CHECK_FALSE(copy(0, 3 * 65536 - 2, 4).ok());
  auto fill = typedExport<void(int32_t, int32_t, int32_t)>(inst, "fill");
  CHECK(fill(16, 'x', 2).ok());
  CHECK(std::memcmp(data->data() + 16, "xxrn", 4) == 0);
  CHECK(scratch->data()[1000] == 't');
  CHECK_FALSE(fill(3 * 65536 - 1, 0, 2).ok());
  auto init = typedExport<void(int32_t, int32_t, int32_t)>(inst, "init");
  CHECK(init(2000, 1, 4).ok());
  CHECK(std::memcmp(scratch->data() + 2000, "ulti", 4) == 0);
  CHECK(data->data()[2000] == 0);
  CHECK_FALSE(init(2 * 65536 - 1, 0, 2).ok());
}
