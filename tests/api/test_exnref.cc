// Wasm 3.0 exceptions' exnref through the C++ API (exnref_wasm.py writes the
// module), on both tiers: a host function receives an exnref as an opaque
// Value, sees the same exception after a throw_ref (identity is kept,
// through host frames too), passes it back to be thrown again, and
// Store::rethrow raises it as the same Trap::wasm_exception.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;

namespace {

struct ExnRefFixture {
  Engine engine;
  Store store{engine};
  Linker linker;
  Instance* inst = nullptr;
  std::shared_ptr<Module> module;
  Tag* tag = nullptr;
  std::vector<Value> seen;

  explicit ExnRefFixture(Tier tier)
      : engine([tier] {
          Config c;
          c.tier = tier;
          c.features.exceptions = true;
          return c;
        }()) {
    tag = store.createTag(FuncType{{ValType::I32}, {}}, "host.error");
    linker.define("host", "error", Extern(tag));
    linker.defineFunc("host", "see", FuncType{{ValType::ExnRef}, {}},
                      [this](Caller&, std::span<const Value> args, std::span<Value>) -> std::optional<Trap> {
                        seen.push_back(args[0]);
                        return std::nullopt;
                      });
    linker.defineFunc("host", "callback", FuncType{{ValType::I32}, {}},
                      [this](Caller&, std::span<const Value> args, std::span<Value>) -> std::optional<Trap> {
                        auto r = inst->getFunc("thrower")->call(args);
                        if (!r.ok()) return std::move(r.error());
                        return std::nullopt;
                      });
    std::ifstream f(std::string(TERN_API_WASM_DIR) + "/exnref.wasm", std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    auto m = Module::compile(engine, bytes);
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    module = m.value();
    auto i = linker.instantiate(store, module);
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
  }
  Expected<std::vector<Value>, Trap> call(const char* name, std::vector<Value> args) {
    Func* fn = inst->getFunc(name);
    REQUIRE(fn);
    return fn->call(args);
  }
};

}  // namespace

TEST_CASE("exnref: an opaque handle that keeps the exception's identity") {
  Tier tier = Tier::Interp;
  SUBCASE("interp") { tier = Tier::Interp; }
  SUBCASE("jit") { tier = Tier::Jit; }
  if (tier == Tier::Jit && !test::jitAvailable()) return;
  ExnRefFixture fx(tier);
  // thrower (function 2, after two imported ones) and pass (6) are machine
  // code on the JIT tier; catch-twice (3), rethrow (4) and keep (5), with
  // try_table or throw_ref, run in the interpreter.
  CHECK(test::functionHasJitCode(*fx.module, 2) == (tier == Tier::Jit));
  CHECK(test::functionHasJitCode(*fx.module, 6) == (tier == Tier::Jit));
  for (uint32_t f : {3u, 4u, 5u}) CHECK_FALSE(test::functionHasJitCode(*fx.module, f));

  // Thrown below a host frame, caught by reference, thrown again and caught
  // by reference again: the host sees one exception twice.
  auto r = fx.call("catch-twice", {Value::i32(77)});
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().toString()));
  REQUIRE(fx.seen.size() == 2);
  CHECK(fx.seen[0].type == ValType::ExnRef);
  CHECK_FALSE(fx.seen[0].isNull());
  CHECK(fx.seen[0].asExnRef() == fx.seen[1].asExnRef());
  const WasmException* e = fx.seen[0].asExnRef();
  CHECK(e->tag == fx.tag);
  REQUIRE(e->values.size() == 1);
  CHECK(e->values[0].asI32() == 77);

  // Back into Wasm: through machine code unchanged, then thrown again, it
  // leaves as the same exception.
  auto p = fx.call("pass", {fx.seen[0]});
  REQUIRE(p.ok());
  CHECK(p.value()[0].asExnRef() == e);
  auto t = fx.call("rethrow", {fx.seen[0]});
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind == TrapKind::UncaughtException);
  CHECK(t.error().wasm_exception.get() == e);

  // An exnref a function returns; Store::rethrow raises the same exception.
  auto k = fx.call("keep", {Value::i32(5)});
  REQUIRE(k.ok());
  Value kept = k.value()[0];
  CHECK(kept.type == ValType::ExnRef);
  CHECK(kept.asExnRef()->values[0].asI32() == 5);
  Trap again = fx.store.rethrow(kept);
  CHECK(again.kind == TrapKind::UncaughtException);
  CHECK(again.wasm_exception.get() == kept.asExnRef());

  // Null: throw_ref traps, and so does Store::rethrow's trap.
  auto n = fx.call("rethrow", {Value::nullRef(ValType::ExnRef)});
  REQUIRE_FALSE(n.ok());
  CHECK(n.error().kind == TrapKind::NullReference);
  CHECK(n.error().message == "null exception reference");
  CHECK(fx.store.rethrow(Value::nullRef(ValType::ExnRef)).kind == TrapKind::NullReference);
}
