// Square root and rounding to an integral value (nearest with ties to even,
// ceil, floor, trunc) for float and double, exact and without libm:
// they were all `tern` imported from it, and loading libm.so costs every
// start of `tern` its mappings, its relocations and some 300 KB of peak RSS
// (bench/startup.py). Where the CPU has the instructions in its baseline
// (AArch64's frint* and fsqrt, x86-64's sqrtss/sqrtsd, and roundss/roundsd
// when built for SSE4.1) the compiler's builtins inline them; otherwise the
// rounding is the classic exact sequence: adding and subtracting 2^52 (2^23
// for float) rounds a smaller magnitude to an integer in the current rounding
// mode, round to nearest even in Wasm, and the sign is put back so that
// -0.5 and -0.0 keep theirs. Callers handle NaN operands (semantics.h).
#pragma once

#include <cmath>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tern::fmath {

template <class T>
inline T sqrt(T a) {
  static_assert(std::is_floating_point_v<T>);
#if defined(__x86_64__)
  // sqrtss/sqrtsd: what libm's sqrt runs, less its errno path for negatives.
  if constexpr (sizeof(T) == 4) return _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(a)));
  else return _mm_cvtsd_f64(_mm_sqrt_pd(_mm_set_sd(a)));
#elif defined(__aarch64__)
  T r;
  if constexpr (sizeof(T) == 4) asm("fsqrt %s0, %s1" : "=w"(r) : "w"(a));
  else asm("fsqrt %d0, %d1" : "=w"(r) : "w"(a));
  return r;
#else
  return std::sqrt(a);
#endif
}

// The four roundings of Wasm: round<kCeil>(a) and so on.
enum Rounding { kNearest, kCeil, kFloor, kTrunc };

#if defined(__aarch64__) || defined(__SSE4_1__)
// One instruction each: the builtins never call libm here.
template <Rounding R, class T>
inline T round(T a) {
  static_assert(std::is_floating_point_v<T>);
  if constexpr (R == kNearest) return std::nearbyint(a);
  else if constexpr (R == kCeil) return std::ceil(a);
  else if constexpr (R == kFloor) return std::floor(a);
  else return std::trunc(a);
}
#else
template <Rounding R, class T>
inline T round(T a) {
  static_assert(std::is_floating_point_v<T>);
  // The nearest integer in the current rounding mode; a magnitude of 2^52
  // (2^23) or more is one already (or infinite). Without -ffast-math the
  // compiler keeps both the addition and the subtraction.
  constexpr T kBig = sizeof(T) == 4 ? T(8388608.0) : T(4503599627370496.0);
  T m = std::fabs(a);
  if (!(m < kBig)) return a;
  T r = std::copysign((m + kBig) - kBig, a);
  // Then one step toward the wanted side if it lies on the other side of
  // `a`; every result has the sign of `a` (ceil(-0.5) is -0).
  if constexpr (R == kCeil) {
    if (r < a) r += T(1);
  } else if constexpr (R == kFloor) {
    if (r > a) r -= T(1);
  } else if constexpr (R == kTrunc) {
    if (std::fabs(r) > m) r -= std::copysign(T(1), a);
  }
  return std::copysign(r, a);
}
#endif

}  // namespace tern::fmath
