// AArch64 implementation of the Masm interface (jit/masm.h) on asmjit's
// a64::Assembler. Tern allocates the registers; this class only encodes.
//
// Registers: x19 frame pointer, x20 linear memory base, x21 Ctx*, x22 calls
// left before the depth limit (pinned, see jit/a64/frame_a64.h); x15, x16,
// x17, v30 and v31 are scratch inside one operation; x18, x29 and x30 (the
// link register every call writes) are never allocated. The instruction set
// is three-address with no fixed registers (no shift-count or division
// registers), so the compiler learns empty clobber masks; helpers take the
// AAPCS64 argument registers, which are free at every call (the operand
// stack is spilled first).
//
// Encodings: immediates go into the instruction when they fit (12-bit
// add/sub/cmp, logical bitmask immediates, scaled 12-bit load/store
// offsets), otherwise through movz/movk (or movn) into a scratch register.
// Linear memory is addressed as [x20, wN, uxtw] (or [x20, x16] with an
// offset), so a guard-page fault needs no bounds check. A branch on a value
// being zero is one cbz/cbnz (branchZero). Division does not trap on
// AArch64: divRem checks zero and INT_MIN / -1 itself. Not handled yet: on
// real hardware (not under qemu) an unaligned store that straddles the end
// of memory may write its in-bounds bytes before it faults, where Wasm wants
// memory left unchanged (--bounds-checks avoids it). Anything asmjit refuses
// to encode makes finish() fail, and the function stays in the interpreter.
#pragma once

#include <asmjit/arm.h>
#if __has_include(<asmjit/a64.h>)
#include <asmjit/a64.h>
#else
#include <asmjit/arm/a64assembler.h>  // Debian's asmjit installs no a64.h
#endif

#include <cstdint>
#include <span>
#include <vector>

#include "jit/masm.h"
#include "runtime/trap_code.h"

namespace tern::jit {

// Hidden, as FunctionCompiler::Impl (jit/compiler/compiler.h): libtern is
// built position-independent, where a member function of default visibility
// may be interposed and so is never inlined, even into its own file's
// callers. The Masm is only used inside the library.
class __attribute__((visibility("hidden"))) Masm {
 public:
  using Label = asmjit::Label;

  // ---- the register file (see MacroAssembler in jit/masm.h) ----
  static constexpr int kGpRegs = 32, kFpRegs = 32;
  // x9-x14 and x23-x28 first, then the argument registers helpers take.
  static constexpr uint8_t kGpOrder[] = {9, 10, 11, 12, 13, 14, 23, 24, 25, 26, 27, 28, 1, 2, 3, 4, 5, 6, 7, 8, 0};
  // v0..v29 (v30, v31 are scratch).
  static constexpr uint8_t kFpOrder[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                         15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29};

  // ---- fixed registers: none ----
  static constexpr uint32_t intOpClobbers(IntOp, bool) { return 0; }
  static constexpr uint32_t divClobbers() { return 0; }
  static constexpr Reg divPreferredDst(DivOp) { return gpReg(0); }

  explicit Masm(uint32_t func_index);

  Label newLabel() { return a_.newLabel(); }
  void bind(Label l) { a_.bind(l); }
  void jump(Label l) { a_.b(l); }
  void branch(Cond c, Label l);

  void prologue(uint32_t nparams, uint32_t nlocals, Label stack_overflow);
  void ret();
  void trapStub(Label l, TrapCode code, Label common);
  void trapCommon(Label l, uint32_t func_index);
  // A trap site's own stub: binds l and calls (bl) `stub`.
  void trapSite(Label l, Label stub);
  uint32_t offset() const { return uint32_t(a_.offset()); }
  void reserve(uint32_t bytes) { code_.reserveBuffer(&code_.textSection()->buffer(), bytes); }
  bool finish(uint32_t frame_bytes, std::vector<uint8_t>& out);
  // The same, in a buffer of this Masm's (*out: until it goes).
  bool finish(uint32_t frame_bytes, std::span<const uint8_t>* out) {
    if (!finish(frame_bytes, finished_)) return false;
    *out = finished_;
    return true;
  }
  // Direct calls emitted so far: (offset of the bl, callee index).
  const std::vector<std::pair<uint32_t, uint32_t>>& callSites() const { return calls_; }

  void move(Reg dst, Reg src);
  void loadImm(Reg r, uint64_t v);
  void loadSlot(Reg r, uint32_t slot);
  void storeSlot(uint32_t slot, Reg r);
  void storeSlotImm(uint32_t slot, uint64_t v);
  void copySlot(uint32_t dst, uint32_t src);

