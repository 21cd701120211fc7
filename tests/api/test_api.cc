// The public C++ API (include/tern/tern.hpp), call by call, with its error
// paths. Modules come from api.wat and tiny.wat (wat2wasm at build time).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// Tern turns faults in JIT code into traps with its own SIGSEGV handler;
// doctest's crash handler would take its place during each test case.
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <thread>

#include "tern/tern.hpp"
#include "tern/wasi.hpp"
#include "tier_probe.h"
#include "wasm.h"

using namespace tern;

// Runs the rest of the test case once per tier, as the doctest subcases
// "interp" and "jit" (declares `var`, the tier of the current run).
#define FOR_EACH_TIER(var) \
  Tier var = Tier::Interp; \
  SUBCASE("interp") { var = Tier::Interp; } \
  SUBCASE("jit") { var = Tier::Jit; }

namespace {

std::vector<uint8_t> readFile(const std::string& name) {
  std::ifstream in(std::string(TERN_API_WASM_DIR) + "/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::shared_ptr<Module> compileOk(Engine& e, const std::string& name) {
  auto m = Module::compile(e, readFile(name));
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
  return m.value();
}

// Links api.wasm with host functions defined on the linker.
struct ApiFixture {
  Engine engine;
  Store store{engine};
  Linker linker;
  std::vector<int64_t> logged;
  std::shared_ptr<Module> module;
  Instance* inst = nullptr;

  explicit ApiFixture(Config cfg = {}) : engine(cfg) {
    linker.func("host", "add", [](int32_t a, int32_t b) { return a + b; });
    linker.func("host", "log", [this](int64_t v) { logged.push_back(v); });
    module = compileOk(engine, "api.wasm");
    auto i = linker.instantiate(store, module);
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
  }
};

Config tierConfig(Tier tier) {
  Config c;
  c.tier = tier;
  return c;
}

void checkTier(const Instance& inst, std::string_view name, Tier tier) {
  bool expect_jit = tier == Tier::Jit && test::jitAvailable();
  CHECK_MESSAGE(test::runsJitCode(inst, name) == expect_jit,
                std::string(name) << (expect_jit ? " should" : " should not") << " be JIT code");
}

}  // namespace

TEST_CASE("Module: compile, compileFile, validate, streaming, reflection") {
  Engine engine;
  auto bytes = readFile("api.wasm");
  auto m = Module::compile(engine, bytes);
  REQUIRE(m.ok());
  CHECK_FALSE(Module::validate(bytes).has_value());

  auto f = Module::compileFile(engine, std::string(TERN_API_WASM_DIR) + "/api.wasm");
  REQUIRE(f.ok());
  CHECK(f.value()->exports().size() == m.value()->exports().size());

  auto missing = Module::compileFile(engine, "/nonexistent/x.wasm");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::Io);

  // Imports and exports with their types.
  auto imports = m.value()->imports();
  REQUIRE(imports.size() == 2);
  CHECK(imports[0].module == "host");
  CHECK(imports[0].name == "add");
  CHECK(imports[0].type.kind == ExternKind::Func);
  CHECK(imports[0].type.func == FuncType{{ValType::I32, ValType::I32}, {ValType::I32}});
  bool saw_memory = false, saw_pi = false;
  for (const ExportInfo& e : m.value()->exports()) {
    if (e.name == "memory") {
      saw_memory = true;
      CHECK(e.type.memory.limits.min == 1);
      CHECK(e.type.memory.limits.max == std::optional<uint64_t>(4));
    }
    if (e.name == "pi") {
      saw_pi = true;
      CHECK(e.type.global.type == ValType::F64);
      CHECK_FALSE(e.type.global.mut);
    }
  }
  CHECK(saw_memory);
  CHECK(saw_pi);

  // Streaming in uneven chunks gives the same module.
  ModuleStreamer s(engine);
  for (size_t i = 0; i < bytes.size(); i += 7)
    CHECK(s.feed(std::span<const uint8_t>(bytes.data() + i, std::min<size_t>(7, bytes.size() - i))));
  auto sm = s.finish();
  REQUIRE(sm.ok());
  CHECK(sm.value()->imports().size() == 2);

  // Errors are values with a kind, a message and an offset.
  std::vector<uint8_t> bad = bytes;
  bad[0] = 'x';
  auto e = Module::compile(engine, bad);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().kind == ErrorKind::Malformed);
  CHECK(e.error().message == "magic header not detected");
  CHECK(e.error().offset == 0);
  CHECK(e.error().toString().find("offset") != std::string::npos);
  CHECK(Module::validate(bad).has_value());

  ModuleStreamer bad_stream(engine);
  CHECK_FALSE(bad_stream.feed(bad));
  CHECK_FALSE(bad_stream.finish().ok());
}

