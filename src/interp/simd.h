// Semantics of the Wasm 2.0 SIMD (v128) instructions, written once: the
// 0xFD rows of module/opcodes.def name these functions in their Impl column
// (VUN(fn), VBIN(fn), ... ; the file's header says what each macro means),
// and every tier that executes SIMD calls them or is checked against them.
//
// A value is a V128b: 16 bytes, lane i of a shape with T-sized lanes at bytes
// [i * sizeof(T), (i + 1) * sizeof(T)), little-endian, as the spec defines
// (lane 0 is the low end of tern::V128's `lo`). Float lanes are read and
// written as their IEEE bits wherever the spec moves them without arithmetic
// (splat, extract, replace, abs, neg, loads), so NaN payloads survive.
//
// Functions come in families, one template per operation instantiated by its
// lane type: the lane type's signedness is the instruction's s/u (min<int8_t>
// is i8x16.min_s, shr<uint16_t> is i16x8.shr_u); where the signedness does
// not matter (add, sub, mul, eq, ne, shl) the signed type is used. Families
// that change the shape (narrow, extend, extmul, extadd_pairwise) take the
// narrow lane type and find the wide one with Widen<T>.
//
// NaN and rounding follow the scalar instructions (interp/semantics.h), so
// f32.min and f32x4.min agree lane for lane: min/max give the quieted NaN
// operand (canonical when the operands' NaNs are; the spec's nans{z1, z2}),
// ceil/floor/trunc/nearest quiet a NaN, arithmetic gives what the host's
// IEEE operation gives, and conversions saturate as trunc_sat does.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "interp/semantics.h"
#include "tern/tern.hpp"

namespace tern::simd {

static_assert(std::endian::native == std::endian::little, "lanes are read with memcpy from little-endian bytes");

// Zero-initialised: the forms that fill only some lanes (demote_f64x2_zero,
// load32_zero, ...) rely on it.
struct V128b {
  alignas(16) uint8_t b[16] = {};

