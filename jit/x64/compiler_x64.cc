// Single-pass x86-64 compiler: a FunctionDecoder visitor that emits machine
// code with asmjit while the body is validated.
//
// The operand stack is abstract while compiling: an entry is a value in its
// canonical frame slot, a not-yet-copied local, a constant (folded into the
// instruction that uses it), or a pending compare (fused with the br_if/if
// that consumes it). Values are kept in frame slots between instructions;
// keeping them in registers across instructions is the next step.
#include <asmjit/x86.h>

#include <cstring>

#include "jit/jit.h"
#include "module/opcodes.h"

namespace tern::jit {

using namespace asmjit;
using namespace asmjit::x86;

uint64_t (*helperFor(Opcode op))(uint64_t, uint64_t, Ctx*);
bool helperTraps(Opcode op);
int32_t jitMemoryGrow(Ctx* ctx, uint32_t delta);
void* jitCallIndirect(Ctx* ctx, uint32_t type_index, uint32_t table, uint32_t elem, uint64_t* fp);
int32_t jitCheckInterrupt(Ctx* ctx, uint32_t flags);
uint64_t jitMisc(Ctx* ctx, uint32_t op, uint32_t a, uint32_t b, const uint64_t* v);

namespace {

struct Entry {
  enum Kind : uint8_t { Temp, Local, Const, Cmp } kind = Temp;
  uint32_t local = 0;
  uint64_t value = 0;
  // Cmp: `a cc b`, 32- or 64-bit; a is a slot, b a slot or a constant.
  CondCode cc = CondCode::kE;
  bool wide = false;
  bool b_const = false;
  uint32_t a_slot = 0, b_slot = 0;
};

struct JFrame {
  CtrlKind kind;
  uint32_t result_base;
  uint32_t nparams, nresults;
  Label label;       // end of block, or head of loop
  Label else_label;  // if: start of else / end
  bool has_else_label = false;
};

bool fitsI32(uint64_t v) { return int64_t(v) == int64_t(int32_t(uint32_t(v))); }

}  // namespace

struct FunctionCompiler::Impl {
  const ModuleData& m;
  ModuleBuilder& builder;
  uint32_t func_index;
  CodeHolder code;
  x86::Assembler a;
  bool failed = false;
  std::string why;

  uint32_t nlocals = 0, nparams = 0, max_depth = 0;
  size_t frame_patch = 0;  // offset of the disp32 that holds the frame size
  std::vector<Entry> stack;
  std::vector<JFrame> frames;
  Label trap_common;
  Label trap_labels[16];
  bool trap_used[16] = {};

  Impl(const ModuleData& md, ModuleBuilder& b, uint32_t fi) : m(md), builder(b), func_index(fi) {
    code.init(Environment::host());
    code.attach(&a);
  }

  void fail(const std::string& w) {
    if (!failed) why = w;
    failed = true;
  }

  // ---- slots and entries ----
  uint32_t depth() const { return uint32_t(stack.size()); }
  uint32_t slotOfDepth(uint32_t d) const { return nlocals + d; }
  static Mem slotMem(uint32_t s) { return qword_ptr(rbx, int32_t(s * 8)); }
  static Mem slotMem32(uint32_t s) { return dword_ptr(rbx, int32_t(s * 8)); }
  uint32_t slotOf(const Entry& e, uint32_t d) const { return e.kind == Entry::Local ? e.local : slotOfDepth(d); }

  Label trapLabel(TrapKind k) {
    unsigned i = unsigned(k);
    if (!trap_used[i]) {
      trap_used[i] = true;
      trap_labels[i] = a.newLabel();
    }
    return trap_labels[i];
  }

  // Loads entry e (at depth d) into r (64-bit view; 32-bit values are kept
  // zero-extended in their slots).
  void load(const Gp& r, const Entry& e, uint32_t d) {
    switch (e.kind) {
      case Entry::Const:
        if (e.value <= 0xffffffffull) a.mov(r.r32(), uint32_t(e.value));
        else a.mov(r.r64(), e.value);
        break;
      case Entry::Cmp:
        emitCmp(e);
        a.set(e.cc, r.r8());
        a.movzx(r.r32(), r.r8());
        break;
      default: a.mov(r.r64(), slotMem(slotOf(e, d))); break;
    }
  }
  void storeSlot(uint32_t s, const Gp& r) { a.mov(slotMem(s), r.r64()); }

  void emitCmp(const Entry& e) {
    Gp x = e.wide ? Gp(rax) : Gp(eax);
    a.mov(x, e.wide ? slotMem(e.a_slot) : slotMem32(e.a_slot));
    if (e.b_const) {
      if (e.wide) a.cmp(rax, int32_t(e.value));
      else a.cmp(eax, uint32_t(e.value));
    } else {
      a.cmp(x, e.wide ? slotMem(e.b_slot) : slotMem32(e.b_slot));
    }
  }