TEST_CASE("Func: dynamic calls, typed calls, multi-value, traps with backtraces") {
  ApiFixture fx;
  Func* sum = fx.inst->getFunc("sum");
  REQUIRE(sum);
  CHECK(sum->type().toString() == "(i32, i32) -> (i32)");
  Value args[] = {Value::i32(40), Value::i32(2)};
  auto r = sum->call(args);
  REQUIRE(r.ok());
  REQUIRE(r.value().size() == 1);
  CHECK(r.value()[0].asI32() == 42);

  // Wrong arity and wrong types are errors, not crashes.
  Value one[] = {Value::i32(1)};
  CHECK_FALSE(sum->call(one).ok());
  Value wrong[] = {Value::i64(1), Value::i32(2)};
  CHECK_FALSE(sum->call(wrong).ok());

  auto typed = sum->typed<int32_t(int32_t, int32_t)>();
  REQUIRE(typed.ok());
  auto tr = typed.value()(7, 8);
  REQUIRE(tr.ok());
  CHECK(tr.value() == 15);
  auto bad_sig = sum->typed<int64_t(int32_t, int32_t)>();
  REQUIRE_FALSE(bad_sig.ok());
  CHECK(bad_sig.error().message.find("(i32, i32) -> (i32)") != std::string::npos);

  auto swap = fx.inst->getFunc("swap")->typed<std::tuple<int64_t, int32_t>(int32_t, int64_t)>();
  REQUIRE(swap.ok());
  auto sr = swap.value()(5, int64_t(1) << 40);
  REQUIRE(sr.ok());
  CHECK(std::get<0>(sr.value()) == (int64_t(1) << 40));
  CHECK(std::get<1>(sr.value()) == 5);

  auto log = fx.inst->getFunc("log_twice")->typed<void(int64_t)>();
  REQUIRE(log.ok());
  REQUIRE(log.value()(100).ok());
  CHECK(fx.logged == std::vector<int64_t>{100, 101});

  auto fdiv = fx.inst->getFunc("fdiv")->typed<float(float, float)>();
  REQUIRE(fdiv.ok());
  CHECK(fdiv.value()(1.0f, 4.0f).value() == 0.25f);

  auto div = fx.inst->getFunc("div")->typed<int32_t(int32_t, int32_t)>();
  REQUIRE(div.ok());
  auto trap = div.value()(1, 0);
  REQUIRE_FALSE(trap.ok());
  CHECK(trap.error().kind == TrapKind::IntDivByZero);
  CHECK(trap.error().message == "integer divide by zero");
  REQUIRE_FALSE(trap.error().backtrace.empty());
  CHECK(trap.error().backtrace[0] == "div");
  CHECK(trap.error().toString().find("at div") != std::string::npos);
  // The instance stays usable after a trap.
  CHECK(div.value()(9, 3).value() == 3);

  auto deep = fx.inst->getFunc("recurse")->typed<int32_t(int32_t)>();
  auto dr = deep.value()(0);
  REQUIRE_FALSE(dr.ok());
  CHECK(dr.error().kind == TrapKind::CallStackExhausted);
  CHECK(div.value()(8, 2).value() == 4);
}

