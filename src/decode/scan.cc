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

// What the fast path does after each one-byte opcode (Act): the immediate
// kinds it skips itself, and the opcodes it tells its caller about.
enum Act : uint8_t {
  kNone,   // no immediate
  kEnd,    // end
  kBlock,  // block, loop, if, try: a block type
  kGet,    // local.get: a local index
  kLeb,    // one LEB128 (local.set, i32.const, br, call, global.get, ...)
  kLeb2,   // two (call_indirect)
  kMem,    // a memarg
  kF32,    // 4 bytes
  kF64,    // 8 bytes
  kSlow,   // anything else (prefixes, try_table, br_table, unknown): scanInstruction
};

struct Acts {
  uint8_t act[256];
  Acts() {
    for (unsigned b = 0; b < 256; ++b) {
      std::optional<Opcode> op = b == 0xfc || b == 0xfd ? std::nullopt : lookupOpcode(0, b);
      Act a = kSlow;
      if (op) {
        switch (opInfo(*op).imm) {
          case ImmKind::None: a = b == 0x0b ? kEnd : kNone; break;
          case ImmKind::BlockType: a = kBlock; break;
          case ImmKind::LocalIdx: a = b == 0x20 ? kGet : kLeb; break;
          case ImmKind::I32:
          case ImmKind::I64:
          case ImmKind::Label:
          case ImmKind::FuncIdx:
          case ImmKind::GlobalIdx:
          case ImmKind::TableIdx:
          case ImmKind::MemIdx: a = kLeb; break;
          case ImmKind::CallIndirect: a = kLeb2; break;
          case ImmKind::MemArg: a = kMem; break;
          case ImmKind::F32: a = kF32; break;
          case ImmKind::F64: a = kF64; break;
          default: break;
        }
      }
      act[b] = uint8_t(a);
    }
  }
};

// LEB128s of at most 10 bytes (a 64-bit one's length; longer ones fail).
// kChecked: stop at `end`; else the caller made sure 10 bytes are there.
template <bool kChecked>
TERN_HOT_INLINE inline bool skipLeb(const uint8_t*& p, const uint8_t* end) {
  for (int i = 0; i < 10; ++i) {
    if (kChecked && p >= end) return false;
    if (!(*p++ & 0x80)) return true;
  }
  return false;
}
template <bool kChecked>
TERN_HOT_INLINE inline bool readLeb32(const uint8_t*& p, const uint8_t* end, uint32_t* out) {
  if ((!kChecked || p < end) && !(*p & 0x80)) [[likely]] {
    *out = *p++;
    return true;
  }
  uint32_t v = 0;
  for (unsigned shift = 0; shift < 35; shift += 7) {
    if (kChecked && p >= end) return false;
    uint8_t b = *p++;
    v |= uint32_t(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return true;
    }
  }
  return false;
}

// The general path (prefixes, try_table, br_table, unknown bytes) for the
// instruction at p: the position after it, or null when it does not
// decode; *opens when it opens a block (try_table). Out of line: the
// Reader it makes would cost the fast loop around it at every byte.
[[gnu::noinline]] const uint8_t* slowInstruction(const uint8_t* p, const uint8_t* end, bool* opens) {
  Reader sub(p, end);
  Opcode op;
  uint32_t index;
  if (!scanInstruction(sub, &op, &index)) return nullptr;
  *opens = op == Opcode::TryTable;
  return sub.pos();
}

// The most bytes one instruction of the fast path can take after its
// opcode: a memarg of three 10-byte LEB128s.
constexpr ptrdiff_t kFastMargin = 32;