  // Writes entry e's value to slot dst without changing the entry.
  void emitMove(uint32_t dst, const Entry& e, uint32_t d) {
    if (e.kind == Entry::Const && fitsI32(e.value)) {
      a.mov(slotMem(dst), int32_t(uint32_t(e.value)));
      return;
    }
    if (e.kind != Entry::Const && e.kind != Entry::Cmp && slotOf(e, d) == dst) return;
    load(rax, e, d);
    storeSlot(dst, rax);
  }
  void materialize(uint32_t i) {
    Entry& e = stack[i];
    if (e.kind == Entry::Temp) return;
    emitMove(slotOfDepth(i), e, i);
    e = Entry{};
  }
  void materializeLocals() {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind == Entry::Local) materialize(i);
  }
  void materializeLocal(uint32_t local) {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind == Entry::Local && stack[i].local == local) materialize(i);
  }
  Entry pop() {
    Entry e = stack.back();
    stack.pop_back();
    return e;
  }
  // Pops into a slot that holds the value (materializing a constant or a
  // compare into the entry's own slot).
  uint32_t popSlot() {
    uint32_t d = depth() - 1;
    if (stack[d].kind == Entry::Const || stack[d].kind == Entry::Cmp) materialize(d);
    uint32_t s = slotOf(stack[d], d);
    stack.pop_back();
    return s;
  }
  uint32_t pushTemp() {
    uint32_t d = depth();
    stack.push_back(Entry{});
    if (d + 1 > max_depth) max_depth = d + 1;
    return slotOfDepth(d);
  }
  void pushTemps(uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) pushTemp();
  }
  void resetTo(uint32_t d) { stack.resize(d); }

  JFrame& frameAt(uint32_t d) { return frames[frames.size() - 1 - d]; }
  uint32_t labelArity(const JFrame& f) const { return f.kind == CtrlKind::Loop ? f.nparams : f.nresults; }

  void moveTopTo(uint32_t base, uint32_t n) {
    uint32_t from = depth() - n;
    for (uint32_t k = 0; k < n; ++k) emitMove(slotOfDepth(base + k), stack[from + k], from + k);
  }
  bool topInPlace(uint32_t base, uint32_t n) const {
    uint32_t from = depth() - n;
    if (n == 0) return true;
    if (from != base) return false;
    for (uint32_t k = 0; k < n; ++k)
      if (stack[from + k].kind != Entry::Temp) return false;
    return true;
  }
  void emitReturn() {
    uint32_t n = frames.front().nresults;
    uint32_t from = depth() - n;
    // Results go to slots 0..n-1, which may be locals a later result reads.
    std::vector<uint32_t> src(n);
    for (uint32_t k = 0; k < n; ++k) {
      const Entry& e = stack[from + k];
      if (e.kind == Entry::Local && e.local < n) {
        emitMove(slotOfDepth(from + k), e, from + k);
        src[k] = slotOfDepth(from + k);
      } else {
        src[k] = UINT32_MAX;
      }
    }
    for (uint32_t k = 0; k < n; ++k) {
      if (src[k] != UINT32_MAX) {
        a.mov(rax, slotMem(src[k]));
        storeSlot(k, rax);
      } else {
        emitMove(k, stack[from + k], from + k);
      }
    }
    a.pop(rbx);
    a.ret();
  }
  void emitBranch(uint32_t d) {
    JFrame& f = frameAt(d);
    if (f.kind == CtrlKind::Func) {
      emitReturn();
      return;
    }
    moveTopTo(f.result_base, labelArity(f));
    a.jmp(f.label);
  }
  // Jumps to `target` when the popped condition is (non)zero.
  void condJump(bool nonzero, const Label& target) {
    Entry c = pop();
    if (c.kind == Entry::Cmp) {
      emitCmp(c);
      a.j(nonzero ? c.cc : negateCond(c.cc), target);
      return;
    }
    if (c.kind == Entry::Const) {
      if ((uint32_t(c.value) != 0) == nonzero) a.jmp(target);
      return;
    }
    a.cmp(slotMem32(slotOf(c, depth())), 0);
    a.j(nonzero ? CondCode::kNE : CondCode::kE, target);
  }

  void callHelper(void* fn) {
    a.mov(rax, uint64_t(uintptr_t(fn)));
    a.call(rax);
  }

  void interruptCheck() {
    const Options& o = builder.options();
    uint32_t flags = (o.epoch ? 1u : 0u) | (o.fuel ? 2u : 0u);
    if (!flags) return;
    a.mov(rdi, r13);
    a.mov(esi, flags);
    callHelper(reinterpret_cast<void*>(&jitCheckInterrupt));
    a.test(eax, eax);
    a.jnz(trap_common);
  }

  void begin(const ValidatorState& s) {
    const FuncType& ft = m.funcType(s.func_index);
    nparams = uint32_t(ft.params.size());
    nlocals = uint32_t(s.locals.size());
    for (ValType t : s.locals)
      if (t == ValType::V128) fail("v128 local");
    for (ValType t : ft.results)
      if (t == ValType::V128) fail("v128 result");
    trap_common = a.newLabel();
    JFrame f{CtrlKind::Func, 0, 0, uint32_t(ft.results.size()), a.newLabel()};
    frames.push_back(f);
    // Prologue: save the caller's frame pointer, take ours, check both stacks.
    a.push(rbx);
    a.mov(rbx, rdi);
    a.lea(rax, ptr(rbx, 0x7fffff00));
    frame_patch = a.offset() - 4;
    a.cmp(rax, ptr(r13, kCtxStackEnd));
    a.ja(trapLabel(TrapKind::CallStackExhausted));
    a.cmp(rsp, ptr(r13, kCtxNativeLimit));
    a.jb(trapLabel(TrapKind::CallStackExhausted));
    if (nlocals > nparams) {
      if (nlocals - nparams <= 16) {
        for (uint32_t i = nparams; i < nlocals; ++i) a.mov(slotMem(i), 0);
      } else {
        a.xor_(eax, eax);
        a.lea(rdi, slotMem(nparams));
        a.mov(ecx, nlocals - nparams);
        a.rep().stosq();
      }
    }
    interruptCheck();
  }

  void finish(const ValidatorState&) {
    if (failed) return;
    for (unsigned i = 0; i < 16; ++i) {
      if (!trap_used[i]) continue;
      a.bind(trap_labels[i]);
      a.mov(dword_ptr(r13, kCtxTrapKind), i + 1);
      a.jmp(trap_common);
    }
    a.bind(trap_common);
    a.mov(dword_ptr(r13, kCtxTrapFunc), func_index);
    a.mov(ptr(r13, kCtxTrapRsp), rsp);
    a.jmp(ptr(r13, kCtxUnwind));
    if (code.flatten() != kErrorOk || code.resolveUnresolvedLinks() != kErrorOk) {
      fail("assembler error");
      return;
    }
    CodeBuffer& buf = code.textSection()->buffer();
    uint32_t frame_bytes = (nlocals + max_depth + 1) * 8;
    std::memcpy(buf.data() + frame_patch, &frame_bytes, 4);
    std::vector<uint8_t> bytes(code.codeSize());
    if (code.relocateToBase(0) != kErrorOk ||
        code.copyFlattenedData(bytes.data(), bytes.size(), CopySectionFlags::kPadSectionBuffer) != kErrorOk) {
      fail("assembler error");
      return;
    }
    builder.addFunction(func_index, std::move(bytes), 0);
  }

  void op(const ValidatorState& s, Opcode op, const Imm& imm);
  bool intBinary(Opcode op);
  bool memoryAccess(Opcode op, const Imm& imm);
  void helperOp(Opcode op, unsigned nin);
  void floatBinary(Opcode op);
};

