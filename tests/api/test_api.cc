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
#include <thread>

#include "jit/jit.h"
#include "module/module.h"
#include "tern/tern.hpp"

using namespace tern;

// Runs the rest of the test case once per tier, as the doctest subcases
// "interp" and "jit" (declares `var`, the tier of the current run).
#define FOR_EACH_TIER(var)                 \
  Tier var = Tier::Interp;                 \
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

// Whether the export `name` of `inst` runs as machine code: true on the JIT
// tier (where this build has a JIT), false on the interpreter. Makes sure a
// test of "every tier" does not silently run the interpreter twice.
bool runsJitCode(const Instance& inst, std::string_view name) {
  const ModuleData& md = inst.module().data();
  for (const Export& e : md.exports)
    if (e.kind == ExternKind::Func && e.name == name)
      return md.jit && e.index < md.jit->compiled.size() && md.jit->compiled[e.index];
  FAIL("no function export " << std::string(name));
  return false;
}

void checkTier(const Instance& inst, std::string_view name, Tier tier) {
  bool expect_jit = tier == Tier::Jit && jit::available();
  CHECK_MESSAGE(runsJitCode(inst, name) == expect_jit,
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
  Func* trapper = store.createHostFunc(FuncType{{}, {}}, [](Caller&, auto, auto) -> std::optional<Trap> {
    return Trap::host("host says no");
  }, "trapper");
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
  CHECK(mem->grow(1) == -1);     // the host side is held to the same limit
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