  void intOp(IntOp op, bool wide, Reg dst, const Opnd& lhs, const Opnd& rhs);
  bool intUnop(IntUnop op, bool wide, Reg dst, Reg src);
  void divRem(DivOp op, bool wide, Reg dst, Opnd lhs, Reg rhs, bool check_zero, bool check_overflow, Label div_by_zero,
              Label overflow);
  void cmp(bool wide, Reg lhs, Opnd rhs);
  void cmpSlotZero(uint32_t slot);
  void test(Reg r);
  void branchZero(Reg r, bool nonzero, Label l);  // cbz / cbnz
  void setCond(Cond c, Reg dst);
  void cmov(Cond c, Reg dst, Opnd src);
  void fcmp(bool dbl, Reg lhs, Opnd rhs);
  void floatOp(FloatOp op, bool dbl, Reg dst, const Opnd& lhs, const Opnd& rhs);
  bool floatUnop(FloatUnop op, bool dbl, Reg dst, Reg src);
  void signOp(SignOp op, bool dbl, Reg r);
  void convertInt(bool to_dbl, bool src64, Reg dst, Opnd src);
  void promote(Reg r);
  void demote(Reg dst, Reg src);

  void boundsCheck(Reg idx, uint64_t end, Label trap, uint32_t mem = 0);
  void boundsCheck64(Reg idx, uint64_t offset, uint32_t size, Label trap, uint32_t mem = 0);
  void memBase(Reg dst, uint32_t mem);
  void load(MemAccess acc, Reg dst, MemRef ref);
  void store(MemAccess acc, MemRef ref, Opnd value);
  void memorySize(Reg dst, uint32_t mem = 0);
  Reg memoryGrow(Opnd delta);
  void globalGet(Reg dst, uint32_t index);
  void globalSet(uint32_t index, Opnd value);

  void callFunction(uint32_t func_index, uint32_t frame_slot);
  void callIndirect(uint32_t type_index, uint32_t table, uint32_t frame_slot, Opnd elem, Label trap);
  void tailCallFunction(uint32_t func_index);
  void tailCallIndirect(uint32_t type_index, uint32_t table, Opnd elem, Label trap);
  Reg callOperator(uint32_t helper, Opnd x, Opnd y);
  Reg callMisc(uint32_t op, uint32_t a, uint32_t b, uint32_t frame_slot, bool traps, Label trap);
  void checkTrap(Label trap);
  void interruptCheck(uint32_t flags, Label trap);
  void jumpTable(Opnd idx, const std::vector<Label>& targets);

  // ---- SIMD: not yet (NEON code is still to come) ----
  // vecSupported() false makes the compiler leave every function that
  // touches v128 to the interpreter (jit/compiler: begin() and op()), so
  // these are never part of finished code; should one be reached anyway,
  // it makes finish() fail, and the function is interpreted.
  bool vecSupported() const { return false; }
  void copyVecSlot(uint32_t, uint32_t) { errors_.failed = true; }
  void vecConst(Reg, uint64_t, uint64_t) { errors_.failed = true; }
  bool vecUnop(Opcode, Reg, Reg, Reg) {
    errors_.failed = true;
    return true;
  }
  bool vecBinop(Opcode, Reg, Reg, Reg) {
    errors_.failed = true;
    return true;
  }
  bool vecShift(Opcode, Reg, Opnd, Reg) {
    errors_.failed = true;
    return true;
  }
  void vecBitselect(Reg, Reg, Reg) { errors_.failed = true; }
  bool vecTest(Opcode, Reg, Reg, Reg) {
    errors_.failed = true;
    return true;
  }
  void vecSplat(Opcode, Reg, Reg) { errors_.failed = true; }
  void vecExtract(Opcode, uint32_t, Reg, Reg) { errors_.failed = true; }
  void vecReplace(Opcode, uint32_t, Reg, Reg) { errors_.failed = true; }
  void vecShuffle(Reg, Reg, const uint8_t*, Reg) { errors_.failed = true; }
  void vecLoad(Opcode, uint32_t, Reg, MemRef) { errors_.failed = true; }
  void vecStore(Opcode, uint32_t, MemRef, Reg) { errors_.failed = true; }
  void callSimd(uint32_t, uint32_t, uint32_t) { errors_.failed = true; }

 private:
  std::vector<uint8_t> finished_;  // finish(frame_bytes, &span)'s code
  // Records that asmjit refused an instruction (finish() then fails).
  struct Errors : asmjit::ErrorHandler {
    bool failed = false;
    void handleError(asmjit::Error, const char*, asmjit::BaseEmitter*) override { failed = true; }
  };

  void word(uint32_t w);
  void movImm(unsigned rd, uint64_t v, bool wide);
  asmjit::a64::Mem slot(uint32_t s);
  void slotAddress(unsigned rd, uint32_t s);
  asmjit::a64::Mem memOperand(MemRef ref, unsigned size);
  // dst = memory mem's size in bytes.
  void loadMemSize(const asmjit::a64::GpX& dst, uint32_t mem);
  // The value of o in a GP register: its own, or `scratch` loaded with it.
  asmjit::a64::Gp gpIn(const Opnd& o, bool wide, unsigned scratch);
  asmjit::a64::Vec fpIn(const Opnd& o, bool dbl, unsigned scratch);
  void loadOpnd(Reg dst, const Opnd& o);
  void callHelper(uint32_t id);

  Errors errors_;
  asmjit::FileLogger logger_;
  asmjit::CodeHolder code_;
  asmjit::a64::Assembler a_;
  size_t frame_patch_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> calls_;
};

static_assert(MacroAssembler<Masm>);

}  // namespace tern::jit
