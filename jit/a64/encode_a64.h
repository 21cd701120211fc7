// The few AArch64 instruction words the backend writes itself rather than
// through asmjit: the call-out stubs and call patching (a handful of words
// each, outside any assembler), movz/movk sequences whose immediates are
// patched once known, and the conditional selects whose condition the Masm
// picks at run time. Condition codes here are the architecture's (EQ 0 ...
// LE 13), not asmjit's CondCode numbering.
#pragma once

#include <cstdint>

namespace tern::jit::arm64 {

enum ArmCond : uint32_t { kEq = 0, kNe, kHs, kLo, kMi, kPl, kVs, kVc, kHi, kLs, kGe, kLt, kGt, kLe };

// movz / movk Rd, #imm16, lsl #(16 * hw); sf: the 64-bit form.
constexpr uint32_t movz(bool sf, unsigned rd, uint32_t imm16, unsigned hw) {
  return (sf ? 0xd2800000u : 0x52800000u) | (hw << 21) | ((imm16 & 0xffff) << 5) | rd;
}
constexpr uint32_t movk(bool sf, unsigned rd, uint32_t imm16, unsigned hw) {
  return (sf ? 0xf2800000u : 0x72800000u) | (hw << 21) | ((imm16 & 0xffff) << 5) | rd;
}
constexpr uint32_t movn(bool sf, unsigned rd, uint32_t imm16, unsigned hw) {
  return (sf ? 0x92800000u : 0x12800000u) | (hw << 21) | ((imm16 & 0xffff) << 5) | rd;
}
// ldr Xt, [Xn, #byte_offset] (a multiple of 8 below 32768).
constexpr uint32_t ldrX(unsigned rt, unsigned rn, uint32_t byte_offset) {
  return 0xf9400000u | ((byte_offset / 8) << 10) | (rn << 5) | rt;
}
// ldr Xt, [Xn, Xm, lsl #3].
constexpr uint32_t ldrXIndexed(unsigned rt, unsigned rn, unsigned rm) {
  return 0xf8607800u | (rm << 16) | (rn << 5) | rt;
}
constexpr uint32_t br(unsigned rn) { return 0xd61f0000u | (rn << 5); }
// bl to a word offset (target - site) / 4, within +-128 MiB.
constexpr uint32_t bl(int32_t word_offset) { return 0x94000000u | (uint32_t(word_offset) & 0x03ffffffu); }
// b: bl without the link (bit 31 clear).
constexpr uint32_t b(int32_t word_offset) { return 0x14000000u | (uint32_t(word_offset) & 0x03ffffffu); }
constexpr uint32_t udf(uint32_t imm16) { return imm16 & 0xffff; }
// csinc Rd, Rn, Rm, cond; cset Rd, cond is csinc Rd, zr, zr, !cond.
constexpr uint32_t csinc(bool sf, unsigned rd, unsigned rn, unsigned rm, uint32_t cond) {
  return (sf ? 0x9a800400u : 0x1a800400u) | (rm << 16) | (cond << 12) | (rn << 5) | rd;
}
constexpr uint32_t cset(bool sf, unsigned rd, uint32_t cond) { return csinc(sf, rd, 31, 31, cond ^ 1); }
// csel Rd, Rn, Rm, cond: Rd = cond ? Rn : Rm.
constexpr uint32_t csel(bool sf, unsigned rd, unsigned rn, unsigned rm, uint32_t cond) {
  return (sf ? 0x9a800000u : 0x1a800000u) | (rm << 16) | (cond << 12) | (rn << 5) | rd;
}

}  // namespace tern::jit::arm64
