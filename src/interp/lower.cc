// Lowering: a FunctionDecoder visitor that emits the interpreter's form
// while the validator walks the body (one pass, no IR). Its state and class
// are declared in interp/lowering.h (this translation unit's alone).
#include "interp/lower.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cassert>

#include "base/build.h"
#include "interp/lowering.h"

namespace tern::interp {

namespace {

void Lowering::simple(Opcode op, const Imm& imm) {
  const OpInfo& info = opInfo(op);
  unsigned nin = info.types.nparams;
  if (kImplKind[unsigned(op)] == kSimd) {
    simdOp(op, imm);
    return;
  }
  if (info.cls == OpClass::Const) {
    push(Entry::constant(imm.bits));
    return;
  }
  if (info.cls == OpClass::Load) {  // dst addr offset
    uint32_t addr = popSlot();
    uint32_t dst = pushTemp();
    addr = mem64Address(addr, dst, imm.offset);
    emitMemOp(op, imm);
    uint32_t at = pos();
    w(dst);
    w(addr);
    w(uint32_t(imm.offset > UINT32_MAX ? 0 : imm.offset));
    noteDst(at);
    return;
  }
  if (info.cls == OpClass::Store) {  // addr val offset
    uint32_t val = popSlot();
    uint32_t addr = popSlot();
    addr = mem64Address(addr, slotOfDepth(depth()), imm.offset);
    emitMemOp(op, imm);
    w(addr);
    w(val);
    w(uint32_t(imm.offset > UINT32_MAX ? 0 : imm.offset));
    return;
  }
  // Plain unary / binary operator: dst a [b], or dst a imm64 when the right
  // operand is a constant.
  ImplKind kind = kImplKind[unsigned(op)];
  if (nin == 2 && (kind == kBin || kind == kTBin) && stack_.back().kind == Entry::Const) {
    uint64_t k = stack_.back().value;
    stack_.pop_back();
    uint32_t a = popSlot();
    uint32_t dst = pushTemp();
    emitOp(IOp(op));
    c_.words.back() = handler(IOp(op), kK);
    uint32_t at = pos();
    w(dst);
    w(a);
    w(uint32_t(k));
    w(uint32_t(k >> 32));
    noteDst(at);
    if (kind == kBin) noteFusable(op, true);
    return;
  }
  uint32_t b = nin == 2 ? popSlot() : 0;
  uint32_t a = popSlot();
  uint32_t dst = pushTemp();
  emitOp(IOp(op));
  uint32_t at = pos();
  w(dst);
  w(a);
  if (nin == 2) w(b);
  noteDst(at);
  if (kind == kBin || kind == kUn) noteFusable(op, false);
}

// A v128 row (its Impl is one of opcodes.def's V* macros): the operands
// are slots, then the immediates, in an order interp.cc's V* handlers read:
//   Num    dst a [b [c]] [lane | 4 words of shuffle indices]
//   Const  dst + the 16 bytes as 4 words
//   Load   dst addr offset [vec lane]     Store  addr val offset [lane]
// (the scalar loads' and stores' first three words, so that both go
// through the same address check).
void Lowering::simdOp(Opcode op, const Imm& imm) {
  const OpInfo& info = opInfo(op);
  unsigned nin = info.types.nparams;
  uint32_t in[3] = {};
  for (unsigned i = nin; i-- > 0;) in[i] = popSlot();
  bool mem = info.cls == OpClass::Load || info.cls == OpClass::Store;
  if (mem) in[0] = mem64Address(in[0], slotOfDepth(depth()), imm.offset);
  uint32_t dst = info.types.nresults ? pushTemp(slotsOf(info.types.results[0])) : 0;
  if (mem) {
    emitMemOp(op, imm);
  } else {
    emitOp(IOp(op));
  }
  uint32_t at = pos();
  bool lane = info.imm >= ImmKind::Lane2 && info.imm <= ImmKind::Lane16;
  bool mem_lane = info.imm >= ImmKind::MemArgLane2 && info.imm <= ImmKind::MemArgLane16;
  switch (info.cls) {
    case OpClass::Const:
      w(dst);
      w(uint32_t(imm.bits));
      w(uint32_t(imm.bits >> 32));
      w(uint32_t(imm.hi));
      w(uint32_t(imm.hi >> 32));
      break;
    case OpClass::Load:
      w(dst);
      w(in[0]);
      w(uint32_t(imm.offset > UINT32_MAX ? 0 : imm.offset));
      if (mem_lane) {
        w(in[1]);
        w(imm.lane);
      }
      break;
    case OpClass::Store:
      w(in[0]);
      w(in[1]);
      w(uint32_t(imm.offset > UINT32_MAX ? 0 : imm.offset));
      if (mem_lane) w(imm.lane);
      break;
    default:
      w(dst);
      for (unsigned i = 0; i < nin; ++i) w(in[i]);
      if (lane) w(imm.lane);
      if (info.imm == ImmKind::Shuffle) {
        uint8_t lanes[16];
        imm.shuffleLanes(lanes);
        uint32_t words[4];
        std::memcpy(words, lanes, sizeof words);
        for (uint32_t x : words) w(x);
      }
      break;
  }
  if (info.types.nresults) noteDst(at);
}

// A call's arguments go to consecutive slots, where the callee's frame
// starts. A tail call (return_call*) then moves them to the frame's own
// first slots, so it leaves nothing on the stack.
void Lowering::call(uint32_t func_index, const FuncType& ft, IOp iop, uint32_t a, uint32_t b, bool indirect,
                    bool tail) {
  uint32_t elem_slot = indirect ? popSlot() : 0;
  uint32_t n = uint32_t(ft.params.size());
  uint32_t first = depth() - n;
  for (uint32_t i = first; i < depth(); ++i) materialize(i);
  uint32_t frame = slotOfDepth(first);
  emitOp(iop);
  if (indirect) {
    w(a);
    w(b);
    w(frame);
    w(elem_slot);
  } else {
    w(func_index);
    w(frame);
  }
  resetTo(first);
  last_dst_word_ = -1;
  if (tail) return;
  pushTemps(uint32_t(ft.results.size()), [&](uint32_t i) { return ft.results[i]; });
  // The callee's frame starts at `frame`; make sure the caller's frame size
  // covers at least its results.
  last_dst_word_ = -1;
}

void Lowering::op(const ValidatorState& s, Opcode op, const Imm& imm) {
  op_offset_ = uint32_t(s.opOffset());
  switch (opInfo(op).cls) {
    case OpClass::Num:
    case OpClass::Const:
    case OpClass::Load:
    case OpClass::Store:
      if (imm.mem != 0) {
        otherMemory(op, imm);
        return;
      }
      simple(op, imm);
      return;
    case OpClass::Ctl: control(s, op, imm); return;
    case OpClass::Param:
    case OpClass::Var: variable(op, imm); return;
    case OpClass::Ref:
    case OpClass::Mem:
    case OpClass::Table:
    case OpClass::Bulk: memoryTable(op, imm); return;
  }
}

void Lowering::control(const ValidatorState& s, Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::Unreachable:
      emitOp(IOp::Trap);
      w(uint32_t(TrapKind::Unreachable));
      return;
    case Opcode::Nop: return;
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If:
    case Opcode::Try: openBlock(s, op); return;
    case Opcode::Else: elseBranch(s); return;
    case Opcode::Catch:
    case Opcode::CatchAll:
    case Opcode::Delegate:
    case Opcode::Throw:
    case Opcode::Rethrow: exceptionOp(s, op, imm); return;
    case Opcode::TryTable: tryTable(s); return;
    case Opcode::ThrowRef:
      if constexpr (!kBuildExceptions) return;  // never reached, as tryTable
      emitOp(IOp::ThrowRefI);
      w(popSlot());
      return;
    case Opcode::End: endBlock(s); return;
    case Opcode::Br: emitBranch(imm.a); return;
    case Opcode::BrIf: brIf(imm); return;
    case Opcode::BrTable: brTable(imm); return;
    case Opcode::Return: emitReturn(); return;
    case Opcode::Call: {
      const FuncType& ft = m_.funcType(imm.a);
      if (imm.a < m_.num_imported_funcs) call(imm.a, ft, IOp::CallImport, 0, 0, false);
      else call(imm.a - m_.num_imported_funcs, ft, IOp::CallI, 0, 0, false);
      return;
    }
    case Opcode::CallIndirect: call(0, m_.types[imm.a], IOp::CallIndirectI, imm.a, imm.b, true); return;
    case Opcode::ReturnCall: {
      const FuncType& ft = m_.funcType(imm.a);
      if (imm.a < m_.num_imported_funcs) call(imm.a, ft, IOp::ReturnCallImport, 0, 0, false, true);
      else call(imm.a - m_.num_imported_funcs, ft, IOp::ReturnCallI, 0, 0, false, true);
      return;
    }
    case Opcode::ReturnCallIndirect:
      call(0, m_.types[imm.a], IOp::ReturnCallIndirectI, imm.a, imm.b, true, true);
      return;
    default: return;
  }
}

void Lowering::openBlock(const ValidatorState& s, Opcode op) {
  const CtrlFrame& cf = s.frames.back();
  uint32_t np = s.paramCount(cf), nr = s.resultCount(cf);
  Entry cond;
  if (op == Opcode::If) {
    cond = stack_.back();
    stack_.pop_back();
  }
  materializeAll();
  // The block's params live in their canonical slots (branches to a
  // loop rewrite them there).
  for (uint32_t i = depth() - np; i < depth(); ++i) materialize(i);
  LFrame f{cf.kind, depth() - np, depth() - np, np, nr};
  if (op == Opcode::Loop) {
    f.loop_pc = pos();
    emitInterruptCheck();
  } else if (kBuildExceptions && op == Opcode::Try) {
    f.handler = int32_t(c_.handlers.size());
    c_.handlers.emplace_back().begin = pos();
  } else if (op == Opcode::If) {
    stack_.push_back(cond);
    if (!tryFuse(false)) {
      uint32_t c = popSlot();
      emitOp(IOp::BrIfZ);
      w(c);
    }
    f.else_fixup = pos();
    w(uint32_t(instr_start_));  // holds the instruction start until patched
    // The then-branch works on copies of the params so the else-branch
    // still finds the originals in their slots.
    uint32_t first = depth() - np;
    for (uint32_t i = 0; i < np; ++i) {
      uint32_t slots = stack_[first + i].slots;
      uint32_t dst = pushTemp(slots);
      emitCopy(dst, slotOfDepth(first + i), slots);
    }
    f.stack_base = depth() - np;
  }
  frames_.push_back(std::move(f));
  last_dst_word_ = -1;
}

void Lowering::elseBranch(const ValidatorState& s) {
  LFrame& f = frames_.back();
  if (s.endReachable()) {
    moveTopTo(f.result_base, f.nresults);
    emitJumpTo(f);
  }
  uint32_t start = c_.words[size_t(f.else_fixup)];
  c_.words[size_t(f.else_fixup)] = uint32_t(int32_t(pos()) - int32_t(start));
  f.else_fixup = -1;
  f.kind = CtrlKind::Else;
  resetTo(f.result_base);
  const CtrlFrame& cf = s.frames.back();
  pushTemps(f.nparams, [&](uint32_t i) { return s.param(cf, i); });
  f.stack_base = f.result_base;
}

void Lowering::endBlock(const ValidatorState& s) {
  LFrame& f = frames_.back();
  if (f.kind == CtrlKind::Func) {
    if (s.endReachable()) emitReturn();
    frames_.pop_back();
    return;
  }
  if (s.endReachable()) moveTopTo(f.result_base, f.nresults);
  if (kBuildExceptions && (f.kind == CtrlKind::Try || f.kind == CtrlKind::TryTable))
    c_.handlers[size_t(f.handler)].end = pos();  // no clauses
  if (f.else_fixup >= 0) {
    uint32_t start = c_.words[size_t(f.else_fixup)];
    c_.words[size_t(f.else_fixup)] = uint32_t(int32_t(pos()) - int32_t(start));
  }
  patch(f, pos());
  uint32_t base = f.result_base, nr = f.nresults;
  frames_.pop_back();
  resetTo(base);
  const CtrlFrame& cf = s.frames.back();
  pushTemps(nr, [&](uint32_t i) { return s.result(cf, i); });
}

// catch, catch_all and delegate end the try body (or the clause before);
// throw and rethrow leave through the interpreter's unwinder.
void Lowering::exceptionOp(const ValidatorState& s, Opcode op, const Imm& imm) {
  if constexpr (!kBuildExceptions) return;  // never reached: the decoder refuses them (base/build.h)
  if (op == Opcode::Throw) {
    uint32_t n = uint32_t(m_.types[m_.tags[imm.a]].params.size());
    uint32_t first = depth() - n;
    for (uint32_t i = first; i < depth(); ++i) materialize(i);
    emitOp(IOp::ThrowI);
    w(imm.a);
    w(slotOfDepth(first));
    resetTo(first);
    return;
  }
  if (op == Opcode::Rethrow) {
    emitOp(IOp::RethrowI);
    w(c_.handlers[size_t(frameAt(imm.a).handler)].exn_slot);
    return;
  }
  LFrame& f = frames_.back();
  Code::Handler& h = c_.handlers[size_t(f.handler)];
  if (f.kind == CtrlKind::Try) h.end = pos();
  if (op == Opcode::Delegate) {
    h.delegate = delegateTarget(imm.a);
    endBlock(s);
    return;
  }
  if (s.endReachable()) {
    moveTopTo(f.result_base, f.nresults);
    emitJumpTo(f);
  }
  resetTo(f.result_base);
  fuse_start_ = -1;
  // The clause's own slot below its values, which its body cannot pop.
  h.exn_slot = pushTemp();
  h.catches.push_back({op == Opcode::Catch ? imm.a : Code::Handler::kCatchAll, pos(), h.exn_slot + 1, false});
  if (op == Opcode::Catch) {
    const FuncType& t = m_.types[m_.tags[imm.a]];
    pushTemps(uint32_t(t.params.size()), [&](uint32_t i) { return t.params[i]; });
  }
  f.kind = op == Opcode::Catch ? CtrlKind::Catch : CtrlKind::CatchAll;
  f.stack_base = f.result_base + 1;
}

// The handler that `delegate label` (counted from outside the try, the
// innermost frame) hands exceptions to: the innermost try or try_table body
// at or outside the label; a catch clause's own try does not cover the
// clause.
int32_t Lowering::delegateTarget(uint32_t label) {
  for (size_t i = frames_.size() - 1 - label; i-- > 0;)
    if (frames_[i].kind == CtrlKind::Try || frames_[i].kind == CtrlKind::TryTable) return frames_[i].handler;
  return Code::Handler::kToCaller;
}

// try_table: a jump over one landing pad per clause, then the body as a
// block, whose words are the handler's range. An exception caught there
// leaves the stack as it was below the block's params (the frames inside
// are gone), so a pad finds the caught values at the slots from that
// height, where catchException writes them, and branches with them to the
// clause's label (counted from outside the try_table, the frames here
// before the block's is pushed).
void Lowering::tryTable(const ValidatorState& s) {
  if constexpr (!kBuildExceptions) return;  // never reached: the decoder refuses it (base/build.h)
  const CtrlFrame& cf = s.frames.back();
  uint32_t np = s.paramCount(cf), nr = s.resultCount(cf);
  materializeAll();
  for (uint32_t i = depth() - np; i < depth(); ++i) materialize(i);
  const uint32_t base = depth() - np;
  const int32_t index = int32_t(c_.handlers.size());
  Code::Handler h;
  h.table = true;
  emitOp(IOp::Jump);
  const uint32_t skip = instr_start_, skip_word = pos();
  w(0);
  const std::vector<Entry> saved = stack_;
  for (const CatchClause& c : s.catches) {
    resetTo(base);
    uint32_t pc = pos(), slot = slotOfDepth(base);
    if (!c.all()) {
      const FuncType& t = m_.types[m_.tags[c.tag]];
      pushTemps(uint32_t(t.params.size()), [&](uint32_t i) { return t.params[i]; });
    }
    if (c.ref()) pushTemp();
    emitBranch(c.label);
    h.catches.push_back({c.all() ? Code::Handler::kCatchAll : c.tag, pc, slot, c.ref()});
  }
  stack_ = saved;
  last_dst_word_ = -1;
  fuse_start_ = -1;
  c_.words[skip_word] = pos() - skip;
  h.begin = pos();
  c_.handlers.push_back(std::move(h));
  LFrame f{CtrlKind::TryTable, base, base, np, nr};
  f.handler = index;
  frames_.push_back(std::move(f));
}

void Lowering::brIf(const Imm& imm) {
  Entry cond = stack_.back();
  stack_.pop_back();
  LFrame& f = frameAt(imm.a);
  uint32_t n = f.kind == CtrlKind::Func ? f.nresults : labelArity(f);
  uint32_t base = f.kind == CtrlKind::Func ? 0 : f.result_base;
  bool in_place = f.kind != CtrlKind::Func && topInPlace(base, n);
  stack_.push_back(cond);
  if (in_place) {
    if (!tryFuse(true)) {
      uint32_t c = popSlot();
      emitOp(IOp::BrIfNz);
      w(c);
    }
    if (f.kind == CtrlKind::Loop) {
      w(uint32_t(int32_t(f.loop_pc) - int32_t(instr_start_)));
    } else {
      f.fixups.push_back(instr_start_);
      f.fixups.push_back(pos());
      w(0);
    }
  } else {
    if (!tryFuse(false)) {
      uint32_t c = popSlot();
      emitOp(IOp::BrIfZ);
      w(c);
    }
    uint32_t skip_start = instr_start_;
    uint32_t skip_word = pos();
    w(0);
    emitBranch(imm.a);
    c_.words[skip_word] = uint32_t(int32_t(pos()) - int32_t(skip_start));
  }
  last_dst_word_ = -1;
}

void Lowering::brTable(const Imm& imm) {
  uint32_t idx = popSlot();
  const std::vector<uint32_t>& t = *imm.targets;
  uint32_t n = uint32_t(t.size());
  emitOp(IOp::BrTableI);
  uint32_t start = instr_start_;
  w(idx);
  w(n);
  uint32_t table = pos();
  for (uint32_t i = 0; i <= n; ++i) w(0);
  // One stub per entry: move the values, then jump.
  for (uint32_t i = 0; i <= n; ++i) {
    uint32_t target = i < n ? t[i] : imm.a;
    c_.words[table + i] = uint32_t(int32_t(pos()) - int32_t(start));
    emitBranch(target);
  }
}

// drop, select, locals and globals.
void Lowering::variable(Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::Drop: popSlot(); return;
    case Opcode::Select:
    case Opcode::SelectT: {
      uint32_t cond = popSlot();
      uint32_t b = popSlot();
      uint32_t a = popSlot();
      uint32_t slots = slotsOf(imm.type);
      uint32_t dst = pushTemp(slots);
      emitOp(slots == 2 ? IOp::SelectV : IOp::SelectI);
      uint32_t at = pos();
      w(dst);
      w(a);
      w(b);
      w(cond);
      noteDst(at);
      return;
    }
    case Opcode::LocalGet: push(Entry::localRef(layout_->localSlot(imm.a), slotsOf(imm.type))); return;
    case Opcode::LocalSet:
    case Opcode::LocalTee: localSet(op, layout_->localSlot(imm.a)); return;
    case Opcode::GlobalGet: {
      uint32_t slots = slotsOf(imm.type);
      uint32_t dst = pushTemp(slots);
      emitOp(slots == 2 ? IOp::GlobalGetV : IOp::GlobalGetI);
      uint32_t at = pos();
      w(dst);
      w(imm.a);
      noteDst(at);
      return;
    }
    case Opcode::GlobalSet: {
      uint32_t src = popSlot();
      emitOp(imm.type == ValType::V128 ? IOp::GlobalSetV : IOp::GlobalSetI);
      w(imm.a);
      w(src);
      return;
    }
    default: return;
  }
}

