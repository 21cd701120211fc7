// The compiler's dispatch of one instruction, and the instructions that
// touch memory, locals, globals and calls (see compiler.h).
#include "jit/compiler/compiler.h"
#include "jit/scratch.h"

namespace tern::jit {

using namespace compiler;

// Loads and stores, with an explicit bounds check where the guard region
// does not cover the access (always for a 64-bit memory: mem64).
namespace {

// Size, extension and register file of a load or store, from the
// instruction's row; `store` false with size 0: not a load or store.
struct MemKind {
  MemAccess acc{0, 0, false};
  bool store = false;
};
constexpr MemKind memKindOf(Opcode op) {
  const OpInfo& info = opInfo(op);
  const bool store = info.cls == OpClass::Store;
  if (!store && info.cls != OpClass::Load) return MemKind{};
  const ValType value_type = store ? info.types.params[1] : info.types.results[0];
  const bool fp = !store && (value_type == ValType::F32 || value_type == ValType::F64);
  // ext: 0 zero-extends (or a full-width access), 1 sign-extends to 32 bits, 2 to 64.
  const uint8_t ext = !info.load_signed ? 0 : value_type == ValType::I64 ? 2 : 1;
  return MemKind{MemAccess{info.access_bytes, ext, fp}, store};
}
// The scalar loads and stores' rows (i32.load to i64.store32), worked out
// once: memoryAccess runs for every one compiled.
struct MemKinds {
  MemKind k[unsigned(Opcode::I64Store32) - unsigned(Opcode::I32Load) + 1];
  constexpr MemKinds() {
    for (unsigned i = 0; i < std::size(k); ++i) k[i] = memKindOf(Opcode(unsigned(Opcode::I32Load) + i));
  }
};
constexpr MemKinds kMemKinds;

}  // namespace

bool FunctionCompiler::Impl::memoryAccess(Opcode op, const Imm& imm, bool mem64) {
  const unsigned row = unsigned(op) - unsigned(Opcode::I32Load);
  const MemKind kind = row < std::size(kMemKinds.k) ? kMemKinds.k[row] : memKindOf(op);
  if (kind.acc.size == 0) return false;
  const bool store = kind.store;
  const MemAccess acc = kind.acc;
  Val val;
  if (store) val = pop();
  Val addr = pop();
  const Options& o = builder.options();
  uint64_t end = imm.offset + acc.size;
  MemRef ref{false, {}, 0};
  int idx = -1;
  // A memory other than memory 0: its base in a register of its own, taken
  // before a cached address is filled (which it could otherwise evict).
  const int base = imm.mem != 0 ? allocGp() : -1;
  if (addr.e.kind == Entry::Const && !mem64 && !o.bounds_checks &&
      uint64_t(uint32_t(addr.e.value)) + end <= o.guard_bytes) {
    // A constant address the guard region covers.
    ref.offset = uint32_t(addr.e.value) + imm.offset;
  } else {
    // An address in a cached local is used in place (the Masm only reads
    // it). An integer load then needs its own destination, taken first so
    // that it cannot evict the cache.
    int dst = -1, borrowed = -1;
    if (addr.e.kind == Entry::Local) {
      if (!store && !acc.fp) dst = allocGp();
      borrowed = fillCache(addr.e.slot, RegClass::Gp);
    }
    if (borrowed >= 0) {
      idx = borrowed;
    } else if (dst >= 0) {
      a.loadSlot(gpR(dst), addr.e.slot);
      idx = dst;
    } else {
      idx = gpOwned(addr);
    }
    if (mem64) a.boundsCheck64(gpR(idx), imm.offset, acc.size, trapLabel(TrapKind::MemoryOutOfBounds), imm.mem);
    else if (o.bounds_checks || end > o.guard_bytes)
      a.boundsCheck(gpR(idx), end, trapLabel(TrapKind::MemoryOutOfBounds), imm.mem);
    ref = MemRef{true, gpR(idx), imm.offset, mem64};
    if (borrowed >= 0) {
      idx = dst;  // what this instruction owns: the destination or nothing
      if (dst < 0) idx = -1;
      if (!store && !acc.fp) {
        if (base >= 0) {
          a.memBase(gpR(base), imm.mem);
          ref.base = int8_t(gpR(base).id);
        }
        a.load(acc, gpR(dst), ref);
        if (base >= 0) freeGp(base);
        pushReg(dst, RegClass::Gp);
        return true;
      }
    }
  }
  if (base >= 0) {
    a.memBase(gpR(base), imm.mem);
    ref.base = int8_t(gpR(base).id);
  }
  if (store) {
    a.store(acc, ref, valueOpnd(val));
    release(val.e);
    if (idx >= 0) freeGp(idx);
    if (base >= 0) freeGp(base);
    return true;
  }
  if (acc.fp) {
    int r = alloc(RegClass::Fp);
    a.load(acc, fpR(r), ref);
    if (idx >= 0) freeGp(idx);
    if (base >= 0) freeGp(base);
    pushReg(r, RegClass::Fp);
    return true;
  }
  int r = idx >= 0 ? idx : base >= 0 ? base : allocGp();
  a.load(acc, gpR(r), ref);
  if (base >= 0 && r != base) freeGp(base);
  pushReg(r, RegClass::Gp);
  return true;
}

void FunctionCompiler::Impl::callOp(const FuncType& ft, const Imm& imm, bool indirect) {
  Val elem;
  if (indirect) elem = pop();
  uint32_t np = uint32_t(ft.params.size());
  uint32_t first = depth() - np;
  // Arguments into the callee's frame, everything else out of registers.
  prepareCall(np);
  if (indirect) {
    Opnd e = valueOpnd(elem);
    release(elem.e);
    a.callIndirect(imm.a, imm.b, slotOfDepth(first), e, trapSet());
  } else {
    a.callFunction(imm.a, slotOfDepth(first));
  }
  resetTo(first);
  for (ValType t : ft.results) pushStack(t == ValType::V128);
}

// return_call, return_call_indirect: the arguments (and the element index)
// go to their slots, the arguments then down to the frame's first slots,
// where the callee's frame starts; the Masm tears down this frame and jumps.
// The element's slot is above every argument's, so the moves leave it.
void FunctionCompiler::Impl::tailCallOp(const FuncType& ft, const Imm& imm, bool indirect) {
  uint32_t np = uint32_t(ft.params.size());
  uint32_t first = depth() - np - (indirect ? 1 : 0);
  prepareCall(depth() - first);
  Val elem;
  if (indirect) elem = pop();
  uint32_t from = slotOfDepth(first), at = 0;
  for (uint32_t i = 0; i < np; ++i) {
    bool vec = ft.params[i] == ValType::V128;
    if (from + at != at) copyValue(at, from + at, vec);
    at += vec ? 2 : 1;
  }
  if (indirect) {
    Opnd e = valueOpnd(elem);
    release(elem.e);
    a.tailCallIndirect(imm.a, imm.b, e, trapSet());
  } else {
    a.tailCallFunction(imm.a);
  }
  resetTo(first);
}

// Table, reference and bulk-memory instructions, through the shared C++
// implementation with their operands in their slots.
void FunctionCompiler::Impl::miscOp(Opcode op, const Imm& imm) {
  unsigned nin = 0, nout = 0;
  bool traps = true;
  switch (op) {
    case Opcode::RefFunc:
      nout = 1;
      traps = false;
      break;
    case Opcode::TableGet:
      nin = 1;
      nout = 1;
      break;
    case Opcode::TableSet: nin = 2; break;
    case Opcode::TableSize:
      nout = 1;
      traps = false;
      break;
    case Opcode::TableGrow:
      nin = 2;
      nout = 1;
      traps = false;
      break;
    case Opcode::MemoryGrow:  // of a 64-bit memory or a memory other than memory 0
      nin = 1;
      nout = 1;
      traps = false;
      break;
    case Opcode::ElemDrop:
    case Opcode::DataDrop: traps = false; break;
    case Opcode::Throw: nin = uint32_t(m.types[m.tags[imm.a]].params.size()); break;  // always traps
    default: nin = 3; break;
  }
  // The memory instructions' memory indices (0 for memory 0, as imm.a and
  // imm.b are): memory.grow/fill/copy take them as (a, b), memory.init as b.
  uint32_t x = imm.a, y = imm.b;
  if (op == Opcode::MemoryGrow || op == Opcode::MemoryFill || op == Opcode::MemoryCopy) {
    x = imm.mem;
    y = imm.mem2;
  } else if (op == Opcode::MemoryInit) {
    y = imm.mem;
  }
  uint32_t first = depth() - nin;
  prepareCall(nin);
  ::tern::jit::Reg res = a.callMisc(uint32_t(op), x, y, slotOfDepth(first), traps, traps ? trapSet() : trap_common);
  resetTo(first);
  if (nout) {
    busy[kGp] |= 1u << res.id;
    pushReg(res.id, RegClass::Gp);
  }
}

void FunctionCompiler::Impl::select(const Imm& imm) {
  ValType t = imm.type;  // the validator's operand type, for select and select t alike
  Val c = pop();
  Val b = pop();
  Val x = pop();
  if (c.e.kind == Entry::Const) {
    if (uint32_t(c.e.value) != 0) {
      release(b.e);
      stack.push_back(x.e);  // same depth: a Stack entry stays in place
    } else if (b.e.kind == Entry::Stack) {
      release(x.e);
      // One entry up: into a register.
      if (b.e.vec) pushVec(vecOwned(b));
      else pushReg(gpOwned(b), RegClass::Gp);
    } else {
      release(x.e);
      stack.push_back(b.e);
    }
    return;
  }
  unborrow(c.e);
  if (t == ValType::V128) {
    // (A Local b is read from its slot, which a branch may skip: no cache fill.)
    int r = vecOwned(x);
    Label keep = a.newLabel();
    condJump(c, true, keep);
    loadInto(regOf(RegClass::Vec, r), b);
    a.bind(keep);
    release(b.e);
    pushVec(r);
    return;
  }
  if (isFloat(t)) {
    int r = fpOwned(x);
    Opnd rhs = fpRhs(b);
    Label keep = a.newLabel();
    condJump(c, true, keep);
    if (rhs.kind == Opnd::R) a.move(fpR(r), rhs.reg);
    else a.loadSlot(fpR(r), rhs.slot);
    a.bind(keep);
    release(b.e);
    pushReg(r, RegClass::Fp);
    return;
  }
  // Everything in place before the flags are set: only then the compare
  // and the conditional move (the rhs may be a cached local's register,
  // which a later allocation could take).
  if (c.e.isFpReg()) gpOwned(c);
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
    a.cmpSlotZero(slotOf(c));
    pick_b = Cond::Eq;
  }
  a.cmov(pick_b, gpR(r), rhs);
  release(c.e);
  release(b.e);
  pushReg(r, RegClass::Gp);
}

