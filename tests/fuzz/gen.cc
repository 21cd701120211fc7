// The module generator of gen.h. Reading it: module() lays out the sections,
// body() one function, stmt() and expr() the code, both recursive with a
// depth and a per-body instruction budget so that every input gives a module
// of bounded size.
#include "gen.h"

#include <string>

namespace fuzzgen {

using tern::ImmKind;
using tern::kOpInfo;
using tern::OpClass;
using tern::OpInfo;

namespace {

int slot(uint8_t type) {
  switch (type) {
    case I32: return 0;
    case I64: return 1;
    case F32: return 2;
    case F64: return 3;
    default: return 4;
  }
}

void putOpcode(Bytes& b, const OpInfo& op) {
  if (op.prefix) {
    b.push_back(op.prefix);
    putU(b, op.code);
  } else {
    b.push_back(uint8_t(op.code));
  }
}

// Instructions whose result the spec leaves open in Mode::Valid: they move
// a NaN's sign or payload into something compared exactly.
bool nanSensitive(std::string_view name) {
  return name == "f32.store" || name == "f64.store" || name == "i32.reinterpret_f32" || name == "i64.reinterpret_f64" ||
         name == "f32.copysign" || name == "f64.copysign";
}

}  // namespace

void Generator::indexOps() {
  for (unsigned i = 0; i < tern::kOpcodeCount; ++i) {
    const OpInfo& op = kOpInfo[i];
    if (!tern::isGeneric(op.cls) || op.cls == OpClass::Const || op.sig[0] == 0) continue;
    bool v128 = op.feature == tern::Feature::simd;
    for (unsigned p = 0; p < op.types.nparams; ++p) v128 |= uint8_t(op.types.params[p]) == V128;
    if (!noisy() && (v128 || nanSensitive(op.name))) continue;
    if (op.types.nresults == 0) {
      if (op.cls == OpClass::Store) stores_.push_back(uint16_t(i));
    } else {
      by_result_[slot(uint8_t(op.types.results[0]))].push_back(uint16_t(i));
    }
  }
}

uint8_t Generator::valType() {
  static const uint8_t kTypes[] = {I32, I64, F32, F64, V128};
  return kTypes[below(noisy() ? 5 : 4)];
}

void Generator::constant(Bytes& b, uint8_t type) {
  // Small values most of the time: they make in-bounds addresses, loop
  // counts and divisors that are not zero.
  bool small = below(4) != 1;
  switch (type) {
    case I32:
      b.push_back(0x41);
      putS(b, small ? int32_t(below(64)) - 8 : in_.ConsumeIntegral<int32_t>());
      break;
    case I64:
      b.push_back(0x42);
      putS(b, small ? int64_t(below(64)) - 8 : in_.ConsumeIntegral<int64_t>());
      break;
    case F32: {
      b.push_back(0x43);
      uint32_t bits = in_.ConsumeIntegral<uint32_t>();
      for (int i = 0; i < 4; ++i) b.push_back(uint8_t(bits >> (8 * i)));
      break;
    }
    case F64: {
      b.push_back(0x44);
      uint64_t bits = in_.ConsumeIntegral<uint64_t>();
      for (int i = 0; i < 8; ++i) b.push_back(uint8_t(bits >> (8 * i)));
      break;
    }
    default:  // v128.const
      b.push_back(0xfd);
      putU(b, 12);
      for (int i = 0; i < 16; ++i) b.push_back(in_.ConsumeIntegral<uint8_t>());
      break;
  }
}

// A wrong byte, the first byte of a random instruction or a random
// instruction with made-up immediates: the validator must reject or accept
// each without crashing.
void Generator::noise(Bytes& b) {
  switch (below(3)) {
    case 0: b.push_back(in_.ConsumeIntegral<uint8_t>()); break;
    case 1: {
      const OpInfo& op = kOpInfo[below(tern::kOpcodeCount)];
      putOpcode(b, op);
      for (uint32_t n = below(4); n > 0; --n) putU(b, below(8));
      break;
    }
    default: b.push_back(0x0b); break;  // an end too many, or one too early
  }
}

// An i32 address: mostly inside the first page, sometimes anything.
void Generator::address(Body& f, Bytes& b, int depth) {
  if (below(8) == 1) {
    expr(f, b, I32, depth - 1);
    return;
  }
  expr(f, b, I32, depth - 1);
  b.push_back(0x41);
  putS(b, 0xfff8);
  b.push_back(0x71);  // i32.and
}

void Generator::immediates(Body& f, Bytes& b, const OpInfo& op) {
  (void)f;
  auto memarg = [&] {
    uint32_t align = below(op.natural_align + 1);
    if (noisy() && chance(16)) align = op.natural_align + 1 + below(3);
    putU(b, align);
    putU(b, below(4) == 1 ? below(70000) : below(16));
  };
  auto lane = [&](uint32_t lanes) { b.push_back(uint8_t(noisy() && chance(32) ? lanes + below(4) : below(lanes))); };
  switch (op.imm) {
    case ImmKind::MemArg: memarg(); break;
    case ImmKind::Lane2: lane(2); break;
    case ImmKind::Lane4: lane(4); break;
    case ImmKind::Lane8: lane(8); break;
    case ImmKind::Lane16: lane(16); break;
    case ImmKind::MemArgLane2: memarg(), lane(2); break;
    case ImmKind::MemArgLane4: memarg(), lane(4); break;
    case ImmKind::MemArgLane8: memarg(), lane(8); break;
    case ImmKind::MemArgLane16: memarg(), lane(16); break;
    case ImmKind::Shuffle:
      for (int i = 0; i < 16; ++i) b.push_back(uint8_t(below(32)));
      break;
    default: break;
  }
}

void Generator::genericOp(Body& f, Bytes& b, uint8_t type, int depth) {
  const std::vector<uint16_t>& ops = by_result_[slot(type)];
  if (ops.empty()) return constant(b, type);
  const OpInfo& op = kOpInfo[ops[below(uint32_t(ops.size()))]];
  if (op.cls == OpClass::Load && !shape_->memory) return constant(b, type);
  for (unsigned p = 0; p < op.types.nparams; ++p) {
    uint8_t t = uint8_t(op.types.params[p]);
    if (p == 0 && (op.cls == OpClass::Load || op.cls == OpClass::Store)) address(f, b, depth);
    else expr(f, b, t, depth - 1);
  }
  putOpcode(b, op);
  immediates(f, b, op);
}

void Generator::expr(Body& f, Bytes& b, uint8_t type, int depth) {
  --f.budget;
  std::vector<uint32_t> locals;
  for (uint32_t i = 0; i < f.locals.size(); ++i)
    if (f.locals[i] == type) locals.push_back(i);
  if (depth <= 0 || f.budget <= 0) {
    if (!locals.empty() && below(2) == 1) {
      b.push_back(0x20);
      putU(b, locals[below(uint32_t(locals.size()))]);
    } else {
      constant(b, type);
    }
    return;
  }
  switch (below(10)) {
    case 0: constant(b, type); break;
    case 1:
      if (locals.empty()) return constant(b, type);
      b.push_back(0x20);
      putU(b, locals[below(uint32_t(locals.size()))]);
      break;
    case 2: {
      std::vector<uint32_t> globals;
      for (uint32_t i = 0; i < shape_->globals.size(); ++i)
        if (shape_->globals[i] == type) globals.push_back(i);
      if (globals.empty()) return genericOp(f, b, type, depth);
      b.push_back(0x23);
      putU(b, globals[below(uint32_t(globals.size()))]);
      break;
    }
    case 3:  // select
      expr(f, b, type, depth - 1);
      expr(f, b, type, depth - 1);
      expr(f, b, I32, depth - 1);
      b.push_back(0x1b);
      break;
    case 4:  // if (result type) ... else ... end
      expr(f, b, I32, depth - 1);
      b.push_back(0x04);
      b.push_back(type);
      f.labels.push_back({{type}});
      expr(f, b, type, depth - 1);
      b.push_back(0x05);
      expr(f, b, type, depth - 1);
      b.push_back(0x0b);
      f.labels.pop_back();
      break;
    case 5:  // block (result type): value, condition, br_if 0
      b.push_back(0x02);
      b.push_back(type);
      f.labels.push_back({{type}});
      expr(f, b, type, depth - 1);
      expr(f, b, I32, depth - 1);
      b.push_back(0x0d);
      putU(b, 0);
      b.push_back(0x0b);
      f.labels.pop_back();
      break;
    case 6:  // local.tee
      if (locals.empty()) return genericOp(f, b, type, depth);
      expr(f, b, type, depth - 1);
      b.push_back(0x22);
      putU(b, locals[below(uint32_t(locals.size()))]);
      break;
    case 7: {  // a call to a later function returning exactly `type`
      std::vector<uint32_t> callees;
      for (uint32_t j = f.func_index + 1; j < shape_->funcs.size(); ++j) {
        const FuncSig& s = shape_->sigs[shape_->funcs[j]];
        if (s.results.size() == 1 && s.results[0] == type) callees.push_back(j);
      }
      if (callees.empty()) return genericOp(f, b, type, depth);
      uint32_t j = callees[below(uint32_t(callees.size()))];
      for (uint8_t t : shape_->sigs[shape_->funcs[j]].params) expr(f, b, t, depth - 1);
      b.push_back(0x10);
      putU(b, j);
      break;
    }
    case 8:
      if (type == I32 && shape_->memory && below(2) == 1) {
        if (below(2) == 1) {
          b.push_back(0x3f);  // memory.size
        } else {
          expr(f, b, I32, depth - 1);
          b.push_back(0x40);  // memory.grow
        }
        b.push_back(0x00);
        break;
      }
      [[fallthrough]];
    default: genericOp(f, b, type, depth); break;
  }
}

void Generator::stmts(Body& f, Bytes& b, int depth) {
  for (uint32_t n = below(6); n > 0 && f.budget > 0; --n) stmt(f, b, depth);
}

void Generator::stmt(Body& f, Bytes& b, int depth) {
  --f.budget;
  if (noisy() && chance(40)) return noise(b);
  switch (depth <= 0 ? below(4) : below(14)) {
    case 0: {  // local.set
      if (f.locals.empty()) return;
      uint32_t l = below(uint32_t(f.locals.size()));
      expr(f, b, f.locals[l], 3);
      b.push_back(0x21);
      putU(b, l);
      break;
    }
    case 1: {  // global.set
      if (shape_->globals.empty()) return;
      uint32_t g = below(uint32_t(shape_->globals.size()));
      expr(f, b, shape_->globals[g], 3);
      b.push_back(0x24);
      putU(b, g);
      break;
    }
    case 2: {  // a store
      if (stores_.empty() || !shape_->memory) return;
      const OpInfo& op = kOpInfo[stores_[below(uint32_t(stores_.size()))]];
      address(f, b, 3);
      expr(f, b, uint8_t(op.types.params[1]), 3);
      putOpcode(b, op);
      immediates(f, b, op);
      break;
    }
    case 3:  // drop
      expr(f, b, valType(), 3);
      b.push_back(0x1a);
      break;
    case 4:  // if ... else ... end
      expr(f, b, I32, 2);
      b.push_back(0x04);
      b.push_back(0x40);
      f.labels.push_back({});
      stmts(f, b, depth - 1);
      if (below(2) == 1) {
        b.push_back(0x05);
        stmts(f, b, depth - 1);
      }
      b.push_back(0x0b);
      f.labels.pop_back();
      break;
    case 5:  // block ... br_if 0 ... end
    case 6:  // loop ... br_if 0 end: runs until the condition or the fuel ends it
      b.push_back(below(2) == 1 ? 0x02 : 0x03);
      b.push_back(0x40);
      f.labels.push_back({});
      stmts(f, b, depth - 1);
      expr(f, b, I32, 2);
      b.push_back(0x0d);
      putU(b, 0);
      stmts(f, b, depth - 1);
      b.push_back(0x0b);
      f.labels.pop_back();
      break;
    case 7: {  // br_if to an enclosing label that carries nothing
      std::vector<uint32_t> targets;
      for (uint32_t d = 0; d < f.labels.size(); ++d)
        if (f.labels[f.labels.size() - 1 - d].branch_types.empty()) targets.push_back(d);
      if (targets.empty()) return;
      expr(f, b, I32, 2);
      b.push_back(0x0d);
      putU(b, targets[below(uint32_t(targets.size()))]);
      break;
    }
    case 8: {  // call a later function, dropping its results
      if (f.func_index + 1 >= shape_->funcs.size()) return;
      uint32_t j = f.func_index + 1 + below(uint32_t(shape_->funcs.size() - f.func_index - 1));
      const FuncSig& s = shape_->sigs[shape_->funcs[j]];
      for (uint8_t t : s.params) expr(f, b, t, 2);
      b.push_back(0x10);
      putU(b, j);
      for (size_t r = 0; r < s.results.size(); ++r) b.push_back(0x1a);
      break;
    }
    case 9: {  // call_indirect through the table: any function, any type
      uint32_t t = below(uint32_t(shape_->sigs.size()));
      const FuncSig& s = shape_->sigs[t];
      for (uint8_t p : s.params) expr(f, b, p, 2);
      expr(f, b, I32, 1);
      b.push_back(0x11);
      putU(b, t);
      b.push_back(0x00);
      for (size_t r = 0; r < s.results.size(); ++r) b.push_back(0x1a);
      break;
    }
    case 10:  // memory.fill or memory.copy, at most 64 bytes
      if (!shape_->memory) return;
      address(f, b, 2);
      if (below(2) == 1) {
        expr(f, b, I32, 1);
        b.push_back(0x41);
        putS(b, below(65));
        b.push_back(0xfc);
        putU(b, 11);
        b.push_back(0x00);
      } else {
        address(f, b, 2);
        b.push_back(0x41);
        putS(b, below(65));
        b.push_back(0xfc);
        putU(b, 10);
        b.push_back(0x00);
        b.push_back(0x00);
      }
      break;
    case 11:
      if (chance(8)) b.push_back(0x00);  // unreachable, now and then
      break;
    default: stmt(f, b, depth - 1); break;
  }
}

Bytes Generator::body(uint32_t func_index, uint32_t type_index) {
  const FuncSig& sig = shape_->sigs[type_index];
  Body f{&sig, sig.params, {{sig.results}}, func_index, 160};
  Bytes code;
  uint32_t groups = below(4);
  putU(code, groups);
  for (uint32_t g = 0; g < groups; ++g) {
    uint32_t n = 1 + below(3);
    uint8_t t = valType();
    putU(code, n);
    code.push_back(t);
    f.locals.insert(f.locals.end(), n, t);
  }
  stmts(f, code, 3);
  for (uint8_t t : sig.results) expr(f, code, t, 4);
  code.push_back(0x0b);
  Bytes sized;
  putU(sized, code.size());
  sized.insert(sized.end(), code.begin(), code.end());
  return sized;
}

Bytes Generator::module(Shape& shape) {
  shape_ = &shape;
  shape = {};
  for (uint32_t n = 1 + below(4); n > 0; --n) {
    FuncSig s;
    for (uint32_t p = below(4); p > 0; --p) s.params.push_back(valType());
    for (uint32_t r = below(3); r > 0; --r) s.results.push_back(valType());
    shape.sigs.push_back(s);
  }
  for (uint32_t n = 1 + below(5); n > 0; --n) shape.funcs.push_back(below(uint32_t(shape.sigs.size())));
  for (uint32_t n = below(4); n > 0; --n) shape.globals.push_back(valType());
  shape.memory = below(8) != 1;

  Bytes out = header(), s;
  putU(s, shape.sigs.size());
  for (const FuncSig& sig : shape.sigs) {
    s.push_back(0x60);
    putU(s, sig.params.size());
    s.insert(s.end(), sig.params.begin(), sig.params.end());
    putU(s, sig.results.size());
    s.insert(s.end(), sig.results.begin(), sig.results.end());
  }
  putSection(out, 1, s);

  s.clear();
  putU(s, shape.funcs.size());
  for (uint32_t t : shape.funcs) putU(s, t);
  putSection(out, 3, s);

  s = {0x01, FUNCREF, 0x00};  // one table, as large as the function count
  putU(s, shape.funcs.size());
  putSection(out, 4, s);

  if (shape.memory) {
    s = {0x01, 0x01, 0x01};  // one memory, 1 page, with a maximum
    putU(s, 1 + below(3));
    putSection(out, 5, s);
  }

  if (!shape.globals.empty()) {
    s.clear();
    putU(s, shape.globals.size());
    for (uint8_t t : shape.globals) {
      s.push_back(t);
      s.push_back(0x01);  // mutable
      constant(s, t);
      s.push_back(0x0b);
    }
    putSection(out, 6, s);
  }

  s.clear();
  putU(s, shape.funcs.size() + shape.globals.size() + (shape.memory ? 1 : 0));
  for (uint32_t i = 0; i < shape.funcs.size(); ++i) {
    putName(s, "f" + std::to_string(i));
    s.push_back(0x00);
    putU(s, i);
  }
  for (uint32_t i = 0; i < shape.globals.size(); ++i) {
    putName(s, "g" + std::to_string(i));
    s.push_back(0x03);
    putU(s, i);
  }
  if (shape.memory) {
    putName(s, "mem");
    s.push_back(0x02);
    s.push_back(0x00);
  }
  putSection(out, 7, s);

  s = {0x01, 0x00, 0x41, 0x00, 0x0b};  // elements: the table holds every function, in order
  putU(s, shape.funcs.size());
  for (uint32_t i = 0; i < shape.funcs.size(); ++i) putU(s, i);
  putSection(out, 9, s);

  s.clear();
  putU(s, shape.funcs.size());
  for (uint32_t i = 0; i < shape.funcs.size(); ++i) {
    Bytes b = body(i, shape.funcs[i]);
    s.insert(s.end(), b.begin(), b.end());
  }
  putSection(out, 10, s);

  if (shape.memory) {
    s = {0x01, 0x00, 0x41};  // one active segment in the first KiB
    putS(s, below(1024));
    s.push_back(0x0b);
    std::vector<uint8_t> bytes = in_.ConsumeBytes<uint8_t>(below(33));
    putU(s, bytes.size());
    s.insert(s.end(), bytes.begin(), bytes.end());
    putSection(out, 11, s);
  }

  // Noisy: one byte of the module changed, now and then.
  if (noisy() && chance(6)) out[8 + below(uint32_t(out.size() - 8))] = in_.ConsumeIntegral<uint8_t>();
  return out;
}

}  // namespace fuzzgen
