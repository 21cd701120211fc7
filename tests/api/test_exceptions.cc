// Wasm exceptions through the C++ API (exceptions.wat, the shape of a C++
// program built with -fwasm-exceptions), on both tiers: thrown and caught
// across several frames (interpreted and JIT-compiled), rethrown by a
// catch_all, through a host function that calls back into Wasm, raised by
// the host, and caught at the boundary as a Trap with the tag and values.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;

namespace {

std::vector<uint8_t> readExceptionsWasm() {
  std::ifstream f(std::string(TERN_API_WASM_DIR) + "/exceptions.wasm", std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

struct ExnFixture {
  Engine engine;
  Store store{engine};
  Linker linker;
  Instance* inst = nullptr;
  std::shared_ptr<Module> module;
  Tag* host_tag = nullptr;

  // cwasm: the module runs from its serialized image (.cwasm), which must
  // carry the JIT's catch tables.
  explicit ExnFixture(Tier tier, bool cwasm = false)
      : engine([tier] {
          Config c;
          c.tier = tier;
          c.features.exceptions = true;
          return c;
        }()) {
    host_tag = store.createTag(FuncType{{ValType::I32}, {}}, "host.error");
    linker.define("host", "error", Extern(host_tag));
    // Calls back into "thrower" and passes on what it raises.
    linker.defineFunc("host", "callback", FuncType{{ValType::I32, ValType::I32}, {ValType::I32}},
                      [this](Caller&, std::span<const Value> args, std::span<Value> results) -> std::optional<Trap> {
                        auto r = inst->getFunc("thrower")->call(args);
                        if (!r.ok()) return std::move(r.error());
                        results[0] = r.value()[0];
                        return std::nullopt;
                      });
    // Raises the host's tag, by throwing (a returned Trap works the same).
    linker.defineFunc("host", "raise", FuncType{{ValType::I32}, {}},
                      [this](Caller&, std::span<const Value> args, std::span<Value>) -> std::optional<Trap> {
                        throw Trap::raise(host_tag, {args[0]});
                      });
    auto m = Module::compile(engine, readExceptionsWasm());
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    module = m.value();
    if (cwasm) {
      auto image = module->serialize();
      REQUIRE_MESSAGE(image.ok(), (image.ok() ? "" : image.error().toString()));
      auto back = Module::deserialize(engine, *image);
      REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().toString()));
      module = back.value();
    }
    auto i = linker.instantiate(store, module);
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
  }
  Expected<std::vector<Value>, Trap> call(const char* name, std::vector<Value> args) {
    Func* f = inst->getFunc(name);
    REQUIRE(f);
    return f->call(args);
  }
  int64_t callI64(const char* name, std::vector<Value> args) {
    auto r = call(name, std::move(args));
    REQUIRE_MESSAGE(r.ok(), name << ": " << (r.ok() ? "" : r.error().toString()));
    return r.value()[0].asI64();
  }
  int32_t cleanups() { return inst->getGlobal("cleanups")->get().asI32(); }
};

// Whether TERN_JIT_FUNCS leaves some functions to the interpreter.
bool mixedTiers() {
  const char* f = std::getenv("TERN_JIT_FUNCS");
  return f && *f;
}

// The process's resident memory in bytes (Linux), or 0.
size_t residentBytes() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, resident = 0;
  if (!(f >> pages >> resident)) return 0;
  return resident * size_t(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("exceptions: thrown and caught across frames, tiers and host functions") {
  Tier tier = Tier::Interp;
  bool cwasm = false;
  SUBCASE("interp") { tier = Tier::Interp; }
  SUBCASE("jit") { tier = Tier::Jit; }
  SUBCASE("jit, from a .cwasm") {
    tier = Tier::Jit;
    cwasm = true;
  }
  if (tier == Tier::Jit && !test::jitAvailable()) return;
  ExnFixture fx(tier, cwasm);
  // On the JIT tier every function is machine code: $thrower (function 2)
  // throws from it, $middle (3) has neither handler nor throw, $cleanup (4,
  // catch_all and rethrow) and the others catch in it. Under TERN_JIT_FUNCS
  // (the api-exceptions-mixed tests) only the listed ones are, so that
  // exceptions cross between the tiers.
  if (!mixedTiers())
    for (uint32_t f = 2; f <= 15; ++f) CHECK(test::functionHasJitCode(*fx.module, f) == (tier == Tier::Jit));

  // No exception: the depth comes back through every frame.
  CHECK(fx.callI64("catch_err", {Value::i32(5), Value::i32(0)}) == 5);
  CHECK(fx.cleanups() == 0);
  // Thrown 6 frames below the catch: code + payload, one cleanup on the way.
  for (int32_t code : {1, 7, 123}) {
    int32_t before = fx.cleanups();
    CHECK(fx.callI64("catch_err", {Value::i32(4), Value::i32(code)}) == int64_t(code) + int64_t(code) * 1000);
    CHECK(fx.cleanups() == before + 1);
  }
  // Through the host function's frame, from a Wasm call it made.
  CHECK(fx.callI64("via_host", {Value::i32(9)}) == 9 + 9000);
  // Raised by the host, caught by Wasm.
  auto h = fx.call("catch_host", {Value::i32(41)});
  REQUIRE(h.ok());
  CHECK(h.value()[0].asI32() == 42);
  // delegate to an outer try of the same function (code + 1), and from a
  // nested try to the caller (code + payload); one cleanup each.
  int32_t before = fx.cleanups();
  CHECK(fx.callI64("delegate", {Value::i32(3), Value::i32(5)}) == 6);
  CHECK(fx.callI64("delegate", {Value::i32(3), Value::i32(100)}) == 100 + 100000);
  CHECK(fx.cleanups() == before + 2);
}

TEST_CASE("exceptions: thrown at depth 10,000 and caught at the top; a million throws in a loop") {
  Tier tier = Tier::Interp;
  SUBCASE("interp") { tier = Tier::Interp; }
  SUBCASE("jit") { tier = Tier::Jit; }
  if (tier == Tier::Jit && !test::jitAvailable()) return;
  ExnFixture fx(tier);
  for (int i = 0; i < 3; ++i) CHECK(fx.call("deep", {Value::i32(10000)}).value()[0].asI32() == 77);
  // Each iteration throws twice (from a callee, then in the loop's frame)
  // and catches both: with a stack that grew or exceptions that were kept,
  // a million iterations would exhaust the stack or show in the memory.
  CHECK(fx.callI64("loop", {Value::i32(1000)}) == 1000 * 999);
  size_t before = residentBytes();
  const int64_t n = 1000000;
  CHECK(fx.callI64("loop", {Value::i32(int32_t(n))}) == n * (n - 1));
  size_t after = residentBytes();
  // Under AddressSanitizer freed memory waits in its quarantine (256 MB by
  // default), so resident memory grows there whatever the runtime keeps.
#if !defined(__SANITIZE_ADDRESS__)
  CHECK(after < before + (16u << 20));
#else
  (void)before;
  (void)after;
#endif
  // The frames after all that: a throw at depth still gets caught.
  CHECK(fx.call("deep", {Value::i32(10000)}).value()[0].asI32() == 77);
}

TEST_CASE("exceptions: an uncaught exception is a trap naming its tag, with its values") {
  Tier tier = Tier::Interp;
  SUBCASE("interp") { tier = Tier::Interp; }
  SUBCASE("jit") { tier = Tier::Jit; }
  if (tier == Tier::Jit && !test::jitAvailable()) return;
  ExnFixture fx(tier);

  auto r = fx.call("thrower", {Value::i32(3), Value::i32(5)});
  REQUIRE(!r.ok());
  const Trap& t = r.error();
  CHECK(t.kind == TrapKind::UncaughtException);
  CHECK(std::string(trapKindName(t.kind)) == "uncaught-exception");
  CHECK(t.message == "uncaught exception (err)");
  REQUIRE(t.wasm_exception);
  Tag* err = fx.inst->getTag("err");
  REQUIRE(err);
  CHECK(t.wasm_exception->tag == err);
  CHECK(err->name() == "err");
  CHECK(err->type() == FuncType{{ValType::I32, ValType::I64}, {}});
  REQUIRE(t.wasm_exception->values.size() == 2);
  CHECK(t.wasm_exception->values[0].asI32() == 5);
  CHECK(t.wasm_exception->values[1].asI64() == 5000);
  // The backtrace has every frame the exception left: thrower 4 times.
  CHECK(t.frames.size() == 4);

  // A tag without an export name is named by its index.
  auto hidden = fx.call("throw_hidden", {});
  REQUIRE(!hidden.ok());
  CHECK(hidden.error().message == "uncaught exception (tag 3)");
  // The host's tag, uncaught when the host function is called directly.
  auto direct = fx.inst->getFunc("catch_host");
  REQUIRE(direct);
  Trap raised = Trap::raise(fx.host_tag, {Value::i32(1)});
  CHECK(raised.message == "uncaught exception (host.error)");
  CHECK(raised.kind == TrapKind::UncaughtException);
}

TEST_CASE("exceptions: tags are switched off by default, and a tag import must match") {
  Engine engine;
  std::vector<uint8_t> bytes = readExceptionsWasm();
  auto m = Module::compile(engine, bytes);
  CHECK(!m.ok());

  Config c;
  c.features.exceptions = true;
  Engine on(c);
  Store store(on);
  auto mod = Module::compile(on, bytes);
  REQUIRE(mod.ok());
  Linker linker;
  linker.define("host", "error", Extern(store.createTag(FuncType{{ValType::I64}, {}}, "wrong")));
  linker.func("host", "callback", [](int32_t a, int32_t) { return a; });
  linker.func("host", "raise", [](int32_t) {});
  auto inst = linker.instantiate(store, mod.value());
  REQUIRE(!inst.ok());
  CHECK(inst.error().kind == ErrorKind::Link);
}