  template <class T>
  T lane(int i) const {
    static_assert(16 % sizeof(T) == 0);
    T v;
    std::memcpy(&v, b + i * sizeof(T), sizeof(T));
    return v;
  }
  template <class T>
  void setLane(int i, T v) {
    static_assert(16 % sizeof(T) == 0);
    std::memcpy(b + i * sizeof(T), &v, sizeof(T));
  }
  static V128b of(V128 v) {
    V128b r;
    r.setLane<uint64_t>(0, v.lo);
    r.setLane<uint64_t>(1, v.hi);
    return r;
  }
  V128 toV128() const { return {lane<uint64_t>(0), lane<uint64_t>(1)}; }
  bool operator==(const V128b&) const = default;
};

template <class T>
inline constexpr int kLanes = int(16 / sizeof(T));

// ---- lane types ----
namespace detail {
template <unsigned N>
struct BitsOfSize;
template <>
struct BitsOfSize<1> {
  using type = uint8_t;
};
template <>
struct BitsOfSize<2> {
  using type = uint16_t;
};
template <>
struct BitsOfSize<4> {
  using type = uint32_t;
};
template <>
struct BitsOfSize<8> {
  using type = uint64_t;
};
}  // namespace detail

// The unsigned integer as wide as a lane: its bits.
template <class T>
using Bits = typename detail::BitsOfSize<sizeof(T)>::type;
// Integer lanes compute in an unsigned type at least as wide as int, so that
// they wrap modulo 2^N as Wasm does instead of overflowing (int8_t and
// int16_t operands would otherwise be promoted to int); float lanes in T.
template <class T>
using Arith =
    std::conditional_t<std::is_floating_point_v<T>, T, std::conditional_t<(sizeof(T) < 4), uint32_t, Bits<T>>>;

// The lane type twice as wide, of the same signedness.
template <class T>
using Widen =
    std::conditional_t<std::is_signed_v<T>, std::make_signed_t<typename detail::BitsOfSize<2 * sizeof(T)>::type>,
                       typename detail::BitsOfSize<2 * sizeof(T)>::type>;

// Clamps x to the range of N (saturating arithmetic and narrowing).
template <class N, class W>
inline N saturate(W x) {
  if (x < W(std::numeric_limits<N>::min())) return std::numeric_limits<N>::min();
  if (x > W(std::numeric_limits<N>::max())) return std::numeric_limits<N>::max();
  return N(x);
}

// ---- lane-wise maps ----
template <class T, class F>
inline V128b map1(V128b a, F f) {
  V128b r;
  for (int i = 0; i < kLanes<T>; ++i) r.setLane<T>(i, f(a.lane<T>(i)));
  return r;
}
template <class T, class F>
inline V128b map2(V128b a, V128b b, F f) {
  V128b r;
  for (int i = 0; i < kLanes<T>; ++i) r.setLane<T>(i, f(a.lane<T>(i), b.lane<T>(i)));
  return r;
}
// A comparison: every bit of a lane set where pred holds, else clear.
template <class T, class F>
inline V128b compare(V128b a, V128b b, F pred) {
  V128b r;
  for (int i = 0; i < kLanes<T>; ++i)
    r.setLane<Bits<T>>(i, pred(a.lane<T>(i), b.lane<T>(i)) ? Bits<T>(~Bits<T>(0)) : 0);
  return r;
}

// ---- lanes: splat, extract, replace, shuffle, swizzle ----
template <class L>
inline V128b splat(L x) {
  V128b r;
  for (int i = 0; i < kLanes<L>; ++i) r.setLane<L>(i, x);
  return r;
}
// The lane; the caller extends it to the result (int8_t sign-extends: _s).
template <class L>
inline L extractLane(V128b v, int i) {
  return v.lane<L>(i);
}
template <class L>
inline V128b replaceLane(V128b v, int i, L x) {
  v.setLane<L>(i, x);
  return v;
}
// i8x16.shuffle: byte i of the result is byte idx[i] of a's and b's 32
// (validation keeps each index below 32).
inline V128b shuffle(V128b a, V128b b, const uint8_t* idx) {
  V128b r;
  for (int i = 0; i < 16; ++i) r.b[i] = idx[i] < 16 ? a.b[idx[i]] : b.b[idx[i] & 15];
  return r;
}
// i8x16.swizzle: byte s[i] of a, or 0 where s[i] is out of range.
inline V128b swizzle(V128b a, V128b s) {
  V128b r;
  for (int i = 0; i < 16; ++i) r.b[i] = s.b[i] < 16 ? a.b[s.b[i]] : 0;
  return r;
}

// ---- v128 bitwise, any_true; per shape all_true, bitmask ----
inline V128b bitNot(V128b a) {
  return map1<uint64_t>(a, [](uint64_t x) { return ~x; });
}
inline V128b bitAnd(V128b a, V128b b) {
  return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & y; });
}
inline V128b bitAndNot(V128b a, V128b b) {
  return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & ~y; });
}
inline V128b bitOr(V128b a, V128b b) {
  return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x | y; });
}
inline V128b bitXor(V128b a, V128b b) {
  return map2<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x ^ y; });
}
// Each bit from a where the mask c has a 1, else from b.
inline V128b bitselect(V128b a, V128b b, V128b c) { return bitOr(bitAnd(a, c), bitAndNot(b, c)); }
inline uint32_t anyTrue(V128b a) { return (a.lane<uint64_t>(0) | a.lane<uint64_t>(1)) != 0; }
template <class T>
inline uint32_t allTrue(V128b a) {
  for (int i = 0; i < kLanes<T>; ++i)
    if (a.lane<T>(i) == 0) return 0;
  return 1;
}
// Bit i of the result is the sign (top) bit of lane i.
template <class T>
inline uint32_t bitmask(V128b a) {
  uint32_t r = 0;
  for (int i = 0; i < kLanes<T>; ++i) r |= uint32_t(a.lane<Bits<T>>(i) >> (8 * sizeof(T) - 1)) << i;
  return r;
}

