// The machine interface of the single-pass compiler (jit/compiler*.cc): the
// compiler owns the abstract operand stack, the register cache and the
// control flow; an architecture's Masm turns register-level operations into
// instructions and keeps everything that is particular to its machine:
// fixed registers (shift counts, division, the calling convention), the
// moves a two-address instruction set needs, operand swaps, immediate and
// displacement limits, how float compares report "unordered". The concept
// MacroAssembler below lists every member the compiler uses, with its
// contract; jit/x64/masm_x64.h and jit/a64/masm_a64.h satisfy it (each
// checked by a static_assert). No virtual calls: the compiler is built
// against the one Masm of the target.
//
// Operands. A Reg is a register of the register file the Masm declares
// (kGpOrder, kFpOrder); an Opnd is a register, a frame slot (8 bytes at
// slot * 8 from the frame pointer) or an immediate, of any value: the Masm
// materializes what its instructions cannot encode. 32-bit integer results
// are zero-extended to 64 bits; f32 values keep bits 32..63 of their
// register zero, so any value spills and reloads with one 64-bit move; a
// v128 lives in a Vec register or in two consecutive slots (8-byte aligned
// only), and moves, loads and stores of a Vec register take all 16 bytes. An
// integer operand may be in a float register and the other way round
// (reinterpretations move no bits): the Masm moves it across.
#pragma once

#include <concepts>
#include <cstdint>
#include <iterator>
#include <span>
#include <utility>
#include <vector>

#include "jit/helpers.h"
#include "module/opcodes.h"
#include "runtime/trap_code.h"

