// A compiled function's exception handlers (the design: the top of
// runtime/exceptions.cc): where in its code an exception is caught, and by
// which clause. The compiler fills one per function that has a try
// (jit/compiler/control.cc), the runtime looks return addresses up in it
// while an exception unwinds JIT frames (jitCatch, jit/jit_runtime.cc), and
// a .cwasm stores it (runtime/serialize.cc).
//
//   - A range of code offsets [begin, end) maps to the innermost handler
//     that covers it: a try body's code, or one out-of-line trap site of an
//     instruction inside a try body (a throw's exit, a call_indirect whose
//     callee trapped). Ranges nest like the trys; of those holding an
//     offset, the last added is the innermost.
//   - A handler lists its clauses in order, and names the handler to try
//     next, `outer`: the try body around it, or what a delegate names; -1
//     is the caller. A delegate is a handler without clauses.
//   - A clause takes an exception by tag (a module tag index) or any
//     (kCatchAll), and resumes at its landing pad, a code offset where the
//     frame's registers hold nothing and every operand below the try is in
//     its slot: the catcher writes the exception's values to the slots from
//     exn_slot + 1 on, and keeps the exception, for rethrow, by the address
//     of slot exn_slot.
// Wasm 3.0's try_table fits as more handlers: its clauses are clauses with a
// kind (catch_ref, catch_all_ref push the exnref too) and a branch target as
// the landing pad.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tern::jit {

struct CatchTable {
  static constexpr uint32_t kCatchAll = UINT32_MAX;
  static constexpr int32_t kToCaller = -1;
  struct Range {
    uint32_t begin, end;
    int32_t handler;
  };
  struct Clause {
    uint32_t tag;  // module tag index, or kCatchAll
    uint32_t pad;  // landing pad: code offset from the function's start
  };
  struct Handler {
    int32_t outer = kToCaller;
    uint32_t exn_slot = 0;
    uint32_t first = 0, count = 0;  // its clauses: clauses[first, first + count)
  };
  std::vector<Range> ranges;
  std::vector<Handler> handlers;
  std::vector<Clause> clauses;

  bool empty() const { return ranges.empty(); }

  // The clause that takes an exception at code offset `at` (for a return
  // address, ret - 1) whose tag `matches` (a module tag index), with its
  // handler in *h; or null.
  template <class Matches>
  const Clause* find(uint32_t at, Matches matches, const Handler** h) const {
    int32_t i = kToCaller;
    for (size_t r = ranges.size(); r-- > 0;)
      if (at >= ranges[r].begin && at < ranges[r].end) {
        i = ranges[r].handler;
        break;
      }
    while (i != kToCaller && size_t(i) < handlers.size()) {
      const Handler& x = handlers[size_t(i)];
      for (uint32_t c = x.first; c < x.first + x.count && c < clauses.size(); ++c)
        if (clauses[c].tag == kCatchAll || matches(clauses[c].tag)) {
          *h = &x;
          return &clauses[c];
        }
      if (x.outer >= i) break;  // outer handlers open first: a malformed table ends here
      i = x.outer;
    }
    return nullptr;
  }

  // As 32-bit words, for a .cwasm: the three counts, then each vector's
  // fields in order.
  std::vector<uint32_t> encode() const {
    if (empty()) return {};
    std::vector<uint32_t> w{uint32_t(ranges.size()), uint32_t(handlers.size()), uint32_t(clauses.size())};
    for (const Range& r : ranges) w.insert(w.end(), {r.begin, r.end, uint32_t(r.handler)});
    for (const Handler& x : handlers) w.insert(w.end(), {uint32_t(x.outer), x.exn_slot, x.first, x.count});
    for (const Clause& c : clauses) w.insert(w.end(), {c.tag, c.pad});
    return w;
  }
  // The table of encode()'s words; false when they are malformed.
  static bool decode(std::span<const uint32_t> w, CatchTable& out) {
    out = CatchTable{};
    if (w.empty()) return true;
    if (w.size() < 3) return false;
    uint64_t nr = w[0], nh = w[1], nc = w[2];
    if (w.size() != 3 + 3 * nr + 4 * nh + 2 * nc) return false;
    size_t i = 3;
    for (uint64_t k = 0; k < nr; ++k, i += 3) out.ranges.push_back({w[i], w[i + 1], int32_t(w[i + 2])});
    for (uint64_t k = 0; k < nh; ++k, i += 4) out.handlers.push_back({int32_t(w[i]), w[i + 1], w[i + 2], w[i + 3]});
    for (uint64_t k = 0; k < nc; ++k, i += 2) out.clauses.push_back({w[i], w[i + 1]});
    return true;
  }
};

}  // namespace tern::jit
