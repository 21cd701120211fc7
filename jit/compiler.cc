// The single-pass compiler: a FunctionDecoder visitor that emits machine
// code through the architecture's Masm (jit/masm.h) while the body is
// validated. Architecture-neutral: the operand stack, register allocation,
// caching of locals and control flow live here; encodings in jit/<arch>/.
//
// The operand stack is abstract while compiling. An entry is
//   Stack  the value is in its canonical frame slot (one slot per depth),
//   Reg    the value is in a register (general purpose or float),
//   Local  an alias of a local's slot (a local.get not yet copied),
//   Const  a constant, folded into the instruction that uses it,
//   Cmp    a compare whose flags are not computed yet, fused with the
//          br_if / if / select that consumes it.
// Values stay in registers while straight-line code runs. They go to their
// slots when registers run out (the deepest entry first), before calls, and
// at block boundaries: every merge point expects the entries below it in
// their slots, so all paths into a label agree without a merge pass.
//
// Locals are cached in registers, write-through: a local's slot always holds
// its value and a register may hold a copy, filled on read when a register
// is free and taken over from local.set/tee's operand. Dropping a copy costs
// nothing, so copies are evicted (least recently used) before any value is
// spilled, and forgotten at calls.
//
// The cache across control flow rests on three invariants:
//  1. At every point of the generated code, each (register, local) pair of
//     the compile-time cache state holds at run time: the register equals
//     the local's slot. (Write-through makes the slot always right.)
//  2. A label's state is fixed by the time any code that depends on it is
//     compiled, and every path into the label establishes all of it:
//       - a block or if end: the intersection of what the paths reaching it
//         carry (forward edges are all compiled before the end is bound, so
//         the intersection is complete when the end's code starts);
//       - a loop head: the state the loop is entered with. Back edges are
//         compiled after code that already relied on that state (the body,
//         exits recorded in outer blocks' merge states, br_table stubs), so a
//         back edge restores the whole of it, never less. A single pass
//         cannot take a promise back once it is made.
//  3. A back edge's restore only emits code on its own path: it changes no
//     compile-time state of the fall-through (br_if, br_table stubs).
// Only forward merges shrink a state; nothing is ever assumed that some path
// does not establish.
#include <string>
#include <vector>

#include "decode/scan.h"
#include "jit/jit.h"
#include "jit/masm.h"
#include "module/opcodes.h"

namespace tern::jit {

uint64_t (*helperFor(Opcode op))(uint64_t, uint64_t, Ctx*);
bool helperTraps(Opcode op);

namespace {

using Label = Masm::Label;

struct Entry {
  enum Kind : uint8_t { Stack, Reg, Local, Const, Cmp } kind = Stack;
  bool xmm = false;   // Reg: register class (float). Cmp: a float compare
  uint8_t reg = 0;    // Reg: the register. Cmp: left operand's register
  bool wide = false;  // Cmp: 64-bit operands
  enum Rhs : uint8_t { RImm, RReg, RSlot } rhs = RImm;  // Cmp: right operand
  uint8_t rreg = 0;
  Cond cc = Cond::Eq;
  // Cmp (integer): an operand register that caches a local is read in
  // place, not owned. Such a compare is consumed before any allocation, or
  // first takes the left one over and reads the right one from its slot.
  bool lborrow = false, rborrow = false;
  uint32_t slot = 0;   // Local: the local. Cmp: right operand's slot
  uint64_t value = 0;  // Const; Cmp: right operand immediate
};

// An entry taken off the stack, with the depth it had (a Stack entry's slot).
struct Val {
  Entry e;
  uint32_t d = 0;
};

// Which local each register caches (-1: none), per register class.
struct CacheState {
  int32_t gp[16], xmm[16];
  CacheState() {
    for (int r = 0; r < 16; ++r) gp[r] = xmm[r] = -1;
  }
};

struct JFrame {
  CtrlKind kind;
  uint32_t result_base;
  uint32_t nparams, nresults;
  Label label;       // end of block, or head of loop
  Label else_label;  // if: start of else / end
  bool has_else_label = false;
  // loop: the cache at the head; every back edge restores all of it (never
  // less: code compiled after the head has relied on every entry).
  CacheState head_cache;
  // block/if: the cache every path reaching the end agrees on so far.
  bool merge_seen = false;
  CacheState merge_cache;
  // if: the cache when the condition was tested (the else path's start).
  CacheState if_cache;
};

bool fitsI32(uint64_t v) { return int64_t(v) == int64_t(int32_t(uint32_t(v))); }
bool isFloat(ValType t) { return t == ValType::F32 || t == ValType::F64; }

::tern::jit::Reg gpR(int id) { return gpReg(id); }
::tern::jit::Reg fpR(int id) { return fpReg(id); }
::tern::jit::Reg regOf(bool xmm, int id) { return xmm ? fpReg(id) : gpReg(id); }

constexpr int kFpCount = Masm::kFpCount;

}  // namespace

struct FunctionCompiler::Impl {
  const ModuleData& m;
  ModuleBuilder& builder;
  uint32_t func_index;
  Masm a;
  bool failed = false;
  std::string why;

  uint32_t nlocals = 0, nparams = 0, max_depth = 0;
  std::vector<Entry> stack;
  std::vector<JFrame> frames;
  uint32_t gp_busy = 0, xmm_busy = 0;
  Label trap_common;
  Label trap_labels[16];
  bool trap_used[16] = {};
  // Every place that can trap jumps to a stub of its own at the end of the
  // function: `call` to the stub of its trap kind (or to trap_common when a
  // helper has set the kind), so the return address it leaves on the stack
  // names the site, and the site's entry in `positions` its Wasm offset.
  struct TrapSite {
    Label label;
    TrapCode code;  // None: a helper has set it
    uint32_t offset;
  };
  std::vector<TrapSite> sites;
  PosTable positions;
  uint32_t op_offset = 0;  // module offset of the instruction being compiled

  Impl(const ModuleData& md, ModuleBuilder& b, uint32_t fi) : m(md), builder(b), func_index(fi), a(fi) {}

  void fail(const std::string& w) {
    if (!failed) why = w;
    failed = true;
  }

  // ---- slots ----
  uint32_t depth() const { return uint32_t(stack.size()); }
  uint32_t slotOfDepth(uint32_t d) const { return nlocals + d; }
  // The slot a Stack or Local value lives in.
  uint32_t slotOf(const Entry& e, uint32_t d) const { return e.kind == Entry::Local ? e.slot : slotOfDepth(d); }
  bool inMemory(const Entry& e) const { return e.kind == Entry::Stack || e.kind == Entry::Local; }

  Label kindStub(unsigned k) {
    if (!trap_used[k]) {
      trap_used[k] = true;
      trap_labels[k] = a.newLabel();
    }
    return trap_labels[k];
  }
  // A new trap site of the instruction being compiled.
  Label trapLabel(TrapKind k) {
    sites.push_back(TrapSite{a.newLabel(), trapCode(k), op_offset});
    return sites.back().label;
  }
  // The same, for a trap whose kind a helper has set.
  Label trapSet() {
    sites.push_back(TrapSite{a.newLabel(), TrapCode::None, op_offset});
    return sites.back().label;
  }
  // A fault on a guard page reports the faulting pc, a caller its return
  // address: the code of loads, stores and calls is covered by an entry
  // from its start to the next entry.
  void markPosition() { positions.add(a.offset(), op_offset); }

  // ---- registers ----
  void noteDepth() {
    if (depth() > max_depth) max_depth = depth();
  }
  void freeGp(int r) { gp_busy &= ~(1u << r); }
  void freeXmm(int r) { xmm_busy &= ~(1u << r); }
  void release(const Entry& e) {
    if (e.kind == Entry::Reg) {
      if (e.xmm) freeXmm(e.reg);
      else freeGp(e.reg);
    } else if (e.kind == Entry::Cmp) {
      if (e.xmm) freeXmm(e.reg);
      else if (!e.lborrow) freeGp(e.reg);
      if (e.rhs == Entry::RReg && !e.rborrow) {
        if (e.xmm) freeXmm(e.rreg);
        else freeGp(e.rreg);
      }
    }
  }
  void pushReg(int r, bool xmm) {
    Entry e;
    e.kind = Entry::Reg;
    e.xmm = xmm;
    e.reg = uint8_t(r);
    stack.push_back(e);
    noteDepth();
  }
  void pushStack() {
    stack.push_back(Entry{});
    noteDepth();
  }
  void pushConst(uint64_t v) {
    Entry e;
    e.kind = Entry::Const;
    e.value = v;
    stack.push_back(e);
    noteDepth();
  }
  Val pop() {
    Entry e = stack.back();
    stack.pop_back();
    return Val{e, depth()};
  }
  void resetTo(uint32_t d) {
    while (depth() > d) release(pop().e);
  }

