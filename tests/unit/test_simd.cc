// The semantics of the SIMD instructions (src/interp/simd.h) and the Impl
// column of opcodes.def's 0xFD rows that names them. Every instruction is run
// through that column (kRows below), so a row naming the wrong family or lane
// type fails here as surely as a wrong function. Expected values are worked
// out by hand from the spec; each picks inputs where a wrong lane order,
// sign, saturation, rounding or NaN rule would give a different answer.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>

#include "interp/semantics.h"
#include "interp/simd.h"
#include "module/opcodes.h"

namespace simd = tern::simd;
using simd::V128b;
using tern::ImmKind;
using tern::OpClass;
using tern::Opcode;

namespace doctest {
template <>
struct StringMaker<V128b> {
  static String convert(const V128b& v) {
    std::string s = "bytes";
    char buf[8];
    for (uint8_t b : v.b) std::snprintf(buf, sizeof buf, " %02x", b), s += buf;
    return String(s.c_str());
  }
};
}  // namespace doctest

namespace {

// ---- the Impl column, compiled against simd.h ----
enum class Shape : uint8_t {
  Scalar,  // a row of another prefix
  Simd,    // SIMD: no function named (none may be left)
  Un,
  Bin,
  Tern,
  Shift,
  Test,
  Splat,
  Extract,
  Replace,
  Shuffle,
  Const,
  Load,
  Store,
  LoadLane,
  StoreLane,
};
// One call's operands and results; `bytes` is the memory or the shuffle's
// lane immediate.
struct In {
  V128b a, b, c;
  uint64_t x = 0;
  int lane = 0;
  const uint8_t* bytes = nullptr;
};
struct Out {
  V128b v;
  uint64_t x = 0;
  uint8_t mem[16] = {};
};
struct Row {
  Row(Shape s, void (*f)(const In&, Out&) = nullptr, unsigned bytes = 0) : shape(s), run(f), scalar_bytes(bytes) {}
  Shape shape;
  void (*run)(const In&, Out&);
  unsigned scalar_bytes;  // VSPLAT, VEXTRACT, VREPLACE: sizeof their T
};

#define UN(a, b, c) Row(Shape::Scalar)
#define BIN(a, b, c) Row(Shape::Scalar)
#define TUN(a, b, c) Row(Shape::Scalar)
#define TBIN(a, b, c) Row(Shape::Scalar)
#define LOAD(a, b) Row(Shape::Scalar)
#define STORE(a, b) Row(Shape::Scalar)
#define SPECIAL Row(Shape::Scalar)
#define SIMD Row(Shape::Simd)
// Each names its function with the signature the legend promises: a
// misspelt name, a lane type with no instantiation or a wrong signature does
// not compile.
#define VUN(fn) Row(Shape::Un, [](const In& i, Out& o) { o.v = simd::fn(i.a); })
#define VBIN(fn) Row(Shape::Bin, [](const In& i, Out& o) { o.v = simd::fn(i.a, i.b); })
#define VTERN(fn) Row(Shape::Tern, [](const In& i, Out& o) { o.v = simd::fn(i.a, i.b, i.c); })
#define VSHIFT(fn) Row(Shape::Shift, [](const In& i, Out& o) { o.v = simd::fn(i.a, uint32_t(i.x)); })
#define VTEST(fn) \
  Row(Shape::Test, [](const In& i, Out& o) { \
    static_assert(std::is_same_v<decltype(simd::fn(i.a)), uint32_t>); \
    o.x = simd::fn(i.a); \
  })
#define VSPLAT(T, fn) \
  Row( \
      Shape::Splat, [](const In& i, Out& o) { o.v = simd::fn(tern::sem::rd<T>(i.x)); }, sizeof(T))
#define VEXTRACT(T, fn) \
  Row( \
      Shape::Extract, [](const In& i, Out& o) { tern::sem::wr<T>(o.x, T(simd::fn(i.a, i.lane))); }, sizeof(T))
#define VREPLACE(T, fn) \
  Row( \
      Shape::Replace, [](const In& i, Out& o) { o.v = simd::fn(i.a, i.lane, tern::sem::rd<T>(i.x)); }, sizeof(T))
#define VSHUFFLE(fn) Row(Shape::Shuffle, [](const In& i, Out& o) { o.v = simd::fn(i.a, i.b, i.bytes); })
#define VCONST Row(Shape::Const)
#define VLOAD(fn) Row(Shape::Load, [](const In& i, Out& o) { o.v = simd::fn(i.bytes); })
#define VSTORE(fn) Row(Shape::Store, [](const In& i, Out& o) { simd::fn(i.a, o.mem); })
#define VLOADLANE(fn) Row(Shape::LoadLane, [](const In& i, Out& o) { o.v = simd::fn(i.a, i.lane, i.bytes); })
#define VSTORELANE(fn) Row(Shape::StoreLane, [](const In& i, Out& o) { simd::fn(i.a, i.lane, o.mem); })

const Row kRows[] = {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) impl,
#include "module/opcodes.def"
#undef X
};
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#undef SPECIAL
#undef SIMD
#include "module/impl_v128_undef.inc"
static_assert(std::size(kRows) == tern::kOpcodeCount);

// The row of `op`, checked to be of `shape`, run on `in`.
Out run(Opcode op, Shape shape, const In& in) {
  const Row& r = kRows[unsigned(op)];
  CAPTURE(tern::opInfo(op).name);
  REQUIRE(r.shape == shape);
  Out o;
  r.run(in, o);
  return o;
}
V128b un(Opcode op, V128b a) { return run(op, Shape::Un, {a, {}, {}}).v; }
V128b bin(Opcode op, V128b a, V128b b) { return run(op, Shape::Bin, {a, b, {}}).v; }
V128b shift(Opcode op, V128b a, uint32_t n) { return run(op, Shape::Shift, {a, {}, {}, n}).v; }
uint32_t test(Opcode op, V128b a) { return uint32_t(run(op, Shape::Test, {a, {}, {}}).x); }

// A vector from its lanes, lane 0 first.
template <class T>
V128b vec(std::initializer_list<T> lanes) {
  REQUIRE(lanes.size() == size_t(simd::kLanes<T>));
  V128b r;
  int i = 0;
  for (T x : lanes) r.setLane<T>(i++, x);
  return r;
}
template <class T>
V128b all(T x) {
  V128b r;
  for (int i = 0; i < simd::kLanes<T>; ++i) r.setLane<T>(i, x);
  return r;
}
V128b bytes(std::initializer_list<int> b) {
  V128b r;
  int i = 0;
  for (int x : b) r.b[i++] = uint8_t(x);
  return r;
}
constexpr int8_t kTrue8 = -1;
constexpr int16_t kTrue16 = -1;
constexpr int32_t kTrue32 = -1;
constexpr int64_t kTrue64 = -1;
float f32(uint32_t bits) { return std::bit_cast<float>(bits); }
double f64(uint64_t bits) { return std::bit_cast<double>(bits); }
uint32_t bitsOf(float f) { return std::bit_cast<uint32_t>(f); }
uint64_t bitsOf(double d) { return std::bit_cast<uint64_t>(d); }

}  // namespace

