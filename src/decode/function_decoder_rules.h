// The rules of FunctionDecoder (decode/function_decoder.h) for calls and
// the rarer instructions: exception handling (try, catch, delegate, throw, rethrow,
// try_table, throw_ref), the memory, table and segment instructions,
// else, br_table, local.get/set/tee and global.get/set, the parametric (drop, select) and
// reference instructions, and the immediates of the generic path.
// Included by function_decoder.h only, at its end.
#pragma once

#include "decode/function_decoder.h"

namespace tern {

// try_table: its block type, then its catch clauses, each checked against
// the label it branches to (counted from outside the try_table, whose frame
// is not pushed yet): the tag's params, then an exnref for the _ref forms.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepTryTable(Reader& r, bool live) {
  CtrlFrame f;
  f.kind = CtrlKind::TryTable;
  if (!readBlockType(r, &f)) return false;
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  if (n > r.remaining()) return malformed(r.offset(), ErrorCode::UnexpectedEnd);
  catches.clear();
  catches.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    CatchClause c;
    if (!readCatchClause(r, &c)) return false;
    catches.push_back(c);
  }
  return openFrame(r, f, Opcode::TryTable, live);
}

template <class Visitor>
bool FunctionDecoder<Visitor>::readCatchClause(Reader& r, CatchClause* c) {
  uint8_t kind;
  if (!r.u8(&kind)) return readFail(r);
  if (kind > CatchClause::kCatchAllRef) return malformed(r.offset() - 1, ErrorCode::MalformedCatchClause);
  c->kind = CatchClause::Kind(kind);
  const FuncType* tag = nullptr;
  if (!c->all()) {
    Imm imm;
    if (!readTag(r, &imm)) return false;
    c->tag = imm.a;
    tag = &module->types[module->tags[imm.a]];
  }
  if (!r.u32(&c->label)) return readFail(r);
  if (c->label >= frames.size()) return invalid(ErrorCode::UnknownLabel, c->label);
  const CtrlFrame& target = frameAt(c->label);
  uint32_t nvals = tag ? uint32_t(tag->params.size()) : 0;
  if (labelCount(target) != nvals + (c->ref() ? 1 : 0)) return invalid(ErrorCode::TypeMismatch);
  for (uint32_t i = 0; i < nvals; ++i)
    if (labelType(target, i) != tag->params[i]) return invalid(ErrorCode::TypeMismatch);
  if (c->ref() && labelType(target, nvals) != ValType::ExnRef) return invalid(ErrorCode::TypeMismatch);
  return true;
}

// throw_ref: throws the exnref on top of the stack again.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepThrowRef(bool live) {
  if (!popExpect(ValType::ExnRef)) return false;
  if (live) visitor_.op(*this, Opcode::ThrowRef, Imm{});
  markUnreachable();
  return true;
}