  // ---- locals cached in registers (write-through, see the top) ----
  std::vector<int8_t> local_reg;  // per local: register caching it, or -1
  std::vector<bool> local_xmm;    // that register's class
  int32_t gp_holder[16], xmm_holder[16];
  uint32_t gp_cache = 0, xmm_cache = 0;
  uint32_t gp_stamp[16] = {}, xmm_stamp[16] = {};
  uint32_t clock = 0;

  void dropCacheReg(bool xmm, int r) {
    int32_t& h = xmm ? xmm_holder[r] : gp_holder[r];
    if (h >= 0) local_reg[size_t(h)] = -1;
    h = -1;
    (xmm ? xmm_cache : gp_cache) &= ~(1u << r);
  }
  void dropLocalCache(uint32_t x) {
    if (local_reg[x] >= 0) dropCacheReg(local_xmm[x], local_reg[x]);
  }
  void clearCache() {
    for (int r = 0; r < 16; ++r) {
      if (gp_cache & (1u << r)) dropCacheReg(false, r);
      if (xmm_cache & (1u << r)) dropCacheReg(true, r);
    }
  }
  // The register caching local x in the class, or -1.
  int cacheOf(uint32_t x, bool xmm) {
    int r = local_reg[x];
    if (r < 0 || local_xmm[x] != xmm) return -1;
    (xmm ? xmm_stamp : gp_stamp)[r] = ++clock;
    return r;
  }
  // The register caching local x in either class (-1: none), for a read.
  int cacheAny(uint32_t x) {
    return local_reg[x];
  }
  // Makes the owned register r local x's cache (r is no longer owned).
  void adoptCache(uint32_t x, bool xmm, int r) {
    dropLocalCache(x);
    (xmm ? xmm_busy : gp_busy) &= ~(1u << r);
    (xmm ? xmm_cache : gp_cache) |= 1u << r;
    (xmm ? xmm_holder : gp_holder)[r] = int32_t(x);
    (xmm ? xmm_stamp : gp_stamp)[r] = ++clock;
    local_reg[x] = int8_t(r);
    local_xmm[x] = xmm;
  }
  // A register neither owned nor caching, taken; -1 if there is none.
  int takeFree(bool xmm) {
    uint32_t used = xmm ? (xmm_busy | xmm_cache) : (gp_busy | gp_cache);
    if (xmm) {
      for (int r = 0; r < kFpCount; ++r)
        if (!(used & (1u << r))) {
          xmm_busy |= 1u << r;
          return r;
        }
    } else {
      for (uint8_t r : Masm::kGpOrder)
        if (!(used & (1u << r))) {
          gp_busy |= 1u << r;
          return r;
        }
    }
    return -1;
  }
  // Loads local x into a new cache register if one is free; returns it or -1.
  int fillCache(uint32_t x, bool xmm) {
    int c = cacheOf(x, xmm);
    if (c >= 0) return c;
    if (local_reg[x] >= 0) return -1;  // cached in the other class
    c = takeFree(xmm);
    if (c < 0 && (xmm ? xmm_cache : gp_cache)) {
      // The local read now is likelier to be read again than the least
      // recently used one.
      evictLru(xmm);
      c = takeFree(xmm);
    }
    if (c < 0) return -1;
    a.loadSlot(regOf(xmm, c), x);
    adoptCache(x, xmm, c);
    return c;
  }

  // Drops the least recently used copy of a local in the class.
  void evictLru(bool xmm) {
    uint32_t cache = xmm ? xmm_cache : gp_cache;
    int best = -1;
    uint32_t* st = xmm ? xmm_stamp : gp_stamp;
    for (int i = 0; i < 16; ++i)
      if ((cache & (1u << i)) && (best < 0 || st[i] < st[best])) best = i;
    if (best >= 0) dropCacheReg(xmm, best);
  }

  int alloc(bool xmm) {
    for (;;) {
      int r = takeFree(xmm);
      if (r >= 0) return r;
      if (xmm ? xmm_cache : gp_cache) {
        evictLru(xmm);
        continue;
      }
      if (!spillOne(xmm)) {
        fail("out of registers");
        return 0;
      }
    }
  }
  int allocGp() { return alloc(false); }
  int allocXmm() { return alloc(true); }
  // Spills the deepest stack entry holding a register of the class.
  bool spillOne(bool xmm) {
    for (uint32_t i = 0; i < depth(); ++i) {
      const Entry& e = stack[i];
      if ((e.kind == Entry::Reg || e.kind == Entry::Cmp) && e.xmm == xmm) {
        toSlot(i);
        return true;
      }
    }
    return false;
  }

