// The x86-64 backend's part of jit/backend.h: the entry trampoline and the
// shared stubs (asmjit), the per-function call-out stubs and rel32 call
// patching (hand-encoded: a few bytes each), and the frame shape of
// frame_x64.h. The register contract is in frame_x64.h.
#include <asmjit/x86.h>

#include <cstdlib>
#include <cstring>
#include <iterator>

#include "jit/backend.h"
#include "jit/entry.h"
#include "jit/jit.h"
#include "jit/x64/frame_x64.h"
#include "platform/host_cpu.h"

namespace tern::jit::backend {

using namespace asmjit;
using namespace asmjit::x86;

// Every Ctx field JIT code touches is reached with a disp8 from r13, which
// keeps the prologue's checks short; the call-out stubs' jmp [r13+disp8]
// is hand-encoded with one byte for it.
static_assert(kCtxMemBase < 128 && kCtxMemSize < 128 && kCtxStackEnd < 128 && kCtxNativeLimit < 128 &&
              kCtxFuncTable < 128 && kCtxInst < 128 && kCtxEntrySp < 128 && kCtxTrapKind < 128 && kCtxTrapFunc < 128 &&
              kCtxUnwind < 128 && kCtxGlobals < 128 && kCtxCallOut < 128 && kCtxTrapSp < 128 && kCtxDepthLeft < 128);

namespace {

// enter(fp=rdi, ctx=rsi, entry=rdx), then enter's epilogue at `leave`.
void emitEnter(x86::Assembler& a, Label l_enter, Label l_leave) {
  a.bind(l_enter);
  a.push(rbx);
  a.push(rbp);
  a.push(r12);
  a.push(r13);
  a.push(r14);
  a.push(r15);
  a.sub(rsp, 8);  // the entry is called with rsp 16-byte aligned
  a.mov(r13, rsi);
  a.mov(r12, ptr(r13, kCtxMemBase));
  a.mov(r14d, dword_ptr(r13, kCtxDepthLeft));
  a.mov(ptr(r13, kCtxEntrySp), rsp);
  a.call(rdx);
  a.xor_(eax, eax);
  a.bind(l_leave);
  a.add(rsp, 8);
  a.pop(r15);
  a.pop(r14);
  a.pop(r13);
  a.pop(r12);
  a.pop(rbp);
  a.pop(rbx);
  a.ret();
}

// A Wasm exception that a JIT frame's handler takes resumes at its landing
// pad (jitCatch); anything else records the frames still on the stack, then
// goes back to enter's frame, returning 1.
void emitUnwind(x86::Assembler& a, Label l_unwind, Label l_leave) {
  a.bind(l_unwind);
  a.mov(ptr(r13, kCtxTrapFp), rbx);
  a.mov(dword_ptr(r13, kCtxDepthLeft), r14d);
  a.and_(rsp, -16);
  a.mov(rdi, r13);
  a.mov(rax, uint64_t(uintptr_t(&jitCatch)));
  a.call(rax);
  Label uncaught = a.newLabel();
  a.test(rax, rax);
  a.jz(uncaught);
  a.mov(rsp, ptr(r13, kCtxCatchSp));
  a.mov(rbx, ptr(r13, kCtxTrapFp));
  a.mov(r14d, dword_ptr(r13, kCtxDepthLeft));
  a.jmp(rax);
  a.bind(uncaught);
  a.mov(rdi, r13);
  a.mov(rsi, ptr(r13, kCtxTrapSp));
  a.and_(rsp, -16);
  a.mov(rax, uint64_t(uintptr_t(&jitCaptureFrames)));
  a.call(rax);
  a.mov(rsp, ptr(r13, kCtxEntrySp));
  a.mov(eax, 1);
  a.jmp(l_leave);
}

// Function index in esi, callee frame in rdi; reached by a jmp from a
// call-out stub (or from a tail call), so rsp holds the return address into
// the caller, whose body rsp is 8 bytes up. jitCallOut's result above 1 is
// the callee's code, compiled at this first call: jumped to with rdi as it
// was, as the caller's call would have.
void emitCallOut(x86::Assembler& a, Label l_out) {
  a.bind(l_out);
  a.push(rdi);  // kept for a jump to compiled code; keeps rsp 16-byte aligned for the C++ call
  a.mov(dword_ptr(r13, kCtxDepthLeft), r14d);
  a.lea(rcx, ptr(rsp, 16));  // the caller's body rsp (jitCallOut's caller_sp)
  a.mov(rdx, rdi);
  a.mov(rdi, r13);
  a.mov(rax, uint64_t(uintptr_t(&jitCallOut)));
  a.call(rax);
  a.pop(rdi);
  Label trapped = a.newLabel(), done = a.newLabel();
  a.cmp(rax, 1);
  a.jbe(done);
  a.jmp(rax);
  a.bind(done);
  a.test(eax, eax);
  a.jnz(trapped);
  a.ret();
  a.bind(trapped);
  // rsp holds the return address into the caller: a trap made by a call.
  static_assert(x64::kCallReturnOffset == 0 && x64::kCallSize == 8);
  a.mov(dword_ptr(r13, kCtxTrapFunc), UINT32_MAX);
  a.mov(ptr(r13, kCtxTrapSp), rsp);
  a.jmp(ptr(r13, kCtxUnwind));
}

}  // namespace

bool emitSharedStubs(std::vector<uint8_t>& out, StubOffsets& at) {
  CodeHolder code;
  if (code.init(Environment::host()) != kErrorOk) return false;
  x86::Assembler a(&code);
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
  a.ret();

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

void alignCode(std::vector<uint8_t>& code) {
  while (code.size() % 16) code.push_back(0xcc);  // int3
}

void emitCallOutStub(std::vector<uint8_t>& code, uint32_t func_index) {
  // mov esi, func_index; jmp [r13 + kCtxCallOut]
  uint8_t s[] = {0xbe, 0, 0, 0, 0, 0x41, 0xff, 0x65, uint8_t(kCtxCallOut)};
  std::memcpy(s + 1, &func_index, 4);
  code.insert(code.end(), s, s + sizeof s);
}

void emitTableJumpStub(std::vector<uint8_t>& code, uint32_t func_index) {
  // mov rax, [r13 + kCtxFuncTable]; jmp [rax + func_index * 8]. rax is
  // free at a call: only rdi (the callee's frame pointer) carries a value.
  uint32_t disp = func_index * 8;
  uint8_t s[] = {0x49, 0x8b, 0x45, uint8_t(kCtxFuncTable), 0xff, 0xa0, 0, 0, 0, 0};
  std::memcpy(s + 6, &disp, 4);
  code.insert(code.end(), s, s + sizeof s);
}

void patchCall(uint8_t* code, size_t site, size_t target) {
  // `site` is the rel32 of a call or of a tail call's jmp, counted from the
  // end of the instruction.
  int32_t rel = int32_t(int64_t(target) - int64_t(site + 4));
  std::memcpy(code + site, &rel, 4);
}

namespace {

// The features Masm's constructor (masm_x64.cc) consults, in bit order;
// the two lists must agree.
struct CpuBit {
  const char* name;
  bool platform::X86Features::*feature;
};
constexpr CpuBit kCpuBits[] = {
    {"sse4.1", &platform::X86Features::sse41},  {"sse4.2", &platform::X86Features::sse42},
    {"lzcnt", &platform::X86Features::lzcnt},   {"bmi", &platform::X86Features::bmi},
    {"popcnt", &platform::X86Features::popcnt}, {"avx", &platform::X86Features::avx},
};

}  // namespace

uint64_t cpuFeatures() {
  const platform::X86Features& cpu = platform::hostX86Features();
  uint64_t bits = 0;
  for (size_t i = 0; i < std::size(kCpuBits); ++i)
    if (cpu.*kCpuBits[i].feature) bits |= uint64_t(1) << i;
  // TERN_JIT_NO_AVX=1 keeps Masm to the SSE encodings: the code needs no AVX.
  if (std::getenv("TERN_JIT_NO_AVX")) bits &= ~(uint64_t(1) << 5);
  return bits;
}

std::string cpuFeatureNames(uint64_t bits) {
  std::string out;
  for (size_t i = 0; i < 64; ++i) {
    if (!(bits & (uint64_t(1) << i))) continue;
    if (!out.empty()) out += ' ';
    out += i < std::size(kCpuBits) ? std::string(kCpuBits[i].name) : "bit" + std::to_string(i);
  }
  return out.empty() ? "none" : out;
}

const FrameShape& frameShape() {
  static constexpr FrameShape shape{x64::kFrameSize, x64::kFrameReturnOffset, x64::kFrameFpOffset, x64::kCallSize,
                                    x64::kCallReturnOffset};
  return shape;
}

}  // namespace tern::jit::backend
