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
