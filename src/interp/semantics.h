// Semantics of the simple instructions, named by opcodes.def's Impl
// column; shared by the interpreter's handlers and the JIT's helpers.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "base/fmath.h"
#include "runtime/trap_code.h"
#include "tern/tern.hpp"

namespace tern::sem {

// ---- semantics helpers named by opcodes.def ----
template <class T>
inline T divS(T a, T b, TrapCode& trap) {
  if (b == 0) return trap = trapCode(TrapKind::IntDivByZero), 0;
  if (a == std::numeric_limits<T>::min() && b == -1) return trap = trapCode(TrapKind::IntOverflow), 0;
  return a / b;
}
template <class T>
inline T divU(T a, T b, TrapCode& trap) {
  if (b == 0) return trap = trapCode(TrapKind::IntDivByZero), 0;
  return a / b;
}
template <class T>
inline T remS(T a, T b, TrapCode& trap) {
  if (b == 0) return trap = trapCode(TrapKind::IntDivByZero), 0;
  if (b == -1) return 0;
  return a % b;
}
template <class T>
inline T remU(T a, T b, TrapCode& trap) {
  if (b == 0) return trap = trapCode(TrapKind::IntDivByZero), 0;
  return a % b;
}
template <class T>
inline T wasmMin(T a, T b) {
  if (a != a || b != b) return a + b;  // NaN in, (quiet) NaN out
  if (a == 0 && b == 0) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
template <class T>
inline T wasmMax(T a, T b) {
  if (a != a || b != b) return a + b;
  if (a == 0 && b == 0) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
// Rounding: a NaN operand gives a quiet NaN (libm may pass a signalling
// NaN through unchanged). Without libm (base/fmath.h).
template <class T>
inline T wasmCeil(T a) {
  return a != a ? a + a : fmath::round<fmath::kCeil>(a);
}
template <class T>
inline T wasmFloor(T a) {
  return a != a ? a + a : fmath::round<fmath::kFloor>(a);
}
template <class T>
inline T wasmTrunc(T a) {
  return a != a ? a + a : fmath::round<fmath::kTrunc>(a);
}
template <class T>
inline T wasmNearest(T a) {
  return a != a ? a + a : fmath::round<fmath::kNearest>(a);
}
template <class T>
inline T wasmSqrt(T a) {
  return fmath::sqrt(a);
}

// Exclusive bounds (lo, hi) of the float values that truncate into I.
template <class I>
constexpr double truncLo() {
  if constexpr (std::is_unsigned_v<I>) return -1.0;
  else if constexpr (sizeof(I) == 4) return -2147483649.0;
  else return -9223372036854777856.0;  // next double below -2^63
}
template <class I>
constexpr double truncHi() {
  if constexpr (sizeof(I) == 4) return std::is_unsigned_v<I> ? 4294967296.0 : 2147483648.0;
  else return std::is_unsigned_v<I> ? 18446744073709551616.0 : 9223372036854775808.0;
}
template <class I, class F>
inline I truncChecked(F a, TrapCode& trap) {
  if (a != a) return trap = trapCode(TrapKind::InvalidConversion), 0;
  double d = double(a);
  if (!(d > truncLo<I>() && d < truncHi<I>())) return trap = trapCode(TrapKind::IntOverflow), 0;
  return I(a);
}
template <class I, class F>
inline I truncSat(F a) {
  if (a != a) return 0;
  double d = double(a);
  if (!(d > truncLo<I>())) return std::numeric_limits<I>::min();
  if (!(d < truncHi<I>())) return std::numeric_limits<I>::max();
  return I(a);
}

template <class T>
inline T rd(uint64_t s) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<float>(uint32_t(s));
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>(s);
  } else {
    return T(s);
  }
}
template <class T>
inline void wr(uint64_t& s, T v) {
  if constexpr (std::is_same_v<T, float>) {
    s = std::bit_cast<uint32_t>(v);
  } else if constexpr (std::is_same_v<T, double>) {
    s = std::bit_cast<uint64_t>(v);
  } else if constexpr (sizeof(T) <= 4) {
    s = uint32_t(v);
  } else {
    s = uint64_t(v);
  }
}

}  // namespace tern::sem