void Lowering::localSet(Opcode op, uint32_t x) {
  uint32_t d = depth() - 1;
  Entry top = stack_.back();
  bool others = false;
  for (uint32_t i = 0; i < d; ++i)
    if (stack_[i].isLocal() && stack_[i].local == x) others = true;
  if (top.kind == Entry::Const) {
    materializeLocal(x);
    emitConst(x, top.value);
  } else if (!top.isLocal() && last_dst_word_ >= 0 && last_dst_end_ == pos() &&
             c_.words[size_t(last_dst_word_)] == slotOfDepth(d) && !others) {
    // Redirect the producer's write into the local.
    c_.words[size_t(last_dst_word_)] = x;
  } else {
    if (top.isLocal() && top.local == x) {
      // local.set x of local.get x: nothing to do.
    } else {
      materializeLocal(x);
      emitCopy(x, slotOf(stack_.back()), top.slots);
    }
  }
  stack_.pop_back();
  last_dst_word_ = -1;
  if (op == Opcode::LocalTee) push(top.kind == Entry::Const ? top : Entry::localRef(x, top.slots));
}

// A load or store of memory k > 0: the same handler as memory 0's between two
// that point the interpreter's memory registers at memory k and back (the
// next instruction cannot take the result's slot over: it follows MemRestore).
void Lowering::otherMemory(Opcode op, const Imm& imm) {
  if constexpr (!kBuildMultiMemory) return;  // never reached: the decoder refuses them (base/build.h)
  emitOp(IOp::MemSelect);
  w(imm.mem);
  simple(op, imm);
  emitOp(IOp::MemRestore);
  last_dst_word_ = -1;
}