TEST_CASE("simd: every 0xFD row names a function of the shape its signature has") {
  for (unsigned i = 0; i < tern::kOpcodeCount; ++i) {
    const tern::OpInfo& o = tern::kOpInfo[i];
    const Row& r = kRows[i];
    CAPTURE(o.name);
    if (o.prefix != 0xfd) {
      CHECK(r.shape == Shape::Scalar);
      continue;
    }
    REQUIRE(r.shape != Shape::Simd);
    CHECK((r.run != nullptr) == (r.shape != Shape::Const));
    std::string sig = o.sig;
    bool lane_imm = o.imm == ImmKind::Lane16 || o.imm == ImmKind::Lane8 || o.imm == ImmKind::Lane4 ||
                    o.imm == ImmKind::Lane2;
    bool mem_lane_imm = o.imm == ImmKind::MemArgLane16 || o.imm == ImmKind::MemArgLane8 ||
                        o.imm == ImmKind::MemArgLane4 || o.imm == ImmKind::MemArgLane2;
    // The scalar operand or result's slot type must be as wide as its Sig letter.
    auto scalar_bytes = [](char t) { return t == 'i' || t == 'f' ? 4u : 8u; };
    switch (r.shape) {
      case Shape::Un: CHECK(sig == "v:v"); break;
      case Shape::Bin: CHECK(sig == "vv:v"); break;
      case Shape::Tern: CHECK(sig == "vvv:v"); break;
      case Shape::Shift: CHECK(sig == "vi:v"); break;
      case Shape::Test: CHECK(sig == "v:i"); break;
      case Shape::Splat:
        REQUIRE(sig.size() == 3);
        CHECK(sig.substr(1) == ":v");
        CHECK(r.scalar_bytes == scalar_bytes(sig[0]));
        break;
      case Shape::Extract:
        REQUIRE(sig.size() == 3);
        CHECK(sig.substr(0, 2) == "v:");
        CHECK(r.scalar_bytes == scalar_bytes(sig[2]));
        CHECK(lane_imm);
        break;
      case Shape::Replace:
        REQUIRE(sig.size() == 4);
        CHECK((sig[0] == 'v' && sig.substr(2) == ":v"));
        CHECK(r.scalar_bytes == scalar_bytes(sig[1]));
        CHECK(lane_imm);
        break;
      case Shape::Shuffle: CHECK((sig == "vv:v" && o.imm == ImmKind::Shuffle)); break;
      case Shape::Const: CHECK((o.cls == OpClass::Const && o.imm == ImmKind::V128)); break;
      case Shape::Load: CHECK((o.cls == OpClass::Load && o.imm == ImmKind::MemArg && sig == "i:v")); break;
      case Shape::Store: CHECK((o.cls == OpClass::Store && o.imm == ImmKind::MemArg && sig == "iv:")); break;
      case Shape::LoadLane: CHECK((o.cls == OpClass::Load && mem_lane_imm && sig == "iv:v")); break;
      case Shape::StoreLane: CHECK((o.cls == OpClass::Store && mem_lane_imm && sig == "iv:")); break;
      case Shape::Scalar:
      case Shape::Simd: FAIL("a 0xFD row without a SIMD function"); break;
    }
  }
}

TEST_CASE("simd: lanes are little-endian, lane 0 in the low bytes of V128::lo") {
  V128b v = vec<int32_t>({1, 2, 3, -4});
  CHECK(v.toV128().lo == 0x0000000200000001ull);
  CHECK(v.toV128().hi == 0xfffffffc00000003ull);
  CHECK(V128b::of(v.toV128()) == v);
  CHECK(v.lane<uint8_t>(4) == 2);
  CHECK(v.lane<int16_t>(7) == -1);
  CHECK(V128b::of({0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull}) ==
        bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
}

TEST_CASE("simd: splat, extract_lane (s/u), replace_lane") {
  CHECK(run(Opcode::I8x16Splat, Shape::Splat, {.x = 0x1ff}).v == all<uint8_t>(0xff));
  CHECK(run(Opcode::I16x8Splat, Shape::Splat, {.x = 0x12345}).v == all<uint16_t>(0x2345));
  CHECK(run(Opcode::I64x2Splat, Shape::Splat, {.x = 0x8000000000000001ull}).v ==
        vec<uint64_t>({0x8000000000000001ull, 0x8000000000000001ull}));
  // A signalling NaN's bits go into every lane unchanged.
  CHECK(run(Opcode::F32x4Splat, Shape::Splat, {.x = 0x7fa00001}).v == all<uint32_t>(0x7fa00001));
  CHECK(run(Opcode::F64x2Splat, Shape::Splat, {.x = 0xfff0000000000001ull}).v == all<uint64_t>(0xfff0000000000001ull));

  V128b v = bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0x80, 0xff});
  auto extract = [](Opcode op, V128b a, int lane) { return run(op, Shape::Extract, {.a = a, .lane = lane}).x; };
  CHECK(extract(Opcode::I8x16ExtractLaneS, v, 14) == 0xffffff80u);
  CHECK(extract(Opcode::I8x16ExtractLaneU, v, 14) == 0x80u);
  CHECK(extract(Opcode::I8x16ExtractLaneS, v, 3) == 3u);
  CHECK(extract(Opcode::I16x8ExtractLaneS, v, 7) == 0xffffff80u);
  CHECK(extract(Opcode::I16x8ExtractLaneU, v, 7) == 0xff80u);
  CHECK(extract(Opcode::I16x8ExtractLaneU, v, 1) == 0x0302u);
  CHECK(extract(Opcode::I32x4ExtractLane, v, 2) == 0x0b0a0908u);
  CHECK(extract(Opcode::I64x2ExtractLane, v, 1) == 0xff800d0c0b0a0908ull);
  CHECK(extract(Opcode::F32x4ExtractLane, all<uint32_t>(0xffa00001), 3) == 0xffa00001u);
  CHECK(extract(Opcode::F64x2ExtractLane, vec<uint64_t>({1, 0x7ff4000000000000ull}), 1) == 0x7ff4000000000000ull);

  auto replace = [](Opcode op, V128b a, int lane, uint64_t x) {
    return run(op, Shape::Replace, {.a = a, .x = x, .lane = lane}).v;
  };
  CHECK(replace(Opcode::I8x16ReplaceLane, all<uint8_t>(0xaa), 15, 0x1234) ==
        bytes({0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x34}));
  CHECK(replace(Opcode::I16x8ReplaceLane, all<uint16_t>(0xaaaa), 3, 0x12345) ==
        vec<uint16_t>({0xaaaa, 0xaaaa, 0xaaaa, 0x2345, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa}));
  CHECK(replace(Opcode::I32x4ReplaceLane, V128b{}, 1, 0xdeadbeef) == vec<uint32_t>({0, 0xdeadbeef, 0, 0}));
  CHECK(replace(Opcode::I64x2ReplaceLane, V128b{}, 0, 0x0123456789abcdefull) ==
        vec<uint64_t>({0x0123456789abcdefull, 0}));
  CHECK(replace(Opcode::F32x4ReplaceLane, V128b{}, 2, 0x7f800001) == vec<uint32_t>({0, 0, 0x7f800001, 0}));
  CHECK(replace(Opcode::F64x2ReplaceLane, V128b{}, 1, 0xfff8000000000001ull) ==
        vec<uint64_t>({0, 0xfff8000000000001ull}));
}

