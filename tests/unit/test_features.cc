// Feature switches (tern::Features, `-W NAME[=y|n]`) and the features
// behind them: extended constant expressions (parsing the switches, the
// decoder's gate, the type checks, and the values instantiation computes)
// and memory64's decoder gate, index types and limits.
#include <doctest/doctest.h>

#include "tern/tern.hpp"
#include "wasm_builder.h"

using namespace wb;

namespace {

// A module with one exported immutable global of type `type` whose
// initializer is `init` (without its `end`), and an imported i32 global
// (index 0) that initializers may read.
Bytes globalModule(uint8_t type, const Bytes& init) {
  ModuleBuilder m;
  m.section(kImport, Buf().u32(1).str("env").str("g").u8(0x03).u8(I32).u8(0x00));
  m.section(kGlobal, Buf().u32(1).u8(type).u8(0x00).raw(init).u8(0x0b));
  m.section(kExport, Buf().u32(1).str("x").u8(0x03).u32(1));
  return m.bytes();
}

// Instantiates globalModule(type, init) with env.g = `g` and returns x.
tern::Value evaluate(uint8_t type, const Bytes& init, int32_t g) {
  tern::Engine engine;
  tern::Store store(engine);
  Bytes b = globalModule(type, init);
  auto mod = tern::Module::compile(engine, b);
  REQUIRE_MESSAGE(mod.ok(), (mod.ok() ? "" : mod.error().toString()));
  tern::Global* imp = store.createGlobal({tern::ValType::I32, false}, tern::Value::i32(g));
  auto inst = store.instantiate(mod.value(), {tern::Extern(imp)});
  REQUIRE_MESSAGE(inst.ok(), (inst.ok() ? "" : inst.error().toString()));
  tern::Global* x = inst.value()->getGlobal("x");
  REQUIRE(x);
  return x->get();
}

}  // namespace

TEST_CASE("features: -W switches") {
  tern::Features f;
  CHECK(f.extended_const);
  CHECK(f.tail_call);
  CHECK_FALSE(f.set("extended-const=n").has_value());
  CHECK_FALSE(f.extended_const);
  CHECK_FALSE(f.set("extended-const").has_value());
  CHECK(f.extended_const);
  CHECK_FALSE(f.set("all=n").has_value());
  CHECK(f == tern::Features{false, false, false, false, false});
  CHECK_FALSE(f.set("all=y").has_value());  // every implemented feature (today: all of them)
  CHECK(f == tern::Features{true, true, true, true, true});
  CHECK_FALSE(f.set("extended-const=no,extended-const=yes").has_value());
  CHECK(f.extended_const);

  std::optional<std::string> e = f.set("extended-const=maybe");
  REQUIRE(e);
  CHECK(e->find("must be y or n") != std::string::npos);
  e = f.set("simd-everywhere");
  REQUIRE(e);
  CHECK(e->find("unknown feature") != std::string::npos);
  CHECK_FALSE(f.set("exceptions=n").has_value());
  CHECK_FALSE(f.exceptions);
  CHECK_FALSE(f.set("exceptions=n").has_value());  // switching off what is off is fine
  CHECK_FALSE(f.set("tail-call=n").has_value());
  CHECK_FALSE(f.tail_call);
  CHECK(tern::Features::known("memory64"));
  CHECK_FALSE(tern::Features::known("memory32"));
}

TEST_CASE("extended-const: the decoder's gate and type checks") {
  // (i32.mul (i32.const 6) (i32.const 7))
  Bytes b = globalModule(I32, {0x41, 0x06, 0x41, 0x07, 0x6c});
  CHECK_FALSE(tern::Module::validate(b).has_value());
  tern::Features off;
  off.extended_const = false;
  std::optional<tern::Error> e = tern::Module::validate(b, off);
  REQUIRE(e);
  CHECK(e->message.find("constant expression required") != std::string::npos);
  CHECK(e->offset != SIZE_MAX);
  // The engine's configuration is what Module::compile follows.
  tern::Config cfg;
  cfg.features = off;
  tern::Engine engine(cfg);
  CHECK_FALSE(tern::Module::compile(engine, b).ok());

  auto invalid = [](uint8_t type, const Bytes& init) {
    std::optional<tern::Error> err = tern::Module::validate(globalModule(type, init));
    REQUIRE(err);
    return err->message;
  };
  // i64.add of i32 operands, i32.add of one operand, two values left, i32 result for an i64 global.
  CHECK(invalid(I32, {0x41, 0x01, 0x41, 0x02, 0x7c}).find("type mismatch") != std::string::npos);
  CHECK(invalid(I32, {0x41, 0x01, 0x6a}).find("type mismatch") != std::string::npos);
  CHECK(invalid(I32, {0x41, 0x01, 0x41, 0x02}).find("type mismatch") != std::string::npos);
  CHECK(invalid(I64, {0x41, 0x01, 0x41, 0x02, 0x6a}).find("type mismatch") != std::string::npos);
  // Other arithmetic stays non-constant.
  CHECK(invalid(I32, {0x41, 0x01, 0x41, 0x02, 0x6d}).find("constant expression required") != std::string::npos);
}

