// LEB128 decoding (src/base/leb128.h): readUleb / readSleb and tern::Reader.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "base/leb128.h"

using tern::ReadStatus;
using Bytes = std::vector<uint8_t>;

namespace {

struct UResult {
  ReadStatus status;
  uint64_t value;
  size_t len;
};
struct SResult {
  ReadStatus status;
  int64_t value;
  size_t len;
};

template <unsigned Bits>
UResult ru(const Bytes& b) {
  UResult r{ReadStatus::Ok, 0xdeadbeef, 12345};
  r.status = tern::readUleb<Bits>(b.data(), b.data() + b.size(), &r.value, &r.len);
  return r;
}

template <unsigned Bits>
SResult rs(const Bytes& b) {
  SResult r{ReadStatus::Ok, 0x5eadbeef, 12345};
  r.status = tern::readSleb<Bits>(b.data(), b.data() + b.size(), &r.value, &r.len);
  return r;
}

// Expect a successful decode of exactly `len` bytes.
template <unsigned Bits>
void okU(const Bytes& b, uint64_t value, size_t len) {
  CAPTURE(Bits);
  CAPTURE(b.size());
  UResult r = ru<Bits>(b);
  REQUIRE(r.status == ReadStatus::Ok);
  CHECK(r.value == value);
  CHECK(r.len == len);
}

template <unsigned Bits>
void okS(const Bytes& b, int64_t value, size_t len) {
  CAPTURE(Bits);
  CAPTURE(b.size());
  SResult r = rs<Bits>(b);
  REQUIRE(r.status == ReadStatus::Ok);
  CHECK(r.value == value);
  CHECK(r.len == len);
}

template <unsigned Bits>
void badU(const Bytes& b, ReadStatus expected) {
  CAPTURE(Bits);
  CAPTURE(b.size());
  CHECK(ru<Bits>(b).status == expected);
}

template <unsigned Bits>
void badS(const Bytes& b, ReadStatus expected) {
  CAPTURE(Bits);
  CAPTURE(b.size());
  CHECK(rs<Bits>(b).status == expected);
}

// Reference encoders (minimal form), independent of the decoder.
Bytes encU(uint64_t v) {
  Bytes b;
  do {
    uint8_t x = v & 0x7f;
    v >>= 7;
    if (v) x |= 0x80;
    b.push_back(x);
  } while (v);
  return b;
}
Bytes encS(int64_t v) {
  Bytes b;
  for (;;) {
    uint8_t x = uint8_t(v & 0x7f);
    v >>= 7;
    bool done = (v == 0 && !(x & 0x40)) || (v == -1 && (x & 0x40));
    if (!done) x |= 0x80;
    b.push_back(x);
    if (done) return b;
  }
}

}  // namespace

TEST_CASE("status messages are the spec's texts") {
  CHECK(std::string(tern::readStatusMessage(ReadStatus::UnexpectedEnd)) == "unexpected end of section or function");
  CHECK(std::string(tern::readStatusMessage(ReadStatus::TooLong)) == "integer representation too long");
  CHECK(std::string(tern::readStatusMessage(ReadStatus::TooLarge)) == "integer too large");
}

TEST_CASE("u32: minimal encodings") {
  okU<32>({0x00}, 0, 1);
  okU<32>({0x01}, 1, 1);
  okU<32>({0x7f}, 127, 1);
  okU<32>({0x80, 0x01}, 128, 2);
  okU<32>({0xe5, 0x8e, 0x26}, 624485, 3);
  okU<32>({0xff, 0xff, 0xff, 0xff, 0x07}, 0x7fffffff, 5);
  okU<32>({0x80, 0x80, 0x80, 0x80, 0x08}, 0x80000000u, 5);
  okU<32>({0xff, 0xff, 0xff, 0xff, 0x0f}, 0xffffffffu, 5);
  // Trailing bytes after the value are not consumed.
  okU<32>({0x05, 0xff, 0xff}, 5, 1);
  okU<32>({0x80, 0x01, 0x80}, 128, 2);
}

