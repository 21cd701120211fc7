// A module generator for the fuzz targets, driven by the fuzzer's input: the
// same input always gives the same module, and the input running out ends
// the module early (every choice falls back to its first, simplest option).
//
// Mode::Valid (fuzz_diff) makes modules that validate by construction and
// whose observable behaviour the spec fixes: no NaN bits ever reach an
// integer, memory or a sign (no float stores, reinterpretations, copysign),
// no v128. Mode::Noisy (fuzz_decode_structured) uses every instruction of
// opcodes.def, v128 included, and now and then writes a wrong byte, a wrong
// count or a wrong type, so that the validator is reached deep inside bodies
// and rejects near-valid modules.
//
// Loops are bounded by nothing but fuel: the runner meters every tier.
// Calls go to higher function indices only (no recursion through `call`);
// call_indirect may reach any function, so recursion ends with fuel too.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "../unit/wasm_builder.h"
#include "module/opcodes.h"

namespace fuzzgen {

using wb::Bytes;

// Wasm value type bytes.
enum : uint8_t { I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b, FUNCREF = 0x70 };

// The LEB128 writers are the unit tests' (one encoder for every test generator).
using wb::putS;
using wb::putU;

inline void putName(Bytes& b, std::string_view s) {
  putU(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

// Appends a section: id, size, content.
inline void putSection(Bytes& out, uint8_t id, const Bytes& content) {
  out.push_back(id);
  putU(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
}

inline Bytes header() { return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}; }

enum class Mode { Valid, Noisy };

struct FuncSig {
  std::vector<uint8_t> params, results;
};

// The generated module's shape, for the runners: what each export is.
struct Shape {
  std::vector<FuncSig> sigs;     // per type index
  std::vector<uint32_t> funcs;   // type index of each function, exported as "f<i>"
  std::vector<uint8_t> globals;  // type of each global, exported as "g<i>"
  bool memory = false;           // exported as "mem"
};

class Generator {
 public:
  Generator(FuzzedDataProvider& in, Mode mode) : in_(in), mode_(mode) { indexOps(); }

  Bytes module(Shape& shape);

 private:
  struct Label {
    std::vector<uint8_t> branch_types;  // what a branch to it carries
  };
  struct Body {
    const FuncSig* sig;
    std::vector<uint8_t> locals;  // params first
    std::vector<Label> labels;    // innermost last
    uint32_t func_index;
    int budget;  // instructions left to generate
  };

  uint32_t below(uint32_t n) { return n <= 1 ? 0 : in_.ConsumeIntegralInRange<uint32_t>(0, n - 1); }
  bool chance(uint32_t one_in) { return below(one_in) == 1; }
  bool noisy() const { return mode_ == Mode::Noisy; }
  uint8_t valType();
  void indexOps();

  void expr(Body& f, Bytes& b, uint8_t type, int depth);
  void genericOp(Body& f, Bytes& b, uint8_t type, int depth);
  void immediates(Body& f, Bytes& b, const tern::OpInfo& op);
  void address(Body& f, Bytes& b, int depth);
  void stmt(Body& f, Bytes& b, int depth);
  void stmts(Body& f, Bytes& b, int depth);
  void constant(Bytes& b, uint8_t type);
  void noise(Bytes& b);
  Bytes body(uint32_t func_index, uint32_t type_index);

  FuzzedDataProvider& in_;
  Mode mode_;
  Shape* shape_ = nullptr;
  // Rows of opcodes.def the generic path may use, by result type (i32, i64,
  // f32, f64, v128), and those with no result (stores).
  std::vector<uint16_t> by_result_[5];
  std::vector<uint16_t> stores_;
};

}  // namespace fuzzgen