void FunctionCompiler::Impl::localSet(const ValidatorState& s, Opcode op, uint32_t x) {
  const Entry& top = stack.back();
  if (top.kind == Entry::Local && top.slot == x) {
    if (op == Opcode::LocalSet) stack.pop_back();
    return;
  }
  if (top.kind == Entry::Reg) {
    // The commonest: a value in a register, stored and kept there as the
    // local's cached copy (the general path below, without its tests).
    const Entry e = top;
    stack.pop_back();
    materializeLocal(x);
    a.storeSlot(x, regOf(e.cls, e.reg));
    adoptCache(x, e.cls, e.reg);
    if (op == Opcode::LocalTee) {
      Entry t;
      t.kind = Entry::Local;
      t.slot = x;
      t.vec = e.vec;
      stack.push_back(t);
      noteDepth();
    }
    return;
  }
  Val v = pop();
  materializeLocal(x);
  if (v.e.kind == Entry::Cmp) gpOwned(v);
  if (inMemory(v.e) || (v.e.kind == Entry::Const && op == Opcode::LocalSet)) {
    // A copy between slots, or a constant, goes through a register, which
    // then caches the local (a loop entered next keeps it there; the local
    // just set is likelier to be read soon than the least recently used
    // one).
    RegClass cls = classOf(s.locals[localIndex(x)]);
    int r = takeFreeOrEvict(cls);
    if (r >= 0) {
      int c = v.e.kind == Entry::Local ? cacheAny(v.e.slot) : -1;
      if (v.e.kind == Entry::Const) a.loadImm(regOf(cls, r), v.e.value);
      else if (c >= 0) a.move(regOf(cls, r), cacheReg(v.e.slot));
      else a.loadSlot(regOf(cls, r), slotOf(v));
      v.e = Entry{};
      v.e.kind = Entry::Reg;
      v.e.cls = cls;
      v.e.reg = uint8_t(r);
      v.e.vec = cls == RegClass::Vec;
    }
  }
  storeTo(x, v.e, v.d);
  // A value in a register stays there as the local's cached copy (adoptCache
  // drops the old one); any other value leaves the local uncached.
  if (v.e.kind == Entry::Reg) adoptCache(x, v.e.cls, v.e.reg);
  else dropLocalCache(x);
  if (op == Opcode::LocalTee) {
    if (v.e.kind == Entry::Const) {
      stack.push_back(v.e);
    } else {
      Entry e;
      e.kind = Entry::Local;
      e.slot = x;
      e.vec = v.e.vec;
      stack.push_back(e);
    }
    noteDepth();
  }
}