TEST_CASE("Memory, Global, Table through exports and the Store") {
  ApiFixture fx;
  Memory* mem = fx.inst->getMemory("memory");
  REQUIRE(mem);
  CHECK(mem->pages() == 1);
  CHECK(mem->size() == 65536);
  CHECK(std::memcmp(mem->data() + 16, "hello", 5) == 0);
  mem->data()[100] = 77;
  CHECK(fx.inst->getFunc("load8")->typed<int32_t(int32_t)>().value()(100).value() == 77);
  CHECK(mem->grow(1) == 1);
  CHECK(mem->pages() == 2);
  CHECK(mem->grow(10) == -1);  // max is 4
  CHECK(mem->type().limits.max == std::optional<uint64_t>(4));
  auto grow = fx.inst->getFunc("grow")->typed<int32_t(int32_t)>().value();
  CHECK(grow(2).value() == 2);
  CHECK(grow(1).value() == -1);
  CHECK(mem->pages() == 4);

  Global* counter = fx.inst->getGlobal("counter");
  REQUIRE(counter);
  CHECK(counter->type().mut);
  CHECK(counter->get().asI32() == 0);
  auto bump = fx.inst->getFunc("bump")->typed<int32_t()>().value();
  CHECK(bump().value() == 1);
  CHECK(counter->set(Value::i32(41)));
  CHECK(bump().value() == 42);
  CHECK_FALSE(counter->set(Value::i64(1)));  // wrong type
  Global* pi = fx.inst->getGlobal("pi");
  REQUIRE(pi);
  CHECK(pi->get().asF64() == 3.25);
  CHECK_FALSE(pi->set(Value::f64(1.0)));  // immutable

  Table* table = fx.inst->getTable("table");
  REQUIRE(table);
  CHECK(table->size() == 2);
  auto e0 = table->get(0);
  REQUIRE(e0);
  REQUIRE(e0->asFuncRef());
  CHECK(e0->asFuncRef()->name() == "sum");
  CHECK_FALSE(table->get(2).has_value());
  CHECK(table->grow(3, Value::nullRef(ValType::FuncRef)) == 2);
  CHECK(table->size() == 5);
  CHECK(table->grow(100, Value::nullRef(ValType::FuncRef)) == -1);
  CHECK(table->set(4, Value::funcref(fx.inst->getFunc("sum"))));
  CHECK_FALSE(table->set(5, Value::nullRef(ValType::FuncRef)));
  CHECK_FALSE(table->set(0, Value::nullRef(ValType::ExternRef)));  // wrong type

  // Lookups of things that are not there, or of another kind.
  CHECK(fx.inst->getFunc("nope") == nullptr);
  CHECK(fx.inst->getFunc("memory") == nullptr);
  CHECK(fx.inst->getMemory("sum") == nullptr);
  CHECK_FALSE(fx.inst->getExport("nope").has_value());

  // Objects made by the store directly.
  auto m2 = fx.store.createMemory(MemoryType{{2, 3}});
  REQUIRE(m2.ok());
  CHECK(m2.value()->pages() == 2);
  Global* g = fx.store.createGlobal(GlobalType{ValType::I64, true}, Value::i64(-5));
  CHECK(g->get().asI64() == -5);
  Table* t = fx.store.createTable(TableType{ValType::ExternRef, {1, std::nullopt}}, Value::nullRef(ValType::ExternRef));
  CHECK(t->size() == 1);
  CHECK(t->get(0)->isNull());
}

TEST_CASE("Linker: host functions, instances by name, errors naming module, field and type") {
  Engine engine;
  Store store(engine);
  auto module = compileOk(engine, "api.wasm");

  Linker empty;
  auto missing = empty.instantiate(store, module);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::Link);
  CHECK(missing.error().message.find("host.add") != std::string::npos);
  CHECK(missing.error().message.find("(i32, i32) -> (i32)") != std::string::npos);

  Linker wrong;
  wrong.func("host", "add", [](int64_t a) { return a; });
  wrong.func("host", "log", [](int64_t) {});
  auto mismatch = wrong.instantiate(store, module);
  REQUIRE_FALSE(mismatch.ok());
  CHECK(mismatch.error().kind == ErrorKind::Link);
  CHECK(mismatch.error().message.find("incompatible import type") != std::string::npos);

  // Store-bound host functions, defined as externs; Caller gives the
  // calling instance's memory.
  Linker linker;
  int32_t seen_byte = -1;
  linker.define("host", "add", store.wrap([&](Caller& c, int32_t a, int32_t b) {
    if (Memory* m = c.memory()) seen_byte = m->data()[16];
    return a * b;
  }));
  linker.define("host", "log", store.wrap([](int64_t) {}));
  auto inst = linker.instantiate(store, module);
  REQUIRE(inst.ok());
  CHECK(inst.value()->getFunc("sum")->typed<int32_t(int32_t, int32_t)>().value()(6, 7).value() == 42);
  CHECK(seen_byte == 'h');

  // A second module importing the first instance's exports by name.
  linker.defineInstance("api", *inst.value());
  CHECK(linker.lookup("api", "memory").has_value());
  CHECK_FALSE(linker.lookup("api", "nope").has_value());

  // A host function that traps.
  Func* trapper = store.createHostFunc(
      FuncType{{}, {}}, [](Caller&, auto, auto) -> std::optional<Trap> { return Trap::host("host says no"); },
      "trapper");
  auto tr = trapper->call({});
  REQUIRE_FALSE(tr.ok());
  CHECK(tr.error().kind == TrapKind::Host);
  CHECK(tr.error().message == "host says no");
  CHECK(trapper->name() == "trapper");
}

