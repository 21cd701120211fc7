// The lowering's state and the Lowering visitor's declaration, for lower.cc
// alone: in an anonymous namespace of lower.cc's translation unit (which
// includes this once), so that the compiler sees every use, as when it was
// written there. Not a header for anyone else: interp/lower.h is the
// lowering's interface.
//
// What is here: the operand-stack entry (Entry), the control frame
// (LFrame), and the Lowering class with its small inline members (emitting
// words, operands, copies, fusing a compare into a branch); its larger
// members are in lower.cc.
#pragma once

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cassert>

#include "base/build.h"
#include "interp/lower.h"

namespace tern::interp {

namespace {

// An operand-stack entry: a value in its own canonical temp slot, a
// not-yet-copied reference to a local (local.get is free until the local is
// overwritten or a control boundary forces a copy), or a constant not yet
// written anywhere (it may become an instruction's immediate).
// Every entry knows the slots it takes (2 for v128, whose constants are
// never Const) and its slot height, the slots of the entries below it
// (module/frame_layout.h).
// (16 bytes: lowering's cost per operand is what it was before v128.)
struct Entry {
  enum Kind : uint8_t { Temp, Local, Const } kind = Temp;
  uint8_t slots = 1;
  uint32_t at = 0;  // slot height below the entry
  union {
    uint64_t value = 0;  // Const
    uint32_t local;      // Local: the local's slot (FrameLayout::localSlot)
  };
  bool isLocal() const { return kind == Local; }
  static Entry constant(uint64_t v) {
    Entry e;
    e.kind = Const;
    e.value = v;
    return e;
  }
  static Entry localRef(uint32_t slot, uint32_t slots) {
    Entry e;
    e.kind = Local;
    e.slots = uint8_t(slots);
    e.local = slot;
    return e;
  }
};
static_assert(sizeof(Entry) == 16);

// Interpreter semantics class of each opcodes.def row.
// The v128 rows (kSimd) are lowered by Lowering::simdOp, their operands
// laid out by their class and immediate kind.
enum ImplKind : uint8_t { kSpecial, kUn, kBin, kTUn, kTBin, kLoad, kStore, kSimd };
constexpr ImplKind kImplKind[] = {
#define SPECIAL kSpecial
#define SIMD kSimd
#include "module/impl_v128_pending.inc"
#define UN(a, b, c) kUn
#define BIN(a, b, c) kBin
#define TUN(a, b, c) kTUn
#define TBIN(a, b, c) kTBin
#define LOAD(a, b) kLoad
#define STORE(a, b) kStore
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) impl,
#include "module/opcodes.def"
#undef X
#undef SPECIAL
#undef SIMD
#include "module/impl_v128_undef.inc"
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
};

// Internal instructions that can trap or call: they get a position entry.
// The rows of opcodes.def that are lowered to themselves trap as the table
// says; the internal ones as iops.def says.
constexpr auto kIOpTraps = [] {
  std::array<bool, kIOpCount> t{};
  for (unsigned i = 0; i < kOpcodeCount; ++i) t[i] = kOpInfo[i].traps != 0;
  unsigned i = kOpcodeCount;
#define I(id, traps, operands) t[i++] = traps != 0;
#include "interp/iops.def"
#undef I
  return t;
}();

struct LFrame {
  CtrlKind kind;
  uint32_t result_base;  // depth where this frame's results (or loop params) go (their slots: heightAt)
  uint32_t stack_base;   // depth below which the body cannot pop
  uint32_t nparams, nresults;
  uint32_t loop_pc = 0;
  int64_t else_fixup = -1;       // if: position of the BrIfZ offset word
  int32_t handler = -1;          // try, catch: its Code::handlers index
  std::vector<uint32_t> fixups;  // (instr_start, offset word position) pairs
};

class Lowering {
 public:
  Lowering(const ModuleData& m, Code& code, const LowerOptions& opts)
      : m_(m), c_(code), h_(handlerOffsets()), opts_(opts) {}