// ---- lane arithmetic, integer and float ----
template <class T>
inline V128b add(V128b a, V128b b) {
  return map2<T>(a, b, [](T x, T y) { return T(Arith<T>(x) + Arith<T>(y)); });
}
template <class T>
inline V128b sub(V128b a, V128b b) {
  return map2<T>(a, b, [](T x, T y) { return T(Arith<T>(x) - Arith<T>(y)); });
}
template <class T>
inline V128b mul(V128b a, V128b b) {
  return map2<T>(a, b, [](T x, T y) { return T(Arith<T>(x) * Arith<T>(y)); });
}
// Float neg and abs flip or clear the sign bit and nothing else (NaN too).
template <class T>
inline V128b neg(V128b a) {
  if constexpr (std::is_floating_point_v<T>) {
    return map1<Bits<T>>(a, [](Bits<T> x) { return Bits<T>(x ^ (Bits<T>(1) << (8 * sizeof(T) - 1))); });
  } else {
    return map1<T>(a, [](T x) { return T(Arith<T>(0) - Arith<T>(x)); });
  }
}
// Integer abs wraps: abs of the lane's minimum is itself.
template <class T>
inline V128b abs(V128b a) {
  if constexpr (std::is_floating_point_v<T>) {
    return map1<Bits<T>>(a, [](Bits<T> x) { return Bits<T>(x & ~(Bits<T>(1) << (8 * sizeof(T) - 1))); });
  } else {
    return map1<T>(a, [](T x) { return x < 0 ? T(Arith<T>(0) - Arith<T>(x)) : x; });
  }
}
template <class T>
inline V128b min(V128b a, V128b b) {
  if constexpr (std::is_floating_point_v<T>) return map2<T>(a, b, [](T x, T y) { return sem::wasmMin(x, y); });
  else return map2<T>(a, b, [](T x, T y) { return x < y ? x : y; });
}
template <class T>
inline V128b max(V128b a, V128b b) {
  if constexpr (std::is_floating_point_v<T>) return map2<T>(a, b, [](T x, T y) { return sem::wasmMax(x, y); });
  else return map2<T>(a, b, [](T x, T y) { return x > y ? x : y; });
}
// avgr_u: the average rounded up, (x + y + 1) / 2 without overflow.
template <class T>
inline V128b avgrU(V128b a, V128b b) {
  static_assert(std::is_unsigned_v<T>);
  return map2<T>(a, b, [](T x, T y) { return T((Arith<T>(x) + Arith<T>(y) + 1) >> 1); });
}
template <class T>
inline V128b addSat(V128b a, V128b b) {
  static_assert(sizeof(T) <= 2);
  return map2<T>(a, b, [](T x, T y) { return saturate<T>(int32_t(x) + int32_t(y)); });
}
template <class T>
inline V128b subSat(V128b a, V128b b) {
  static_assert(sizeof(T) <= 2);
  return map2<T>(a, b, [](T x, T y) { return saturate<T>(int32_t(x) - int32_t(y)); });
}
// i16x8.q15mulr_sat_s: the Q15 product rounded to nearest, ties up;
// -32768 * -32768 is the one product that saturates.
inline V128b q15mulrSatS(V128b a, V128b b) {
  return map2<int16_t>(a, b, [](int16_t x, int16_t y) { return saturate<int16_t>((int32_t(x) * y + 0x4000) >> 15); });
}
// i32x4.dot_i16x8_s: the sums of adjacent products; only -32768 * -32768
// twice overflows, and wraps to INT32_MIN.
inline V128b dotI16x8S(V128b a, V128b b) {
  V128b r;
  for (int i = 0; i < 4; ++i) {
    int32_t p0 = int32_t(a.lane<int16_t>(2 * i)) * b.lane<int16_t>(2 * i);
    int32_t p1 = int32_t(a.lane<int16_t>(2 * i + 1)) * b.lane<int16_t>(2 * i + 1);
    r.setLane<uint32_t>(i, uint32_t(p0) + uint32_t(p1));
  }
  return r;
}
inline V128b popcnt(V128b a) {
  return map1<uint8_t>(a, [](uint8_t x) { return uint8_t(std::popcount(x)); });
}

// ---- shifts: the count is taken modulo the lane width ----
template <class T>
inline V128b shl(V128b a, uint32_t n) {
  n %= 8 * sizeof(T);
  return map1<T>(a, [n](T x) { return T(Arith<T>(x) << n); });
}
// shr<signed> is shr_s (arithmetic), shr<unsigned> is shr_u (logical).
template <class T>
inline V128b shr(V128b a, uint32_t n) {
  n %= 8 * sizeof(T);
  return map1<T>(a, [n](T x) { return T(x >> n); });
}