TEST_CASE("InstancePre: resolve once, instantiate into fresh stores") {
  Engine engine;
  Linker linker;
  linker.func("host", "add", [](int32_t a, int32_t b) { return a - b; });
  linker.func("host", "log", [](int64_t) {});
  auto module = compileOk(engine, "api.wasm");
  auto pre = linker.instantiatePre(module);
  REQUIRE(pre.ok());
  for (int i = 0; i < 50; ++i) {
    Store store(engine);
    auto inst = pre.value().instantiate(store);
    REQUIRE(inst.ok());
    CHECK(inst.value()->getFunc("sum")->typed<int32_t(int32_t, int32_t)>().value()(10, i).value() == 10 - i);
    // Every instance starts from the data segment, not from the last one's writes.
    Memory* mem = inst.value()->getMemory("memory");
    CHECK(mem->data()[200] == 0);
    mem->data()[200] = 1;
  }
  Linker incomplete;
  CHECK_FALSE(incomplete.instantiatePre(module).ok());
}

TEST_CASE("Store limits: memory bytes, table elements, instances") {
  Engine engine;
  Linker linker;
  linker.func("host", "add", [](int32_t a, int32_t b) { return a + b; });
  linker.func("host", "log", [](int64_t) {});
  auto module = compileOk(engine, "api.wasm");

  Store store(engine);
  store.setLimits(StoreLimits{2 * 65536, UINT64_MAX, 1});
  auto inst = linker.instantiate(store, module);
  REQUIRE(inst.ok());
  auto grow = inst.value()->getFunc("grow")->typed<int32_t(int32_t)>().value();
  CHECK(grow(1).value() == 1);   // 2 pages: at the limit
  CHECK(grow(1).value() == -1);  // 3 pages would pass it
  CHECK(inst.value()->getMemory("memory")->pages() == 2);
  auto second = linker.instantiate(store, module);  // instance limit 1
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message.find("instance limit") != std::string::npos);

  Store small(engine);
  small.setLimits(StoreLimits{UINT64_MAX, 3, UINT64_MAX});
  auto t = linker.instantiate(small, module);  // its table has 2 elements
  REQUIRE(t.ok());
  CHECK(t.value()->getTable("table")->grow(1, Value::nullRef(ValType::FuncRef)) == 2);
  CHECK(t.value()->getTable("table")->grow(1, Value::nullRef(ValType::FuncRef)) == -1);

  Store tiny(engine);
  tiny.setLimits(StoreLimits{1000, UINT64_MAX, UINT64_MAX});  // less than one page
  auto none = linker.instantiate(tiny, module);
  REQUIRE_FALSE(none.ok());
}

TEST_CASE("Store limits: memory.grow returns -1 past the memory limit, in every tier") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  ApiFixture fx(tierConfig(tier));
  checkTier(*fx.inst, "grow", tier);
  // api.wasm's memory has 1 page and may grow to 4; the store allows 3.
  fx.store.setLimits(StoreLimits{3 * 65536, UINT64_MAX, UINT64_MAX});
  auto grow = fx.inst->getFunc("grow")->typed<int32_t(int32_t)>().value();
  auto load8 = fx.inst->getFunc("load8")->typed<int32_t(int32_t)>().value();
  Memory* mem = fx.inst->getMemory("memory");
  CHECK(grow(2).value() == 1);   // 3 pages: exactly the limit
  CHECK(grow(1).value() == -1);  // a 4th page is within the module's max, not the store's
  CHECK(grow(0).value() == 3);   // growing by nothing still works at the limit
  CHECK(mem->pages() == 3);
  CHECK(mem->grow(1) == -1);  // the host side is held to the same limit
  // The failed grows changed nothing: the last page is usable, the one after traps.
  mem->data()[3 * 65536 - 1] = 7;
  CHECK(load8(3 * 65536 - 1).value() == 7);
  auto r = load8(3 * 65536);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::MemoryOutOfBounds);
  // Raising the limit lets the same instance grow again.
  fx.store.setLimits(StoreLimits{});
  CHECK(grow(1).value() == 3);
  CHECK(grow(1).value() == -1);  // now the module's max of 4 pages holds
}

TEST_CASE("Interruption: an epoch bump from another thread stops an infinite loop, in every tier") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  Config cfg = tierConfig(tier);
  cfg.epoch_interruption = true;
  ApiFixture fx(cfg);
  checkTier(*fx.inst, "spin", tier);
  auto spin = fx.inst->getFunc("spin")->typed<void()>().value();
  fx.store.setEpochDeadline(1);
  std::thread bumper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fx.engine.incrementEpoch();
  });
  auto r = spin();
  bumper.join();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::Interrupted);
  CHECK(r.error().message == "interrupted");
  // A new deadline makes the store usable again.
  fx.store.setEpochDeadline(10);
  CHECK(fx.inst->getFunc("sum")->typed<int32_t(int32_t, int32_t)>().value()(1, 2).value() == 3);
}

