// The runtime objects behind the public API (src/runtime/objects.h): a
// public pointer and the internal object it converts to are one address
// (funcref bits stored by the tiers from a FuncInst* are read back by the
// API as a Func*, and the other way round), the store's objects belong to
// its Store::Impl, and a host function's Caller names its caller.
#include <doctest/doctest.h>

#include <optional>
#include <span>
#include <vector>

#include "runtime/objects.h"
#include "tern/tern.hpp"
#include "wasm_builder.h"

namespace {

template <class Public, class Internal>
bool sameAddress(Public* p, Internal* i) {
  return static_cast<const void*>(p) == static_cast<const void*>(i);
}

}  // namespace

TEST_CASE("objects: public pointers and internal objects are one address") {
  tern::Engine engine;
  tern::Store store(engine);
  tern::Func* f = store.wrap([](int32_t x) { return x + 1; });
  tern::Memory* m = store.createMemory(tern::MemoryType{{1, 2}}).value();
  tern::Table* t = store.createTable(tern::TableType{tern::ValType::FuncRef, {2, std::nullopt}},
                                     tern::Value::nullRef(tern::ValType::FuncRef));
  tern::Global* g = store.createGlobal(tern::GlobalType{tern::ValType::I64, true}, tern::Value::i64(7));

  CHECK(sameAddress(f, tern::funcInst(f)));
  CHECK(sameAddress(m, tern::memoryInst(m)));
  CHECK(sameAddress(t, tern::tableInst(t)));
  CHECK(sameAddress(g, tern::globalInst(g)));

  tern::Store::Impl& s = tern::implOf(store);
  CHECK(tern::funcInst(f)->store_ == &s);
  CHECK(tern::memoryInst(m)->store_ == &s);
  CHECK(tern::tableInst(t)->store_ == &s);
  CHECK(tern::globalInst(g)->store_ == &s);
  CHECK(s.self_ == &store);

  // A funcref written by internal code (the raw FuncInst*) reads back
  // through the API as the same Func.
  tern::tableInst(t)->elems_[1] = uintptr_t(tern::funcInst(f));
  CHECK(t->get(1)->asFuncRef() == f);
  REQUIRE(t->set(0, tern::Value::funcref(f)));
  CHECK(reinterpret_cast<tern::FuncInst*>(tern::tableInst(t)->elems_[0]) == tern::funcInst(f));

  // What the JIT reads at offsetof(GlobalInst, bits_) is the API's value.
  CHECK(tern::globalInst(g)->bits_ == 7);
  REQUIRE(g->set(tern::Value::i64(-3)));
  CHECK(int64_t(tern::globalInst(g)->bits_) == -3);

  // Memory::size and grow go through the same object as the tiers' reads.
  CHECK(m->size() == tern::memoryInst(m)->size_);
  CHECK(m->grow(1) == 1);
  CHECK(tern::memoryInst(m)->size_ == 2 * 65536);
  CHECK(s.memory_bytes_ == 2 * 65536);
}

TEST_CASE("objects: an instance's objects and the Caller a host function gets") {
  tern::Engine engine;
  tern::Store store(engine);
  // (import "env" "probe" (func)) (memory (export "mem") 1)
  // (func (export "run") call 0)
  using namespace wb;
  ModuleBuilder b;
  b.section(kType, typeSection({{{}, {}}}));
  b.section(kImport, Buf().u32(1).str("env").str("probe").u8(0x00).u32(0));
  b.section(kFunction, funcSection({0}));
  b.section(kMemory, Buf().u32(1).u8(0x00).u32(1));
  b.section(kExport, exportSection({{"run", 0, 1}, {"mem", 2, 0}}));
  b.section(kCode, codeSection({{{}, {0x10, 0x00, 0x0b}}}));
  auto module = tern::Module::compile(engine, b.bytes());
  REQUIRE(module.ok());

  const tern::Instance* seen = nullptr;
  tern::Memory* seen_memory = nullptr;
  tern::Store* seen_store = nullptr;
  auto record = [&](tern::Caller& c, auto, auto) -> std::optional<tern::Trap> {
    seen = c.instance();
    seen_memory = c.memory();
    seen_store = &c.store();
    return std::nullopt;
  };
  tern::Func* probe = store.createHostFunc(tern::FuncType{}, record);
  auto inst = store.instantiate(module.value(), {tern::Extern(probe)});
  REQUIRE(inst.ok());
  tern::ModuleInst* mi = tern::moduleInst(inst.value());
  CHECK(sameAddress(inst.value(), mi));
  CHECK(&tern::moduleData(mi->module()) == &tern::moduleData(*module.value()));
  CHECK(mi->store_ == &tern::implOf(store));
  REQUIRE(mi->funcs_.size() == 2);
  CHECK(mi->funcs_[0] == tern::funcInst(probe));
  CHECK(mi->funcs_[1]->instance_ == mi);
  CHECK(inst.value()->getMemory("mem") == mi->memories_[0]);

  REQUIRE(inst.value()->getFunc("run")->call({}).ok());
  CHECK(seen == inst.value());
  CHECK(seen_memory == mi->memories_[0]);
  CHECK(seen_store == &store);

  // Called directly, a host function has no calling instance.
  REQUIRE(probe->call({}).ok());
  CHECK(seen == nullptr);
  CHECK(seen_memory == nullptr);
  CHECK(seen_store == &store);
}