// Native integer operators. Returns false if `op` is not one of them.
bool FunctionCompiler::Impl::intBinary(Opcode op) {
  enum K { Add, Sub, Mul, And, Or, Xor, Shl, ShrS, ShrU, Rotl, Rotr, None };
  K k = None;
  bool wide = false;
  CondCode cc = CondCode::kE;
  bool is_cmp = false;
  switch (op) {
#define CASE2(I32, I64, kind) \
  case Opcode::I32: k = kind; break; \
  case Opcode::I64: k = kind; wide = true; break;
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
  case Opcode::I32: cc = c; is_cmp = true; break; \
  case Opcode::I64: cc = c; is_cmp = true; wide = true; break;
    CMP2(I32Eq, I64Eq, CondCode::kE)
    CMP2(I32Ne, I64Ne, CondCode::kNE)
    CMP2(I32LtS, I64LtS, CondCode::kL)
    CMP2(I32LtU, I64LtU, CondCode::kB)
    CMP2(I32GtS, I64GtS, CondCode::kG)
    CMP2(I32GtU, I64GtU, CondCode::kA)
    CMP2(I32LeS, I64LeS, CondCode::kLE)
    CMP2(I32LeU, I64LeU, CondCode::kBE)
    CMP2(I32GeS, I64GeS, CondCode::kGE)
    CMP2(I32GeU, I64GeU, CondCode::kAE)
#undef CMP2
    default: return false;
  }
  if (is_cmp) {
    Entry b = stack.back();
    bool b_const = b.kind == Entry::Const && fitsI32(b.value);
    uint32_t b_slot = 0;
    if (b_const) stack.pop_back();
    else b_slot = popSlot();
    uint32_t a_slot = popSlot();
    Entry c;
    c.kind = Entry::Cmp;
    c.cc = cc;
    c.wide = wide;
    c.a_slot = a_slot;
    c.b_const = b_const;
    c.b_slot = b_slot;
    c.value = b.value;
    stack.push_back(c);
    if (depth() > max_depth) max_depth = depth();
    return true;
  }
  Entry b = stack.back();
  bool b_imm = b.kind == Entry::Const && fitsI32(b.value) && k != Mul;
  uint32_t b_slot = 0;
  if (b_imm) stack.pop_back();
  else b_slot = popSlot();
  uint32_t a_slot = popSlot();
  uint32_t dst = pushTemp();
  Gp x = wide ? Gp(rax) : Gp(eax);
  Gp y = wide ? Gp(rcx) : Gp(ecx);
  a.mov(x, wide ? slotMem(a_slot) : slotMem32(a_slot));
  int32_t imm = int32_t(uint32_t(b.value));
  if (k == Shl || k == ShrS || k == ShrU || k == Rotl || k == Rotr) {
    if (b_imm) {
      uint32_t n = uint32_t(b.value) & (wide ? 63 : 31);
      switch (k) {
        case Shl: a.shl(x, n); break;
        case ShrS: a.sar(x, n); break;
        case ShrU: a.shr(x, n); break;
        case Rotl: a.rol(x, n); break;
        default: a.ror(x, n); break;
      }
    } else {
      a.mov(ecx, slotMem32(b_slot));
      switch (k) {
        case Shl: a.shl(x, cl); break;
        case ShrS: a.sar(x, cl); break;
        case ShrU: a.shr(x, cl); break;
        case Rotl: a.rol(x, cl); break;
        default: a.ror(x, cl); break;
      }
    }
  } else if (b_imm) {
    switch (k) {
      case Add: a.add(x, imm); break;
      case Sub: a.sub(x, imm); break;
      case And: a.and_(x, imm); break;
      case Or: a.or_(x, imm); break;
      default: a.xor_(x, imm); break;
    }
  } else {
    a.mov(y, wide ? slotMem(b_slot) : slotMem32(b_slot));
    switch (k) {
      case Add: a.add(x, y); break;
      case Sub: a.sub(x, y); break;
      case Mul: a.imul(x, y); break;
      case And: a.and_(x, y); break;
      case Or: a.or_(x, y); break;
      default: a.xor_(x, y); break;
    }
  }
  storeSlot(dst, rax);
  return true;
}