TEST_CASE("u32: non-minimal but legal encodings") {
  okU<32>({0x80, 0x00}, 0, 2);
  okU<32>({0x80, 0x80, 0x00}, 0, 3);
  okU<32>({0x80, 0x80, 0x80, 0x00}, 0, 4);
  okU<32>({0x80, 0x80, 0x80, 0x80, 0x00}, 0, 5);
  okU<32>({0x81, 0x80, 0x80, 0x80, 0x00}, 1, 5);
  okU<32>({0xff, 0x80, 0x80, 0x80, 0x00}, 127, 5);
  okU<32>({0x83, 0x80, 0x00}, 3, 3);
}

TEST_CASE("u32: too long") {
  // Six bytes: the fifth still has the continuation bit.
  badU<32>({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, ReadStatus::TooLong);
  badU<32>({0xff, 0xff, 0xff, 0xff, 0xff, 0x0f}, ReadStatus::TooLong);
  badU<32>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, ReadStatus::TooLong);
  // ...even when the input ends right after the fifth byte.
  badU<32>({0x80, 0x80, 0x80, 0x80, 0x80}, ReadStatus::TooLong);
}

TEST_CASE("u32: too large (unused bits of the 5th byte set)") {
  badU<32>({0xff, 0xff, 0xff, 0xff, 0x1f}, ReadStatus::TooLarge);
  badU<32>({0x80, 0x80, 0x80, 0x80, 0x10}, ReadStatus::TooLarge);
  badU<32>({0x80, 0x80, 0x80, 0x80, 0x20}, ReadStatus::TooLarge);
  badU<32>({0x80, 0x80, 0x80, 0x80, 0x40}, ReadStatus::TooLarge);
  badU<32>({0x80, 0x80, 0x80, 0x80, 0x7f}, ReadStatus::TooLarge);
  badU<32>({0x82, 0x80, 0x80, 0x80, 0x70}, ReadStatus::TooLarge);
  // Every value of the 5th byte in 0x10..0x7f is too large; 0x00..0x0f fit.
  for (unsigned last = 0; last < 0x80; ++last) {
    CAPTURE(last);
    UResult r = ru<32>({0x80, 0x80, 0x80, 0x80, uint8_t(last)});
    if (last < 0x10) {
      CHECK(r.status == ReadStatus::Ok);
      CHECK(r.value == uint64_t(last) << 28);
    } else {
      CHECK(r.status == ReadStatus::TooLarge);
    }
  }
}

TEST_CASE("u32: truncated input") {
  badU<32>({}, ReadStatus::UnexpectedEnd);
  badU<32>({0x80}, ReadStatus::UnexpectedEnd);
  badU<32>({0xff, 0xff}, ReadStatus::UnexpectedEnd);
  badU<32>({0xff, 0xff, 0xff, 0xff}, ReadStatus::UnexpectedEnd);
}

TEST_CASE("u32: round trip of many values") {
  std::vector<uint64_t> values = {0,         1,         63,         64,         127,        128,
                                  255,       256,       16383,      16384,      2097151,    2097152,
                                  268435455, 268435456, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  for (unsigned s = 0; s < 32; ++s) values.push_back(uint64_t(1) << s);
  for (uint64_t v : values) {
    CAPTURE(v);
    Bytes b = encU(v);
    okU<32>(b, v, b.size());
  }
}

TEST_CASE("u64 extremes") {
  okU<64>({0x00}, 0, 1);
  Bytes max = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  okU<64>(max, std::numeric_limits<uint64_t>::max(), 10);
  okU<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, 10);
  okU<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, uint64_t(1) << 63, 10);
  badU<64>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, ReadStatus::TooLarge);
  badU<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e}, ReadStatus::TooLarge);
  badU<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, ReadStatus::TooLong);
  badU<64>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ReadStatus::UnexpectedEnd);
  for (unsigned s = 0; s < 64; ++s) {
    uint64_t v = uint64_t(1) << s;
    Bytes b = encU(v);
    okU<64>(b, v, b.size());
    b = encU(v - 1);
    okU<64>(b, v - 1, b.size());
  }
  // 32-bit limits don't apply to u64.
  okU<64>({0xff, 0xff, 0xff, 0xff, 0x1f}, 0x1ffffffffull, 5);
  okU<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, 6);
}

