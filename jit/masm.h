// The narrow machine interface the single-pass compiler (jit/compiler.cc)
// drives. The compiler owns the abstract operand stack, the register
// allocator and the control flow; an architecture's Masm only turns
// register-level operations into instructions. Each architecture provides
// one class Masm (jit/x64/masm_x64.h; jit/a64/ is next) with the members
// listed in the comment below, so the compiler is built once per target.
//
// Operands: a Reg is a register of the allocatable sets the Masm publishes
// (kGpOrder, kFpCount); an Opnd is a register, a frame slot (8 bytes at
// slot * 8 from the frame pointer) or an immediate. Operations are
// two-address: dst is also the left operand. 32-bit integer results are
// zero-extended to 64 bits; f32 values keep bits 32..63 of their register
// zero, so any value spills and reloads with one 64-bit move.
#pragma once

#include <cstdint>

namespace tern::jit {

struct Reg {
  uint8_t id = 0;
  bool fp = false;
  bool operator==(const Reg&) const = default;
};
inline Reg gpReg(int id) { return Reg{uint8_t(id), false}; }
inline Reg fpReg(int id) { return Reg{uint8_t(id), true}; }

struct Opnd {
  enum Kind : uint8_t { R, Slot, Imm } kind = Imm;
  Reg reg;
  uint32_t slot = 0;
  uint64_t imm = 0;
  static Opnd r(Reg x) { return Opnd{R, x, 0, 0}; }
  static Opnd s(uint32_t slot) { return Opnd{Slot, {}, slot, 0}; }
  static Opnd i(uint64_t v) { return Opnd{Imm, {}, 0, v}; }
};

// Conditions after cmp (integers) or fcmp (floats; the F* ones are false,
// and their negations true, when an operand is NaN).
enum class Cond : uint8_t { Eq, Ne, LtS, GeS, LtU, GeU, GtS, LeS, GtU, LeU, FGt, FNotGt, FGe, FNotGe };
inline Cond negate(Cond c) { return Cond(uint8_t(c) ^ 1); }
// The condition with its operands swapped (a < b  <=>  b > a).
inline Cond mirror(Cond c) {
  switch (c) {
    case Cond::LtS: return Cond::GtS;
    case Cond::GtS: return Cond::LtS;
    case Cond::LeS: return Cond::GeS;
    case Cond::GeS: return Cond::LeS;
    case Cond::LtU: return Cond::GtU;
    case Cond::GtU: return Cond::LtU;
    case Cond::LeU: return Cond::GeU;
    case Cond::GeU: return Cond::LeU;
    default: return c;
  }
}

enum class IntOp : uint8_t { Add, Sub, Mul, And, Or, Xor, Shl, ShrS, ShrU, Rotl, Rotr };
enum class IntUnop : uint8_t { Clz, Ctz, Popcnt, Ext8S, Ext16S, Ext32S, Wrap };
enum class FloatOp : uint8_t { Add, Sub, Mul, Div };
enum class FloatUnop : uint8_t { Ceil, Floor, Trunc, Nearest, Sqrt };
enum class SignOp : uint8_t { Neg, Abs };

// A linear-memory access: size in bytes; loads extend (0 zero, 1 sign to
// 32 bits, 2 sign to 64 bits) or go to a float register.
struct MemAccess {
  uint8_t size;
  uint8_t ext;
  bool fp;
};
// Where the access goes: memory base + (idx, when has_idx) + offset.
struct MemRef {
  bool has_idx;
  Reg idx;  // a 32-bit address, zero-extended; may be clobbered
  uint64_t offset;
};

// class Masm {
//  public:
//   using Label = ...;
//   static constexpr uint8_t kGpOrder[];    // allocatable GP registers, in preference order
//   static constexpr int kFpCount;          // fp registers 0..kFpCount-1 are allocatable
//   static constexpr Reg kScratch;          // GP scratch, never allocated
//   static constexpr int kShiftCountReg;    // GP a variable shift count must be in, or -1
//   static constexpr uint32_t kDivClobbers; // GP registers divRem uses (mask)
//   static Reg divLhs(); static Reg divResult(bool rem);
//   static Reg argGp(int i);                // C calling convention argument registers
//   static Reg retGp();
//   bool has(IntUnop, bool wide) const; bool hasRounding() const;
//   Label newLabel(); void bind(Label); void jump(Label); void branch(Cond, Label);
//   void prologue(uint32_t nparams, uint32_t nlocals, Label stack_overflow);
//   void ret();
//   void trapStub(Label, TrapCode, Label common);
//   void trapCommon(Label, uint32_t func_index);
//   void trapSite(Label site, Label stub);    // binds site: a call to stub (its return address names the site)
//   uint32_t offset() const;                  // code offset of the next instruction
//   bool finish(uint32_t frame_bytes, std::vector<uint8_t>& code);
//   void move(Reg dst, Reg src); void loadImm(Reg, uint64_t);
//   void loadSlot(Reg, uint32_t slot); void storeSlot(uint32_t slot, Reg);
//   void storeSlotImm(uint32_t slot, uint64_t); void copySlot(uint32_t dst, uint32_t src);
//   void intOp(IntOp, bool wide, Reg dst, Opnd rhs);   // register shift counts in kShiftCountReg
//   void intUnop(IntUnop, bool wide, Reg r);
//   void divRem(bool sign, bool rem, bool wide, Reg rhs, bool check_zero, bool check_overflow,
//               Label div_by_zero, Label overflow);     // lhs in divLhs(), result in divResult(rem)
//   void cmp(bool wide, Reg lhs, Opnd rhs); void cmpSlotZero(uint32_t slot); void test(Reg);
//   void setCond(Cond, Reg dst); void cmov(Cond, Reg dst, Opnd src);
//   void fcmp(bool dbl, Reg lhs, Opnd rhs); void setFloatEq(bool ne, Reg dst);
//   void floatOp(FloatOp, bool dbl, Reg dst, Opnd rhs); void floatUnop(FloatUnop, bool dbl, Reg r);
//   void signOp(SignOp, bool dbl, Reg gp); void convertInt(bool to_dbl, bool src64, Reg dst, Opnd src);
//   void promote(Reg r); void demote(Reg dst, Reg src);
//   void boundsCheck(Reg idx, uint64_t end, Label trap);
//   void load(MemAccess, Reg dst, MemRef); void store(MemAccess, MemRef, Opnd value);
//   void callFunction(uint32_t func_index, uint32_t frame_slot);  // a direct call, listed in
//   const std::vector<std::pair<uint32_t, uint32_t>>& callSites() const;  // for the module's layout
//   void callIndirect(uint32_t type_index, uint32_t table, uint32_t frame_slot, Reg elem, Label trap);
//   void callHelper(void* fn);               // arguments in argGp(0..), ctx added by the Masm
//   void checkTrap(Label trap);              // after a helper that may trap
//   void interruptCheck(uint32_t flags, Label trap);
//   void memorySize(Reg dst); void memoryGrow(Reg delta_in_arg1);
//   void globalGet(Reg dst, uint32_t index); void globalSet(uint32_t index, Opnd value);
//   void jumpTable(Reg idx, const std::vector<Label>& targets);  // last one: default
// };

}  // namespace tern::jit

#if defined(__x86_64__) || defined(_M_X64)
#include "jit/x64/masm_x64.h"
#endif