// References, memory.size/grow, tables and bulk memory. The memory
// instructions of memory 0 have handlers without a memory operand; those
// naming another memory (multi-memory) take the *K handlers.
void Lowering::memoryTable(Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::TableGet: {
      uint32_t i = popSlot();
      uint32_t dst = pushTemp();
      emitOp(IOp::TableGetI);
      w(dst);
      w(imm.a);
      w(i);
      return;
    }
    case Opcode::TableSet: {
      uint32_t v = popSlot();
      uint32_t i = popSlot();
      emitOp(IOp::TableSetI);
      w(imm.a);
      w(i);
      w(v);
      return;
    }
    case Opcode::MemorySize: {
      uint32_t dst = pushTemp();
      emitOp(imm.mem ? IOp::MemorySizeK : IOp::MemorySizeI);
      w(dst);
      if (imm.mem) w(imm.mem);
      return;
    }
    case Opcode::MemoryGrow: {
      uint32_t src = popSlot();
      uint32_t dst = pushTemp();
      emitOp(imm.mem ? IOp::MemoryGrowK : state_->memIs64(0) ? IOp::MemoryGrow64I : IOp::MemoryGrowI);
      w(dst);
      if (imm.mem) w(imm.mem);
      w(src);
      return;
    }
    case Opcode::RefNull: {
      uint32_t dst = pushTemp();
      emitOp(IOp::Const64);
      uint32_t at = pos();
      w(dst);
      w(0);
      w(0);
      noteDst(at);
      return;
    }
    case Opcode::RefIsNull: {
      uint32_t src = popSlot();
      uint32_t dst = pushTemp();
      emitOp(IOp::RefIsNullI);
      uint32_t at = pos();
      w(dst);
      w(src);
      noteDst(at);
      return;
    }
    case Opcode::RefFunc: {
      uint32_t dst = pushTemp();
      emitOp(IOp::RefFuncI);
      uint32_t at = pos();
      w(dst);
      w(imm.a);
      noteDst(at);
      return;
    }
    case Opcode::TableSize: {
      uint32_t dst = pushTemp();
      emitOp(IOp::TableSizeI);
      w(dst);
      w(imm.a);
      return;
    }
    case Opcode::TableGrow: {
      uint32_t n = popSlot();
      uint32_t init = popSlot();
      uint32_t dst = pushTemp();
      emitOp(IOp::TableGrowI);
      w(dst);
      w(imm.a);
      w(init);
      w(n);
      return;
    }
    case Opcode::TableFill: {
      uint32_t n = popSlot();
      uint32_t v = popSlot();
      uint32_t i = popSlot();
      emitOp(IOp::TableFillI);
      w(imm.a);
      w(i);
      w(v);
      w(n);
      return;
    }
    case Opcode::TableCopy:
    case Opcode::TableInit:
    case Opcode::MemoryInit:
    case Opcode::MemoryCopy:
    case Opcode::MemoryFill: {
      uint32_t n = popSlot();
      uint32_t b = popSlot();
      uint32_t a = popSlot();
      switch (op) {
        case Opcode::TableCopy:
          emitOp(IOp::TableCopyI);
          w(imm.a);
          w(imm.b);
          break;
        case Opcode::TableInit:
          emitOp(IOp::TableInitI);
          w(imm.b);
          w(imm.a);
          break;
        case Opcode::MemoryInit:
          emitOp(imm.mem ? IOp::MemoryInitK : state_->memIs64(0) ? IOp::MemoryInit64I : IOp::MemoryInitI);
          if (imm.mem) w(imm.mem);
          w(imm.a);
          break;
        case Opcode::MemoryCopy:
          emitOp((imm.mem | imm.mem2) ? IOp::MemoryCopyK : state_->memIs64(0) ? IOp::MemoryCopy64I : IOp::MemoryCopyI);
          if (imm.mem | imm.mem2) {
            w(imm.mem);
            w(imm.mem2);
          }
          break;
        default:
          emitOp(imm.mem ? IOp::MemoryFillK : state_->memIs64(0) ? IOp::MemoryFill64I : IOp::MemoryFillI);
          if (imm.mem) w(imm.mem);
          break;
      }
      w(a);
      w(b);
      w(n);
      return;
    }
    case Opcode::ElemDrop:
      emitOp(IOp::ElemDropI);
      w(imm.a);
      return;
    case Opcode::DataDrop:
      emitOp(IOp::DataDropI);
      w(imm.a);
      return;
    default: return;
  }
}

}  // namespace

bool compileBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err,
                 const LowerOptions& opts) {
  auto code = std::make_shared<Code>();
  Lowering low(m, *code, opts);
  FunctionDecoder<Lowering> dec(m, func_index, low);
  if (!dec.decode(r, &body.locals)) {
    err = dec.error();
    return false;
  }
  code->words.shrink_to_fit();
  code->positions.shrink();
  body.code = std::move(code);
  return true;
}

}  // namespace tern::interp
