// The AArch64 backend's part of jit/backend.h: the entry trampoline and the
// shared stubs (asmjit), the per-function call-out stubs and bl patching
// (hand-encoded: four words each, see encode_a64.h), and the frame shape of
// frame_a64.h. The register contract is in frame_a64.h.
#include <asmjit/arm.h>
#if __has_include(<asmjit/a64.h>)
#include <asmjit/a64.h>
#else
#include <asmjit/arm/a64assembler.h>  // Debian's asmjit installs no a64.h
#endif

#include <cstring>

#include "jit/a64/encode_a64.h"
#include "jit/a64/frame_a64.h"
#include "jit/backend.h"
#include "jit/entry.h"
#include "jit/jit.h"

namespace tern::jit::backend {

using namespace asmjit;
using namespace asmjit::a64;

// Every Ctx field JIT code touches is reached with a scaled 12-bit offset
// from x21 (the call-out stubs' ldr is hand-encoded with it).
static_assert(kCtxCallOut % 8 == 0 && kCtxCallOut < 32768 && kCtxUnwind % 8 == 0 && kCtxEntrySp % 8 == 0 &&
              kCtxTrapSp % 8 == 0 && kCtxDepthLeft % 4 == 0 && kCtxTrapKind % 4 == 0 && kCtxTrapFunc % 4 == 0 &&
              kCtxTrapFp % 8 == 0 && kCtxTrapFp < 32768 && kCtxCatchSp % 8 == 0 && kCtxCatchSp < 32768);

namespace {

const GpX kFp = x(arm64::kFrameReg), kMem = x(arm64::kMemBaseReg), kCtx = x(arm64::kCtxReg);
const GpW kDepth = w(arm64::kDepthReg);
const GpX kS0 = x(arm64::kScratch0);

// Loads a host address (a C++ function's) into rd: code holds it as an
// immediate, so the stubs stay position-independent.
void loadAddress(a64::Assembler& a, unsigned rd, uintptr_t v) {
  for (unsigned hw = 0; hw < 4; ++hw) {
    uint32_t word = hw == 0 ? arm64::movz(true, rd, uint32_t(v), 0)
                            : arm64::movk(true, rd, uint32_t(v >> (16 * hw)), hw);
    a.embed(&word, 4);
  }
}

// enter(fp=x0, ctx=x1, entry=x2), then enter's epilogue at `leave`: saves
// the registers the AAPCS64 wants kept (JIT code uses them all).
void emitEnter(a64::Assembler& a, Label l_enter, Label l_leave) {
  a.bind(l_enter);
  a.stp(x29, x30, ptr_pre(sp, -160));
  a.mov(x29, sp);
  a.stp(x19, x20, ptr(sp, 16));
  a.stp(x21, x22, ptr(sp, 32));
  a.stp(x23, x24, ptr(sp, 48));
  a.stp(x25, x26, ptr(sp, 64));
  a.stp(x27, x28, ptr(sp, 80));
  a.stp(d8, d9, ptr(sp, 96));
  a.stp(d10, d11, ptr(sp, 112));
  a.stp(d12, d13, ptr(sp, 128));
  a.stp(d14, d15, ptr(sp, 144));
  a.mov(kCtx, x1);
  a.ldr(kMem, ptr(kCtx, kCtxMemBase));
  a.ldr(kDepth, ptr(kCtx, kCtxDepthLeft));
  a.mov(kS0, sp);
  a.str(kS0, ptr(kCtx, kCtxEntrySp));
  a.blr(x2);
  a.mov(w0, 0);
  a.bind(l_leave);
  a.ldp(d14, d15, ptr(sp, 144));
  a.ldp(d12, d13, ptr(sp, 128));
  a.ldp(d10, d11, ptr(sp, 112));
  a.ldp(d8, d9, ptr(sp, 96));
  a.ldp(x27, x28, ptr(sp, 80));
  a.ldp(x25, x26, ptr(sp, 64));
  a.ldp(x23, x24, ptr(sp, 48));
  a.ldp(x21, x22, ptr(sp, 32));
  a.ldp(x19, x20, ptr(sp, 16));
  a.ldp(x29, x30, ptr_post(sp, 160));
  a.ret(x30);
}

// A Wasm exception that a JIT frame's handler takes resumes at its landing
// pad (jitCatch); anything else records the frames still on the stack, then
// goes back to enter's frame, returning 1. sp is 16-byte aligned wherever a
// trap comes from.
void emitUnwind(a64::Assembler& a, Label l_unwind, Label l_leave) {
  a.bind(l_unwind);
  a.str(kFp, ptr(kCtx, kCtxTrapFp));
  a.str(kDepth, ptr(kCtx, kCtxDepthLeft));
  a.mov(x0, kCtx);
  loadAddress(a, arm64::kScratch0, uintptr_t(&jitCatch));
  a.blr(kS0);
  Label uncaught = a.newLabel();
  a.cbz(x0, uncaught);
  a.ldr(kS0, ptr(kCtx, kCtxCatchSp));
  a.mov(sp, kS0);
  a.ldr(kFp, ptr(kCtx, kCtxTrapFp));
  a.ldr(kDepth, ptr(kCtx, kCtxDepthLeft));
  a.br(x0);
  a.bind(uncaught);
  a.mov(x0, kCtx);
  a.ldr(x1, ptr(kCtx, kCtxTrapSp));
  loadAddress(a, arm64::kScratch0, uintptr_t(&jitCaptureFrames));
  a.blr(kS0);
  a.ldr(kS0, ptr(kCtx, kCtxEntrySp));
  a.mov(sp, kS0);
  a.mov(w0, 1);
  a.b(l_leave);
}

// Function index in w1, callee frame in x0, the return address into the
// caller in x30 (a call-out stub was reached by bl, then br). jitCallOut's
// result above 1 is the callee's code, compiled at this first call: branched
// to with x0 and x30 as they were, as the caller's call would have.
void emitCallOut(a64::Assembler& a, Label l_out) {
  a.bind(l_out);
  a.str(x0, ptr_pre(sp, -16));  // kept for a branch to compiled code
  a.stp(kFp, x30, ptr_pre(sp, -16));
  a.str(kDepth, ptr(kCtx, kCtxDepthLeft));
  a.add(x3, sp, 32);  // the caller's body sp (jitCallOut's caller_sp)
  a.mov(x2, x0);
  a.mov(x0, kCtx);
  loadAddress(a, arm64::kScratch0, uintptr_t(&jitCallOut));
  a.blr(kS0);
  Label trapped = a.newLabel(), done = a.newLabel();
  a.ldp(kFp, x30, ptr_post(sp, 16));
  a.cmp(x0, 1);
  a.b_ls(done);
  a.mov(kS0, x0);
  a.ldr(x0, ptr_post(sp, 16));
  a.br(kS0);
  a.bind(done);
  a.add(sp, sp, 16);
  a.cbnz(w0, trapped);
  a.ret(x30);
  a.bind(trapped);
  a.stp(kFp, x30, ptr_pre(sp, -16));
  // The (x19, x30) pair stays: a trap made by a call (frame_a64.h).
  static_assert(arm64::kCallReturnOffset == 8 && arm64::kCallSize == 16);
  a.mov(w16, -1);
  a.str(w16, ptr(kCtx, kCtxTrapFunc));
  a.mov(kS0, sp);
  a.str(kS0, ptr(kCtx, kCtxTrapSp));
  a.ldr(kS0, ptr(kCtx, kCtxUnwind));
  a.br(kS0);
}

}  // namespace

bool emitSharedStubs(std::vector<uint8_t>& out, StubOffsets& at) {
  CodeHolder code;
  if (code.init(Environment::host()) != kErrorOk) return false;
  a64::Assembler a(&code);
  Label l_enter = a.newLabel(), l_leave = a.newLabel(), l_unwind = a.newLabel(), l_out = a.newLabel(),
        l_ret = a.newLabel();
  emitEnter(a, l_enter, l_leave);
  a.align(AlignMode::kCode, 16);
  emitUnwind(a, l_unwind, l_leave);
  a.align(AlignMode::kCode, 16);
  emitCallOut(a, l_out);
  // A function that does nothing (call_indirect to a function that the
  // helper already ran).
  a.align(AlignMode::kCode, 16);
  a.bind(l_ret);
  a.ret(x30);

  if (code.flatten() != kErrorOk || code.resolveUnresolvedLinks() != kErrorOk || code.relocateToBase(0) != kErrorOk)
    return false;
  size_t base = out.size();
  out.resize(base + code.codeSize());
  if (code.copyFlattenedData(out.data() + base, code.codeSize(), CopySectionFlags::kPadSectionBuffer) != kErrorOk)
    return false;
  at.enter = base + code.labelOffset(l_enter);
  at.unwind = base + code.labelOffset(l_unwind);
  at.call_out = base + code.labelOffset(l_out);
  at.ret = base + code.labelOffset(l_ret);
  return true;
}

namespace {
void put(std::vector<uint8_t>& code, uint32_t word) {
  uint8_t b[4];
  std::memcpy(b, &word, 4);
  code.insert(code.end(), b, b + 4);
}
}  // namespace

void alignCode(std::vector<uint8_t>& code) {
  while (code.size() % 16) put(code, arm64::udf(0));  // code is always whole words
}

void emitCallOutStub(std::vector<uint8_t>& code, uint32_t func_index) {
  // mov w1, #func_index; ldr x16, [x21, #kCtxCallOut]; br x16
  put(code, arm64::movz(false, 1, func_index & 0xffff, 0));
  put(code, arm64::movk(false, 1, func_index >> 16, 1));
  put(code, arm64::ldrX(arm64::kScratch0, arm64::kCtxReg, kCtxCallOut));
  put(code, arm64::br(arm64::kScratch0));
}

void emitTableJumpStub(std::vector<uint8_t>& code, uint32_t func_index) {
  // mov w17, #func_index; ldr x16, [x21, #kCtxFuncTable]; ldr x16, [x16, x17, lsl #3]; br x16.
  // x16 and x17 are free at a call: only x0 (the callee's frame pointer) carries a value.
  put(code, arm64::movz(false, arm64::kScratch1, func_index & 0xffff, 0));
  put(code, arm64::movk(false, arm64::kScratch1, func_index >> 16, 1));
  put(code, arm64::ldrX(arm64::kScratch0, arm64::kCtxReg, kCtxFuncTable));
  put(code, arm64::ldrXIndexed(arm64::kScratch0, arm64::kScratch0, arm64::kScratch1));
  put(code, arm64::br(arm64::kScratch0));
}

void patchCall(uint8_t* code, size_t site, size_t target) {
  // `site` is the offset of a bl, or of a tail call's b (the same encoding
  // but bit 31, which stays); its 26-bit word offset reaches +-128 MiB.
  uint32_t old;
  std::memcpy(&old, code + site, 4);
  uint32_t word = arm64::bl(int32_t((int64_t(target) - int64_t(site)) / 4)) & (old | 0x7fffffffu);
  std::memcpy(code + site, &word, 4);
}

// The AArch64 Masm uses the base ARMv8-A instructions only.
uint64_t cpuFeatures() { return 0; }
std::string cpuFeatureNames(uint64_t bits) { return bits ? "bits " + std::to_string(bits) : "none"; }

const FrameShape& frameShape() {
  static constexpr FrameShape shape{arm64::kFrameSize, arm64::kFrameReturnOffset, arm64::kFrameFpOffset,
                                    arm64::kCallSize, arm64::kCallReturnOffset};
  return shape;
}

}  // namespace tern::jit::backend
