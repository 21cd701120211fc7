// x86-64 implementation of the Masm interface (jit/masm.h) on asmjit's
// x86::Assembler. Tern allocates the registers; this class only encodes.
//
// Registers: rbx frame pointer, r12 linear memory base, r13 Ctx*, r14 calls
// left before the depth limit (pinned, see jit.h); r10, r11 and xmm15 are
// scratch inside one operation; the rest is the driver's to allocate.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <vector>

#include "jit/masm.h"
#include "runtime/trap_code.h"

namespace tern::jit {

class Masm {
 public:
  using Label = asmjit::Label;

  // rsi rdi r8 r9 rax rdx r15 rbp rcx: the ones with fixed roles last.
  static constexpr uint8_t kGpOrder[] = {6, 7, 8, 9, 0, 2, 15, 5, 1};
  static constexpr int kFpCount = 15;
  static constexpr Reg kScratch = Reg{11, false};
  static constexpr int kShiftCountReg = 1;                      // cl
  static constexpr uint32_t kDivClobbers = (1u << 0) | (1u << 2);  // rdx:rax
  static Reg divLhs() { return gpReg(0); }
  static Reg divResult(bool rem) { return gpReg(rem ? 2 : 0); }
  static Reg argGp(int i) {
    static constexpr uint8_t ids[] = {7, 6, 2, 1, 8, 9};  // System V
    return gpReg(ids[i]);
  }
  static Reg retGp() { return gpReg(0); }

  explicit Masm(uint32_t func_index);
  bool has(IntUnop op) const;
  bool hasRounding() const { return sse41_; }

  Label newLabel() { return a_.newLabel(); }
  void bind(Label l) { a_.bind(l); }
  void jump(Label l) { a_.jmp(l); }
  void branch(Cond c, Label l);

  void prologue(uint32_t nparams, uint32_t nlocals, Label stack_overflow);
  void ret();
  void trapStub(Label l, TrapCode code, Label common);
  void trapCommon(Label l, uint32_t func_index);
  // A trap site's own stub: binds l and calls `stub`.
  void trapSite(Label l, Label stub);
  // Bytes emitted so far: the code offset of the next instruction.
  uint32_t offset() const { return uint32_t(a_.offset()); }
  bool finish(uint32_t frame_bytes, std::vector<uint8_t>& out);
  // Direct calls emitted so far: (offset of the rel32, callee index).
  const std::vector<std::pair<uint32_t, uint32_t>>& callSites() const { return calls_; }

  void move(Reg dst, Reg src);
  void loadImm(Reg r, uint64_t v);
  void loadSlot(Reg r, uint32_t slot);
  void storeSlot(uint32_t slot, Reg r);
  void storeSlotImm(uint32_t slot, uint64_t v);
  void copySlot(uint32_t dst, uint32_t src);

  void intOp(IntOp op, bool wide, Reg dst, Opnd rhs);
  void intUnop(IntUnop op, bool wide, Reg r);
  void divRem(bool sign, bool rem, bool wide, Reg rhs, bool check_zero, bool check_overflow, Label div_by_zero,
              Label overflow);
  void cmp(bool wide, Reg lhs, Opnd rhs);
  void cmpSlotZero(uint32_t slot);
  void test(Reg r);
  void setCond(Cond c, Reg dst);
  void cmov(Cond c, Reg dst, Opnd src);
  void fcmp(bool dbl, Reg lhs, Opnd rhs);
  void setFloatEq(bool ne, Reg dst);
  void floatOp(FloatOp op, bool dbl, Reg dst, Opnd rhs);
  void floatUnop(FloatUnop op, bool dbl, Reg r);
  void signOp(SignOp op, bool dbl, Reg r);
  void convertInt(bool to_dbl, bool src64, Reg dst, Opnd src);
  void promote(Reg r);
  void demote(Reg dst, Reg src);

  void boundsCheck(Reg idx, uint64_t end, Label trap);
  void load(MemAccess acc, Reg dst, MemRef ref);
  void store(MemAccess acc, MemRef ref, Opnd value);

  void callFunction(uint32_t func_index, uint32_t frame_slot);
  void callIndirect(uint32_t type_index, uint32_t table, uint32_t frame_slot, Reg elem, Label trap);
  void callHelper(void* fn);
  // Calls fn with the Ctx* added as argument argGp(ctx_arg).
  void callHelperWithCtx(void* fn, int ctx_arg);
  void checkTrap(Label trap);
  void interruptCheck(uint32_t flags, Label trap);
  void callMisc(uint32_t op, uint32_t a, uint32_t b, uint32_t frame_slot, bool traps, Label trap);
  void memorySize(Reg dst);
  void memoryGrow();
  void globalGet(Reg dst, uint32_t index);
  void globalSet(uint32_t index, Opnd value);
  void jumpTable(Reg idx, const std::vector<Label>& targets);

 private:
  asmjit::x86::Mem slot(uint32_t s) const;
  asmjit::x86::Mem slot32(uint32_t s) const;
  asmjit::x86::Mem memOperand(MemRef ref, unsigned size);
  asmjit::Operand gpOperand(Opnd o, bool wide, bool allow_imm);
  asmjit::Operand fpOperand(Opnd o, bool dbl);

  asmjit::FileLogger logger_;
  asmjit::CodeHolder code_;
  asmjit::x86::Assembler a_;
  size_t frame_patch_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> calls_;
  bool sse41_ = false, lzcnt_ = false, bmi_ = false, popcnt_ = false;
};

}  // namespace tern::jit