  // Writes entry e's value to slot dst (the entry is unchanged).
  void storeTo(uint32_t dst, const Entry& e, uint32_t d) {
    switch (e.kind) {
      case Entry::Const: a.storeSlotImm(dst, e.value); return;
      case Entry::Reg: a.storeSlot(dst, regOf(e.xmm, e.reg)); return;
      case Entry::Cmp: fail("compare moved"); return;
      default: {
        uint32_t s = slotOf(e, d);
        if (s == dst) return;
        if (e.kind == Entry::Local && cacheAny(e.slot) >= 0) {
          a.storeSlot(dst, regOf(local_xmm[e.slot], local_reg[e.slot]));
          return;
        }
        a.copySlot(dst, s);
        return;
      }
    }
  }
  // Puts stack entry i in its slot.
  void toSlot(uint32_t i) {
    Entry& e = stack[i];
    if (e.kind == Entry::Stack) return;
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
    stack[i] = Entry{};
  }
  // Spills registers and copies aliased locals: the state every label expects
  // for the entries below it (constants stay: nothing changes them).
  void syncAll() {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind != Entry::Const) toSlot(i);
  }
  // Before calling C++ or Wasm code: no value may stay in a register.
  void spillRegs() {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind == Entry::Reg || stack[i].kind == Entry::Cmp) toSlot(i);
    clearCache();
  }
  // Before a call whose operands (the top `n` entries) go to their slots.
  void prepareCall(uint32_t n) {
    uint32_t first = depth() - n;
    for (uint32_t i = 0; i < depth(); ++i) {
      if (i >= first) toSlot(i);
      else if (stack[i].kind == Entry::Reg || stack[i].kind == Entry::Cmp) toSlot(i);
    }
    clearCache();
  }
  void materializeLocal(uint32_t local) {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind == Entry::Local && stack[i].slot == local) toSlot(i);
  }

  // Frees GP register r for the caller's exclusive use: whatever holds it (a
  // cached local, a stack entry, or one of the popped operands) moves.
  void claimGp(int r, std::initializer_list<Val*> ops) {
    if (gp_cache & (1u << r)) dropCacheReg(false, r);
    if (gp_busy & (1u << r)) {
      bool done = false;
      for (Val* v : ops) {
        if (v->e.kind == Entry::Reg && !v->e.xmm && v->e.reg == r) {
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
          bool holds = (e.kind == Entry::Reg && !e.xmm && e.reg == r) ||
                       (e.kind == Entry::Cmp && !e.xmm && (e.reg == r || (e.rhs == Entry::RReg && e.rreg == r)));
          if (holds) {
            toSlot(i);
            break;
          }
        }
      }
    }
    gp_busy |= 1u << r;
  }

  // An integer compare's left operand: a cached local's register in place,
  // else a register of its own.
  void setCmpLhs(Entry& c, Val& x) {
    int cr = x.e.kind == Entry::Local ? fillCache(x.e.slot, false) : -1;
    if (cr >= 0) {
      c.reg = uint8_t(cr);
      c.lborrow = true;
    } else {
      c.reg = uint8_t(gpOwned(x));
    }
  }
  // Before allocating while compare c is pending: it stops borrowing.
  void unborrow(Entry& c) {
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
  void materializeTop() {
    Val v = pop();
    int r = gpOwned(v);
    pushReg(r, false);
  }

  // ---- operands ----
  Opnd cmpRhs(const Entry& e) {
    switch (e.rhs) {
      case Entry::RImm: return Opnd::i(e.value);
      case Entry::RReg: return Opnd::r(regOf(e.xmm, e.rreg));
      default: return Opnd::s(e.slot);
    }
  }
  void emitCmp(const Entry& e) {
    if (e.xmm) a.fcmp(e.wide, fpR(e.reg), cmpRhs(e));
    else a.cmp(e.wide, gpR(e.reg), cmpRhs(e));
  }

  // A Stack or Local value in an owned register of the class. A local is
  // filled into its cache first (for later reads too) and copied, or the
  // cache register is handed over when no other register can be had.
  int ownedFromMemory(const Val& v, bool xmm) {
    const Entry& e = v.e;
    int c = e.kind == Entry::Local ? fillCache(e.slot, xmm) : -1;
    if (c < 0) {
      int r = alloc(xmm);
      a.loadSlot(regOf(xmm, r), slotOf(e, v.d));
      return r;
    }
    int r = takeFree(xmm);
    if (r < 0 && ((xmm ? xmm_cache : gp_cache) & ~(1u << c))) {
      evictLru(xmm);  // not c: it was read last
      r = takeFree(xmm);
    }
    if (r >= 0) {
      a.move(regOf(xmm, r), regOf(xmm, c));
      return r;
    }
    dropCacheReg(xmm, c);
    (xmm ? xmm_busy : gp_busy) |= 1u << c;
    return c;
  }

  // The value of v in a general-purpose register the caller owns.
  int gpOwned(Val& v) {
    Entry& e = v.e;
    int r;
    switch (e.kind) {
      case Entry::Reg:
        if (!e.xmm) return e.reg;
        r = allocGp();
        a.move(gpR(r), fpR(e.reg));
        freeXmm(e.reg);
        break;
      case Entry::Const:
        r = allocGp();
        a.loadImm(gpR(r), e.value);
        break;
      case Entry::Cmp:
        if (!e.xmm) {
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
          freeXmm(e.reg);
          if (e.rhs == Entry::RReg) freeXmm(e.rreg);
        }
        break;
      default:
        r = ownedFromMemory(v, false);
        break;
    }
    e = Entry{};
    e.kind = Entry::Reg;
    e.reg = uint8_t(r);
    return r;
  }
  // The value of v in a float register the caller owns.
  int xmmOwned(Val& v) {
    Entry& e = v.e;
    int r;
    switch (e.kind) {
      case Entry::Reg:
        if (e.xmm) return e.reg;
        r = allocXmm();
        a.move(fpR(r), gpR(e.reg));
        freeGp(e.reg);
        break;
      case Entry::Const:
        r = allocXmm();
        a.loadImm(fpR(r), e.value);
        break;
      case Entry::Cmp: {
        int g = gpOwned(v);
        r = allocXmm();
        a.move(fpR(r), gpR(g));
        freeGp(g);
        break;
      }
      default:
        r = ownedFromMemory(v, true);
        break;
    }
    e = Entry{};
    e.kind = Entry::Reg;
    e.xmm = true;
    e.reg = uint8_t(r);
    return r;
  }
  // Copies v's value into GP register r (frees nothing).
  void loadInto(::tern::jit::Reg r, Val& v) {
    Entry& e = v.e;
    switch (e.kind) {
      case Entry::Reg: a.move(r, regOf(e.xmm, e.reg)); return;
      case Entry::Const: a.loadImm(r, e.value); return;
      case Entry::Cmp: a.move(r, gpR(gpOwned(v))); return;
      default: {
        int c = e.kind == Entry::Local ? cacheAny(e.slot) : -1;
        if (c >= 0) a.move(r, regOf(local_xmm[e.slot], c));
        else a.loadSlot(r, slotOf(e, v.d));
        return;
      }
    }
  }
  // An operand for the right-hand side of an integer instruction: an
  // immediate (when allowed), a slot, or a register. A cached local's
  // register is only valid until the next allocation.
  Opnd gpRhs(Val& v, bool allow_imm) {
    const Entry& e = v.e;
    if (e.kind == Entry::Const && allow_imm) return Opnd::i(e.value);
    if (e.kind == Entry::Local) {
      int c = fillCache(e.slot, false);
      if (c >= 0) return Opnd::r(gpR(c));
    }
    if (inMemory(e)) return Opnd::s(slotOf(e, v.d));
    return Opnd::r(gpR(gpOwned(v)));
  }
  Opnd xmmRhs(Val& v) {
    const Entry& e = v.e;
    if (e.kind == Entry::Local) {
      int c = fillCache(e.slot, true);
      if (c >= 0) return Opnd::r(fpR(c));
    }
    if (inMemory(e)) return Opnd::s(slotOf(e, v.d));
    return Opnd::r(fpR(xmmOwned(v)));
  }
  // The operand of a store or global.set: a register, a slot or a constant.
  Opnd valueOpnd(Val& v) {
    const Entry& e = v.e;
    switch (e.kind) {
      case Entry::Const: return Opnd::i(e.value);
      case Entry::Reg: return Opnd::r(regOf(e.xmm, e.reg));
      case Entry::Cmp: return Opnd::r(gpR(gpOwned(v)));
      case Entry::Local:
        if (cacheAny(e.slot) >= 0) return Opnd::r(regOf(local_xmm[e.slot], local_reg[e.slot]));
        return Opnd::s(e.slot);
      default: return Opnd::s(slotOf(e, v.d));
    }
  }

  // ---- control ----
  JFrame& frameAt(uint32_t d) { return frames[frames.size() - 1 - d]; }
  uint32_t labelArity(const JFrame& f) const { return f.kind == CtrlKind::Loop ? f.nparams : f.nresults; }

  void moveTopTo(uint32_t base, uint32_t n) {
    uint32_t from = depth() - n;
    for (uint32_t k = 0; k < n; ++k) storeTo(slotOfDepth(base + k), stack[from + k], from + k);
  }
  bool topInPlace(uint32_t base, uint32_t n) const {
    uint32_t from = depth() - n;
    if (from != base) return n == 0;
    for (uint32_t k = 0; k < n; ++k)
      if (stack[from + k].kind != Entry::Stack) return false;
    return true;
  }
  void emitReturn() {
    uint32_t n = frames.front().nresults;
    uint32_t from = depth() - n;
    // Results go to slots 0..n-1, which may be locals a later result reads:
    // those are copied to their own slots first.
    std::vector<bool> staged(n, false);
    for (uint32_t k = 0; k < n; ++k) {
      const Entry& e = stack[from + k];
      if (e.kind == Entry::Local && e.slot < n && e.slot != k) {
        storeTo(slotOfDepth(from + k), e, from + k);
        staged[k] = true;
      }
    }
    for (uint32_t k = 0; k < n; ++k) {
      if (staged[k]) a.copySlot(k, slotOfDepth(from + k));
      else storeTo(k, stack[from + k], from + k);
    }
    a.ret();
  }
  void emitBranch(uint32_t d) {
    JFrame& f = frameAt(d);
    if (f.kind == CtrlKind::Func) {
      emitReturn();
      return;
    }
    moveTopTo(f.result_base, labelArity(f));
    if (f.kind == CtrlKind::Loop) restoreHeadCache(f);
    else mergeCache(f, currentCache());
    a.jump(f.label);
  }
  CacheState currentCache() const {
    CacheState st;
    for (int r = 0; r < 16; ++r) {
      st.gp[r] = gp_holder[r];
      st.xmm[r] = xmm_holder[r];
    }
    return st;
  }
  // Intersects a label's merge state with a path's cache.
  void mergeCache(JFrame& f, const CacheState& path) {
    if (!f.merge_seen) {
      f.merge_seen = true;
      f.merge_cache = path;
      return;
    }
    for (int r = 0; r < 16; ++r) {
      if (f.merge_cache.gp[r] != path.gp[r]) f.merge_cache.gp[r] = -1;
      if (f.merge_cache.xmm[r] != path.xmm[r]) f.merge_cache.xmm[r] = -1;
    }
  }
  // At a label: the cache becomes `st` (its registers hold no values now).
  void setCache(const CacheState& st) {
    clearCache();
    for (int k = 0; k < 32; ++k) {
      bool xmm = k >= 16;
      int r = k & 15;
      int32_t x = xmm ? st.xmm[r] : st.gp[r];
      if (x < 0 || ((xmm ? xmm_busy : gp_busy) & (1u << r))) continue;
      (xmm ? xmm_cache : gp_cache) |= 1u << r;
      (xmm ? xmm_holder : gp_holder)[r] = x;
      (xmm ? xmm_stamp : gp_stamp)[r] = ++clock;
      local_reg[size_t(x)] = int8_t(r);
      local_xmm[size_t(x)] = xmm;
    }
  }
  // At a loop head, before its promise is made: cached locals the loop body
  // never reads are dropped (free: their slots are current), so back edges
  // need not restore them. The body is looked at ahead (decode/scan.h), at
  // most a few times the function's size in all; past that, or on bytes that
  // do not decode, the head keeps what is cached.
  std::vector<uint8_t> loop_marks;
  size_t scan_budget = 0;
  bool scan_budget_set = false;
  void keepLoopReads(const ValidatorState& s) {
    if (!(gp_cache | xmm_cache) || !s.body_pos) return;
    if (!scan_budget_set) {
      scan_budget_set = true;
      scan_budget = 4 * size_t(s.body_end - s.body_pos) + 4096;
    }
    if (loop_marks.size() != nlocals) loop_marks.assign(nlocals, 0);  // all 0 between loops
    uint32_t asked = 0;
    for (int r = 0; r < 16; ++r) {
      if (gp_cache & (1u << r)) loop_marks[size_t(gp_holder[r])] = 1, ++asked;
      if (xmm_cache & (1u << r)) loop_marks[size_t(xmm_holder[r])] = 1, ++asked;
    }
    bool known = scanBlockReads(Reader(s.body_pos, s.body_end), &scan_budget, loop_marks, asked);
    for (int r = 0; r < 16; ++r) {
      for (bool xmm : {false, true}) {
        if (!((xmm ? xmm_cache : gp_cache) & (1u << r))) continue;
        uint8_t& mark = loop_marks[size_t(xmm ? xmm_holder[r] : gp_holder[r])];
        if (known && mark != 2) dropCacheReg(xmm, r);
        mark = 0;
      }
    }
  }
  // Whether the locals a loop head expects in registers are there now.
  bool headCacheMatches(const JFrame& f) const {
    // (Registers the head does not use may hold anything.)
    for (int r = 0; r < 16; ++r) {
      if (f.head_cache.gp[r] >= 0 && f.head_cache.gp[r] != gp_holder[r]) return false;
      if (f.head_cache.xmm[r] >= 0 && f.head_cache.xmm[r] != xmm_holder[r]) return false;
    }
    return true;
  }
  // On a back edge (a path of its own: everything else is dead there), puts
  // the loop head's cached locals back in their registers: register moves
  // where no pending move still needs the target, loads from the (always
  // current) slots for the rest.
  void restoreHeadCache(JFrame& f) {
    struct Move {
      uint32_t local;
      bool xmm;
      int to, from;
      bool done;
    };
    Move moves[32];
    int n = 0;
    for (int k = 0; k < 32; ++k) {
      bool xmm = k >= 16;
      int r = k & 15;
      int32_t x = xmm ? f.head_cache.xmm[r] : f.head_cache.gp[r];
      if (x < 0) continue;
      uint32_t local = uint32_t(x);
      if (local_reg[local] == int8_t(r) && local_xmm[local] == xmm) continue;
      int from = local_reg[local] >= 0 && local_xmm[local] == xmm ? local_reg[local] : -1;
      moves[n++] = Move{local, xmm, r, from, false};
    }
    for (bool progress = true; progress;) {
      progress = false;
      for (int i = 0; i < n; ++i) {
        Move& mv = moves[i];
        if (mv.done || mv.from < 0) continue;
        bool blocked = false;
        for (int j = 0; j < n; ++j)
          if (!moves[j].done && j != i && moves[j].xmm == mv.xmm && moves[j].from == mv.to) blocked = true;
        if (blocked) continue;
        a.move(regOf(mv.xmm, mv.to), regOf(mv.xmm, mv.from));
        mv.done = true;
        progress = true;
      }
    }
    for (int i = 0; i < n; ++i)
      if (!moves[i].done) a.loadSlot(regOf(moves[i].xmm, moves[i].to), moves[i].local);
  }
  // Jumps to target when the condition c is (non)zero; frees c.
  void condJump(Val& c, bool nonzero, Label target) {
    Entry& e = c.e;
    switch (e.kind) {
      case Entry::Cmp:
        emitCmp(e);
        a.branch(nonzero ? e.cc : negate(e.cc), target);
        break;
      case Entry::Const:
        if ((uint32_t(e.value) != 0) == nonzero) a.jump(target);
        break;
      case Entry::Reg:
        a.test(regOf(e.xmm, e.reg));
        a.branch(nonzero ? Cond::Ne : Cond::Eq, target);
        break;
      default: {
        int cache = e.kind == Entry::Local ? cacheOf(e.slot, false) : -1;
        if (cache >= 0) a.test(gpR(cache));
        else a.cmpSlotZero(slotOf(e, c.d));
        a.branch(nonzero ? Cond::Ne : Cond::Eq, target);
        break;
      }
    }
    release(e);
  }

  void interruptCheck() {
    const Options& o = builder.options();
    uint32_t flags = (o.epoch ? 1u : 0u) | (o.fuel ? 2u : 0u);
    if (!flags) return;
    spillRegs();
    a.interruptCheck(flags, trapSet());
  }

  void begin(const ValidatorState& s) {
    const FuncType& ft = m.funcType(s.func_index);
    nparams = uint32_t(ft.params.size());
    nlocals = uint32_t(s.locals.size());
    local_reg.assign(nlocals, -1);
    local_xmm.assign(nlocals, false);
    for (int r = 0; r < 16; ++r) gp_holder[r] = xmm_holder[r] = -1;
    for (ValType t : s.locals)
      if (t == ValType::V128) fail("v128 local");
    for (ValType t : ft.results)
      if (t == ValType::V128) fail("v128 result");
    stack.reserve(64);
    frames.reserve(16);
    trap_common = a.newLabel();
    // The checks at function entry report the body's start.
    const FuncBody& body = m.bodies[s.func_index - m.num_imported_funcs];
    op_offset = uint32_t(body.offset);
    positions.reserve(body.size / 8 + 16);  // about what loads, stores and calls need
    JFrame f{CtrlKind::Func, 0, 0, uint32_t(ft.results.size()), a.newLabel()};
    frames.push_back(f);
    a.prologue(nparams, nlocals, trapLabel(TrapKind::CallStackExhausted));
    interruptCheck();
  }

  void finish(const ValidatorState&) {
    if (failed) return;
    for (const TrapSite& site : sites) {
      positions.add(a.offset(), site.offset);
      a.trapSite(site.label, isTrap(site.code) ? kindStub(unsigned(trapKindOf(site.code))) : trap_common);
    }
    for (unsigned i = 0; i < 16; ++i)
      if (trap_used[i]) a.trapStub(trap_labels[i], trapCode(TrapKind(i)), trap_common);
    a.trapCommon(trap_common, func_index);
    std::vector<uint8_t> bytes;
    if (!a.finish((nlocals + max_depth + 1) * 8, bytes)) {
      fail("assembler error");
      return;
    }
    std::vector<ModuleBuilder::CallSite> calls;
    for (auto [off, callee] : a.callSites()) calls.push_back({off, callee});
    builder.addFunction(func_index, std::move(bytes), 0, std::move(calls), std::move(positions));
  }

  void op(const ValidatorState& s, Opcode op, const Imm& imm);
  bool intBinary(Opcode op);
  bool intUnary(Opcode op);
  bool divRem(Opcode op);
  bool memoryAccess(Opcode op, const Imm& imm);
  bool floatOp(Opcode op);
  void helperOp(Opcode op, unsigned nin);
  void control(const ValidatorState& s, Opcode op, const Imm& imm);
  void callOp(const FuncType& ft, const Imm& imm, bool indirect);
  void miscOp(Opcode op, const Imm& imm);
  void select(const ValidatorState& s, Opcode op, const Imm& imm);
};

