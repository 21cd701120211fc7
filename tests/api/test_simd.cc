// v128 through the C++ API (simd.wat): exports and host functions with V128
// params and results, typed calls, v128 globals, call_indirect, and v128
// memory accesses with their traps, on every tier. The expected values are
// computed here from the arguments, lane by lane.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "doctest/doctest.h"
#include "tern/tern.hpp"

using namespace tern;

namespace {

std::vector<uint8_t> readWasm(const std::string& name) {
  std::ifstream in(std::string(TERN_API_WASM_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

V128 i32x4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return {uint64_t(a) | (uint64_t(b) << 32), uint64_t(c) | (uint64_t(d) << 32)};
}
uint32_t lane32(V128 v, int i) { return uint32_t((i < 2 ? v.lo : v.hi) >> (32 * (i % 2))); }
V128 addI32x4(V128 x, V128 y) {
  return i32x4(lane32(x, 0) + lane32(y, 0), lane32(x, 1) + lane32(y, 1), lane32(x, 2) + lane32(y, 2),
               lane32(x, 3) + lane32(y, 3));
}
// What the host functions compute: vadd adds the i64x2 lanes, vneg flips
// every bit, mix adds `a` to the low lane and truncates `d`.
V128 addI64x2(V128 x, V128 y) { return {x.lo + y.lo, x.hi + y.hi}; }
V128 notV(V128 x) { return {~x.lo, ~x.hi}; }

struct SimdFixture {
  Engine engine;
  Store store{engine};
  Linker linker;
  Instance* inst = nullptr;

  explicit SimdFixture(Tier tier)
      : engine([tier] {
          Config c;
          c.tier = tier;
          return c;
        }()) {
    linker.func("host", "vadd", [](V128 a, V128 b) { return addI64x2(a, b); });
    linker.func("host", "vneg", [](V128 a) { return notV(a); });
    linker.func("host", "mix", [](int32_t a, V128 v, double d) {
      return std::tuple<V128, int64_t>{V128{v.lo + uint64_t(a), v.hi}, int64_t(d)};
    });
    auto m = Module::compile(engine, readWasm("simd.wasm"));
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    auto i = linker.instantiate(store, m.value());
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
  }
  std::vector<Value> call(const char* name, std::vector<Value> args) {
    Func* f = inst->getFunc(name);
    REQUIRE(f);
    auto r = f->call(args);
    REQUIRE_MESSAGE(r.ok(), name << ": " << (r.ok() ? "" : r.error().toString()));
    return r.value();
  }
};

}  // namespace

TEST_CASE("v128: exports, host functions, globals, tables and memory, in every tier") {
  Tier tier = Tier::Interp;
  SUBCASE("interp") { tier = Tier::Interp; }
  SUBCASE("jit") { tier = Tier::Jit; }
  CAPTURE(int(tier));
  SimdFixture fx(tier);
  const V128 x = i32x4(1, 2, 3, 0xfffffff0u), y = i32x4(100, 200, 300, 400);

  auto dbl = fx.inst->getFunc("double")->typed<V128(V128)>();
  REQUIRE(dbl.ok());
  CHECK(dbl.value()(x).value() == addI32x4(x, x));
  CHECK(fx.inst->getFunc("double")->type().toString() == "(v128) -> (v128)");

  // Scalars and v128 mixed in params, locals and results.
  auto r = fx.call("mixed", {Value::i32(5), Value::v128(x), Value::i64(int64_t(1) << 40)});
  REQUIRE(r.size() == 3);
  CHECK(r[0].asI64() == int64_t(1) << 40);
  V128 w = addI32x4(x, i32x4(5, 5, 5, 5));
  CHECK(r[1].type == ValType::V128);
  CHECK(r[1].asV128() == w);
  CHECK(uint32_t(r[2].asI32()) == 5 + lane32(w, 3));

  // br_table, block results, if params and select, all carrying v128.
  for (int32_t i : {0, 1, 2, 7}) {
    CAPTURE(i);
    auto p = fx.call("pick", {Value::i32(i), Value::v128(x), Value::v128(y)});
    CHECK(p[0].asV128() == (i == 0 ? y : x));
    CHECK(p[1].asI32() == (i == 0 ? 11 : i == 1 ? 101 : 1));
  }
  for (int32_t c : {0, 1})
    for (int32_t c2 : {0, 1}) {
      CAPTURE(c);
      CAPTURE(c2);
      V128 v = c ? addI32x4(x, i32x4(3, 3, 3, 3)) : x;
      CHECK(fx.call("cond", {Value::i32(c), Value::v128(x), Value::v128(y), Value::i32(c2)})[0].asV128() ==
            (c2 ? v : y));
    }

  // Calls: interpreted, to the host, and through the table (to Wasm, to the
  // host, and a signature mismatch).
  V128 inner = addI64x2(addI32x4(x, x), y);
  auto c0 = fx.call("calls", {Value::v128(x), Value::v128(y), Value::i32(0)});
  CHECK(c0[0].asI64() == 9);
  CHECK(c0[1].asV128() == addI32x4(inner, inner));
  auto c1 = fx.call("calls", {Value::v128(x), Value::v128(y), Value::i32(1)});
  CHECK(c1[1].asV128() == notV(inner));
  Value bad[] = {Value::v128(x), Value::v128(y), Value::i32(2)};
  auto c2 = fx.inst->getFunc("calls")->call(bad);
  REQUIRE_FALSE(c2.ok());
  CHECK(c2.error().kind == TrapKind::IndirectCallTypeMismatch);

  auto m = fx.call("via_mix", {Value::i32(7), Value::v128(y), Value::f64(41.5)});
  CHECK(m[0].asV128() == V128{y.lo + 7, y.hi});
  CHECK(m[1].asI64() == 82);

  // Globals: the module's initializer, writes from Wasm and from the API.
  Global* g = fx.inst->getGlobal("g");
  REQUIRE(g);
  CHECK(g->get().asV128() == i32x4(1, 2, 3, 4));
  CHECK(fx.call("get_g", {})[0].asV128() == i32x4(1, 2, 3, 4));
  fx.call("set_g", {Value::v128(y)});
  CHECK(g->get().asV128() == y);
  CHECK(g->set(Value::v128(x)));
  CHECK(fx.call("get_g", {})[0].asV128() == x);
  CHECK_FALSE(g->set(Value::i64(1)));

  // Memory: a store, a load and a lane load, then the bounds.
  CHECK(fx.call("mem_rt", {Value::i32(16), Value::v128(y)})[0].asV128() ==
        i32x4(lane32(y, 0), lane32(y, 2), lane32(y, 2), lane32(y, 3)));
  Memory* mem = fx.inst->getMemory("mem");
  REQUIRE(mem);
  CHECK(mem->data()[16] == 100);
  Value oob[] = {Value::i32(65536 - 8), Value::v128(y)};
  auto t = fx.inst->getFunc("mem_rt")->call(oob);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind == TrapKind::MemoryOutOfBounds);
  Value last[] = {Value::i32(65536 - 16), Value::v128(x)};
  CHECK(fx.inst->getFunc("mem_rt")->call(last).ok());
}
