// x86-64 encodings of the SIMD emitters (jit/masm.h, "SIMD"): SSE4.1 is the
// baseline, SSE4.2 adds i64x2 gt/lt/le/ge (pcmpgtq), AVX the VEX
// three-operand forms (fewer copies), chosen once per host (masm_x64.cc).
// Constants (masks, bounds, lookup tables, shuffle controls) come from the
// function's constant pool, 16-byte aligned after its code, so SSE forms may
// take them as memory operands.
//
// Every result is bit for bit interp/simd.h's. Where x86 differs from Wasm
// the sequences fix it: cvttps2dq's 0x80000000 on overflow, pmulhrsw's
// -32768 * -32768, minps/maxps's operand order on NaN and zeros, the missing
// byte shifts and 64-bit arithmetic shift. The instructions left to their
// helper (jit/simd_helpers.cc; an emitter returns false for them):
// i64x2 gt/lt/le/ge_s without SSE4.2, and nothing else.
#include <cstring>

#include "jit/x64/masm_x64.h"
#include "module/frame_layout.h"

namespace tern::jit {

using namespace asmjit;
using namespace asmjit::x86;
using AImm = asmjit::Imm;

namespace {
Xmm vx(Reg r) { return xmm(r.id); }
const Xmm kVs = xmm15;  // the Masm's scratch registers
const Gp kS0 = r11, kS1 = r10;
}  // namespace

// ---- the constant pool ----
Mem Masm::pool(const uint8_t* bytes) {
  for (const PoolEntry& e : pool_)
    if (std::memcmp(e.bytes, bytes, 16) == 0) return xmmword_ptr(e.label);
  PoolEntry e;
  std::memcpy(e.bytes, bytes, 16);
  e.label = a_.newLabel();
  pool_.push_back(e);
  return xmmword_ptr(e.label);
}

Mem Masm::pool(uint64_t lo, uint64_t hi) {
  uint8_t b[16];
  std::memcpy(b, &lo, 8);
  std::memcpy(b + 8, &hi, 8);
  return pool(b);
}

// A constant with every lane `lane` (lanes of `bytes` bytes).
Mem Masm::poolSplat(uint64_t lane, unsigned bytes) {
  uint8_t b[16];
  for (unsigned i = 0; i < 16; i += bytes) std::memcpy(b + i, &lane, bytes);
  return pool(b);
}

void Masm::emitPool() {
  if (pool_.empty()) return;
  a_.align(AlignMode::kData, 16);
  for (const PoolEntry& e : pool_) {
    a_.bind(e.label);
    a_.embed(e.bytes, 16);
  }
}

void Masm::v3(InstId sse, InstId avx, const Xmm& dst, const Xmm& a, const Operand& b) {
  if (avx_) {
    a_.emit(avx, dst, a, b);
    return;
  }
  if (dst.id() != a.id()) a_.movaps(dst, a);
  a_.emit(sse, dst, b);
}

// ---- moves and constants ----
void Masm::copyVecSlot(uint32_t dst, uint32_t src) {
  if (dst == src) return;
  a_.movdqu(kVs, xmmword_ptr(rbx, int32_t(src * kSlotBytes)));
  a_.movdqu(xmmword_ptr(rbx, int32_t(dst * kSlotBytes)), kVs);
}

void Masm::vecConst(Reg dst, uint64_t lo, uint64_t hi) {
  Xmm d = vx(dst);
  if (lo == 0 && hi == 0) a_.pxor(d, d);
  else if (lo == ~uint64_t(0) && hi == ~uint64_t(0)) a_.pcmpeqd(d, d);
  else a_.movdqa(d, pool(lo, hi));
}

// ---- lanes ----
void Masm::vecSplat(Opcode op, Reg dst, Reg src) {
  Xmm d = vx(dst);
  switch (op) {
    case Opcode::I8x16Splat:
      a_.movd(d, gpd(src.id));
      a_.pxor(kVs, kVs);
      a_.pshufb(d, kVs);
      return;
    case Opcode::I16x8Splat:
      a_.movd(d, gpd(src.id));
      a_.pshuflw(d, d, 0);
      a_.punpcklqdq(d, d);
      return;
    case Opcode::I32x4Splat:
      a_.movd(d, gpd(src.id));
      a_.pshufd(d, d, 0);
      return;
    case Opcode::I64x2Splat:
      a_.movq(d, gpq(src.id));
      a_.punpcklqdq(d, d);
      return;
    case Opcode::F32x4Splat:
      if (dst.id != src.id) a_.movaps(d, vx(src));
      a_.shufps(d, d, 0);
      return;
    default:  // F64x2Splat
      if (dst.id != src.id) a_.movaps(d, vx(src));
      a_.movlhps(d, d);
      return;
  }
}

void Masm::vecExtract(Opcode op, uint32_t lane, Reg dst, Reg src) {
  Xmm s = vx(src);
  switch (op) {
    case Opcode::I8x16ExtractLaneS:
      a_.pextrb(gpd(dst.id), s, lane);
      a_.movsx(gpd(dst.id), gpb(dst.id));
      return;
    case Opcode::I8x16ExtractLaneU: a_.pextrb(gpd(dst.id), s, lane); return;
    case Opcode::I16x8ExtractLaneS:
      a_.pextrw(gpd(dst.id), s, lane);
      a_.movsx(gpd(dst.id), gpw(dst.id));
      return;
    case Opcode::I16x8ExtractLaneU: a_.pextrw(gpd(dst.id), s, lane); return;
    case Opcode::I32x4ExtractLane:
      if (lane == 0) a_.movd(gpd(dst.id), s);
      else a_.pextrd(gpd(dst.id), s, lane);
      return;
    case Opcode::I64x2ExtractLane:
      if (lane == 0) a_.movq(gpq(dst.id), s);
      else a_.pextrq(gpq(dst.id), s, lane);
      return;
    case Opcode::F32x4ExtractLane:
      // Lane `lane` to lane 0, the others zero (an f32 keeps bits 32..63 zero).
      a_.insertps(vx(dst), s, (lane << 6) | 0x0e);
      return;
    default:  // F64x2ExtractLane
      if (lane == 0) a_.movq(vx(dst), s);
      else a_.pshufd(vx(dst), s, 0xee);
      return;
  }
}

void Masm::vecReplace(Opcode op, uint32_t lane, Reg dst, Reg src) {
  Xmm d = vx(dst);
  switch (op) {
    case Opcode::I8x16ReplaceLane: a_.pinsrb(d, gpd(src.id), lane); return;
    case Opcode::I16x8ReplaceLane: a_.pinsrw(d, gpd(src.id), lane); return;
    case Opcode::I32x4ReplaceLane: a_.pinsrd(d, gpd(src.id), lane); return;
    case Opcode::I64x2ReplaceLane: a_.pinsrq(d, gpq(src.id), lane); return;
    case Opcode::F32x4ReplaceLane: a_.insertps(d, vx(src), lane << 4); return;
    default:  // F64x2ReplaceLane
      if (lane == 0) a_.movsd(d, vx(src));
      else a_.movlhps(d, vx(src));
      return;
  }
}

void Masm::vecShuffle(Reg dst, Reg b, const uint8_t* lanes, Reg tmp) {
  // Each operand through pshufb with its own control (0x80 zeroes a lane).
  uint8_t ca[16], cb[16];
  for (int i = 0; i < 16; ++i) {
    uint8_t l = lanes[i] & 31;
    ca[i] = l < 16 ? l : 0x80;
    cb[i] = l >= 16 ? uint8_t(l - 16) : 0x80;
  }
  Xmm d = vx(dst), t = vx(tmp);
  a_.movaps(t, vx(b));
  a_.pshufb(t, pool(cb));
  a_.pshufb(d, pool(ca));
  a_.por(d, t);
}

// ---- tests ----
bool Masm::vecTest(Opcode op, Reg dst, Reg src, Reg tmp) {
  Gp g = gpd(dst.id);
  Xmm s = vx(src), t = vx(tmp);
  switch (op) {
    case Opcode::V128AnyTrue:
      a_.xor_(g, g);
      a_.ptest(s, s);
      a_.setnz(gpb(dst.id));
      return true;
    case Opcode::I8x16AllTrue:
    case Opcode::I16x8AllTrue:
    case Opcode::I32x4AllTrue:
    case Opcode::I64x2AllTrue: {
      // All true: no lane equals zero.
      InstId eq = op == Opcode::I8x16AllTrue   ? Inst::kIdPcmpeqb
                  : op == Opcode::I16x8AllTrue ? Inst::kIdPcmpeqw
                  : op == Opcode::I32x4AllTrue ? Inst::kIdPcmpeqd
                                               : Inst::kIdPcmpeqq;
      a_.pxor(t, t);
      a_.emit(eq, t, s);
      a_.xor_(g, g);
      a_.ptest(t, t);
      a_.setz(gpb(dst.id));
      return true;
    }
    case Opcode::I8x16Bitmask: a_.pmovmskb(g, s); return true;
    case Opcode::I16x8Bitmask:
      // Words to bytes keeping the sign, then the low eight byte signs.
      a_.movaps(t, s);
      a_.packsswb(t, t);
      a_.pmovmskb(g, t);
      a_.movzx(g, gpb(dst.id));
      return true;
    case Opcode::I32x4Bitmask: a_.movmskps(g, s); return true;
    case Opcode::I64x2Bitmask: a_.movmskpd(g, s); return true;
    default: return false;
  }
}

void Masm::vecBitselect(Reg dst, Reg b, Reg c) {
  // ((a ^ b) & c) ^ b
  Xmm d = vx(dst);
  a_.pxor(d, vx(b));
  a_.pand(d, vx(c));
  a_.pxor(d, vx(b));
}

// ---- shifts: the count modulo the lane width ----
bool Masm::vecShift(Opcode op, Reg dst, Opnd count, Reg tmp) {
  Xmm d = vx(dst), t = vx(tmp);
  unsigned bits = 0;
  InstId id = Inst::kIdNone;
  switch (op) {
    case Opcode::I16x8Shl: bits = 16, id = Inst::kIdPsllw; break;
    case Opcode::I16x8ShrS: bits = 16, id = Inst::kIdPsraw; break;
    case Opcode::I16x8ShrU: bits = 16, id = Inst::kIdPsrlw; break;
    case Opcode::I32x4Shl: bits = 32, id = Inst::kIdPslld; break;
    case Opcode::I32x4ShrS: bits = 32, id = Inst::kIdPsrad; break;
    case Opcode::I32x4ShrU: bits = 32, id = Inst::kIdPsrld; break;
    case Opcode::I64x2Shl: bits = 64, id = Inst::kIdPsllq; break;
    case Opcode::I64x2ShrS:
    case Opcode::I64x2ShrU: bits = 64, id = Inst::kIdPsrlq; break;
    default: bits = 8; break;
  }
  // The count, masked, in r11 (and in the scratch xmm for the register forms).
  if (count.kind == Opnd::Imm) a_.mov(kS0.r32(), uint32_t(count.imm) & (bits - 1));
  else if (count.kind == Opnd::Slot) a_.mov(kS0.r32(), slot32(count.slot)), a_.and_(kS0.r32(), bits - 1);
  else a_.mov(kS0.r32(), gpd(count.reg.id)), a_.and_(kS0.r32(), bits - 1);
  if (bits == 8) {
    if (op == Opcode::I8x16ShrS) {
      // Each byte into the high half of a word, an arithmetic word shift by
      // count + 8, and back with signed saturation (exact: the words fit).
      a_.add(kS0.r32(), 8);
      a_.movd(kVs, kS0.r32());
      a_.movaps(t, d);
      a_.punpckhbw(t, t);
      a_.psraw(t, kVs);
      a_.punpcklbw(d, d);
      a_.psraw(d, kVs);
      a_.packsswb(d, t);
      return true;
    }
    // Word shifts, then the bits that crossed into a neighbouring byte
    // cleared with a mask from a table of eight (by count).
    bool left = op == Opcode::I8x16Shl;
    Label& table = byte_masks_[left ? 0 : 1];
    if (!table.isValid()) {
      for (int n = 0; n < 8; ++n) {
        PoolEntry e;
        std::memset(e.bytes, left ? uint8_t(0xff << n) : uint8_t(0xff >> n), 16);
        e.label = a_.newLabel();
        if (n == 0) table = e.label;
        pool_.push_back(e);  // consecutive, not shared
      }
    }
    a_.movd(kVs, kS0.r32());
    if (left) a_.psllw(d, kVs);
    else a_.psrlw(d, kVs);
    a_.shl(kS0.r32(), 4);
    a_.lea(kS1, ptr(table));
    a_.pand(d, ptr(kS1, kS0, 0, 0, 16));
    return true;
  }
  a_.movd(kVs, kS0.r32());
  if (op == Opcode::I64x2ShrS) {
    // (x >>u n ^ m) - m with m = the sign bit >>u n.
    a_.movdqa(t, poolSplat(uint64_t(1) << 63, 8));
    a_.psrlq(t, kVs);
    a_.psrlq(d, kVs);
    a_.pxor(d, t);
    a_.psubq(d, t);
    return true;
  }
  a_.emit(id, d, kVs);
  return true;
}

// ---- memory ----
void Masm::vecLoad(Opcode op, uint32_t lane, Reg dst, MemRef ref) {
  Xmm d = vx(dst);
  const OpInfo& info = opInfo(op);
  Mem m = memOperand(ref, info.access_bytes);
  switch (op) {
    case Opcode::V128Load: a_.movdqu(d, m); return;
    case Opcode::V128Load8x8S: a_.pmovsxbw(d, m); return;
    case Opcode::V128Load8x8U: a_.pmovzxbw(d, m); return;
    case Opcode::V128Load16x4S: a_.pmovsxwd(d, m); return;
    case Opcode::V128Load16x4U: a_.pmovzxwd(d, m); return;
    case Opcode::V128Load32x2S: a_.pmovsxdq(d, m); return;
    case Opcode::V128Load32x2U: a_.pmovzxdq(d, m); return;
    case Opcode::V128Load8Splat:
      a_.pinsrb(d, m, 0);
      a_.pxor(kVs, kVs);
      a_.pshufb(d, kVs);
      return;
    case Opcode::V128Load16Splat:
      a_.pinsrw(d, m, 0);
      a_.pshuflw(d, d, 0);
      a_.punpcklqdq(d, d);
      return;
    case Opcode::V128Load32Splat:
      a_.movd(d, m);
      a_.pshufd(d, d, 0);
      return;
    case Opcode::V128Load64Splat: a_.movddup(d, m); return;
    case Opcode::V128Load32Zero: a_.movd(d, m); return;
    case Opcode::V128Load64Zero: a_.movq(d, m); return;
    case Opcode::V128Load8Lane: a_.pinsrb(d, m, lane); return;
    case Opcode::V128Load16Lane: a_.pinsrw(d, m, lane); return;
    case Opcode::V128Load32Lane: a_.pinsrd(d, m, lane); return;
    default: a_.pinsrq(d, m, lane); return;  // V128Load64Lane
  }
}

void Masm::vecStore(Opcode op, uint32_t lane, MemRef ref, Reg src) {
  Xmm s = vx(src);
  Mem m = memOperand(ref, opInfo(op).access_bytes);
  switch (op) {
    case Opcode::V128Store: a_.movdqu(m, s); return;
    case Opcode::V128Store8Lane: a_.pextrb(m, s, lane); return;
    case Opcode::V128Store16Lane: a_.pextrw(m, s, lane); return;
    case Opcode::V128Store32Lane:
      if (lane == 0) a_.movd(m, s);
      else a_.pextrd(m, s, lane);
      return;
    default:  // V128Store64Lane
      if (lane == 0) a_.movq(m, s);
      else a_.movhps(m, s);
      return;
  }
}

void Masm::callSimd(uint32_t op, uint32_t lane, uint32_t frame_slot) {
  // jitSimd(ctx, op, lane, operands)
  a_.mov(rdi, r13);
  a_.mov(esi, op);
  a_.mov(edx, lane);
  a_.lea(rcx, slot(frame_slot));
  callHelper(helperId(HelperId::Simd));
}

}  // namespace tern::jit