// Integer arithmetic, bitwise operators, shifts and compares.
bool FunctionCompiler::Impl::intBinary(Opcode op) {
  IntOp k = IntOp::Add;
  bool wide = false;
  Cond cc = Cond::Eq;
  bool is_cmp = false;
  switch (op) {
#define CASE2(I32, I64, kind) \
  case Opcode::I32: k = IntOp::kind; break; \
  case Opcode::I64: k = IntOp::kind; wide = true; break;
    CASE2(I32Add, I64Add, Add)
    CASE2(I32Sub, I64Sub, Sub)
    CASE2(I32Mul, I64Mul, Mul)
    CASE2(I32And, I64And, And)
    CASE2(I32Or, I64Or, Or)
    CASE2(I32Xor, I64Xor, Xor)
    CASE2(I32Shl, I64Shl, Shl)
    CASE2(I32ShrS, I64ShrS, ShrS)
    CASE2(I32ShrU, I64ShrU, ShrU)
    CASE2(I32Rotl, I64Rotl, Rotl)
    CASE2(I32Rotr, I64Rotr, Rotr)
#undef CASE2
#define CMP2(I32, I64, c) \
  case Opcode::I32: cc = Cond::c; is_cmp = true; break; \
  case Opcode::I64: cc = Cond::c; is_cmp = true; wide = true; break;
    CMP2(I32Eq, I64Eq, Eq)
    CMP2(I32Ne, I64Ne, Ne)
    CMP2(I32LtS, I64LtS, LtS)
    CMP2(I32LtU, I64LtU, LtU)
    CMP2(I32GtS, I64GtS, GtS)
    CMP2(I32GtU, I64GtU, GtU)
    CMP2(I32LeS, I64LeS, LeS)
    CMP2(I32LeU, I64LeU, LeU)
    CMP2(I32GeS, I64GeS, GeS)
    CMP2(I32GeU, I64GeU, GeU)
#undef CMP2
    default: return false;
  }
  Val b = pop();
  Val x = pop();
  if (is_cmp) {
    // A constant on the left: swap the operands and mirror the condition.
    if (x.e.kind == Entry::Const && b.e.kind != Entry::Const) {
      std::swap(x, b);
      cc = mirror(cc);
    }
    Entry c;
    c.kind = Entry::Cmp;
    c.cc = cc;
    c.wide = wide;
    if (b.e.kind == Entry::Reg && b.e.xmm) gpOwned(b);  // allocations first
    setCmpLhs(c, x);
    if (b.e.kind == Entry::Const && (!wide || fitsI32(b.e.value))) {
      c.rhs = Entry::RImm;
      c.value = b.e.value;
    } else if (inMemory(b.e)) {
      c.rhs = Entry::RSlot;
      c.slot = slotOf(b.e, b.d);
      int cr = b.e.kind == Entry::Local ? cacheOf(b.e.slot, false) : -1;
      if (cr >= 0) {
        c.rhs = Entry::RReg;
        c.rreg = uint8_t(cr);
        c.rborrow = true;
      }
    } else {
      c.rhs = Entry::RReg;
      c.rreg = uint8_t(gpOwned(b));
    }
    stack.push_back(c);
    noteDepth();
    return true;
  }
  bool shift = k == IntOp::Shl || k == IntOp::ShrS || k == IntOp::ShrU || k == IntOp::Rotl || k == IntOp::Rotr;
  if (shift && b.e.kind != Entry::Const && Masm::kShiftCountReg >= 0) {
    // A variable count goes to the register the machine wants it in.
    int cr = Masm::kShiftCountReg;
    if (!(b.e.kind == Entry::Reg && !b.e.xmm && b.e.reg == cr)) {
      claimGp(cr, {&x});
      loadInto(gpR(cr), b);
      release(b.e);
      b.e = Entry{};
      b.e.kind = Entry::Reg;
      b.e.reg = uint8_t(cr);
    }
  }
  bool commutative = k == IntOp::Add || k == IntOp::Mul || k == IntOp::And || k == IntOp::Or || k == IntOp::Xor;
  if (commutative && x.e.kind != Entry::Reg && b.e.kind == Entry::Reg && !b.e.xmm) std::swap(x, b);
  int r = gpOwned(x);
  a.intOp(k, wide, gpR(r), gpRhs(b, true));
  release(b.e);
  pushReg(r, false);
  return true;
}

