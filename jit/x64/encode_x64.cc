// Direct x86-64 encodings of the Masm's commonest instruction forms (see
// masm_x64.h): a few bytes written into asmjit's code buffer in place of a
// trip through its generic encoder. The bytes are the ones asmjit chooses
// for the same instruction (tests/jit/test_encode_x64.cc compares them for
// every register and displacement size), so the code does not depend on the
// path taken. The commonest Masm members (moves, compares, branches, the
// ALU operations) are here too, so that their encodings inline into them;
// linear memory loads and stores are inline in masm_x64.h.
#include "jit/x64/masm_x64.h"

#include <cstring>

#include "module/frame_layout.h"

namespace tern::jit {

namespace {

// The longest encoding written here: REX, opcode, ModRM, SIB, disp32, imm32.
constexpr size_t kMaxBytes = Masm::kDirectMaxBytes;

using x64enc::dispMod;
using x64enc::putDisp;
using x64enc::rex;

}  // namespace

bool Masm::directBytes(std::initializer_list<uint8_t> bytes) {
  uint8_t* p = directBegin();
  if (!p || bytes.size() > kMaxBytes) return false;
  for (uint8_t b : bytes) *p++ = b;
  directEnd(p);
  return true;
}

bool Masm::directRegReg(uint8_t opcode, bool wide, Reg dst, Reg src) {
  uint8_t* p = directBegin();
  if (!p || !dst.isGp() || !src.isGp()) return false;
  if (wide || dst.id >= 8 || src.id >= 8) *p++ = rex(wide, src.id, 0, dst.id);
  *p++ = opcode;
  *p++ = uint8_t(0xc0 | (src.id & 7) << 3 | (dst.id & 7));
  directEnd(p);
  return true;
}

bool Masm::directSlot(uint8_t opcode, bool wide, Reg reg, uint32_t slot) {
  uint8_t* p = directBegin();
  if (!p || !reg.isGp() || slot > 0x7fffffff / kSlotBytes) return false;
  int32_t disp = int32_t(slot * kSlotBytes);
  if (wide || reg.id >= 8) *p++ = rex(wide, reg.id, 0, 0);
  *p++ = opcode;
  *p++ = uint8_t(dispMod(disp) | (reg.id & 7) << 3 | 3);  // [rbx + disp]: rbx needs no SIB
  directEnd(putDisp(p, disp));
  return true;
}

bool Masm::directBaseDisp(uint8_t opcode, bool wide, int reg, int base, int32_t disp, int imm8) {
  uint8_t* p = directBegin();
  if (!p || (base & 7) == 4) return false;  // rsp and r12 as a base take a SIB byte
  if (wide || reg >= 8 || base >= 8) *p++ = rex(wide, reg, 0, base);
  *p++ = opcode;
  // rbp and r13 as a base have no form without a displacement: disp8 0.
  bool disp8_zero = disp == 0 && (base & 7) == 5;
  *p++ = uint8_t((disp8_zero ? 0x40 : dispMod(disp)) | (reg & 7) << 3 | (base & 7));
  if (disp8_zero) *p++ = 0;
  else p = putDisp(p, disp);
  if (imm8 >= 0) *p++ = uint8_t(imm8);
  directEnd(p);
  return true;
}

bool Masm::directAlu(uint8_t opcode, bool wide, Reg dst, const Opnd& rhs) {
  if (!dst.isGp()) return false;
  switch (rhs.kind) {
    case Opnd::R: return directRegReg(opcode, wide, dst, rhs.reg);
    case Opnd::Slot: return directSlot(uint8_t(opcode + 2), wide, dst, rhs.slot);
    default: break;
  }
  uint64_t v = rhs.imm;
  if (wide && int64_t(v) != int64_t(int32_t(uint32_t(v)))) return false;  // needs a register
  uint8_t* p = directBegin();
  if (!p) return false;
  int32_t imm = int32_t(uint32_t(v));
  uint8_t digit = opcode >> 3;  // the /digit of the 0x81 / 0x83 group: add 0, or 1, and 4, sub 5, xor 6, cmp 7
  if (wide || dst.id >= 8) *p++ = rex(wide, 0, 0, dst.id);
  if (imm == int8_t(imm)) {
    *p++ = 0x83;
    *p++ = uint8_t(0xc0 | digit << 3 | (dst.id & 7));
    *p++ = uint8_t(imm);
  } else {
    if (dst.id == 0) {
      *p++ = uint8_t(digit << 3 | 5);  // the short form with eax / rax
    } else {
      *p++ = 0x81;
      *p++ = uint8_t(0xc0 | digit << 3 | (dst.id & 7));
    }
    for (int i = 0; i < 4; ++i) *p++ = uint8_t(uint32_t(imm) >> (8 * i));
  }
  directEnd(p);
  return true;
}

bool Masm::directMem(uint32_t opcode, bool wide, Reg reg, const MemRef& ref) {
  if (!directMemForm(ref) || !reg.isGp()) return false;
  uint8_t* p = directBegin();
  if (!p) return false;
  directEnd(putMemOp(p, opcode, wide, reg.id, ref));
  return true;
}

bool Masm::directMemImm(unsigned size, const MemRef& ref, uint64_t imm) {
  if (!directMemForm(ref)) return false;
  uint8_t* p = directBegin();
  if (!p) return false;
  // mov r/m8, imm8 (C6 /0); mov r/m16/32/64, imm16/32 (C7 /0), sign-extended to 64 bits.
  p = putMemOp(p, size == 1 ? 0xc6 : size == 2 ? kOperand16 | 0xc7 : 0xc7, size == 8, 0, ref);
  unsigned n = size == 1 ? 1 : size == 2 ? 2 : 4;
  for (unsigned i = 0; i < n; ++i) *p++ = uint8_t(imm >> (8 * i));
  directEnd(p);
  return true;
}

bool Masm::directShiftImm(int digit, bool wide, Reg dst, uint8_t count) {
  uint8_t* p = directBegin();
  if (!p || !dst.isGp()) return false;
  if (wide || dst.id >= 8) *p++ = rex(wide, 0, 0, dst.id);
  *p++ = count == 1 ? 0xd1 : 0xc1;  // by 1: D1 /digit, no immediate (as asmjit)
  *p++ = uint8_t(0xc0 | digit << 3 | (dst.id & 7));
  if (count != 1) *p++ = count;
  directEnd(p);
  return true;
}

bool Masm::directShiftCl(int digit, bool wide, Reg dst) {
  uint8_t* p = directBegin();
  if (!p || !dst.isGp()) return false;
  if (wide || dst.id >= 8) *p++ = rex(wide, 0, 0, dst.id);
  *p++ = 0xd3;  // D3 /digit: by cl
  *p++ = uint8_t(0xc0 | digit << 3 | (dst.id & 7));
  directEnd(p);
  return true;
}

bool Masm::directImul(bool wide, Reg dst, const Opnd& rhs) {
  if (!dst.isGp()) return false;
  uint8_t* p;
  switch (rhs.kind) {
    case Opnd::R:
      // imul r, r/m: 0F AF /r.
      if (!rhs.reg.isGp() || !(p = directBegin())) return false;
      if (wide || dst.id >= 8 || rhs.reg.id >= 8) *p++ = rex(wide, dst.id, 0, rhs.reg.id);
      *p++ = 0x0f;
      *p++ = 0xaf;
      *p++ = uint8_t(0xc0 | (dst.id & 7) << 3 | (rhs.reg.id & 7));
      break;
    case Opnd::Slot: {
      if (rhs.slot > 0x7fffffff / kSlotBytes || !(p = directBegin())) return false;
      int32_t disp = int32_t(rhs.slot * kSlotBytes);
      if (wide || dst.id >= 8) *p++ = rex(wide, dst.id, 0, 0);
      *p++ = 0x0f;
      *p++ = 0xaf;
      *p++ = uint8_t(dispMod(disp) | (dst.id & 7) << 3 | 3);  // [rbx + disp]
      p = putDisp(p, disp);
      break;
    }
    default: {
      // imul r, r/m, imm8 (6B /r ib) or imm32 (69 /r id), dst both times.
      if (wide && int64_t(rhs.imm) != int64_t(int32_t(uint32_t(rhs.imm)))) return false;  // needs a register
      if (!(p = directBegin())) return false;
      int32_t imm = int32_t(uint32_t(rhs.imm));
      if (wide || dst.id >= 8) *p++ = rex(wide, dst.id, 0, dst.id);
      bool imm8 = imm == int8_t(imm);
      *p++ = imm8 ? 0x6b : 0x69;
      *p++ = uint8_t(0xc0 | (dst.id & 7) << 3 | (dst.id & 7));
      if (imm8) *p++ = uint8_t(imm);
      else
        for (int i = 0; i < 4; ++i) *p++ = uint8_t(uint32_t(imm) >> (8 * i));
      break;
    }
  }
  directEnd(p);
  return true;
}

bool Masm::directMovImm32(Reg dst, uint32_t imm) {
  uint8_t* p = directBegin();
  if (!p || !dst.isGp()) return false;
  if (dst.id >= 8) *p++ = 0x41;  // REX.B
  *p++ = uint8_t(0xb8 | (dst.id & 7));
  for (int i = 0; i < 4; ++i) *p++ = uint8_t(imm >> (8 * i));
  directEnd(p);
  return true;
}

bool Masm::directSetCond(int cond, Reg dst) {
  uint8_t* p = directBegin();
  if (!p || !dst.isGp()) return false;
  // r8b..r15b take REX.B (movzx: also REX.R); spl, bpl, sil and dil an
  // empty REX (without one, 4..7 are ah..bh).
  const int r = dst.id;
  const uint8_t rex = r >= 8 ? 0x41 : r >= 4 ? 0x40 : 0;
  if (rex) *p++ = rex;
  *p++ = 0x0f;
  *p++ = uint8_t(0x90 | cond);  // setcc: 0F 90+cc /0
  *p++ = uint8_t(0xc0 | (r & 7));
  if (rex) *p++ = r >= 8 ? 0x45 : 0x40;
  *p++ = 0x0f;
  *p++ = 0xb6;  // movzx r32, r/m8: 0F B6 /r
  *p++ = uint8_t(0xc0 | (r & 7) << 3 | (r & 7));
  directEnd(p);
  return true;
}

bool Masm::directCallRel32() {
  uint8_t* p = directBegin();
  if (!p) return false;
  *p++ = 0xe8;
  for (int i = 0; i < 4; ++i) *p++ = 0;
  directEnd(p);
  return true;
}

bool Masm::directSlotImm(uint32_t slot, int32_t imm) {
  uint8_t* p = directBegin();
  if (!p || slot > 0x7fffffff / kSlotBytes) return false;
  int32_t disp = int32_t(slot * kSlotBytes);
  *p++ = 0x48;  // REX.W
  *p++ = 0xc7;  // mov r/m64, imm32: /0
  *p++ = uint8_t(dispMod(disp) | 3);
  p = putDisp(p, disp);
  for (int i = 0; i < 4; ++i) *p++ = uint8_t(uint32_t(imm) >> (8 * i));
  directEnd(p);
  return true;
}

bool Masm::directJump(int cond, const Label& l) {
  uint8_t* p = directBegin();
  if (!p) return false;
  // (Read before any byte is written: a write through p may alias them.)
  const uint32_t id = l.id();
  const bool own = isOwn(l);
  const int64_t here = int64_t(p - a_._bufferData);
  const int64_t target = own ? own_offsets_[id & ~kOwnLabel] : labelBound(l) ? int64_t(labelOffset(l)) : -1;
  auto put32 = [&](int32_t v) {
    for (int i = 0; i < 4; ++i) *p++ = uint8_t(uint32_t(v) >> (8 * i));
  };
  if (target >= 0) {
    int64_t rel8 = target - (here + 2);
    if (cond == -2) {
      *p++ = 0xe8;
      put32(int32_t(target - (here + 5)));
    } else if (rel8 == int8_t(rel8)) {
      *p++ = cond < 0 ? 0xeb : uint8_t(0x70 | cond);
      *p++ = uint8_t(rel8);
    } else if (cond < 0) {
      *p++ = 0xe9;
      put32(int32_t(target - (here + 5)));
    } else {
      *p++ = 0x0f;
      *p++ = uint8_t(0x80 | cond);
      put32(int32_t(target - (here + 6)));
    }
  } else {
    const uint32_t at = uint32_t(here) + (cond < 0 ? 1 : 2);
    const int32_t link = own ? linkOwn(id & ~kOwnLabel, at) : (addFixup(Fixup{at, id}), 0);
    if (cond < 0) {
      *p++ = cond == -2 ? 0xe8 : 0xe9;
    } else {
      *p++ = 0x0f;
      *p++ = uint8_t(0x80 | cond);
    }
    put32(link);
  }
  directEnd(p);
  return true;
}

// ---- the commonest moves ----
// Here, with the encodings they take, so that those inline into them
// (flatten): each is a few of the compiler's instructions per Wasm
// instruction. Their asmjit paths are out of line (TERN_ASM_PATH, a
// lambda called last): the direct path then saves no registers and sets up
// no frame.
#define TERN_ASM_PATH __attribute__((noinline, cold))

[[gnu::flatten]] void Masm::move(Reg dst, Reg src) {
  if (dst == src) return;
  if (dst.isGp() && src.isGp() && directRegReg(0x89, true, dst, src)) return;
  [](Masm& m, Reg dst, Reg src) TERN_ASM_PATH {
    if (dst.isGp() && src.isGp()) {
      m.a_.mov(asmjit::x86::gpq(dst.id), asmjit::x86::gpq(src.id));
    } else if (!dst.isGp() && !src.isGp()) {
      m.a_.movaps(asmjit::x86::xmm(dst.id), asmjit::x86::xmm(src.id));
    } else if (!dst.isGp()) {
      m.a_.movq(asmjit::x86::xmm(dst.id), asmjit::x86::gpq(src.id));
    } else {
      m.a_.movq(asmjit::x86::gpq(dst.id), asmjit::x86::xmm(src.id));
    }
  }(*this, dst, src);
}

[[gnu::flatten]] void Masm::loadSlot(Reg r, uint32_t s) {
  if (r.isGp() && directSlot(0x8b, true, r, s)) return;
  [](Masm& m, Reg r, uint32_t s) TERN_ASM_PATH {
    if (r.isGp()) {
      m.a_.mov(asmjit::x86::gpq(r.id), m.slot(s));
    } else if (r.cls == RegClass::Vec) {
      m.a_.movdqu(asmjit::x86::xmm(r.id), asmjit::x86::xmmword_ptr(asmjit::x86::rbx, int32_t(s * kSlotBytes)));
    } else {
      m.a_.movq(asmjit::x86::xmm(r.id), m.slot(s));
    }
  }(*this, r, s);
}

[[gnu::flatten]] void Masm::storeSlot(uint32_t s, Reg r) {
  if (r.isGp() && directSlot(0x89, true, r, s)) return;
  [](Masm& m, uint32_t s, Reg r) TERN_ASM_PATH {
    if (r.isGp()) {
      m.a_.mov(m.slot(s), asmjit::x86::gpq(r.id));
    } else if (r.cls == RegClass::Vec) {
      m.a_.movdqu(asmjit::x86::xmmword_ptr(asmjit::x86::rbx, int32_t(s * kSlotBytes)), asmjit::x86::xmm(r.id));
    } else {
      m.a_.movq(m.slot(s), asmjit::x86::xmm(r.id));
    }
  }(*this, s, r);
}

[[gnu::flatten]] void Masm::loadImm(Reg r, uint64_t v) {
  if (r.isGp() && v <= 0xffffffffull && directMovImm32(r, uint32_t(v))) return;
  [](Masm& m, Reg r, uint64_t v) TERN_ASM_PATH {
    namespace x86 = asmjit::x86;
    if (!r.isGp()) {
      if (v == 0) {
        m.a_.xorps(x86::xmm(r.id), x86::xmm(r.id));
      } else {
        m.a_.mov(x86::r11, v);
        m.a_.movq(x86::xmm(r.id), x86::r11);
      }
    } else if (v <= 0xffffffffull) {
      m.a_.mov(x86::gpd(r.id), uint32_t(v));
    } else {
      m.a_.mov(x86::gpq(r.id), v);
    }
  }(*this, r, v);
}

[[gnu::flatten]] void Masm::storeSlotImm(uint32_t s, uint64_t v) {
  if (int64_t(v) == int64_t(int32_t(uint32_t(v))) && directSlotImm(s, int32_t(uint32_t(v)))) return;
  [](Masm& m, uint32_t s, uint64_t v) TERN_ASM_PATH {
    if (int64_t(v) == int64_t(int32_t(uint32_t(v)))) {
      m.a_.mov(m.slot(s), int32_t(uint32_t(v)));
    } else {
      m.a_.mov(asmjit::x86::r11, v);
      m.a_.mov(m.slot(s), asmjit::x86::r11);
    }
  }(*this, s, v);
}

// Through r11 (kS0 in masm_x64.cc).
[[gnu::flatten]] void Masm::copySlot(uint32_t dst, uint32_t src) {
  if (dst == src) return;
  bool loaded = directSlot(0x8b, true, gpReg(11), src);
  if (loaded && directSlot(0x89, true, gpReg(11), dst)) return;
  [](Masm& m, uint32_t dst, uint32_t src, bool loaded) TERN_ASM_PATH {
    if (!loaded) m.a_.mov(asmjit::x86::r11, m.slot(src));
    if (!m.directSlot(0x89, true, gpReg(11), dst)) m.a_.mov(m.slot(dst), asmjit::x86::r11);
  }(*this, dst, src, loaded);
}

// The two-address ALU operations on a dst that already holds lhs, the
// commonest integer operators (the rest: intOpAsm in masm_x64.cc).
[[gnu::flatten]] void Masm::intOp(IntOp op, bool wide, Reg dst, const Opnd& lhs, const Opnd& rhs) {
  // Per IntOp: aluOpcodeMR's opcode, or 0 for the operators that are not
  // these five (one look-up for the five tests).
  static constexpr uint8_t kMR[] = {aluOpcodeMR(IntOp::Add),
                                    aluOpcodeMR(IntOp::Sub),
                                    0,
                                    aluOpcodeMR(IntOp::And),
                                    aluOpcodeMR(IntOp::Or),
                                    aluOpcodeMR(IntOp::Xor),
                                    0,
                                    0,
                                    0,
                                    0,
                                    0};
  static_assert(sizeof kMR == size_t(IntOp::Rotr) + 1 && kMR[size_t(IntOp::Mul)] == 0 &&
                kMR[size_t(IntOp::Xor)] == 0x31);
  if (uint8_t opcode = kMR[size_t(op)]; opcode && lhs.isReg(dst) && directAlu(opcode, wide, dst, rhs)) return;
  intOpAsm(op, wide, dst, lhs, rhs);  // (which tries the same form again)
}

void Masm::branch(Cond c, const Label& l) {
  if (!directJump(x86Cond(c), l)) a_.j(asmjit::x86::CondCode(x86Cond(c)), asmLabel(l));
}

// Compares of a register with a register, a slot or an imm32 (the rest:
// cmpAsm in masm_x64.cc).
[[gnu::flatten]] void Masm::cmp(bool wide, Reg lhs, Opnd rhs) {
  if (rhs.kind == Opnd::Imm && rhs.imm == 0) {
    if (directRegReg(0x85, wide, lhs, lhs)) return;  // test
  } else if (directAlu(0x39, wide, lhs, rhs)) {
    return;
  }
  cmpAsm(wide, lhs, rhs);  // (which tries the same forms again)
}

// ---- labels (see newLabel) ----
void Masm::bind(const Label& l) {
  if (!isOwn(l)) {
    a_.bind(l);
    return;
  }
  const uint32_t i = l.id() & ~kOwnLabel;
  bindOwn(i, int64_t(a_.offset()));
  if (i < own_twins_.size() && own_twins_[i].isValid()) a_.bind(own_twins_[i]);
}

void Masm::patchChain(int64_t link, int64_t at) {
  uint8_t* data = a_._bufferData;
  --pending_;
  do {
    const uint32_t f = uint32_t(-(link + 2));
    int32_t prev;
    std::memcpy(&prev, data + f, 4);
    const uint32_t rel = uint32_t(int32_t(at - (int64_t(f) + 4)));
    std::memcpy(data + f, &rel, 4);  // (x86-64: little-endian, as the rel32)
    link = prev;
  } while (link != -1);
}

Masm::Label Masm::asmLabel(const Label& l) {
  if (!isOwn(l)) return l;
  const size_t i = l.id() & ~kOwnLabel;
  if (own_twins_.size() <= i) own_twins_.resize(own_offsets_.size());
  if (!own_twins_[i].isValid()) {
    own_twins_[i] = a_.newLabel();
    // Bound already: where l is (asmjit then encodes a jump back to it as
    // it would have to l).
    if (own_offsets_[i] >= 0) code_.bindLabel(own_twins_[i], code_.textSection()->id(), uint64_t(own_offsets_[i]));
  }
  return own_twins_[i];
}

// The rel32 of every direct jump to an asmjit label that was not bound yet
// and every jump table entry; false if a label never was bound (an own
// label's chain was left too).
bool Masm::patchFixups() {
  if (pending_ != 0) return false;
  uint8_t* data = code_.textSection()->buffer().data();
  const int64_t* own = own_offsets_.data();
  for (const Fixup& f : fixups_) {
    // Nearly all: a rel32 to an own label (a jump's, from its end).
    int64_t target = f.label & kOwnLabel ? own[f.label & ~kOwnLabel] : fixupTarget(f.label);
    int64_t from = f.base == kNoBase ? int64_t(f.at) + 4 : fixupTarget(f.base);
    if ((target | from) < 0) return false;
    uint32_t rel = uint32_t(int32_t(target - from));
    std::memcpy(data + f.at, &rel, 4);  // (x86-64: little-endian, as the rel32)
  }
  return true;
}

}  // namespace tern::jit