TEST_CASE("simd: shuffle picks from both operands, swizzle gives 0 out of range") {
  V128b a = bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  V128b b = bytes({100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115});
  const uint8_t idx[16] = {0, 17, 31, 15, 16, 1, 2, 30, 8, 8, 24, 7, 3, 19, 14, 20};
  CHECK(run(Opcode::I8x16Shuffle, Shape::Shuffle, {.a = a, .b = b, .bytes = idx}).v ==
        bytes({0, 101, 115, 15, 100, 1, 2, 114, 8, 8, 108, 7, 3, 103, 14, 104}));
  V128b s = bytes({0, 15, 16, 255, 3, 0x80, 1, 17, 14, 2, 2, 32, 9, 10, 11, 12});
  CHECK(bin(Opcode::I8x16Swizzle, a, s) == bytes({0, 15, 0, 0, 3, 0, 1, 0, 14, 2, 2, 0, 9, 10, 11, 12}));
}

TEST_CASE("simd: bitwise operations, any_true, all_true, bitmask") {
  V128b a = vec<uint64_t>({0xff00ff00f0f0f0f0ull, 0x0123456789abcdefull});
  V128b b = vec<uint64_t>({0x0ff00ff00ff00ff0ull, 0xffffffff00000000ull});
  CHECK(un(Opcode::V128Not, a) == vec<uint64_t>({0x00ff00ff0f0f0f0full, 0xfedcba9876543210ull}));
  CHECK(bin(Opcode::V128And, a, b) == vec<uint64_t>({0x0f000f0000f000f0ull, 0x0123456700000000ull}));
  // andnot is a & ~b, not ~a & b.
  CHECK(bin(Opcode::V128AndNot, a, b) == vec<uint64_t>({0xf000f000f000f000ull, 0x0000000089abcdefull}));
  CHECK(bin(Opcode::V128Or, a, b) == vec<uint64_t>({0xfff0fff0fff0fff0ull, 0xffffffff89abcdefull}));
  CHECK(bin(Opcode::V128Xor, a, b) == vec<uint64_t>({0xf0f0f0f0ff00ff00ull, 0xfedcba9889abcdefull}));
  // bitselect takes a's bit where the mask (third operand) is 1.
  V128b mask = vec<uint64_t>({0x00000000ffffffffull, 0xf0f0f0f0f0f0f0f0ull});
  CHECK(run(Opcode::V128Bitselect, Shape::Tern, {a, b, mask}).v ==
        vec<uint64_t>({0x0ff00ff0f0f0f0f0ull, 0x0f2f4f6f80a0c0e0ull}));

  CHECK(test(Opcode::V128AnyTrue, V128b{}) == 0);
  CHECK(test(Opcode::V128AnyTrue, bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80})) == 1);
  CHECK(test(Opcode::I8x16AllTrue, all<uint8_t>(1)) == 1);
  CHECK(test(Opcode::I8x16AllTrue, bytes({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0})) == 0);
  // A lane is true when any of its bytes is: 0x0100 is a true i16 lane.
  CHECK(test(Opcode::I16x8AllTrue, all<uint16_t>(0x0100)) == 1);
  CHECK(test(Opcode::I16x8AllTrue, vec<uint16_t>({1, 1, 1, 1, 1, 1, 0, 1})) == 0);
  CHECK(test(Opcode::I32x4AllTrue, vec<uint32_t>({0x80000000u, 1, 0x100, 0x10000})) == 1);
  CHECK(test(Opcode::I32x4AllTrue, vec<uint32_t>({1, 1, 1, 0})) == 0);
  CHECK(test(Opcode::I64x2AllTrue, vec<uint64_t>({1ull << 63, 1ull << 32})) == 1);
  CHECK(test(Opcode::I64x2AllTrue, vec<uint64_t>({0, 1})) == 0);

  CHECK(test(Opcode::I8x16Bitmask, bytes({0x80, 0x7f, 1, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0})) == 0x8009);
  // Only a lane's top bit counts: 0x0080 has a sign bit in its low byte only.
  CHECK(test(Opcode::I16x8Bitmask, vec<uint16_t>({0x0080, 0x8000, 0, 0xffff, 0x7fff, 0, 0, 0x8001})) == 0x8a);
  CHECK(test(Opcode::I32x4Bitmask, vec<uint32_t>({0x80000000u, 0x00800000, 0xffffffffu, 1})) == 0x5);
  CHECK(test(Opcode::I64x2Bitmask, vec<uint64_t>({0x8000000000000000ull, 0x00000000ffffffffull})) == 0x1);
}