// catch, catch_all, delegate, throw, rethrow (try is a block).
template <class Visitor>
bool FunctionDecoder<Visitor>::stepException(Reader& r, Opcode op, bool live) {
  Imm imm;
  if (op == Opcode::Throw) {
    if (!readTag(r, &imm)) return false;
    const FuncType& t = module->types[module->tags[imm.a]];
    for (size_t i = t.params.size(); i-- > 0;)
      if (!popExpect(t.params[i])) return false;
    if (live) visitor_.op(*this, op, imm);
    markUnreachable();
    return true;
  }
  if (op == Opcode::Rethrow) {
    if (!r.u32(&imm.a)) return readFail(r);
    if (imm.a >= frames.size()) return invalid(ErrorCode::UnknownLabel, imm.a);
    CtrlKind k = frameAt(imm.a).kind;
    if (k != CtrlKind::Catch && k != CtrlKind::CatchAll) return invalid(ErrorCode::InvalidRethrowLabel);
    if (live) visitor_.op(*this, op, imm);
    markUnreachable();
    return true;
  }
  // A clause or delegate ends the try's body (or the previous clause).
  CtrlFrame& f = frames.back();
  bool after_catch = f.kind == CtrlKind::Catch && op == Opcode::Catch;
  if (f.kind != CtrlKind::Try && !(f.kind == CtrlKind::Catch && op == Opcode::CatchAll) && !after_catch)
    return invalid(ErrorCode::TypeMismatch);
  if (op == Opcode::Catch && !readTag(r, &imm)) return false;
  if (op == Opcode::Delegate) {
    if (!r.u32(&imm.a)) return readFail(r);
    // The label counts from outside the try.
    if (imm.a + 1 >= frames.size()) return invalid(ErrorCode::UnknownLabel, imm.a);
  }
  if (!popResults(f)) return false;
  if (stack.size() != f.height) return invalid(ErrorCode::TypeMismatch);
  if (f.visited) visitor_.op(*this, op, imm);
  if (op == Opcode::Delegate) {
    CtrlFrame closed = f;
    frames.pop_back();
    uint32_t nr = resultCount(closed);
    for (uint32_t i = 0; i < nr; ++i) push(result(closed, i));
    return true;
  }
  f.kind = op == Opcode::Catch ? CtrlKind::Catch : CtrlKind::CatchAll;
  f.unreachable = false;
  if (op == Opcode::Catch)
    for (ValType t : module->types[module->tags[imm.a]].params) push(t);
  return true;
}

// call, call_indirect, and their tail forms return_call and
// return_call_indirect (Features::tail_call): the callee's results must be
// the function's own, and what is left below the arguments is dropped.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepCall(Reader& r, Opcode op, bool live) {
  const bool tail = op == Opcode::ReturnCall || op == Opcode::ReturnCallIndirect;
  if (tail && !module->features.tail_call) return malformed(opOffset(), ErrorCode::IllegalOpcode);
  if (tail && !kBuildTailCalls) return malformed(opOffset(), ErrorCode::TailCallsNotInBuild);
  uint32_t a, b = 0;  // Imm::a and b, built only to be visited
  const FuncType* ft;
  if (op == Opcode::Call || op == Opcode::ReturnCall) {
    if (!r.u32(&a)) return readFail(r);
    if (a >= module->func_types.size()) return invalid(ErrorCode::UnknownFunction, a);
    ft = &module->funcType(a);
  } else {
    if (!r.u32(&a)) return readFail(r);  // type
    if (!r.u32(&b)) return readFail(r);  // table
    if (!checkTable(b)) return false;
    if (a >= module->types.size()) return invalid(ErrorCode::UnknownType, a);
    if (module->tables[b].elem != ValType::FuncRef) return invalid(ErrorCode::TypeMismatch);
    if (!popExpect(ValType::I32)) return false;
    ft = &module->types[a];
  }
  if (tail && ft->results != module->funcType(func_index).results) return invalid(ErrorCode::TypeMismatch);
  for (size_t i = ft->params.size(); i-- > 0;)
    if (!popExpect(ft->params[i])) return false;
  if (live) {
    Imm imm;
    imm.a = a;
    imm.b = b;
    visitor_.op(*this, op, imm);
  }
  if (tail) {
    markUnreachable();
    return true;
  }
  for (ValType t : ft->results) push(t);
  return true;
}

