// The compiler's registers: allocation, the locals cache, spills, and the
// operands instructions take from the abstract stack (see compiler.h).
#include "jit/compiler/compiler.h"

namespace tern::jit {

using namespace compiler;

// ---- locals cached in registers (write-through, see compiler.h) ----

// fillCache when local x is not cached in the class.
int FunctionCompiler::Impl::fillCacheMiss(uint32_t x, RegClass cls) {
  if (local_reg[x] >= 0) return -1;  // cached in another class
  // The local read now is likelier to be read again than the least recently
  // used one.
  int c = takeFreeOrEvict(cls);
  if (c < 0) return -1;
  cacheIn(x, cls, c);  // (no old copy to drop: there is none)
  a.loadSlot(regOf(cls, c), x);
  return c;
}

// Drops the least recently used copy of a local in the register file.
void FunctionCompiler::Impl::evictLru(int f) {
  int best = -1;
  for (uint32_t m = cache[f]; m; m &= m - 1) {
    int i = __builtin_ctz(m);
    if (best < 0 || stamp[f][i] < stamp[f][best]) best = i;
  }
  if (best >= 0) dropCacheReg(f, best);
}

int FunctionCompiler::Impl::alloc(RegClass c) {
  int f = regFile(c);
  for (;;) {
    int r = takeFree(c);
    if (r >= 0) return r;
    if (cache[f]) {
      evictLru(f);
      continue;
    }
    if (!spillOne(f)) {
      fail("out of registers");
      return 0;
    }
  }
}

// Spills the deepest stack entry holding a register of the file.
bool FunctionCompiler::Impl::spillOne(int f) {
  for (uint32_t i = 0; i < depth(); ++i) {
    const Entry& e = stack[i];
    if ((e.kind == Entry::Reg || e.kind == Entry::Cmp) && regFile(e.cls) == f) {
      toSlot(i);
      return true;
    }
  }
  return false;
}

// Writes entry e's value to slot dst (the entry is unchanged).
void FunctionCompiler::Impl::storeTo(uint32_t dst, const Entry& e, uint32_t d) {
  switch (e.kind) {
    case Entry::Const: a.storeSlotImm(dst, e.value); return;
    case Entry::Reg: a.storeSlot(dst, regOf(e.cls, e.reg)); return;
    case Entry::Cmp: fail("compare moved"); return;
    default: {
      uint32_t s = slotOf(e, d);
      if (s == dst) return;
      if (e.kind == Entry::Local && cacheAny(e.slot) >= 0) {
        a.storeSlot(dst, cacheReg(e.slot));
        return;
      }
      copyValue(dst, s, e.vec);
      return;
    }
  }
}

// Puts stack entry i in its slot.
void FunctionCompiler::Impl::toSlot(uint32_t i) {
  Entry& e = stack[i];
  if (e.kind == Entry::Stack) return;
  if (e.kind == Entry::Reg) {
    // (storeTo's case, without its call.)
    a.storeSlot(slotOfDepth(i), regOf(e.cls, e.reg));
    freeReg(e.cls, e.reg);
    bool vec = e.vec;
    e = Entry{};
    e.vec = vec;
    return;
  }
  if (e.kind == Entry::Cmp) {
    Val v{e, i};
    int r = gpOwned(v);
    stack[i] = Entry{};
    a.storeSlot(slotOfDepth(i), gpR(r));
    freeGp(r);
    return;
  }
  storeTo(slotOfDepth(i), e, i);
  release(e);
  bool vec = e.vec;
  stack[i] = Entry{};
  stack[i].vec = vec;
}

// Copies a value between slots (two slots for a v128; they may overlap).
void FunctionCompiler::Impl::copyValue(uint32_t dst, uint32_t src, bool vec) {
  if (vec) a.copyVecSlot(dst, src);
  else a.copySlot(dst, src);
}

// Spills registers and copies aliased locals: the state every label expects
// for the entries below it (constants stay: nothing changes them).
void FunctionCompiler::Impl::syncAll() {
  for (uint32_t i = 0; i < depth(); ++i)
    if (stack[i].kind != Entry::Const) toSlot(i);
}

// Before calling C++ or Wasm code: no value may stay in a register.
void FunctionCompiler::Impl::spillRegs() {
  for (uint32_t i = 0; i < depth(); ++i)
    if (stack[i].kind == Entry::Reg || stack[i].kind == Entry::Cmp) toSlot(i);
  clearCache();
}

// Before a call whose operands (the top `n` entries) go to their slots.
void FunctionCompiler::Impl::prepareCall(uint32_t n) {
  uint32_t first = depth() - n;
  for (uint32_t i = 0; i < depth(); ++i) {
    if (i >= first) toSlot(i);
    else if (stack[i].kind == Entry::Reg || stack[i].kind == Entry::Cmp) toSlot(i);
  }
  clearCache();
}

void FunctionCompiler::Impl::materializeLocal(uint32_t local) {
  for (uint32_t i = 0; i < depth(); ++i)
    if (stack[i].kind == Entry::Local && stack[i].slot == local) toSlot(i);
}

// Frees GP register r for the caller's exclusive use: whatever holds it (a
// cached local, a stack entry, or one of the popped operands) moves.
void FunctionCompiler::Impl::claimGp(int r, std::initializer_list<Val*> ops) {
  if (cache[kGp] & (1u << r)) dropCacheReg(kGp, r);
  if (busy[kGp] & (1u << r)) {
    bool done = false;
    for (Val* v : ops) {
      if (v->e.isGpReg() && v->e.reg == r) {
        int n = allocGp();  // r stays taken meanwhile
        a.move(gpR(n), gpR(r));
        v->e.reg = uint8_t(n);
        done = true;
        break;
      }
    }
    if (!done) {
      for (uint32_t i = 0; i < depth(); ++i) {
        const Entry& e = stack[i];
        bool gp = e.cls == RegClass::Gp;
        bool holds = (e.kind == Entry::Reg && gp && e.reg == r) ||
                     (e.kind == Entry::Cmp && gp && (e.reg == r || (e.rhs == Entry::RReg && e.rreg == r)));
        if (holds) {
          toSlot(i);
          break;
        }
      }
    }
  }
  busy[kGp] |= 1u << r;
}

// Claims every GP register of an emitter's clobber mask.
void FunctionCompiler::Impl::claimMask(uint32_t mask, std::initializer_list<Val*> ops) {
  for (uint32_t m = mask; m; m &= m - 1) claimGp(__builtin_ctz(m), ops);
}

// An integer compare's left operand: a cached local's register in place,
// else a register of its own.
void FunctionCompiler::Impl::setCmpLhs(Entry& c, Val& x) {
  int cr = x.e.kind == Entry::Local ? fillCache(x.e.slot, RegClass::Gp) : -1;
  if (cr >= 0) {
    c.reg = uint8_t(cr);
    c.lborrow = true;
  } else {
    c.reg = uint8_t(gpOwned(x));
  }
}

// Before allocating while compare c is pending: it stops borrowing.
void FunctionCompiler::Impl::unborrow(Entry& c) {
  if (c.kind != Entry::Cmp) return;
  if (c.rborrow) {
    c.rhs = Entry::RSlot;  // c.slot: the local, whose slot is current
    c.rborrow = false;
  }
  if (c.lborrow) {
    int r = allocGp();  // the borrowed register keeps its value meanwhile
    a.move(gpR(r), gpR(c.reg));
    c.reg = uint8_t(r);
    c.lborrow = false;
  }
}

// A pending compare that is not fused: its value in a register.
void FunctionCompiler::Impl::materializeTop() {
  Val v = pop();
  int r = gpOwned(v);
  pushReg(r, RegClass::Gp);
}

// ---- operands ----
Opnd FunctionCompiler::Impl::cmpRhs(const Entry& e) {
  switch (e.rhs) {
    case Entry::RImm: return Opnd::i(e.value);
    case Entry::RReg: return Opnd::r(regOf(e.cls, e.rreg));
    default: return Opnd::s(e.slot);
  }
}

void FunctionCompiler::Impl::emitCmp(const Entry& e) {
  if (e.cls != RegClass::Gp) a.fcmp(e.wide, fpR(e.reg), cmpRhs(e));
  else a.cmp(e.wide, gpR(e.reg), cmpRhs(e));
}

// A Stack or Local value in an owned register of the class. A local is
// filled into its cache first (for later reads too) and copied, or the
// cache register is handed over when no other register can be had.
// (Inline in its three callers here, each with its class: gpOwnedMove's is
// the commonest way a local.get reaches an operator.)
[[gnu::always_inline]] inline int FunctionCompiler::Impl::ownedFromMemory(const Val& v, RegClass cls) {
  const Entry& e = v.e;
  int f = regFile(cls);
  int c = e.kind == Entry::Local ? fillCache(e.slot, cls) : -1;
  if (c < 0) {
    int r = alloc(cls);
    a.loadSlot(regOf(cls, r), slotOf(v));
    return r;
  }
  int r = takeFree(cls);
  if (r < 0 && (cache[f] & ~(1u << c))) {
    evictLru(f);  // not c: it was read last
    r = takeFree(cls);
  }
  if (r >= 0) {
    a.move(regOf(cls, r), regOf(cls, c));
    return r;
  }
  dropCacheReg(f, c);
  busy[f] |= 1u << c;
  return c;
}

// The value of v in a general-purpose register the caller owns (gpOwned
// when it is not in one yet).
int FunctionCompiler::Impl::gpOwnedMove(Val& v) {
  Entry& e = v.e;
  int r;
  switch (e.kind) {
    case Entry::Reg:
      if (e.cls == RegClass::Gp) return e.reg;
      r = allocGp();
      a.move(gpR(r), regOf(e.cls, e.reg));
      freeReg(e.cls, e.reg);
      break;
    case Entry::Const:
      r = allocGp();
      a.loadImm(gpR(r), e.value);
      break;
    case Entry::Cmp:
      if (e.cls == RegClass::Gp) {
        // (An allocation only drops caches or spills: a borrowed operand
        // register keeps its value until setCond writes r.)
        r = e.lborrow ? allocGp() : e.reg;
        emitCmp(e);
        if (e.rhs == Entry::RReg && !e.rborrow) freeGp(e.rreg);
        a.setCond(e.cc, gpR(r));
      } else {
        r = allocGp();
        emitCmp(e);
        a.setCond(e.cc, gpR(r));
        freeReg(e.cls, e.reg);
        if (e.rhs == Entry::RReg) freeReg(e.cls, e.rreg);
      }
      break;
    default: r = ownedFromMemory(v, RegClass::Gp); break;
  }
  e = Entry{};
  e.kind = Entry::Reg;
  e.reg = uint8_t(r);
  return r;
}

// The value of v in a float register the caller owns.
int FunctionCompiler::Impl::fpOwned(Val& v) {
  Entry& e = v.e;
  int r;
  switch (e.kind) {
    case Entry::Reg:
      if (e.cls == RegClass::Fp) return e.reg;
      r = alloc(RegClass::Fp);
      a.move(fpR(r), regOf(e.cls, e.reg));
      freeReg(e.cls, e.reg);
      break;
    case Entry::Const:
      r = alloc(RegClass::Fp);
      a.loadImm(fpR(r), e.value);
      break;
    case Entry::Cmp: {
      int g = gpOwned(v);
      r = alloc(RegClass::Fp);
      a.move(fpR(r), gpR(g));
      freeGp(g);
      break;
    }
    default: r = ownedFromMemory(v, RegClass::Fp); break;
  }
  e = Entry{};
  e.kind = Entry::Reg;
  e.cls = RegClass::Fp;
  e.reg = uint8_t(r);
  return r;
}

// The value of v (a v128) in a vector register the caller owns.
int FunctionCompiler::Impl::vecOwned(Val& v) {
  Entry& e = v.e;
  if (e.kind == Entry::Reg && e.cls == RegClass::Vec) return e.reg;
  int r = ownedFromMemory(v, RegClass::Vec);
  e = Entry{};
  e.kind = Entry::Reg;
  e.cls = RegClass::Vec;
  e.reg = uint8_t(r);
  e.vec = true;
  return r;
}

// A vector register holding v's value, only read: a cached local's
// register in place (valid until the next allocation), else an owned one
// (release(v.e) frees it).
int FunctionCompiler::Impl::vecReg(Val& v) {
  if (v.e.kind == Entry::Local) {
    int c = fillCache(v.e.slot, RegClass::Vec);
    if (c >= 0) return c;
  }
  return vecOwned(v);
}

// Copies v's value into register r (frees nothing).
void FunctionCompiler::Impl::loadInto(::tern::jit::Reg r, Val& v) {
  Entry& e = v.e;
  switch (e.kind) {
    case Entry::Reg: a.move(r, regOf(e.cls, e.reg)); return;
    case Entry::Const: a.loadImm(r, e.value); return;
    case Entry::Cmp: a.move(r, gpR(gpOwned(v))); return;
    default: {
      if (e.kind == Entry::Local && cacheAny(e.slot) >= 0) a.move(r, cacheReg(e.slot));
      else a.loadSlot(r, slotOf(v));
      return;
    }
  }
}

Opnd FunctionCompiler::Impl::fpRhs(Val& v) {
  const Entry& e = v.e;
  if (e.kind == Entry::Local) {
    int c = fillCache(e.slot, RegClass::Fp);
    if (c >= 0) return Opnd::r(fpR(c));
  }
  if (inMemory(e)) return Opnd::s(slotOf(v));
  return Opnd::r(fpR(fpOwned(v)));
}

// An operand the Masm places itself (a store's value, a helper's
// argument): a register, a slot or a constant.
Opnd FunctionCompiler::Impl::valueOpnd(Val& v) {
  const Entry& e = v.e;
  switch (e.kind) {
    case Entry::Const: return Opnd::i(e.value);
    case Entry::Reg: return Opnd::r(regOf(e.cls, e.reg));
    case Entry::Cmp: return Opnd::r(gpR(gpOwned(v)));
    case Entry::Local:
      if (cacheAny(e.slot) >= 0) return Opnd::r(cacheReg(e.slot));
      return Opnd::s(e.slot);
    default: return Opnd::s(slotOf(v));
  }
}

}  // namespace tern::jit