// The commonest instructions emit nothing: they are pushed here, before
// the checks and the dispatch of opRest that they need none of (without
// vector code, a v128 value must first meet opRest's check). Kept this
// small, the function saves no registers on that path: the rest, which
// needs them, is out of line.
TERN_HOT_INLINE inline void FunctionCompiler::Impl::op(const ValidatorState& s, Opcode op, const Imm& imm) {
  if (failed) return;
  // A pending compare is only fused into br_if, if and select; anything
  // else gets its value.
  const bool cmp_on_top = cmpOnTop();
  // (pushLocal and pushConst, for code without v128 values, where the new
  // entry's height is its depth, and while the stack has room.)
  if (!cmp_on_top && !any_vec && a.vecSupported()) {
    if (op == Opcode::LocalGet) {
      if (Entry* e = stack.tryPush()) {
        e->kind = Entry::Local;
        e->slot = layout->localSlot(imm.a);
        if (depth() > max_height) max_height = depth();
        return;
      }
    } else if (op == Opcode::I32Const || op == Opcode::I64Const) {
      if (Entry* e = stack.tryPush()) {
        e->kind = Entry::Const;
        e->value = imm.bits;
        if (depth() > max_height) max_height = depth();
        return;
      }
    }
  }
  // The commonest of the rest that need no compare materialized, straight
  // to their code (tail calls: still no registers saved here).
  if (a.vecSupported()) {
    switch (op) {
      case Opcode::LocalSet:
      case Opcode::LocalTee:
        if (!cmp_on_top) return localSet(s, op, layout->localSlot(imm.a));
        break;
      case Opcode::BrIf:
      case Opcode::If: return control(s, op, imm);
      case Opcode::Block:
      case Opcode::Else:
      case Opcode::End:
      case Opcode::Br:
        if (!cmp_on_top) return control(s, op, imm);
        break;
      case Opcode::Call:
      case Opcode::CallIndirect:
        if (!cmp_on_top) {
          special(s, op, imm);  // (it compiles both)
          return;
        }
        break;
      default: break;
    }
    // Scalar operators and loads and stores, when no compare waits to be
    // materialized (opRest's path for them, without its dispatch).
    const OpInfo& info = opInfo(op);
    if (!cmp_on_top && info.feature != Feature::simd) {
      if (info.cls == OpClass::Num) return numOp(op);
      if (op >= Opcode::I32Load && op <= Opcode::I64Store32) return memOp(s, op, imm);
    }
  }
  opRest(s, op, imm, cmp_on_top);
}