// Memory, table and segment instructions: immediates by hand, then the
// signature (i32 operands), except the four whose operands have the
// table's element type.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepMemoryTable(Reader& r, const OpInfo& info, Opcode op, bool live) {
  Imm imm;
  switch (op) {
    case Opcode::MemorySize:
    case Opcode::MemoryGrow:
    case Opcode::MemoryFill:
      if (!readMemIdx(r, &imm.mem)) return false;
      break;
    case Opcode::MemoryCopy:
      if (!readMemIdx(r, &imm.mem) || !readMemIdx(r, &imm.mem2)) return false;
      break;
    case Opcode::MemoryInit:
    case Opcode::DataDrop:
      if (!r.u32(&imm.a)) return readFail(r);
      if (op == Opcode::MemoryInit && !readMemIdx(r, &imm.mem)) return false;
      if (!module->data_count) return malformed(opOffset(), ErrorCode::DataCountRequired);
      if (imm.a >= *module->data_count) return invalid(ErrorCode::UnknownDataSegment, imm.a);
      break;
    case Opcode::TableInit:
      if (!r.u32(&imm.a)) return readFail(r);  // elem
      if (!r.u32(&imm.b)) return readFail(r);  // table
      if (!checkTable(imm.b)) return false;
      if (imm.a >= module->elems.size()) return invalid(ErrorCode::UnknownElemSegment, imm.a);
      if (module->elems[imm.a].type != module->tables[imm.b].elem) return invalid(ErrorCode::TypeMismatch);
      break;
    case Opcode::ElemDrop:
      if (!r.u32(&imm.a)) return readFail(r);
      if (imm.a >= module->elems.size()) return invalid(ErrorCode::UnknownElemSegment, imm.a);
      break;
    case Opcode::TableCopy:
      if (!r.u32(&imm.a)) return readFail(r);  // dst
      if (!r.u32(&imm.b)) return readFail(r);  // src
      if (!checkTable(imm.a) || !checkTable(imm.b)) return false;
      if (module->tables[imm.a].elem != module->tables[imm.b].elem) return invalid(ErrorCode::TypeMismatch);
      break;
    case Opcode::TableSize:
      if (!r.u32(&imm.a)) return readFail(r);
      if (!checkTable(imm.a)) return false;
      break;
    case Opcode::TableGet:
    case Opcode::TableSet:
    case Opcode::TableGrow:
    case Opcode::TableFill: {
      if (!r.u32(&imm.a)) return readFail(r);
      if (!checkTable(imm.a)) return false;
      // Operands typed by the table: get [i32] set [i32 t] grow [t i32] fill [i32 t i32].
      ValType et = module->tables[imm.a].elem;
      if (op == Opcode::TableFill && !popExpect(ValType::I32)) return false;
      if (op != Opcode::TableGet && op != Opcode::TableGrow && !popExpect(et)) return false;
      if (op == Opcode::TableGrow && (!popExpect(ValType::I32) || !popExpect(et))) return false;
      if (op != Opcode::TableGrow && !popExpect(ValType::I32)) return false;
      if (live) visitor_.op(*this, op, imm);
      if (op == Opcode::TableGet) push(et);
      if (op == Opcode::TableGrow) push(ValType::I32);
      return true;
    }
    default: return invalid(ErrorCode::InternalDecoder);
  }
  const bool mem64 = memIs64(imm.mem) || (op == Opcode::MemoryCopy && memIs64(imm.mem2));
  if (info.cls != OpClass::Table && mem64) return applyMem64Sig(op, imm, live);
  return applySig(info, op, imm, live);
}

// The memory instructions of a 64-bit memory: addresses, sizes and page
// counts are i64 (memory.init's source offset and length stay i32). A
// memory.copy has each address typed by its own memory, and an i64 length
// only when both memories are 64-bit.
template <class Visitor>
bool FunctionDecoder<Visitor>::applyMem64Sig(Opcode op, const Imm& imm, bool live) {
  constexpr ValType I = ValType::I32, L = ValType::I64;
  ValType params[3] = {L, L, L};
  unsigned n = 3;
  switch (op) {
    case Opcode::MemorySize: n = 0; break;
    case Opcode::MemoryGrow: n = 1; break;
    case Opcode::MemoryFill: params[1] = I; break;
    case Opcode::MemoryInit: params[1] = params[2] = I; break;
    case Opcode::MemoryCopy:
      params[0] = memIs64(imm.mem) ? L : I;
      params[1] = memIs64(imm.mem2) ? L : I;
      params[2] = params[0] == L && params[1] == L ? L : I;
      break;
    default: return applySig(opInfo(op), op, imm, live);  // data.drop
  }
  for (unsigned i = n; i-- > 0;)
    if (!popExpect(params[i])) return false;
  if (live) visitor_.op(*this, op, imm);
  if (op == Opcode::MemorySize || op == Opcode::MemoryGrow) push(L);
  return true;
}

