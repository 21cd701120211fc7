// The compiler's operators: integer and float arithmetic, compares (left
// pending for br_if / if / select to fuse), conversions, and everything else
// simple through its operator helper. The Masm's emitters are three-address
// (dst, lhs, rhs): the compiler picks dst among registers its operands give
// up and keeps an emitter's clobbered registers free; moves, swaps and
// fixed registers are the Masm's.
#include <array>

#include "jit/compiler/compiler.h"

namespace tern::jit {

using namespace compiler;

// An integer compare, pending on the stack as a Cmp entry.
void FunctionCompiler::Impl::pushCompare(Cond cc, bool wide) {
  Val b = pop();
  Val x = pop();
  // A constant on the left: swap the operands and mirror the condition.
  if (x.e.kind == Entry::Const && b.e.kind != Entry::Const) {
    std::swap(x, b);
    cc = mirror(cc);
  }
  Entry e;
  e.kind = Entry::Cmp;
  e.cc = cc;
  e.wide = wide;
  if (b.e.isFpReg()) gpOwned(b);  // allocations first
  // (setCmpLhs's commonest case inline: a local cached in a Gp register.)
  if (int cr = x.e.kind == Entry::Local ? cacheOf(x.e.slot, RegClass::Gp) : -1; cr >= 0) {
    e.reg = uint8_t(cr);
    e.lborrow = true;
  } else {
    setCmpLhs(e, x);
  }
  if (b.e.kind == Entry::Const) {
    e.rhs = Entry::RImm;
    e.value = b.e.value;
  } else if (inMemory(b.e)) {
    e.rhs = Entry::RSlot;
    e.slot = slotOf(b);
    int cr = b.e.kind == Entry::Local ? cacheOf(b.e.slot, RegClass::Gp) : -1;
    if (cr >= 0) {
      e.rhs = Entry::RReg;
      e.rreg = uint8_t(cr);
      e.rborrow = true;
    }
  } else {
    e.rhs = Entry::RReg;
    e.rreg = uint8_t(gpOwned(b));
  }
  stack.push_back(e);
  noteDepth();
}

namespace {

// intBinary's operators, per opcode from i32.eq to i64.rotr (a table: one
// look-up instead of a switch, as numOp asks intBinary first for every
// operator): an IntOp or a compare's Cond, and whether the operands are
// 64-bit. `some` is false for the opcodes in between that are not these.
// For an IntOp, also what the lambda in intBinary asks of it (folded here
// from isCommutative and Masm::intOpClobbers, which test it op by op).
struct IntBinaryOp {
  bool some = false, cmp = false, wide = false;
  uint8_t k = 0;  // IntOp; Cond when cmp
  bool commutative = false;
  uint32_t clobbers_reg = 0, clobbers_imm = 0;  // intOpClobbers, the right operand a register / a constant
};
constexpr size_t kIntBinaryFirst = size_t(Opcode::I32Eq);
constexpr auto kIntBinary = [] {
  std::array<IntBinaryOp, size_t(Opcode::I64Rotr) - kIntBinaryFirst + 1> t{};
  auto op = [&](Opcode o32, Opcode o64, IntOp k) {
    IntBinaryOp e{
        true, false, false, uint8_t(k), isCommutative(k), Masm::intOpClobbers(k, false), Masm::intOpClobbers(k, true)};
    t[size_t(o32) - kIntBinaryFirst] = e;
    e.wide = true;
    t[size_t(o64) - kIntBinaryFirst] = e;
  };
  auto cmp = [&](Opcode o32, Opcode o64, Cond c) {
    t[size_t(o32) - kIntBinaryFirst] = {true, true, false, uint8_t(c), false, 0, 0};
    t[size_t(o64) - kIntBinaryFirst] = {true, true, true, uint8_t(c), false, 0, 0};
  };
  op(Opcode::I32Add, Opcode::I64Add, IntOp::Add);
  op(Opcode::I32Sub, Opcode::I64Sub, IntOp::Sub);
  op(Opcode::I32Mul, Opcode::I64Mul, IntOp::Mul);
  op(Opcode::I32And, Opcode::I64And, IntOp::And);
  op(Opcode::I32Or, Opcode::I64Or, IntOp::Or);
  op(Opcode::I32Xor, Opcode::I64Xor, IntOp::Xor);
  op(Opcode::I32Shl, Opcode::I64Shl, IntOp::Shl);
  op(Opcode::I32ShrS, Opcode::I64ShrS, IntOp::ShrS);
  op(Opcode::I32ShrU, Opcode::I64ShrU, IntOp::ShrU);
  op(Opcode::I32Rotl, Opcode::I64Rotl, IntOp::Rotl);
  op(Opcode::I32Rotr, Opcode::I64Rotr, IntOp::Rotr);
  cmp(Opcode::I32Eq, Opcode::I64Eq, Cond::Eq);
  cmp(Opcode::I32Ne, Opcode::I64Ne, Cond::Ne);
  cmp(Opcode::I32LtS, Opcode::I64LtS, Cond::LtS);
  cmp(Opcode::I32LtU, Opcode::I64LtU, Cond::LtU);
  cmp(Opcode::I32GtS, Opcode::I64GtS, Cond::GtS);
  cmp(Opcode::I32GtU, Opcode::I64GtU, Cond::GtU);
  cmp(Opcode::I32LeS, Opcode::I64LeS, Cond::LeS);
  cmp(Opcode::I32LeU, Opcode::I64LeU, Cond::LeU);
  cmp(Opcode::I32GeS, Opcode::I64GeS, Cond::GeS);
  cmp(Opcode::I32GeU, Opcode::I64GeU, Cond::GeU);
  return t;
}();

}  // namespace

// Integer arithmetic, bitwise operators, shifts and compares.
bool FunctionCompiler::Impl::intBinary(Opcode op) {
  const size_t i = size_t(op) - kIntBinaryFirst;
  if (i >= kIntBinary.size() || !kIntBinary[i].some) return false;
  const IntBinaryOp& t = kIntBinary[i];
  if (t.cmp) {
    pushCompare(Cond(t.k), t.wide);
    return true;
  }
  // The arithmetic, bitwise operators and shifts, out of line: the
  // compares and the operators that are not intBinary's save no registers.
  [](Impl & c, const IntBinaryOp& o) __attribute__((noinline)) {
    const IntOp k = IntOp(o.k);
    const bool wide = o.wide;
    using Val = compiler::Val;
    Val b = c.pop();
    Val x = c.pop();
    // Registers the emitter writes besides dst are kept free (an operand
    // already in one stays: the Masm wants it there).
    uint32_t clobbers = b.e.kind == Entry::Const ? o.clobbers_imm : o.clobbers_reg, claimed = 0;
    for (uint32_t mask = clobbers; mask; mask &= mask - 1) {
      int r = __builtin_ctz(mask);
      if (b.e.isGpReg() && b.e.reg == r) continue;
      c.claimGp(r, {&x, &b});
      claimed |= 1u << r;
    }
    int r;
    if (o.commutative && x.e.kind != Entry::Reg && b.e.isGpReg()) {
      // Only the right operand is in a register: the result goes there.
      r = b.e.reg;
      c.a.intOp(k, wide, gpR(r), c.gpRhs(x, true), Opnd::r(gpR(r)));
      c.release(x.e);
    } else {
      r = c.gpOwned(x);
      // An operand the Masm moves to a register of its own is not worth
      // caching.
      Opnd rhs = clobbers ? c.valueOpnd(b) : c.gpRhs(b, true);
      c.a.intOp(k, wide, gpR(r), Opnd::r(gpR(r)), rhs);
      c.release(b.e);
    }
    c.busy[kGp] &= ~claimed;
    c.pushReg(r, RegClass::Gp);
  }
  (*this, t);
  return true;
}

// Integer unary operators done inline (false: through the helper).
bool FunctionCompiler::Impl::intUnary(Opcode op) {
  IntUnop u;
  bool wide = false;
  switch (op) {
    case Opcode::I32Eqz:
    case Opcode::I64Eqz:
    case Opcode::RefIsNull: {
      Val x = pop();
      Entry c;
      c.kind = Entry::Cmp;
      c.cc = Cond::Eq;
      c.wide = op != Opcode::I32Eqz;
      if (int cr = x.e.kind == Entry::Local ? cacheOf(x.e.slot, RegClass::Gp) : -1; cr >= 0) {
        c.reg = uint8_t(cr);
        c.lborrow = true;
      } else {
        setCmpLhs(c, x);
      }
      c.rhs = Entry::RImm;
      c.value = 0;
      stack.push_back(c);
      noteDepth();
      return true;
    }
    case Opcode::I64ExtendI32U:
    case Opcode::I32ReinterpretF32:
    case Opcode::F32ReinterpretI32:
    case Opcode::I64ReinterpretF64:
    case Opcode::F64ReinterpretI64:
      // Same bits, wherever they are.
      return true;
    case Opcode::I32WrapI64: u = IntUnop::Wrap; break;
    case Opcode::I64ExtendI32S:
      u = IntUnop::Ext32S;
      wide = true;
      break;
    case Opcode::I32Extend8S: u = IntUnop::Ext8S; break;
    case Opcode::I32Extend16S: u = IntUnop::Ext16S; break;
    case Opcode::I64Extend8S:
      u = IntUnop::Ext8S;
      wide = true;
      break;
    case Opcode::I64Extend16S:
      u = IntUnop::Ext16S;
      wide = true;
      break;
    case Opcode::I64Extend32S:
      u = IntUnop::Ext32S;
      wide = true;
      break;
    case Opcode::I32Clz: u = IntUnop::Clz; break;
    case Opcode::I64Clz:
      u = IntUnop::Clz;
      wide = true;
      break;
    case Opcode::I32Ctz: u = IntUnop::Ctz; break;
    case Opcode::I64Ctz:
      u = IntUnop::Ctz;
      wide = true;
      break;
    case Opcode::I32Popcnt: u = IntUnop::Popcnt; break;
    case Opcode::I64Popcnt:
      u = IntUnop::Popcnt;
      wide = true;
      break;
    default: return false;
  }
  Val x = pop();
  int r = gpOwned(x);
  bool done = a.intUnop(u, wide, gpR(r), gpR(r));
  pushReg(r, RegClass::Gp);  // the result, or the operand back for the helper
  return done;
}

bool FunctionCompiler::Impl::divRem(Opcode op) {
  DivOp k;
  switch (op) {
    case Opcode::I32DivS:
    case Opcode::I64DivS: k = DivOp::DivS; break;
    case Opcode::I32DivU:
    case Opcode::I64DivU: k = DivOp::DivU; break;
    case Opcode::I32RemS:
    case Opcode::I64RemS: k = DivOp::RemS; break;
    case Opcode::I32RemU:
    case Opcode::I64RemU: k = DivOp::RemU; break;
    default: return false;
  }
  bool wide = opInfo(op).types.params[0] == ValType::I64;
  bool sign = k == DivOp::DivS || k == DivOp::RemS;
  Val b = pop();
  Val x = pop();
  bool b_const = b.e.kind == Entry::Const;
  uint64_t bv = wide ? b.e.value : uint64_t(int64_t(int32_t(uint32_t(b.e.value))));
  uint32_t clobbers = Masm::divClobbers();
  claimMask(clobbers, {&x, &b});
  int rb = gpOwned(b);
  int pref = Masm::divPreferredDst(k).id;
  int dst = clobbers & (1u << pref) ? pref : allocGp();
  Opnd lhs = valueOpnd(x);
  release(x.e);           // (read by the emitter before anything is written)
  busy[kGp] |= clobbers;  // x may have been in one of them
  a.divRem(k, wide, gpR(dst), lhs, gpR(rb), !b_const || bv == 0, sign && (!b_const || bv == ~uint64_t(0)),
           trapLabel(TrapKind::IntDivByZero), trapLabel(TrapKind::IntOverflow));
  freeGp(rb);
  busy[kGp] &= ~clobbers;
  busy[kGp] |= 1u << dst;
  pushReg(dst, RegClass::Gp);
  return true;
}

// Float compares: eq/ne at once, the others pending as a Cmp entry.
bool FunctionCompiler::Impl::floatCompare(Opcode op) {
  bool dbl = opInfo(op).types.params[0] == ValType::F64;
  // 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge. lt/le become gt/ge with the
  // operands swapped: one kind of condition that an unordered result (NaN)
  // makes false.
  unsigned k;
  switch (op) {
    case Opcode::F32Eq:
    case Opcode::F64Eq: k = 0; break;
    case Opcode::F32Ne:
    case Opcode::F64Ne: k = 1; break;
    case Opcode::F32Lt:
    case Opcode::F64Lt: k = 2; break;
    case Opcode::F32Gt:
    case Opcode::F64Gt: k = 3; break;
    case Opcode::F32Le:
    case Opcode::F64Le: k = 4; break;
    default: k = 5; break;  // ge
  }
  Val b = pop();
  Val x = pop();
  if (k == 2 || k == 4) std::swap(x, b);
  if (k >= 2) {
    Entry c;
    c.kind = Entry::Cmp;
    c.cls = RegClass::Fp;
    c.wide = dbl;
    c.cc = (k == 2 || k == 3) ? Cond::FGt : Cond::FGe;
    c.reg = uint8_t(fpOwned(x));
    if (inMemory(b.e)) {
      c.rhs = Entry::RSlot;
      c.slot = slotOf(b);
    } else {
      c.rhs = Entry::RReg;
      c.rreg = uint8_t(fpOwned(b));
    }
    stack.push_back(c);
    noteDepth();
    return true;
  }
  int l = fpOwned(x);
  int r = allocGp();
  a.fcmp(dbl, fpR(l), fpRhs(b));
  a.setCond(k == 1 ? Cond::FNe : Cond::FEq, gpR(r));
  freeReg(RegClass::Fp, l);
  release(b.e);
  pushReg(r, RegClass::Gp);
  return true;
}

// Float arithmetic, compares, square root, rounding, sign operations and
// conversions done inline (false: through the helper).
bool FunctionCompiler::Impl::floatOp(Opcode op) {
  switch (op) {
    case Opcode::F32Add:
    case Opcode::F32Sub:
    case Opcode::F32Mul:
    case Opcode::F32Div:
    case Opcode::F64Add:
    case Opcode::F64Sub:
    case Opcode::F64Mul:
    case Opcode::F64Div: {
      bool dbl = opInfo(op).types.params[0] == ValType::F64;
      FloatOp k = op == Opcode::F32Add || op == Opcode::F64Add   ? FloatOp::Add
                  : op == Opcode::F32Sub || op == Opcode::F64Sub ? FloatOp::Sub
                  : op == Opcode::F32Mul || op == Opcode::F64Mul ? FloatOp::Mul
                                                                 : FloatOp::Div;
      Val b = pop();
      Val x = pop();
      int r;
      if (isCommutative(k) && !x.e.isFpReg() && b.e.isFpReg()) {
        // Only the right operand is in a register: the result goes there.
        r = b.e.reg;
        a.floatOp(k, dbl, fpR(r), fpRhs(x), Opnd::r(fpR(r)));
        release(x.e);
      } else {
        r = fpOwned(x);
        a.floatOp(k, dbl, fpR(r), Opnd::r(fpR(r)), fpRhs(b));
        release(b.e);
      }
      pushReg(r, RegClass::Fp);
      return true;
    }
    case Opcode::F32Eq:
    case Opcode::F32Ne:
    case Opcode::F32Lt:
    case Opcode::F32Gt:
    case Opcode::F32Le:
    case Opcode::F32Ge:
    case Opcode::F64Eq:
    case Opcode::F64Ne:
    case Opcode::F64Lt:
    case Opcode::F64Gt:
    case Opcode::F64Le:
    case Opcode::F64Ge: return floatCompare(op);
    case Opcode::F32Sqrt:
    case Opcode::F64Sqrt:
    case Opcode::F32Ceil:
    case Opcode::F32Floor:
    case Opcode::F32Trunc:
    case Opcode::F32Nearest:
    case Opcode::F64Ceil:
    case Opcode::F64Floor:
    case Opcode::F64Trunc:
    case Opcode::F64Nearest: {
      bool dbl = opInfo(op).types.params[0] == ValType::F64;
      FloatUnop u = op == Opcode::F32Ceil || op == Opcode::F64Ceil         ? FloatUnop::Ceil
                    : op == Opcode::F32Floor || op == Opcode::F64Floor     ? FloatUnop::Floor
                    : op == Opcode::F32Trunc || op == Opcode::F64Trunc     ? FloatUnop::Trunc
                    : op == Opcode::F32Nearest || op == Opcode::F64Nearest ? FloatUnop::Nearest
                                                                           : FloatUnop::Sqrt;
      Val x = pop();
      int r = fpOwned(x);
      bool done = a.floatUnop(u, dbl, fpR(r), fpR(r));
      pushReg(r, RegClass::Fp);  // the result, or the operand back for the helper
      return done;
    }
    case Opcode::F32Neg:
    case Opcode::F32Abs:
    case Opcode::F64Neg:
    case Opcode::F64Abs: {
      Val x = pop();
      int r = gpOwned(x);
      a.signOp(op == Opcode::F32Neg || op == Opcode::F64Neg ? SignOp::Neg : SignOp::Abs,
               opInfo(op).types.params[0] == ValType::F64, gpR(r));
      pushReg(r, RegClass::Gp);
      return true;
    }
    case Opcode::F32ConvertI32S:
    case Opcode::F64ConvertI32S:
    case Opcode::F32ConvertI64S:
    case Opcode::F64ConvertI64S:
    case Opcode::F32ConvertI32U:
    case Opcode::F64ConvertI32U: {
      const OpSig& sig = opInfo(op).types;
      bool to_dbl = sig.results[0] == ValType::F64;
      // Unsigned 32-bit values are zero-extended: exact as signed 64-bit.
      bool src64 = sig.params[0] == ValType::I64 || op == Opcode::F32ConvertI32U || op == Opcode::F64ConvertI32U;
      Val x = pop();
      Opnd src = gpRhs(x, false);
      int r = alloc(RegClass::Fp);  // a float register: the cached local in src stays
      a.convertInt(to_dbl, src64, fpR(r), src);
      release(x.e);
      pushReg(r, RegClass::Fp);
      return true;
    }
    case Opcode::F64PromoteF32: {
      Val x = pop();
      int r = fpOwned(x);
      a.promote(fpR(r));
      pushReg(r, RegClass::Fp);
      return true;
    }
    case Opcode::F32DemoteF64: {
      Val x = pop();
      int s = fpOwned(x);
      int r = alloc(RegClass::Fp);
      a.demote(fpR(r), fpR(s));
      freeReg(RegClass::Fp, s);
      pushReg(r, RegClass::Fp);
      return true;
    }
    default: return false;
  }
}

// Any other simple operator through its generated C++ helper (the
// interpreter's semantics, from opcodes.def): helper(a, b, ctx), called by
// its id; the Masm places the operands.
void FunctionCompiler::Impl::helperOp(Opcode op, unsigned nin) {
  if (!helperFor(op)) {
    fail(std::string("no helper for ") + opName(op));
    return;
  }
  Val b;
  if (nin == 2) b = pop();
  Val x = pop();
  spillRegs();
  Opnd y = nin == 2 ? valueOpnd(b) : Opnd::i(0);
  Opnd xo = valueOpnd(x);
  if (nin == 2) release(b.e);
  release(x.e);
  ::tern::jit::Reg res = a.callOperator(operatorHelper(unsigned(op)), xo, y);
  if (helperTraps(op)) a.checkTrap(trapSet());
  busy[kGp] |= 1u << res.id;
  pushReg(res.id, RegClass::Gp);
}

}  // namespace tern::jit
