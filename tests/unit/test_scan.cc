// Looking ahead in function bodies (src/decode/scan.h): which locals a block
// reads, on well-formed code, nested blocks, every immediate shape the fast
// path skips, prefixed opcodes, truncated bytes and the scan budget.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "decode/scan.h"

using Bytes = std::vector<uint8_t>;

namespace {

// Scans `code` (the bytes after a block's type) for reads of the locals in
// `ask`; returns the marks, or an empty vector when the scan failed.
std::vector<uint8_t> scan(const Bytes& code, std::vector<uint32_t> ask, size_t budget = 1 << 20,
                          size_t* left = nullptr) {
  std::vector<uint8_t> marks(8, 0);
  for (uint32_t x : ask) marks[x] = 1;
  tern::Reader r(code.data(), code.data() + code.size());
  bool ok = tern::scanBlockReads(r, &budget, marks, uint32_t(ask.size()));
  if (left) *left = budget;
  if (!ok) return {};
  return marks;
}

}  // namespace

TEST_CASE("scan: reads inside the block, not after its end") {
  // local.get 1  drop  end  local.get 2  drop
  Bytes code = {0x20, 0x01, 0x1a, 0x0b, 0x20, 0x02, 0x1a};
  auto m = scan(code, {1, 2});
  REQUIRE(m.size() == 8);
  CHECK(m[1] == 2);
  CHECK(m[2] == 1);
}

TEST_CASE("scan: nested blocks, loops and ifs are inside; writes are not reads") {
  // block  loop  i32.const 0  if  local.get 3 drop  else  end  end  end
  // local.set 4 / local.tee 5 do not read; the outer end closes the scan.
  Bytes code = {0x02, 0x40, 0x03, 0x40, 0x41, 0x00, 0x04, 0x40, 0x20, 0x03, 0x1a, 0x05, 0x0b, 0x0b,
                0x0b, 0x41, 0x07, 0x21, 0x04, 0x41, 0x07, 0x22, 0x05, 0x1a, 0x0b, 0x20, 0x04, 0x1a};
  auto m = scan(code, {3, 4, 5});
  REQUIRE(m.size() == 8);
  CHECK(m[3] == 2);
  CHECK(m[4] == 1);
  CHECK(m[5] == 1);
}

TEST_CASE("scan: immediates are skipped, not mistaken for opcodes") {
  // Constants whose bytes look like local.get (0x20) and end (0x0b), a
  // memarg, a call_indirect, a br_table, f32/f64 constants, a block type
  // index, then the read that matters.
  Bytes code = {
      0x41, 0xa0, 0x0b,                                      // i32.const (LEB 0x0b 0x20-ish bytes)
      0x42, 0x8b, 0x8b, 0x20,                                // i64.const
      0x28, 0x02, 0x20,                                      // i32.load align=2 offset=0x20
      0x1a, 0x1a, 0x43, 0x20, 0x0b, 0x20, 0x0b,              // f32.const with 0x20 0x0b bytes
      0x44, 0x0b, 0x0b, 0x0b, 0x0b, 0x20, 0x20, 0x20, 0x20,  // f64.const
      0x1a, 0x1a, 0x41, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x00,  // i32.const 0, br_table 0 1 0
      0x02, 0x00, 0x0b,                                      // block (type 0) end
      0x41, 0x00, 0x11, 0x00, 0x00,                          // call_indirect type 0 table 0
      0x20, 0x06, 0x1a,                                      // local.get 6
      0x0b,
  };
  auto m = scan(code, {6, 7});
  REQUIRE(m.size() == 8);
  CHECK(m[6] == 2);
  CHECK(m[7] == 1);
}

TEST_CASE("scan: prefixed opcodes take the general path") {
  // memory.fill (0xfc 11 0x00), i32.trunc_sat_f32_s (0xfc 0), memory.copy
  // (0xfc 10 0 0), v128.const (0xfd 12 + 16 bytes full of 0x20 0x00)
  Bytes code = {0xfc, 0x0b, 0x00, 0xfc, 0x00, 0xfc, 0x0a, 0x00, 0x00, 0xfd, 0x0c};
  for (int i = 0; i < 8; ++i) code.insert(code.end(), {0x20, 0x00});
  code.insert(code.end(), {0x20, 0x02, 0x0b});
  auto m = scan(code, {0, 2});
  REQUIRE(m.size() == 8);
  CHECK(m[0] == 1);
  CHECK(m[2] == 2);
}

TEST_CASE("scan: stops early once every asked local was read") {
  // local.get 1, then bytes that do not decode (0xff): never reached.
  Bytes code = {0x20, 0x01, 0xff, 0xff};
  auto m = scan(code, {1});
  REQUIRE(m.size() == 8);
  CHECK(m[1] == 2);
  CHECK(scan(code, {1, 2}).empty());  // must read on into the bad bytes
}

TEST_CASE("scan: truncated code and the budget fail safe") {
  CHECK(scan({0x20}, {0}).empty());              // local.get without its index
  CHECK(scan({0x41, 0x80}, {0}).empty());        // unterminated LEB
  CHECK(scan({0x44, 0x00, 0x00}, {0}).empty());  // short f64 constant
  CHECK(scan({0x1a, 0x1a, 0x1a}, {0}).empty());  // no end
  Bytes code = {0x01, 0x01, 0x01, 0x01, 0x20, 0x03, 0x0b};
  size_t left = 0;
  CHECK(scan(code, {3}, 4, &left).empty());  // budget spent before the read
  CHECK(left == 0);
  auto m = scan(code, {3}, 100, &left);
  REQUIRE(m.size() == 8);
  CHECK(m[3] == 2);
  CHECK(left == 100 - 6);
}

TEST_CASE("scan: multi-memory memargs and memory indices are skipped") {
  // i32.const 0  i32.load align=2 memory 0x20 offset 0x0b (flags 0x42: bit 6,
  // a memory index follows)  drop  i32.const 0  i32.load8_u with a 0x0b
  // memory index and offset  drop  memory.size 0x20  drop
  // memory.copy 0x20 0x0b (fc 0a)  local.get 2  end  local.get 3
  Bytes code = {0x41, 0x00, 0x28, 0x42, 0x20, 0x0b, 0x1a, 0x41, 0x00, 0x2d, 0x40, 0x0b, 0x0b, 0x1a, 0x3f, 0x20, 0x1a,
                0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0a, 0x20, 0x0b, 0x20, 0x02, 0x1a, 0x0b, 0x20, 0x03};
  auto m = scan(code, {2, 3});
  REQUIRE(m.size() == 8);
  CHECK(m[2] == 2);
  CHECK(m[3] == 1);
  // The same through scanInstruction, one instruction at a time: the
  // instructions end where the code says.
  tern::Reader r(code.data(), code.data() + code.size());
  std::vector<tern::Opcode> ops;
  for (int i = 0; i < 12; ++i) {
    tern::Opcode op;
    uint32_t index = 0;
    REQUIRE(tern::scanInstruction(r, &op, &index));
    ops.push_back(op);
  }
  CHECK(ops[1] == tern::Opcode::I32Load);
  CHECK(ops[2] == tern::Opcode::Drop);
  CHECK(ops[4] == tern::Opcode::I32Load8U);
  CHECK(ops[5] == tern::Opcode::Drop);
  CHECK(ops[6] == tern::Opcode::MemorySize);
  CHECK(ops[7] == tern::Opcode::Drop);
  CHECK(ops[11] == tern::Opcode::MemoryCopy);
}