// drop, select, select t.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepParametric(Reader& r, Opcode op, bool live) {
  Imm imm;
  if (op == Opcode::Drop) {
    ValType t = kUnknown;
    if (!pop(&t)) return false;
    imm.type = t;
    if (live) visitor_.op(*this, op, imm);
    return true;
  }
  ValType t = kUnknown;
  if (op == Opcode::SelectT) {
    uint32_t n;
    if (!r.u32(&n)) return readFail(r);
    if (n != 1) return invalid(ErrorCode::InvalidResultArity);
    uint8_t tb = 0;
    if (!r.u8(&tb)) return readFail(r);
    if (!isValType(tb, module->features)) return malformed(r.offset() - 1, ErrorCode::MalformedValueType);
    t = ValType(tb);
  }
  if (!popExpect(ValType::I32)) return false;
  ValType t1 = kUnknown, t2 = kUnknown;
  if (!pop(&t1) || !pop(&t2)) return false;
  if (op == Opcode::Select) {
    if ((t1 != kUnknown && !isNumType(t1)) || (t2 != kUnknown && !isNumType(t2)))
      return invalid(ErrorCode::TypeMismatch);
    if (t1 != t2 && t1 != kUnknown && t2 != kUnknown) return invalid(ErrorCode::TypeMismatch);
    t = t1 == kUnknown ? t2 : t1;
  } else {
    if ((t1 != t && t1 != kUnknown) || (t2 != t && t2 != kUnknown)) return invalid(ErrorCode::TypeMismatch);
  }
  imm.type = t;
  if (live) visitor_.op(*this, op, imm);
  push(t);
  return true;
}

// ref.null, ref.is_null, ref.func.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepReference(Reader& r, Opcode op, bool live) {
  Imm imm;
  ValType result = ValType::I32;
  if (op == Opcode::RefNull) {
    if (!readRefType(r, &imm.type)) return false;
    result = imm.type;
  } else if (op == Opcode::RefIsNull) {
    ValType t = kUnknown;
    if (!pop(&t)) return false;
    if (t != kUnknown && !isRefType(t)) return invalid(ErrorCode::TypeMismatch);
  } else {
    if (!r.u32(&imm.a)) return readFail(r);
    if (imm.a >= module->func_types.size()) return invalid(ErrorCode::UnknownFunction, imm.a);
    if (imm.a >= module->declared_refs.size() || !module->declared_refs[imm.a])
      return invalid(ErrorCode::UndeclaredFuncRef);
    result = ValType::FuncRef;
  }
  if (live) visitor_.op(*this, op, imm);
  push(result);
  return true;
}

// br_table.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepBrTable(Reader& r, bool live) {
  Imm imm;
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  if (n > r.remaining()) return malformed(r.offset(), ErrorCode::UnexpectedEnd);
  targets_.clear();
  targets_.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t t;
    if (!r.u32(&t)) return readFail(r);
    targets_.push_back(t);
  }
  if (!r.u32(&imm.a)) return readFail(r);
  if (!popExpect(ValType::I32)) return false;
  if (imm.a >= frames.size()) return invalid(ErrorCode::UnknownLabel, imm.a);
  uint32_t arity = labelCount(frameAt(imm.a));
  for (uint32_t t : targets_) {
    if (t >= frames.size()) return invalid(ErrorCode::UnknownLabel, t);
    if (labelCount(frameAt(t)) != arity) return invalid(ErrorCode::TypeMismatch);
    if (!checkLabelTypes(frameAt(t), true)) return false;
  }
  if (!checkLabelTypes(frameAt(imm.a), true)) return false;
  imm.targets = &targets_;
  if (live) visitor_.op(*this, Opcode::BrTable, imm);
  markUnreachable();
  return true;
}