  void begin(const ValidatorState& s) {
    layout_ = &s.layout;
    state_ = &s;
    c_.num_params = s.layout.paramSlots();
    c_.num_locals = s.layout.localSlots();
    c_.num_results = uint32_t(m_.funcType(s.func_index).results.size());
    // Checks at function entry report the body's start.
    const FuncBody& body = m_.bodies[s.func_index - m_.num_imported_funcs];
    op_offset_ = uint32_t(body.offset);
    c_.positions.reserve(body.size / 8 + 16);  // about what loads, stores and calls need
    LFrame f{CtrlKind::Func, 0, 0, 0, c_.num_results};
    frames_.push_back(f);
    emitInterruptCheck();
  }
  void emitInterruptCheck() {
    uint32_t flags = (opts_.epoch ? 1u : 0u) | (opts_.fuel ? 2u : 0u);
    if (!flags) return;
    emitOp(IOp::CheckInterrupt);
    w(flags);
  }

  void finish(const ValidatorState&) { c_.frame_slots = layout_->frameSlots(max_height_); }

  void op(const ValidatorState& s, Opcode op, const Imm& imm);

 private:
  // ---- emission ----
  uint32_t pos() const { return uint32_t(c_.words.size()); }
  void emitOp(IOp op) {
    instr_start_ = pos();
    if (kIOpTraps[unsigned(op)]) c_.positions.add(instr_start_, op_offset_);
    c_.words.push_back(uint32_t(h_[unsigned(op)]));
  }
  void w(uint32_t v) { c_.words.push_back(v); }
  // Slots the entries below depth d take; d may be depth() (the next push).
  uint32_t heightAt(uint32_t d) const { return d == 0 ? 0 : stack_[d - 1].at + stack_[d - 1].slots; }
  uint32_t slotOfDepth(uint32_t d) const { return layout_->stackSlot(heightAt(d)); }
  uint32_t depth() const { return uint32_t(stack_.size()); }
  void push(Entry e) {
    e.at = heightAt(depth());
    max_height_ = std::max(max_height_, e.at + e.slots);
    stack_.push_back(e);
  }
  // The slot a Local or Temp entry is read from.
  uint32_t slotOf(const Entry& e) const { return e.isLocal() ? e.local : layout_->stackSlot(e.at); }
  uint32_t handler(IOp op, Variant v = kBase) const { return uint32_t(h_[variantIndex(op, v)]); }

  // memory64: a load or store of a 64-bit memory is its kM64 variant, and
  // an offset of 2^32 or more is first added to the address by Ea64, into
  // `scratch` (the operand-stack slot of the address, which the access
  // consumes); returns the slot the access reads its address from.
  uint32_t mem64Address(uint32_t addr, uint32_t scratch, uint64_t offset) {
    if (offset <= UINT32_MAX) return addr;
    emitOp(IOp::Ea64);
    w(scratch);
    w(addr);
    w(uint32_t(offset));
    w(uint32_t(offset >> 32));
    return scratch;
  }
  void emitMemOp(Opcode op, const Imm& imm) {
    emitOp(IOp(op));
    if (state_->memIs64(imm.mem)) c_.words.back() = handler(IOp(op), kM64);
  }

  void emitConst(uint32_t dst, uint64_t v) {
    if (v >> 32) {
      emitOp(IOp::Const64);
      w(dst);
      w(uint32_t(v));
      w(uint32_t(v >> 32));
    } else {
      emitOp(IOp::Const32);
      w(dst);
      w(uint32_t(v));
    }
  }
  // Writes the value of entry `e` into `dst`, leaving the entry
  // as it is (the path may be conditional).
  void emitMove(uint32_t dst, const Entry& e) {
    if (e.kind == Entry::Const) emitConst(dst, e.value);
    else emitCopy(dst, slotOf(e), e.slots);
  }

