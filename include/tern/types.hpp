// Tern public C++ API: the value types every part of it uses (value and
// function types, values, errors, traps, Expected, feature switches). tern/tern.hpp includes
// this; the runtime's internal headers include only this when they need no
// more of the API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tern {

// ---------------------------------------------------------------------------
// Types
// WebAssembly features beyond Wasm 2.0, each switched on or off per engine
// (`tern -W NAME[=y|n]`, as wasmtime spells them). A module that uses a
// feature that is off is rejected at the instruction or section that uses it
// ("... requires -W NAME"). The defaults follow wasmtime's rule: a feature is
// on once it is standardized and Tern runs it on every tier; memory64 and
// exceptions stay opt-in as in wasmtime. A feature Tern does not implement
// yet cannot be switched on (Features::set says so).
struct Features {
  bool extended_const = true;  // i32/i64 add, sub, mul in constant expressions
  bool tail_call = true;       // return_call, return_call_indirect
  bool multi_memory = true;    // several memories per module
  bool memory64 = false;       // 64-bit memories (i64 addresses)
  bool exceptions = false;     // tags, throw, try/catch/delegate, rethrow; try_table, throw_ref, exnref

  // Applies one switch, "NAME", "NAME=y" or "NAME=n" (also "=yes/no",
  // "=true/false"), or several separated by commas; the name "all" stands
  // for every feature ("all=n": Wasm 2.0 only; "all=y": every feature Tern
  // implements). Returns the error text for an unknown name, a bad value or a
  // feature not implemented yet.
  std::optional<std::string> set(std::string_view spec);
  // "extended-const tail-call ...": the feature names (without "all").
  static const char* names();
  static bool known(std::string_view name);
  bool operator==(const Features&) const = default;
};

enum class ValType : uint8_t {
  I32 = 0x7f,
  I64 = 0x7e,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b,
  FuncRef = 0x70,
  ExternRef = 0x6f,
  ExnRef = 0x69,  // a caught Wasm exception (the exceptions feature), an opaque handle
};
const char* valTypeName(ValType t);
inline bool isRefType(ValType t) { return t == ValType::FuncRef || t == ValType::ExternRef || t == ValType::ExnRef; }

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
  std::string toString() const;  // "(i32, i64) -> (f32)"
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool operator==(const Limits&) const = default;
};

enum class ExternKind : uint8_t { Func = 0, Table = 1, Memory = 2, Global = 3, Tag = 4 };
const char* externKindName(ExternKind k);

struct TableType {
  ValType elem = ValType::FuncRef;
  Limits limits;
};
struct MemoryType {
  Limits limits;      // in 64 KiB pages
  bool is64 = false;  // memory64: addresses, sizes and limits are i64
  bool operator==(const MemoryType&) const = default;
};
struct GlobalType {
  ValType type = ValType::I32;
  bool mut = false;
};

struct ExternType {
  ExternKind kind = ExternKind::Func;
  FuncType func;  // a function's type, or a tag's (its params are the exception's values; no results)
  TableType table;
  MemoryType memory;
  GlobalType global;
  std::string toString() const;
};

class Func;
class Table;
class Memory;
class Global;
class Tag;
class Instance;
class Store;

// ---------------------------------------------------------------------------
// Values
struct WasmException;

struct V128 {
  uint64_t lo = 0, hi = 0;
  bool operator==(const V128&) const = default;
};

struct Value {
  ValType type = ValType::I32;
  // Scalars live in `bits` (floats as their IEEE bit pattern, so NaN payloads
  // survive); v128 in `bits` (low half) and `hi`; references as a pointer in
  // `bits`, 0 meaning null.
  uint64_t bits = 0;
  uint64_t hi = 0;

  static Value i32(int32_t v) { return {ValType::I32, uint32_t(v), 0}; }
  static Value i64(int64_t v) { return {ValType::I64, uint64_t(v), 0}; }
  static Value f32(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    return {ValType::F32, b, 0};
  }
  static Value f64(double v) {
    uint64_t b;
    std::memcpy(&b, &v, 8);
    return {ValType::F64, b, 0};
  }
  static Value f32Bits(uint32_t b) { return {ValType::F32, b, 0}; }
  static Value f64Bits(uint64_t b) { return {ValType::F64, b, 0}; }
  static Value v128(V128 v) { return {ValType::V128, v.lo, v.hi}; }
  static Value funcref(Func* f) { return {ValType::FuncRef, uint64_t(uintptr_t(f)), 0}; }
  static Value externref(void* p) { return {ValType::ExternRef, uint64_t(uintptr_t(p)), 0}; }
  // An exnref is the address of the exception it holds; its store keeps the
  // exception alive (Store::rethrow raises it again, with its identity).
  static Value exnref(const WasmException* e) { return {ValType::ExnRef, uint64_t(uintptr_t(e)), 0}; }
  static Value nullRef(ValType t) { return {t, 0, 0}; }
  static Value zero(ValType t) { return {t, 0, 0}; }

