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

// Scans the instructions from p on until `on` says to stop (its handlers
// return true) and returns the position after the instruction that
// stopped it; nullptr when the bytes up to `end` do not decode or end
// first. The handlers: open(is_loop, p) after a block's type (block, loop,
// if, try, try_table; p just past it), end() at each `end`, get(x) at each
// local.get.
template <class On>
const uint8_t* walk(const uint8_t* p, const uint8_t* end, On& on) {
  static const SingleImm single;
  while (p < end) {
    uint8_t b = *p;
    uint8_t kind = single.kind[b];
    if (kind == 0xff) {
      // A prefixed or unknown opcode: the general path.
      Reader sub(p, end);
      Opcode op;
      uint32_t index;
      if (!scanInstruction(sub, &op, &index)) return nullptr;
      p = sub.pos();
      continue;
    }
    ++p;
    switch (ImmKind(kind)) {
      case ImmKind::None:
        if (b == 0x0b && on.end()) return p;  // end
        break;
      case ImmKind::BlockType:
        if (p < end && (*p == 0x40 || (*p >= 0x6f && *p <= 0x7f))) ++p;
        else if (!skipLeb(p, end)) return nullptr;
        if (on.open(b == 0x03, p)) return p;
        break;
      case ImmKind::LocalIdx: {
        uint32_t x;
        if (!readLeb32(p, end, &x)) return nullptr;
        if (b == 0x20 && on.get(x)) return p;  // local.get
        break;
      }
      case ImmKind::I32:
      case ImmKind::I64:
      case ImmKind::Label:
      case ImmKind::FuncIdx:
      case ImmKind::GlobalIdx:
      case ImmKind::TableIdx:
        if (!skipLeb(p, end)) return nullptr;
        break;
      case ImmKind::MemArg: {
        // Bit 6 of the alignment flags: a memory index follows (multi-memory).
        const bool mem = p < end && (*p & 0x40);
        if (!skipLeb(p, end) || (mem && !skipLeb(p, end)) || !skipLeb(p, end)) return nullptr;
        break;
      }
      case ImmKind::CallIndirect:
        if (!skipLeb(p, end) || !skipLeb(p, end)) return nullptr;
        break;
      case ImmKind::F32: p += 4; break;
      case ImmKind::F64: p += 8; break;
      default: {
        Reader sub(p - 1, end);
        Opcode op;
        uint32_t index;
        if (!scanInstruction(sub, &op, &index)) return nullptr;
        p = sub.pos();
        if (ImmKind(kind) == ImmKind::TryTable && on.open(false, p)) return p;  // a block too
        break;
      }
    }
  }
  return nullptr;
}

}  // namespace

bool scanBlockReads(Reader r, size_t* budget, std::vector<uint8_t>& marks, uint32_t asked) {
  if (asked == 0) return true;
  const uint8_t* p = r.pos();
  const uint8_t* end = r.end();
  if (size_t(end - p) > *budget) end = p + *budget;  // running out fails below
  struct On {
    std::vector<uint8_t>& marks;
    uint32_t asked;
    uint32_t depth = 1;
    bool open(bool, const uint8_t*) { return ++depth, false; }
    bool end() { return --depth == 0; }
    bool get(uint32_t x) {
      if (x >= marks.size() || marks[x] != 1) return false;
      marks[x] = 2;
      return --asked == 0;
    }
  } on{marks, asked};
  const uint8_t* stop = walk(p, end, on);
  if (!stop || stop > end) {
    *budget = 0;
    return false;
  }
  *budget -= size_t(stop - p);
  return true;
}

// ---- LoopReads ----

void LoopReads::start(uint32_t nlocals, size_t budget) {
  locals_.assign(nlocals, Local{});
  records_.assign(1, Record{0, 0});
  loops_.clear();
  stack_.clear();
  next_ = 0;
  p_ = nullptr;
  depth_ = 0;
  epoch_ = 1;
  asked_ = 0;
  budget_ = budget;
}

// A loop's body begins at `body`: a new epoch, and the loop is open.
void LoopReads::open(const uint8_t* body) {
  ++depth_;
  loops_.push_back(Loop{body, ++epoch_, 0});
  stack_.push_back(Open{uint32_t(loops_.size() - 1), depth_});
}

bool LoopReads::run(uint32_t target) {
  const uint8_t* end = end_;
  if (size_t(end - p_) > budget_) end = p_ + budget_;  // running out fails below
  struct On {
    LoopReads& s;
    uint32_t target;
    bool open(bool loop, const uint8_t* body) {
      if (loop) s.open(body);
      else ++s.depth_;
      return false;
    }
    bool end() {
      if (s.stack_.back().depth == s.depth_--) {
        uint32_t i = s.stack_.back().loop;
        s.loops_[i].close = ++s.epoch_;
        s.stack_.pop_back();
        return i == target;
      }
      return false;
    }
    bool get(uint32_t x) {
      if (x >= s.locals_.size()) return false;
      s.note(x);
      uint8_t& mark = s.locals_[x].mark;
      if (mark != 1) return false;
      mark = 2;
      return --s.asked_ == 0;
    }
  } on{*this, target};
  const uint8_t* stop = walk(p_, end, on);
  if (!stop || stop > end) {
    budget_ = 0;  // the next questions too are unknown, as with scanBlockReads
    return false;
  }
  budget_ -= size_t(stop - p_);
  p_ = stop;
  return true;
}

bool LoopReads::query(const uint8_t* body, const uint8_t* end, const uint32_t* locals, uint32_t n, uint64_t* read) {
  if (budget_ == 0) return false;  // a scan failed, or the budget is spent
  while (next_ < loops_.size() && loops_[next_].body < body) ++next_;
  if (next_ == loops_.size() || loops_[next_].body != body) {
    // Not scanned yet (or not where the decoder found it): a new scan
    // starts at its body.
    loops_.clear();
    stack_.clear();
    next_ = 0;
    depth_ = 0;
    p_ = body;
    end_ = end;
    open(body);
  }
  const Loop& loop = loops_[next_];
  uint64_t found = 0;
  if (loop.close) {
    // Scanned to its end: read in an epoch from its opening to its end's.
    for (uint32_t i = 0; i < n; ++i) {
      Local& l = locals_[locals[i]];
      uint32_t h = l.head;
      while (h != l.tail && records_[h].epoch < loop.open) h = records_[h].next;
      l.head = h;
      if (records_[h].epoch >= loop.open && records_[h].epoch < loop.close) found |= uint64_t(1) << i;
    }
    *read = found;
    return true;
  }
  // Still open where the scan stopped: read since its opening, or else
  // looked for on from there.
  for (uint32_t i = 0; i < n; ++i) {
    Local& l = locals_[locals[i]];
    if (records_[l.tail].epoch >= loop.open) found |= uint64_t(1) << i;
    else if (l.mark != 1) l.mark = 1, ++asked_;
  }
  if (asked_ != 0) {
    bool ok = run(uint32_t(next_));
    for (uint32_t i = 0; i < n; ++i)
      if (locals_[locals[i]].mark == 2) found |= uint64_t(1) << i;
    for (uint32_t i = 0; i < n; ++i) locals_[locals[i]].mark = 0;
    asked_ = 0;
    if (!ok) return false;
  }
  *read = found;
  return true;
}

}  // namespace tern