// Integer unary operators done inline.
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
      setCmpLhs(c, x);
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
    case Opcode::I64ExtendI32S: u = IntUnop::Ext32S; wide = true; break;
    case Opcode::I32Extend8S: u = IntUnop::Ext8S; break;
    case Opcode::I32Extend16S: u = IntUnop::Ext16S; break;
    case Opcode::I64Extend8S: u = IntUnop::Ext8S; wide = true; break;
    case Opcode::I64Extend16S: u = IntUnop::Ext16S; wide = true; break;
    case Opcode::I64Extend32S: u = IntUnop::Ext32S; wide = true; break;
    case Opcode::I32Clz: u = IntUnop::Clz; break;
    case Opcode::I64Clz: u = IntUnop::Clz; wide = true; break;
    case Opcode::I32Ctz: u = IntUnop::Ctz; break;
    case Opcode::I64Ctz: u = IntUnop::Ctz; wide = true; break;
    case Opcode::I32Popcnt: u = IntUnop::Popcnt; break;
    case Opcode::I64Popcnt: u = IntUnop::Popcnt; wide = true; break;
    default: return false;
  }
  if (!a.has(u)) return false;
  Val x = pop();
  int r = gpOwned(x);
  a.intUnop(u, wide, gpR(r));
  pushReg(r, false);
  return true;
}

bool FunctionCompiler::Impl::divRem(Opcode op) {
  if (!(op >= Opcode::I32DivS && op <= Opcode::I32RemU) && !(op >= Opcode::I64DivS && op <= Opcode::I64RemU))
    return false;
  bool wide = op >= Opcode::I64DivS && op <= Opcode::I64RemU;
  bool sign = op == Opcode::I32DivS || op == Opcode::I32RemS || op == Opcode::I64DivS || op == Opcode::I64RemS;
  bool rem = op == Opcode::I32RemS || op == Opcode::I32RemU || op == Opcode::I64RemS || op == Opcode::I64RemU;
  Val b = pop();
  Val x = pop();
  bool b_const = b.e.kind == Entry::Const;
  uint64_t bv = wide ? b.e.value : uint64_t(int64_t(int32_t(uint32_t(b.e.value))));
  for (int r = 0; r < 16; ++r)
    if (Masm::kDivClobbers & (1u << r)) claimGp(r, {&x, &b});
  int lhs = Masm::divLhs().id;
  int rb = gpOwned(b);
  loadInto(gpR(lhs), x);
  release(x.e);
  gp_busy |= Masm::kDivClobbers;  // x may have been in one of them
  a.divRem(sign, rem, wide, gpR(rb), !b_const || bv == 0, sign && (!b_const || bv == ~uint64_t(0)),
           trapLabel(TrapKind::IntDivByZero), trapLabel(TrapKind::IntOverflow));
  freeGp(rb);
  int res = Masm::divResult(rem).id;
  gp_busy &= ~Masm::kDivClobbers;
  gp_busy |= 1u << res;
  pushReg(res, false);
  return true;
}

