// The decoded, validated form of a module, shared by every instance.
#pragma once

#include <cstdint>
#include <memory>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "tern/types.hpp"

namespace tern {

namespace interp {
struct Code;  // lowered function body (src/interp/lower.h)
}
namespace jit {
struct JitModule;  // machine code of a module (jit/jit.h)
}
class LazyCompiler;  // compiles a Lazy body at its first call (runtime/tiering.h)

// A constant expression. Wasm 2.0's are exactly one producing instruction,
// held in kind/value/index. With extended-const (i32/i64 add, sub and mul),
// a longer one has kind Extended and its instructions, in order, in `ops`
// (each a Value, RefFunc or GlobalGet, or an arithmetic Op): a small stack
// program that leaves one value.
struct ConstExpr {
  enum Kind : uint8_t { Value, RefFunc, GlobalGet, Extended } kind = Value;
  tern::Value value;   // for Value (including ref.null)
  uint32_t index = 0;  // function or global index
  enum class Op : uint8_t { None, I32Add, I32Sub, I32Mul, I64Add, I64Sub, I64Mul };
  Op op = Op::None;            // in `ops`: an arithmetic instruction (kind is then Value and ignored)
  std::vector<ConstExpr> ops;  // for Extended
};

struct Import {
  std::string module, name;
  ExternKind kind = ExternKind::Func;
  uint32_t func_type = 0;  // type index, for functions and tags
  TableType table;
  MemoryType memory;
  GlobalType global;
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::Func;
  uint32_t index = 0;
};

enum class SegmentMode : uint8_t { Active, Passive, Declarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::Active;
  ValType type = ValType::FuncRef;
  uint32_t table = 0;
  ConstExpr offset;
  std::vector<ConstExpr> items;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::Active;
  uint32_t memory = 0;
  ConstExpr offset;
  std::vector<uint8_t> bytes;
};

// Which tier runs a defined function. Decided per function in one place,
// src/runtime/tiering.cc (the only writer); read wherever a call chooses how
// to enter the function (the interpreter's calls, interp::invoke). A Lazy
// body moves to Interp or Jit once, at its first call (LazyCompiler, also in
// tiering.cc), and never back.
enum class FuncTier : uint8_t {
  None,    // validated only, or runnable by no tier (`unsupported` says why)
  Interp,  // `code`, in the interpreter
  Jit,     // machine code in ModuleData::jit; `code` stays null
  Lazy,    // validated; compiled at its first call (ModuleData::lazy)
  // (Jit and Lazy last: the interpreter's direct calls test tier >= Jit.)
  // Room for the states of tier-up.
};

// A module's binary, shared and never changed (what Module::serialize
// stores). Not a vector: compileFile reads the file straight into it, with
// no copy and no zero-filling first.
struct WasmBytes {
  std::shared_ptr<const uint8_t[]> data;
  size_t size = 0;
  std::span<const uint8_t> span() const { return {data.get(), size}; }
  static WasmBytes copy(std::span<const uint8_t> b) {
    auto p = std::make_shared_for_overwrite<uint8_t[]>(b.size());
    if (!b.empty()) std::memcpy(p.get(), b.data(), b.size());
    return {std::move(p), b.size()};
  }
};

struct FuncBody {
  FuncTier tier = FuncTier::None;
  uint32_t type_index = 0;
  std::vector<ValType> locals;  // declared locals, after the params
  size_t offset = 0;            // of the body in the module bytes
  size_t size = 0;
  std::shared_ptr<interp::Code> code;  // interpreter form; null if unsupported
  std::string unsupported;             // why the interpreter cannot run it
  std::string jit_failure;             // why the JIT left it to the interpreter
};

struct ModuleData {
  std::vector<FuncType> types;
  std::vector<Import> imports;
  uint32_t num_imported_funcs = 0, num_imported_tables = 0, num_imported_memories = 0, num_imported_globals = 0;
  std::vector<uint32_t> func_types;  // every function (imported first): type index
  std::vector<TableType> tables;     // every table
  std::vector<MemoryType> memories;  // every memory
  std::vector<GlobalType> globals;   // every global
  std::vector<uint32_t> tags;        // every tag (imported first): type index
  uint32_t num_imported_tags = 0;
  std::vector<ConstExpr> global_inits;  // defined globals only
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> data_count;
  std::vector<FuncBody> bodies;                          // defined functions
  std::vector<uint8_t> declared_refs;                    // function index may appear in ref.func (0 or 1)
  std::unordered_map<uint32_t, std::string> func_names;  // name section
  std::string module_name;
  std::string file_name;  // the file Module::compileFile read (no directory), for backtraces
  bool uses_simd = false;
  Features features;                    // the features it was decoded with (the validator gates instructions on them)
  std::shared_ptr<jit::JitModule> jit;  // null when the JIT is not used
  WasmBytes bytes;                      // the module's binary
  // Null unless some body is Lazy. Last, so that it goes first: its
  // background thread (Config::background_compilation) reads the rest of
  // the module, and ends when it goes.
  std::shared_ptr<LazyCompiler> lazy;

  const FuncType& funcType(uint32_t func_index) const { return types[func_types[func_index]]; }
  std::string funcName(uint32_t func_index) const;
};

}  // namespace tern
