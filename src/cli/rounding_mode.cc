// fegetround and fesetround for the `tern` executable. With the rounding
// and square roots of the interpreter and the JIT's helpers in
// base/fmath.h, these two are all that is left of libm in `tern`: the
// statically linked libstdc++ calls them around std::to_chars and
// std::from_chars of floating point. Defined here, with the semantics of
// glibc's, libm.so is not loaded at all (meson.build links `tern` with
// --as-needed): one shared object less to map and relocate at every start,
// and some 300 KB less peak RSS (bench/startup.py). Elsewhere than x86-64
// and AArch64 this file is empty and libm stays.
#include <cfenv>

#if defined(__x86_64__) || defined(__aarch64__)
namespace {

#if defined(__x86_64__)
// The x87 control word's rounding bits are FE_*; SSE's MXCSR holds the same
// two bits three places higher. Both units round alike, as glibc keeps them.
constexpr int kRoundBits = 0xc00;
int currentMode() {
  unsigned short cw;
  asm volatile("fnstcw %0" : "=m"(cw));
  return cw & kRoundBits;
}
void setMode(int mode) {
  unsigned short cw;
  asm volatile("fnstcw %0" : "=m"(cw));
  cw = static_cast<unsigned short>((cw & ~kRoundBits) | mode);
  asm volatile("fldcw %0" : : "m"(cw));
  unsigned mxcsr;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  mxcsr = (mxcsr & ~(unsigned(kRoundBits) << 3)) | (unsigned(mode) << 3);
  asm volatile("ldmxcsr %0" : : "m"(mxcsr));
}
#else
// FPCR's RMode field (bits 22-23) is FE_* as it is.
constexpr int kRoundBits = 0xc00000;
int currentMode() {
  unsigned long fpcr;
  asm volatile("mrs %0, fpcr" : "=r"(fpcr));
  return int(fpcr & kRoundBits);
}
void setMode(int mode) {
  unsigned long fpcr;
  asm volatile("mrs %0, fpcr" : "=r"(fpcr));
  unsigned long want = (fpcr & ~static_cast<unsigned long>(kRoundBits)) | unsigned(mode);
  if (want != fpcr) asm volatile("msr fpcr, %0" : : "r"(want));
}
#endif

}  // namespace

extern "C" {

int fegetround() noexcept { return currentMode(); }

int fesetround(int mode) noexcept {
  if (mode & ~kRoundBits) return 1;  // not one of FE_TONEAREST .. FE_TOWARDZERO
  setMode(mode);
  return 0;
}

}  // extern "C"
#endif