namespace tern::jit {

// Register classes. Fp holds f32/f64; Vec (128-bit, for SIMD) shares the
// float register file, as on the machines Tern targets.
enum class RegClass : uint8_t { Gp, Fp, Vec };
// The register file a class allocates from: 0 general purpose, 1 float/vector.
constexpr int regFile(RegClass c) { return c == RegClass::Gp ? 0 : 1; }

struct Reg {
  uint8_t id = 0;
  RegClass cls = RegClass::Gp;
  constexpr bool isGp() const { return cls == RegClass::Gp; }
  bool operator==(const Reg&) const = default;
};
constexpr Reg gpReg(int id) { return Reg{uint8_t(id), RegClass::Gp}; }
constexpr Reg fpReg(int id) { return Reg{uint8_t(id), RegClass::Fp}; }
constexpr Reg regOf(RegClass c, int id) { return Reg{uint8_t(id), c}; }

struct Opnd {
  enum Kind : uint8_t { R, Slot, Imm } kind = Imm;
  Reg reg;
  uint32_t slot = 0;
  uint64_t imm = 0;
  static Opnd r(Reg x) { return Opnd{R, x, 0, 0}; }
  static Opnd s(uint32_t slot) { return Opnd{Slot, {}, slot, 0}; }
  static Opnd i(uint64_t v) { return Opnd{Imm, {}, 0, v}; }
  bool isReg(Reg x) const { return kind == R && reg == x; }
};

// Conditions after cmp (integers) or fcmp (floats). The F* ones are false
// when an operand is NaN, their FNot* negations true; FEq/FNe are only
// materialized (setCond), never branched on.
enum class Cond : uint8_t { Eq, Ne, LtS, GeS, LtU, GeU, GtS, LeS, GtU, LeU, FGt, FNotGt, FGe, FNotGe, FEq, FNe };
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
enum class DivOp : uint8_t { DivS, DivU, RemS, RemU };
enum class FloatOp : uint8_t { Add, Sub, Mul, Div };
enum class FloatUnop : uint8_t { Ceil, Floor, Trunc, Nearest, Sqrt };
enum class SignOp : uint8_t { Neg, Abs };

constexpr bool isCommutative(IntOp op) {
  return op == IntOp::Add || op == IntOp::Mul || op == IntOp::And || op == IntOp::Or || op == IntOp::Xor;
}
constexpr bool isShift(IntOp op) {
  return op == IntOp::Shl || op == IntOp::ShrS || op == IntOp::ShrU || op == IntOp::Rotl || op == IntOp::Rotr;
}
constexpr bool isCommutative(FloatOp op) { return op == FloatOp::Add || op == FloatOp::Mul; }

// A linear-memory access: size in bytes; loads extend (0 zero, 1 sign to
// 32 bits, 2 sign to 64 bits) or go to a float register.
struct MemAccess {
  uint8_t size;
  uint8_t ext;
  bool fp;
};
// Where the access goes: memory base + (idx, when has_idx) + offset, any
// offset below 2^32 + the access size (any u64 for a 64-bit memory).
struct MemRef {
  bool has_idx;
  Reg idx;  // a 32-bit address, zero-extended (or with idx64 a 64-bit one); only read
  uint64_t offset;
  bool idx64 = false;  // memory64: idx is an i64 address
  // A memory other than memory 0: the GP register memBase loaded its base
  // into (memory 0's base is the Masm's pinned register); only read.
  int8_t base = -1;
};

// Every member the compiler uses. `m` is the Masm of one function.
template <class M>
concept MacroAssembler = requires(M m, const M cm, typename M::Label l, const std::vector<typename M::Label>& targets,
                                  Reg r, Opnd o, Cond c, uint32_t u, uint64_t v, bool b, std::vector<uint8_t>& out,
                                  std::span<const uint8_t>* code_out, MemAccess acc, MemRef ref, TrapCode code,
                                  IntOp iop, IntUnop iun, DivOp dop, FloatOp fop, FloatUnop fun, SignOp sop, Opcode op,
                                  const uint8_t* ptr) {
  // ---- the register file ----
  // Register ids are below kGpRegs / kFpRegs (at most 32: the compiler
  // keeps masks). kGpOrder and kFpOrder list the allocatable ones in the
  // order the compiler should prefer them; registers with fixed roles in
  // some emitters go last. Anything else (pinned, scratch) is the Masm's.
  { M::kGpRegs } -> std::convertible_to<int>;
  { M::kFpRegs } -> std::convertible_to<int>;
  { M::kGpOrder[0] } -> std::convertible_to<uint8_t>;
  { M::kFpOrder[0] } -> std::convertible_to<uint8_t>;
  std::size(M::kGpOrder);
  std::size(M::kFpOrder);

  // ---- fixed registers ----
  // GP registers (a mask) intOp(op, ...) writes besides dst, with a
  // register or slot rhs (rhs_imm false) or an immediate one. The compiler
  // keeps them free of other values; dst and lhs are never among them, rhs
  // may be.
  { M::intOpClobbers(iop, b) } -> std::convertible_to<uint32_t>;
  // GP registers (a mask) divRem writes; dst, lhs and rhs may be among
  // them. divPreferredDst(op): the register of that mask the result is
  // cheapest in (the compiler takes it as dst when the mask has it).
  { M::divClobbers() } -> std::convertible_to<uint32_t>;
  { M::divPreferredDst(dop) } -> std::convertible_to<Reg>;

  // ---- labels, code, the frame ----
  { m.newLabel() } -> std::same_as<typename M::Label>;
  m.bind(l);
  m.jump(l);
  m.branch(c, l);  // after cmp / fcmp / test / cmpSlotZero; not FEq, FNe
  // The function's entry: takes the frame pointer the caller passes,
  // checks both stacks and the call depth (going to stack_overflow when
  // one is exhausted), zeroes locals nparams..nlocals-1.
  m.prologue(u, u, l);
  m.ret();  // results are in slots 0..
  // Trap exits: trapSite binds a site's label and calls `stub` (its return
  // address then names the site); trapStub binds a stub that records the
  // trap code and goes to the common exit; trapCommon binds that exit,
  // which records the function index and leaves to the unwinder.
  m.trapSite(l, l);
  m.trapStub(l, code, l);
  m.trapCommon(l, u);
  { cm.offset() } -> std::convertible_to<uint32_t>;  // code offset of the next instruction
  m.reserve(u);  // room for about u bytes of code ahead: a hint that saves growing the buffer
  // Resolves labels and writes the code; frame_bytes: the frame's size.
  // Into `out`, or (code_out) left where it is, until the Masm goes.
  { m.finish(u, out) } -> std::same_as<bool>;
  { m.finish(u, code_out) } -> std::same_as<bool>;
  // Direct calls emitted: (code offset to patch, callee function index).
  { cm.callSites() } -> std::convertible_to<const std::vector<std::pair<uint32_t, uint32_t>>&>;

  // ---- moves (any class to any class: the bits move) ----
  m.move(r, r);
  m.loadImm(r, v);
  m.loadSlot(r, u);
  m.storeSlot(u, r);
  m.storeSlotImm(u, v);
  m.copySlot(u, u);

  // ---- integers (wide: 64-bit) ----
  // dst = lhs op rhs. dst may be lhs's register or, for a commutative op,
  // rhs's; the Masm does the moves and swaps its instructions need. A
  // shift count is taken modulo the width.
  m.intOp(iop, b, r, o, o);
  // dst = op(src). Clz, Ctz and Popcnt are optional: false, and nothing
  // emitted, where the machine lacks them (the compiler calls the helper).
  { m.intUnop(iun, b, r, r) } -> std::same_as<bool>;
  // dst = lhs / rhs or lhs % rhs (the op), with rhs == 0 going to
  // div_by_zero when check_zero and INT_MIN / -1 to overflow when
  // check_overflow (INT_MIN % -1 is 0).
  m.divRem(dop, b, r, o, r, b, b, l, l);
  // Flags for a branch, setCond or cmov: cmp lhs with rhs, test r against
  // zero (32 bits), a slot's low 32 bits against zero.
  m.cmp(b, r, o);
  m.test(r);
  m.cmpSlotZero(u);
  // Goes to the label when r's low 32 bits are nonzero (b) or zero (!b):
  // test and branch, or one compare-and-branch where the machine has it.
  m.branchZero(r, b, l);
  m.setCond(c, r);  // dst = c ? 1 : 0 (FEq / FNe after fcmp too)
  m.cmov(c, r, o);  // dst (64 bits) = src when c

  // ---- floats (dbl: f64) ----
  m.fcmp(b, r, o);
  m.floatOp(fop, b, r, o, o);  // dst = lhs op rhs, like intOp
  // dst = op(src). Rounding is optional: false, and nothing emitted, where
  // the machine lacks it.
  { m.floatUnop(fun, b, r, r) } -> std::same_as<bool>;
  m.signOp(sop, b, r);       // neg/abs on a float's bits in a GP register
  m.convertInt(b, b, r, o);  // to_dbl, src64 (signed), float dst, integer src
  m.promote(r);              // f32 -> f64 in place
  m.demote(r, r);            // dst = f32(src)

  // ---- linear memory (memory 0's base is pinned; u: a memory index) ----
  m.boundsCheck(r, v, l, u);       // idx + end > memory u's size: go to the label
  m.boundsCheck64(r, v, u, l, u);  // memory64: idx + offset + size > memory u's size, or wraps: go to the label
  m.memBase(r, u);                 // r = memory u's base (u > 0), for MemRef::base
  m.load(acc, r, ref);
  m.store(acc, ref, o);
  m.memorySize(r, u);                               // memory u's size in pages
  { m.memoryGrow(o) } -> std::convertible_to<Reg>;  // memory 0: old size in pages or -1; returns where

  // ---- globals (a Vec register: all 16 bytes of a v128 global) ----
  m.globalGet(r, u);
  m.globalSet(u, o);

  // ---- calls: no value stays in a register across any of them ----
  // A direct call of function u with its frame at slot u (rel32 patched at
  // layout, listed in callSites()).
  m.callFunction(u, u);
  // call_indirect through type u, table u, element o, frame at slot u; a
  // trap (the helper has set its kind) goes to the label.
  m.callIndirect(u, u, u, o, l);
  // Tail calls (return_call*), with the arguments already moved to slots 0..:
  // the frame is torn down as by ret() and the callee entered by a jump,
  // direct (patched at layout like a call) or through jitTailCallIndirect
  // (type u, table u, element o; a trap goes to the label before the frame
  // is torn down).
  m.tailCallFunction(u);
  m.tailCallIndirect(u, u, o, l);
  // Operator helper `id` (operatorHelper) with two operands (the second
  // 0 for unary ones); returns the register holding the result.
  { m.callOperator(u, o, o) } -> std::convertible_to<Reg>;
  // jitMisc(op, a, b, frame at slot), checking for a trap when `traps`;
  // returns the register holding the result.
  { m.callMisc(u, u, u, u, b, l) } -> std::convertible_to<Reg>;
  m.checkTrap(l);          // after a helper that may have set a trap kind
  m.interruptCheck(u, l);  // jitCheckInterrupt(flags): go to the label on 1

  // br_table: goes to targets[idx], or the last one when idx is past them.
  m.jumpTable(o, targets);

  // ---- SIMD: v128 values in Vec registers (jit/compiler/simd.cc) ----
  // Emitters named by the Wasm opcode: each architecture picks its
  // instructions, and one returning false has emitted nothing (the compiler
  // then calls the instruction's helper). dst is in place (it holds the
  // first operand on entry); the other operands are registers that are
  // only read, distinct from dst; tmp is a free Vec register the emitter
  // may write. Results are bit for bit those of interp/simd.h.
  // False where the machine lacks the SIMD baseline (x64: SSE4.1); the
  // compiler then leaves functions with SIMD instructions to the interpreter.
  { cm.vecSupported() } -> std::convertible_to<bool>;
  m.copyVecSlot(u, u);                                // two slots to two slots (they may overlap)
  m.vecConst(r, v, v);                                // dst = (lo, hi), from the function's constant pool
  { m.vecUnop(op, r, r, r) } -> std::same_as<bool>;   // v:v (dst, src, tmp)
  { m.vecBinop(op, r, r, r) } -> std::same_as<bool>;  // vv:v (dst = dst op rhs, tmp)
  { m.vecShift(op, r, o, r) } -> std::same_as<bool>;  // vi:v (dst, count: register or immediate, tmp)
  m.vecBitselect(r, r, r);                            // dst = (dst & c) | (b & ~c)
  { m.vecTest(op, r, r, r) } -> std::same_as<bool>;   // v:i (gp dst, src, tmp)
  m.vecSplat(op, r, r);                               // dst = splat(src), src Gp (integer shapes) or Fp
  m.vecExtract(op, u, r, r);                          // dst (Gp or Fp by the shape) = src[lane]
  m.vecReplace(op, u, r, r);                          // dst[lane] = src (Gp or Fp)
  m.vecShuffle(r, r, ptr, r);                         // dst = shuffle(dst, b, 16 lane indices), tmp
  m.vecLoad(op, u, r, ref);                           // every load form (lane: the lane a *_lane form writes in dst)
  m.vecStore(op, u, ref, r);                          // v128.store and the store_lane forms
  // A helper of jit/simd_helpers.cc computing op on the operands in the
  // slots from frame_slot on; the result replaces them there.
  m.callSimd(u, u, u);
};

}  // namespace tern::jit

#if defined(__x86_64__) || defined(_M_X64)
#include "jit/x64/masm_x64.h"
#elif defined(__aarch64__)
#include "jit/a64/masm_a64.h"
#endif
