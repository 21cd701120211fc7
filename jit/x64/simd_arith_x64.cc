// x86-64 encodings of the SIMD arithmetic, compare and conversion emitters
// (see simd_x64.cc for the conventions and what is left to helpers).
#include <cstring>

#include "jit/x64/masm_x64.h"

namespace tern::jit {

using namespace asmjit;
using namespace asmjit::x86;
using AImm = asmjit::Imm;

namespace {
Xmm vx(Reg r) { return xmm(r.id); }
const Xmm kVs = xmm15;

// The instructions that are one SSE (or VEX) instruction: dst = dst op rhs.
struct Simple {
  Opcode op;
  InstId sse, avx;
};
#define S(OP, I, V) \
  { Opcode::OP, Inst::kId##I, Inst::kId##V }
const Simple kSimple[] = {
    S(I8x16Add, Paddb, Vpaddb),
    S(I8x16Sub, Psubb, Vpsubb),
    S(I8x16AddSatS, Paddsb, Vpaddsb),
    S(I8x16AddSatU, Paddusb, Vpaddusb),
    S(I8x16SubSatS, Psubsb, Vpsubsb),
    S(I8x16SubSatU, Psubusb, Vpsubusb),
    S(I8x16MinS, Pminsb, Vpminsb),
    S(I8x16MinU, Pminub, Vpminub),
    S(I8x16MaxS, Pmaxsb, Vpmaxsb),
    S(I8x16MaxU, Pmaxub, Vpmaxub),
    S(I8x16AvgrU, Pavgb, Vpavgb),
    S(I8x16Eq, Pcmpeqb, Vpcmpeqb),
    S(I8x16GtS, Pcmpgtb, Vpcmpgtb),
    S(I16x8Add, Paddw, Vpaddw),
    S(I16x8Sub, Psubw, Vpsubw),
    S(I16x8AddSatS, Paddsw, Vpaddsw),
    S(I16x8AddSatU, Paddusw, Vpaddusw),
    S(I16x8SubSatS, Psubsw, Vpsubsw),
    S(I16x8SubSatU, Psubusw, Vpsubusw),
    S(I16x8Mul, Pmullw, Vpmullw),
    S(I16x8MinS, Pminsw, Vpminsw),
    S(I16x8MinU, Pminuw, Vpminuw),
    S(I16x8MaxS, Pmaxsw, Vpmaxsw),
    S(I16x8MaxU, Pmaxuw, Vpmaxuw),
    S(I16x8AvgrU, Pavgw, Vpavgw),
    S(I16x8Eq, Pcmpeqw, Vpcmpeqw),
    S(I16x8GtS, Pcmpgtw, Vpcmpgtw),
    S(I32x4Add, Paddd, Vpaddd),
    S(I32x4Sub, Psubd, Vpsubd),
    S(I32x4Mul, Pmulld, Vpmulld),
    S(I32x4MinS, Pminsd, Vpminsd),
    S(I32x4MinU, Pminud, Vpminud),
    S(I32x4MaxS, Pmaxsd, Vpmaxsd),
    S(I32x4MaxU, Pmaxud, Vpmaxud),
    S(I32x4Eq, Pcmpeqd, Vpcmpeqd),
    S(I32x4GtS, Pcmpgtd, Vpcmpgtd),
    S(I32x4DotI16x8S, Pmaddwd, Vpmaddwd),
    S(I64x2Add, Paddq, Vpaddq),
    S(I64x2Sub, Psubq, Vpsubq),
    S(I64x2Eq, Pcmpeqq, Vpcmpeqq),
    S(F32x4Add, Addps, Vaddps),
    S(F32x4Sub, Subps, Vsubps),
    S(F32x4Mul, Mulps, Vmulps),
    S(F32x4Div, Divps, Vdivps),
    S(F64x2Add, Addpd, Vaddpd),
    S(F64x2Sub, Subpd, Vsubpd),
    S(F64x2Mul, Mulpd, Vmulpd),
    S(F64x2Div, Divpd, Vdivpd),
    S(V128And, Pand, Vpand),
    S(V128Or, Por, Vpor),
    S(V128Xor, Pxor, Vpxor),
    S(I8x16NarrowI16x8S, Packsswb, Vpacksswb),
    S(I8x16NarrowI16x8U, Packuswb, Vpackuswb),
    S(I16x8NarrowI32x4S, Packssdw, Vpackssdw),
    S(I16x8NarrowI32x4U, Packusdw, Vpackusdw),
};
#undef S
}  // namespace

bool Masm::vecBinop(Opcode op, Reg dst, Reg rhs, Reg tmp) {
  Xmm d = vx(dst), b = vx(rhs), t = vx(tmp);
  for (const Simple& s : kSimple) {
    if (s.op == op) {
      v3(s.sse, s.avx, d, d, b);
      return true;
    }
  }
  switch (op) {
    case Opcode::V128AndNot:  // dst & ~rhs
      v3(Inst::kIdPandn, Inst::kIdVpandn, t, b, d);
      a_.movaps(d, t);
      return true;
    case Opcode::F32x4Pmin:  // rhs < dst ? rhs : dst, which is minps(rhs, dst)
    case Opcode::F32x4Pmax:  // dst < rhs ? rhs : dst, which is maxps(rhs, dst)
    case Opcode::F64x2Pmin:
    case Opcode::F64x2Pmax: {
      bool dbl = op == Opcode::F64x2Pmin || op == Opcode::F64x2Pmax;
      bool max = op == Opcode::F32x4Pmax || op == Opcode::F64x2Pmax;
      InstId sse = max ? (dbl ? Inst::kIdMaxpd : Inst::kIdMaxps) : (dbl ? Inst::kIdMinpd : Inst::kIdMinps);
      InstId avx = max ? (dbl ? Inst::kIdVmaxpd : Inst::kIdVmaxps) : (dbl ? Inst::kIdVminpd : Inst::kIdVminps);
      v3(sse, avx, t, b, d);
      a_.movaps(d, t);
      return true;
    }
    // f32x4/f64x2 min and max: their helper. simd.h gives a NaN operand's
    // result as sem::wasmMin's `a + b`, and which NaN that returns when both
    // are NaN depends on the operand order the C++ compiler picked for the
    // addition (GCC may commute it), so no fixed sequence matches it bit for
    // bit on every build; the scalar f32/f64 min/max call theirs too.
    case Opcode::I64x2Mul:
      // lo(a) * lo(b) + ((hi(a) * lo(b) + lo(a) * hi(b)) << 32)
      a_.movaps(t, d);
      a_.psrlq(t, 32);
      a_.pmuludq(t, b);
      a_.movaps(kVs, b);
      a_.psrlq(kVs, 32);
      a_.pmuludq(kVs, d);
      a_.paddq(t, kVs);
      a_.psllq(t, 32);
      a_.pmuludq(d, b);
      a_.paddq(d, t);
      return true;
    case Opcode::I16x8Q15mulrSatS:
      // pmulhrsw gives 0x8000 for -32768 * -32768 only: those lanes become 0x7fff.
      a_.pmulhrsw(d, b);
      a_.movdqa(t, poolSplat(0x8000, 2));
      a_.pcmpeqw(t, d);
      a_.pxor(d, t);
      return true;
    case Opcode::I8x16Swizzle:
      // Indices past 15 get the top bit (saturating), which pshufb makes 0.
      a_.movdqa(t, poolSplat(0x70, 1));
      a_.paddusb(t, b);
      a_.pshufb(d, t);
      return true;
    case Opcode::I16x8ExtmulLowI8x16S:
    case Opcode::I16x8ExtmulHighI8x16S:
    case Opcode::I16x8ExtmulLowI8x16U:
    case Opcode::I16x8ExtmulHighI8x16U: {
      bool high = op == Opcode::I16x8ExtmulHighI8x16S || op == Opcode::I16x8ExtmulHighI8x16U;
      bool sign = op == Opcode::I16x8ExtmulLowI8x16S || op == Opcode::I16x8ExtmulHighI8x16S;
      InstId ext = sign ? Inst::kIdPmovsxbw : Inst::kIdPmovzxbw;
      if (high) {
        a_.pshufd(t, b, 0xee);
        a_.emit(ext, t, t);
        a_.pshufd(d, d, 0xee);
      } else {
        a_.emit(ext, t, b);
      }
      a_.emit(ext, d, d);
      a_.pmullw(d, t);
      return true;
    }
    case Opcode::I32x4ExtmulLowI16x8S:
    case Opcode::I32x4ExtmulHighI16x8S:
    case Opcode::I32x4ExtmulLowI16x8U:
    case Opcode::I32x4ExtmulHighI16x8U: {
      bool high = op == Opcode::I32x4ExtmulHighI16x8S || op == Opcode::I32x4ExtmulHighI16x8U;
      bool sign = op == Opcode::I32x4ExtmulLowI16x8S || op == Opcode::I32x4ExtmulHighI16x8S;
      // The low and high halves of the 32-bit products, interleaved.
      a_.movaps(t, d);
      a_.emit(sign ? Inst::kIdPmulhw : Inst::kIdPmulhuw, t, b);
      a_.pmullw(d, b);
      if (high) a_.punpckhwd(d, t);
      else a_.punpcklwd(d, t);
      return true;
    }
    case Opcode::I64x2ExtmulLowI32x4S:
    case Opcode::I64x2ExtmulHighI32x4S:
    case Opcode::I64x2ExtmulLowI32x4U:
    case Opcode::I64x2ExtmulHighI32x4U: {
      bool high = op == Opcode::I64x2ExtmulHighI32x4S || op == Opcode::I64x2ExtmulHighI32x4U;
      bool sign = op == Opcode::I64x2ExtmulLowI32x4S || op == Opcode::I64x2ExtmulHighI32x4S;
      // The two lanes to lanes 0 and 2, where pmul(u)dq reads.
      uint32_t order = high ? 0xfa : 0x50;
      a_.pshufd(t, b, order);
      a_.pshufd(d, d, order);
      a_.emit(sign ? Inst::kIdPmuldq : Inst::kIdPmuludq, d, t);
      return true;
    }
    default: return vecCompare(op, dst, rhs, tmp);
  }
}

// Compares that are not one instruction: swapped operands, a negation, or
// (a <= b) as (min(a, b) == a).
bool Masm::vecCompare(Opcode op, Reg dst, Reg rhs, Reg tmp) {
  Xmm d = vx(dst), b = vx(rhs), t = vx(tmp);
  auto invert = [&] {
    a_.pcmpeqd(t, t);
    a_.pxor(d, t);
  };
  // dst = (rhs > dst), with the compare `gt`.
  auto swapped = [&](InstId gt) {
    a_.movaps(t, b);
    a_.emit(gt, t, d);
    a_.movaps(d, t);
  };
  // dst = (minmax(dst, rhs) == dst).
  auto viaMinMax = [&](InstId mm, InstId eq) {
    a_.movaps(t, d);
    a_.emit(mm, t, b);
    a_.emit(eq, d, t);
  };
  switch (op) {
    case Opcode::I8x16Ne: a_.pcmpeqb(d, b), invert(); return true;
    case Opcode::I16x8Ne: a_.pcmpeqw(d, b), invert(); return true;
    case Opcode::I32x4Ne: a_.pcmpeqd(d, b), invert(); return true;
    case Opcode::I64x2Ne: a_.pcmpeqq(d, b), invert(); return true;
    case Opcode::I8x16LtS: swapped(Inst::kIdPcmpgtb); return true;
    case Opcode::I16x8LtS: swapped(Inst::kIdPcmpgtw); return true;
    case Opcode::I32x4LtS: swapped(Inst::kIdPcmpgtd); return true;
    case Opcode::I8x16LeS: viaMinMax(Inst::kIdPminsb, Inst::kIdPcmpeqb); return true;
    case Opcode::I16x8LeS: viaMinMax(Inst::kIdPminsw, Inst::kIdPcmpeqw); return true;
    case Opcode::I32x4LeS: viaMinMax(Inst::kIdPminsd, Inst::kIdPcmpeqd); return true;
    case Opcode::I8x16GeS: viaMinMax(Inst::kIdPmaxsb, Inst::kIdPcmpeqb); return true;
    case Opcode::I16x8GeS: viaMinMax(Inst::kIdPmaxsw, Inst::kIdPcmpeqw); return true;
    case Opcode::I32x4GeS: viaMinMax(Inst::kIdPmaxsd, Inst::kIdPcmpeqd); return true;
    case Opcode::I8x16LeU: viaMinMax(Inst::kIdPminub, Inst::kIdPcmpeqb); return true;
    case Opcode::I16x8LeU: viaMinMax(Inst::kIdPminuw, Inst::kIdPcmpeqw); return true;
    case Opcode::I32x4LeU: viaMinMax(Inst::kIdPminud, Inst::kIdPcmpeqd); return true;
    case Opcode::I8x16GeU: viaMinMax(Inst::kIdPmaxub, Inst::kIdPcmpeqb); return true;
    case Opcode::I16x8GeU: viaMinMax(Inst::kIdPmaxuw, Inst::kIdPcmpeqw); return true;
    case Opcode::I32x4GeU: viaMinMax(Inst::kIdPmaxud, Inst::kIdPcmpeqd); return true;
    case Opcode::I8x16GtU: viaMinMax(Inst::kIdPminub, Inst::kIdPcmpeqb), invert(); return true;
    case Opcode::I16x8GtU: viaMinMax(Inst::kIdPminuw, Inst::kIdPcmpeqw), invert(); return true;
    case Opcode::I32x4GtU: viaMinMax(Inst::kIdPminud, Inst::kIdPcmpeqd), invert(); return true;
    case Opcode::I8x16LtU: viaMinMax(Inst::kIdPmaxub, Inst::kIdPcmpeqb), invert(); return true;
    case Opcode::I16x8LtU: viaMinMax(Inst::kIdPmaxuw, Inst::kIdPcmpeqw), invert(); return true;
    case Opcode::I32x4LtU: viaMinMax(Inst::kIdPmaxud, Inst::kIdPcmpeqd), invert(); return true;
    case Opcode::I64x2GtS:
    case Opcode::I64x2LtS:
    case Opcode::I64x2LeS:
    case Opcode::I64x2GeS:
      if (!sse42_) return false;
      if (op == Opcode::I64x2GtS) a_.pcmpgtq(d, b);
      else if (op == Opcode::I64x2LtS) swapped(Inst::kIdPcmpgtq);
      else if (op == Opcode::I64x2LeS) a_.pcmpgtq(d, b), invert();
      else swapped(Inst::kIdPcmpgtq), invert();
      return true;
    default: break;
  }
  // Float compares: cmpps/cmppd predicates (eq 0, lt 1, le 2, neq 4, which
  // is true on NaN as ne must be); gt and ge swap the operands.
  bool dbl;
  int pred;
  bool swap = false;
  switch (op) {
    case Opcode::F32x4Eq: dbl = false, pred = 0; break;
    case Opcode::F32x4Ne: dbl = false, pred = 4; break;
    case Opcode::F32x4Lt: dbl = false, pred = 1; break;
    case Opcode::F32x4Le: dbl = false, pred = 2; break;
    case Opcode::F32x4Gt: dbl = false, pred = 1, swap = true; break;
    case Opcode::F32x4Ge: dbl = false, pred = 2, swap = true; break;
    case Opcode::F64x2Eq: dbl = true, pred = 0; break;
    case Opcode::F64x2Ne: dbl = true, pred = 4; break;
    case Opcode::F64x2Lt: dbl = true, pred = 1; break;
    case Opcode::F64x2Le: dbl = true, pred = 2; break;
    case Opcode::F64x2Gt: dbl = true, pred = 1, swap = true; break;
    case Opcode::F64x2Ge: dbl = true, pred = 2, swap = true; break;
    default: return false;
  }
  InstId sse = dbl ? Inst::kIdCmppd : Inst::kIdCmpps, avx = dbl ? Inst::kIdVcmppd : Inst::kIdVcmpps;
  if (!swap) {
    if (avx_) a_.emit(avx, d, d, b, AImm(pred));
    else a_.emit(sse, d, b, AImm(pred));
  } else if (avx_) {
    a_.emit(avx, d, b, d, AImm(pred));
  } else {
    a_.movaps(t, b);
    a_.emit(sse, t, d, AImm(pred));
    a_.movaps(d, t);
  }
  return true;
}

bool Masm::vecUnop(Opcode op, Reg dst, Reg src, Reg tmp) {
  Xmm d = vx(dst), s = vx(src), t = vx(tmp);
  if (dst.id != src.id) a_.movaps(d, s);
  switch (op) {
    case Opcode::V128Not:
      a_.pcmpeqd(t, t);
      a_.pxor(d, t);
      return true;
    case Opcode::I8x16Abs: a_.pabsb(d, d); return true;
    case Opcode::I16x8Abs: a_.pabsw(d, d); return true;
    case Opcode::I32x4Abs: a_.pabsd(d, d); return true;
    case Opcode::I64x2Abs:
      // (x ^ s) - s with s the sign, spread over the lane.
      a_.movaps(t, d);
      a_.psrad(t, 31);
      a_.pshufd(t, t, 0xf5);
      a_.pxor(d, t);
      a_.psubq(d, t);
      return true;
    case Opcode::I8x16Neg:
    case Opcode::I16x8Neg:
    case Opcode::I32x4Neg:
    case Opcode::I64x2Neg: {
      InstId sub = op == Opcode::I8x16Neg   ? Inst::kIdPsubb
                   : op == Opcode::I16x8Neg ? Inst::kIdPsubw
                   : op == Opcode::I32x4Neg ? Inst::kIdPsubd
                                            : Inst::kIdPsubq;
      a_.pxor(t, t);
      a_.emit(sub, t, d);
      a_.movaps(d, t);
      return true;
    }
    case Opcode::F32x4Abs: a_.andps(d, poolSplat(0x7fffffff, 4)); return true;
    case Opcode::F32x4Neg: a_.xorps(d, poolSplat(0x80000000, 4)); return true;
    case Opcode::F64x2Abs: a_.andpd(d, poolSplat(~(uint64_t(1) << 63), 8)); return true;
    case Opcode::F64x2Neg: a_.xorpd(d, poolSplat(uint64_t(1) << 63, 8)); return true;
    case Opcode::F32x4Sqrt: a_.sqrtps(d, d); return true;
    case Opcode::F64x2Sqrt: a_.sqrtpd(d, d); return true;
    // roundps/pd: 2 ceil, 1 floor, 3 trunc, 0 nearest (ties to even); they quiet a NaN.
    case Opcode::F32x4Ceil: a_.roundps(d, d, 2); return true;
    case Opcode::F32x4Floor: a_.roundps(d, d, 1); return true;
    case Opcode::F32x4Trunc: a_.roundps(d, d, 3); return true;
    case Opcode::F32x4Nearest: a_.roundps(d, d, 0); return true;
    case Opcode::F64x2Ceil: a_.roundpd(d, d, 2); return true;
    case Opcode::F64x2Floor: a_.roundpd(d, d, 1); return true;
    case Opcode::F64x2Trunc: a_.roundpd(d, d, 3); return true;
    case Opcode::F64x2Nearest: a_.roundpd(d, d, 0); return true;
    case Opcode::I8x16Popcnt: {
      // Each nibble's count from a 16-entry table (pshufb), added.
      static const uint8_t kCounts[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
      Mem low = poolSplat(0x0f, 1);
      a_.movaps(kVs, d);
      a_.psrlw(kVs, 4);
      a_.pand(kVs, low);
      a_.movdqa(t, low);
      a_.pand(t, d);
      a_.movdqa(d, pool(kCounts));
      a_.pshufb(d, t);
      a_.movdqa(t, pool(kCounts));
      a_.pshufb(t, kVs);
      a_.paddb(d, t);
      return true;
    }
    case Opcode::I16x8ExtendLowI8x16S: a_.pmovsxbw(d, d); return true;
    case Opcode::I16x8ExtendLowI8x16U: a_.pmovzxbw(d, d); return true;
    case Opcode::I32x4ExtendLowI16x8S: a_.pmovsxwd(d, d); return true;
    case Opcode::I32x4ExtendLowI16x8U: a_.pmovzxwd(d, d); return true;
    case Opcode::I64x2ExtendLowI32x4S: a_.pmovsxdq(d, d); return true;
    case Opcode::I64x2ExtendLowI32x4U: a_.pmovzxdq(d, d); return true;
    case Opcode::I16x8ExtendHighI8x16S: a_.pshufd(d, d, 0xee), a_.pmovsxbw(d, d); return true;
    case Opcode::I16x8ExtendHighI8x16U: a_.pshufd(d, d, 0xee), a_.pmovzxbw(d, d); return true;
    case Opcode::I32x4ExtendHighI16x8S: a_.pshufd(d, d, 0xee), a_.pmovsxwd(d, d); return true;
    case Opcode::I32x4ExtendHighI16x8U: a_.pshufd(d, d, 0xee), a_.pmovzxwd(d, d); return true;
    case Opcode::I64x2ExtendHighI32x4S: a_.pshufd(d, d, 0xee), a_.pmovsxdq(d, d); return true;
    case Opcode::I64x2ExtendHighI32x4U: a_.pshufd(d, d, 0xee), a_.pmovzxdq(d, d); return true;
    case Opcode::I16x8ExtaddPairwiseI8x16S:
      // pmaddubsw: unsigned bytes of its first operand times signed bytes of the second.
      a_.movdqa(t, poolSplat(0x01, 1));
      a_.pmaddubsw(t, d);
      a_.movaps(d, t);
      return true;
    case Opcode::I16x8ExtaddPairwiseI8x16U: a_.pmaddubsw(d, poolSplat(0x01, 1)); return true;
    case Opcode::I32x4ExtaddPairwiseI16x8S: a_.pmaddwd(d, poolSplat(0x0001, 2)); return true;
    case Opcode::I32x4ExtaddPairwiseI16x8U:
      // Biased to signed, summed, and the bias (2 * 32768) added back.
      a_.pxor(d, poolSplat(0x8000, 2));
      a_.pmaddwd(d, poolSplat(0x0001, 2));
      a_.paddd(d, poolSplat(0x00010000, 4));
      return true;
    default: return vecConvert(op, dst, dst, tmp);
  }
}

bool Masm::vecConvert(Opcode op, Reg dst, Reg, Reg tmp) {
  Xmm d = vx(dst), t = vx(tmp);
  switch (op) {
    case Opcode::F32x4ConvertI32x4S: a_.cvtdq2ps(d, d); return true;
    case Opcode::F32x4ConvertI32x4U:
      // The low 16 bits convert exactly, the rest halved (exact too), doubled
      // and added: one rounding.
      a_.pxor(t, t);
      a_.pblendw(t, d, 0x55);
      a_.psubd(d, t);
      a_.cvtdq2ps(t, t);
      a_.psrld(d, 1);
      a_.cvtdq2ps(d, d);
      a_.addps(d, d);
      a_.addps(d, t);
      return true;
    case Opcode::F64x2ConvertLowI32x4S: a_.cvtdq2pd(d, d); return true;
    case Opcode::F64x2ConvertLowI32x4U:
      // 2^52 + x as a double's bits, minus 2^52.
      a_.unpcklps(d, poolSplat(0x43300000, 4));
      a_.subpd(d, poolSplat(0x4330000000000000ull, 8));
      return true;
    case Opcode::F32x4DemoteF64x2Zero: a_.cvtpd2ps(d, d); return true;
    case Opcode::F64x2PromoteLowF32x4: a_.cvtps2pd(d, d); return true;
    case Opcode::I32x4TruncSatF32x4S:
      // NaN lanes to 0, then cvttps2dq, whose 0x80000000 on positive
      // overflow becomes 0x7fffffff.
      a_.movaps(t, d);
      a_.cmpps(t, t, 0);
      a_.andps(d, t);
      a_.pxor(t, d);
      a_.cvttps2dq(d, d);
      a_.pand(t, d);
      a_.psrad(t, 31);
      a_.pxor(d, t);
      return true;
    case Opcode::I32x4TruncSatF32x4U:
      // NaN and negatives to 0; x < 2^31 converts directly, x - 2^31 for the
      // rest, and x >= 2^32 gives 0x7fffffff + 0x80000000.
      a_.xorps(kVs, kVs);
      a_.maxps(d, kVs);
      a_.movaps(kVs, poolSplat(0x4f000000, 4));  // 2^31
      a_.movaps(t, d);
      a_.subps(t, kVs);
      a_.cmpps(kVs, t, 2);  // 2^31 <= x - 2^31
      a_.cvttps2dq(t, t);
      a_.pxor(t, kVs);
      a_.pxor(kVs, kVs);
      a_.pmaxsd(t, kVs);
      a_.cvttps2dq(d, d);
      a_.paddd(d, t);
      return true;
    case Opcode::I32x4TruncSatF64x2SZero:
      // NaN lanes to 0 and the top clamped; cvttpd2dq gives INT_MIN below
      // and zeroes the upper lanes.
      a_.movaps(t, d);
      a_.cmppd(t, t, 0);
      a_.andpd(t, poolSplat(0x41dfffffffc00000ull, 8));  // 2147483647.0
      a_.minpd(d, t);
      a_.cvttpd2dq(d, d);
      return true;
    case Opcode::I32x4TruncSatF64x2UZero:
      // Clamped to [0, 2^32 - 1] (NaN to 0), truncated, and the integer
      // read from the low bits of 2^52 + x.
      a_.xorpd(t, t);
      a_.maxpd(d, t);
      a_.minpd(d, poolSplat(0x41efffffffe00000ull, 8));  // 4294967295.0
      a_.roundpd(d, d, 3);
      a_.addpd(d, poolSplat(0x4330000000000000ull, 8));
      a_.shufps(d, t, 0x88);
      return true;
    default: return false;
  }
}

}  // namespace tern::jit