TEST_CASE("s32: extremes and boundaries") {
  okS<32>({0x00}, 0, 1);
  okS<32>({0x7f}, -1, 1);
  okS<32>({0x3f}, 63, 1);
  okS<32>({0x40}, -64, 1);
  okS<32>({0xc0, 0x00}, 64, 2);
  okS<32>({0xbf, 0x7f}, -65, 2);
  okS<32>({0xff, 0x00}, 127, 2);
  okS<32>({0x80, 0x7f}, -128, 2);
  okS<32>({0xff, 0xff, 0xff, 0xff, 0x07}, std::numeric_limits<int32_t>::max(), 5);
  okS<32>({0x80, 0x80, 0x80, 0x80, 0x78}, std::numeric_limits<int32_t>::min(), 5);
  // Non-minimal but legal.
  okS<32>({0x80, 0x00}, 0, 2);
  okS<32>({0xff, 0x7f}, -1, 2);
  okS<32>({0x80, 0x80, 0x80, 0x80, 0x00}, 0, 5);
  okS<32>({0xff, 0xff, 0xff, 0xff, 0x7f}, -1, 5);
  okS<32>({0xc0, 0xff, 0xff, 0xff, 0x7f}, -64, 5);
}

TEST_CASE("s32: bad sign bits in the last byte") {
  // The 5th byte carries 4 payload bits; bits 3..6 must all equal the sign.
  badS<32>({0xff, 0xff, 0xff, 0xff, 0x0f}, ReadStatus::TooLarge);  // 0xffffffff unsigned
  badS<32>({0x80, 0x80, 0x80, 0x80, 0x70}, ReadStatus::TooLarge);
  badS<32>({0x80, 0x80, 0x80, 0x80, 0x08}, ReadStatus::TooLarge);
  badS<32>({0xff, 0xff, 0xff, 0xff, 0x4f}, ReadStatus::TooLarge);
  badS<32>({0x80, 0x80, 0x80, 0x80, 0x1f}, ReadStatus::TooLarge);
  for (unsigned last = 0; last < 0x80; ++last) {
    CAPTURE(last);
    SResult r = rs<32>({0x80, 0x80, 0x80, 0x80, uint8_t(last)});
    bool legal = last <= 0x07 || last >= 0x78;
    if (legal) {
      CHECK(r.status == ReadStatus::Ok);
      CHECK(r.value == int64_t(int32_t(uint32_t(last) << 28)));
    } else {
      CHECK(r.status == ReadStatus::TooLarge);
    }
  }
}

TEST_CASE("s32: too long and truncated") {
  badS<32>({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, ReadStatus::TooLong);
  badS<32>({0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, ReadStatus::TooLong);
  badS<32>({}, ReadStatus::UnexpectedEnd);
  badS<32>({0x80}, ReadStatus::UnexpectedEnd);
  badS<32>({0xff, 0xff, 0xff, 0xff}, ReadStatus::UnexpectedEnd);
}

TEST_CASE("s32: round trip") {
  std::vector<int64_t> values = {0,
                                 1,
                                 -1,
                                 63,
                                 64,
                                 -64,
                                 -65,
                                 8191,
                                 8192,
                                 -8192,
                                 -8193,
                                 std::numeric_limits<int32_t>::max(),
                                 std::numeric_limits<int32_t>::min()};
  for (unsigned s = 0; s < 31; ++s) {
    values.push_back(int64_t(1) << s);
    values.push_back(-(int64_t(1) << s));
    values.push_back((int64_t(1) << s) - 1);
    values.push_back(-(int64_t(1) << s) - 1);
  }
  for (int64_t v : values) {
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) continue;
    CAPTURE(v);
    Bytes b = encS(v);
    okS<32>(b, v, b.size());
  }
}

TEST_CASE("s64 extremes") {
  okS<64>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, std::numeric_limits<int64_t>::max(), 10);
  okS<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, std::numeric_limits<int64_t>::min(), 10);
  okS<64>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, -1, 10);
  okS<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0, 10);
  okS<64>({0x7f}, -1, 1);
  okS<64>({0x80, 0x80, 0x80, 0x80, 0x70}, -(int64_t(1) << 32), 5);  // fine for 64 bits
  // The 10th byte has 1 payload bit (the sign); bits 1..6 must match it.
  badS<64>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, ReadStatus::TooLarge);
  badS<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e}, ReadStatus::TooLarge);
  badS<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40}, ReadStatus::TooLarge);
  badS<64>({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f}, ReadStatus::TooLarge);
  badS<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, ReadStatus::TooLong);
  badS<64>({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, ReadStatus::UnexpectedEnd);
  for (unsigned s = 0; s < 63; ++s) {
    for (int64_t v : {int64_t(1) << s, -(int64_t(1) << s), (int64_t(1) << s) - 1, -(int64_t(1) << s) - 1}) {
      CAPTURE(v);
      Bytes b = encS(v);
      okS<64>(b, v, b.size());
    }
  }
}