// op() for the decoder's typed hooks, without the tests that the kind
// answers: a numeric instruction (not SIMD, no immediates) goes to numOp,
// a scalar load or store to memOp, unless a compare waits on the stack.
TERN_HOT_INLINE inline void FunctionCompiler::Impl::numeric(const ValidatorState& s, Opcode op) {
  if (failed) return;
  const bool cmp_on_top = cmpOnTop();
  if (!cmp_on_top && a.vecSupported()) return numOp(op);
  opRest(s, op, Imm{}, cmp_on_top);
}

TERN_HOT_INLINE inline void FunctionCompiler::Impl::memory(const ValidatorState& s, Opcode op, const Imm& imm) {
  if (failed) return;
  const bool cmp_on_top = cmpOnTop();
  if (!cmp_on_top && a.vecSupported()) return memOp(s, op, imm);
  opRest(s, op, imm, cmp_on_top);
}

// op() for local.get/set/tee and the integer constants, the Imm built only
// where the instruction leaves the short paths (they are op()'s, to the
// same code: opRest is op()'s fallback for these opcodes too).
TERN_HOT_INLINE inline void FunctionCompiler::Impl::local(const ValidatorState& s, Opcode op, uint32_t index,
                                                          ValType type) {
  if (failed) return;
  const bool cmp_on_top = cmpOnTop();
  if (!cmp_on_top && a.vecSupported()) {
    if (op != Opcode::LocalGet) return localSet(s, op, layout->localSlot(index));
    if (!any_vec) {
      if (Entry* e = stack.tryPush()) {
        e->kind = Entry::Local;
        e->slot = layout->localSlot(index);
        if (depth() > max_height) max_height = depth();
        return;
      }
    }
  }
  Imm imm;
  imm.a = index;
  imm.type = type;
  opRest(s, op, imm, cmp_on_top);
}

