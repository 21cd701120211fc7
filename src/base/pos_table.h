// A position side table for backtraces: maps a position in a function's
// generated code (the interpreter's word index, or the JIT's byte offset) to
// the byte offset in the module of the Wasm instruction it belongs to.
//
// Only instructions that can trap or call get an entry, appended in
// increasing code position while the body is compiled. An entry covers the
// code from its position up to the next entry, so lookup(pos) answers with
// the last entry at or before pos: the faulting instruction itself, the
// instruction start the interpreter stops at, or (for a return address, as
// ret - 1) the call.
//
// Entries are delta-encoded: LEB128 of the position delta, then of the
// zigzagged offset delta (out-of-line trap stubs at a function's end go back
// to earlier offsets). A typical entry takes 2 to 3 bytes.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace tern {

class PosTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  void add(uint32_t pos, uint32_t offset) {
    // The same offset as the entry before covers this position already.
    if (n_ != 0 && offset == last_off_) return;
    uint32_t dp = pos - last_pos_;
    int64_t d = int64_t(offset) - int64_t(last_off_);
    uint64_t z = uint64_t((d << 1) ^ (d >> 63));
    last_pos_ = pos;
    last_off_ = offset;
    // The common entry (both deltas under 128) is two bytes: one capacity
    // check and two stores (the JIT adds an entry per load, store and call).
    if ((dp | z) < 0x80 && n_ + 2 <= data_.size()) [[likely]] {
      data_[n_] = uint8_t(dp);
      data_[n_ + 1] = uint8_t(z);
      n_ += 2;
      return;
    }
    addSlow(dp, z);
  }

  // The offset of the last entry at or before `pos`, or kNone.
  uint32_t lookup(uint32_t pos) const {
    uint32_t found = kNone;
    uint64_t p = 0, off = 0;
    size_t i = 0;
    while (i < n_) {
      p += get(i);
      if (p > pos) break;
      uint64_t z = get(i);
      int64_t d = int64_t(z >> 1) ^ -int64_t(z & 1);
      off = uint64_t(int64_t(off) + d);
      found = uint32_t(off);
    }
    return found;
  }

  // The encoded entries, and a table made of them (a .cwasm stores them;
  // such a table is for lookup only, add() would go wrong).
  std::span<const uint8_t> encoded() const { return {data_.data(), n_}; }
  static PosTable fromEncoded(std::vector<uint8_t> data) {
    PosTable t;
    t.n_ = data.size();
    t.data_ = std::move(data);
    return t;
  }

  // Makes room for `bytes` of entries up front.
  void reserve(size_t bytes) {
    if (bytes > data_.size()) data_.resize(bytes);
  }
  bool empty() const { return n_ == 0; }
  size_t bytes() const { return n_; }
  // Drops the unused room (once the table is complete).
  void shrink() {
    data_.resize(n_);
    data_.shrink_to_fit();
  }

 private:
  // An entry that is not two bytes, or needs more room: an entry takes at
  // most 5 + 10 bytes.
  void addSlow(uint32_t dp, uint64_t z) {
    if (n_ + 15 > data_.size()) data_.resize(std::max<size_t>(2 * data_.size(), n_ + 64));
    put(dp);
    put(z);
  }
  // Writes v's LEB128 at the end (room is there).
  void put(uint64_t v) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      data_[n_++] = uint8_t(b | (v ? 0x80 : 0));
    } while (v);
  }
  uint64_t get(size_t& i) const {
    uint64_t v = 0;
    for (unsigned shift = 0; i < n_; shift += 7) {
      uint8_t b = data_[i++];
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  }

  // data_[0, n_) holds the entries; the rest is room, so that data_ grows
  // (and zero-fills) only now and then.
  std::vector<uint8_t> data_;
  size_t n_ = 0;
  uint32_t last_pos_ = 0, last_off_ = 0;
};

}  // namespace tern