TEST_CASE("s33 block types") {
  // Value types encode as single negative bytes.
  okS<33>({0x40}, -64, 1);  // empty block type
  okS<33>({0x7f}, -1, 1);   // i32
  okS<33>({0x7e}, -2, 1);   // i64
  okS<33>({0x7b}, -5, 1);   // v128
  okS<33>({0x70}, -16, 1);  // funcref
  okS<33>({0x6f}, -17, 1);  // externref
  // Type indices are non-negative.
  okS<33>({0x00}, 0, 1);
  okS<33>({0x3f}, 63, 1);
  okS<33>({0xc0, 0x00}, 64, 2);
  okS<33>({0x80, 0x01}, 128, 2);
  okS<33>({0xff, 0xff, 0xff, 0xff, 0x0f}, 0xffffffffll, 5);  // max type index
  okS<33>({0xff, 0xff, 0xff, 0xff, 0x07}, 0x7fffffffll, 5);
  okS<33>({0x80, 0x80, 0x80, 0x80, 0x70}, -(int64_t(1) << 32), 5);  // min s33
  okS<33>({0x80, 0x80, 0x80, 0x80, 0x00}, 0, 5);
  okS<33>({0xff, 0xff, 0xff, 0xff, 0x7f}, -1, 5);
  // 5th byte carries 5 payload bits; bits 4..6 must all equal the sign.
  badS<33>({0xff, 0xff, 0xff, 0xff, 0x1f}, ReadStatus::TooLarge);
  badS<33>({0x80, 0x80, 0x80, 0x80, 0x60}, ReadStatus::TooLarge);
  badS<33>({0x80, 0x80, 0x80, 0x80, 0x10}, ReadStatus::TooLarge);
  badS<33>({0x80, 0x80, 0x80, 0x80, 0x20}, ReadStatus::TooLarge);
  badS<33>({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, ReadStatus::TooLong);
  badS<33>({0xc0}, ReadStatus::UnexpectedEnd);
  for (unsigned last = 0; last < 0x80; ++last) {
    CAPTURE(last);
    SResult r = rs<33>({0x80, 0x80, 0x80, 0x80, uint8_t(last)});
    bool legal = last <= 0x0f || last >= 0x70;
    if (legal) {
      CHECK(r.status == ReadStatus::Ok);
      int64_t expect = int64_t(uint64_t(last) << 28);
      if (last & 0x40) expect -= int64_t(1) << 35;  // sign-extend bit 34
      CHECK(r.value == expect);
    } else {
      CHECK(r.status == ReadStatus::TooLarge);
    }
  }
}

TEST_CASE("Reader: sequential reads and offsets relative to the base") {
  const size_t base = 1000;
  Bytes b = {
      0xe5, 0x8e, 0x26,                                            // u32 624485
      0x7f,                                                        // s32 -1
      0xc0, 0xbb, 0x78,                                            // s32 -123456
      0x40,                                                        // s33 -64
      0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f,  // s64 min
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,  // u64 max
      0x78, 0x56, 0x34, 0x12,                                      // fixed32 0x12345678
      0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,              // fixed64
      0xaa,                                                        // u8
      'a',  'b',  'c',                                             // bytes(3)
      0x01, 0x02,                                                  // skip(2)
  };
  tern::Reader r(b.data(), b.data() + b.size(), base);
  CHECK(r.offset() == base);
  CHECK(r.remaining() == b.size());
  CHECK_FALSE(r.atEnd());
  CHECK_FALSE(r.failed());

  uint32_t u32 = 0;
  REQUIRE(r.u32(&u32));
  CHECK(u32 == 624485u);
  CHECK(r.offset() == base + 3);

  int32_t s32 = 0;
  REQUIRE(r.s32(&s32));
  CHECK(s32 == -1);
  CHECK(r.offset() == base + 4);
  REQUIRE(r.s32(&s32));
  CHECK(s32 == -123456);
  CHECK(r.offset() == base + 7);

  int64_t s33 = 0;
  REQUIRE(r.s33(&s33));
  CHECK(s33 == -64);
  CHECK(r.offset() == base + 8);

  int64_t s64 = 0;
  REQUIRE(r.s64(&s64));
  CHECK(s64 == std::numeric_limits<int64_t>::min());
  CHECK(r.offset() == base + 18);

  uint64_t u64 = 0;
  REQUIRE(r.u64(&u64));
  CHECK(u64 == std::numeric_limits<uint64_t>::max());
  CHECK(r.offset() == base + 28);

  uint32_t f32 = 0;
  REQUIRE(r.fixed32(&f32));
  CHECK(f32 == 0x12345678u);
  uint64_t f64 = 0;
  REQUIRE(r.fixed64(&f64));
  CHECK(f64 == 0x0123456789abcdefull);
  CHECK(r.offset() == base + 40);

  uint8_t u8 = 0;
  REQUIRE(r.u8(&u8));
  CHECK(u8 == 0xaa);

  const uint8_t* p = nullptr;
  REQUIRE(r.bytes(3, &p));
  CHECK(p == b.data() + 41);
  CHECK(std::string(reinterpret_cast<const char*>(p), 3) == "abc");
  CHECK(r.remaining() == 2);
  REQUIRE(r.skip(2));
  CHECK(r.atEnd());
  CHECK(r.remaining() == 0);
  CHECK(r.offset() == base + b.size());
  CHECK(r.pos() == r.end());
  CHECK_FALSE(r.failed());
  CHECK(r.status() == ReadStatus::Ok);

  // Reading past the end fails with UnexpectedEnd at the end offset.
  CHECK_FALSE(r.u8(&u8));
  CHECK(r.failed());
  CHECK(r.status() == ReadStatus::UnexpectedEnd);
  CHECK(r.errorOffset() == base + b.size());
}

namespace {
// Reads a u32 at `at` within `b` through a Reader with base offset `base`;
// returns the reader after the failed read.
tern::Reader failAt(const Bytes& b, size_t at, size_t base) {
  tern::Reader r(b.data(), b.data() + b.size(), base);
  REQUIRE(r.skip(at));
  uint32_t v = 0;
  CHECK_FALSE(r.u32(&v));
  return r;
}
}  // namespace

TEST_CASE("Reader: failures report the status and an offset relative to the base") {
  const size_t base = 77;
  SUBCASE("too long") {
    Bytes b = {0x01, 0x02, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    tern::Reader r = failAt(b, 2, base);
    CHECK(r.status() == ReadStatus::TooLong);
    // The offset points into the offending integer (its start or the byte
    // that broke it), never before it and never past the input.
    CHECK(r.errorOffset() >= base + 2);
    CHECK(r.errorOffset() <= base + 7);
  }
  SUBCASE("too large") {
    Bytes b = {0x00, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00};
    tern::Reader r = failAt(b, 1, base);
    CHECK(r.status() == ReadStatus::TooLarge);
    CHECK(r.errorOffset() >= base + 1);
    CHECK(r.errorOffset() <= base + 5);
  }
  SUBCASE("truncated") {
    Bytes b = {0x00, 0x00, 0x00, 0xff, 0xff};
    tern::Reader r = failAt(b, 3, base);
    CHECK(r.status() == ReadStatus::UnexpectedEnd);
    CHECK(r.errorOffset() >= base + 3);
    CHECK(r.errorOffset() <= base + 5);
  }
  SUBCASE("s32 with bad sign bits") {
    Bytes b = {0x00, 0x80, 0x80, 0x80, 0x80, 0x70};
    tern::Reader r(b.data(), b.data() + b.size(), base);
    REQUIRE(r.skip(1));
    int32_t v = 0;
    CHECK_FALSE(r.s32(&v));
    CHECK(r.status() == ReadStatus::TooLarge);
    CHECK(r.errorOffset() >= base + 1);
    CHECK(r.errorOffset() <= base + 5);
  }
  SUBCASE("fixed-width reads past the end") {
    Bytes b = {0x01, 0x02, 0x03};
    tern::Reader r(b.data(), b.data() + b.size(), base);
    uint32_t v32 = 0;
    CHECK_FALSE(r.fixed32(&v32));
    CHECK(r.status() == ReadStatus::UnexpectedEnd);
    CHECK(r.errorOffset() >= base);
    CHECK(r.errorOffset() <= base + 3);
    CHECK(r.remaining() == 3);  // a failed read consumes nothing
  }
  SUBCASE("bytes/skip past the end") {
    Bytes b = {0x01, 0x02, 0x03};
    tern::Reader r(b.data(), b.data() + b.size(), base);
    const uint8_t* p = nullptr;
    CHECK_FALSE(r.bytes(4, &p));
    CHECK(r.status() == ReadStatus::UnexpectedEnd);
    CHECK(r.remaining() == 3);
    tern::Reader r2(b.data(), b.data() + b.size(), base);
    CHECK_FALSE(r2.skip(100));
    CHECK(r2.failed());
    // A huge length must not wrap around.
    tern::Reader r3(b.data(), b.data() + b.size(), base);
    CHECK_FALSE(r3.bytes(SIZE_MAX, &p));
    CHECK(r3.failed());
  }
}

TEST_CASE("Reader: the first failure sticks") {
  Bytes b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01};
  tern::Reader r(b.data(), b.data() + b.size(), 10);
  uint32_t v = 0;
  CHECK_FALSE(r.u32(&v));
  REQUIRE(r.status() == ReadStatus::TooLong);
  size_t off = r.errorOffset();
  // A later, different failure does not overwrite the first one.
  CHECK_FALSE(r.bytes(1000, nullptr));
  CHECK(r.status() == ReadStatus::TooLong);
  CHECK(r.errorOffset() == off);
}

TEST_CASE("Reader: empty and default readers") {
  tern::Reader def;
  CHECK(def.atEnd());
  CHECK(def.remaining() == 0);
  uint8_t x = 0;
  CHECK_FALSE(def.u8(&x));
  CHECK(def.status() == ReadStatus::UnexpectedEnd);

  Bytes b = {0x2a};
  tern::Reader r(b.data(), b.data(), 5);  // empty range
  CHECK(r.atEnd());
  CHECK(r.offset() == 5);
  uint32_t v = 0;
  CHECK_FALSE(r.u32(&v));
  CHECK(r.status() == ReadStatus::UnexpectedEnd);
  CHECK(r.errorOffset() == 5);
}

TEST_CASE("Reader: reads are bounded by end, not by the underlying buffer") {
  // The buffer continues past `end` with a valid continuation; the reader
  // must not look at it.
  Bytes b = {0x80, 0x80, 0x01};
  tern::Reader r(b.data(), b.data() + 2, 0);
  uint32_t v = 0;
  CHECK_FALSE(r.u32(&v));
  CHECK(r.status() == ReadStatus::UnexpectedEnd);
  okU<32>(Bytes{0x80, 0x80, 0x01}, 1u << 14, 3);
  UResult cut{ReadStatus::Ok, 0, 0};
  cut.status = tern::readUleb<32>(b.data(), b.data() + 2, &cut.value, &cut.len);
  CHECK(cut.status == ReadStatus::UnexpectedEnd);
}