// local.get/set/tee.
template <class Visitor>
inline bool FunctionDecoder<Visitor>::stepLocal(Reader& r, Opcode op, bool live) {
  // The Imm is built only to be visited (see applyScalarSig).
  uint32_t index;
  if (!r.u32(&index)) return readFail(r);
  if (index >= locals.size()) return invalid(ErrorCode::UnknownLocal, index);
  ValType t = locals[index];
  if (op != Opcode::LocalGet && !popExpect(t)) return false;
  if (live) {
    if constexpr (requires(Visitor & v, const ValidatorState& s) { v.local(s, op, index, t); }) {
      visitor_.local(*this, op, index, t);
    } else {
      Imm imm;
      imm.a = index;
      imm.type = t;
      visitor_.op(*this, op, imm);
    }
  }
  if (op != Opcode::LocalSet) push(t);
  return true;
}

// global.get/set (and local.get/set/tee, by stepLocal).
template <class Visitor>
bool FunctionDecoder<Visitor>::stepVariable(Reader& r, Opcode op, bool live) {
  if (op != Opcode::GlobalGet && op != Opcode::GlobalSet) return stepLocal(r, op, live);
  Imm imm;
  if (!r.u32(&imm.a)) return readFail(r);
  if (imm.a >= module->globals.size()) return invalid(ErrorCode::UnknownGlobal, imm.a);
  const GlobalType& g = module->globals[imm.a];
  imm.type = g.type;
  if (op == Opcode::GlobalSet) {
    if (!g.mut) return invalid(ErrorCode::GlobalIsImmutable);
    if (!popExpect(g.type)) return false;
  }
  if (live) visitor_.op(*this, op, imm);
  if (op == Opcode::GlobalGet) push(g.type);
  return true;
}

// else.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepElse() {
  CtrlFrame& f = frames.back();
  if (f.kind != CtrlKind::If) return invalid(ErrorCode::ElseWithoutIf);
  if (!popResults(f)) return false;
  if (stack.size() != f.height) return invalid(ErrorCode::TypeMismatch);
  if (f.visited) visitor_.op(*this, Opcode::Else, Imm{});
  f.kind = CtrlKind::Else;
  f.unreachable = false;
  uint32_t np = paramCount(f);
  for (uint32_t i = 0; i < np; ++i) push(param(f, i));
  return true;
}

// The immediates of the generically validated classes.
template <class Visitor>
bool FunctionDecoder<Visitor>::readGenericImm(Reader& r, const OpInfo& info, Opcode op, Imm* imm) {
  switch (info.imm) {
    case ImmKind::None: return true;
    case ImmKind::MemArg: return readMemArg(r, imm, op);
    case ImmKind::I32: return readI32(r, imm);
    case ImmKind::I64: return readI64(r, imm);
    case ImmKind::F32: {
      uint32_t v;
      if (!r.fixed32(&v)) return readFail(r);
      imm->bits = v;
      return true;
    }
    case ImmKind::F64:
      if (!r.fixed64(&imm->bits)) return readFail(r);
      return true;
    case ImmKind::V128:
      if (!r.fixed64(&imm->bits) || !r.fixed64(&imm->hi)) return readFail(r);
      return true;
    case ImmKind::Shuffle: {
      uint8_t lanes[16];
      for (int i = 0; i < 16; ++i) {
        if (!r.u8(&lanes[i])) return readFail(r);
      }
      for (int i = 0; i < 16; ++i)
        if (lanes[i] >= 32) return invalid(ErrorCode::InvalidLaneIndex);
      imm->setShuffleLanes(lanes);
      return true;
    }
    case ImmKind::Lane2: return lane(r, imm, 2);
    case ImmKind::Lane4: return lane(r, imm, 4);
    case ImmKind::Lane8: return lane(r, imm, 8);
    case ImmKind::Lane16: return lane(r, imm, 16);
    case ImmKind::MemArgLane2: return readMemArg(r, imm, op) && lane(r, imm, 2);
    case ImmKind::MemArgLane4: return readMemArg(r, imm, op) && lane(r, imm, 4);
    case ImmKind::MemArgLane8: return readMemArg(r, imm, op) && lane(r, imm, 8);
    case ImmKind::MemArgLane16: return readMemArg(r, imm, op) && lane(r, imm, 16);
    default: return invalid(ErrorCode::InternalDecoder);
  }
}

}  // namespace tern