  // Pops the top entry and returns the slot to read it from.
  uint32_t popSlot() {
    uint32_t d = depth() - 1;
    materializeConst(d);
    uint32_t s = slotOf(stack_.back());
    stack_.pop_back();
    return s;
  }
  void materializeConst(uint32_t i) {
    if (stack_[i].kind != Entry::Const) return;
    emitConst(slotOfDepth(i), stack_[i].value);
    stack_[i].kind = Entry::Temp;
  }
  // Pushes a temp and returns its slot; remembers where the producing
  // instruction wrote it so local.set can redirect the write.
  uint32_t pushTemp(uint32_t slots = 1) {
    uint32_t at = heightAt(depth());
    Entry& e = stack_.emplace_back();
    e.slots = uint8_t(slots);
    e.at = at;
    max_height_ = std::max(max_height_, at + slots);
    return layout_->stackSlot(at);
  }
  void noteDst(uint32_t word_pos) {
    last_dst_word_ = int64_t(word_pos);
    last_dst_end_ = pos();
  }
  void noteFusable(Opcode op, bool k) {
    fuse_start_ = instr_start_;
    fuse_end_ = pos();
    fuse_op_ = uint16_t(op);
    fuse_k_ = k;
  }
  void emitCopy(uint32_t dst, uint32_t src, uint32_t slots = 1) {
    if (dst == src) return;
    emitOp(slots == 2 ? IOp::CopyV : IOp::Copy);
    w(dst);
    w(src);
  }
  // Gives entry `i` its own temp slot.
  void materialize(uint32_t i) {
    if (stack_[i].kind == Entry::Const) {
      materializeConst(i);
      return;
    }
    if (!stack_[i].isLocal()) return;
    emitCopy(slotOfDepth(i), stack_[i].local, stack_[i].slots);
    stack_[i].kind = Entry::Temp;
  }
  void materializeAll() {
    uint32_t before = pos();
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack_[i].isLocal()) materialize(i);
    if (pos() != before) last_dst_word_ = -1;
  }
  void materializeLocal(uint32_t local) {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack_[i].isLocal() && stack_[i].local == local) materialize(i);
  }
  // Copies the top `n` values into the slots of depths base..base+n-1 (as
  // the label's types lay them out: the values have those types).
  void moveTopTo(uint32_t base, uint32_t n) {
    uint32_t from = depth() - n;
    uint32_t h = heightAt(base);
    for (uint32_t k = 0; k < n; ++k) {
      emitMove(layout_->stackSlot(h), stack_[from + k]);
      h += stack_[from + k].slots;
    }
  }
  bool topInPlace(uint32_t base, uint32_t n) const {
    uint32_t from = depth() - n;
    if (from == base) {
      for (uint32_t k = 0; k < n; ++k)
        if (stack_[from + k].kind != Entry::Temp) return false;
      return true;
    }
    return n == 0;
  }
  // Turns the instruction that just produced the top-of-stack condition into
  // a compare-and-branch; the caller appends the branch offset word.
  bool tryFuse(bool nonzero) {
    if (fuse_start_ < 0 || fuse_end_ != pos() || last_dst_word_ < 0 || last_dst_end_ != pos()) return false;
    uint32_t d = depth() - 1;
    if (stack_.back().kind != Entry::Temp || c_.words[size_t(last_dst_word_)] != slotOfDepth(d)) return false;
    stack_.pop_back();
    Variant v = fuse_k_ ? (nonzero ? kKNz : kKZ) : (nonzero ? kNz : kZ);
    c_.words[size_t(fuse_start_)] = handler(IOp(fuse_op_), v);
    instr_start_ = uint32_t(fuse_start_);
    fuse_start_ = -1;
    last_dst_word_ = -1;
    return true;
  }
  LFrame& frameAt(uint32_t depth) { return frames_[frames_.size() - 1 - depth]; }
  uint32_t labelArity(const LFrame& f) const { return f.kind == CtrlKind::Loop ? f.nparams : f.nresults; }

  // Emits an unconditional jump to the label of `f` (values already moved).
  void emitJumpTo(LFrame& f) {
    emitOp(IOp::Jump);
    uint32_t start = instr_start_;
    if (f.kind == CtrlKind::Loop) {
      w(uint32_t(int32_t(f.loop_pc) - int32_t(start)));
    } else {
      f.fixups.push_back(start);
      f.fixups.push_back(pos());
      w(0);
    }
  }
  void emitBranch(uint32_t depth_idx) {
    LFrame& f = frameAt(depth_idx);
    if (f.kind == CtrlKind::Func) {
      emitReturn();
      return;
    }
    uint32_t n = labelArity(f);
    moveTopTo(f.result_base, n);
    emitJumpTo(f);
  }
  void emitReturn() {
    uint32_t n = frames_.front().nresults;
    uint32_t from = depth() - n;
    uint32_t result_slots = 0;
    for (uint32_t k = 0; k < n; ++k) result_slots += stack_[from + k].slots;
    // Results go to the frame's first slots, which may be locals a later
    // result reads: such a result is first copied to its own (free) temp
    // slot. The entries are not changed, since this may be a conditional
    // path.
    std::vector<uint32_t> src(n);
    for (uint32_t k = 0; k < n; ++k) {
      const Entry& e = stack_[from + k];
      src[k] = slotOf(e);
      if (e.isLocal() && e.local < result_slots) {
        emitCopy(slotOfDepth(from + k), src[k], e.slots);
        src[k] = slotOfDepth(from + k);
      }
    }
    uint32_t dst = 0;
    for (uint32_t k = 0; k < n; ++k) {
      const Entry& e = stack_[from + k];
      if (e.kind == Entry::Const) emitConst(dst, e.value);
      else emitCopy(dst, src[k], e.slots);
      dst += e.slots;
    }
    emitOp(IOp::Ret);
  }
  void patch(LFrame& f, uint32_t target) {
    for (size_t i = 0; i < f.fixups.size(); i += 2)
      c_.words[f.fixups[i + 1]] = uint32_t(int32_t(target) - int32_t(f.fixups[i]));
    f.fixups.clear();
  }
  void resetTo(uint32_t d) {
    stack_.resize(d);
    last_dst_word_ = -1;
  }
  template <class TypeOf>
  void pushTemps(uint32_t n, TypeOf type_of) {
    for (uint32_t i = 0; i < n; ++i) pushTemp(slotsOf(type_of(i)));
  }

  void simple(Opcode op, const Imm& imm);
  void simdOp(Opcode op, const Imm& imm);
  void control(const ValidatorState& s, Opcode op, const Imm& imm);
  void openBlock(const ValidatorState& s, Opcode op);
  void elseBranch(const ValidatorState& s);
  void endBlock(const ValidatorState& s);
  void brIf(const Imm& imm);
  void brTable(const Imm& imm);
  void exceptionOp(const ValidatorState& s, Opcode op, const Imm& imm);
  void tryTable(const ValidatorState& s);
  int32_t delegateTarget(uint32_t label);
  void variable(Opcode op, const Imm& imm);
  void localSet(Opcode op, uint32_t x);  // x: the local's slot
  void memoryTable(Opcode op, const Imm& imm);
  void otherMemory(Opcode op, const Imm& imm);
  void call(uint32_t func_index, const FuncType& ft, IOp iop, uint32_t extra_a, uint32_t extra_b, bool indirect,
            bool tail = false);

  const ModuleData& m_;
  Code& c_;
  const int32_t* h_;
  LowerOptions opts_;
  const FrameLayout* layout_ = nullptr;  // the ValidatorState's, alive while the body is lowered
  const ValidatorState* state_ = nullptr;
  uint32_t max_height_ = 0;  // in slots
  std::vector<Entry> stack_;
  std::vector<LFrame> frames_;
  uint32_t instr_start_ = 0;
  uint32_t op_offset_ = 0;  // module offset of the instruction being lowered
  int64_t last_dst_word_ = -1;
  uint32_t last_dst_end_ = 0;
  int64_t fuse_start_ = -1;  // start of the last fusable operator instruction
  uint32_t fuse_end_ = 0;
  uint16_t fuse_op_ = 0;
  bool fuse_k_ = false;
};

}  // namespace

}  // namespace tern::interp
