// The JIT's catch tables (jit/catch_table.h): which clause takes an
// exception at a code offset through nested try bodies, trap-site ranges,
// delegate and catch_all, and the words a .cwasm stores them as.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "jit/catch_table.h"

using tern::jit::CatchTable;

namespace {

// A function shaped like
//   try                     ;; handler 0, body [10, 100)
//     try                   ;; handler 1, body [20, 50): catch tag 1
//     catch 1 ...           ;; pad 50
//     end
//     try                   ;; handler 2, body [60, 80): delegate 0 (to handler 0)
//     delegate 0
//   catch 2 ...             ;; pad 100
//   catch_all ...           ;; pad 120
//   end
// with a throw's trap site at [200, 205) inside handler 1's body.
CatchTable sample() {
  CatchTable t;
  t.ranges = {{10, 100, 0}, {20, 50, 1}, {60, 80, 2}, {200, 205, 1}};
  t.handlers = {{CatchTable::kToCaller, 4, 1, 2}, {0, 6, 0, 1}, {0, 0, 3, 0}};
  t.clauses = {{1, 50}, {2, 100}, {CatchTable::kCatchAll, 120}};
  return t;
}

// The pad of the clause taking tag `tag` at `at`, or -1.
int64_t padFor(const CatchTable& t, uint32_t at, uint32_t tag) {
  const CatchTable::Handler* h = nullptr;
  const CatchTable::Clause* c = t.find(
      at, [&](uint32_t x) { return x == tag; }, &h);
  return c ? int64_t(c->pad) : -1;
}

}  // namespace

TEST_CASE("CatchTable::find: innermost try first, then outwards; delegate; catch_all") {
  CatchTable t = sample();
  CHECK(padFor(t, 30, 1) == 50);   // the inner try's catch
  CHECK(padFor(t, 30, 2) == 100);  // not tag 1: the outer try's catch 2
  CHECK(padFor(t, 30, 7) == 120);  // any other: the outer catch_all
  CHECK(padFor(t, 202, 1) == 50);  // a trap site of the inner body
  CHECK(padFor(t, 70, 1) == 120);  // delegated to the outer try, which has no catch 1
  CHECK(padFor(t, 70, 2) == 100);
  CHECK(padFor(t, 15, 2) == 100);  // the outer body only
  CHECK(padFor(t, 100, 2) == -1);  // a clause is not covered by its own try
  CHECK(padFor(t, 5, 2) == -1);    // before any try
  const CatchTable::Handler* h = nullptr;
  t.find(
      30, [](uint32_t) { return true; }, &h);
  REQUIRE(h);
  CHECK(h->exn_slot == 6);
  // A handler whose outer is not an earlier one ends the search (a damaged
  // table never loops).
  t.handlers[0].outer = 1;
  CHECK(padFor(t, 15, 9) == 120);
  t.clauses[2].tag = 3;
  CHECK(padFor(t, 15, 9) == -1);
}

TEST_CASE("CatchTable: encode and decode round trip; malformed words are refused") {
  CatchTable t = sample();
  std::vector<uint32_t> w = t.encode();
  CatchTable back;
  REQUIRE(CatchTable::decode(w, back));
  CHECK(back.encode() == w);
  CHECK(padFor(back, 70, 2) == 100);
  CHECK(CatchTable().encode().empty());
  REQUIRE(CatchTable::decode({}, back));
  CHECK(back.empty());
  w.pop_back();
  CHECK_FALSE(CatchTable::decode(w, back));
  CHECK_FALSE(CatchTable::decode(std::vector<uint32_t>{1, 2}, back));
}