TEST_CASE("Fuel: a loop runs out of fuel, in every tier") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  Config cfg = tierConfig(tier);
  cfg.consume_fuel = true;
  ApiFixture fx(cfg);
  checkTier(*fx.inst, "spin", tier);
  fx.store.setFuel(10000);
  auto r = fx.inst->getFunc("spin")->typed<void()>().value()();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::OutOfFuel);
  CHECK(fx.store.fuel() == 0);
  fx.store.setFuel(100);
  CHECK(fx.inst->getFunc("bump")->typed<int32_t()>().value()().ok());
  CHECK(fx.store.fuel() < 100);
}

TEST_CASE("Values and names") {
  CHECK(Value::i32(-1).toString() == "i32:-1");
  CHECK(Value::f64(0.5).asF64() == 0.5);
  CHECK(Value::f32Bits(0x7fc00000).asF32Bits() == 0x7fc00000u);
  CHECK(Value::nullRef(ValType::FuncRef).isNull());
  CHECK(std::string(valTypeName(ValType::ExternRef)) == "externref");
  CHECK(std::string(externKindName(ExternKind::Memory)) == "memory");
  CHECK(std::string(trapMessage(TrapKind::MemoryOutOfBounds)) == "out of bounds memory access");
  CHECK(std::string(versionString()).size() > 0);
  Engine e;
  uint32_t a = e.internType(FuncType{{ValType::I32}, {}});
  uint32_t b = e.internType(FuncType{{ValType::I32}, {}});
  uint32_t c = e.internType(FuncType{{ValType::I64}, {}});
  CHECK(a == b);
  CHECK(a != c);
  CHECK(e.typeOf(c).params[0] == ValType::I64);
}

// ---------------------------------------------------------------------------
// Host functions that throw or trap (host.wat), on every tier.

namespace {

// What host.act(x) does: throw a std::exception, throw something else,
// throw a tern::Trap, or return x + 100.
enum : int32_t { kThrowStd = 1, kThrowInt = 2, kThrowTrap = 3 };

struct HostFixture {
  Engine engine;
  Store store{engine};
  Linker linker;
  std::shared_ptr<Module> module;
  Instance* inst = nullptr;
  int poked = 0;

  explicit HostFixture(Config cfg) : engine(cfg) {
    linker.func("host", "act", [](int32_t x) -> int32_t {
      if (x == kThrowStd) throw std::runtime_error("boom");
      if (x == kThrowInt) throw 42;
      if (x == kThrowTrap) throw Trap::host("thrown trap");
      return x + 100;
    });
    // The documented way for a typed host function to trap: return it.
    linker.func("host", "check", [](int32_t x) -> Expected<int32_t, Trap> {
      if (x < 0) return Trap::host("negative: " + std::to_string(x));
      return x * 2;
    });
    linker.func("host", "poke", [this](Caller& c, int32_t code) -> std::optional<Trap> {
      CHECK(&c.store() == &store);
      ++poked;
      if (code != 0) return Trap::exit(code);
      return std::nullopt;
    });
    module = compileOk(engine, "host.wasm");
    auto i = linker.instantiate(store, module);
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
  }
  TypedFunc<int32_t(int32_t)> fn1(const char* name) {
    auto f = inst->getFunc(name)->typed<int32_t(int32_t)>();
    REQUIRE(f.ok());
    return f.value();
  }
  TypedFunc<int32_t(int32_t, int32_t)> fn2(const char* name) {
    auto f = inst->getFunc(name)->typed<int32_t(int32_t, int32_t)>();
    REQUIRE(f.ok());
    return f.value();
  }
};

// The trap's backtrace, innermost first, as one string: "host.act < deep < deep".
std::string frames(const Trap& t) {
  std::string s;
  for (const std::string& f : t.backtrace) s += (s.empty() ? "" : " < ") + f;
  return s;
}

// Rethrows the exception a HostException trap carries and returns what() of
// the std::exception it is ("" for anything else).
std::string rethrownWhat(const Trap& t) {
  REQUIRE(t.exception);
  try {
    std::rethrow_exception(t.exception);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "";
}

}  // namespace

TEST_CASE("Host exceptions: a std::exception from a host function is a trap with what(), in every tier") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  HostFixture fx(tierConfig(tier));
  for (const char* name : {"call_act", "deep", "indirect"}) checkTier(*fx.inst, name, tier);
  auto call_act = fx.fn1("call_act");
  auto deep = fx.fn2("deep");

  // Called straight from an export.
  auto r = call_act(kThrowStd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::HostException);
  CHECK(r.error().message == "boom");
  CHECK(frames(r.error()) == "host.act < call_act");
  CHECK(rethrownWhat(r.error()) == "boom");
  CHECK(call_act(5).value() == 105);  // the store stays usable