// One instruction at p, its first byte b already read (p past it).
// Returns 0 to go on (p past the instruction), 1 when `on` says to stop,
// -1 when the bytes do not decode. kChecked: p may be near `end` (else
// kFastMargin bytes are there).
template <bool kChecked, class On>
TERN_HOT_INLINE inline int step(uint8_t b, uint8_t act, const uint8_t*& p, const uint8_t* end, On& on) {
  switch (Act(act)) {
    case kNone: return 0;
    case kEnd: return on.end() ? 1 : 0;
    case kBlock:
      // A value type is one byte, an index a LEB128.
      if ((!kChecked || p < end) && (*p == 0x40 || (*p >= 0x6f && *p <= 0x7f))) ++p;
      else if (!skipLeb<kChecked>(p, end)) return -1;
      return on.open(b == 0x03, p) ? 1 : 0;
    case kGet: {
      uint32_t x;
      if (!readLeb32<kChecked>(p, end, &x)) return -1;
      return on.get(x) ? 1 : 0;
    }
    case kLeb: return skipLeb<kChecked>(p, end) ? 0 : -1;
    case kLeb2: return skipLeb<kChecked>(p, end) && skipLeb<kChecked>(p, end) ? 0 : -1;
    case kMem: {
      // Bit 6 of the alignment flags: a memory index follows (multi-memory).
      const bool mem = (!kChecked || p < end) && (*p & 0x40);
      return skipLeb<kChecked>(p, end) && (!mem || skipLeb<kChecked>(p, end)) && skipLeb<kChecked>(p, end) ? 0 : -1;
    }
    case kF32: p += 4; return !kChecked || p <= end ? 0 : -1;
    case kF64: p += 8; return !kChecked || p <= end ? 0 : -1;
    default: {
      bool opens;
      p = slowInstruction(p - 1, end, &opens);
      if (!p) return -1;
      if (opens) return on.open(false, p) ? 1 : 0;  // try_table: a block too
      return 0;
    }
  }
}

// Scans the instructions from p on until `on` says to stop (its handlers
// return true) and returns the position after the instruction that
// stopped it; nullptr when the bytes up to `end` do not decode or end
// first. The handlers: open(is_loop, p) after a block's type (block, loop,
// if, try, try_table; p just past it), end() at each `end`, get(x) at each
// local.get. Far from `end` the immediates are skipped without checking
// for it at each byte.
template <class On>
const uint8_t* walk(const uint8_t* p, const uint8_t* end, On& on) {
  static const Acts acts;
  const uint8_t* fast_end = end - p > kFastMargin ? end - kFastMargin : p;
  for (;;) {
    while (p < fast_end) {
      const uint8_t b = p[0];
      const uint8_t act = acts.act[b];
      // The commonest kinds first, with their one-byte immediates inline
      // (a memarg: flags without a memory index, a one-byte offset).
      if (act == kNone) {
        p += 1;
        continue;
      }
      const uint8_t next = p[1];
      if (!(next & 0x80)) [[likely]] {
        if (act == kLeb) {
          p += 2;
          continue;
        }
        if (act == kGet) {
          p += 2;
          if (on.get(next)) return p;
          continue;
        }
        if (act == kMem && !(next & 0x40) && !(p[2] & 0x80)) {
          p += 3;
          continue;
        }
      }
      ++p;
      int r = step<false>(b, act, p, end, on);
      if (r != 0) return r > 0 ? p : nullptr;
    }
    if (p >= end) return nullptr;
    uint8_t b = *p++;
    int r = step<true>(b, acts.act[b], p, end, on);
    if (r != 0) return r > 0 ? p : nullptr;
  }
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
  // (Room for a typical function's loops up front: no regrowth.)
  records_.reserve(64);
  records_.assign(1, Record{0, 0});
  loops_.clear();
  loops_.reserve(16);
  stack_.clear();
  stack_.reserve(8);
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
    Local* locals;
    size_t nlocals;
    bool get(uint32_t x) {
      if (x >= nlocals) return false;
      Local& l = locals[x];
      s.note(l);
      if (l.mark != 1) return false;
      l.mark = 2;
      return --s.asked_ == 0;
    }
  } on{*this, target, locals_.data(), locals_.size()};
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
    if (l.last >= loop.open) found |= uint64_t(1) << i;
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
