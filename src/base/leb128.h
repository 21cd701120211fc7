// LEB128 and little-endian readers over a byte span, with the spec's error
// texts. A Reader never reads past its end: every method reports failure
// instead, and the caller turns that into an Error with the byte offset.
#pragma once

#include "base/build.h"
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "base/errors.h"

namespace tern {

enum class ReadStatus : uint8_t { Ok, UnexpectedEnd, TooLong, TooLarge };

// The error of each failure. Running out of bytes is the reference
// interpreter's "unexpected end of section or function" wherever it happens.
inline ErrorCode readStatusError(ReadStatus s) {
  switch (s) {
    case ReadStatus::Ok: break;
    case ReadStatus::UnexpectedEnd: return ErrorCode::UnexpectedEndOfSection;
    case ReadStatus::TooLong: return ErrorCode::IntegerTooLong;
    case ReadStatus::TooLarge: return ErrorCode::IntegerTooLarge;
  }
  return ErrorCode::InternalDecoder;
}
inline const char* readStatusMessage(ReadStatus s) { return errorText(readStatusError(s)); }

// Decodes an unsigned LEB128 of at most `Bits` bits. On success stores the
// value and the number of bytes consumed.
template <unsigned Bits>
inline ReadStatus readUleb(const uint8_t* p, const uint8_t* end, uint64_t* out, size_t* len) {
  constexpr unsigned kMaxBytes = (Bits + 6) / 7;
  uint64_t result = 0;
  unsigned shift = 0;
  for (unsigned i = 0;; ++i) {
    if (p + i >= end) return ReadStatus::UnexpectedEnd;
    uint8_t b = p[i];
    if (i == kMaxBytes - 1) {
      // Last permitted byte: continuation bit is an over-long encoding, and
      // bits above `Bits` must be zero.
      if (b & 0x80) return ReadStatus::TooLong;
      unsigned used = Bits - shift;  // payload bits still allowed
      if (used < 7 && (b >> used) != 0) return ReadStatus::TooLarge;
      result |= uint64_t(b) << shift;
      *out = result;
      *len = i + 1;
      return ReadStatus::Ok;
    }
    result |= uint64_t(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      *out = result;
      *len = i + 1;
      return ReadStatus::Ok;
    }
  }
}

// Signed LEB128 of at most `Bits` bits; unused high bits of the last byte
// must be a sign extension.
template <unsigned Bits>
inline ReadStatus readSleb(const uint8_t* p, const uint8_t* end, int64_t* out, size_t* len) {
  constexpr unsigned kMaxBytes = (Bits + 6) / 7;
  uint64_t result = 0;
  unsigned shift = 0;
  for (unsigned i = 0;; ++i) {
    if (p + i >= end) return ReadStatus::UnexpectedEnd;
    uint8_t b = p[i];
    if (i == kMaxBytes - 1) {
      if (b & 0x80) return ReadStatus::TooLong;
      unsigned used = Bits - shift;  // 1..7 payload bits incl. sign
      if (used < 7) {
        // bits [used-1, 6] must all equal the sign bit
        int8_t sb = int8_t(b << 1) >> 1;  // 7-bit value sign-extended
        int8_t top = int8_t(sb) >> (used - 1);
        if (top != 0 && top != -1) return ReadStatus::TooLarge;
      }
      result |= uint64_t(b & 0x7f) << shift;
      shift += 7;
      if (shift < 64 && (b & 0x40)) result |= ~uint64_t(0) << shift;
      *out = int64_t(result);
      *len = i + 1;
      return ReadStatus::Ok;
    }
    result |= uint64_t(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      if (shift < 64 && (b & 0x40)) result |= ~uint64_t(0) << shift;
      *out = int64_t(result);
      *len = i + 1;
      return ReadStatus::Ok;
    }
  }
}

// A cursor over bytes that remembers the absolute offset of its start, so
// errors report offsets within the whole module.
class Reader {
 public:
  Reader() = default;
  Reader(const uint8_t* begin, const uint8_t* end, size_t base_offset = 0)
      : begin_(begin), p_(begin), end_(end), base_(base_offset) {}

