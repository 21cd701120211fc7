// The compiler's SIMD (v128) instructions: operands from the stack into
// Vec registers, one Masm emitter per instruction (jit/masm.h, "SIMD"), and
// the instruction's helper (jit/simd_helpers.cc) for the few an emitter
// declines, with the operands in their slots. A v128 is never a Const
// entry: v128.const loads from the function's constant pool at once.
#include <cstring>

#include "jit/compiler/compiler.h"

namespace tern::jit {

using namespace compiler;

namespace {
::tern::jit::Reg vecR(int id) { return regOf(RegClass::Vec, id); }
}  // namespace

bool FunctionCompiler::Impl::simdOp(Opcode op, const Imm& imm) {
  const OpInfo& info = opInfo(op);
  if (info.cls == OpClass::Load || info.cls == OpClass::Store) return false;  // op() calls simdMemory
  if (op == Opcode::V128Const) {
    int r = alloc(RegClass::Vec);
    a.vecConst(vecR(r), imm.bits, imm.hi);
    pushVec(r);
    return true;
  }
  const OpSig& sig = info.types;
  const ValType res = sig.nresults ? sig.results[0] : ValType::I32;
  // Shapes by signature: v:v, vv:v, vvv:v, vi:v (shifts), v:scalar
  // (tests, extract_lane), scalar:v (splat), v scalar:v (replace_lane).
  if (sig.nparams == 1 && sig.params[0] == ValType::V128 && res == ValType::V128) {
    Val x = pop();
    int tmp = alloc(RegClass::Vec);
    int r = vecOwned(x);
    if (!a.vecUnop(op, vecR(r), vecR(r), vecR(tmp))) {
      freeReg(RegClass::Vec, tmp);
      pushVec(r);
      simdHelper(op, imm);
      return true;
    }
    freeReg(RegClass::Vec, tmp);
    pushVec(r);
    return true;
  }
  if (sig.nparams == 2 && sig.params[0] == ValType::V128 && sig.params[1] == ValType::V128) {
    // (Allocations come before a cached local is borrowed: they may evict.)
    Val b = pop();
    Val x = pop();
    int tmp = alloc(RegClass::Vec);
    int r = vecOwned(x);
    int rb = vecReg(b);
    bool done = true;
    if (op == Opcode::I8x16Shuffle) {
      uint8_t lanes[16];
      imm.shuffleLanes(lanes);
      a.vecShuffle(vecR(r), vecR(rb), lanes, vecR(tmp));
    } else {
      done = a.vecBinop(op, vecR(r), vecR(rb), vecR(tmp));
    }
    freeReg(RegClass::Vec, tmp);
    if (!done) {
      // Back on the stack in registers: the helper takes them from their slots.
      pushVec(r);
      if (b.e.kind == Entry::Local) {
        stack.push_back(b.e);
        noteDepth();
      } else {
        pushVec(rb);
      }
      simdHelper(op, imm);
      return true;
    }
    release(b.e);
    pushVec(r);
    return true;
  }
  if (op == Opcode::V128Bitselect) {
    Val c = pop();
    Val b = pop();
    Val x = pop();
    int r = vecOwned(x);
    int rb = vecOwned(b);  // owned: a second borrow could evict the first
    int rc = vecReg(c);
    a.vecBitselect(vecR(r), vecR(rb), vecR(rc));
    release(c.e);
    release(b.e);
    pushVec(r);
    return true;
  }
  if (sig.nparams == 2 && sig.params[0] == ValType::V128 && res == ValType::V128 && info.imm == ImmKind::None) {
    // Shifts: the count in a GP register, a slot or an immediate.
    Val n = pop();
    Val x = pop();
    int tmp = alloc(RegClass::Vec);
    int r = vecOwned(x);
    Opnd count = n.e.kind == Entry::Const ? Opnd::i(n.e.value) : gpRhs(n, false);
    if (count.kind == Opnd::R && !count.reg.isGp()) count = Opnd::r(gpR(gpOwned(n)));
    a.vecShift(op, vecR(r), count, vecR(tmp));
    freeReg(RegClass::Vec, tmp);
    release(n.e);
    pushVec(r);
    return true;
  }
  if (sig.nparams == 1 && sig.params[0] == ValType::V128) {
    // Tests and extract_lane: a scalar result.
    Val x = pop();
    if (info.imm == ImmKind::None) {
      int tmp = alloc(RegClass::Vec);
      int d = allocGp();
      int src = vecReg(x);
      bool done = a.vecTest(op, gpR(d), vecR(src), vecR(tmp));
      freeReg(RegClass::Vec, tmp);
      if (!done) {
        freeGp(d);
        if (x.e.kind == Entry::Local) {
          stack.push_back(x.e);
          noteDepth();
        } else {
          pushVec(src);
        }
        simdHelper(op, imm);
        return true;
      }
      release(x.e);
      pushReg(d, RegClass::Gp);
      return true;
    }
    RegClass cls = classOf(res);
    int d = alloc(cls);
    int src = vecReg(x);
    a.vecExtract(op, imm.lane, regOf(cls, d), vecR(src));
    release(x.e);
    pushReg(d, cls);
    return true;
  }
  if (sig.nparams == 1 && res == ValType::V128) {
    // Splat: an integer from a GP register, a float from a float one.
    Val v = pop();
    bool fl = isFloat(sig.params[0]);
    int s = fl ? fpOwned(v) : gpOwned(v);
    int r = alloc(RegClass::Vec);
    a.vecSplat(op, vecR(r), fl ? fpR(s) : gpR(s));
    freeReg(fl ? RegClass::Fp : RegClass::Gp, s);
    pushVec(r);
    return true;
  }
  if (sig.nparams == 2 && sig.params[0] == ValType::V128 && res == ValType::V128) {
    // replace_lane
    Val v = pop();
    Val x = pop();
    bool fl = isFloat(sig.params[1]);
    int s = fl ? fpOwned(v) : gpOwned(v);
    int r = vecOwned(x);
    a.vecReplace(op, imm.lane, vecR(r), fl ? fpR(s) : gpR(s));
    freeReg(fl ? RegClass::Fp : RegClass::Gp, s);
    pushVec(r);
    return true;
  }
  return false;
}

// The instruction's helper, with its operands (the top entries) in their
// slots; the result replaces them.
void FunctionCompiler::Impl::simdHelper(Opcode op, const Imm& imm) {
  const OpInfo& info = opInfo(op);
  uint32_t nin = info.types.nparams;
  uint32_t first = depth() - nin;
  uint32_t at = slotOfDepth(first);
  prepareCall(nin);
  a.callSimd(uint32_t(op), imm.lane, at);
  resetTo(first);
  pushStack(info.types.results[0] == ValType::V128);
}

// Loads and stores: the address as scalar accesses take it (guard pages,
// or an explicit check of the bytes accessed with --bounds-checks).
bool FunctionCompiler::Impl::simdMemory(Opcode op, const Imm& imm, bool mem64) {
  const OpInfo& info = opInfo(op);
  const bool store = info.cls == OpClass::Store;
  const bool lane_form = info.imm != ImmKind::MemArg;  // *_lane: a vector operand besides the address
  Val vec;
  if (store || lane_form) vec = pop();
  Val addr = pop();
  const Options& o = builder.options();
  uint64_t end = imm.offset + info.access_bytes;
  // The vector register first (a load's destination, a store's or lane
  // load's operand), then the address register.
  int r = -1;
  if (lane_form && !store) r = vecOwned(vec);
  else if (store) r = vecOwned(vec);
  else r = alloc(RegClass::Vec);
  MemRef ref{false, {}, 0};
  int idx = -1;
  // A memory other than memory 0: its base in a register (see memoryAccess).
  const int base = imm.mem != 0 ? allocGp() : -1;
  if (addr.e.kind == Entry::Const && !mem64 && !o.bounds_checks &&
      uint64_t(uint32_t(addr.e.value)) + end <= o.guard_bytes) {
    ref.offset = uint32_t(addr.e.value) + imm.offset;
  } else {
    int borrowed = addr.e.kind == Entry::Local ? fillCache(addr.e.slot, RegClass::Gp) : -1;
    idx = borrowed >= 0 ? borrowed : gpOwned(addr);
    if (mem64)
      a.boundsCheck64(gpR(idx), imm.offset, info.access_bytes, trapLabel(TrapKind::MemoryOutOfBounds), imm.mem);
    else if (o.bounds_checks || end > o.guard_bytes)
      a.boundsCheck(gpR(idx), end, trapLabel(TrapKind::MemoryOutOfBounds), imm.mem);
    ref = MemRef{true, gpR(idx), imm.offset, mem64};
    if (borrowed >= 0) idx = -1;  // not owned
  }
  if (base >= 0) {
    a.memBase(gpR(base), imm.mem);
    ref.base = int8_t(gpR(base).id);
  }
  if (store) a.vecStore(op, imm.lane, ref, vecR(r));
  else a.vecLoad(op, imm.lane, vecR(r), ref);
  if (idx >= 0) freeGp(idx);
  if (base >= 0) freeGp(base);
  if (store) freeReg(RegClass::Vec, r);
  else pushVec(r);
  return true;
}

}  // namespace tern::jit
