// Looking ahead in function bodies (src/decode/scan.h): which locals a block
// reads, on well-formed code, nested blocks, every immediate shape the fast
// path skips, prefixed opcodes, truncated bytes and the scan budget; and
// LoopReads, the same for every loop head of a body in one scan.
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

TEST_CASE("scan: far from the body's end, the fast path skips the same immediates") {
  // Memargs of every shape the fast path tells apart (one-byte flags and
  // offset; a two-byte offset; a memory index; a two-byte flags), one-byte
  // and longer local indices and constants, with bytes that look like
  // local.get and end; then 64 bytes of nop after the block, so all of it
  // is scanned without checks for the end.
  Bytes code = {
      0x41, 0x00, 0x28, 0x02, 0x20,        // i32.const 0  i32.load align=2 offset=0x20
      0x1a, 0x41, 0x00, 0x28, 0x02, 0xa0,  // drop  i32.const 0  i32.load offset 0x20 | 0x80 ...
      0x0b,                                // ... 0x0b (two bytes)
      0x1a, 0x41, 0x00, 0x2d, 0x40, 0x20,  // drop  i32.const 0  i32.load8_u memory 0x20 ...
      0x0b,                                // ... offset 0x0b
      0x1a, 0x41, 0x00, 0x28, 0x82, 0x00,  // drop  i32.const 0  i32.load flags 0x02 in two bytes ...
      0x20,                                // ... offset 0x20
      0x1a, 0x20, 0x85, 0x00, 0x1a,        // drop  local.get 5 (two bytes)  drop
      0x41, 0xa0, 0x0b, 0x1a,              // i32.const (LEB a0 0b)  drop
      0x21, 0x04, 0x20, 0x02, 0x1a,        // local.set 4  local.get 2  drop
      0x0b,                                // end
      0x20, 0x03, 0x1a,                    // local.get 3 (after the block)
  };
  code.insert(code.end(), 64, 0x01);
  auto m = scan(code, {2, 3, 4, 5, 6});
  REQUIRE(m.size() == 8);
  CHECK(m[2] == 2);
  CHECK(m[3] == 1);
  CHECK(m[4] == 1);
  CHECK(m[5] == 2);
  CHECK(m[6] == 1);
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

// ---- LoopReads: every loop head of a body in turn ----

namespace {

// The offsets of the loop bodies in `code` (after `loop 0x40`), in order.
struct Asker {
  Bytes code;
  tern::LoopReads reads;
  explicit Asker(Bytes c, size_t budget = 1 << 20) : code(std::move(c)) { reads.start(8, budget); }
  // Which of `ask` the loop whose body starts at `body` reads, as a list
  // of booleans; empty when unknown.
  std::vector<bool> ask(size_t body, std::vector<uint32_t> locals) {
    uint64_t read = 0;
    if (!reads.query(code.data() + body, code.data() + code.size(), locals.data(), uint32_t(locals.size()), &read))
      return {};
    std::vector<bool> out;
    for (size_t i = 0; i < locals.size(); ++i) out.push_back(read >> i & 1);
    return out;
  }
};

using Bools = std::vector<bool>;

}  // namespace

TEST_CASE("loop reads: nested loops, each its own reads") {
  // 0: loop  2: local.get 1 drop  5: loop  7: local.get 2 drop  end
  // 11: local.get 3 drop  14: end  15: loop  17: local.get 4 drop  end
  // 21: end (the function's)
  Bytes code = {0x03, 0x40, 0x20, 0x01, 0x1a, 0x03, 0x40, 0x20, 0x02, 0x1a, 0x0b,
                0x20, 0x03, 0x1a, 0x0b, 0x03, 0x40, 0x20, 0x04, 0x1a, 0x0b, 0x0b};
  Asker a(code);
  CHECK(a.ask(2, {1, 2, 3, 4}) == Bools{true, true, true, false});  // the outer one ends at 14
  CHECK(a.ask(7, {1, 2, 3, 4}) == Bools{false, true, false, false});
  CHECK(a.ask(17, {1, 2, 3, 4}) == Bools{false, false, false, true});  // after the first: a scan of its own
}

TEST_CASE("loop reads: early stops, then scanning on or answering from records") {
  // 0: loop  2: local.get 1 drop  5: block  7: loop  9: local.get 5 drop
  // 12: end  13: end  14: loop  16: local.get 6 drop  19: end
  // 20: local.get 7 drop  23: end
  Bytes code = {0x03, 0x40, 0x20, 0x01, 0x1a, 0x02, 0x40, 0x03, 0x40, 0x20, 0x05, 0x1a,
                0x0b, 0x0b, 0x03, 0x40, 0x20, 0x06, 0x1a, 0x0b, 0x20, 0x07, 0x1a, 0x0b};
  // The outer scan stops inside the loop at 9, which scans on to its end;
  // the loop at 16 is past where the scan stopped: a scan of its own.
  Asker a(code);
  CHECK(a.ask(2, {1, 5}) == Bools{true, true});
  CHECK(a.ask(9, {1, 5, 6}) == Bools{false, true, false});
  CHECK(a.ask(16, {5, 6, 7}) == Bools{false, true, false});
  // The outer scan runs to 21, past both inner loops: answers from its
  // records (a local asked twice, as a v128 local's two slots are).
  Asker b(code);
  CHECK(b.ask(2, {7, 1}) == Bools{true, true});
  CHECK(b.ask(9, {5, 6, 1}) == Bools{true, false, false});
  CHECK(b.ask(16, {6, 6, 0, 7}) == Bools{true, true, false, false});
}

TEST_CASE("loop reads: bad bytes and a spent budget answer unknown, from then on") {
  // loop  loop  local.get 1  0xff ...   the inner body fails after the read
  Bytes code = {0x03, 0x40, 0x03, 0x40, 0x20, 0x01, 0xff, 0x0b, 0x0b, 0x03, 0x40, 0x0b};
  Asker a(code);
  CHECK(a.ask(2, {1, 2}).empty());
  CHECK(a.ask(4, {1}).empty());   // would have been found: the failure is sticky, as before
  CHECK(a.ask(11, {1}).empty());  // a loop after it too
  Bytes ok = {0x03, 0x40, 0x01, 0x01, 0x01, 0x01, 0x20, 0x03, 0x0b};
  Asker b(ok, 4);
  CHECK(b.ask(2, {3}).empty());  // budget spent before the read
  Asker c(ok, 6);
  CHECK(c.ask(2, {3}) == Bools{true});
}

TEST_CASE("loop reads: deep nesting is scanned once") {
  // 300 nested loops, a read of local 1 and then of local 2 in the
  // innermost. scanBlockReads would scan the inner bodies again for each
  // head; here the whole code within a budget of its own size.
  const int n = 300;
  Bytes code;
  std::vector<size_t> bodies;
  for (int i = 0; i < n; ++i) {
    code.insert(code.end(), {0x03, 0x40});
    bodies.push_back(code.size());
  }
  code.insert(code.end(), {0x20, 0x01, 0x1a, 0x20, 0x02, 0x1a});
  for (int i = 0; i < n; ++i) code.push_back(0x0b);
  code.insert(code.end(), {0x20, 0x03, 0x1a});
  Asker a(code, code.size());
  for (int i = 0; i < n; ++i) CHECK(a.ask(bodies[size_t(i)], {2, 3, 1}) == Bools{true, false, true});
}

TEST_CASE("loop reads: the same answers as scanBlockReads on random code") {
  // Random nests of block, loop and if (with else), local.get and
  // local.set of locals 0..7, constants whose bytes look like opcodes, a
  // call_indirect and a br_table; every loop asked about (in order) a
  // random set of locals.
  uint64_t seed = 0x9e3779b97f4a7c15u;
  auto next = [&](uint32_t bound) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return uint32_t(seed % bound);
  };
  for (int round = 0; round < 300; ++round) {
    Bytes code;
    std::vector<size_t> loops;
    int depth = 1;  // the function's own block
    for (int steps = int(next(400)); steps > 0 || depth > 1; --steps) {
      uint32_t k = steps > 0 ? next(12) : 11;
      switch (k) {
        case 0: code.insert(code.end(), {0x03, 0x40}), loops.push_back(code.size()), ++depth; break;
        case 1: code.insert(code.end(), {0x02, 0x40}), ++depth; break;
        case 2: code.insert(code.end(), {0x41, 0x00, 0x04, 0x40}), ++depth; break;
        case 3: code.insert(code.end(), {0x20, uint8_t(next(8)), 0x1a}); break;
        case 4: code.insert(code.end(), {0x41, 0x20, 0x21, uint8_t(next(8))}); break;  // local.set
        case 5: code.insert(code.end(), {0x41, 0x8b, 0x20, 0x1a}); break;
        case 6: code.insert(code.end(), {0x43, 0x20, 0x0b, 0x03, 0x40, 0x1a}); break;
        case 7: code.insert(code.end(), {0x41, 0x00, 0x11, 0x20, 0x00, 0x1a}); break;
        case 8: code.insert(code.end(), {0x41, 0x00, 0x0e, 0x01, 0x00, 0x00}); break;
        case 9:
          if (depth > 1) code.push_back(0x05);  // else: inside the block, not an end
          break;
        default:
          if (depth > 1) code.push_back(0x0b), --depth;
          break;
      }
    }
    code.push_back(0x0b);  // the function's end
    tern::LoopReads reads;
    reads.start(8, 1 << 20);
    for (size_t body : loops) {
      std::vector<uint32_t> ask;
      for (uint32_t x = 0; x < 8; ++x)
        if (next(2)) ask.push_back(x);
      if (ask.empty()) continue;
      std::vector<uint8_t> marks(8, 0);
      for (uint32_t x : ask) marks[x] = 1;
      size_t budget = 1 << 20;
      tern::Reader r(code.data() + body, code.data() + code.size());
      REQUIRE(tern::scanBlockReads(r, &budget, marks, uint32_t(ask.size())));
      uint64_t read = 0;
      REQUIRE(reads.query(code.data() + body, code.data() + code.size(), ask.data(), uint32_t(ask.size()), &read));
      for (size_t i = 0; i < ask.size(); ++i) CHECK(bool(read >> i & 1) == (marks[ask[i]] == 2));
    }
  }
}