  size_t offset() const { return base_ + size_t(p_ - begin_); }
  size_t remaining() const { return size_t(end_ - p_); }
  bool atEnd() const { return p_ >= end_; }
  const uint8_t* pos() const { return p_; }
  const uint8_t* end() const { return end_; }
  ReadStatus status() const { return status_; }
  size_t errorOffset() const { return err_off_; }
  // What the failing read was: a LEB128 of errorLebBits() bits (signed or
  // not), else errorNeed() fixed bytes. Lets a caller that knows bytes past
  // end() tell how the read would have ended there.
  unsigned errorLebBits() const { return err_bits_; }
  bool errorLebSigned() const { return err_signed_; }
  size_t errorNeed() const { return err_need_; }
  bool failed() const { return status_ != ReadStatus::Ok; }

  bool u8(uint8_t* out) {
    if (p_ >= end_) return fail(ReadStatus::UnexpectedEnd, 0, false, 1), false;
    *out = *p_++;
    return true;
  }
  // Most LEB128s in code are one byte (indices, small constants): that
  // case is read inline, the rest by the general loop.
  TERN_HOT_INLINE bool u32(uint32_t* out) {
    if (p_ < end_ && *p_ < 0x80) [[likely]] {
      *out = *p_++;
      return true;
    }
    return u32Long(out);
  }
  bool u64(uint64_t* out) { return uleb<64>(out); }
  TERN_HOT_INLINE bool s32(int32_t* out) {
    if (p_ < end_ && *p_ < 0x80) [[likely]] {
      *out = int32_t(int8_t(uint8_t(*p_++ << 1))) >> 1;  // bit 6 is the sign
      return true;
    }
    int64_t v;
    if (!sleb<32>(&v)) return false;
    *out = int32_t(v);
    return true;
  }
  bool s33(int64_t* out) { return sleb<33>(out); }
  bool s64(int64_t* out) { return sleb<64>(out); }
  bool fixed32(uint32_t* out) { return raw(out, 4); }
  bool fixed64(uint64_t* out) { return raw(out, 8); }
  bool bytes(size_t n, const uint8_t** out) {
    if (remaining() < n) return fail(ReadStatus::UnexpectedEnd, 0, false, n), false;
    *out = p_;
    p_ += n;
    return true;
  }
  bool skip(size_t n) {
    const uint8_t* d;
    return bytes(n, &d);
  }

 private:
  [[gnu::noinline]] bool u32Long(uint32_t* out) { return uleb<32>(out); }
  template <unsigned Bits, class T>
  bool uleb(T* out) {
    uint64_t v;
    size_t n;
    ReadStatus s = readUleb<Bits>(p_, end_, &v, &n);
    if (s != ReadStatus::Ok) return fail(s, Bits, false, 0), false;
    p_ += n;
    *out = T(v);
    return true;
  }
  template <unsigned Bits>
  bool sleb(int64_t* out) {
    size_t n;
    ReadStatus s = readSleb<Bits>(p_, end_, out, &n);
    if (s != ReadStatus::Ok) return fail(s, Bits, true, 0), false;
    p_ += n;
    return true;
  }
  template <class T>
  bool raw(T* out, size_t n) {
    if (remaining() < n) return fail(ReadStatus::UnexpectedEnd, 0, false, n), false;
    std::memcpy(out, p_, n);
    p_ += n;
    return true;
  }
  // Returns nothing: callers write `return fail(...), false;` so that the
  // compiler sees every failing read return false.
  void fail(ReadStatus s, unsigned leb_bits, bool leb_signed, size_t need) {
    if (status_ == ReadStatus::Ok) {
      status_ = s;
      err_off_ = offset();
      err_bits_ = uint8_t(leb_bits);
      err_signed_ = leb_signed;
      err_need_ = need;
    }
  }

  const uint8_t* begin_ = nullptr;
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  size_t base_ = 0;
  ReadStatus status_ = ReadStatus::Ok;
  size_t err_off_ = 0;
  uint8_t err_bits_ = 0;
  bool err_signed_ = false;
  size_t err_need_ = 0;
};

}  // namespace tern
