// Feature switches (tern::Features, `-W NAME[=y|n]`) and the first feature
// behind one, extended constant expressions: parsing the switches, the
// decoder's gate, the type checks, and the values instantiation computes.
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
  CHECK_FALSE(f.set("all=y").has_value());  // every implemented feature, no error for the rest
  CHECK(f.extended_const);
  CHECK(f.tail_call);
  CHECK_FALSE(f.exceptions);
  CHECK_FALSE(f.set("extended-const=no,extended-const=yes").has_value());
  CHECK(f.extended_const);

  std::optional<std::string> e = f.set("extended-const=maybe");
  REQUIRE(e);
  CHECK(e->find("must be y or n") != std::string::npos);
  e = f.set("simd-everywhere");
  REQUIRE(e);
  CHECK(e->find("unknown feature") != std::string::npos);
  e = f.set("exceptions");
  REQUIRE(e);
  CHECK(e->find("not implement") != std::string::npos);
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