// Loads and stores, with an explicit bounds check where the guard region
// does not cover the access.
bool FunctionCompiler::Impl::memoryAccess(Opcode op, const Imm& imm) {
  struct Acc {
    unsigned size;
    bool store;
    int ext;  // loads: 0 zero-extend/plain, 1 sign-extend to 32, 2 sign-extend to 64
  };
  Acc acc;
  switch (op) {
    case Opcode::I32Load: case Opcode::F32Load: case Opcode::I64Load32U: acc = {4, false, 0}; break;
    case Opcode::I64Load: case Opcode::F64Load: acc = {8, false, 0}; break;
    case Opcode::I32Load8S: acc = {1, false, 1}; break;
    case Opcode::I32Load8U: case Opcode::I64Load8U: acc = {1, false, 0}; break;
    case Opcode::I32Load16S: acc = {2, false, 1}; break;
    case Opcode::I32Load16U: case Opcode::I64Load16U: acc = {2, false, 0}; break;
    case Opcode::I64Load8S: acc = {1, false, 2}; break;
    case Opcode::I64Load16S: acc = {2, false, 2}; break;
    case Opcode::I64Load32S: acc = {4, false, 2}; break;
    case Opcode::I32Store: case Opcode::F32Store: case Opcode::I64Store32: acc = {4, true, 0}; break;
    case Opcode::I64Store: case Opcode::F64Store: acc = {8, true, 0}; break;
    case Opcode::I32Store8: case Opcode::I64Store8: acc = {1, true, 0}; break;
    case Opcode::I32Store16: case Opcode::I64Store16: acc = {2, true, 0}; break;
    default: return false;
  }
  uint32_t val_slot = acc.store ? popSlot() : 0;
  Entry addr = stack.back();
  if (addr.kind == Entry::Const) {
    stack.pop_back();
    a.mov(ecx, uint32_t(addr.value));
  } else {
    a.mov(ecx, slotMem32(popSlot()));
  }
  const Options& o = builder.options();
  uint64_t end = imm.offset + acc.size;
  if (o.bounds_checks || end > o.guard_bytes) {
    a.mov(rdx, ptr(r13, kCtxMemSize));
    a.mov(rax, end);
    a.add(rax, rcx);
    a.cmp(rax, ptr(rdx));
    a.ja(trapLabel(TrapKind::MemoryOutOfBounds));
  }
  if (imm.offset > 0x7fffffff) {
    a.mov(rax, imm.offset);
    a.add(rcx, rax);
  }
  int32_t disp = imm.offset > 0x7fffffff ? 0 : int32_t(imm.offset);
  Mem mem = ptr(r12, rcx, 0, disp);
  mem.setSize(acc.size);
  if (acc.store) {
    a.mov(rdx, slotMem(val_slot));
    switch (acc.size) {
      case 1: a.mov(mem, dl); break;
      case 2: a.mov(mem, dx); break;
      case 4: a.mov(mem, edx); break;
      default: a.mov(mem, rdx); break;
    }
    return true;
  }
  uint32_t dst = pushTemp();
  switch (acc.size) {
    case 1:
    case 2:
      if (acc.ext == 0) a.movzx(eax, mem);
      else if (acc.ext == 1) a.movsx(eax, mem);
      else a.movsx(rax, mem);
      break;
    case 4:
      if (acc.ext == 2) a.movsxd(rax, mem);
      else a.mov(eax, mem);
      break;
    default: a.mov(rax, mem); break;
  }
  storeSlot(dst, rax);
  return true;
}

// Any simple operator through its generated C++ helper (the interpreter's
// semantics, from opcodes.def).
void FunctionCompiler::Impl::helperOp(Opcode op, unsigned nin) {
  auto fn = helperFor(op);
  if (!fn) {
    fail(std::string("no helper for ") + opName(op));
    return;
  }
  uint32_t b = nin == 2 ? popSlot() : 0;
  uint32_t x = popSlot();
  uint32_t dst = pushTemp();
  a.mov(rdi, slotMem(x));
  if (nin == 2) a.mov(rsi, slotMem(b));
  else a.xor_(esi, esi);
  a.mov(rdx, r13);
  callHelper(reinterpret_cast<void*>(fn));
  if (helperTraps(op)) {
    a.cmp(dword_ptr(r13, kCtxTrapKind), 0);
    a.jne(trap_common);
  }
  storeSlot(dst, rax);
}