  // From deep inside Wasm: every Wasm frame shows in the backtrace.
  auto d = deep(10, kThrowStd);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().kind == TrapKind::HostException);
  CHECK(d.error().message == "boom");
  std::string want = "host.act";
  for (int i = 0; i < 11; ++i) want += " < deep";
  CHECK(frames(d.error()) == want);
  CHECK(deep(10, 5).value() == 115);

  // Many throws from deep recursion leave nothing behind: a recursion as
  // deep as the limit allows still works afterwards.
  for (int i = 0; i < 300; ++i) {
    auto again = deep(200, kThrowStd);
    REQUIRE_FALSE(again.ok());
    REQUIRE(again.error().kind == TrapKind::HostException);
  }
  CHECK(deep(5000, 1000).value() == 6100);
  CHECK(call_act(0).value() == 100);
}

TEST_CASE("Host exceptions: other exception types and thrown tern::Trap, in every tier") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  HostFixture fx(tierConfig(tier));
  auto call_act = fx.fn1("call_act");
  auto deep = fx.fn2("deep");

  // Not a std::exception: a generic message that names the function and the type.
  auto r = call_act(kThrowInt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::HostException);
  CHECK(r.error().message == "host function host.act threw a C++ exception of type int");
  CHECK(frames(r.error()) == "host.act < call_act");
  REQUIRE(r.error().exception);
  try {
    std::rethrow_exception(r.error().exception);
  } catch (int v) {
    CHECK(v == 42);
  }
  auto d = deep(3, kThrowInt);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().kind == TrapKind::HostException);
  CHECK(frames(d.error()) == "host.act < deep < deep < deep < deep");

  // A thrown tern::Trap is raised as it is.
  auto t = deep(2, kThrowTrap);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().kind == TrapKind::Host);
  CHECK(t.error().message == "thrown trap");
  CHECK_FALSE(t.error().exception);
  CHECK(frames(t.error()) == "host.act < deep < deep < deep");
  CHECK(call_act(1000).value() == 1100);
}

TEST_CASE("Host exceptions: through call_indirect, in every tier") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  HostFixture fx(tierConfig(tier));
  auto indirect = fx.fn2("indirect");

  // table[0] is the host function itself, table[2] a Wasm function calling it.
  auto r = indirect(0, kThrowStd);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::HostException);
  CHECK(r.error().message == "boom");
  CHECK(frames(r.error()) == "host.act < indirect");
  CHECK(indirect(0, 7).value() == 107);

  auto w = indirect(2, kThrowInt);
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().kind == TrapKind::HostException);
  CHECK(frames(w.error()) == "host.act < call_act < indirect");
  CHECK(indirect(2, 8).value() == 108);

  // table[1]: a typed host function that returns a trap.
  auto c = indirect(1, -3);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().kind == TrapKind::Host);
  CHECK(c.error().message == "negative: -3");
  CHECK(frames(c.error()) == "host.check < indirect");
  CHECK(indirect(1, 21).value() == 42);
}

TEST_CASE("Typed host functions raise traps by returning them, in every tier") {
  FOR_EACH_TIER(tier);
  CAPTURE(int(tier));
  HostFixture fx(tierConfig(tier));
  checkTier(*fx.inst, "call_check", tier);
  auto check = fx.fn1("call_check");
  CHECK(check(4).value() == 8);
  auto r = check(-1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::Host);
  CHECK(r.error().message == "negative: -1");
  CHECK(frames(r.error()) == "host.check < call_check");
  CHECK(check(5).value() == 10);

  // std::optional<Trap> for a function without results; the trap's kind
  // and exit code reach the caller.
  auto poke = fx.inst->getFunc("call_poke")->typed<void(int32_t)>().value();
  CHECK(poke(0).ok());
  auto e = poke(7);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().kind == TrapKind::Exit);
  CHECK(e.error().exit_code == 7);
  CHECK(fx.poked == 2);

  // store.wrap takes the same forms; Expected<std::monostate, Trap> for no results.
  Func* half = fx.store.wrap(
      [](int32_t x) -> Expected<int32_t, Trap> {
        if (x % 2) return Trap::host("odd");
        return x / 2;
      },
      "half");
  Value arg[] = {Value::i32(3)};
  auto h = half->call(arg);
  REQUIRE_FALSE(h.ok());
  CHECK(h.error().message == "odd");
  CHECK(frames(h.error()) == "half");
  Func* nothing = fx.store.wrap([](int32_t x) -> Expected<std::monostate, Trap> {
    if (x) return Trap::host("not zero");
    return std::monostate{};
  });
  CHECK(nothing->type().toString() == "(i32) -> ()");
  CHECK(nothing->call(arg).error().message == "not zero");
  Value zero[] = {Value::i32(0)};
  CHECK(nothing->call(zero).ok());
}

