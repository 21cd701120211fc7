// Instruction walker for the ahead-of-time linker: copies a function body
// instruction by instruction, driven by the opcode table's immediate kinds
// (module/opcodes.def), and rewrites every immediate that names an entry of
// a module-level index space (type, function, table, global, element or
// data segment, memory, tag). Other immediates are copied byte for byte.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "link/writer.h"

namespace tern::link {

// Old index -> new index, one table per index space.
struct IndexMap {
  std::span<const uint32_t> types, funcs, tables, globals, elems, datas, mems, tags;
};

// What a body refers to, gathered without rewriting.
struct BodyFacts {
  bool uses_memory = false;         // any load, store or memory.* instruction
  std::vector<uint32_t> ref_funcs;  // operands of ref.func (input indices)
};

// `body` is a validated function body: local declarations, then the
// instructions up to and including the final `end`. With `map` null the body
// is only scanned; otherwise the rewritten body (locals included, without
// the size prefix) is appended to `out`. Returns false with `err` set if the
// bytes do not decode (which a validated body never does) or an index has no
// mapping.
bool walkBody(std::span<const uint8_t> body, const IndexMap* map, ByteWriter* out, BodyFacts* facts, std::string* err);

}  // namespace tern::link