TERN_HOT_INLINE inline void FunctionCompiler::Impl::constant(const ValidatorState& s, Opcode op, uint64_t bits) {
  if (failed) return;
  const bool cmp_on_top = cmpOnTop();
  if (!cmp_on_top && !any_vec && a.vecSupported()) {
    if (Entry* e = stack.tryPush()) {
      e->kind = Entry::Const;
      e->value = bits;
      if (depth() > max_height) max_height = depth();
      return;
    }
  }
  Imm imm;
  imm.bits = bits;
  opRest(s, op, imm, cmp_on_top);
}

void FunctionCompiler::Impl::numOp(Opcode op) {
  if (intBinary(op) || intUnary(op) || divRem(op) || floatOp(op)) return;
  // Everything else simple (and what an optional emitter declined): its helper.
  helperOp(op, opInfo(op).types.nparams);
}

// The common loads and stores straight (memoryAccess for the rest, to the
// same code): memory 0 with 32-bit addresses, no bounds check (the guard
// region covers the offset), and an address in a register, a local, a slot
// or a constant the guard covers; an integer load, or a store of any value.
// Each takes its registers in memoryAccess's order, so the code is the same.
void FunctionCompiler::Impl::memOp(const ValidatorState& s, Opcode op, const Imm& imm) {
  markPosition();
  const MemKind kind = kMemKinds.k[unsigned(op) - unsigned(Opcode::I32Load)];  // (only these rows come here)
  const MemAccess acc = kind.acc;
  const Options& o = builder.options();
  const uint64_t end = imm.offset + acc.size;
  if (imm.mem == 0 && !acc.fp && !o.bounds_checks && end <= o.guard_bytes && !s.memIs64(0)) {
    const size_t n = stack.size();
    // allocGp() with its first step, the commonest, inline.
    auto takeFreeGp = [this] {
      const int r = takeFree(RegClass::Gp);
      return r >= 0 ? r : allocGp();
    };
    if (!kind.store) {
      // The destination: the address's register, else a new one (taken
      // before a cached address is read, so that it cannot evict it).
      const Entry& e = stack.back();
      int dst, idx;
      switch (e.kind) {
        case Entry::Reg:
          if (e.cls != RegClass::Gp) goto general;
          dst = idx = e.reg;
          break;
        case Entry::Local: {
          dst = takeFreeGp();
          idx = fillCache(e.slot, RegClass::Gp);
          if (idx < 0) {
            a.loadSlot(gpR(dst), e.slot);
            idx = dst;
          }
          break;
        }
        case Entry::Stack:
          dst = idx = takeFreeGp();
          a.loadSlot(gpR(dst), slotOfDepth(uint32_t(n - 1)));
          break;
        case Entry::Const:
          if (uint64_t(uint32_t(e.value)) + end > o.guard_bytes) goto general;
          dst = takeFreeGp();
          a.load(acc, gpR(dst), MemRef{false, {}, uint32_t(e.value) + imm.offset});
          goto loaded;
        default: goto general;
      }
      a.load(acc, gpR(dst), MemRef{true, gpR(idx), imm.offset});
    loaded:
      Entry& r = stack[n - 1];  // the address's entry: now the value
      r = Entry{};
      r.kind = Entry::Reg;
      r.reg = uint8_t(dst);
      return;
    }
    // A store: the value (never a compare here: see memory()) and the address.
    const Entry v = stack[n - 1], e = stack[n - 2];
    if (v.kind == Entry::Cmp || e.kind == Entry::Cmp || (e.kind == Entry::Reg && e.cls != RegClass::Gp) ||
        (e.kind == Entry::Const && uint64_t(uint32_t(e.value)) + end > o.guard_bytes))
      goto general;
    // Both off the stack before an allocation (which could spill the value).
    stack.pop_back();
    stack.pop_back();
    MemRef ref{true, {}, imm.offset};
    int owned = -1;  // an address register this instruction owns
    switch (e.kind) {
      case Entry::Reg:
        owned = e.reg;
        ref.idx = gpR(owned);
        break;
      case Entry::Local: {
        // A cached one is read in place.
        const int c = fillCache(e.slot, RegClass::Gp);
        if (c >= 0) {
          ref.idx = gpR(c);
          break;
        }
        owned = takeFreeGp();
        a.loadSlot(gpR(owned), e.slot);
        ref.idx = gpR(owned);
        break;
      }
      case Entry::Stack:
        owned = takeFreeGp();
        a.loadSlot(gpR(owned), slotOfDepth(uint32_t(n - 2)));
        ref.idx = gpR(owned);
        break;
      default:  // a constant
        ref = MemRef{false, {}, uint32_t(e.value) + imm.offset};
        break;
    }
    // The value's operand, after the address took its registers (which
    // may have dropped the value's cached local).
    Opnd value;
    switch (v.kind) {
      case Entry::Const: value = Opnd::i(v.value); break;
      case Entry::Reg: value = Opnd::r(regOf(v.cls, v.reg)); break;
      case Entry::Local: value = cacheAny(v.slot) >= 0 ? Opnd::r(cacheReg(v.slot)) : Opnd::s(v.slot); break;
      default: value = Opnd::s(slotOfDepth(uint32_t(n - 1))); break;  // (the address below is no v128)
    }
    a.store(acc, ref, value);
    if (v.kind == Entry::Reg) freeReg(v.cls, v.reg);
    if (owned >= 0) freeGp(owned);
    return;
  }
general:
  if (!memoryAccess(op, imm, s.memIs64(imm.mem))) failOp("memory op ", op);
}

