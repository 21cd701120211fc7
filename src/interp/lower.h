// The interpreter's internal form.
//
// A function is lowered to a stream of 32-bit words. Each instruction starts
// with its handler (an offset from the interpreter's first label: direct
// threading) followed by operands. Operands are frame slots (8 bytes each,
// laid out by module/frame_layout.h): the params, then the declared locals,
// then the operand stack (a v128 takes two slots wherever it is). Because
// Wasm fixes the stack height at every instruction, every
// operand's slot is known when lowering, so the interpreter never pushes or
// pops: `i32.add` reads two slots and writes a third. local.get costs
// nothing (the consumer reads the local's slot directly), and a result
// followed by local.set is written straight into the local.
#pragma once

#include <cstdint>
#include <vector>

#include "base/leb128.h"
#include "base/pos_table.h"
#include "decode/function_decoder.h"
#include "module/module.h"

namespace tern::interp {

// Internal opcodes: one per row of opcodes.def (simple rows have generated
// handlers), then one per row of interp/iops.def (hand-written handlers;
// that file lists their operands).
enum class IOp : uint16_t {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) id,
#include "module/opcodes.def"
#undef X
#define I(id, traps, operands) id,
#include "interp/iops.def"
#undef I
  Count_
};
constexpr unsigned kIOpCount = unsigned(IOp::Count_);

// Generated variants of the simple operators (opcodes.def rows):
//   kK    dst a imm_lo imm_hi        right operand is a constant
//   kNz   dst a [b] off              branch if the result is non-zero
//   kZ    dst a [b] off              branch if the result is zero
//   kKNz  dst a imm_lo imm_hi off    both
//   kKZ   dst a imm_lo imm_hi off
//   kM64  the load's or store's operands  the address is an i64 (memory64)
// A compare followed by br_if / if becomes one instruction.
enum Variant : uint8_t { kBase, kK, kNz, kZ, kKNz, kKZ, kM64 };
constexpr unsigned kHandlerCount = kIOpCount + 6 * kOpcodeCount;
constexpr unsigned variantIndex(IOp op, Variant v) {
  return v == kBase ? unsigned(op) : kIOpCount + (unsigned(v) - 1) * kOpcodeCount + unsigned(op);
}

struct Code {
  std::vector<uint32_t> words;
  // Frame sizes in slots (module/frame_layout.h): the params', the params'
  // and declared locals', and the whole frame's (locals + deepest operand
  // stack + 1).
  uint32_t num_params = 0;
  uint32_t num_locals = 0;
  uint32_t frame_slots = 0;
  uint32_t num_results = 0;
  // Word index of each instruction that can trap or call -> its byte offset
  // in the module, for backtraces.
  PosTable positions;
  // Exception handlers (the design: runtime/exceptions.cc), one per try
  // block in the order the trys open, so that of the handlers whose body
  // holds a pc, the last is the innermost. An exception at pc goes to the
  // innermost one's first catch whose tag matches (kCatchAll: any), else
  // on outwards; a handler that delegates sends it to handler `delegate`
  // (kToCaller: out of the function) instead.
  // A try_table's clauses are handlers of the same kind: each one's code
  // is a landing pad, before the body, that branches to the clause's label
  // with the values (and the exnref) catchException wrote.
  struct Handler {
    static constexpr uint32_t kCatchAll = UINT32_MAX;
    static constexpr int32_t kCatches = -1, kToCaller = -2;
    struct Catch {
      uint32_t tag;   // module tag index, or kCatchAll
      uint32_t pc;    // word index of the clause's code
      uint32_t slot;  // the caught values' first slot (a catch's: exn_slot + 1)
      bool ref;       // catch_ref, catch_all_ref: the exception's exnref follows the values
    };
    uint32_t begin = 0, end = 0;  // the try body's words: [begin, end)
    int32_t delegate = kCatches;
    bool table = false;          // a try_table's (no rethrow: no exn_slot)
    uint32_t exn_slot = 0;       // a slot the clauses keep for rethrow (its address names the caught exception)
    std::vector<Catch> catches;  // in the order the clauses are written
  };
  std::vector<Handler> handlers;
};

// Validates one body and lowers it (every body: the interpreter runs all of
// Wasm 2.0, SIMD included).
struct LowerOptions {
  bool epoch = false;  // check the store's epoch deadline at entries and loop headers
  bool fuel = false;   // charge fuel there
};
bool compileBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err,
                 const LowerOptions& opts);

// Offsets of the interpreter's handlers from its base label, per IOp.
const int32_t* handlerOffsets();

}  // namespace tern::interp
