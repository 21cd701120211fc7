#include "decode/scan.h"

#include <algorithm>
#include <optional>

namespace tern {

namespace {

// Alignment flags, a memory index when their bit 6 is set (multi-memory),
// offset.
bool memArg(Reader& r) {
  uint32_t flags, u;
  return r.u32(&flags) && (!(flags & 0x40) || r.u32(&u)) && r.u32(&u);
}

}  // namespace

bool scanInstruction(Reader& r, Opcode* op, uint32_t* index) {
  uint8_t b;
  if (!r.u8(&b)) return false;
  uint8_t prefix = 0;
  uint32_t code = b;
  if (b == 0xfc || b == 0xfd) {
    prefix = b;
    if (!r.u32(&code)) return false;
  }
  std::optional<Opcode> found = lookupOpcode(prefix, code);
  if (!found) return false;
  *op = *found;
  uint32_t u;
  int64_t s;
  switch (opInfo(*found).imm) {
    case ImmKind::None: return true;
    case ImmKind::BlockType:
    case ImmKind::TryTable: {
      // A value type is one byte (exnref, 0x69, reads as a one-byte s33).
      if (r.atEnd()) return false;
      uint8_t first = *r.pos();
      if (!(first == 0x40 || (first >= 0x6f && first <= 0x7f) ? r.skip(1) : r.s33(&s))) return false;
      if (opInfo(*found).imm == ImmKind::BlockType) return true;
      // try_table's clauses: a kind byte, a tag for catch and catch_ref (kinds 0 and 1), a label.
      uint32_t n;
      uint8_t kind;
      if (!r.u32(&n)) return false;
      for (uint32_t i = 0; i < n; ++i)
        if (!r.u8(&kind) || (kind < 2 && !r.u32(&u)) || !r.u32(&u)) return false;
      return true;
    }
    case ImmKind::Label:
    case ImmKind::FuncIdx:
    case ImmKind::LocalIdx:
    case ImmKind::GlobalIdx:
    case ImmKind::TableIdx:
    case ImmKind::DataIdx:
    case ImmKind::ElemIdx:
    case ImmKind::TagIdx: return r.u32(index);
    case ImmKind::BrTable: {
      uint32_t n;
      if (!r.u32(&n)) return false;
      for (uint64_t i = 0; i <= n; ++i)
        if (!r.u32(&u)) return false;
      return true;
    }
    case ImmKind::CallIndirect:
    case ImmKind::TableInit:
    case ImmKind::TableCopy: return r.u32(&u) && r.u32(&u);
    case ImmKind::MemArg: return memArg(r);
    // Memory indices: a zero byte in Wasm 2.0, a LEB128 with multi-memory.
    case ImmKind::MemIdx: return r.u32(&u);
    case ImmKind::MemoryInit:
    case ImmKind::MemoryCopy: return r.u32(&u) && r.u32(&u);
    case ImmKind::I32:
    case ImmKind::I64: return r.s64(&s);
    case ImmKind::F32: return r.skip(4);
    case ImmKind::F64: return r.skip(8);
    case ImmKind::V128:
    case ImmKind::Shuffle: return r.skip(16);
    case ImmKind::SelectT: {
      uint32_t n;
      return r.u32(&n) && r.skip(n);
    }
    case ImmKind::RefType:
    case ImmKind::Lane2:
    case ImmKind::Lane4:
    case ImmKind::Lane8:
    case ImmKind::Lane16: return r.skip(1);
    case ImmKind::MemArgLane2:
    case ImmKind::MemArgLane4:
    case ImmKind::MemArgLane8:
    case ImmKind::MemArgLane16: return memArg(r) && r.skip(1);
  }
  return false;
}

namespace {

// Skips a LEB128 number; false past the end.
inline bool skipLeb(const uint8_t*& p, const uint8_t* end) {
  while (p < end && (*p & 0x80)) ++p;
  if (p >= end) return false;
  ++p;
  return true;
}
inline bool readLeb32(const uint8_t*& p, const uint8_t* end, uint32_t* out) {
  uint32_t v = 0;
  for (unsigned shift = 0; p < end && shift < 35; shift += 7) {
    uint8_t b = *p++;
    v |= uint32_t(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

// The immediate kind of each one-byte opcode; 0xff for prefixes and unused
// codes (the slow path).
struct SingleImm {
  uint8_t kind[256];
  SingleImm() {
    for (unsigned b = 0; b < 256; ++b) {
      std::optional<Opcode> op = b == 0xfc || b == 0xfd ? std::nullopt : lookupOpcode(0, b);
      kind[b] = op ? uint8_t(opInfo(*op).imm) : 0xff;
    }
  }
};

}  // namespace

bool scanBlockReads(Reader r, size_t* budget, std::vector<uint8_t>& marks, uint32_t asked) {
  if (asked == 0) return true;
  static const SingleImm single;
  const uint8_t* p = r.pos();
  const uint8_t* end = r.end();
  if (size_t(end - p) > *budget) end = p + *budget;  // running out fails below
  const uint8_t* start = p;
  uint32_t depth = 1;
  bool found = false;
  while (p < end) {
    uint8_t b = *p;
    uint8_t kind = single.kind[b];
    if (kind == 0xff) {
      // A prefixed or unknown opcode: the general path.
      Reader sub(p, end);
      Opcode op;
      uint32_t index;
      if (!scanInstruction(sub, &op, &index)) break;
      p = sub.pos();
      continue;
    }
    ++p;
    switch (ImmKind(kind)) {
      case ImmKind::None:
        if (b == 0x0b && --depth == 0) found = true;  // end
        break;
      case ImmKind::BlockType:
        ++depth;
        if (p < end && (*p == 0x40 || (*p >= 0x6f && *p <= 0x7f))) ++p;
        else if (!skipLeb(p, end)) p = end + 1;
        break;
      case ImmKind::LocalIdx: {
        uint32_t x;
        if (!readLeb32(p, end, &x)) {
          p = end + 1;
          break;
        }
        if (b == 0x20 && x < marks.size() && marks[x] == 1) {  // local.get
          marks[x] = 2;
          if (--asked == 0) found = true;
        }
        break;
      }
      case ImmKind::I32:
      case ImmKind::I64:
      case ImmKind::Label:
      case ImmKind::FuncIdx:
      case ImmKind::GlobalIdx:
      case ImmKind::TableIdx:
        if (!skipLeb(p, end)) p = end + 1;
        break;
      case ImmKind::MemArg: {
        // Bit 6 of the alignment flags: a memory index follows (multi-memory).
        const bool mem = p < end && (*p & 0x40);
        if (!skipLeb(p, end) || (mem && !skipLeb(p, end)) || !skipLeb(p, end)) p = end + 1;
        break;
      }
      case ImmKind::CallIndirect:
        if (!skipLeb(p, end) || !skipLeb(p, end)) p = end + 1;
        break;
      case ImmKind::F32: p += 4; break;
      case ImmKind::F64: p += 8; break;
      case ImmKind::TryTable:  // a block too
        ++depth;
        [[fallthrough]];
      default: {
        Reader sub(p - 1, end);
        Opcode op;
        uint32_t index;
        if (!scanInstruction(sub, &op, &index)) p = end + 1;
        else p = sub.pos();
        break;
      }
    }
    if (found) break;
  }
  size_t used = size_t(std::min(p, end) - start);
  if (!found) {
    *budget = 0;
    return false;
  }
  *budget -= used;
  return true;
}

}  // namespace tern
