// The x86-64 features the JIT uses, of the CPU this process runs on. From
// glibc when it has them (<sys/platform/x86.h>, 2.33 and later): it ran
// cpuid at start-up already. cpuid itself traps to the hypervisor on a
// virtual machine, some 11 us each on the one the benchmarks run on, and
// asmjit's CpuInfo::host() executes it some 15 times: a seventh of `tern
// run`'s time on an empty program. Elsewhere the four leaves needed, once.
// Not with clang: its C++ mode rejects the header's `_Bool` (the fuzz
// build, .ci/run fuzz, is clang's).
#pragma once

#if defined(__x86_64__)
#if __has_include(<sys/platform/x86.h>) && !defined(__clang__)
#include <sys/platform/x86.h>
#define TERN_HOST_CPU_GLIBC 1
#else
#include <cpuid.h>
#endif

namespace tern::platform {

struct X86Features {
  bool sse41 = false, sse42 = false, popcnt = false, lzcnt = false, bmi = false, avx = false;
};

inline const X86Features& hostX86Features() {
  static const X86Features f = [] {
    X86Features out;
#ifdef TERN_HOST_CPU_GLIBC
    // "Active": present and usable (AVX: the OS saves its registers).
    out.sse41 = CPU_FEATURE_ACTIVE(SSE4_1);
    out.sse42 = CPU_FEATURE_ACTIVE(SSE4_2);
    out.popcnt = CPU_FEATURE_ACTIVE(POPCNT);
    out.lzcnt = CPU_FEATURE_ACTIVE(LZCNT);
    out.bmi = CPU_FEATURE_ACTIVE(BMI1);
    out.avx = CPU_FEATURE_ACTIVE(AVX);
#else
    unsigned a, b, c, d, max = __get_cpuid_max(0, nullptr);
    if (max >= 1) {
      __cpuid(1, a, b, c, d);
      out.sse41 = c & (1u << 19);
      out.sse42 = c & (1u << 20);
      out.popcnt = c & (1u << 23);
      // AVX also needs the OS to save the YMM state (OSXSAVE, then XCR0).
      if ((c & (1u << 27)) && (c & (1u << 28))) {
        unsigned lo, hi;
        asm("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        out.avx = (lo & 6) == 6;
      }
    }
    if (max >= 7) {
      __cpuid_count(7, 0, a, b, c, d);
      out.bmi = b & (1u << 3);
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d)) out.lzcnt = c & (1u << 5);
#endif
    return out;
  }();
  return f;
}

}  // namespace tern::platform
#endif