TEST_CASE("simd: integer add, sub, mul, neg and abs wrap") {
  CHECK(bin(Opcode::I8x16Add, vec<int8_t>({127, -128, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}),
            all<int8_t>(1)) == vec<int8_t>({-128, -127, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  CHECK(bin(Opcode::I16x8Sub, vec<int16_t>({-32768, 0, 5, 1, 2, 3, 4, 5}), vec<int16_t>({1, 1, 7, 0, 0, 0, 0, 6})) ==
        vec<int16_t>({32767, -1, -2, 1, 2, 3, 4, -1}));
  CHECK(bin(Opcode::I32x4Add, vec<int32_t>({INT32_MAX, 1, 2, 3}), vec<int32_t>({1, 10, 20, 30})) ==
        vec<int32_t>({INT32_MIN, 11, 22, 33}));
  CHECK(bin(Opcode::I64x2Sub, vec<int64_t>({INT64_MIN, 5}), vec<int64_t>({1, 7})) == vec<int64_t>({INT64_MAX, -2}));
  CHECK(bin(Opcode::I16x8Mul, vec<int16_t>({300, -3, 255, -32768, 1, 2, 3, 4}),
            vec<int16_t>({300, 7, 255, -1, 0, 2, 3, 4})) == vec<int16_t>({24464, -21, -511, -32768, 0, 4, 9, 16}));
  CHECK(bin(Opcode::I32x4Mul, vec<int32_t>({65536, -3, 46341, 5}), vec<int32_t>({65536, 7, 46341, -5})) ==
        vec<int32_t>({0, -21, -2147479015, -25}));
  CHECK(bin(Opcode::I64x2Mul, vec<int64_t>({INT64_MAX, -3}), vec<int64_t>({2, 1ll << 40})) ==
        vec<int64_t>({-2, -3 * (1ll << 40)}));

  CHECK(un(Opcode::I8x16Neg, vec<int8_t>({-128, 5, 0, -1, 127, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})) ==
        vec<int8_t>({-128, -5, 0, 1, -127, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11}));
  CHECK(un(Opcode::I64x2Neg, vec<int64_t>({INT64_MIN, 9})) == vec<int64_t>({INT64_MIN, -9}));
  CHECK(un(Opcode::I8x16Abs, vec<int8_t>({-128, -5, 5, 0, -1, 127, -127, 3, 3, 3, 3, 3, 3, 3, 3, 3})) ==
        vec<int8_t>({-128, 5, 5, 0, 1, 127, 127, 3, 3, 3, 3, 3, 3, 3, 3, 3}));
  CHECK(un(Opcode::I16x8Abs, vec<int16_t>({-32768, -300, 300, 0, -1, 1, 2, -2})) ==
        vec<int16_t>({-32768, 300, 300, 0, 1, 1, 2, 2}));
  CHECK(un(Opcode::I32x4Abs, vec<int32_t>({INT32_MIN, -7, 7, 0})) == vec<int32_t>({INT32_MIN, 7, 7, 0}));
  CHECK(un(Opcode::I64x2Abs, vec<int64_t>({INT64_MIN, -7})) == vec<int64_t>({INT64_MIN, 7}));
}

TEST_CASE("simd: integer min/max (s/u), avgr_u rounding up, add_sat/sub_sat") {
  V128b a = vec<int8_t>({-1, 1, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  V128b b = vec<int8_t>({1, -1, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(bin(Opcode::I8x16MinS, a, b) == vec<int8_t>({-1, -1, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I8x16MinU, a, b) == vec<int8_t>({1, 1, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I8x16MaxS, a, b) == vec<int8_t>({1, 1, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I8x16MaxU, a, b) == vec<int8_t>({-1, -1, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I16x8MinU, vec<int16_t>({-1, 2, 0, 0, 0, 0, 0, 0}), vec<int16_t>({1, -2, 0, 0, 0, 0, 0, 0})) ==
        vec<int16_t>({1, 2, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I16x8MaxS, vec<int16_t>({-1, 2, 0, 0, 0, 0, 0, 0}), vec<int16_t>({1, -2, 0, 0, 0, 0, 0, 0})) ==
        vec<int16_t>({1, 2, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I32x4MinS, vec<int32_t>({-1, 5, INT32_MIN, 0}), vec<int32_t>({1, 4, INT32_MAX, 0})) ==
        vec<int32_t>({-1, 4, INT32_MIN, 0}));
  CHECK(bin(Opcode::I32x4MaxU, vec<int32_t>({-1, 5, INT32_MIN, 0}), vec<int32_t>({1, 4, INT32_MAX, 0})) ==
        vec<int32_t>({-1, 5, INT32_MIN, 0}));

  CHECK(bin(Opcode::I8x16AvgrU, vec<uint8_t>({1, 255, 0, 0, 254, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
            vec<uint8_t>({2, 255, 1, 0, 255, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) ==
        vec<uint8_t>({2, 255, 1, 0, 255, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I16x8AvgrU, vec<uint16_t>({65535, 65535, 0, 1, 0, 0, 0, 0}),
            vec<uint16_t>({0, 65535, 0, 2, 0, 0, 0, 0})) == vec<uint16_t>({32768, 65535, 0, 2, 0, 0, 0, 0}));

  V128b p = vec<int8_t>({100, -100, 100, -100, 127, -128, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0});
  V128b q = vec<int8_t>({100, -100, -100, 100, 1, -1, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(bin(Opcode::I8x16AddSatS, p, q) == vec<int8_t>({127, -128, 0, 0, 127, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I8x16SubSatS, p, q) == vec<int8_t>({0, 0, 127, -128, 126, -127, 2, -2, 0, 0, 0, 0, 0, 0, 0, 0}));
  // Unsigned: 100 is 0x64, -100 is 0x9c (156), 127 is 0x7f, -128 0x80, -1 0xff.
  CHECK(bin(Opcode::I8x16AddSatU, p, q) ==
        vec<uint8_t>({200, 255, 255, 255, 128, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I8x16SubSatU, p, q) == vec<uint8_t>({0, 0, 0, 56, 126, 0, 0, 254, 0, 0, 0, 0, 0, 0, 0, 0}));
  V128b r = vec<int16_t>({30000, -30000, -32768, 32767, 0, 0, 0, 0});
  V128b s = vec<int16_t>({30000, -30000, 1, -1, 0, 0, 0, 0});
  CHECK(bin(Opcode::I16x8AddSatS, r, s) == vec<int16_t>({32767, -32768, -32767, 32766, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I16x8SubSatS, r, s) == vec<int16_t>({0, 0, -32768, 32767, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I16x8AddSatU, r, s) == vec<uint16_t>({60000, 65535, 32769, 65535, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I16x8SubSatU, r, s) == vec<uint16_t>({0, 0, 32767, 0, 0, 0, 0, 0}));
}

TEST_CASE("simd: shifts take the count modulo the lane width; shr_s is arithmetic") {
  V128b a = vec<uint8_t>({0x81, 0x80, 1, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f});
  CHECK(shift(Opcode::I8x16Shl, a, 9) == vec<uint8_t>({0x02, 0, 2, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe}));
  CHECK(shift(Opcode::I8x16ShrS, a, 1) ==
        vec<uint8_t>({0xc0, 0xc0, 0, 0xff, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3f}));
  CHECK(shift(Opcode::I8x16ShrU, a, 1) ==
        vec<uint8_t>({0x40, 0x40, 0, 0x7f, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3f}));
  CHECK(shift(Opcode::I8x16ShrS, a, 8) == a);
  V128b h = vec<int16_t>({-2, 2, -32768, 1, 0, 0, 0, 0x4000});
  CHECK(shift(Opcode::I16x8Shl, h, 17) == vec<int16_t>({-4, 4, 0, 2, 0, 0, 0, -32768}));
  CHECK(shift(Opcode::I16x8ShrS, h, 1) == vec<int16_t>({-1, 1, -16384, 0, 0, 0, 0, 0x2000}));
  CHECK(shift(Opcode::I16x8ShrU, h, 15) == vec<int16_t>({1, 0, 1, 0, 0, 0, 0, 0}));
  V128b w = vec<int32_t>({INT32_MIN, -1, 6, 1});
  CHECK(shift(Opcode::I32x4Shl, w, 31) == vec<int32_t>({0, INT32_MIN, 0, INT32_MIN}));
  CHECK(shift(Opcode::I32x4ShrS, w, 33) == vec<int32_t>({INT32_MIN / 2, -1, 3, 0}));
  CHECK(shift(Opcode::I32x4ShrU, w, 0xffffffe1) == vec<int32_t>({0x40000000, INT32_MAX, 3, 0}));
  V128b d = vec<int64_t>({INT64_MIN, 3});
  CHECK(shift(Opcode::I64x2Shl, d, 65) == vec<int64_t>({0, 6}));
  CHECK(shift(Opcode::I64x2ShrS, d, 64) == d);
  CHECK(shift(Opcode::I64x2ShrS, d, 63) == vec<int64_t>({-1, 0}));
  CHECK(shift(Opcode::I64x2ShrU, d, 63) == vec<int64_t>({1, 0}));
}

TEST_CASE("simd: integer comparisons (s/u) give all-ones lanes") {
  V128b a = vec<int8_t>({-1, 1, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  V128b b = vec<int8_t>({1, -1, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  constexpr int8_t T = kTrue8;
  CHECK(bin(Opcode::I8x16Eq, a, b) == vec<int8_t>({0, 0, T, 0, T, T, T, T, T, T, T, T, T, T, T, 0}));
  CHECK(bin(Opcode::I8x16Ne, a, b) == vec<int8_t>({T, T, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, T}));
  CHECK(bin(Opcode::I8x16LtS, a, b) == vec<int8_t>({T, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, T}));
  CHECK(bin(Opcode::I8x16LtU, a, b) == vec<int8_t>({0, T, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, T}));
  CHECK(bin(Opcode::I8x16GtS, a, b) == vec<int8_t>({0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I8x16GtU, a, b) == vec<int8_t>({T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I8x16LeS, a, b) == vec<int8_t>({T, 0, T, T, T, T, T, T, T, T, T, T, T, T, T, T}));
  CHECK(bin(Opcode::I8x16LeU, a, b) == vec<int8_t>({0, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T}));
  CHECK(bin(Opcode::I8x16GeS, a, b) == vec<int8_t>({0, T, T, 0, T, T, T, T, T, T, T, T, T, T, T, 0}));
  CHECK(bin(Opcode::I8x16GeU, a, b) == vec<int8_t>({T, 0, T, 0, T, T, T, T, T, T, T, T, T, T, T, 0}));
  V128b h = vec<int16_t>({-1, 1, 7, 0, 0, 0, 0, 0});
  V128b g = vec<int16_t>({1, -1, 7, 0, 0, 0, 0, 0});
  CHECK(bin(Opcode::I16x8LtS, h, g) == vec<int16_t>({kTrue16, 0, 0, 0, 0, 0, 0, 0}));
  CHECK(bin(Opcode::I16x8GeU, h, g) ==
        vec<int16_t>({kTrue16, 0, kTrue16, kTrue16, kTrue16, kTrue16, kTrue16, kTrue16}));
  V128b w = vec<int32_t>({-1, 1, 7, INT32_MIN});
  V128b x = vec<int32_t>({1, -1, 7, INT32_MAX});
  CHECK(bin(Opcode::I32x4GtU, w, x) == vec<int32_t>({kTrue32, 0, 0, kTrue32}));
  CHECK(bin(Opcode::I32x4LeS, w, x) == vec<int32_t>({kTrue32, 0, kTrue32, kTrue32}));
  CHECK(bin(Opcode::I32x4Ne, w, x) == vec<int32_t>({kTrue32, kTrue32, 0, kTrue32}));
  V128b d = vec<int64_t>({-1, INT64_MAX});
  V128b e = vec<int64_t>({1, INT64_MAX});
  CHECK(bin(Opcode::I64x2Eq, d, e) == vec<int64_t>({0, kTrue64}));
  CHECK(bin(Opcode::I64x2Ne, d, e) == vec<int64_t>({kTrue64, 0}));
  CHECK(bin(Opcode::I64x2LtS, d, e) == vec<int64_t>({kTrue64, 0}));
  CHECK(bin(Opcode::I64x2GtS, d, e) == vec<int64_t>({0, 0}));
  CHECK(bin(Opcode::I64x2LeS, d, e) == vec<int64_t>({kTrue64, kTrue64}));
  CHECK(bin(Opcode::I64x2GeS, d, e) == vec<int64_t>({0, kTrue64}));
}

TEST_CASE("simd: popcnt, narrow (saturating), extend, extmul, extadd_pairwise") {
  CHECK(un(Opcode::I8x16Popcnt, bytes({0xff, 0, 0x81, 1, 0x7f, 0x80, 0x55, 0xaa, 3, 0, 0, 0, 0, 0, 0, 0xfe})) ==
        bytes({8, 0, 2, 1, 7, 1, 4, 4, 2, 0, 0, 0, 0, 0, 0, 7}));

  // a's lanes fill the low half of the result, b's the high half.
  V128b a = vec<int16_t>({300, -300, 127, -128, 128, -129, 255, 256});
  V128b b = vec<int16_t>({1, -1, 2, -2, 0, 32767, -32768, 3});
  CHECK(bin(Opcode::I8x16NarrowI16x8S, a, b) ==
        vec<int8_t>({127, -128, 127, -128, 127, -128, 127, 127, 1, -1, 2, -2, 0, 127, -128, 3}));
  CHECK(bin(Opcode::I8x16NarrowI16x8U, a, b) ==
        vec<uint8_t>({255, 0, 127, 0, 128, 0, 255, 255, 1, 0, 2, 0, 0, 255, 0, 3}));
  V128b w = vec<int32_t>({40000, -40000, 65535, 65536});
  V128b x = vec<int32_t>({-1, 32767, -32768, 7});
  CHECK(bin(Opcode::I16x8NarrowI32x4S, w, x) == vec<int16_t>({32767, -32768, 32767, 32767, -1, 32767, -32768, 7}));
  CHECK(bin(Opcode::I16x8NarrowI32x4U, w, x) == vec<uint16_t>({40000, 0, 65535, 65535, 0, 32767, 0, 7}));

  V128b c = vec<int8_t>({-1, 2, -128, 127, 0, 1, -2, 3, -3, 4, -5, 6, -7, 8, -9, 10});
  CHECK(un(Opcode::I16x8ExtendLowI8x16S, c) == vec<int16_t>({-1, 2, -128, 127, 0, 1, -2, 3}));
  CHECK(un(Opcode::I16x8ExtendHighI8x16S, c) == vec<int16_t>({-3, 4, -5, 6, -7, 8, -9, 10}));
  CHECK(un(Opcode::I16x8ExtendLowI8x16U, c) == vec<int16_t>({255, 2, 128, 127, 0, 1, 254, 3}));
  CHECK(un(Opcode::I16x8ExtendHighI8x16U, c) == vec<int16_t>({253, 4, 251, 6, 249, 8, 247, 10}));
  V128b h = vec<int16_t>({-1, 2, -32768, 4, 5, -6, 7, -8});
  CHECK(un(Opcode::I32x4ExtendLowI16x8S, h) == vec<int32_t>({-1, 2, -32768, 4}));
  CHECK(un(Opcode::I32x4ExtendHighI16x8U, h) == vec<int32_t>({5, 65530, 7, 65528}));
  V128b s = vec<int32_t>({-1, 2, -3, 4});
  CHECK(un(Opcode::I64x2ExtendLowI32x4S, s) == vec<int64_t>({-1, 2}));
  CHECK(un(Opcode::I64x2ExtendHighI32x4S, s) == vec<int64_t>({-3, 4}));
  CHECK(un(Opcode::I64x2ExtendLowI32x4U, s) == vec<int64_t>({4294967295ll, 2}));
  CHECK(un(Opcode::I64x2ExtendHighI32x4U, s) == vec<int64_t>({4294967293ll, 4}));

  V128b m = vec<int8_t>({-128, -128, 127, -1, 2, 3, 4, 5, -1, 0, 0, 0, 0, 0, 0, 127});
  V128b n = vec<int8_t>({-128, 127, 127, -1, 2, 3, 4, 5, -1, 0, 0, 0, 0, 0, 0, -128});
  CHECK(bin(Opcode::I16x8ExtmulLowI8x16S, m, n) == vec<int16_t>({16384, -16256, 16129, 1, 4, 9, 16, 25}));
  CHECK(bin(Opcode::I16x8ExtmulHighI8x16S, m, n) == vec<int16_t>({1, 0, 0, 0, 0, 0, 0, -16256}));
  CHECK(bin(Opcode::I16x8ExtmulLowI8x16U, m, n) == vec<uint16_t>({16384, 16256, 16129, 65025, 4, 9, 16, 25}));
  CHECK(bin(Opcode::I16x8ExtmulHighI8x16U, m, n) == vec<uint16_t>({65025, 0, 0, 0, 0, 0, 0, 16256}));
  V128b p = vec<int16_t>({-32768, -1, 3, 4, 5, 6, 7, -8});
  CHECK(bin(Opcode::I32x4ExtmulLowI16x8S, p, p) == vec<int32_t>({1073741824, 1, 9, 16}));
  CHECK(bin(Opcode::I32x4ExtmulHighI16x8U, p, p) == vec<uint32_t>({25, 36, 49, 4293918784u}));
  CHECK(bin(Opcode::I32x4ExtmulLowI16x8U, p, p) == vec<uint32_t>({1073741824u, 4294836225u, 9, 16}));
  CHECK(bin(Opcode::I32x4ExtmulHighI16x8S, p, p) == vec<int32_t>({25, 36, 49, 64}));
  V128b q = vec<int32_t>({INT32_MIN, -1, INT32_MIN, 3});
  CHECK(bin(Opcode::I64x2ExtmulLowI32x4S, q, q) == vec<int64_t>({1ll << 62, 1}));
  CHECK(bin(Opcode::I64x2ExtmulHighI32x4S, q, q) == vec<int64_t>({1ll << 62, 9}));
  CHECK(bin(Opcode::I64x2ExtmulLowI32x4U, q, q) == vec<uint64_t>({1ull << 62, 0xfffffffe00000001ull}));
  CHECK(bin(Opcode::I64x2ExtmulHighI32x4U, q, q) == vec<uint64_t>({1ull << 62, 9}));

  V128b e = vec<int8_t>({-128, -128, 127, 1, -1, -1, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(un(Opcode::I16x8ExtaddPairwiseI8x16S, e) == vec<int16_t>({-256, 128, -2, 5, 3, 7, 11, 15}));
  CHECK(un(Opcode::I16x8ExtaddPairwiseI8x16U, e) == vec<int16_t>({256, 128, 510, 5, 3, 7, 11, 15}));
  V128b f = vec<int16_t>({-32768, -32768, -1, -1, 32767, 1, 2, 3});
  CHECK(un(Opcode::I32x4ExtaddPairwiseI16x8S, f) == vec<int32_t>({-65536, -2, 32768, 5}));
  CHECK(un(Opcode::I32x4ExtaddPairwiseI16x8U, f) == vec<int32_t>({65536, 131070, 32768, 5}));
}

TEST_CASE("simd: q15mulr_sat_s rounds ties up and saturates; dot sums adjacent products") {
  V128b a = vec<int16_t>({-32768, 16384, 1, -1, -32768, 32767, 3, 0});
  V128b b = vec<int16_t>({-32768, 16384, 16384, 16384, 32767, 32767, -16384, 5});
  // 2^30 + 2^14 >> 15 = 32768 saturates; 0.5 rounds to 1 and -0.5 to 0.
  CHECK(bin(Opcode::I16x8Q15mulrSatS, a, b) == vec<int16_t>({32767, 8192, 1, 0, -32767, 32766, -1, 0}));
  V128b c = vec<int16_t>({-32768, -32768, 1, 2, 3, -4, 32767, 32767});
  V128b d = vec<int16_t>({-32768, -32768, 5, 6, 7, 8, 32767, 32767});
  // The one overflowing sum, 2^31, wraps.
  CHECK(bin(Opcode::I32x4DotI16x8S, c, d) == vec<int32_t>({INT32_MIN, 17, -11, 2147352578}));
}

TEST_CASE("simd: float arithmetic, lane by lane") {
  float inf = std::numeric_limits<float>::infinity();
  V128b a = vec<float>({1.5f, -2.0f, 1.0f, 0.1f});
  V128b b = vec<float>({0.25f, 8.0f, 0.0f, 0.2f});
  CHECK(bin(Opcode::F32x4Add, a, b) == vec<float>({1.75f, 6.0f, 1.0f, 0.1f + 0.2f}));
  CHECK(bin(Opcode::F32x4Sub, a, b) == vec<float>({1.25f, -10.0f, 1.0f, 0.1f - 0.2f}));
  CHECK(bin(Opcode::F32x4Mul, a, b) == vec<float>({0.375f, -16.0f, 0.0f, 0.1f * 0.2f}));
  CHECK(bin(Opcode::F32x4Div, a, b) == vec<float>({6.0f, -0.25f, inf, 0.5f}));
  V128b c = vec<double>({1e308, -3.0});
  V128b d = vec<double>({1e308, 0.5});
  CHECK(bin(Opcode::F64x2Add, c, d) == vec<double>({std::numeric_limits<double>::infinity(), -2.5}));
  CHECK(bin(Opcode::F64x2Sub, c, d) == vec<double>({0.0, -3.5}));
  CHECK(bin(Opcode::F64x2Mul, c, d) == vec<double>({std::numeric_limits<double>::infinity(), -1.5}));
  CHECK(bin(Opcode::F64x2Div, c, d) == vec<double>({1.0, -6.0}));
  CHECK(un(Opcode::F32x4Sqrt, vec<float>({4.0f, 2.0f, -0.0f, inf})) == vec<float>({2.0f, std::sqrt(2.0f), -0.0f, inf}));
  V128b r = un(Opcode::F64x2Sqrt, vec<double>({-1.0, 0.25}));
  CHECK(std::isnan(r.lane<double>(0)));
  CHECK(r.lane<double>(1) == 0.5);
  // 0 / 0 is a NaN, and a NaN operand gives a NaN.
  V128b z = bin(Opcode::F32x4Div, vec<float>({0.0f, f32(0x7fc00000), 1.0f, 1.0f}),
                vec<float>({0.0f, 1.0f, 1.0f, 1.0f}));
  CHECK(std::isnan(z.lane<float>(0)));
  CHECK(std::isnan(z.lane<float>(1)));
}

TEST_CASE("simd: abs and neg touch the sign bit only; min/max NaN and zero rules; pmin/pmax") {
  CHECK(un(Opcode::F32x4Abs, vec<uint32_t>({0xffc00001, 0x80000000, 0x7fa00000, 0xbf800000})) ==
        vec<uint32_t>({0x7fc00001, 0, 0x7fa00000, 0x3f800000}));
  CHECK(un(Opcode::F32x4Neg, vec<uint32_t>({0x7fa00000, 0, 0xffc00000, 0x3f800000})) ==
        vec<uint32_t>({0xffa00000, 0x80000000, 0x7fc00000, 0xbf800000}));
  CHECK(un(Opcode::F64x2Abs, vec<uint64_t>({0xfff4000000000001ull, 0x8000000000000000ull})) ==
        vec<uint64_t>({0x7ff4000000000001ull, 0}));
  CHECK(un(Opcode::F64x2Neg, vec<uint64_t>({0x7ff4000000000001ull, 0})) ==
        vec<uint64_t>({0xfff4000000000001ull, 0x8000000000000000ull}));

  float nan = f32(0x7fc00000);
  V128b a = vec<float>({-0.0f, 0.0f, nan, 1.0f});
  V128b b = vec<float>({0.0f, -0.0f, 1.0f, nan});
  CHECK(bin(Opcode::F32x4Min, a, b).lane<uint32_t>(0) == 0x80000000u);
  CHECK(bin(Opcode::F32x4Min, a, b).lane<uint32_t>(1) == 0x80000000u);
  CHECK(bin(Opcode::F32x4Max, a, b).lane<uint32_t>(0) == 0u);
  CHECK(bin(Opcode::F32x4Max, a, b).lane<uint32_t>(1) == 0u);
  // A NaN on either side gives a NaN; a canonical NaN gives a canonical one
  // (any sign), as f32.min does.
  for (Opcode op : {Opcode::F32x4Min, Opcode::F32x4Max}) {
    V128b r = bin(op, a, b);
    CHECK((r.lane<uint32_t>(2) & 0x7fffffffu) == 0x7fc00000u);
    CHECK((r.lane<uint32_t>(3) & 0x7fffffffu) == 0x7fc00000u);
    auto scalar = op == Opcode::F32x4Min ? tern::sem::wasmMin<float> : tern::sem::wasmMax<float>;
    CHECK(r.lane<uint32_t>(2) == bitsOf(scalar(nan, 1.0f)));
    CHECK(r.lane<uint32_t>(3) == bitsOf(scalar(1.0f, nan)));
  }
  CHECK(bin(Opcode::F32x4Min, vec<float>({1, -2, 3, -4}), vec<float>({2, -1, -3, 4})) == vec<float>({1, -2, -3, -4}));
  CHECK(bin(Opcode::F32x4Max, vec<float>({1, -2, 3, -4}), vec<float>({2, -1, -3, 4})) == vec<float>({2, -1, 3, 4}));
  V128b c = vec<double>({-0.0, f64(0x7ff8000000000000ull)});
  V128b d = vec<double>({0.0, 2.0});
  CHECK(bin(Opcode::F64x2Min, c, d).lane<uint64_t>(0) == 0x8000000000000000ull);
  CHECK(bin(Opcode::F64x2Max, d, c).lane<uint64_t>(0) == 0u);
  CHECK(std::isnan(bin(Opcode::F64x2Min, d, c).lane<double>(1)));
  CHECK(std::isnan(bin(Opcode::F64x2Max, c, d).lane<double>(1)));

  // pmin(x, y) = y < x ? y : x: the first operand on ties and NaNs, bit for bit.
  V128b snan = vec<uint32_t>({0x7fa00000, 0x3f800000, 0x80000000, 0x3f800000});
  V128b one = vec<float>({1.0f, f32(0x7fa00000), 0.0f, 2.0f});
  CHECK(bin(Opcode::F32x4Pmin, snan, one) == vec<uint32_t>({0x7fa00000, 0x3f800000, 0x80000000, 0x3f800000}));
  CHECK(bin(Opcode::F32x4Pmax, snan, one) == vec<uint32_t>({0x7fa00000, 0x3f800000, 0x80000000, 0x40000000}));
  CHECK(bin(Opcode::F32x4Pmin, one, snan) == vec<uint32_t>({0x3f800000, 0x7fa00000, 0, 0x3f800000}));
  CHECK(bin(Opcode::F64x2Pmin, vec<double>({3.0, 0.0}), vec<double>({-1.0, -0.0})) == vec<double>({-1.0, 0.0}));
  CHECK(bin(Opcode::F64x2Pmax, vec<double>({3.0, -0.0}), vec<double>({4.0, 0.0})) ==
        vec<uint64_t>({bitsOf(4.0), 1ull << 63}));
}

TEST_CASE("simd: float comparisons: false on NaN except ne; -0 equals +0") {
  float nan = f32(0x7fc00000);
  V128b a = vec<float>({nan, -0.0f, 1.0f, 2.0f});
  V128b b = vec<float>({nan, 0.0f, 2.0f, 1.0f});
  constexpr int32_t T = kTrue32;
  CHECK(bin(Opcode::F32x4Eq, a, b) == vec<int32_t>({0, T, 0, 0}));
  CHECK(bin(Opcode::F32x4Ne, a, b) == vec<int32_t>({T, 0, T, T}));
  CHECK(bin(Opcode::F32x4Lt, a, b) == vec<int32_t>({0, 0, T, 0}));
  CHECK(bin(Opcode::F32x4Gt, a, b) == vec<int32_t>({0, 0, 0, T}));
  CHECK(bin(Opcode::F32x4Le, a, b) == vec<int32_t>({0, T, T, 0}));
  CHECK(bin(Opcode::F32x4Ge, a, b) == vec<int32_t>({0, T, 0, T}));
  V128b c = vec<double>({f64(0x7ff8000000000000ull), -1.0});
  V128b d = vec<double>({1.0, -2.0});
  CHECK(bin(Opcode::F64x2Eq, c, c) == vec<int64_t>({0, kTrue64}));
  CHECK(bin(Opcode::F64x2Ne, c, c) == vec<int64_t>({kTrue64, 0}));
  CHECK(bin(Opcode::F64x2Lt, c, d) == vec<int64_t>({0, 0}));
  CHECK(bin(Opcode::F64x2Gt, c, d) == vec<int64_t>({0, kTrue64}));
  CHECK(bin(Opcode::F64x2Le, c, d) == vec<int64_t>({0, 0}));
  CHECK(bin(Opcode::F64x2Ge, c, d) == vec<int64_t>({0, kTrue64}));
}

TEST_CASE("simd: ceil, floor, trunc, nearest (ties to even), keeping -0 and quieting NaN") {
  V128b a = vec<float>({2.5f, -2.5f, 3.5f, -0.5f});
  CHECK(un(Opcode::F32x4Nearest, a) == vec<float>({2.0f, -2.0f, 4.0f, -0.0f}));
  CHECK(un(Opcode::F32x4Ceil, a) == vec<float>({3.0f, -2.0f, 4.0f, -0.0f}));
  CHECK(un(Opcode::F32x4Floor, a) == vec<float>({2.0f, -3.0f, 3.0f, -1.0f}));
  CHECK(un(Opcode::F32x4Trunc, a) == vec<float>({2.0f, -2.0f, 3.0f, -0.0f}));
  V128b b = vec<double>({0.5, -1.5});
  CHECK(un(Opcode::F64x2Nearest, b) == vec<double>({0.0, -2.0}));
  CHECK(un(Opcode::F64x2Ceil, b) == vec<double>({1.0, -1.0}));
  CHECK(un(Opcode::F64x2Floor, b) == vec<double>({0.0, -2.0}));
  CHECK(un(Opcode::F64x2Trunc, b) == vec<double>({0.0, -1.0}));
  CHECK(un(Opcode::F64x2Nearest, vec<double>({4503599627370497.0, -1e300})) ==
        vec<double>({4503599627370497.0, -1e300}));
  // A signalling NaN comes out quiet.
  for (Opcode op : {Opcode::F32x4Ceil, Opcode::F32x4Floor, Opcode::F32x4Trunc, Opcode::F32x4Nearest}) {
    V128b r = un(op, all<uint32_t>(0x7fa00000));
    CAPTURE(tern::opInfo(op).name);
    CHECK(std::isnan(r.lane<float>(0)));
    CHECK((r.lane<uint32_t>(3) & 0x00400000u) != 0);
  }
  for (Opcode op : {Opcode::F64x2Ceil, Opcode::F64x2Floor, Opcode::F64x2Trunc, Opcode::F64x2Nearest}) {
    V128b r = un(op, all<uint64_t>(0x7ff4000000000000ull));
    CAPTURE(tern::opInfo(op).name);
    CHECK((r.lane<uint64_t>(1) & 0x0008000000000000ull) != 0);
  }
}

TEST_CASE("simd: conversions: convert rounds to nearest even, trunc_sat saturates, demote/promote") {
  CHECK(un(Opcode::F32x4ConvertI32x4S, vec<int32_t>({-1, INT32_MIN, 16777217, 16777219})) ==
        vec<float>({-1.0f, -2147483648.0f, 16777216.0f, 16777220.0f}));
  CHECK(un(Opcode::F32x4ConvertI32x4U, vec<uint32_t>({0xffffffffu, 0x80000000u, 16777217, 3})) ==
        vec<float>({4294967296.0f, 2147483648.0f, 16777216.0f, 3.0f}));
  // Only the low two lanes are converted.
  CHECK(un(Opcode::F64x2ConvertLowI32x4S, vec<int32_t>({-5, INT32_MIN, 99, 99})) == vec<double>({-5.0, -2147483648.0}));
  CHECK(un(Opcode::F64x2ConvertLowI32x4U, vec<uint32_t>({0xffffffffu, 7, 99, 99})) == vec<double>({4294967295.0, 7.0}));

  float inf = std::numeric_limits<float>::infinity();
  V128b f = vec<float>({f32(0x7fc00000), inf, -inf, -1.9f});
  CHECK(un(Opcode::I32x4TruncSatF32x4S, f) == vec<int32_t>({0, INT32_MAX, INT32_MIN, -1}));
  CHECK(un(Opcode::I32x4TruncSatF32x4U, f) == vec<uint32_t>({0, 0xffffffffu, 0, 0}));
  V128b g = vec<float>({2147483648.0f, -2147483904.0f, 4294967296.0f, 3.9f});
  CHECK(un(Opcode::I32x4TruncSatF32x4S, g) == vec<int32_t>({INT32_MAX, INT32_MIN, INT32_MAX, 3}));
  CHECK(un(Opcode::I32x4TruncSatF32x4U, g) == vec<uint32_t>({2147483648u, 0, 0xffffffffu, 3}));
  double dinf = std::numeric_limits<double>::infinity();
  CHECK(un(Opcode::I32x4TruncSatF64x2SZero, vec<double>({-dinf, 2147483647.9})) ==
        vec<int32_t>({INT32_MIN, INT32_MAX, 0, 0}));
  CHECK(un(Opcode::I32x4TruncSatF64x2SZero, vec<double>({-2147483648.9, -0.9})) == vec<int32_t>({INT32_MIN, 0, 0, 0}));
  CHECK(un(Opcode::I32x4TruncSatF64x2UZero, vec<double>({f64(0x7ff8000000000000ull), 4294967295.5})) ==
        vec<uint32_t>({0, 0xffffffffu, 0, 0}));
  CHECK(un(Opcode::I32x4TruncSatF64x2UZero, vec<double>({-0.9, 1e10})) == vec<uint32_t>({0, 0xffffffffu, 0, 0}));

  // 1 + 2^-30 rounds to 1.0f, 1 + 3 * 2^-24 to even (1 + 2^-22); the high lanes are +0.
  CHECK(un(Opcode::F32x4DemoteF64x2Zero, vec<double>({1.0 + std::ldexp(1.0, -30), 1.0 + 3 * std::ldexp(1.0, -24)})) ==
        vec<float>({1.0f, 1.0f + std::ldexp(1.0f, -22), 0.0f, 0.0f}));
  CHECK(un(Opcode::F32x4DemoteF64x2Zero, vec<double>({1e300, -1e-300})) == vec<float>({inf, -0.0f, 0.0f, 0.0f}));
  CHECK(std::isnan(un(Opcode::F32x4DemoteF64x2Zero, vec<double>({f64(0x7ff8000000000000ull), 0})).lane<float>(0)));
  CHECK(un(Opcode::F64x2PromoteLowF32x4, vec<float>({1.5f, -0.0f, 7.0f, 8.0f})) == vec<double>({1.5, -0.0}));
  CHECK(std::isnan(un(Opcode::F64x2PromoteLowF32x4, vec<float>({f32(0x7fc00000), 0, 0, 0})).lane<double>(0)));
}

TEST_CASE("simd: memory forms, from the bytes read") {
  const uint8_t mem[16] = {0x80, 0x7f, 0xff, 0x01, 0x34, 0x12, 0xfe, 0xff, 8, 9, 10, 11, 12, 13, 14, 15};
  auto load = [&](Opcode op) { return run(op, Shape::Load, {.bytes = mem}).v; };
  CHECK(load(Opcode::V128Load) ==
        bytes({0x80, 0x7f, 0xff, 0x01, 0x34, 0x12, 0xfe, 0xff, 8, 9, 10, 11, 12, 13, 14, 15}));
  CHECK(load(Opcode::V128Load8x8S) == vec<int16_t>({-128, 127, -1, 1, 0x34, 0x12, -2, -1}));
  CHECK(load(Opcode::V128Load8x8U) == vec<int16_t>({128, 127, 255, 1, 0x34, 0x12, 254, 255}));
  CHECK(load(Opcode::V128Load16x4S) == vec<int32_t>({0x7f80, 0x01ff, 0x1234, -2}));
  CHECK(load(Opcode::V128Load16x4U) == vec<int32_t>({0x7f80, 0x01ff, 0x1234, 0xfffe}));
  CHECK(load(Opcode::V128Load32x2S) == vec<int64_t>({0x01ff7f80, int32_t(0xfffe1234)}));
  CHECK(load(Opcode::V128Load32x2U) == vec<int64_t>({0x01ff7f80, 0xfffe1234ll}));
  CHECK(load(Opcode::V128Load8Splat) == all<uint8_t>(0x80));
  CHECK(load(Opcode::V128Load16Splat) == all<uint16_t>(0x7f80));
  CHECK(load(Opcode::V128Load32Splat) == all<uint32_t>(0x01ff7f80));
  CHECK(load(Opcode::V128Load64Splat) == all<uint64_t>(0xfffe123401ff7f80ull));
  CHECK(load(Opcode::V128Load32Zero) == vec<uint32_t>({0x01ff7f80, 0, 0, 0}));
  CHECK(load(Opcode::V128Load64Zero) == vec<uint64_t>({0xfffe123401ff7f80ull, 0}));

  V128b v = all<uint8_t>(0xaa);
  auto loadLane = [&](Opcode op, int lane) { return run(op, Shape::LoadLane, {.a = v, .lane = lane, .bytes = mem}).v; };
  CHECK(loadLane(Opcode::V128Load8Lane, 15) ==
        bytes({0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x80}));
  CHECK(loadLane(Opcode::V128Load16Lane, 5) ==
        vec<uint16_t>({0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0x7f80, 0xaaaa, 0xaaaa}));
  CHECK(loadLane(Opcode::V128Load32Lane, 1) == vec<uint32_t>({0xaaaaaaaa, 0x01ff7f80, 0xaaaaaaaa, 0xaaaaaaaa}));
  CHECK(loadLane(Opcode::V128Load64Lane, 1) == vec<uint64_t>({0xaaaaaaaaaaaaaaaaull, 0xfffe123401ff7f80ull}));

  V128b w = bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  Out o = run(Opcode::V128Store, Shape::Store, {.a = w});
  CHECK(std::memcmp(o.mem, w.b, 16) == 0);
  // A lane store writes the lane's bytes and nothing else.
  auto storeLane = [&](Opcode op, int lane) {
    Out r = run(op, Shape::StoreLane, {.a = w, .lane = lane});
    return bytes({r.mem[0], r.mem[1], r.mem[2], r.mem[3], r.mem[4], r.mem[5], r.mem[6], r.mem[7], r.mem[8], r.mem[9],
                  r.mem[10], r.mem[11], r.mem[12], r.mem[13], r.mem[14], r.mem[15]});
  };
  CHECK(storeLane(Opcode::V128Store8Lane, 13) == bytes({13}));
  CHECK(storeLane(Opcode::V128Store16Lane, 7) == bytes({14, 15}));
  CHECK(storeLane(Opcode::V128Store32Lane, 2) == bytes({8, 9, 10, 11}));
  CHECK(storeLane(Opcode::V128Store64Lane, 1) == bytes({8, 9, 10, 11, 12, 13, 14, 15}));
}