TEST_CASE("Host exceptions: host functions called directly, raw HostFn, WASI and the C API") {
  Engine engine;
  Store store(engine);
  // A raw HostFn called with Func::call.
  Func* raw = store.createHostFunc(
      FuncType{{}, {ValType::I32}},
      [](Caller&, auto, auto) -> std::optional<Trap> { throw std::logic_error("raw says no"); }, "raw");
  auto r = raw->call({});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == TrapKind::HostException);
  CHECK(r.error().message == "raw says no");
  CHECK(frames(r.error()) == "raw");

  // A WASI function calling an embedder's callback that throws.
  {
    FOR_EACH_TIER(tier);
    CAPTURE(int(tier));
    Engine e2(tierConfig(tier));
    Store s2(e2);
    Linker linker;
    wasi::Options opts;
    int writes = 0;
    opts.out = wasi::Stdio::toWriter([&](std::span<const uint8_t> data) {
      if (++writes == 1) throw std::runtime_error("stdout is gone");
      CHECK(std::string(data.begin(), data.end()) == "hi\n");
    });
    auto ctx = wasi::addToLinker(linker, s2, std::move(opts));
    auto inst = linker.instantiate(s2, compileOk(e2, "wasi_write.wasm"));
    REQUIRE(inst.ok());
    checkTier(*inst.value(), "write", tier);
    auto write = inst.value()->getFunc("write")->typed<int32_t()>().value();
    auto w = write();
    REQUIRE_FALSE(w.ok());
    CHECK(w.error().kind == TrapKind::HostException);
    CHECK(w.error().message == "stdout is gone");
    CHECK(frames(w.error()) == "wasi_snapshot_preview1.fd_write < write");
    CHECK(write().value() == 0);
    CHECK(writes == 2);
  }

  // A C API callback (written in C++) that throws: wasm_func_call returns a trap.
  wasm_engine_t* ce = wasm_engine_new();
  wasm_store_t* cs = wasm_store_new(ce);
  auto bytes = readFile("host.wasm");
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, bytes.size(), reinterpret_cast<const char*>(bytes.data()));
  wasm_module_t* cm = wasm_module_new(cs, &binary);
  wasm_byte_vec_delete(&binary);
  REQUIRE(cm);
  wasm_functype_t* i2i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_functype_t* i2v = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* act = wasm_func_new(cs, i2i, [](const wasm_val_vec_t*, wasm_val_vec_t*) -> wasm_trap_t* {
    throw std::runtime_error("C callback threw");
  });
  wasm_func_t* check = wasm_func_new(cs, i2i, [](const wasm_val_vec_t* args, wasm_val_vec_t* results) -> wasm_trap_t* {
    results->data[0] = WASM_I32_VAL(args->data[0].of.i32 + 1);
    return nullptr;
  });
  wasm_func_t* poke = wasm_func_new(cs, i2v,
                                    [](const wasm_val_vec_t*, wasm_val_vec_t*) -> wasm_trap_t* { return nullptr; });
  wasm_extern_t* externs[] = {wasm_func_as_extern(act), wasm_func_as_extern(check), wasm_func_as_extern(poke)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t* trap = nullptr;
  wasm_instance_t* ci = wasm_instance_new(cs, cm, &imports, &trap);
  REQUIRE(ci);
  wasm_extern_vec_t exports;
  wasm_instance_exports(ci, &exports);
  wasm_func_t* call_act = nullptr;
  wasm_func_t* call_check = nullptr;
  wasm_exporttype_vec_t types;
  wasm_module_exports(cm, &types);
  for (size_t i = 0; i < types.size; ++i) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    std::string name(n->data, n->size);
    if (name == "call_act") call_act = wasm_extern_as_func(exports.data[i]);
    if (name == "call_check") call_check = wasm_extern_as_func(exports.data[i]);
  }
  REQUIRE(call_act);
  REQUIRE(call_check);
  wasm_val_t av[] = {WASM_I32_VAL(1)};
  wasm_val_t rv[] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(av), results = WASM_ARRAY_VEC(rv);
  trap = wasm_func_call(call_act, &args, &results);
  REQUIRE(trap);
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  CHECK(std::string(msg.data) == "C callback threw");
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);
  trap = wasm_func_call(call_check, &args, &results);
  CHECK(trap == nullptr);
  CHECK(rv[0].of.i32 == 2);

  wasm_exporttype_vec_delete(&types);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(ci);
  wasm_func_delete(act);
  wasm_func_delete(check);
  wasm_func_delete(poke);
  wasm_functype_delete(i2i);
  wasm_functype_delete(i2v);
  wasm_module_delete(cm);
  wasm_store_delete(cs);
  wasm_engine_delete(ce);
}