  int32_t asI32() const { return int32_t(uint32_t(bits)); }
  int64_t asI64() const { return int64_t(bits); }
  uint32_t asF32Bits() const { return uint32_t(bits); }
  uint64_t asF64Bits() const { return bits; }
  float asF32() const {
    uint32_t b = uint32_t(bits);
    float f;
    std::memcpy(&f, &b, 4);
    return f;
  }
  double asF64() const {
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  V128 asV128() const { return {bits, hi}; }
  Func* asFuncRef() const { return reinterpret_cast<Func*>(uintptr_t(bits)); }
  void* asExternRef() const { return reinterpret_cast<void*>(uintptr_t(bits)); }
  const WasmException* asExnRef() const { return reinterpret_cast<const WasmException*>(uintptr_t(bits)); }
  bool isNull() const { return bits == 0; }
  std::string toString() const;
};

// ---------------------------------------------------------------------------
// Errors and traps
enum class ErrorKind : uint8_t {
  Malformed,    // the binary cannot be decoded
  Invalid,      // decoded, but fails validation
  Link,         // an import cannot be satisfied
  Trap,         // instantiation trapped (start function, segment out of bounds)
  Io,           // file or stream problem
  Unsupported,  // a feature this build cannot run
};

enum class TrapKind : uint8_t {
  Unreachable,
  IntDivByZero,
  IntOverflow,
  InvalidConversion,
  MemoryOutOfBounds,
  TableOutOfBounds,
  UndefinedElement,
  UninitializedElement,
  IndirectCallTypeMismatch,
  CallStackExhausted,
  NullReference,
  Interrupted,        // the store's epoch deadline passed
  OutOfFuel,          // the store's fuel ran out
  Host,               // raised by a host function (a returned or thrown tern::Trap)
  HostException,      // a host function threw a C++ exception (see HostFn)
  Exit,               // WASI proc_exit: not an error, carries exit_code
  UncaughtException,  // a Wasm exception no handler caught: Trap::wasm_exception holds it
};
// The last enumerator: trapKindName(TrapKind(i)) names every i up to it.
inline constexpr TrapKind kLastTrapKind = TrapKind::UncaughtException;
// A stable identifier for the kind, lowercase words joined by hyphens
// ("unreachable", "memory-out-of-bounds", "host-exception", ...): for logs,
// metrics and tests, where trapMessage's text is for people. An out-of-range
// value gives "unknown".
const char* trapKindName(TrapKind k);
const char* trapMessage(TrapKind k);  // the spec's text

// One frame of a trap's backtrace.
struct TrapFrame {
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t func_index = kNone;         // in its module, imports counted; kNone for a host function
  uint32_t module_offset = kNone;      // byte offset in the module file of the instruction that
                                       // trapped (innermost frame) or of the call (outer frames)
  uint32_t func_offset = kNone;        // the same, from the start of the function's body
  std::string name;                    // name section, else export name, else empty; as written (maybe mangled)
  std::string module;                  // the module's file name (Module::compileFile), else its name-section name
  const Instance* instance = nullptr;  // where it ran (null for a host function); valid while its Store lives
  bool host() const { return func_index == kNone; }
  // The name for people: demangled (C++, Rust), else "wasm-function[N]".
  std::string label() const;
};

// A WebAssembly exception (the exceptions feature): the tag it was thrown
// with and its values, one per param of the tag's type.
struct WasmException {
  Tag* tag = nullptr;
  std::vector<Value> values;
};

struct Trap {
  TrapKind kind = TrapKind::Unreachable;
  std::string message;                 // spec text, or the host's message
  std::vector<std::string> backtrace;  // innermost first, Wasm function names
  int exit_code = 0;                   // for TrapKind::Exit
  // For TrapKind::HostException: the exception itself, so an embedder can
  // std::rethrow_exception it on its side of the call.
  std::exception_ptr exception = nullptr;
  std::vector<TrapFrame> frames;  // innermost first: the backtrace as data
  // For TrapKind::UncaughtException: the exception. A host function raises
  // one with Trap::raise (returned or thrown); Wasm code can catch it.
  std::shared_ptr<const WasmException> wasm_exception;
  static Trap make(TrapKind k) { return of(k, trapMessage(k)); }
  static Trap host(std::string msg) { return of(TrapKind::Host, std::move(msg)); }
  // A Wasm exception of `tag` with `values` (their types must be the tag's
  // params); its message names the tag (Tag::name).
  static Trap raise(Tag* tag, std::vector<Value> values);
  static Trap exit(int code) {
    Trap t = of(TrapKind::Exit, "exit");
    t.exit_code = code;
    return t;
  }
  std::string toString() const;  // message plus backtrace, multi-line
  // The backtrace for people, one "  at NAME (MODULE+0xOFFSET)" line per
  // frame, innermost first; long runs of one function are folded (see
  // formatBacktrace). Without the message.
  std::string format() const;

 private:
  // Member by member, so that adding a member warns nowhere
  // (-Wmissing-field-initializers).
  static Trap of(TrapKind k, std::string msg) {
    Trap t;
    t.kind = k;
    t.message = std::move(msg);
    return t;
  }
};

// Formats frames as Trap::format does. A run of more than `fold_after` + 6
// frames of one function shows its first `fold_after` frames, then
// "  ... 9,990 more frames of NAME"; past `max_lines` lines the middle of the
// trace is elided, the outermost frames (_start, main) always stay.
std::string formatBacktrace(std::span<const TrapFrame> frames, size_t fold_after = 10, size_t max_lines = 100);

struct Error {
  ErrorKind kind = ErrorKind::Malformed;
  std::string message;
  size_t offset = SIZE_MAX;  // byte offset in the module, when known
  std::optional<Trap> trap;  // kind Trap: the trap itself (e.g. a start function's proc_exit)
  std::string toString() const;
};

template <class T, class E = Error>
class [[nodiscard]] Expected {
 public:
  Expected(T v) : v_(std::in_place_index<0>, std::move(v)) {}
  Expected(E e) : v_(std::in_place_index<1>, std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  E& error() { return std::get<1>(v_); }
  const E& error() const { return std::get<1>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, E> v_;
};

}  // namespace tern