// ---- comparisons (float ones are false on NaN, except ne) ----
template <class T>
inline V128b eq(V128b a, V128b b) {
  return compare<T>(a, b, [](T x, T y) { return x == y; });
}
template <class T>
inline V128b ne(V128b a, V128b b) {
  return compare<T>(a, b, [](T x, T y) { return x != y; });
}
template <class T>
inline V128b lt(V128b a, V128b b) {
  return compare<T>(a, b, [](T x, T y) { return x < y; });
}
template <class T>
inline V128b gt(V128b a, V128b b) {
  return compare<T>(a, b, [](T x, T y) { return x > y; });
}
template <class T>
inline V128b le(V128b a, V128b b) {
  return compare<T>(a, b, [](T x, T y) { return x <= y; });
}
template <class T>
inline V128b ge(V128b a, V128b b) {
  return compare<T>(a, b, [](T x, T y) { return x >= y; });
}

// ---- shape changes: N is the narrow lane type ----
// narrow<N>: a's lanes then b's, each a signed lane twice as wide saturated
// into N (uint8_t: i8x16.narrow_i16x8_u, whose inputs are signed too).
template <class N>
inline V128b narrow(V128b a, V128b b) {
  using S = std::make_signed_t<Widen<N>>;
  constexpr int kHalf = kLanes<S>;
  V128b r;
  for (int i = 0; i < kHalf; ++i) {
    r.setLane<N>(i, saturate<N>(a.lane<S>(i)));
    r.setLane<N>(kHalf + i, saturate<N>(b.lane<S>(i)));
  }
  return r;
}
// extend*<N>: the low or high half of the N lanes, widened (N's sign).
template <class N>
inline V128b extendHalf(V128b a, int first) {
  V128b r;
  for (int i = 0; i < kLanes<Widen<N>>; ++i) r.setLane<Widen<N>>(i, Widen<N>(a.lane<N>(first + i)));
  return r;
}
template <class N>
inline V128b extendLow(V128b a) {
  return extendHalf<N>(a, 0);
}
template <class N>
inline V128b extendHigh(V128b a) {
  return extendHalf<N>(a, kLanes<N> / 2);
}
// extmul*<N>: products of the widened lanes of one half (they cannot overflow).
template <class N>
inline V128b extmulHalf(V128b a, V128b b, int first) {
  using W = Widen<N>;
  V128b r;
  for (int i = 0; i < kLanes<W>; ++i) r.setLane<W>(i, W(W(a.lane<N>(first + i)) * W(b.lane<N>(first + i))));
  return r;
}
template <class N>
inline V128b extmulLow(V128b a, V128b b) {
  return extmulHalf<N>(a, b, 0);
}
template <class N>
inline V128b extmulHigh(V128b a, V128b b) {
  return extmulHalf<N>(a, b, kLanes<N> / 2);
}
// extadd_pairwise<N>: lane i is the sum of lanes 2i and 2i+1, widened.
template <class N>
inline V128b extaddPairwise(V128b a) {
  using W = Widen<N>;
  V128b r;
  for (int i = 0; i < kLanes<W>; ++i) r.setLane<W>(i, W(W(a.lane<N>(2 * i)) + W(a.lane<N>(2 * i + 1))));
  return r;
}