TEST_CASE("extended-const: values, with wrapping arithmetic and imported globals") {
  // ((g + 42) - 5) * 3 with g = 10
  CHECK(evaluate(I32, {0x23, 0x00, 0x41, 0x2a, 0x6a, 0x41, 0x05, 0x6b, 0x41, 0x03, 0x6c}, 10).asI32() == 141);
  // 0x7fffffff + 1 wraps to INT32_MIN; 2 - 3 = -1
  CHECK(evaluate(I32, {0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x41, 0x01, 0x6a}, 0).asI32() == INT32_MIN);
  CHECK(evaluate(I32, {0x41, 0x02, 0x41, 0x03, 0x6b}, 0).asI32() == -1);
  // i64: 2^40 * 1000 - 1
  Buf c;
  c.u8(0x42).s32(int64_t(1) << 40).u8(0x42).s32(1000).u8(0x7e).u8(0x42).s32(1).u8(0x7d);
  CHECK(evaluate(I64, c.b, 0).asI64() == (int64_t(1) << 40) * 1000 - 1);
}

namespace {

// A module with one memory (limits flags `flags`, then `limits` as LEB128s)
// and one function of type [param] -> [] whose body is `code` (with end).
Bytes memoryModule(uint8_t flags, std::initializer_list<uint64_t> limits, uint8_t param, const Bytes& code) {
  ModuleBuilder m;
  m.section(kType, typeSection({{{param}, {}}}));
  m.section(kFunction, funcSection({0}));
  Buf mem;
  mem.u32(1).u8(flags);
  for (uint64_t l : limits) mem.u32(l);
  m.section(kMemory, mem);
  m.section(kCode, codeSection({{{}, code}}));
  return m.bytes();
}

std::string rejection(const Bytes& b, bool memory64) {
  tern::Features f;
  f.memory64 = memory64;
  std::optional<tern::Error> e = tern::Module::validate(b, f);
  return e ? e->message : "valid";
}

}  // namespace

TEST_CASE("memory64: the decoder's gate, index types and limits") {
  // (i64.load8_u (local.get 0)) dropped: valid on an i64 memory only.
  const Bytes load64 = {0x20, 0x00, 0x31, 0x00, 0x00, 0x1a, 0x0b};
  CHECK(rejection(memoryModule(0x04, {1}, I64, load64), true) == "valid");
  CHECK(rejection(memoryModule(0x05, {1, 2}, I64, load64), true) == "valid");
  // Without -W memory64 the flag is an integer too large, as in Wasm 2.0.
  CHECK(rejection(memoryModule(0x04, {1}, I64, load64), false).find("integer too large") != std::string::npos);
  // An i32 address on an i64 memory and an i64 one on an i32 memory.
  CHECK(rejection(memoryModule(0x04, {1}, I32, load64), true).find("type mismatch") != std::string::npos);
  CHECK(rejection(memoryModule(0x00, {1}, I64, load64), true).find("type mismatch") != std::string::npos);
  // Limits: 2^48 pages is the most an i64 memory may have; 65536 for i32.
  CHECK(rejection(memoryModule(0x05, {0, uint64_t(1) << 48}, I64, load64), true) == "valid");
  CHECK(rejection(memoryModule(0x05, {0, (uint64_t(1) << 48) + 1}, I64, load64), true).find("2^48") !=
        std::string::npos);
  CHECK(rejection(memoryModule(0x00, {65537}, I64, {0x0b}), true).find("65536 pages") != std::string::npos);
  // Offsets: a u64 for an i64 memory; 2^32 or more is out of range on an i32 one.
  Bytes big = {0x20, 0x00, 0x31, 0x00};
  for (uint64_t v = uint64_t(1) << 32;; v >>= 7) {  // LEB128 of 2^32
    big.push_back(uint8_t((v & 0x7f) | (v >> 7 ? 0x80 : 0)));
    if (!(v >> 7)) break;
  }
  big.insert(big.end(), {0x1a, 0x0b});
  CHECK(rejection(memoryModule(0x04, {1}, I64, big), true) == "valid");
  CHECK(rejection(memoryModule(0x00, {1}, I32, big), true).find("offset out of range") != std::string::npos);
  // memory.size and memory.grow are i64 on an i64 memory: (drop (memory.grow (local.get 0))).
  const Bytes grow = {0x20, 0x00, 0x40, 0x00, 0x1a, 0x0b};
  CHECK(rejection(memoryModule(0x04, {1}, I64, grow), true) == "valid");
  CHECK(rejection(memoryModule(0x04, {1}, I32, grow), true).find("type mismatch") != std::string::npos);
  // (i64.add (memory.size) (i64.const 1)) dropped.
  const Bytes size = {0x3f, 0x00, 0x42, 0x01, 0x7c, 0x1a, 0x0b};
  CHECK(rejection(memoryModule(0x04, {1}, I32, size), true) == "valid");
  CHECK(rejection(memoryModule(0x00, {1}, I32, size), true).find("type mismatch") != std::string::npos);
}