// Loads and stores, with an explicit bounds check where the guard region
// does not cover the access.
bool FunctionCompiler::Impl::memoryAccess(Opcode op, const Imm& imm) {
  MemAccess acc;
  bool store = false;
  switch (op) {
    case Opcode::I32Load: case Opcode::I64Load32U: acc = {4, 0, false}; break;
    case Opcode::F32Load: acc = {4, 0, true}; break;
    case Opcode::I64Load: acc = {8, 0, false}; break;
    case Opcode::F64Load: acc = {8, 0, true}; break;
    case Opcode::I32Load8S: acc = {1, 1, false}; break;
    case Opcode::I32Load8U: case Opcode::I64Load8U: acc = {1, 0, false}; break;
    case Opcode::I32Load16S: acc = {2, 1, false}; break;
    case Opcode::I32Load16U: case Opcode::I64Load16U: acc = {2, 0, false}; break;
    case Opcode::I64Load8S: acc = {1, 2, false}; break;
    case Opcode::I64Load16S: acc = {2, 2, false}; break;
    case Opcode::I64Load32S: acc = {4, 2, false}; break;
    case Opcode::I32Store: case Opcode::F32Store: case Opcode::I64Store32: acc = {4, 0, false}; store = true; break;
    case Opcode::I64Store: case Opcode::F64Store: acc = {8, 0, false}; store = true; break;
    case Opcode::I32Store8: case Opcode::I64Store8: acc = {1, 0, false}; store = true; break;
    case Opcode::I32Store16: case Opcode::I64Store16: acc = {2, 0, false}; store = true; break;
    default: return false;
  }
  Val val;
  if (store) val = pop();
  Val addr = pop();
  const Options& o = builder.options();
  uint64_t end = imm.offset + acc.size;
  MemRef ref{false, {}, 0};
  int idx = -1;
  if (addr.e.kind == Entry::Const && !o.bounds_checks &&
      uint64_t(uint32_t(addr.e.value)) + end <= std::min<uint64_t>(o.guard_bytes, 0x7fffffff)) {
    // A constant address the guard region covers.
    ref.offset = uint32_t(addr.e.value) + imm.offset;
  } else {
    // An address in a cached local is used in place (the register is only
    // read: the offset fits the displacement). An integer load then needs
    // its own destination, taken first so that it cannot evict the cache.
    int dst = -1, borrowed = -1;
    if (addr.e.kind == Entry::Local && imm.offset <= 0x7fffffff) {
      if (!store && !acc.fp) dst = allocGp();
      borrowed = fillCache(addr.e.slot, false);
    }
    if (borrowed >= 0) {
      idx = borrowed;
    } else if (dst >= 0) {
      a.loadSlot(gpR(dst), addr.e.slot);
      idx = dst;
    } else {
      idx = gpOwned(addr);
    }
    if (o.bounds_checks || end > o.guard_bytes) a.boundsCheck(gpR(idx), end, trapLabel(TrapKind::MemoryOutOfBounds));
    ref = MemRef{true, gpR(idx), imm.offset};
    if (borrowed >= 0) {
      idx = dst;  // what this instruction owns: the destination or nothing
      if (dst < 0) idx = -1;
      if (!store && !acc.fp) {
        a.load(acc, gpR(dst), ref);
        pushReg(dst, false);
        return true;
      }
    }
  }
  if (store) {
    a.store(acc, ref, valueOpnd(val));
    release(val.e);
    if (idx >= 0) freeGp(idx);
    return true;
  }
  if (acc.fp) {
    int r = allocXmm();
    a.load(acc, fpR(r), ref);
    if (idx >= 0) freeGp(idx);
    pushReg(r, true);
    return true;
  }
  int r = idx >= 0 ? idx : allocGp();
  a.load(acc, gpR(r), ref);
  pushReg(r, false);
  return true;
}

// Float arithmetic, compares, square root, rounding, sign operations and
// conversions done inline.
bool FunctionCompiler::Impl::floatOp(Opcode op) {
  switch (op) {
    case Opcode::F32Add: case Opcode::F32Sub: case Opcode::F32Mul: case Opcode::F32Div:
    case Opcode::F64Add: case Opcode::F64Sub: case Opcode::F64Mul: case Opcode::F64Div: {
      bool dbl = op >= Opcode::F64Add;
      FloatOp k = FloatOp(unsigned(op) - unsigned(dbl ? Opcode::F64Add : Opcode::F32Add));  // add sub mul div
      Val b = pop();
      Val x = pop();
      if ((k == FloatOp::Add || k == FloatOp::Mul) && !(x.e.kind == Entry::Reg && x.e.xmm) &&
          b.e.kind == Entry::Reg && b.e.xmm)
        std::swap(x, b);
      int r = xmmOwned(x);
      a.floatOp(k, dbl, fpR(r), xmmRhs(b));
      release(b.e);
      pushReg(r, true);
      return true;
    }
    case Opcode::F32Eq: case Opcode::F32Ne: case Opcode::F32Lt: case Opcode::F32Gt: case Opcode::F32Le:
    case Opcode::F32Ge: case Opcode::F64Eq: case Opcode::F64Ne: case Opcode::F64Lt: case Opcode::F64Gt:
    case Opcode::F64Le: case Opcode::F64Ge: {
      bool dbl = op >= Opcode::F64Eq;
      // 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge. lt/le compare the other way
      // round so that an unordered result (NaN) gives false.
      unsigned k = unsigned(op) - unsigned(dbl ? Opcode::F64Eq : Opcode::F32Eq);
      Val b = pop();
      Val x = pop();
      if (k == 2 || k == 4) std::swap(x, b);
      if (k >= 2) {
        Entry c;
        c.kind = Entry::Cmp;
        c.xmm = true;
        c.wide = dbl;
        c.cc = (k == 2 || k == 3) ? Cond::FGt : Cond::FGe;
        c.reg = uint8_t(xmmOwned(x));
        if (inMemory(b.e)) {
          c.rhs = Entry::RSlot;
          c.slot = slotOf(b.e, b.d);
        } else {
          c.rhs = Entry::RReg;
          c.rreg = uint8_t(xmmOwned(b));
        }
        stack.push_back(c);
        noteDepth();
        return true;
      }
      int l = xmmOwned(x);
      int r = allocGp();
      a.fcmp(dbl, fpR(l), xmmRhs(b));
      a.setFloatEq(k == 1, gpR(r));
      freeXmm(l);
      release(b.e);
      pushReg(r, false);
      return true;
    }
    case Opcode::F32Sqrt: case Opcode::F64Sqrt:
    case Opcode::F32Ceil: case Opcode::F32Floor: case Opcode::F32Trunc: case Opcode::F32Nearest:
    case Opcode::F64Ceil: case Opcode::F64Floor: case Opcode::F64Trunc: case Opcode::F64Nearest: {
      bool dbl = op == Opcode::F64Sqrt || (op >= Opcode::F64Ceil && op <= Opcode::F64Nearest);
      FloatUnop u = FloatUnop::Sqrt;
      if (op != Opcode::F32Sqrt && op != Opcode::F64Sqrt) {
        if (!a.hasRounding()) return false;
        u = FloatUnop(unsigned(op) - unsigned(dbl ? Opcode::F64Ceil : Opcode::F32Ceil));  // ceil floor trunc nearest
      }
      Val x = pop();
      int r = xmmOwned(x);
      a.floatUnop(u, dbl, fpR(r));
      pushReg(r, true);
      return true;
    }
    case Opcode::F32Neg: case Opcode::F32Abs: case Opcode::F64Neg: case Opcode::F64Abs: {
      Val x = pop();
      int r = gpOwned(x);
      a.signOp(op == Opcode::F32Neg || op == Opcode::F64Neg ? SignOp::Neg : SignOp::Abs,
               op == Opcode::F64Neg || op == Opcode::F64Abs, gpR(r));
      pushReg(r, false);
      return true;
    }
    case Opcode::F32ConvertI32S: case Opcode::F64ConvertI32S: case Opcode::F32ConvertI64S:
    case Opcode::F64ConvertI64S: case Opcode::F32ConvertI32U: case Opcode::F64ConvertI32U: {
      bool to_dbl = op == Opcode::F64ConvertI32S || op == Opcode::F64ConvertI64S || op == Opcode::F64ConvertI32U;
      // Unsigned 32-bit values are zero-extended: exact as signed 64-bit.
      bool src64 = op == Opcode::F32ConvertI64S || op == Opcode::F64ConvertI64S || op == Opcode::F32ConvertI32U ||
                   op == Opcode::F64ConvertI32U;
      Val x = pop();
      Opnd src = gpRhs(x, false);
      int r = allocXmm();  // a float register: the cached local in src stays
      a.convertInt(to_dbl, src64, fpR(r), src);
      release(x.e);
      pushReg(r, true);
      return true;
    }
    case Opcode::F64PromoteF32: {
      Val x = pop();
      int r = xmmOwned(x);
      a.promote(fpR(r));
      pushReg(r, true);
      return true;
    }
    case Opcode::F32DemoteF64: {
      Val x = pop();
      int s = xmmOwned(x);
      int r = allocXmm();
      a.demote(fpR(r), fpR(s));
      freeXmm(s);
      pushReg(r, true);
      return true;
    }
    default: return false;
  }
}