// Everything else (and local.get and the constants where op() declined
// them: special() and the Const class below push them the same way).
void FunctionCompiler::Impl::opRest(const ValidatorState& s, Opcode op, const Imm& imm, bool cmp_on_top) {
  if (cmp_on_top && op != Opcode::BrIf && op != Opcode::If && op != Opcode::Select && op != Opcode::SelectT)
    materializeTop();
  // The commonest of the rest, straight to their code.
  if (a.vecSupported()) {
    switch (op) {
      case Opcode::LocalSet:
      case Opcode::LocalTee: localSet(s, op, layout->localSlot(imm.a)); return;
      case Opcode::Block:
      case Opcode::If:
      case Opcode::Else:
      case Opcode::End:
      case Opcode::Br:
      case Opcode::BrIf: control(s, op, imm); return;
      default: break;
    }
    // The rows from i32.load to i64.store32 are the scalar loads and stores.
    static_assert(unsigned(Opcode::I64Store32) - unsigned(Opcode::I32Load) == 0x3e - 0x28);
    if (op >= Opcode::I32Load && op <= Opcode::I64Store32) return memOp(s, op, imm);
  }
  const OpInfo& info = opInfo(op);
  // Without vector code, a v128 value made by an instruction that is not
  // SIMD (a call, global.get, a block's result) is seen here, on the
  // validator's stack, before anything uses it (see begin()).
  if (!a.vecSupported() && !s.stack.empty() &&
      std::find(s.stack.begin(), s.stack.end(), ValType::V128) != s.stack.end()) {
    fail("v128 (no vector code on this host)");
    return;
  }
  // The rare paths (SIMD, failures) are out of line: this runs for every
  // instruction, and stays small without them.
  if (info.feature == Feature::simd) [[unlikely]] {
    vectorOp(s, op, imm);
    return;
  }
  if (!isGeneric(info.cls)) {
    if (!special(s, op, imm)) failOp("not compiled yet: ", op);
    return;
  }
  if (info.cls == OpClass::Const) {
    pushConst(imm.bits);
    return;
  }
  if (info.cls == OpClass::Load || info.cls == OpClass::Store) {
    markPosition();
    if (!memoryAccess(op, imm, s.memIs64(imm.mem))) failOp("memory op ", op);
    return;
  }
  numOp(op);
}

