// The value-stack frame layout both tiers share (src/module/frame_layout.h).
#include <doctest/doctest.h>

#include <vector>

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