TEST_CASE("Linker: definitions of another store or engine are refused at instantiation") {
  Engine engine;
  Store a(engine), b(engine);
  auto module = compileOk(engine, "api.wasm");

  Linker linker;
  linker.define("host", "add", a.wrap([](int32_t x, int32_t y) { return x + y; }));
  linker.define("host", "log", a.wrap([](int64_t) {}));
  CHECK(linker.instantiate(a, module).ok());
  auto r = linker.instantiate(b, module);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::Link);
  CHECK(r.error().message.rfind("import host.add is a func of another store: ", 0) == 0);
  CHECK(r.error().message.find("Linker::func") != std::string::npos);
  // The same through InstancePre and Store::instantiate.
  auto pre = linker.instantiatePre(module);
  REQUIRE(pre.ok());
  CHECK(pre.value().instantiate(a).ok());
  auto p = pre.value().instantiate(b);
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().message.find("host.add") != std::string::npos);
  auto direct = b.instantiate(
      module, {Extern(b.wrap([](int32_t x, int32_t y) { return x - y; })), Extern(a.wrap([](int64_t) {}))});
  REQUIRE_FALSE(direct.ok());
  CHECK(direct.error().message.rfind("import host.log is a func of another store: ", 0) == 0);

  // Memories, tables and globals: imports.wasm takes api.wasm's exports. In
  // store c, they come from c's own instance, but for one taken from store a.
  auto importer = compileOk(engine, "imports.wasm");
  auto in_a = linker.instantiate(a, module);
  REQUIRE(in_a.ok());
  for (const char* name : {"memory", "table", "counter"}) {
    CAPTURE(name);
    Store c(engine);
    Linker own;
    own.func("host", "add", [](int32_t x, int32_t y) { return x + y; });
    own.func("host", "log", [](int64_t) {});
    auto in_c = own.instantiate(c, module);
    REQUIRE(in_c.ok());
    own.defineInstance("api", *in_c.value());
    CHECK(own.instantiate(c, importer).ok());
    own.define("api", name, *in_a.value()->getExport(name));
    auto bad = own.instantiate(c, importer);
    REQUIRE_FALSE(bad.ok());
    std::string kind = std::string(name) == "counter" ? "global" : name;
    CHECK(bad.error().message.rfind("import api." + std::string(name) + " is a " + kind + " of another store: ", 0) ==
          0);
  }

  // Another engine: its store's externs, and modules it compiled.
  Engine other;
  Store o(other);
  Linker foreign;
  foreign.define("host", "add", o.wrap([](int32_t x, int32_t y) { return x + y; }));
  foreign.func("host", "log", [](int64_t) {});
  auto f = foreign.instantiate(b, module);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().message.rfind("import host.add is a func of another store and engine: ", 0) == 0);
  auto m = b.instantiate(compileOk(other, "tiny.wasm"), {});
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().kind == ErrorKind::Link);
  CHECK(m.error().message == "the module was compiled by another engine than the store's");

  // Store b is untouched by the refusals.
  Linker fine;
  fine.func("host", "add", [](int32_t x, int32_t y) { return x * y; });
  fine.func("host", "log", [](int64_t) {});
  auto ok = fine.instantiate(b, module);
  REQUIRE(ok.ok());
  CHECK(ok.value()->getFunc("sum")->typed<int32_t(int32_t, int32_t)>().value()(6, 7).value() == 42);
}

TEST_CASE("trapKindName: every kind has its own stable name") {
  std::set<std::string> seen;
  for (int i = 0; i <= int(kLastTrapKind); ++i) {
    TrapKind k = TrapKind(i);
    CAPTURE(i);
    std::string name = trapKindName(k);
    CHECK_FALSE(name.empty());
    CHECK(name != "unknown");
    CHECK(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string::npos);
    CHECK(seen.insert(name).second);  // no two kinds share a name
    CHECK(std::string(trapMessage(k)).size() > 0);
  }
  // kLastTrapKind really is the last: the value after it has no name.
  CHECK(std::string(trapKindName(TrapKind(int(kLastTrapKind) + 1))) == "unknown");
  CHECK(std::string(trapKindName(TrapKind::MemoryOutOfBounds)) == "memory-out-of-bounds");
  CHECK(std::string(trapKindName(TrapKind::HostException)) == "host-exception");
  CHECK(std::string(trapKindName(TrapKind::OutOfFuel)) == "out-of-fuel");
}