void FunctionCompiler::Impl::failOp(const char* why, Opcode op) { fail(std::string(why) + opInfo(op).name); }

void FunctionCompiler::Impl::vectorOp(const ValidatorState& s, Opcode op, const Imm& imm) {
  const OpInfo& info = opInfo(op);
  if (!a.vecSupported()) {
    fail("SIMD (no vector code on this host)");
    return;
  }
  if (info.cls == OpClass::Load || info.cls == OpClass::Store) {
    markPosition();
    if (!simdMemory(op, imm, s.memIs64(imm.mem))) failOp("not compiled yet: ", op);
  } else if (!simdOp(op, imm)) {
    failOp("not compiled yet: ", op);
  }
}

// The instructions validated by hand; false for one not compiled.
bool FunctionCompiler::Impl::special(const ValidatorState& s, Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::Unreachable: a.jump(trapLabel(TrapKind::Unreachable)); return true;
    case Opcode::Nop: return true;
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If:
    case Opcode::Else:
    case Opcode::End:
    case Opcode::Br:
    case Opcode::BrIf:
    case Opcode::BrTable:
    case Opcode::Return: control(s, op, imm); return true;
    case Opcode::Call:
      markPosition();
      callOp(m.funcType(imm.a), imm, false);
      return true;
    case Opcode::CallIndirect:
      markPosition();
      callOp(m.types[imm.a], imm, true);
      return true;
    case Opcode::ReturnCall:
      markPosition();
      tailCallOp(m.funcType(imm.a), imm, false);
      return true;
    case Opcode::ReturnCallIndirect:
      markPosition();
      tailCallOp(m.types[imm.a], imm, true);
      return true;
    case Opcode::Drop: release(pop().e); return true;
    case Opcode::Select:
    case Opcode::SelectT: select(imm); return true;
    case Opcode::LocalGet: pushLocal(layout->localSlot(imm.a)); return true;
    case Opcode::LocalSet:
    case Opcode::LocalTee: localSet(s, op, layout->localSlot(imm.a)); return true;
    case Opcode::GlobalGet: {
      RegClass cls = classOf(imm.type);
      int r = alloc(cls);
      a.globalGet(regOf(cls, r), imm.a);
      pushReg(r, cls);
      return true;
    }
    case Opcode::GlobalSet: {
      Val v = pop();
      // A v128 from a register (the Masm copies 8-byte slots only).
      a.globalSet(imm.a, v.e.vec ? Opnd::r(regOf(RegClass::Vec, vecReg(v))) : valueOpnd(v));
      release(v.e);
      return true;
    }
    case Opcode::MemorySize: {
      int r = allocGp();
      a.memorySize(gpR(r), imm.mem);
      pushReg(r, RegClass::Gp);
      return true;
    }
    case Opcode::MemoryGrow: {
      // An i64 page count and result, or a memory other than memory 0: the
      // helper (jitMisc).
      if (s.memIs64(imm.mem) || imm.mem != 0) {
        miscOp(op, imm);
        return true;
      }
      Val v = pop();
      spillRegs();
      Opnd delta = valueOpnd(v);
      release(v.e);
      ::tern::jit::Reg res = a.memoryGrow(delta);
      busy[kGp] |= 1u << res.id;
      pushReg(res.id, RegClass::Gp);
      return true;
    }
    case Opcode::RefNull: pushConst(0); return true;
    case Opcode::RefIsNull: intUnary(op); return true;
    case Opcode::RefFunc:
    case Opcode::TableGet:
    case Opcode::TableSet:
    case Opcode::TableSize:
    case Opcode::TableGrow:
    case Opcode::TableFill:
    case Opcode::TableCopy:
    case Opcode::TableInit:
    case Opcode::ElemDrop:
    case Opcode::MemoryInit:
    case Opcode::DataDrop:
    case Opcode::MemoryCopy:
    case Opcode::MemoryFill: miscOp(op, imm); return true;
    case Opcode::Throw:
      // The exception leaves as a trap does (ctx->inner holds it), to the
      // handlers of the catch tables (jit/catch_table.h) or out of JIT code.
      markPosition();
      miscOp(op, imm);
      return true;
    case Opcode::Try:
    case Opcode::Catch:
    case Opcode::CatchAll:
    case Opcode::Delegate:
    case Opcode::Rethrow: control(s, op, imm); return true;
    case Opcode::TryTable:
    case Opcode::ThrowRef: fail("try_table and throw_ref run in the interpreter"); return true;
    default: return false;
  }
}

