// The position side table (base/pos_table.h): lookups between entries, the
// two-byte common entry and the longer ones (big deltas, offsets going back),
// growth past the reserved room, and a table rebuilt from its encoding.
#include <doctest/doctest.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "base/pos_table.h"

using tern::PosTable;

TEST_CASE("PosTable: lookup answers the last entry at or before a position") {
  PosTable t;
  CHECK(t.empty());
  CHECK(t.lookup(0) == PosTable::kNone);
  t.add(4, 10);
  t.add(9, 12);
  t.add(9, 12);           // same offset: covered already, no entry
  t.add(20, 12);          // same offset again
  CHECK(t.bytes() == 4);  // two small entries, two bytes each
  CHECK(t.lookup(3) == PosTable::kNone);
  CHECK(t.lookup(4) == 10);
  CHECK(t.lookup(8) == 10);
  CHECK(t.lookup(9) == 12);
  CHECK(t.lookup(1000) == 12);
}

TEST_CASE("PosTable: big deltas, offsets going back, and growth") {
  PosTable t;
  t.reserve(3);  // less than the entries need: the table grows
  std::vector<std::pair<uint32_t, uint32_t>> added;
  uint32_t pos = 0;
  for (uint32_t i = 0; i < 2000; ++i) {
    pos += i % 7 == 0 ? 300 + i * 1000 : i % 5 + 1;
    // Mostly rising offsets; every 11th one goes far back (a trap stub's).
    uint32_t off = i % 11 == 10 ? i / 3 : 100000 + i * (i % 13 == 0 ? 5000 : 3);
    t.add(pos, off);
    added.emplace_back(pos, off);
  }
  t.add(UINT32_MAX, UINT32_MAX - 1);  // the largest deltas
  added.emplace_back(UINT32_MAX, UINT32_MAX - 1);
  for (size_t i = 0; i < added.size(); ++i) {
    auto [p, off] = added[i];
    CHECK(t.lookup(p) == off);
    if (i + 1 < added.size() && added[i + 1].first > p + 1) CHECK(t.lookup(p + 1) == off);
  }
  // Shrinking keeps the entries; the encoding rebuilds the same table.
  size_t n = t.bytes();
  t.shrink();
  CHECK(t.bytes() == n);
  std::span<const uint8_t> enc = t.encoded();
  CHECK(enc.size() == n);
  PosTable u = PosTable::fromEncoded(std::vector<uint8_t>(enc.begin(), enc.end()));
  CHECK(u.bytes() == n);
  for (auto [p, off] : added) CHECK(u.lookup(p) == off);
}

TEST_CASE("PosTable: the encoding is LEB128 of the position delta and zigzagged offset delta") {
  PosTable t;
  t.reserve(64);
  t.add(5, 3);      // 5, zigzag(3) = 6
  t.add(200, 1);    // 195 = c3 01, zigzag(-2) = 3
  t.add(201, 100);  // 1, zigzag(99) = 198 = c6 01
  std::span<const uint8_t> e = t.encoded();
  std::vector<uint8_t> got(e.begin(), e.end());
  CHECK(got == std::vector<uint8_t>{5, 6, 0xc3, 0x01, 3, 1, 0xc6, 0x01});
}