// ---- float: arithmetic beyond add/sub/mul, rounding, pseudo-min/max ----
template <class T>
inline V128b div(V128b a, V128b b) {
  return map2<T>(a, b, [](T x, T y) { return x / y; });
}
template <class T>
inline V128b sqrt(V128b a) {
  return map1<T>(a, [](T x) { return sem::wasmSqrt(x); });
}
template <class T>
inline V128b ceil(V128b a) {
  return map1<T>(a, [](T x) { return sem::wasmCeil(x); });
}
template <class T>
inline V128b floor(V128b a) {
  return map1<T>(a, [](T x) { return sem::wasmFloor(x); });
}
template <class T>
inline V128b trunc(V128b a) {
  return map1<T>(a, [](T x) { return sem::wasmTrunc(x); });
}
// Round to nearest, ties to even.
template <class T>
inline V128b nearest(V128b a) {
  return map1<T>(a, [](T x) { return sem::wasmNearest(x); });
}
// pmin(x, y) = y < x ? y : x and pmax(x, y) = x < y ? y : x, as the spec
// defines them (C's fmin/fmax differ): an operand, bit for bit, even a NaN.
template <class T>
inline V128b pmin(V128b a, V128b b) {
  V128b r = a;
  for (int i = 0; i < kLanes<T>; ++i)
    if (b.lane<T>(i) < a.lane<T>(i)) r.setLane<Bits<T>>(i, b.lane<Bits<T>>(i));
  return r;
}
template <class T>
inline V128b pmax(V128b a, V128b b) {
  V128b r = a;
  for (int i = 0; i < kLanes<T>; ++i)
    if (a.lane<T>(i) < b.lane<T>(i)) r.setLane<Bits<T>>(i, b.lane<Bits<T>>(i));
  return r;
}

// ---- conversions: I is the integer lane type (its sign is the s/u) ----
// f32x4.convert_i32x4_{s,u}: rounds to nearest, ties to even.
template <class I>
inline V128b convert(V128b a) {
  V128b r;
  for (int i = 0; i < 4; ++i) r.setLane<float>(i, float(a.lane<I>(i)));
  return r;
}
// f64x2.convert_low_i32x4_{s,u}: exact.
template <class I>
inline V128b convertLow(V128b a) {
  V128b r;
  for (int i = 0; i < 2; ++i) r.setLane<double>(i, double(a.lane<I>(i)));
  return r;
}
// i32x4.trunc_sat_f32x4_{s,u}: NaN gives 0, out-of-range values the bound.
template <class I>
inline V128b truncSat(V128b a) {
  V128b r;
  for (int i = 0; i < 4; ++i) r.setLane<I>(i, sem::truncSat<I>(a.lane<float>(i)));
  return r;
}
// i32x4.trunc_sat_f64x2_{s,u}_zero: two lanes, the upper two zero.
template <class I>
inline V128b truncSatZero(V128b a) {
  V128b r;
  for (int i = 0; i < 2; ++i) r.setLane<I>(i, sem::truncSat<I>(a.lane<double>(i)));
  return r;
}
// f32x4.demote_f64x2_zero: rounds to nearest; the upper two lanes +0.0.
inline V128b demoteZero(V128b a) {
  V128b r;
  for (int i = 0; i < 2; ++i) r.setLane<float>(i, float(a.lane<double>(i)));
  return r;
}
inline V128b promoteLow(V128b a) {
  V128b r;
  for (int i = 0; i < 2; ++i) r.setLane<double>(i, double(a.lane<float>(i)));
  return r;
}

// ---- memory forms: what follows the bounds check ----
// `src` holds the instruction's access bytes (the Bytes column of its row),
// `dst` receives them; neither needs alignment.
inline V128b load(const uint8_t* src) {
  V128b r;
  std::memcpy(r.b, src, 16);
  return r;
}
inline void store(V128b v, uint8_t* dst) { std::memcpy(dst, v.b, 16); }
// v128.load8x8_s and friends: 8 bytes as lanes of N, widened.
template <class N>
inline V128b loadExtend(const uint8_t* src) {
  V128b r;
  std::memcpy(r.b, src, 8);
  return extendLow<N>(r);
}
template <class L>
inline V128b loadSplat(const uint8_t* src) {
  L x;
  std::memcpy(&x, src, sizeof(L));
  return splat<L>(x);
}
// v128.load32_zero / load64_zero: lane 0, every other byte zero.
template <class L>
inline V128b loadZero(const uint8_t* src) {
  V128b r;
  std::memcpy(r.b, src, sizeof(L));
  return r;
}
template <class L>
inline V128b loadLane(V128b v, int i, const uint8_t* src) {
  std::memcpy(v.b + i * sizeof(L), src, sizeof(L));
  return v;
}
template <class L>
inline void storeLane(V128b v, int i, uint8_t* dst) {
  std::memcpy(dst, v.b + i * sizeof(L), sizeof(L));
}

}  // namespace tern::simd
