// The value-stack frame layout both tiers share (src/module/frame_layout.h),
// and the validator's slot height that places the operand stack in it.
#include <doctest/doctest.h>

#include <utility>
#include <vector>

#include "decode/function_decoder.h"
#include "decode/module_decoder.h"
#include "module/frame_layout.h"

using tern::FrameLayout;
using tern::ValType;

TEST_CASE("frame layout: one slot per scalar, two per v128") {
  CHECK(tern::slotsOf(ValType::I32) == 1);
  CHECK(tern::slotsOf(ValType::I64) == 1);
  CHECK(tern::slotsOf(ValType::F32) == 1);
  CHECK(tern::slotsOf(ValType::F64) == 1);
  CHECK(tern::slotsOf(ValType::FuncRef) == 1);
  CHECK(tern::slotsOf(ValType::ExternRef) == 1);
  CHECK(tern::slotsOf(ValType::V128) == 2);
  CHECK(tern::slotBytes(3) == 3 * tern::kSlotBytes);
}

TEST_CASE("frame layout: scalar locals sit at their index") {
  std::vector<ValType> locals = {ValType::I32, ValType::F64, ValType::I64, ValType::F32};
  FrameLayout l(locals, 2);
  for (uint32_t i = 0; i < locals.size(); ++i) CHECK(l.localSlot(i) == i);
  CHECK(l.paramSlots() == 2);
  CHECK(l.localSlots() == 4);
  CHECK(l.stackSlot(0) == 4);
  CHECK(l.stackSlot(3) == 7);
  CHECK(l.frameSlots(3) == 8);
}

TEST_CASE("frame layout: a v128 local moves the ones after it") {
  // (param i32 v128) (local f64 v128 i32)
  std::vector<ValType> locals = {ValType::I32, ValType::V128, ValType::F64, ValType::V128, ValType::I32};
  FrameLayout l(locals, 2);
  CHECK(l.localSlot(0) == 0);
  CHECK(l.localSlot(1) == 1);
  CHECK(l.localSlot(2) == 3);
  CHECK(l.localSlot(3) == 4);
  CHECK(l.localSlot(4) == 6);
  CHECK(l.paramSlots() == 3);
  CHECK(l.localSlots() == 7);
  CHECK(l.stackSlot(0) == 7);
}

TEST_CASE("frame layout: no locals, and params only") {
  FrameLayout none(std::vector<ValType>{}, 0);
  CHECK(none.paramSlots() == 0);
  CHECK(none.localSlots() == 0);
  CHECK(none.stackSlot(0) == 0);
  CHECK(none.frameSlots(0) == 1);
  std::vector<ValType> params = {ValType::V128, ValType::I64};
  FrameLayout only(params, 2);
  CHECK(only.paramSlots() == 3);
  CHECK(only.localSlots() == 3);
  CHECK(only.localSlot(1) == 2);
}

namespace {

// Records the validator's slot height (slotHeight()) at every instruction it
// visits.
struct HeightRecorder {
  std::vector<std::pair<tern::Opcode, uint32_t>> seen;
  void begin(const tern::ValidatorState&) {}
  void op(const tern::ValidatorState& s, tern::Opcode op, const tern::Imm&) { seen.push_back({op, s.slotHeight()}); }
  void finish(const tern::ValidatorState&) {}
};

struct HeightConsumer final : tern::BodyConsumer {
  HeightRecorder rec;
  bool onFunctionBody(const tern::ModuleData& m, uint32_t func_index, tern::Reader& r, tern::FuncBody& body,
                      tern::DecodeError& err) override {
    tern::FunctionDecoder<HeightRecorder> dec(m, func_index, rec);
    if (dec.decode(r, &body.locals)) return true;
    err = dec.error();
    return false;
  }
  bool finish(tern::ModuleData&, tern::DecodeError&) override { return true; }
};

}  // namespace

TEST_CASE("frame layout: the validator's slot height counts two slots per v128 entry") {
  using tern::Opcode;
  // (func (param v128 i32) (result v128) (local i64)
  //   local.get 0  local.get 1  drop
  //   block (result v128) local.get 0 br 0 end
  //   drop)
  const std::vector<uint8_t> wasm = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,        // header
                                     0x01, 0x07, 0x01, 0x60, 0x02, 0x7b, 0x7f, 0x01, 0x7b,  // type 0
                                     0x03, 0x02, 0x01, 0x00,                                // func 0: type 0
                                     0x0a, 0x13, 0x01, 0x11, 0x01, 0x01, 0x7e,              // code: one i64 local
                                     0x20, 0x00, 0x20, 0x01, 0x1a, 0x02, 0x7b, 0x20, 0x00, 0x0c, 0x00,  // ... br 0
                                     0x0b, 0x1a, 0x0b};
  HeightConsumer c;
  tern::ModuleDecoder dec(c);
  REQUIRE(dec.feed(wasm));
  REQUIRE_MESSAGE(dec.finish(), dec.toError().message);
  // Visited after the operands are popped (drop, br, end) and before the
  // results are pushed; block after its frame is open.
  const std::vector<std::pair<Opcode, uint32_t>> want = {
      {Opcode::LocalGet, 0}, {Opcode::LocalGet, 2}, {Opcode::Drop, 2}, {Opcode::Block, 2}, {Opcode::LocalGet, 2},
      {Opcode::Br, 2},       {Opcode::End, 2},      {Opcode::Drop, 2}, {Opcode::End, 0}};
  REQUIRE(c.rec.seen.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(c.rec.seen[i].first == want[i].first);
    CHECK(c.rec.seen[i].second == want[i].second);
  }
}