// Any other simple operator through its generated C++ helper (the
// interpreter's semantics, from opcodes.def): helper(a, b, ctx).
void FunctionCompiler::Impl::helperOp(Opcode op, unsigned nin) {
  auto fn = helperFor(op);
  if (!fn) {
    fail(std::string("no helper for ") + opName(op));
    return;
  }
  Val b;
  if (nin == 2) b = pop();
  Val x = pop();
  spillRegs();
  if (nin == 2) loadInto(Masm::kScratch, b);
  loadInto(Masm::argGp(0), x);
  if (nin == 2) a.move(Masm::argGp(1), Masm::kScratch);
  else a.loadImm(Masm::argGp(1), 0);
  if (nin == 2) release(b.e);
  release(x.e);
  a.callHelperWithCtx(reinterpret_cast<void*>(fn), 2);
  if (helperTraps(op)) a.checkTrap(trapSet());
  int r = Masm::retGp().id;
  gp_busy |= 1u << r;
  pushReg(r, false);
}

void FunctionCompiler::Impl::callOp(const FuncType& ft, const Imm& imm, bool indirect) {
  for (ValType v : ft.params)
    if (v == ValType::V128) fail("v128 call");
  for (ValType v : ft.results)
    if (v == ValType::V128) fail("v128 call");
  Val elem;
  if (indirect) elem = pop();
  uint32_t np = uint32_t(ft.params.size());
  uint32_t first = depth() - np;
  // Arguments into the callee's frame, everything else out of registers.
  prepareCall(np);
  if (indirect) {
    loadInto(Masm::kScratch, elem);
    release(elem.e);
    a.callIndirect(imm.a, imm.b, slotOfDepth(first), Masm::kScratch, trapSet());
  } else {
    a.callFunction(imm.a, slotOfDepth(first));
  }
  resetTo(first);
  for (size_t i = 0; i < ft.results.size(); ++i) pushStack();
}

// Table, reference and bulk-memory instructions, through the shared C++
// implementation with their operands in their slots.
void FunctionCompiler::Impl::miscOp(Opcode op, const Imm& imm) {
  unsigned nin = 0, nout = 0;
  bool traps = true;
  switch (op) {
    case Opcode::RefFunc: nout = 1; traps = false; break;
    case Opcode::TableGet: nin = 1; nout = 1; break;
    case Opcode::TableSet: nin = 2; break;
    case Opcode::TableSize: nout = 1; traps = false; break;
    case Opcode::TableGrow: nin = 2; nout = 1; traps = false; break;
    case Opcode::ElemDrop: case Opcode::DataDrop: traps = false; break;
    default: nin = 3; break;
  }
  uint32_t first = depth() - nin;
  prepareCall(nin);
  a.callMisc(uint32_t(op), imm.a, imm.b, slotOfDepth(first), traps, traps ? trapSet() : trap_common);
  resetTo(first);
  if (nout) {
    int r = Masm::retGp().id;
    gp_busy |= 1u << r;
    pushReg(r, false);
  }
}

void FunctionCompiler::Impl::control(const ValidatorState& s, Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If: {
      const CtrlFrame& cf = s.frames.back();
      uint32_t np = s.paramCount(cf), nr = s.resultCount(cf);
      for (uint32_t i = 0; i < np; ++i)
        if (s.param(cf, i) == ValType::V128) fail("v128 block");
      for (uint32_t i = 0; i < nr; ++i)
        if (s.result(cf, i) == ValType::V128) fail("v128 block");
      Val cond;
      if (op == Opcode::If) cond = pop();
      syncAll();
      for (uint32_t i = depth() - np; i < depth(); ++i) toSlot(i);
      JFrame f{cf.kind, depth() - np, np, nr, a.newLabel()};
      if (op == Opcode::Loop) {
        a.bind(f.label);
        interruptCheck();  // (clears the cache when there is a check)
        keepLoopReads(s);
        f.head_cache = currentCache();
        frames.push_back(f);
        return;
      }
      if (op == Opcode::If) {
        f.else_label = a.newLabel();
        f.has_else_label = true;
        condJump(cond, false, f.else_label);
        f.if_cache = currentCache();
        // The then-branch works on copies of the params: the else-branch
        // needs the originals.
        uint32_t first = depth() - np;
        for (uint32_t i = 0; i < np; ++i) {
          pushStack();
          a.copySlot(slotOfDepth(depth() - 1), slotOfDepth(first + i));
        }
      }
      frames.push_back(f);
      return;
    }
    case Opcode::Else: {
      JFrame& f = frames.back();
      if (s.endReachable()) {
        moveTopTo(f.result_base, f.nresults);
        mergeCache(f, currentCache());
        a.jump(f.label);
      }
      a.bind(f.else_label);
      f.has_else_label = false;
      f.kind = CtrlKind::Else;
      resetTo(f.result_base);
      setCache(f.if_cache);  // the else path starts where the test was
      for (uint32_t i = 0; i < f.nparams; ++i) pushStack();
      return;
    }
    case Opcode::End: {
      JFrame& f = frames.back();
      if (f.kind == CtrlKind::Func) {
        if (s.endReachable()) emitReturn();
        frames.pop_back();
        return;
      }
      if (s.endReachable()) {
        moveTopTo(f.result_base, f.nresults);
        if (f.kind != CtrlKind::Loop) mergeCache(f, currentCache());
      }
      if (f.has_else_label) {
        a.bind(f.else_label);
        mergeCache(f, f.if_cache);  // an if without else: the false path
      }
      bool merge = f.kind != CtrlKind::Loop;
      CacheState merged = f.merge_cache;
      if (merge) a.bind(f.label);
      uint32_t base = f.result_base, nr = f.nresults;
      frames.pop_back();
      resetTo(base);
      if (merge) setCache(merged);  // what every path into the end agrees on
      for (uint32_t i = 0; i < nr; ++i) pushStack();
      return;
    }
    case Opcode::Br:
      emitBranch(imm.a);
      return;
    case Opcode::BrIf: {
      Val cond = pop();
      JFrame& f = frameAt(imm.a);
      if (f.kind != CtrlKind::Func && topInPlace(f.result_base, labelArity(f)) &&
          (f.kind != CtrlKind::Loop || headCacheMatches(f))) {
        if (f.kind != CtrlKind::Loop) mergeCache(f, currentCache());
        condJump(cond, true, f.label);
      } else {
        Label skip = a.newLabel();
        condJump(cond, false, skip);
        emitBranch(imm.a);
        a.bind(skip);
      }
      return;
    }
    case Opcode::BrTable: {
      const std::vector<uint32_t>& t = *imm.targets;
      uint32_t n = uint32_t(t.size());
      Val idx = pop();
      if (idx.e.kind == Entry::Const) {
        uint32_t i = uint32_t(idx.e.value);
        emitBranch(i < n ? t[i] : imm.a);
        return;
      }
      loadInto(Masm::kScratch, idx);
      release(idx.e);
      std::vector<Label> stubs(n + 1);
      for (auto& l : stubs) l = a.newLabel();
      a.jumpTable(Masm::kScratch, stubs);
      for (uint32_t i = 0; i <= n; ++i) {
        a.bind(stubs[i]);
        emitBranch(i < n ? t[i] : imm.a);
      }
      return;
    }
    case Opcode::Return:
      emitReturn();
      return;
    default: return;
  }
}

