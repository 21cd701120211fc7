// Looking ahead in a function body without validating it: skipping one
// instruction by its immediate kind (from opcodes.def), finding what a
// block or loop body reads, and answering that for every loop head of a
// body in turn with one scan (LoopReads).
//
// The bytes ahead of the decoder are not validated yet, so nothing here
// trusts them: any read failure or unknown opcode ends the scan with
// `false`, and the caller falls back to what it would do without looking.
#pragma once

#include <cstdint>
#include <vector>

#include "base/leb128.h"
#include "module/opcodes.h"

namespace tern {

// Reads one instruction at r: its opcode in *op and, for instructions with a
// local, global, function or label index, that index in *index. Returns
// false when the bytes do not decode.
bool scanInstruction(Reader& r, Opcode* op, uint32_t* index);

// Which of some locals the code from r up to the `end` closing the current
// block reads (local.get). On entry marks[x] is 1 for each local asked
// about (`asked` of them) and 0 for the others; a local found read gets 2.
// The scan stops early once every asked local was found. The bytes scanned
// are taken from *budget. Returns false when the scan ended before it
// could tell (bytes that do not decode, or the budget ran out).
bool scanBlockReads(Reader r, size_t* budget, std::vector<uint8_t>& marks, uint32_t asked);

// Which locals each loop of one function body reads, asked at its loop
// heads in the order of the bytes (a single-pass compiler's order): the
// answers of scanBlockReads, in time linear in the body however deep the
// loops nest. A question about a loop the scan has not reached starts a
// scan at its body, which goes on only until that loop ends or every local
// asked about was found read; on the way it records, for each local, the
// stretches between loop boundaries (epochs) in which it is read, so a
// later question about a loop nested in it looks at records and scans on
// from where the scan stopped, never again over bytes behind it. A loop
// opening and a loop ending each begin a new epoch: a loop reads local x
// when x is read in an epoch from its opening up to (not including) its
// end's.
class LoopReads {
 public:
  // Before the first question about a body with `nlocals` locals: `budget`
  // bounds the bytes all its scans together may take (past it, answers are
  // unknown), as scanBlockReads's budget does (a guard only: every byte is
  // scanned at most once unless the bytes ahead disagree with the decoder).
  void start(uint32_t nlocals, size_t budget);
  // Whether the loop whose body starts at `body` (after its block type;
  // the function's bytes end at `end`) reads each of locals[0..n) (n <= 64,
  // each < nlocals): bit i of *read. Returns false when it cannot tell
  // (bytes that do not decode, or the budget ran out, in this scan or an
  // earlier one). Asked about loops in increasing order of `body`.
  bool query(const uint8_t* body, const uint8_t* end, const uint32_t* locals, uint32_t n, uint64_t* read);

 private:
  struct Loop {
    const uint8_t* body;  // after its block type
    uint32_t open;        // the epoch it opens
    uint32_t close;       // the epoch its end opens, 0 while open
  };
  struct Open {
    uint32_t loop;   // index in loops_
    uint32_t depth;  // block depth inside it
  };
  struct Local {
    uint32_t head = 0;  // first record not yet passed by questions (0: none)
    uint32_t tail = 0;  // its last record (0: none)
    uint32_t last = 0;  // that record's epoch
    uint8_t mark = 0;   // 1: asked about and not found read yet
  };
  struct Record {
    uint32_t epoch;
    uint32_t next;  // the local's next record, 0 for none
  };
  // Scans on until loops_[target] ends or no asked local is left (asked_
  // == 0); false when the bytes fail or the budget runs out first (it is
  // then 0: every later question is unknown too, as with scanBlockReads).
  bool run(uint32_t target);
  void open(const uint8_t* body);
  // Local x is read in the current epoch.
  void note(Local& l) {
    if (l.last == epoch_) return;
    uint32_t n = uint32_t(records_.size());
    records_.push_back(Record{epoch_, 0});
    if (l.tail) records_[l.tail].next = n;
    else l.head = n;
    l.tail = n;
    l.last = epoch_;
  }

  std::vector<Local> locals_;
  std::vector<Record> records_;   // records_[0]: none (epoch 0)
  std::vector<Loop> loops_;       // scanned loops by position
  std::vector<Open> stack_;       // the scan's open loops, innermost last
  size_t next_ = 0;               // loops_ before it were asked about or passed
  const uint8_t* p_ = nullptr;    // where the scan stopped
  const uint8_t* end_ = nullptr;  // the body's end
  uint32_t depth_ = 0;            // its block depth
  uint32_t epoch_ = 1;
  uint32_t asked_ = 0;  // locals marked 1
  size_t budget_ = 0;
};

}  // namespace tern
