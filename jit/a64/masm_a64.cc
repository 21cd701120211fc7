// AArch64 encodings of the Masm operations (see masm_a64.h, jit/masm.h).
#include "jit/a64/masm_a64.h"

#include <asmjit/arm/a64utils.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "jit/a64/encode_a64.h"
#include "jit/a64/frame_a64.h"
#include "jit/entry.h"
#include "jit/jit.h"

namespace tern::jit {

using namespace asmjit;
namespace A = asmjit::a64;
using AImm = asmjit::Imm;
using arm64::kCtxReg, arm64::kFrameReg, arm64::kMemBaseReg, arm64::kDepthReg, arm64::kScratch0, arm64::kScratch1,
    arm64::kScratchSlot, arm64::kFpScratch0, arm64::kFpScratch1;

namespace {

const A::GpX kFp = A::x(kFrameReg), kMem = A::x(kMemBaseReg), kCtx = A::x(kCtxReg), kS0 = A::x(kScratch0),
             kS1 = A::x(kScratch1);
const A::GpW kDepth = A::w(kDepthReg);

A::Gp gp(unsigned id, bool wide) { return wide ? A::Gp(A::x(id)) : A::Gp(A::w(id)); }
A::Gp gp(Reg r, bool wide) { return gp(r.id, wide); }
A::Vec fp(unsigned id, bool dbl) { return dbl ? A::Vec(A::d(id)) : A::Vec(A::s(id)); }
A::Vec fp(Reg r, bool dbl) { return fp(r.id, dbl); }

// The architecture's condition after cmp (integers) or fcmp (floats). An
// unordered fcmp sets C and V, which makes GT and GE false, LE and LT true.
uint32_t armCond(Cond c) {
  using namespace arm64;
  static const ArmCond map[] = {kEq, kNe, kLt, kGe, kLo, kHs, kGt, kLe, kHi, kLs, kGt, kLe, kGe, kLt, kEq, kNe};
  return map[unsigned(c)];
}
// asmjit numbers conditions from AL = 0 (see asmjit's CondCode): EQ is 2.
arm::CondCode asmjitCond(uint32_t arm) { return arm::CondCode(arm + 2); }

// A value the 12-bit add/sub/cmp immediate takes, unshifted.
bool fitsAddImm(uint64_t v) { return v < 4096; }
uint64_t widthMask(bool wide) { return wide ? ~uint64_t(0) : 0xffffffffull; }

}  // namespace

Masm::Masm(uint32_t func_index) {
  code_.init(Environment::host());
  // TERN_JIT_ASM=1 prints every compiled function's assembly to stderr.
  static const bool log_asm = std::getenv("TERN_JIT_ASM") != nullptr;
  if (log_asm) {
    logger_.setFile(stderr);
    code_.setLogger(&logger_);
    std::fprintf(stderr, "; function %u\n", func_index);
  }
  code_.setErrorHandler(&errors_);
  code_.attach(&a_);
}

void Masm::word(uint32_t w) { a_.embed(&w, 4); }

// movz/movn and a movk per further 16-bit chunk, whichever needs fewer.
void Masm::movImm(unsigned rd, uint64_t v, bool wide) {
  v &= widthMask(wide);
  unsigned chunks = wide ? 4 : 2;
  if (v == 0) {
    a_.mov(gp(rd, wide), wide ? A::Gp(A::xzr) : A::Gp(A::wzr));
    return;
  }
  if (A::Utils::isLogicalImm(v, wide ? 64 : 32)) {
    a_.orr(gp(rd, wide), wide ? A::Gp(A::xzr) : A::Gp(A::wzr), AImm(v));
    return;
  }
  unsigned zeros = 0, ones = 0;
  for (unsigned hw = 0; hw < chunks; ++hw) {
    uint32_t c = uint32_t(v >> (16 * hw)) & 0xffff;
    zeros += c == 0;
    ones += c == 0xffff;
  }
  bool inverted = ones > zeros;
  bool first = true;
  for (unsigned hw = 0; hw < chunks; ++hw) {
    uint32_t c = uint32_t(v >> (16 * hw)) & 0xffff;
    if (c == (inverted ? 0xffffu : 0u)) continue;
    if (first) word(inverted ? arm64::movn(wide, rd, ~c, hw) : arm64::movz(wide, rd, c, hw));
    else word(arm64::movk(wide, rd, c, hw));
    first = false;
  }
  if (first) word(arm64::movn(wide, rd, 0, 0));  // all ones
}

A::Mem Masm::slot(uint32_t s) {
  uint32_t off = s * kSlotBytes;
  if (off <= 4095 * 8) return A::ptr(kFp, int32_t(off));
  movImm(kScratchSlot, off, true);
  return A::ptr(kFp, A::x(kScratchSlot));
}

void Masm::slotAddress(unsigned rd, uint32_t s) {
  uint32_t off = s * kSlotBytes;
  if (fitsAddImm(off)) {
    a_.add(A::x(rd), kFp, AImm(off));
  } else {
    movImm(kScratchSlot, off, true);
    a_.add(A::x(rd), kFp, A::x(kScratchSlot));
  }
}

A::Gp Masm::gpIn(const Opnd& o, bool wide, unsigned scratch) {
  switch (o.kind) {
    case Opnd::R:
      if (o.reg.isGp()) return gp(o.reg, wide);
      a_.fmov(A::x(scratch), A::d(o.reg.id));
      return gp(scratch, wide);
    case Opnd::Slot: a_.ldr(A::x(scratch), slot(o.slot)); return gp(scratch, wide);
    default: movImm(scratch, o.imm, wide); return gp(scratch, wide);
  }
}

A::Vec Masm::fpIn(const Opnd& o, bool dbl, unsigned scratch) {
  switch (o.kind) {
    case Opnd::R:
      if (!o.reg.isGp()) return fp(o.reg, dbl);
      a_.fmov(A::d(scratch), A::x(o.reg.id));
      return fp(scratch, dbl);
    case Opnd::Slot: a_.ldr(A::d(scratch), slot(o.slot)); return fp(scratch, dbl);
    default:
      movImm(kScratch0, o.imm, true);
      a_.fmov(A::d(scratch), kS0);
      return fp(scratch, dbl);
  }
}

void Masm::branch(Cond c, Label l) { a_.b(asmjitCond(armCond(c)), l); }

void Masm::prologue(uint32_t nparams, uint32_t nlocals, Label stack_overflow) {
  // Save the caller's frame pointer and our return address, take our frame
  // pointer (x0), check both stacks and the call depth; zero the declared
  // locals. The frame's size is patched into the movz/movk by finish().
  a_.stp(kFp, A::x30, A::ptr_pre(A::sp, -16));
  a_.mov(kFp, A::x0);
  frame_patch_ = a_.offset();
  word(arm64::movz(true, kScratch0, 0, 0));
  word(arm64::movk(true, kScratch0, 0, 1));
  a_.add(kS0, kFp, kS0);
  a_.ldr(kS1, A::ptr(kCtx, kCtxStackEnd));
  a_.cmp(kS0, kS1);
  a_.b(asmjitCond(arm64::kHi), stack_overflow);
  a_.ldr(kS1, A::ptr(kCtx, kCtxNativeLimit));
  a_.mov(kS0, A::sp);
  a_.cmp(kS0, kS1);
  a_.b(asmjitCond(arm64::kLo), stack_overflow);
  a_.subs(kDepth, kDepth, AImm(1));
  a_.b(asmjitCond(arm64::kLo), stack_overflow);  // borrow: no calls were left
  if (nlocals > nparams) {
    uint32_t n = nlocals - nparams;
    if (n <= 16) {
      for (uint32_t i = nparams; i < nlocals; ++i) a_.str(A::xzr, slot(i));
    } else {
      // Pairs of slots in a loop, then the odd one out.
      slotAddress(kScratch0, nparams);
      movImm(kScratch1, n / 2, false);
      Label loop = a_.newLabel();
      a_.bind(loop);
      a_.stp(A::xzr, A::xzr, A::ptr_post(kS0, 16));
      a_.subs(A::w(kScratch1), A::w(kScratch1), AImm(1));
      a_.b(asmjitCond(arm64::kNe), loop);
      if (n % 2) a_.str(A::xzr, A::ptr(kS0));
    }
  }
}

void Masm::ret() {
  a_.add(kDepth, kDepth, AImm(1));
  a_.ldp(kFp, A::x30, A::ptr_post(A::sp, 16));
  a_.ret(A::x30);
}

void Masm::trapStub(Label l, TrapCode code, Label common) {
  // x30 still holds the trap site's return address for trapCommon.
  a_.bind(l);
  movImm(kScratch0, uint32_t(code), false);
  a_.str(A::w(kScratch0), A::ptr(kCtx, kCtxTrapKind));
  a_.b(common);
}

void Masm::trapSite(Label l, Label stub) {
  a_.bind(l);
  a_.bl(stub);
}

void Masm::trapCommon(Label l, uint32_t func_index) {
  a_.bind(l);
  a_.stp(kFp, A::x30, A::ptr_pre(A::sp, -16));  // the trap sp (frame_a64.h)
  movImm(kScratch0, func_index, false);
  a_.str(A::w(kScratch0), A::ptr(kCtx, kCtxTrapFunc));
  a_.mov(kS0, A::sp);
  a_.str(kS0, A::ptr(kCtx, kCtxTrapSp));
  a_.ldr(kS0, A::ptr(kCtx, kCtxUnwind));
  a_.br(kS0);
}

bool Masm::finish(uint32_t frame_bytes, std::vector<uint8_t>& out) {
  if (errors_.failed) return false;
  if (code_.flatten() != kErrorOk || code_.resolveUnresolvedLinks() != kErrorOk) return false;
  CodeBuffer& buf = code_.textSection()->buffer();
  uint32_t patch[2] = {arm64::movz(true, kScratch0, frame_bytes & 0xffff, 0),
                       arm64::movk(true, kScratch0, frame_bytes >> 16, 1)};
  std::memcpy(buf.data() + frame_patch_, patch, sizeof patch);
  out.resize(code_.codeSize());
  return code_.relocateToBase(0) == kErrorOk &&
         code_.copyFlattenedData(out.data(), out.size(), CopySectionFlags::kPadSectionBuffer) == kErrorOk &&
         !errors_.failed;
}

// ---- moves ----
void Masm::move(Reg dst, Reg src) {
  if (dst == src) return;
  if (!dst.isGp() && !src.isGp()) a_.fmov(A::d(dst.id), A::d(src.id));
  else if (!dst.isGp()) a_.fmov(A::d(dst.id), A::x(src.id));
  else if (!src.isGp()) a_.fmov(A::x(dst.id), A::d(src.id));
  else a_.mov(A::x(dst.id), A::x(src.id));
}

void Masm::loadImm(Reg r, uint64_t v) {
  if (!r.isGp()) {
    if (v == 0) {
      a_.fmov(A::d(r.id), A::xzr);
    } else {
      movImm(kScratch0, v, true);
      a_.fmov(A::d(r.id), kS0);
    }
    return;
  }
  movImm(r.id, v, v > 0xffffffffull);
}

void Masm::loadSlot(Reg r, uint32_t s) {
  if (!r.isGp()) a_.ldr(A::d(r.id), slot(s));
  else a_.ldr(A::x(r.id), slot(s));
}

void Masm::storeSlot(uint32_t s, Reg r) {
  if (!r.isGp()) a_.str(A::d(r.id), slot(s));
  else a_.str(A::x(r.id), slot(s));
}

void Masm::storeSlotImm(uint32_t s, uint64_t v) {
  if (v == 0) {
    a_.str(A::xzr, slot(s));
    return;
  }
  movImm(kScratch0, v, v > 0xffffffffull);
  a_.str(kS0, slot(s));
}

void Masm::loadOpnd(Reg dst, const Opnd& o) {
  switch (o.kind) {
    case Opnd::R: move(dst, o.reg); return;
    case Opnd::Slot: loadSlot(dst, o.slot); return;
    default: loadImm(dst, o.imm); return;
  }
}

void Masm::copySlot(uint32_t dst, uint32_t src) {
  if (dst == src) return;
  a_.ldr(kS0, slot(src));
  a_.str(kS0, slot(dst));
}

// ---- integers ----
void Masm::intOp(IntOp op, bool wide, Reg dst, const Opnd& lhs_in, const Opnd& rhs_in) {
  // Three-address: dst is written last, so it may be either operand's
  // register. An immediate rhs goes into the instruction when it fits.
  const Opnd* lp = &lhs_in;
  const Opnd* rp = &rhs_in;
  if (lp->kind == Opnd::Imm && rp->kind != Opnd::Imm && isCommutative(op)) std::swap(lp, rp);
  A::Gp d = gp(dst, wide);
  A::Gp l = gpIn(*lp, wide, kScratch0);
  const Opnd& rhs = *rp;
  unsigned bits = wide ? 64 : 32;
  if (rhs.kind == Opnd::Imm) {
    uint64_t v = rhs.imm & widthMask(wide), neg = (0 - rhs.imm) & widthMask(wide);
    switch (op) {
      case IntOp::Add:
      case IntOp::Sub: {
        bool add = op == IntOp::Add;
        if (fitsAddImm(v)) {
          if (add) a_.add(d, l, AImm(v));
          else a_.sub(d, l, AImm(v));
          return;
        }
        if (fitsAddImm(neg)) {
          if (add) a_.sub(d, l, AImm(neg));
          else a_.add(d, l, AImm(neg));
          return;
        }
        break;
      }
      case IntOp::And:
      case IntOp::Or:
      case IntOp::Xor:
        if (!A::Utils::isLogicalImm(v, bits)) break;
        if (op == IntOp::And) a_.and_(d, l, AImm(v));
        else if (op == IntOp::Or) a_.orr(d, l, AImm(v));
        else a_.eor(d, l, AImm(v));
        return;
      case IntOp::Shl:
      case IntOp::ShrS:
      case IntOp::ShrU:
      case IntOp::Rotl:
      case IntOp::Rotr: {
        uint32_t n = uint32_t(rhs.imm) & (bits - 1);
        if (n == 0) {
          if (d != l) a_.mov(d, l);
          return;
        }
        if (op == IntOp::Shl) a_.lsl(d, l, AImm(n));
        else if (op == IntOp::ShrS) a_.asr(d, l, AImm(n));
        else if (op == IntOp::ShrU) a_.lsr(d, l, AImm(n));
        else a_.ror(d, l, AImm(op == IntOp::Rotr ? n : bits - n));
        return;
      }
      default: break;
    }
  }
  A::Gp r = gpIn(rhs, wide, kScratch1);
  switch (op) {
    case IntOp::Add: a_.add(d, l, r); return;
    case IntOp::Sub: a_.sub(d, l, r); return;
    case IntOp::Mul: a_.mul(d, l, r); return;
    case IntOp::And: a_.and_(d, l, r); return;
    case IntOp::Or: a_.orr(d, l, r); return;
    case IntOp::Xor: a_.eor(d, l, r); return;
    // The variable forms take the count modulo the width, as Wasm does.
    case IntOp::Shl: a_.lslv(d, l, r); return;
    case IntOp::ShrS: a_.asrv(d, l, r); return;
    case IntOp::ShrU: a_.lsrv(d, l, r); return;
    case IntOp::Rotr: a_.rorv(d, l, r); return;
    case IntOp::Rotl: {
      // Left by n is right by -n (modulo the width).
      A::Gp t = gp(kScratch1, wide);
      a_.neg(t, r);
      a_.rorv(d, l, t);
      return;
    }
  }
}

bool Masm::intUnop(IntUnop op, bool wide, Reg dst, Reg src) {
  A::Gp d = gp(dst, wide), g = gp(src, wide);
  switch (op) {
    case IntUnop::Clz: a_.clz(d, g); return true;
    case IntUnop::Ctz:
      a_.rbit(d, g);
      a_.clz(d, d);
      return true;
    case IntUnop::Popcnt: {
      // Per-byte counts in v31, summed across its low 8 bytes.
      A::Vec t = A::v(kFpScratch0);
      a_.fmov(A::d(kFpScratch0), A::x(src.id));  // a 32-bit source's upper half is zero
      a_.cnt(t.b8(), t.b8());
      a_.addv(t.b(), t.b8());
      a_.fmov(A::w(dst.id), A::s(kFpScratch0));
      return true;
    }
    case IntUnop::Ext8S: a_.sxtb(d, A::w(src.id)); return true;
    case IntUnop::Ext16S: a_.sxth(d, A::w(src.id)); return true;
    case IntUnop::Ext32S: a_.sxtw(A::x(dst.id), A::w(src.id)); return true;
    case IntUnop::Wrap: a_.mov(A::w(dst.id), A::w(src.id)); return true;
  }
  return false;
}

void Masm::divRem(DivOp op, bool wide, Reg dst, Opnd lhs, Reg rhs, bool check_zero, bool check_overflow, Label div0,
                  Label overflow) {
  // sdiv/udiv never trap: x / 0 is 0 and INT_MIN / -1 is INT_MIN, so both
  // are checked here; INT_MIN % -1 comes out 0 from msub as Wasm wants.
  bool sign = op == DivOp::DivS || op == DivOp::RemS, rem = op == DivOp::RemS || op == DivOp::RemU;
  A::Gp r = gp(rhs, wide);
  if (check_zero) a_.cbz(r, div0);
  A::Gp l = gpIn(lhs, wide, kScratch0);
  if (sign && !rem && check_overflow) {
    Label normal = a_.newLabel();
    a_.cmn(r, AImm(1));
    a_.b(asmjitCond(arm64::kNe), normal);
    a_.cmp(l, AImm(1));  // only INT_MIN - 1 overflows
    a_.b(asmjitCond(arm64::kVs), overflow);
    a_.bind(normal);
  }
  A::Gp d = gp(dst, wide);
  if (!rem) {
    if (sign) a_.sdiv(d, l, r);
    else a_.udiv(d, l, r);
    return;
  }
  A::Gp q = gp(kScratch1, wide);
  if (sign) a_.sdiv(q, l, r);
  else a_.udiv(q, l, r);
  a_.msub(d, q, r, l);
}

void Masm::cmp(bool wide, Reg lhs, Opnd rhs) {
  A::Gp l = gp(lhs, wide);
  if (rhs.kind == Opnd::Imm) {
    uint64_t v = rhs.imm & widthMask(wide), neg = (0 - rhs.imm) & widthMask(wide);
    if (fitsAddImm(v)) {
      a_.cmp(l, AImm(v));
      return;
    }
    if (fitsAddImm(neg)) {
      a_.cmn(l, AImm(neg));
      return;
    }
  }
  a_.cmp(l, gpIn(rhs, wide, kScratch1));
}

void Masm::cmpSlotZero(uint32_t s) {
  a_.ldr(A::w(kScratch0), slot(s));
  a_.cmp(A::w(kScratch0), AImm(0));
}

void Masm::test(Reg r) {
  if (!r.isGp()) {
    a_.fmov(A::w(kScratch0), A::s(r.id));
    a_.cmp(A::w(kScratch0), AImm(0));
  } else {
    a_.cmp(A::w(r.id), AImm(0));
  }
}

void Masm::branchZero(Reg r, bool nonzero, Label l) {
  unsigned id = r.id;
  if (!r.isGp()) {
    a_.fmov(A::w(kScratch0), A::s(r.id));
    id = kScratch0;
  }
  if (nonzero) a_.cbnz(A::w(id), l);
  else a_.cbz(A::w(id), l);
}

void Masm::setCond(Cond c, Reg dst) { word(arm64::cset(false, dst.id, armCond(c))); }

void Masm::cmov(Cond c, Reg dst, Opnd src) {
  A::Gp s = gpIn(src, true, kScratch1);
  word(arm64::csel(true, dst.id, s.id(), dst.id, armCond(c)));
}

void Masm::fcmp(bool dbl, Reg lhs, Opnd rhs) { a_.fcmp(fp(lhs, dbl), fpIn(rhs, dbl, kFpScratch1)); }

// ---- floats ----
void Masm::floatOp(FloatOp op, bool dbl, Reg dst, const Opnd& lhs, const Opnd& rhs) {
  A::Vec l = fpIn(lhs, dbl, kFpScratch0), r = fpIn(rhs, dbl, kFpScratch1), d = fp(dst, dbl);
  switch (op) {
    case FloatOp::Add: a_.fadd(d, l, r); return;
    case FloatOp::Sub: a_.fsub(d, l, r); return;
    case FloatOp::Mul: a_.fmul(d, l, r); return;
    case FloatOp::Div: a_.fdiv(d, l, r); return;
  }
}

bool Masm::floatUnop(FloatUnop op, bool dbl, Reg dst, Reg src) {
  // Scalar writes clear the register's upper bits (f32 keeps 32..63 zero).
  A::Vec d = fp(dst, dbl), s = fp(src, dbl);
  switch (op) {
    case FloatUnop::Ceil: a_.frintp(d, s); return true;
    case FloatUnop::Floor: a_.frintm(d, s); return true;
    case FloatUnop::Trunc: a_.frintz(d, s); return true;
    case FloatUnop::Nearest: a_.frintn(d, s); return true;
    case FloatUnop::Sqrt: a_.fsqrt(d, s); return true;
  }
  return false;
}

void Masm::signOp(SignOp op, bool dbl, Reg r) {
  // On the bits in a general-purpose register: no canonicalization. Both
  // masks are logical immediates.
  A::Gp g = gp(r, dbl);
  uint64_t sign = dbl ? uint64_t(1) << 63 : 0x80000000u;
  if (op == SignOp::Neg) a_.eor(g, g, AImm(sign));
  else a_.and_(g, g, AImm(~sign & widthMask(dbl)));
}

void Masm::convertInt(bool to_dbl, bool src64, Reg dst, Opnd src) {
  A::Gp s = gpIn(src, src64, kScratch0);
  a_.scvtf(fp(dst, to_dbl), s);
}

void Masm::promote(Reg r) { a_.fcvt(A::d(r.id), A::s(r.id)); }

void Masm::demote(Reg dst, Reg src) { a_.fcvt(A::s(dst.id), A::d(src.id)); }

// ---- memory ----
void Masm::loadMemSize(const A::GpX& dst, uint32_t mem) {
  if (mem == 0) {
    a_.ldr(dst, A::ptr(kCtx, kCtxMemSize));
    a_.ldr(dst, A::ptr(dst));
    return;
  }
  a_.ldr(dst, A::ptr(kCtx, kCtxMemories));
  if (mem * 8 <= 32760) {
    a_.ldr(dst, A::ptr(dst, int32_t(mem * 8)));
  } else {
    movImm(kScratch0, uint64_t(mem) * 8, true);
    a_.ldr(dst, A::ptr(dst, kS0));
  }
  a_.ldr(dst, A::ptr(dst, int32_t(offsetof(MemoryInst, size_))));
}

void Masm::memBase(Reg dst, uint32_t mem) {
  a_.ldr(A::x(dst.id), A::ptr(kCtx, kCtxMemories));
  if (mem * 8 <= 32760) {
    a_.ldr(A::x(dst.id), A::ptr(A::x(dst.id), int32_t(mem * 8)));
  } else {
    movImm(kScratch0, uint64_t(mem) * 8, true);
    a_.ldr(A::x(dst.id), A::ptr(A::x(dst.id), kS0));
  }
  a_.ldr(A::x(dst.id), A::ptr(A::x(dst.id), int32_t(offsetof(MemoryInst, base_))));
}

void Masm::boundsCheck(Reg idx, uint64_t end, Label trap, uint32_t mem) {
  loadMemSize(kS1, mem);
  if (fitsAddImm(end)) {
    a_.add(kS0, A::x(idx.id), AImm(end));
  } else {
    movImm(kScratch0, end, true);
    a_.add(kS0, kS0, A::x(idx.id));
  }
  a_.cmp(kS0, kS1);
  a_.b(asmjitCond(arm64::kHi), trap);
}

// memory64: a 64-bit address cannot be guarded, and idx + offset + size
// may wrap, which the carry of adds catches.
void Masm::boundsCheck64(Reg idx, uint64_t offset, uint32_t size, Label trap, uint32_t mem) {
  uint64_t end = offset + size;
  if (end < offset) {  // past 2^64: no address is in bounds
    a_.b(trap);
    return;
  }
  loadMemSize(kS1, mem);
  movImm(kScratch0, end, true);
  a_.adds(kS0, kS0, A::x(idx.id));
  a_.b(asmjitCond(arm64::kHs), trap);
  a_.cmp(kS0, kS1);
  a_.b(asmjitCond(arm64::kHi), trap);
}

A::Mem Masm::memOperand(MemRef ref, unsigned size) {
  // [x20, wN, uxtw] when there is no offset; an offset goes into x16 with
  // the index (a zero-extended 32-bit value), or into the instruction when
  // it is a scaled 12-bit one and there is no index. A memory other than
  // memory 0 has its base in ref.base (memBase).
  const A::GpX mem = ref.base >= 0 ? A::x(uint32_t(ref.base)) : kMem;
  if (!ref.has_idx) {
    if (ref.offset % size == 0 && ref.offset / size <= 4095) return A::ptr(mem, int32_t(ref.offset));
    movImm(kScratch0, ref.offset, true);
    return A::ptr(mem, kS0);
  }
  if (ref.offset == 0 && ref.idx64) return A::ptr(mem, A::x(ref.idx.id));
  if (ref.offset == 0) return A::ptr(mem, A::w(ref.idx.id), arm::uxtw(0));
  if (fitsAddImm(ref.offset)) {
    a_.add(kS0, A::x(ref.idx.id), AImm(ref.offset));
  } else {
    movImm(kScratch0, ref.offset, true);
    a_.add(kS0, kS0, A::x(ref.idx.id));
  }
  return A::ptr(mem, kS0);
}

void Masm::load(MemAccess acc, Reg dst, MemRef ref) {
  A::Mem m = memOperand(ref, acc.size);
  if (acc.fp) {
    a_.ldr(fp(dst, acc.size == 8), m);
    return;
  }
  switch (acc.size) {
    case 1:
      if (acc.ext == 0) a_.ldrb(A::w(dst.id), m);
      else a_.ldrsb(gp(dst, acc.ext == 2), m);
      break;
    case 2:
      if (acc.ext == 0) a_.ldrh(A::w(dst.id), m);
      else a_.ldrsh(gp(dst, acc.ext == 2), m);
      break;
    case 4:
      if (acc.ext == 2) a_.ldrsw(A::x(dst.id), m);
      else a_.ldr(A::w(dst.id), m);
      break;
    default: a_.ldr(A::x(dst.id), m); break;
  }
}

void Masm::store(MemAccess acc, MemRef ref, Opnd v) {
  // The value in a register other than x16 (which memOperand may use).
  bool wide = acc.size == 8;
  if (v.kind == Opnd::R && !v.reg.isGp() && (acc.size == 4 || acc.size == 8)) {
    A::Mem m = memOperand(ref, acc.size);
    a_.str(fp(v.reg, wide), m);
    return;
  }
  A::Gp g = v.kind == Opnd::Imm && (v.imm & widthMask(wide)) == 0 ? (wide ? A::Gp(A::xzr) : A::Gp(A::wzr))
                                                                  : gpIn(v, wide, kScratch1);
  A::Mem m = memOperand(ref, acc.size);
  switch (acc.size) {
    case 1: a_.strb(A::w(g.id()), m); break;
    case 2: a_.strh(A::w(g.id()), m); break;
    case 4: a_.str(A::w(g.id()), m); break;
    default: a_.str(A::x(g.id()), m); break;
  }
}

// ---- calls and the runtime ----
void Masm::callFunction(uint32_t func_index, uint32_t frame_slot) {
  slotAddress(0, frame_slot);
  // bl, patched when the module's code is laid out.
  calls_.emplace_back(uint32_t(a_.offset()), func_index);
  word(arm64::bl(0));
}

// Helpers are called through Ctx::helpers: the code holds no host address.
void Masm::callHelper(uint32_t id) {
  a_.ldr(kS0, A::ptr(kCtx, int32_t(offsetof(Ctx, helpers))));
  if (id * sizeof(void*) <= 4095 * 8) {
    a_.ldr(kS0, A::ptr(kS0, int32_t(id * sizeof(void*))));
  } else {
    movImm(kScratch1, id * sizeof(void*), true);
    a_.ldr(kS0, A::ptr(kS0, kS1));
  }
  a_.blr(kS0);
}

Reg Masm::callOperator(uint32_t helper, Opnd x, Opnd y) {
  // helper(x, y, ctx) in x0, x1, x2; y first into x17, since x may be in x1
  // and y in x0.
  if (y.kind == Opnd::Imm) {
    loadOpnd(gpReg(0), x);
    movImm(1, y.imm, true);
  } else {
    loadOpnd(gpReg(kScratch1), y);
    loadOpnd(gpReg(0), x);
    a_.mov(A::x1, kS1);
  }
  a_.mov(A::x2, kCtx);
  callHelper(helper);
  return gpReg(0);
}

void Masm::checkTrap(Label trap) {
  a_.ldr(A::w(kScratch0), A::ptr(kCtx, kCtxTrapKind));
  a_.cbnz(A::w(kScratch0), trap);
}

void Masm::callIndirect(uint32_t type_index, uint32_t table, uint32_t frame_slot, Opnd elem, Label trap) {
  // jitCallIndirect(ctx, type, table, elem, fp): elem first, before the
  // registers it may be in are written.
  loadOpnd(gpReg(3), elem);
  a_.str(kDepth, A::ptr(kCtx, kCtxDepthLeft));
  a_.mov(A::x0, kCtx);
  movImm(1, type_index, false);
  movImm(2, table, false);
  slotAddress(4, frame_slot);
  callHelper(helperId(HelperId::CallIndirect));
  a_.cbz(A::x0, trap);
  a_.mov(kS0, A::x0);
  slotAddress(0, frame_slot);
  a_.blr(kS0);
}

// The frame goes as in ret(), but the callee's frame pointer is ours: the
// jump lands in its prologue (or a call-out stub) as if our caller had
// called it, with x30 the return address into our caller.
void Masm::tailCallFunction(uint32_t func_index) {
  a_.mov(A::x0, kFp);
  a_.add(kDepth, kDepth, AImm(1));
  a_.ldp(kFp, A::x30, A::ptr_post(A::sp, 16));
  // b, patched when the module's code is laid out.
  calls_.emplace_back(uint32_t(a_.offset()), func_index);
  word(arm64::b(0));
}

void Masm::tailCallIndirect(uint32_t type_index, uint32_t table, Opnd elem, Label trap) {
  // jitTailCallIndirect(ctx, type, table, elem); the call-out stub takes a
  // function index in w1 (UINT32_MAX: ctx->tail_target).
  loadOpnd(gpReg(3), elem);
  a_.mov(A::x0, kCtx);
  movImm(1, type_index, false);
  movImm(2, table, false);
  callHelper(helperId(HelperId::TailCallIndirect));
  a_.cbz(A::x0, trap);
  a_.mov(kS0, A::x0);
  a_.mov(A::x0, kFp);
  a_.add(kDepth, kDepth, AImm(1));
  a_.ldp(kFp, A::x30, A::ptr_post(A::sp, 16));
  movImm(1, UINT32_MAX, false);
  a_.br(kS0);
}

void Masm::interruptCheck(uint32_t flags, Label trap) {
  a_.mov(A::x0, kCtx);
  movImm(1, flags, false);
  callHelper(helperId(HelperId::CheckInterrupt));
  a_.cbnz(A::w0, trap);
}

Reg Masm::callMisc(uint32_t op, uint32_t x, uint32_t y, uint32_t frame_slot, bool traps, Label trap) {
  a_.mov(A::x0, kCtx);
  movImm(1, op, false);
  movImm(2, x, false);
  movImm(3, y, false);
  slotAddress(4, frame_slot);
  callHelper(helperId(HelperId::Misc));
  if (traps) checkTrap(trap);
  return gpReg(0);
}

void Masm::memorySize(Reg dst, uint32_t mem) {
  if (mem == 0) {
    a_.ldr(kS0, A::ptr(kCtx, kCtxMemSize));
    a_.ldr(A::x(dst.id), A::ptr(kS0));
  } else {
    loadMemSize(A::x(dst.id), mem);
  }
  a_.lsr(A::x(dst.id), A::x(dst.id), AImm(16));
}

Reg Masm::memoryGrow(Opnd delta) {
  loadOpnd(gpReg(1), delta);
  a_.mov(A::x0, kCtx);
  callHelper(helperId(HelperId::MemoryGrow));
  a_.mov(A::w0, A::w0);  // the int32_t result, zero-extended
  return gpReg(0);
}

void Masm::globalGet(Reg dst, uint32_t index) {
  a_.ldr(kS0, A::ptr(kCtx, kCtxGlobals));
  if (index <= 4095) {
    a_.ldr(kS0, A::ptr(kS0, int32_t(index * 8)));
  } else {
    movImm(kScratch1, uint64_t(index) * 8, true);
    a_.ldr(kS0, A::ptr(kS0, kS1));
  }
  A::Mem m = A::ptr(kS0, int32_t(offsetof(GlobalInst, bits_)));
  if (!dst.isGp()) a_.ldr(A::d(dst.id), m);
  else a_.ldr(A::x(dst.id), m);
}

void Masm::globalSet(uint32_t index, Opnd v) {
  // The value first (into x17), then the global's address (x16).
  bool fpv = v.kind == Opnd::R && !v.reg.isGp();
  A::Gp g = fpv ? A::Gp(A::xzr) : v.kind == Opnd::Imm && v.imm == 0 ? A::Gp(A::xzr) : gpIn(v, true, kScratch1);
  a_.ldr(kS0, A::ptr(kCtx, kCtxGlobals));
  if (index <= 4095) {
    a_.ldr(kS0, A::ptr(kS0, int32_t(index * 8)));
  } else {
    movImm(kScratchSlot, uint64_t(index) * 8, true);
    a_.ldr(kS0, A::ptr(kS0, A::x(kScratchSlot)));
  }
  A::Mem m = A::ptr(kS0, int32_t(offsetof(GlobalInst, bits_)));
  if (fpv) a_.str(A::d(v.reg.id), m);
  else a_.str(A::x(g.id()), m);
}

void Masm::jumpTable(Opnd idx, const std::vector<Label>& targets) {
  // A table of branches: past its end, the last target.
  uint32_t n = uint32_t(targets.size()) - 1;
  A::Gp i = gpIn(idx, false, kScratch0);
  if (fitsAddImm(n)) {
    a_.cmp(i, AImm(n));
  } else {
    movImm(kScratch1, n, false);
    a_.cmp(i, A::w(kScratch1));
  }
  a_.b(asmjitCond(arm64::kHs), targets[n]);
  Label table = a_.newLabel();
  a_.adr(kS1, table);
  a_.ubfiz(kS0, A::x(i.id()), AImm(2), AImm(32));  // the zero-extended index * 4
  a_.add(kS1, kS1, kS0);
  a_.br(kS1);
  a_.bind(table);
  for (uint32_t k = 0; k < n; ++k) a_.b(targets[k]);
}

}  // namespace tern::jit