void FunctionCompiler::Impl::floatBinary(Opcode op) {
  bool dbl = false;
  int kind = 0;  // 0 add 1 sub 2 mul 3 div
  switch (op) {
    case Opcode::F32Add: kind = 0; break;
    case Opcode::F32Sub: kind = 1; break;
    case Opcode::F32Mul: kind = 2; break;
    case Opcode::F32Div: kind = 3; break;
    case Opcode::F64Add: kind = 0; dbl = true; break;
    case Opcode::F64Sub: kind = 1; dbl = true; break;
    case Opcode::F64Mul: kind = 2; dbl = true; break;
    default: kind = 3; dbl = true; break;
  }
  uint32_t b = popSlot();
  uint32_t x = popSlot();
  uint32_t dst = pushTemp();
  if (dbl) {
    a.movsd(xmm0, slotMem(x));
    Mem mb = slotMem(b);
    switch (kind) {
      case 0: a.addsd(xmm0, mb); break;
      case 1: a.subsd(xmm0, mb); break;
      case 2: a.mulsd(xmm0, mb); break;
      default: a.divsd(xmm0, mb); break;
    }
    a.movsd(slotMem(dst), xmm0);
  } else {
    a.movss(xmm0, slotMem32(x));
    Mem mb = slotMem32(b);
    switch (kind) {
      case 0: a.addss(xmm0, mb); break;
      case 1: a.subss(xmm0, mb); break;
      case 2: a.mulss(xmm0, mb); break;
      default: a.divss(xmm0, mb); break;
    }
    a.movd(eax, xmm0);
    storeSlot(dst, rax);
  }
}