TEST_CASE("memory64 with several memories: any mix of 32- and 64-bit memories is valid") {
  for (uint8_t first : {0x00, 0x04})
    for (uint8_t second : {0x00, 0x04}) {
      ModuleBuilder m;
      Buf mem;
      mem.u32(2).u8(first).u32(1).u8(second).u32(1);
      m.section(kMemory, mem);
      tern::Features f;
      f.memory64 = true;
      CHECK_FALSE(tern::Module::validate(m.bytes(), f).has_value());
      // Without multi-memory the second memory is still refused.
      f.multi_memory = false;
      std::optional<tern::Error> e = tern::Module::validate(m.bytes(), f);
      REQUIRE(e);
      CHECK(e->message.find("multiple memories") != std::string::npos);
    }
}

TEST_CASE("tail-call: the decoder's gate") {
  // (func (return_call 0)), and one with a result whose return_call's callee returns nothing.
  Bytes b = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00,
             0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x12, 0x00, 0x0b};
  CHECK_FALSE(tern::Module::validate(b).has_value());
  tern::Features off;
  off.tail_call = false;
  std::optional<tern::Error> e = tern::Module::validate(b, off);
  REQUIRE(e);
  CHECK(e->message.find("illegal opcode") != std::string::npos);
  CHECK(e->offset == b.size() - 3);  // the return_call
  Bytes mismatch = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
                    0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x01, 0x0a,
                    0x09, 0x02, 0x02, 0x00, 0x0b, 0x04, 0x00, 0x12, 0x00, 0x0b};
  e = tern::Module::validate(mismatch);
  REQUIRE(e);
  CHECK(e->message.find("type mismatch") != std::string::npos);
}

TEST_CASE("exceptions: try_table, throw_ref and exnref only with the feature, at their offsets") {
  tern::Features on, off;
  on.exceptions = true;
  off.exceptions = false;
  // (func (block (try_table (catch_all 0))))
  Bytes tt = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01,
              0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x02, 0x40, 0x1f, 0x40, 0x01, 0x02, 0x00, 0x0b, 0x0b, 0x0b};
  CHECK_FALSE(tern::Module::validate(tt, on).has_value());
  std::optional<tern::Error> e = tern::Module::validate(tt, off);
  REQUIRE(e);
  CHECK(e->message.find("illegal opcode") != std::string::npos);
  CHECK(e->offset == 25);  // the try_table
  // A catch clause of kind 4: malformed, at the kind's byte.
  Bytes bad = tt;
  bad[28] = 0x04;
  e = tern::Module::validate(bad, on);
  REQUIRE(e);
  CHECK(e->message.find("malformed catch clause") != std::string::npos);
  CHECK(e->offset == 28);
  // (func (local exnref) (throw_ref (local.get 0))): exnref is a value type
  // with the feature only.
  Bytes local = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03,
                 0x02, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x01, 0x01, 0x69, 0x20, 0x00, 0x0a, 0x0b};
  CHECK_FALSE(tern::Module::validate(local, on).has_value());
  e = tern::Module::validate(local, off);
  REQUIRE(e);
  CHECK(e->message.find("malformed value type") != std::string::npos);
  CHECK(e->offset == 24);
  // throw_ref of an i32: a type mismatch at the throw_ref.
  Bytes i32 = local;
  i32[24] = 0x7f;
  e = tern::Module::validate(i32, on);
  REQUIRE(e);
  CHECK(e->message.find("type mismatch") != std::string::npos);
  CHECK(e->offset == 27);
}
