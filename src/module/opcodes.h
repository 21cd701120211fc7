// Opcode enum, names and per-instruction facts, all generated from
// opcodes.def (its header says what each column means). The table is
// constexpr: a consumer may read a row's facts at compile time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tern {

// tern/tern.hpp defines the enumerators; their values are the binary
// encodings (0x7f = i32, ...), which is all the signatures below need.
enum class ValType : uint8_t;

enum class ImmKind : uint8_t {
  None,
  BlockType,
  Label,
  BrTable,
  FuncIdx,
  CallIndirect,
  LocalIdx,
  GlobalIdx,
  TableIdx,
  MemArg,
  MemIdx,
  I32,
  I64,
  F32,
  F64,
  V128,
  SelectT,
  RefType,
  MemoryInit,
  DataIdx,
  MemoryCopy,
  TableInit,
  ElemIdx,
  TableCopy,
  Lane2,
  Lane4,
  Lane8,
  Lane16,
  Shuffle,
  MemArgLane2,
  MemArgLane4,
  MemArgLane8,
  MemArgLane16,
  TagIdx,
  TryTable,  // a block type, then a vector of catch clauses (kind byte, tag index for catch and catch_ref, label)
};

enum class Feature : uint8_t { mvp, signext, satconv, multivalue, bulk, reftypes, simd, exceptions, tailcall };

// How an instruction is validated and lowered (opcodes.def, column Class).
enum class OpClass : uint8_t { Num, Const, Load, Store, Ctl, Param, Var, Ref, Mem, Table, Bulk };
// Validated by its signature alone, after the immediates of its ImmKind.
constexpr bool isGeneric(OpClass c) { return c <= OpClass::Store; }

// The Flags column: commutativity and the traps an instruction can raise.
namespace opflag {
enum : uint16_t {
  none = 0,
  comm = 1u << 0,
  memOob = 1u << 1,       // out of bounds memory access
  tableOob = 1u << 2,     // out of bounds table access
  divZero = 1u << 3,      // integer divide by zero
  overflow = 1u << 4,     // integer overflow
  badConv = 1u << 5,      // invalid conversion to integer
  badElem = 1u << 6,      // undefined / uninitialized element, indirect call type mismatch
  unreachable = 1u << 7,  // the unreachable instruction
  call = 1u << 8,         // whatever the callee raises, and call stack exhaustion
  throws = 1u << 9,       // throws a Wasm exception (throw, rethrow)
};
constexpr uint16_t kTraps = uint16_t(~uint16_t(comm));
}  // namespace opflag

// A Sig string decoded at compile time.
struct OpSig {
  uint8_t nparams = 0;
  uint8_t nresults = 0;
  ValType params[3] = {};
  ValType results[1] = {};
};

constexpr ValType sigType(char c) {
  switch (c) {
    case 'i': return ValType(0x7f);
    case 'l': return ValType(0x7e);
    case 'f': return ValType(0x7d);
    case 'd': return ValType(0x7c);
    case 'v': return ValType(0x7b);
  }
  throw "opcodes.def: a Sig letter is not one of i l f d v";  // a compile error in constant evaluation
}

constexpr OpSig parseSig(const char* s) {
  OpSig r;
  if (!*s) return r;
  for (; *s != ':'; ++s) {
    if (!*s || r.nparams == 3) throw "opcodes.def: a Sig needs ':' and at most three params";
    r.params[r.nparams++] = sigType(*s);
  }
  for (++s; *s; ++s) {
    if (r.nresults == 1) throw "opcodes.def: a Sig has at most one result";
    r.results[r.nresults++] = sigType(*s);
  }
  return r;
}

enum class Opcode : uint16_t {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) id,
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
  const char* sig;  // the Sig text, "" for none (prefer `types`)
  OpClass cls;
  Feature feature;
  uint8_t access_bytes;   // Load / Store: bytes accessed; else 0
  uint8_t natural_align;  // log2(access_bytes): the largest valid memarg alignment
  bool commutative;
  uint16_t traps;    // opflag bits other than comm
  OpSig types;       // sig, decoded
  bool load_signed;  // Load: sign-extends the bytes it reads (from Impl's LOAD)
};

namespace opdef {
using namespace opflag;
constexpr uint8_t log2Bytes(unsigned n) { return n <= 1 ? 0 : uint8_t(1 + log2Bytes(n / 2)); }
template <class T>
constexpr bool isSigned = T(-1) < T(0);
// Of the Impl column, only a load's memory type is read here.
#define UN(a, b, c) false
#define BIN(a, b, c) false
#define TUN(a, b, c) false
#define TBIN(a, b, c) false
#define LOAD(tmem, tout) isSigned<tmem>
#define STORE(tval, tmem) false
#define SPECIAL false
#define SIMD false
#include "module/impl_v128_pending.inc"
inline constexpr OpInfo kOpInfo[kOpcodeCount] = {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  {text, \
   prefix, \
   code, \
   ImmKind::imm, \
   sig, \
   OpClass::cls, \
   Feature::feat, \
   bytes, \
   log2Bytes(bytes), \
   ((flags)&comm) != 0, \
   uint16_t((flags)&kTraps), \
   parseSig(sig), \
   impl},
#include "module/opcodes.def"
#undef X
};
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#undef SPECIAL
#undef SIMD
#include "module/impl_v128_undef.inc"
// Row of each (prefix, code): t[0] single byte, t[1] 0xFC, t[2] 0xFD; -1 if none.
struct ByCode {
  int16_t t[3][256];
};
constexpr ByCode makeByCode() {
  ByCode r{};
  for (auto& space : r.t)
    for (int16_t& x : space) x = -1;
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    const OpInfo& o = kOpInfo[i];
    unsigned space = o.prefix == 0 ? 0 : o.prefix == 0xfc ? 1 : 2;
    if (o.code >= 256) throw "opcodes.def: a code above 255 needs a larger lookup table";
    if (r.t[space][o.code] >= 0) throw "opcodes.def: two rows share (prefix, code)";
    r.t[space][o.code] = int16_t(i);
  }
  return r;
}
inline constexpr ByCode kByCode = makeByCode();
}  // namespace opdef

using opdef::kOpInfo;
constexpr const OpInfo& opInfo(Opcode op) { return kOpInfo[unsigned(op)]; }
constexpr const char* opName(Opcode op) { return kOpInfo[unsigned(op)].name; }

// Decoding: single-byte opcodes and the two prefixed spaces.
constexpr std::optional<Opcode> lookupOpcode(uint8_t prefix, uint32_t code) {
  unsigned space = prefix == 0 ? 0 : prefix == 0xfc ? 1 : prefix == 0xfd ? 2 : 3;
  if (space == 3 || code >= 256) return std::nullopt;
  int16_t r = opdef::kByCode.t[space][code];
  if (r < 0) return std::nullopt;
  return Opcode(r);
}
std::optional<Opcode> lookupOpcodeByName(std::string_view name);
const char* featureName(Feature f);

}  // namespace tern