void FunctionCompiler::Impl::op(const ValidatorState& s, Opcode op, const Imm& imm) {
  if (failed) return;
  // A pending compare is only fused into br_if and if; anything else gets
  // its value.
  if (!stack.empty() && stack.back().kind == Entry::Cmp && op != Opcode::BrIf && op != Opcode::If)
    materialize(depth() - 1);
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
      Entry c;
      c.kind = Entry::Const;
      c.value = imm.bits;
      stack.push_back(c);
      if (depth() > max_depth) max_depth = depth();
      return;
    }
    if (info.imm == ImmKind::MemArg) {
      if (!memoryAccess(op, imm)) fail(std::string("memory op ") + info.name);
      return;
    }
    if (intBinary(op)) return;
    switch (op) {
      case Opcode::I32Eqz:
      case Opcode::I64Eqz: {
        uint32_t a_slot = popSlot();
        Entry c;
        c.kind = Entry::Cmp;
        c.cc = CondCode::kE;
        c.wide = op == Opcode::I64Eqz;
        c.a_slot = a_slot;
        c.b_const = true;
        c.value = 0;
        stack.push_back(c);
        if (depth() > max_depth) max_depth = depth();
        return;
      }
      case Opcode::F32Add: case Opcode::F32Sub: case Opcode::F32Mul: case Opcode::F32Div:
      case Opcode::F64Add: case Opcode::F64Sub: case Opcode::F64Mul: case Opcode::F64Div:
        floatBinary(op);
        return;
      case Opcode::F32Eq: case Opcode::F32Ne: case Opcode::F32Lt: case Opcode::F32Gt: case Opcode::F32Le:
      case Opcode::F32Ge: case Opcode::F64Eq: case Opcode::F64Ne: case Opcode::F64Lt: case Opcode::F64Gt:
      case Opcode::F64Le: case Opcode::F64Ge: {
        bool dbl = op >= Opcode::F64Eq;
        Opcode base = dbl ? Opcode(unsigned(op) - unsigned(Opcode::F64Eq)) : Opcode(unsigned(op) - unsigned(Opcode::F32Eq));
        // base: 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge. lt/le compare the other
        // way round so that an unordered result (NaN) gives false.
        unsigned k = unsigned(base);
        uint32_t b = popSlot();
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        uint32_t lhs = (k == 2 || k == 4) ? b : x, rhs = (k == 2 || k == 4) ? x : b;
        if (dbl) {
          a.movsd(xmm0, slotMem(lhs));
          a.ucomisd(xmm0, slotMem(rhs));
        } else {
          a.movss(xmm0, slotMem32(lhs));
          a.ucomiss(xmm0, slotMem32(rhs));
        }
        switch (k) {
          case 0:
            a.sete(al);
            a.setnp(cl);
            a.and_(al, cl);
            break;
          case 1:
            a.setne(al);
            a.setp(cl);
            a.or_(al, cl);
            break;
          case 2: case 3: a.seta(al); break;
          default: a.setae(al); break;
        }
        a.movzx(eax, al);
        storeSlot(dst, rax);
        return;
      }
      case Opcode::F32Sqrt: case Opcode::F64Sqrt: {
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        if (op == Opcode::F64Sqrt) {
          a.sqrtsd(xmm0, slotMem(x));
          a.movsd(slotMem(dst), xmm0);
        } else {
          a.sqrtss(xmm0, slotMem32(x));
          a.movd(eax, xmm0);
          storeSlot(dst, rax);
        }
        return;
      }
      case Opcode::F32Neg: case Opcode::F32Abs: case Opcode::F64Neg: case Opcode::F64Abs: {
        // Sign-bit operations on the bits: no canonicalization.
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        a.mov(rax, slotMem(x));
        switch (op) {
          case Opcode::F32Neg: a.xor_(eax, 0x80000000u); break;
          case Opcode::F32Abs: a.and_(eax, 0x7fffffff); break;
          case Opcode::F64Neg: a.btc(rax, 63); break;
          default: a.btr(rax, 63); break;
        }
        storeSlot(dst, rax);
        return;
      }
      case Opcode::F32ConvertI32S: case Opcode::F64ConvertI32S: case Opcode::F32ConvertI64S:
      case Opcode::F64ConvertI64S: case Opcode::F32ConvertI32U: case Opcode::F64ConvertI32U:
      case Opcode::F64PromoteF32: case Opcode::F32DemoteF64: {
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        a.xorps(xmm0, xmm0);
        switch (op) {
          case Opcode::F32ConvertI32S: a.cvtsi2ss(xmm0, slotMem32(x)); break;
          case Opcode::F64ConvertI32S: a.cvtsi2sd(xmm0, slotMem32(x)); break;
          case Opcode::F32ConvertI64S: a.cvtsi2ss(xmm0, slotMem(x)); break;
          case Opcode::F64ConvertI64S: a.cvtsi2sd(xmm0, slotMem(x)); break;
          case Opcode::F32ConvertI32U:
            a.mov(eax, slotMem32(x));  // zero-extended: exact as a signed 64-bit value
            a.cvtsi2ss(xmm0, rax);
            break;
          case Opcode::F64ConvertI32U:
            a.mov(eax, slotMem32(x));
            a.cvtsi2sd(xmm0, rax);
            break;
          case Opcode::F64PromoteF32: a.cvtss2sd(xmm0, slotMem32(x)); break;
          default: a.cvtsd2ss(xmm0, slotMem(x)); break;
        }
        bool to_f64 = op == Opcode::F64ConvertI32S || op == Opcode::F64ConvertI64S ||
                      op == Opcode::F64ConvertI32U || op == Opcode::F64PromoteF32;
        if (to_f64) {
          a.movsd(slotMem(dst), xmm0);
        } else {
          a.movd(eax, xmm0);
          storeSlot(dst, rax);
        }
        return;
      }
      case Opcode::I32WrapI64: {
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        a.mov(eax, slotMem32(x));
        storeSlot(dst, rax);
        return;
      }
      case Opcode::I64ExtendI32S: {
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        a.movsxd(rax, slotMem32(x));
        storeSlot(dst, rax);
        return;
      }
      case Opcode::I64ExtendI32U:
      case Opcode::I32ReinterpretF32:
      case Opcode::F32ReinterpretI32:
      case Opcode::I64ReinterpretF64:
      case Opcode::F64ReinterpretI64: {
        // Same bits: the slot already holds them.
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        if (x != dst) {
          a.mov(rax, slotMem(x));
          storeSlot(dst, rax);
        }
        return;
      }
      case Opcode::I32DivS: case Opcode::I32DivU: case Opcode::I32RemS: case Opcode::I32RemU:
      case Opcode::I64DivS: case Opcode::I64DivU: case Opcode::I64RemS: case Opcode::I64RemU: {
        bool wide = op >= Opcode::I64DivS && op <= Opcode::I64RemU;
        bool sign = op == Opcode::I32DivS || op == Opcode::I32RemS || op == Opcode::I64DivS || op == Opcode::I64RemS;
        bool rem = op == Opcode::I32RemS || op == Opcode::I32RemU || op == Opcode::I64RemS || op == Opcode::I64RemU;
        uint32_t b = popSlot();
        uint32_t x = popSlot();
        uint32_t dst = pushTemp();
        Gp ra = wide ? Gp(rax) : Gp(eax);
        Gp rc = wide ? Gp(rcx) : Gp(ecx);
        Gp rd = wide ? Gp(rdx) : Gp(edx);
        a.mov(rc, wide ? slotMem(b) : slotMem32(b));
        a.mov(ra, wide ? slotMem(x) : slotMem32(x));
        a.test(rc, rc);
        a.jz(trapLabel(TrapKind::IntDivByZero));
        Label done = a.newLabel();
        if (sign) {
          Label normal = a.newLabel();
          a.cmp(rc, -1);
          a.jne(normal);
          if (rem) {
            a.xor_(eax, eax);
            a.jmp(done);
          } else {
            // INT_MIN / -1 overflows.
            if (wide) {
              a.mov(rdx, uint64_t(1) << 63);
              a.cmp(rax, rdx);
            } else {
              a.cmp(eax, 0x80000000u);
            }
            a.je(trapLabel(TrapKind::IntOverflow));
          }
          a.bind(normal);
          if (wide) a.cqo();
          else a.cdq();
          a.idiv(rc);
        } else {
          a.xor_(edx, edx);
          a.div(rc);
        }
        if (rem) a.mov(ra, rd);
        a.bind(done);
        storeSlot(dst, rax);
        return;
      }
      default: break;
    }
    // Everything else simple: its helper.
    const char* colon = info.sig;
    while (*colon != ':') ++colon;
    helperOp(op, unsigned(colon - info.sig));
    return;
  }

  switch (op) {
    case Opcode::Unreachable:
      a.jmp(trapLabel(TrapKind::Unreachable));
      return;
    case Opcode::Nop: return;
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If: {
      const CtrlFrame& cf = s.frames.back();
      uint32_t np = s.paramCount(cf), nr = s.resultCount(cf);
      for (uint32_t i = 0; i < np; ++i)
        if (s.param(cf, i) == ValType::V128) fail("v128 block");
      for (uint32_t i = 0; i < nr; ++i)
        if (s.result(cf, i) == ValType::V128) fail("v128 block");
      Entry cond;
      if (op == Opcode::If) cond = pop();
      materializeLocals();
      for (uint32_t i = depth() - np; i < depth(); ++i) materialize(i);
      JFrame f{cf.kind, depth() - np, np, nr, a.newLabel()};
      if (op == Opcode::Loop) {
        a.bind(f.label);
        frames.push_back(f);
        interruptCheck();
        return;
      }
      if (op == Opcode::If) {
        f.else_label = a.newLabel();
        f.has_else_label = true;
        stack.push_back(cond);
        condJump(false, f.else_label);
        // The then-branch works on copies of the params.
        uint32_t first = depth() - np;
        for (uint32_t i = 0; i < np; ++i) {
          uint32_t dst = pushTemp();
          a.mov(rax, slotMem(slotOfDepth(first + i)));
          storeSlot(dst, rax);
        }
      }
      frames.push_back(f);
      return;
    }
    case Opcode::Else: {
      JFrame& f = frames.back();
      if (s.endReachable()) {
        moveTopTo(f.result_base, f.nresults);
        a.jmp(f.label);
      }
      a.bind(f.else_label);
      f.has_else_label = false;
      f.kind = CtrlKind::Else;
      resetTo(f.result_base);
      pushTemps(f.nparams);
      return;
    }
    case Opcode::End: {
      JFrame& f = frames.back();
      if (f.kind == CtrlKind::Func) {
        if (s.endReachable()) emitReturn();
        frames.pop_back();
        return;
      }
      if (s.endReachable()) moveTopTo(f.result_base, f.nresults);
      if (f.has_else_label) a.bind(f.else_label);
      if (f.kind != CtrlKind::Loop) a.bind(f.label);
      uint32_t base = f.result_base, nr = f.nresults;
      frames.pop_back();
      resetTo(base);
      pushTemps(nr);
      return;
    }
    case Opcode::Br:
      emitBranch(imm.a);
      return;
    case Opcode::BrIf: {
      Entry cond = pop();
      JFrame& f = frameAt(imm.a);
      bool in_place = f.kind != CtrlKind::Func && topInPlace(f.result_base, labelArity(f));
      stack.push_back(cond);
      if (in_place) {
        condJump(true, f.label);
      } else {
        Label skip = a.newLabel();
        condJump(false, skip);
        emitBranch(imm.a);
        a.bind(skip);
      }
      return;
    }
    case Opcode::BrTable: {
      const std::vector<uint32_t>& t = *imm.targets;
      uint32_t n = uint32_t(t.size());
      Entry idx = stack.back();
      if (idx.kind == Entry::Const) {
        stack.pop_back();
        uint32_t i = uint32_t(idx.value);
        emitBranch(i < n ? t[i] : imm.a);
        return;
      }
      uint32_t idx_slot = popSlot();
      std::vector<Label> stubs(n + 1);
      for (auto& l : stubs) l = a.newLabel();
      Label table = a.newLabel();
      a.mov(eax, slotMem32(idx_slot));
      a.cmp(eax, n);
      a.jae(stubs[n]);
      a.lea(rcx, ptr(table));
      a.movsxd(rax, dword_ptr(rcx, rax, 2));
      a.add(rax, rcx);
      a.jmp(rax);
      a.align(AlignMode::kData, 4);
      a.bind(table);
      for (uint32_t i = 0; i < n; ++i) a.embedLabelDelta(stubs[i], table, 4);
      for (uint32_t i = 0; i <= n; ++i) {
        a.bind(stubs[i]);
        emitBranch(i < n ? t[i] : imm.a);
      }
      return;
    }
    case Opcode::Return:
      emitReturn();
      return;
    case Opcode::Call: {
      const FuncType& ft = m.funcType(imm.a);
      for (ValType v : ft.params)
        if (v == ValType::V128) fail("v128 call");
      for (ValType v : ft.results)
        if (v == ValType::V128) fail("v128 call");
      uint32_t np = uint32_t(ft.params.size());
      uint32_t first = depth() - np;
      materializeLocals();
      for (uint32_t i = first; i < depth(); ++i) materialize(i);
      a.lea(rdi, slotMem(slotOfDepth(first)));
      a.mov(rax, ptr(r13, kCtxFuncTable));
      a.call(ptr(rax, int32_t(imm.a * 8)));
      resetTo(first);
      pushTemps(uint32_t(ft.results.size()));
      return;
    }
    case Opcode::CallIndirect: {
      const FuncType& ft = m.types[imm.a];
      for (ValType v : ft.params)
        if (v == ValType::V128) fail("v128 call");
      for (ValType v : ft.results)
        if (v == ValType::V128) fail("v128 call");
      uint32_t elem = popSlot();
      uint32_t np = uint32_t(ft.params.size());
      uint32_t first = depth() - np;
      materializeLocals();
      for (uint32_t i = first; i < depth(); ++i) materialize(i);
      a.mov(rdi, r13);
      a.mov(esi, imm.a);
      a.mov(edx, imm.b);
      a.mov(ecx, slotMem32(elem));
      a.lea(r8, slotMem(slotOfDepth(first)));
      callHelper(reinterpret_cast<void*>(&jitCallIndirect));
      a.test(rax, rax);
      a.jz(trap_common);
      a.lea(rdi, slotMem(slotOfDepth(first)));
      a.call(rax);
      resetTo(first);
      pushTemps(uint32_t(ft.results.size()));
      return;
    }
    case Opcode::Drop:
      if (imm.type == ValType::V128) fail("v128");
      pop();
      return;
    case Opcode::Select:
    case Opcode::SelectT: {
      if (imm.type == ValType::V128) {
        fail("v128");
        return;
      }
      uint32_t c = popSlot();
      uint32_t b = popSlot();
      uint32_t x = popSlot();
      uint32_t dst = pushTemp();
      a.mov(rax, slotMem(x));
      a.mov(rcx, slotMem(b));
      a.cmp(slotMem32(c), 0);
      a.cmove(rax, rcx);
      storeSlot(dst, rax);
      return;
    }
    case Opcode::LocalGet: {
      Entry e;
      e.kind = Entry::Local;
      e.local = imm.a;
      stack.push_back(e);
      if (depth() > max_depth) max_depth = depth();
      return;
    }
    case Opcode::LocalSet:
    case Opcode::LocalTee: {
      uint32_t x = imm.a;
      uint32_t d = depth() - 1;
      Entry top = stack.back();
      if (!(top.kind == Entry::Local && top.local == x)) {
        materializeLocal(x);
        emitMove(x, stack.back(), d);
      }
      stack.pop_back();
      if (op == Opcode::LocalTee) {
        Entry e;
        if (top.kind == Entry::Const) {
          e = top;
        } else {
          e.kind = Entry::Local;
          e.local = x;
        }
        stack.push_back(e);
      }
      return;
    }
    case Opcode::GlobalGet: {
      if (imm.type == ValType::V128) {
        fail("v128");
        return;
      }
      uint32_t dst = pushTemp();
      a.mov(rax, ptr(r13, kCtxGlobals));
      a.mov(rax, ptr(rax, int32_t(imm.a * 8)));
      a.mov(rax, ptr(rax, int32_t(offsetof(Global, bits_))));
      storeSlot(dst, rax);
      return;
    }
    case Opcode::GlobalSet: {
      if (imm.type == ValType::V128) {
        fail("v128");
        return;
      }
      uint32_t src = popSlot();
      a.mov(rax, ptr(r13, kCtxGlobals));
      a.mov(rax, ptr(rax, int32_t(imm.a * 8)));
      a.mov(rcx, slotMem(src));
      a.mov(ptr(rax, int32_t(offsetof(Global, bits_))), rcx);
      return;
    }
    case Opcode::MemorySize: {
      uint32_t dst = pushTemp();
      a.mov(rax, ptr(r13, kCtxMemSize));
      a.mov(rax, ptr(rax));
      a.shr(rax, 16);
      storeSlot(dst, rax);
      return;
    }
    case Opcode::MemoryGrow: {
      uint32_t src = popSlot();
      uint32_t dst = pushTemp();
      a.mov(rdi, r13);
      a.mov(esi, slotMem32(src));
      callHelper(reinterpret_cast<void*>(&jitMemoryGrow));
      a.mov(eax, eax);
      storeSlot(dst, rax);
      return;
    }
    case Opcode::RefNull: {
      Entry c;
      c.kind = Entry::Const;
      c.value = 0;
      stack.push_back(c);
      if (depth() > max_depth) max_depth = depth();
      return;
    }
    case Opcode::RefIsNull: {
      uint32_t x = popSlot();
      Entry c;
      c.kind = Entry::Cmp;
      c.cc = CondCode::kE;
      c.wide = true;
      c.a_slot = x;
      c.b_const = true;
      c.value = 0;
      stack.push_back(c);
      if (depth() > max_depth) max_depth = depth();
      return;
    }
    case Opcode::RefFunc: case Opcode::TableGet: case Opcode::TableSet: case Opcode::TableSize:
    case Opcode::TableGrow: case Opcode::TableFill: case Opcode::TableCopy: case Opcode::TableInit:
    case Opcode::ElemDrop: case Opcode::MemoryInit: case Opcode::DataDrop: case Opcode::MemoryCopy:
    case Opcode::MemoryFill: {
      // Through the shared C++ implementation: operands in their slots.
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
      for (uint32_t i = first; i < depth(); ++i) materialize(i);
      a.mov(rdi, r13);
      a.mov(esi, uint32_t(op));
      a.mov(edx, imm.a);
      a.mov(ecx, imm.b);
      a.lea(r8, slotMem(slotOfDepth(first)));
      callHelper(reinterpret_cast<void*>(&jitMisc));
      if (traps) {
        a.cmp(dword_ptr(r13, kCtxTrapKind), 0);
        a.jne(trap_common);
      }
      resetTo(first);
      if (nout) storeSlot(pushTemp(), rax);
      return;
    }
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