// What one compile leaves the next on its thread: emptied buffers, with
// their capacity.
struct FunctionCompiler::Impl::Scratch {
  std::vector<int8_t> local_reg;
  std::vector<RegClass> local_cls;
  std::vector<uint8_t> local_vec;
  std::vector<uint32_t> local_index;
  compiler::EntryStack stack;
  std::vector<compiler::JFrame> frames;
  std::vector<TrapSite> sites;
  LoopReads loop_reads;
};

FunctionCompiler::Impl::Scratch& FunctionCompiler::Impl::scratch() {
  thread_local Scratch s;
  return s;
}

void FunctionCompiler::Impl::takeScratch() {
  Scratch& t = scratch();
  local_reg = std::move(t.local_reg);
  local_cls = std::move(t.local_cls);
  local_vec = std::move(t.local_vec);
  local_index = std::move(t.local_index);
  stack = std::move(t.stack);
  frames = std::move(t.frames);
  sites = std::move(t.sites);
  loop_reads = std::move(t.loop_reads);
}

void FunctionCompiler::Impl::leaveScratch() {
  Scratch& t = scratch();
  leaveForNext(local_reg, t.local_reg);
  leaveForNext(local_cls, t.local_cls);
  leaveForNext(local_vec, t.local_vec);
  leaveForNext(local_index, t.local_index);
  leaveForNext(stack, t.stack);
  leaveForNext(frames, t.frames);
  leaveForNext(sites, t.sites);
  t.loop_reads = std::move(loop_reads);  // (its buffers: start() empties them)
}

namespace {
// The memory of the thread's last Impl, for its next one.
struct ImplBlock {
  void* p = nullptr;
  ~ImplBlock() { ::operator delete(p); }
};
thread_local ImplBlock impl_block;
}  // namespace

void* FunctionCompiler::Impl::operator new(size_t bytes) {
  static_assert(alignof(Impl) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  if (void* p = impl_block.p) {  // (always sizeof(Impl) bytes: nothing derives from Impl)
    impl_block.p = nullptr;
    return p;
  }
  return ::operator new(bytes);
}
void FunctionCompiler::Impl::operator delete(void* p) {
  if (!impl_block.p) impl_block.p = p;
  else ::operator delete(p);
}

FunctionCompiler::FunctionCompiler(const ModuleData& m, ModuleBuilder& b, uint32_t func_index)
    : impl_(std::make_unique<Impl>(m, b, func_index)) {}
FunctionCompiler::~FunctionCompiler() = default;
bool FunctionCompiler::compile(Reader& r, std::vector<ValType>* declared_locals, DecodeError* err) {
  FunctionDecoder<Impl> dec(impl_->m, impl_->func_index, *impl_);
  if (dec.decode(r, declared_locals)) return true;
  *err = dec.error();
  return false;
}
bool FunctionCompiler::failed() const { return impl_->failed; }
const std::string& FunctionCompiler::failure() const { return impl_->why; }

}  // namespace tern::jit
