// x86-64 encodings of the Masm operations (see masm_x64.h, jit/masm.h).
#include "jit/x64/masm_x64.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "jit/entry.h"
#include "jit/jit.h"
#include "jit/scratch.h"
#include "platform/host_cpu.h"

namespace tern::jit {

using namespace asmjit;
using namespace asmjit::x86;
using AImm = asmjit::Imm;

namespace {

const Gp kS0 = r11, kS1 = r10;

bool fitsI32(uint64_t v) { return int64_t(v) == int64_t(int32_t(uint32_t(v))); }
Gp gp(Reg r, bool wide) { return wide ? Gp(gpq(r.id)) : Gp(gpd(r.id)); }
Gp gp64(Reg r) { return gpq(r.id); }
Xmm fp(Reg r) { return xmm(r.id); }

static_assert(uint8_t(CondCode::kE) == 4 && uint8_t(CondCode::kNE) == 5 && uint8_t(CondCode::kL) == 12 &&
              uint8_t(CondCode::kGE) == 13 && uint8_t(CondCode::kB) == 2 && uint8_t(CondCode::kAE) == 3 &&
              uint8_t(CondCode::kG) == 15 && uint8_t(CondCode::kLE) == 14 && uint8_t(CondCode::kA) == 7 &&
              uint8_t(CondCode::kBE) == 6);
CondCode cc(Cond c) { return CondCode(Masm::x86Cond(c)); }

// Moves the Assembler past bytes written straight into its buffer up to
// `end` (as directEnd in encode_x64.cc does).
void advanceTo(x86::Assembler& a, uint8_t* end) {
  a._bufferPtr = end;
  CodeBuffer& buf = a._section->_buffer;
  buf._size = std::max(buf._size, size_t(end - a._bufferData));
}

}  // namespace

struct Masm::Scratch {
  std::vector<int64_t> own_offsets;
  std::vector<Label> own_twins;
  std::vector<Fixup> fixups;
  std::vector<PoolEntry> pool;
  std::vector<std::pair<uint32_t, uint32_t>> calls;
};

Masm::Scratch& Masm::scratch() {
  thread_local Scratch s;
  return s;
}

// The thread's CodeHolder is rewound between functions (its buffer
// emptied), which keeps its buffer and zone: asmjit's own labels of earlier
// functions stay in it, unused (no code refers to them), until there are
// kMaxLabels; then, or when a function left anything else behind
// (relocations, sections, unresolved links, a logger), it is reset and
// initialized again.
struct Masm::Holder {
  static constexpr uint32_t kMaxLabels = 4096;
  CodeHolder code;
  bool in_use = false;
  bool owned = false;  // a Masm's own: destroyed with it
  Holder() { code.init(Environment::host()); }
  // Ready for the next function: empty, with no logger (the Assembler of
  // the Masm that used it detaches itself as it goes).
  void rewind() {
    if (code.sectionCount() == 1 && !code.hasUnresolvedLinks() && code.relocEntries().empty() &&
        code.labelCount() < kMaxLabels && !code.logger()) {
      code.textSection()->buffer()._size = 0;
      return;
    }
    code.reset();
    code.init(Environment::host());
  }
};

Masm::Holder* Masm::takeHolder() {
  thread_local std::unique_ptr<Holder> t;
  if (!t) t = std::make_unique<Holder>();
  Holder* h = t.get();
  if (h->in_use) {  // another Masm on this thread has it (tests do that)
    h = new Holder;
    h->owned = true;
  }
  h->in_use = true;
  return h;
}

Masm::~Masm() {
  Scratch& t = scratch();
  leaveForNext(own_offsets_, t.own_offsets);
  leaveForNext(own_twins_, t.own_twins);
  leaveForNext(fixups_, t.fixups);
  leaveForNext(pool_, t.pool);
  leaveForNext(calls_, t.calls);
  if (holder_->owned) {
    delete holder_;  // (detaches a_)
    return;
  }
  if (logging_) code_.setLogger(nullptr);
  holder_->rewind();
  holder_->in_use = false;
}

Masm::Masm(uint32_t func_index) : holder_(takeHolder()), code_(holder_->code) {
  Scratch& t = scratch();
  own_offsets_ = std::move(t.own_offsets);
  own_twins_ = std::move(t.own_twins);
  fixups_ = std::move(t.fixups);
  pool_ = std::move(t.pool);
  calls_ = std::move(t.calls);
  // TERN_JIT_ASM=1 prints every compiled function's assembly to stderr.
  static const bool log_asm = std::getenv("TERN_JIT_ASM") != nullptr;
  if (log_asm) {
    logging_ = true;
    setDirectEncoding(false);  // every instruction through asmjit, which logs it
    logger_.setFile(stderr);
    code_.setLogger(&logger_);
    std::fprintf(stderr, "; function %u\n", func_index);
  }
  code_.attach(&a_);
  // Not asmjit's CpuInfo::host(): its cpuid calls are costly in a VM.
  const platform::X86Features& cpu = platform::hostX86Features();
  sse41_ = cpu.sse41;
  lzcnt_ = cpu.lzcnt;
  bmi_ = cpu.bmi;
  popcnt_ = cpu.popcnt;
  sse42_ = cpu.sse42;
  // TERN_JIT_NO_AVX=1 keeps to the SSE encodings (to test both on one host).
  static const bool no_avx = std::getenv("TERN_JIT_NO_AVX") != nullptr;
  avx_ = !no_avx && cpu.avx;
}

Mem Masm::slot(uint32_t s) const { return qword_ptr(rbx, int32_t(s * kSlotBytes)); }
Mem Masm::slot32(uint32_t s) const { return dword_ptr(rbx, int32_t(s * kSlotBytes)); }

Operand Masm::gpOperand(const Opnd& o, bool wide, bool allow_imm) {
  switch (o.kind) {
    case Opnd::R:
      if (!o.reg.isGp()) {
        a_.movq(kS0, fp(o.reg));
        return wide ? Operand(kS0) : Operand(kS0.r32());
      }
      return gp(o.reg, wide);
    case Opnd::Slot: return wide ? slot(o.slot) : slot32(o.slot);
    default:
      if (allow_imm && (!wide || fitsI32(o.imm))) return wide ? AImm(int64_t(o.imm)) : AImm(int32_t(uint32_t(o.imm)));
      a_.mov(kS0, o.imm);
      return wide ? Operand(kS0) : Operand(kS0.r32());
  }
}

Operand Masm::fpOperand(const Opnd& o, bool dbl) {
  switch (o.kind) {
    case Opnd::R:
      if (o.reg.isGp()) {
        a_.movq(xmm15, gp64(o.reg));
        return xmm15;
      }
      return fp(o.reg);
    case Opnd::Slot: return dbl ? slot(o.slot) : slot32(o.slot);
    default:
      a_.mov(kS0, o.imm);
      a_.movq(xmm15, kS0);
      return xmm15;
  }
}

// (branch: in encode_x64.cc.)

// The prologue's fixed part, as prologue() below encodes it (its three
// branches' rel32s zero, and the frame's size 0x7fffff00 until finish()).
static_assert(kCtxStackEnd < 128 && kCtxNativeLimit < 128);
constexpr uint8_t kPrologue[] = {
    0x53,              // push rbx
    0x48, 0x89, 0xfb,  // mov rbx, rdi
    0x4c, 0x8d, 0x9b, 0x00,
    0xff, 0xff, 0x7f,                         // lea r11, [rbx + frame]
    0x4d, 0x3b, 0x5d, uint8_t(kCtxStackEnd),  // cmp r11, [r13 + stack_end]
    0x0f, 0x87, 0,    0,
    0,    0,                                     // ja stack_overflow
    0x49, 0x3b, 0x65, uint8_t(kCtxNativeLimit),  // cmp rsp, [r13 + native_limit]
    0x0f, 0x82, 0,    0,
    0,    0,                 // jb stack_overflow
    0x41, 0x83, 0xee, 0x01,  // sub r14d, 1
    0x0f, 0x82, 0,    0,
    0,    0,  // jb stack_overflow
};
constexpr uint32_t kPrologueFrame = 7, kPrologueJumps[] = {17, 27, 37};
constexpr uint32_t kPrologueInstructions = 9;

void Masm::prologue(uint32_t nparams, uint32_t nlocals, Label stack_overflow) {
  // Every function has this: its bytes are copied, and the locals (when
  // few) zeroed by mov qword [rbx + disp], 0 written here, where the
  // direct path is on and the buffer has room; otherwise, the same
  // instructions one by one.
  uint32_t zeroed = nlocals > nparams && nlocals - nparams <= 16 ? nlocals - nparams : 0;
  uint8_t* p = a_._bufferPtr;
  if (direct_ && isOwn(stack_overflow) && !labelBound(stack_overflow) && nlocals <= 0x7fffffff / kSlotBytes &&
      size_t(a_._bufferEnd - p) >= sizeof kPrologue + 11 * zeroed + kDirectMaxBytes) {
    uint32_t at = uint32_t(p - a_._bufferData);
    std::memcpy(p, kPrologue, sizeof kPrologue);
    frame_patch_ = at + kPrologueFrame;
    for (uint32_t j : kPrologueJumps) {
      const int32_t link = linkOwn(stack_overflow.id() & ~kOwnLabel, at + j);
      std::memcpy(p + j, &link, 4);
    }
    p += sizeof kPrologue;
    for (uint32_t i = nparams; i < nparams + zeroed; ++i) {
      int32_t disp = int32_t(i * kSlotBytes);
      *p++ = 0x48;  // REX.W; mov r/m64, imm32: C7 /0
      *p++ = 0xc7;
      if (disp == 0) {
        *p++ = 0x03;
      } else if (disp == int8_t(disp)) {
        *p++ = 0x43;
        *p++ = uint8_t(disp);
      } else {
        *p++ = 0x83;
        std::memcpy(p, &disp, 4);
        p += 4;
      }
      std::memset(p, 0, 4);
      p += 4;
    }
    advanceTo(a_, p);
    direct_count_ += kPrologueInstructions + zeroed;
  } else {
    if (!directBytes({0x53})) a_.push(rbx);
    if (!directRegReg(0x89, true, gpReg(rbx.id()), gpReg(rdi.id()))) a_.mov(rbx, rdi);
    // disp32 always (it is patched by finish()).
    if (!directBaseDisp(0x8d, true, int(kS0.id()), int(rbx.id()), 0x7fffff00)) a_.lea(kS0, ptr(rbx, 0x7fffff00));
    frame_patch_ = a_.offset() - 4;
    if (!directBaseDisp(0x3b, true, int(kS0.id()), int(r13.id()), kCtxStackEnd)) a_.cmp(kS0, ptr(r13, kCtxStackEnd));
    branch(Cond::GtU, stack_overflow);
    if (!directBaseDisp(0x3b, true, int(rsp.id()), int(r13.id()), kCtxNativeLimit))
      a_.cmp(rsp, ptr(r13, kCtxNativeLimit));
    branch(Cond::LtU, stack_overflow);
    if (!directAlu(0x29, false, gpReg(r14.id()), Opnd::i(1))) a_.sub(r14d, 1);
    branch(Cond::LtU, stack_overflow);
    for (uint32_t i = nparams; i < nparams + zeroed; ++i) storeSlotImm(i, 0);
  }
  if (nlocals > nparams && !zeroed) {
    a_.xor_(eax, eax);
    a_.lea(rdi, slot(nparams));
    a_.mov(ecx, nlocals - nparams);
    a_.rep().stosq();
  }
}

void Masm::ret() {
  if (!directAlu(0x01, false, gpReg(r14.id()), Opnd::i(1))) a_.add(r14d, 1);
  if (!directBytes({0x5b, 0xc3})) {
    a_.pop(rbx);
    a_.ret();
  }
}

// mov dword [r13 + disp8], imm32: REX.B, C7 /0, ModRM [r13 + disp8].
static_assert(kCtxTrapKind < 128 && kCtxTrapFunc < 128 && kCtxTrapSp < 128 && kCtxUnwind < 128);
bool Masm::directCtxImm32(int disp8, uint32_t imm) {
  return directBytes(
      {0x41, 0xc7, 0x45, uint8_t(disp8), uint8_t(imm), uint8_t(imm >> 8), uint8_t(imm >> 16), uint8_t(imm >> 24)});
}

void Masm::trapStub(Label l, TrapCode code, Label common) {
  // Usually (own labels, l with no asmjit twin, the common exit another
  // label, not bound yet): l bound here, the trap kind stored and jmp
  // rel32 to the common exit, its rel32 linked to it, as bind(),
  // directCtxImm32() and directJump() would do.
  uint8_t* p = a_._bufferPtr;
  const uint32_t i = l.id() & ~kOwnLabel;
  if (direct_ && isOwn(l) && isOwn(common) && common.id() != l.id() && !labelBound(common) &&
      (i >= own_twins_.size() || !own_twins_[i].isValid()) && size_t(a_._bufferEnd - p) >= 13 + kDirectMaxBytes) {
    const uint32_t at = uint32_t(p - a_._bufferData), kind = uint32_t(code);
    bindOwn(i, at);
    const uint8_t bytes[13] = {0x41, 0xc7, 0x45, uint8_t(kCtxTrapKind), 0, 0, 0, 0, 0xe9, 0, 0, 0, 0};
    std::memcpy(p, bytes, sizeof bytes);
    std::memcpy(p + 4, &kind, 4);
    const int32_t link = linkOwn(common.id() & ~kOwnLabel, at + 9);
    std::memcpy(p + 9, &link, 4);
    advanceTo(a_, p + sizeof bytes);
    direct_count_ += 2;
    return;
  }
  bind(l);
  if (!directCtxImm32(kCtxTrapKind, uint32_t(code))) a_.mov(dword_ptr(r13, kCtxTrapKind), uint32_t(code));
  jump(common);
}

void Masm::trapSite(Label l, Label stub) {
  // Usually (own labels, l with no asmjit twin, the stub another label,
  // not bound yet): l bound here and call rel32 to the stub, its rel32
  // linked to it, as bind() and directJump() would do.
  uint8_t* p = a_._bufferPtr;
  const uint32_t i = l.id() & ~kOwnLabel;
  if (direct_ && isOwn(l) && isOwn(stub) && stub.id() != l.id() && !labelBound(stub) &&
      (i >= own_twins_.size() || !own_twins_[i].isValid()) && size_t(a_._bufferEnd - p) >= 5 + kDirectMaxBytes) {
    const uint32_t at = uint32_t(p - a_._bufferData);
    bindOwn(i, at);
    p[0] = 0xe8;
    const int32_t link = linkOwn(stub.id() & ~kOwnLabel, at + 1);
    std::memcpy(p + 1, &link, 4);
    advanceTo(a_, p + 5);
    ++direct_count_;
    return;
  }
  bind(l);
  if (!directJump(-2, stub)) a_.call(asmLabel(stub));
}

void Masm::trapCommon(Label l, uint32_t func_index) {
  bind(l);
  // Every function has this, all three instructions at once when they can
  // be written directly (the same bytes as one by one below).
  static_assert(kCtxTrapSp > 0 && kCtxUnwind > 0);
  uint8_t* p = a_._bufferPtr;
  if (direct_ && size_t(a_._bufferEnd - p) >= 16 + kDirectMaxBytes) {
    const uint8_t bytes[16] = {
        0x41, 0xc7, 0x45, uint8_t(kCtxTrapFunc), 0, 0, 0, 0,  // mov dword [r13 + trap_func], func_index
        0x49, 0x89, 0x65, uint8_t(kCtxTrapSp),                // mov [r13 + trap_sp], rsp
        0x41, 0xff, 0x65, uint8_t(kCtxUnwind),                // jmp [r13 + unwind]
    };
    std::memcpy(p, bytes, sizeof bytes);
    std::memcpy(p + 4, &func_index, 4);
    advanceTo(a_, p + sizeof bytes);
    direct_count_ += 3;
    return;
  }
  if (!directCtxImm32(kCtxTrapFunc, func_index)) a_.mov(dword_ptr(r13, kCtxTrapFunc), func_index);
  if (!directBaseDisp(0x89, true, int(rsp.id()), int(r13.id()), kCtxTrapSp)) a_.mov(ptr(r13, kCtxTrapSp), rsp);
  if (!directBaseDisp(0xff, false, 4, int(r13.id()), kCtxUnwind)) a_.jmp(ptr(r13, kCtxUnwind));  // FF /4
}

bool Masm::finish(uint32_t frame_bytes, std::span<const uint8_t>* out) {
  emitPool();
  if (!patchFixups()) return false;
  CodeBuffer& buf = code_.textSection()->buffer();
  // The usual case, one section with every label link resolved at its bind
  // and nothing to relocate: the bytes are final where they are.
  if (code_.sectionCount() == 1 && !code_.hasUnresolvedLinks() && code_.relocEntries().empty()) {
    std::memcpy(buf.data() + frame_patch_, &frame_bytes, 4);
    *out = std::span<const uint8_t>(buf.data(), buf.size());
    return true;
  }
  if (code_.flatten() != kErrorOk || code_.resolveUnresolvedLinks() != kErrorOk) return false;
  std::memcpy(buf.data() + frame_patch_, &frame_bytes, 4);
  flat_.resize(code_.codeSize());
  if (code_.relocateToBase(0) != kErrorOk ||
      code_.copyFlattenedData(flat_.data(), flat_.size(), CopySectionFlags::kPadSectionBuffer) != kErrorOk)
    return false;
  *out = flat_;
  return true;
}

bool Masm::finish(uint32_t frame_bytes, std::vector<uint8_t>& out) {
  std::span<const uint8_t> code;
  if (!finish(frame_bytes, &code)) return false;
  out.assign(code.begin(), code.end());
  return true;
}

// ---- moves ----
// (move, loadImm, loadSlot, storeSlot, storeSlotImm and copySlot: in
// encode_x64.cc.)

void Masm::loadOpnd(Reg dst, const Opnd& o) {
  switch (o.kind) {
    case Opnd::R: move(dst, o.reg); return;
    case Opnd::Slot: loadSlot(dst, o.slot); return;
    default: loadImm(dst, o.imm); return;
  }
}

// ---- integers ----
// intOp when its direct form (encode_x64.cc) does not apply.
void Masm::intOpAsm(IntOp op, bool wide, Reg dst, const Opnd& lhs_in, const Opnd& rhs_in) {
  // Two-address: dst takes lhs first. An rhs already in dst swaps with lhs
  // when the operation allows, else it is kept in r10 meanwhile.
  const Opnd* l = &lhs_in;
  const Opnd* r = &rhs_in;
  Opnd saved;
  if (!l->isReg(dst) && r->isReg(dst)) {
    if (isCommutative(op)) {
      std::swap(l, r);
    } else {
      a_.mov(kS1, gp64(dst));
      saved = Opnd::r(gpReg(kS1.id()));
      r = &saved;
    }
  }
  if (!l->isReg(dst)) loadOpnd(dst, *l);
  const Opnd& rhs = *r;
  Gp d = gp(dst, wide);
  switch (op) {
    case IntOp::Shl:
    case IntOp::ShrS:
    case IntOp::ShrU:
    case IntOp::Rotl:
    case IntOp::Rotr: {
      InstId id = op == IntOp::Shl    ? Inst::kIdShl
                  : op == IntOp::ShrS ? Inst::kIdSar
                  : op == IntOp::ShrU ? Inst::kIdShr
                  : op == IntOp::Rotl ? Inst::kIdRol
                                      : Inst::kIdRor;
      const int digit = op == IntOp::Shl    ? 4
                        : op == IntOp::ShrS ? 7
                        : op == IntOp::ShrU ? 5
                        : op == IntOp::Rotl ? 0
                                            : 1;
      if (rhs.kind == Opnd::Imm) {
        const uint8_t count = uint8_t(uint32_t(rhs.imm) & (wide ? 63 : 31));
        if (!directShiftImm(digit, wide, dst, count)) a_.emit(id, d, AImm(int(count)));
        return;
      }
      // The count goes in cl (intOpClobbers: the compiler keeps rcx free).
      loadOpnd(gpReg(1), rhs);
      if (!directShiftCl(digit, wide, dst)) a_.emit(id, d, cl);
      return;
    }
    case IntOp::Mul: {
      if (directImul(wide, dst, rhs)) return;
      Operand r = gpOperand(rhs, wide, true);
      if (r.isImm()) a_.imul(d, d, r.as<AImm>());
      else a_.emit(Inst::kIdImul, d, r);
      return;
    }
    default: {
      if (directAlu(aluOpcodeMR(op), wide, dst, rhs)) return;
      InstId id = op == IntOp::Add   ? Inst::kIdAdd
                  : op == IntOp::Sub ? Inst::kIdSub
                  : op == IntOp::And ? Inst::kIdAnd
                  : op == IntOp::Or  ? Inst::kIdOr
                                     : Inst::kIdXor;
      a_.emit(id, d, gpOperand(rhs, wide, true));
      return;
    }
  }
}

bool Masm::intUnop(IntUnop op, bool wide, Reg dst, Reg src) {
  Gp d = gp(dst, wide), g = gp(src, wide);
  switch (op) {
    case IntUnop::Clz:
      if (!lzcnt_) return false;
      a_.lzcnt(d, g);
      break;
    case IntUnop::Ctz:
      if (!bmi_) return false;
      a_.tzcnt(d, g);
      break;
    case IntUnop::Popcnt:
      if (!popcnt_) return false;
      a_.popcnt(d, g);
      break;
    case IntUnop::Ext8S: a_.movsx(d, gpb(src.id)); break;
    case IntUnop::Ext16S: a_.movsx(d, gpw(src.id)); break;
    case IntUnop::Ext32S: a_.movsxd(gpq(dst.id), gpd(src.id)); break;
    case IntUnop::Wrap: a_.mov(gpd(dst.id), gpd(src.id)); break;
  }
  return true;
}

void Masm::divRem(DivOp op, bool wide, Reg dst, Opnd lhs, Reg rhs, bool check_zero, bool check_overflow, Label div0,
                  Label overflow) {
  bool sign = op == DivOp::DivS || op == DivOp::RemS, rem = op == DivOp::RemS || op == DivOp::RemU;
  if (rhs == gpReg(0) || rhs == gpReg(2)) {
    a_.mov(kS1, gp64(rhs));  // out of rdx:rax
    rhs = gpReg(kS1.id());
  }
  Gp rc = gp(rhs, wide);
  if (check_zero) {
    a_.test(rc, rc);
    a_.jz(asmLabel(div0));
  }
  loadOpnd(gpReg(0), lhs);
  Label done = a_.newLabel();
  if (sign) {
    if (check_overflow) {
      Label normal = a_.newLabel();
      a_.cmp(rc, -1);
      a_.jne(normal);
      if (rem) {
        a_.xor_(edx, edx);  // x rem -1 is 0 (and INT_MIN rem -1 must not fault)
        a_.jmp(done);
      } else {
        // INT_MIN / -1 overflows.
        if (wide) {
          a_.mov(kS0, uint64_t(1) << 63);
          a_.cmp(rax, kS0);
        } else {
          a_.cmp(eax, 0x80000000u);
        }
        a_.je(asmLabel(overflow));
      }
      a_.bind(normal);
    }
    if (wide) a_.cqo();
    else a_.cdq();
    a_.idiv(rc);
  } else {
    a_.xor_(edx, edx);
    a_.div(rc);
  }
  a_.bind(done);
  move(dst, rem ? gpReg(2) : gpReg(0));
}

// cmp when its direct forms (encode_x64.cc) do not apply.
void Masm::cmpAsm(bool wide, Reg lhs, Opnd rhs) {
  Gp l = gp(lhs, wide);
  if (rhs.kind == Opnd::Imm && rhs.imm == 0) {
    if (!directRegReg(0x85, wide, lhs, lhs)) a_.test(l, l);
  } else if (!directAlu(0x39, wide, lhs, rhs)) {
    a_.emit(Inst::kIdCmp, l, gpOperand(rhs, wide, true));
  }
}

void Masm::cmpSlotZero(uint32_t s) {
  // cmp dword [rbx + disp], 0: 83 /7 ib.
  if (s > 0x7fffffff / kSlotBytes || !directBaseDisp(0x83, false, 7, 3, int32_t(s * kSlotBytes), 0))
    a_.cmp(slot32(s), 0);
}

void Masm::test(Reg r) {
  if (!r.isGp()) {
    a_.movd(kS0.r32(), fp(r));
    a_.test(kS0.r32(), kS0.r32());
  } else if (!directRegReg(0x85, false, r, r)) {
    a_.test(gpd(r.id), gpd(r.id));
  }
}

void Masm::setCond(Cond c, Reg dst) {
  // A float equality: ZF set and PF clear (PF set means unordered).
  if (c == Cond::FEq) {
    a_.sete(gpb(dst.id));
    a_.setnp(kS0.r8());
    a_.and_(gpb(dst.id), kS0.r8());
  } else if (c == Cond::FNe) {
    a_.setne(gpb(dst.id));
    a_.setp(kS0.r8());
    a_.or_(gpb(dst.id), kS0.r8());
  } else {
    if (directSetCond(int(cc(c)), dst)) return;
    a_.set(cc(c), gpb(dst.id));
  }
  a_.movzx(gpd(dst.id), gpb(dst.id));
}

void Masm::cmov(Cond c, Reg dst, Opnd src) {
  Operand s = gpOperand(src, true, false);
  a_.emit(Inst::cmovccFromCond(cc(c)), gp64(dst), s);
}

void Masm::fcmp(bool dbl, Reg lhs, Opnd rhs) {
  a_.emit(dbl ? Inst::kIdUcomisd : Inst::kIdUcomiss, fp(lhs), fpOperand(rhs, dbl));
}

// ---- floats ----
void Masm::floatOp(FloatOp op, bool dbl, Reg dst, const Opnd& lhs_in, const Opnd& rhs_in) {
  static const InstId ss[] = {Inst::kIdAddss, Inst::kIdSubss, Inst::kIdMulss, Inst::kIdDivss};
  static const InstId sd[] = {Inst::kIdAddsd, Inst::kIdSubsd, Inst::kIdMulsd, Inst::kIdDivsd};
  // Two-address, as intOp; an rhs in dst waits in xmm15.
  const Opnd* l = &lhs_in;
  const Opnd* r = &rhs_in;
  Opnd saved;
  if (!l->isReg(dst) && r->isReg(dst)) {
    if (isCommutative(op)) {
      std::swap(l, r);
    } else {
      a_.movaps(xmm15, fp(dst));
      saved = Opnd::r(fpReg(15));
      r = &saved;
    }
  }
  if (!l->isReg(dst)) loadOpnd(dst, *l);
  const Opnd& rhs = *r;
  a_.emit(dbl ? sd[unsigned(op)] : ss[unsigned(op)], fp(dst), fpOperand(rhs, dbl));
}

bool Masm::floatUnop(FloatUnop op, bool dbl, Reg dst, Reg src) {
  if (op != FloatUnop::Sqrt && !sse41_) return false;
  move(dst, src);  // in place: the scalar forms keep dst's upper bits
  Xmm r = fp(dst);
  if (op == FloatUnop::Sqrt) {
    if (dbl) a_.sqrtsd(r, r);
    else a_.sqrtss(r, r);
    return true;
  }
  static const uint32_t mode[] = {2, 1, 3, 0};  // ceil floor trunc nearest; | 8: no precision exception
  if (dbl) a_.roundsd(r, r, AImm(mode[unsigned(op)] | 8));
  else a_.roundss(r, r, AImm(mode[unsigned(op)] | 8));
  return true;
}

void Masm::signOp(SignOp op, bool dbl, Reg r) {
  // On the bits in a general-purpose register: no canonicalization.
  if (!dbl) {
    if (op == SignOp::Neg) a_.xor_(gpd(r.id), 0x80000000u);
    else a_.and_(gpd(r.id), 0x7fffffff);
  } else {
    if (op == SignOp::Neg) a_.btc(gpq(r.id), 63);
    else a_.btr(gpq(r.id), 63);
  }
}

void Masm::convertInt(bool to_dbl, bool src64, Reg dst, Opnd src) {
  Operand s = gpOperand(src, src64, false);
  a_.xorps(fp(dst), fp(dst));  // no dependency on the old value; bits 32..63 stay zero
  a_.emit(to_dbl ? Inst::kIdCvtsi2sd : Inst::kIdCvtsi2ss, fp(dst), s);
}

void Masm::promote(Reg r) { a_.cvtss2sd(fp(r), fp(r)); }

void Masm::demote(Reg dst, Reg src) {
  a_.xorps(fp(dst), fp(dst));  // keeps bits 32..63 zero
  a_.cvtsd2ss(fp(dst), fp(src));
}

// ---- memory ----
void Masm::loadMemSize(const Gp& dst, uint32_t mem) {
  if (mem == 0) {
    a_.mov(dst, ptr(r13, kCtxMemSize));
    a_.mov(dst, ptr(dst));
    return;
  }
  a_.mov(dst, ptr(r13, kCtxMemories));
  a_.mov(dst, ptr(dst, int32_t(mem * 8)));
  a_.mov(dst, ptr(dst, int32_t(offsetof(MemoryInst, size_))));
}

void Masm::memBase(Reg dst, uint32_t mem) {
  a_.mov(gpq(dst.id), ptr(r13, kCtxMemories));
  a_.mov(gpq(dst.id), ptr(gpq(dst.id), int32_t(mem * 8)));
  a_.mov(gpq(dst.id), ptr(gpq(dst.id), int32_t(offsetof(MemoryInst, base_))));
}

void Masm::boundsCheck(Reg idx, uint64_t end, Label trap, uint32_t mem) {
  loadMemSize(kS1, mem);
  if (end <= 0x7fffffff) {
    a_.lea(kS0, ptr(gp64(idx), int32_t(end)));
  } else {
    a_.mov(kS0, end);
    a_.add(kS0, gp64(idx));
  }
  a_.cmp(kS0, kS1);
  a_.ja(asmLabel(trap));
}

// memory64: a 64-bit address cannot be guarded, and idx + offset + size
// may wrap, which the carry of the add catches.
void Masm::boundsCheck64(Reg idx, uint64_t offset, uint32_t size, Label trap, uint32_t mem) {
  uint64_t end = offset + size;
  if (end < offset) {  // past 2^64: no address is in bounds
    a_.jmp(asmLabel(trap));
    return;
  }
  loadMemSize(kS1, mem);
  a_.mov(kS0, end);
  a_.add(kS0, gp64(idx));
  a_.jc(asmLabel(trap));
  a_.cmp(kS0, kS1);
  a_.ja(asmLabel(trap));
}

Mem Masm::memOperand(MemRef ref, unsigned size) {
  // Offsets past a 32-bit displacement go through r11 (idx is only read).
  // A memory other than memory 0 has its base in ref.base (memBase).
  Mem m;
  const Gp base = ref.base >= 0 ? gpq(uint32_t(ref.base)) : r12;
  if (ref.offset > 0x7fffffff) {
    a_.mov(kS0, ref.offset);
    if (ref.has_idx) a_.add(kS0, gp64(ref.idx));
    m = ptr(base, kS0);
  } else if (!ref.has_idx) {
    m = ptr(base, int32_t(ref.offset));
  } else {
    m = ptr(base, gp64(ref.idx), 0, int32_t(ref.offset));
  }
  m.setSize(size);
  return m;
}

// load and store when the direct encodings (encode_x64.cc) do not apply.
void Masm::loadAsm(MemAccess acc, Reg dst, const MemRef& ref) {
  Mem m = memOperand(ref, acc.size);
  if (acc.fp) {
    if (acc.size == 4) a_.movss(fp(dst), m);
    else a_.movsd(fp(dst), m);
    return;
  }
  switch (acc.size) {
    case 1:
    case 2:
      if (acc.ext == 0) a_.movzx(gpd(dst.id), m);
      else if (acc.ext == 1) a_.movsx(gpd(dst.id), m);
      else a_.movsx(gpq(dst.id), m);
      break;
    case 4:
      if (acc.ext == 2) a_.movsxd(gpq(dst.id), m);
      else a_.mov(gpd(dst.id), m);
      break;
    default: a_.mov(gpq(dst.id), m); break;
  }
}

void Masm::storeAsm(MemAccess acc, const MemRef& ref, Opnd v) {
  if (v.kind == Opnd::Slot) {
    if (!directSlot(0x8b, true, gpReg(kS1.id()), v.slot))
      a_.mov(kS1, slot(v.slot));  // before memOperand, which may use r11
    v = Opnd::r(gpReg(10));
  } else if (v.kind == Opnd::Imm && acc.size == 8 && !fitsI32(v.imm)) {
    a_.mov(kS1, v.imm);
    v = Opnd::r(gpReg(10));
  }
  if (v.kind == Opnd::R && v.reg.isGp() && directMem(storeOpcode(acc.size), acc.size == 8, v.reg, ref)) return;
  if (v.kind == Opnd::Imm && directMemImm(acc.size, ref, v.imm)) return;
  Mem m = memOperand(ref, acc.size);
  if (v.kind == Opnd::Imm) {
    uint64_t x = v.imm;
    switch (acc.size) {
      case 1: a_.mov(m, AImm(int8_t(uint8_t(x)))); break;
      case 2: a_.mov(m, AImm(int16_t(uint16_t(x)))); break;
      default: a_.mov(m, AImm(int32_t(uint32_t(x)))); break;
    }
    return;
  }
  if (!v.reg.isGp()) {
    if (acc.size == 4) {
      a_.movss(m, fp(v.reg));
    } else if (acc.size == 8) {
      a_.movsd(m, fp(v.reg));
    } else {
      a_.movq(kS1, fp(v.reg));
      if (acc.size == 1) a_.mov(m, kS1.r8());
      else a_.mov(m, kS1.r16());
    }
    return;
  }
  Gp g = gpq(v.reg.id);
  switch (acc.size) {
    case 1: a_.mov(m, g.r8()); break;
    case 2: a_.mov(m, g.r16()); break;
    case 4: a_.mov(m, g.r32()); break;
    default: a_.mov(m, g); break;
  }
}

// ---- calls and the runtime ----
void Masm::callFunction(uint32_t func_index, uint32_t frame_slot) {
  if (!directSlot(0x8d, true, gpReg(7), frame_slot)) a_.lea(rdi, slot(frame_slot));
  // call rel32, patched when the module's code is laid out.
  static const uint8_t call_rel32[5] = {0xe8, 0, 0, 0, 0};
  if (!directCallRel32()) a_.embed(call_rel32, 5);
  calls_.emplace_back(uint32_t(a_.offset() - 4), func_index);
}

// Helpers are called through Ctx::helpers: the code holds no host address.
void Masm::callHelper(uint32_t id) {
  constexpr int32_t kHelpers = int32_t(offsetof(Ctx, helpers));
  if (!directBaseDisp(0x8b, true, int(rax.id()), int(r13.id()), kHelpers)) a_.mov(rax, ptr(r13, kHelpers));
  // call [rax + disp]: FF /2 (no REX: a near call's operand is 64 bits).
  if (id > 0x7fffffff / sizeof(void*) || !directBaseDisp(0xff, false, 2, int(rax.id()), int32_t(id * sizeof(void*))))
    a_.call(ptr(rax, int32_t(id * sizeof(void*))));
}

Reg Masm::callOperator(uint32_t helper, Opnd x, Opnd y) {
  // helper(x, y, ctx) in rdi, rsi, rdx (System V); y waits in r11 when it
  // is not a constant, since x may be in rsi.
  if (y.kind == Opnd::Imm) {
    loadOpnd(gpReg(7), x);
    loadImm(gpReg(6), y.imm);
  } else {
    loadOpnd(gpReg(kS0.id()), y);
    loadOpnd(gpReg(7), x);
    a_.mov(rsi, kS0);
  }
  a_.mov(rdx, r13);
  callHelper(helper);
  return gpReg(0);
}

void Masm::checkTrap(Label trap) {
  a_.cmp(dword_ptr(r13, kCtxTrapKind), 0);
  a_.jne(asmLabel(trap));
}

void Masm::callIndirect(uint32_t type_index, uint32_t table, uint32_t frame_slot, Opnd elem, Label trap) {
  // jitCallIndirect(ctx, type, table, elem, fp): elem first, before the
  // registers it may be in are written.
  loadOpnd(gpReg(1), elem);
  if (!directBaseDisp(0x89, false, int(r14.id()), int(r13.id()), kCtxDepthLeft))
    a_.mov(dword_ptr(r13, kCtxDepthLeft), r14d);
  move(gpReg(7), gpReg(13));  // rdi = r13
  loadImm(gpReg(6), type_index);
  loadImm(gpReg(2), table);
  if (!directSlot(0x8d, true, gpReg(8), frame_slot)) a_.lea(r8, slot(frame_slot));
  callHelper(helperId(HelperId::CallIndirect));
  if (!directRegReg(0x85, true, gpReg(0), gpReg(0))) a_.test(rax, rax);
  branch(Cond::Eq, trap);
  if (!directSlot(0x8d, true, gpReg(7), frame_slot)) a_.lea(rdi, slot(frame_slot));
  if (!directBytes({0xff, 0xd0})) a_.call(rax);  // FF /2, ModRM rax
}

// The frame goes as in ret(), but the callee's frame pointer is ours: the
// jump lands in its prologue (or a call-out stub) as if our caller had
// called it.
void Masm::tailCallFunction(uint32_t func_index) {
  a_.mov(rdi, rbx);
  a_.add(r14d, 1);
  a_.pop(rbx);
  // jmp rel32, patched when the module's code is laid out.
  static const uint8_t jmp_rel32[5] = {0xe9, 0, 0, 0, 0};
  a_.embed(jmp_rel32, 5);
  calls_.emplace_back(uint32_t(a_.offset() - 4), func_index);
}

void Masm::tailCallIndirect(uint32_t type_index, uint32_t table, Opnd elem, Label trap) {
  // jitTailCallIndirect(ctx, type, table, elem); the call-out stub takes a
  // function index in esi (UINT32_MAX: ctx->tail_target).
  loadOpnd(gpReg(1), elem);
  a_.mov(rdi, r13);
  a_.mov(esi, type_index);
  a_.mov(edx, table);
  callHelper(helperId(HelperId::TailCallIndirect));
  a_.test(rax, rax);
  a_.jz(asmLabel(trap));
  a_.mov(rdi, rbx);
  a_.add(r14d, 1);
  a_.pop(rbx);
  a_.mov(esi, UINT32_MAX);
  a_.jmp(rax);
}

void Masm::interruptCheck(uint32_t flags, Label trap) {
  a_.mov(rdi, r13);
  a_.mov(esi, flags);
  callHelper(helperId(HelperId::CheckInterrupt));
  a_.test(eax, eax);
  a_.jnz(asmLabel(trap));
}

Reg Masm::callMisc(uint32_t op, uint32_t x, uint32_t y, uint32_t frame_slot, bool traps, Label trap) {
  a_.mov(rdi, r13);
  a_.mov(esi, op);
  a_.mov(edx, x);
  a_.mov(ecx, y);
  a_.lea(r8, slot(frame_slot));
  callHelper(helperId(HelperId::Misc));
  if (traps) checkTrap(trap);
  return gpReg(0);
}

void Masm::memorySize(Reg dst, uint32_t mem) {
  if (mem == 0) {
    a_.mov(kS0, ptr(r13, kCtxMemSize));
    a_.mov(gpq(dst.id), ptr(kS0));
  } else {
    loadMemSize(gpq(dst.id), mem);
  }
  a_.shr(gpq(dst.id), 16);
}

Reg Masm::memoryGrow(Opnd delta) {
  loadOpnd(gpReg(6), delta);
  a_.mov(rdi, r13);
  callHelper(helperId(HelperId::MemoryGrow));
  a_.mov(eax, eax);
  return gpReg(0);
}

// A v128 global's 16 bytes are bits_ and hi_.
static_assert(offsetof(GlobalInst, hi_) == offsetof(GlobalInst, bits_) + 8);

// r = the GlobalInst* of global `index`, from Ctx::globals.
void Masm::loadGlobalPtr(const Gp& r, uint32_t index) {
  if (!directBaseDisp(0x8b, true, r.id(), 13, kCtxGlobals)) a_.mov(r, ptr(r13, kCtxGlobals));
  if (index > 0x7fffffff / 8 || !directBaseDisp(0x8b, true, r.id(), r.id(), int32_t(index * 8)))
    a_.mov(r, ptr(r, int32_t(index * 8)));
}

void Masm::globalGet(Reg dst, uint32_t index) {
  loadGlobalPtr(kS0, index);
  constexpr int32_t kBits = int32_t(offsetof(GlobalInst, bits_));
  Mem m = qword_ptr(kS0, kBits);
  if (dst.cls == RegClass::Vec) a_.movdqu(fp(dst), xmmword_ptr(kS0, kBits));
  else if (!dst.isGp()) a_.movq(fp(dst), m);
  else if (!directBaseDisp(0x8b, true, dst.id, kS0.id(), kBits)) a_.mov(gpq(dst.id), m);
}

void Masm::globalSet(uint32_t index, Opnd v) {
  loadGlobalPtr(kS1, index);
  constexpr int32_t kBits = int32_t(offsetof(GlobalInst, bits_));
  Mem dst = qword_ptr(kS1, kBits);
  switch (v.kind) {
    case Opnd::R:
      if (v.reg.cls == RegClass::Vec) a_.movdqu(xmmword_ptr(kS1, kBits), fp(v.reg));
      else if (!v.reg.isGp()) a_.movq(dst, fp(v.reg));
      else if (!directBaseDisp(0x89, true, v.reg.id, kS1.id(), kBits)) a_.mov(dst, gpq(v.reg.id));
      break;
    case Opnd::Slot:
      a_.mov(kS0, slot(v.slot));
      a_.mov(dst, kS0);
      break;
    default:
      if (fitsI32(v.imm)) {
        a_.mov(dst, int32_t(uint32_t(v.imm)));
      } else {
        a_.mov(kS0, v.imm);
        a_.mov(dst, kS0);
      }
      break;
  }
}

void Masm::jumpTable(Opnd idx, const std::vector<Label>& targets) {
  uint32_t n = uint32_t(targets.size()) - 1;
  Gp i = kS0;
  loadOpnd(gpReg(kS0.id()), idx);
  Label table = a_.newLabel();
  a_.cmp(i.r32(), n);
  a_.jae(asmLabel(targets[n]));
  a_.lea(kS1, ptr(table));
  a_.movsxd(i, dword_ptr(kS1, i, 2));
  a_.add(i, kS1);
  a_.jmp(i);
  a_.align(AlignMode::kData, 4);
  a_.bind(table);
  // The entries are patched by finish() (the targets are not bound yet: as
  // label deltas they would be relocation entries, a slower finish).
  static constexpr uint8_t kZero[4] = {};
  for (uint32_t k = 0; k < n; ++k) {
    fixups_.push_back(Fixup{uint32_t(a_.offset()), targets[k].id(), table.id()});
    a_.embed(kZero, 4);
  }
}

}  // namespace tern::jit
