// Opcode enum, names and per-instruction facts, all generated from
// opcodes.def.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tern {

enum class ImmKind : uint8_t {
  None, BlockType, Label, BrTable, FuncIdx, CallIndirect, LocalIdx, GlobalIdx, TableIdx,
  MemArg, MemIdx, I32, I64, F32, F64, V128, SelectT, RefType, MemoryInit, DataIdx,
  MemoryCopy, TableInit, ElemIdx, TableCopy, Lane2, Lane4, Lane8, Lane16, Shuffle,
  MemArgLane2, MemArgLane4, MemArgLane8, MemArgLane16,
};

enum class Feature : uint8_t { mvp, signext, satconv, multivalue, bulk, reftypes, simd };

enum class Opcode : uint16_t {
#define X(id, prefix, code, text, imm, sig, feat, impl) id,
#include "module/opcodes.def"
#undef X
  Count_
};
constexpr unsigned kOpcodeCount = unsigned(Opcode::Count_);

struct OpInfo {
  const char* name;
  uint8_t prefix;
  uint32_t code;
  ImmKind imm;
  const char* sig;  // "params:results", "" for hand-validated
  Feature feature;
};

extern const OpInfo kOpInfo[kOpcodeCount];
inline const OpInfo& opInfo(Opcode op) { return kOpInfo[unsigned(op)]; }
inline const char* opName(Opcode op) { return kOpInfo[unsigned(op)].name; }

// Decoding: single-byte opcodes and the two prefixed spaces.
std::optional<Opcode> lookupOpcode(uint8_t prefix, uint32_t code);
std::optional<Opcode> lookupOpcodeByName(std::string_view name);
const char* featureName(Feature f);

// Natural alignment (log2 of the access size) for memory instructions.
unsigned naturalAlignLog2(Opcode op);

}  // namespace tern
