// Looking ahead in a function body without validating it: skipping one
// instruction by its immediate kind (from opcodes.def), and finding what a
// block or loop body reads.
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

}  // namespace tern