void FunctionCompiler::Impl::select(const ValidatorState& s, Opcode op, const Imm& imm) {
  (void)op;
  (void)s;
  ValType t = imm.type;  // the validator's operand type, for select and select t alike
  if (t == ValType::V128) {
    fail("v128");
    return;
  }
  Val c = pop();
  Val b = pop();
  Val x = pop();
  if (c.e.kind == Entry::Const) {
    if (uint32_t(c.e.value) != 0) {
      release(b.e);
      stack.push_back(x.e);  // same depth: a Stack entry stays in place
    } else if (b.e.kind == Entry::Stack) {
      release(x.e);
      int r = gpOwned(b);  // one slot up: into a register
      pushReg(r, false);
    } else {
      release(x.e);
      stack.push_back(b.e);
    }
    return;
  }
  unborrow(c.e);
  if (isFloat(t)) {
    int r = xmmOwned(x);
    Opnd rhs = xmmRhs(b);
    Label keep = a.newLabel();
    condJump(c, true, keep);
    if (rhs.kind == Opnd::R) a.move(fpR(r), rhs.reg);
    else a.loadSlot(fpR(r), rhs.slot);
    a.bind(keep);
    release(b.e);
    pushReg(r, true);
    return;
  }
  // Everything in place before the flags are set: only then the compare
  // and the conditional move (the rhs may be a cached local's register,
  // which a later allocation could take).
  if (c.e.kind == Entry::Reg && c.e.xmm) gpOwned(c);
  int r = gpOwned(x);
  Opnd rhs = gpRhs(b, false);
  Cond pick_b;
  if (c.e.kind == Entry::Cmp) {
    emitCmp(c.e);
    pick_b = negate(c.e.cc);
  } else if (c.e.kind == Entry::Reg) {
    a.test(gpR(c.e.reg));
    pick_b = Cond::Eq;
  } else {
    a.cmpSlotZero(slotOf(c.e, c.d));
    pick_b = Cond::Eq;
  }
  a.cmov(pick_b, gpR(r), rhs);
  release(c.e);
  release(b.e);
  pushReg(r, false);
}

void FunctionCompiler::Impl::op(const ValidatorState& s, Opcode op, const Imm& imm) {
  if (failed) return;
  op_offset = uint32_t(s.op_offset);
  // A pending compare is only fused into br_if, if and select; anything
  // else gets its value.
  if (!stack.empty() && stack.back().kind == Entry::Cmp && op != Opcode::BrIf && op != Opcode::If &&
      op != Opcode::Select && op != Opcode::SelectT)
    materializeTop();
  const OpInfo& info = opInfo(op);
  if (info.feature == Feature::simd) {
    fail("SIMD");
    return;
  }
  bool hand = !info.sig[0] || op == Opcode::MemorySize || op == Opcode::MemoryGrow || op == Opcode::TableSize ||
              op == Opcode::MemoryInit || op == Opcode::MemoryCopy || op == Opcode::MemoryFill ||
              op == Opcode::TableInit || op == Opcode::TableCopy;
  if (!hand) {
    if (info.imm == ImmKind::I32 || info.imm == ImmKind::F32 || info.imm == ImmKind::I64 ||
        info.imm == ImmKind::F64) {
      pushConst(imm.bits);
      return;
    }
    if (info.imm == ImmKind::MemArg) {
      markPosition();
      if (!memoryAccess(op, imm)) fail(std::string("memory op ") + info.name);
      return;
    }
    if (intBinary(op) || intUnary(op) || divRem(op) || floatOp(op)) return;
    // Everything else simple: its helper.
    const char* colon = info.sig;
    while (*colon != ':') ++colon;
    helperOp(op, unsigned(colon - info.sig));
    return;
  }

  switch (op) {
    case Opcode::Unreachable:
      a.jump(trapLabel(TrapKind::Unreachable));
      return;
    case Opcode::Nop: return;
    case Opcode::Block: case Opcode::Loop: case Opcode::If: case Opcode::Else: case Opcode::End:
    case Opcode::Br: case Opcode::BrIf: case Opcode::BrTable: case Opcode::Return:
      control(s, op, imm);
      return;
    case Opcode::Call:
      markPosition();
      callOp(m.funcType(imm.a), imm, false);
      return;
    case Opcode::CallIndirect:
      markPosition();
      callOp(m.types[imm.a], imm, true);
      return;
    case Opcode::Drop:
      if (imm.type == ValType::V128) fail("v128");
      release(pop().e);
      return;
    case Opcode::Select:
    case Opcode::SelectT:
      select(s, op, imm);
      return;
    case Opcode::LocalGet: {
      Entry e;
      e.kind = Entry::Local;
      e.slot = imm.a;
      stack.push_back(e);
      noteDepth();
      return;
    }
    case Opcode::LocalSet:
    case Opcode::LocalTee: {
      uint32_t x = imm.a;
      const Entry& top = stack.back();
      if (top.kind == Entry::Local && top.slot == x) {
        if (op == Opcode::LocalSet) stack.pop_back();
        return;
      }
      Val v = pop();
      materializeLocal(x);
      if (v.e.kind == Entry::Cmp) gpOwned(v);
      if (inMemory(v.e) || (v.e.kind == Entry::Const && op == Opcode::LocalSet)) {
        // A copy between slots, or a constant, goes through a register,
        // which then caches the local (a loop entered next keeps it there;
        // the local just set is likelier to be read soon than the least
        // recently used one).
        bool f = isFloat(s.locals[x]);
        int r = takeFree(f);
        if (r < 0 && (f ? xmm_cache : gp_cache)) {
          evictLru(f);
          r = takeFree(f);
        }
        if (r >= 0) {
          int c = v.e.kind == Entry::Local ? cacheAny(v.e.slot) : -1;
          if (v.e.kind == Entry::Const) a.loadImm(regOf(f, r), v.e.value);
          else if (c >= 0) a.move(regOf(f, r), regOf(local_xmm[v.e.slot], c));
          else a.loadSlot(regOf(f, r), slotOf(v.e, v.d));
          v.e = Entry{};
          v.e.kind = Entry::Reg;
          v.e.xmm = f;
          v.e.reg = uint8_t(r);
        }
      }
      storeTo(x, v.e, v.d);
      dropLocalCache(x);
      // A value in a register stays there as the local's cached copy.
      if (v.e.kind == Entry::Reg) adoptCache(x, v.e.xmm, v.e.reg);
      if (op == Opcode::LocalTee) {
        if (v.e.kind == Entry::Const) {
          stack.push_back(v.e);
        } else {
          Entry e;
          e.kind = Entry::Local;
          e.slot = x;
          stack.push_back(e);
        }
        noteDepth();
      }
      return;
    }
    case Opcode::GlobalGet: {
      if (imm.type == ValType::V128) {
        fail("v128");
        return;
      }
      bool f = isFloat(imm.type);
      int r = f ? allocXmm() : allocGp();
      a.globalGet(regOf(f, r), imm.a);
      pushReg(r, f);
      return;
    }
    case Opcode::GlobalSet: {
      if (imm.type == ValType::V128) {
        fail("v128");
        return;
      }
      Val v = pop();
      a.globalSet(imm.a, valueOpnd(v));
      release(v.e);
      return;
    }
    case Opcode::MemorySize: {
      int r = allocGp();
      a.memorySize(gpR(r));
      pushReg(r, false);
      return;
    }
    case Opcode::MemoryGrow: {
      Val v = pop();
      spillRegs();
      loadInto(Masm::argGp(1), v);
      release(v.e);
      a.memoryGrow();
      int r = Masm::retGp().id;
      gp_busy |= 1u << r;
      pushReg(r, false);
      return;
    }
    case Opcode::RefNull:
      pushConst(0);
      return;
    case Opcode::RefIsNull:
      intUnary(op);
      return;
    case Opcode::RefFunc: case Opcode::TableGet: case Opcode::TableSet: case Opcode::TableSize:
    case Opcode::TableGrow: case Opcode::TableFill: case Opcode::TableCopy: case Opcode::TableInit:
    case Opcode::ElemDrop: case Opcode::MemoryInit: case Opcode::DataDrop: case Opcode::MemoryCopy:
    case Opcode::MemoryFill:
      miscOp(op, imm);
      return;
    default:
      fail(std::string("not compiled yet: ") + info.name);
      return;
  }
}

FunctionCompiler::FunctionCompiler(const ModuleData& m, ModuleBuilder& b, uint32_t func_index)
    : impl_(std::make_unique<Impl>(m, b, func_index)) {}
FunctionCompiler::~FunctionCompiler() = default;
void FunctionCompiler::begin(const ValidatorState& s) { impl_->begin(s); }
void FunctionCompiler::op(const ValidatorState& s, Opcode op, const Imm& imm) { impl_->op(s, op, imm); }
void FunctionCompiler::finish(const ValidatorState& s) { impl_->finish(s); }
bool FunctionCompiler::failed() const { return impl_->failed; }
const std::string& FunctionCompiler::failure() const { return impl_->why; }

}  // namespace tern::jit
