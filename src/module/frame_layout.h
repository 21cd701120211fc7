// The value-stack frame of a Wasm function: the one layout both tiers use, so
// that a call crosses between the interpreter, JIT code, the host and other
// instances without copying (see ARCHITECTURE.md, "Mixed tiers").
//
// A frame is an array of 8-byte slots starting at the function's frame
// pointer: its parameters, then its declared locals, then its operand stack.
// A value takes slotsOf(type) slots: one for i32, i64, f32, f64 and
// references, two for v128. A local's slot is therefore not its index when a
// v128 local precedes it; every tier turns local indices into slots here.
// The operand stack is laid out the same way: an entry's slot is
// localSlots() plus the slots of the entries below it (its "slot height",
// which the validator tracks beside the entry count:
// ValidatorState::slotHeight() in decode/function_decoder.h), so a v128
// entry takes two. stackSlot() and
// frameSlots() take slot heights; the values a branch carries, and a
// block's params and results, take their slots from the label's types.
// Without v128 the slot height is the entry count.
//
// A caller places the arguments of a call in its own operand-stack slots and
// the callee's frame starts at the first of them, so the callee's parameter
// slots are the caller's argument slots: both come from slotsOf().
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "tern/types.hpp"

namespace tern {

inline constexpr uint32_t kSlotBytes = 8;

// Slots a value of type t takes in a frame.
constexpr uint32_t slotsOf(ValType t) { return t == ValType::V128 ? 2 : 1; }
// Slots of a sequence of values (params, results, a label's types).
inline uint32_t slotsOf(std::span<const ValType> ts) {
  uint32_t n = 0;
  for (ValType t : ts) n += slotsOf(t);
  return n;
}

// Bytes of `slots` slots.
constexpr size_t slotBytes(uint64_t slots) { return size_t(slots) * kSlotBytes; }

class FrameLayout {
 public:
  FrameLayout() = default;
  // `locals`: the parameters, then the declared locals.
  FrameLayout(std::span<const ValType> locals, size_t num_params) {
    local_slot_.reserve(locals.size());
    uint32_t slot = 0;
    for (size_t i = 0; i < locals.size(); ++i) {
      if (i == num_params) param_slots_ = slot;
      local_slot_.push_back(slot);
      slot += slotsOf(locals[i]);
    }
    if (num_params >= locals.size()) param_slots_ = slot;
    local_slots_ = slot;
  }

  // The first slot of local `index` (parameters first).
  uint32_t localSlot(uint32_t index) const { return local_slot_[index]; }
  // Slots of the parameters, and of the parameters and declared locals.
  uint32_t paramSlots() const { return param_slots_; }
  uint32_t localSlots() const { return local_slots_; }
  // The first slot of the operand-stack entry whose entries below take
  // `height` slots (0: the bottom entry).
  uint32_t stackSlot(uint32_t height) const { return local_slots_ + height; }
  // Slots of the whole frame, for an operand stack of at most `max_height`
  // slots (and one spare slot past it, as both tiers have always reserved).
  uint32_t frameSlots(uint32_t max_height) const { return local_slots_ + max_height + 1; }

 private:
  std::vector<uint32_t> local_slot_;
  uint32_t param_slots_ = 0;
  uint32_t local_slots_ = 0;
};

}  // namespace tern
