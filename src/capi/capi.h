// Internal representation of the standard C API's objects (include/wasm.h).
//
// Type objects (wasm_valtype_t, wasm_functype_t, ...) are plain owned C++
// objects. Runtime objects are handles: every wasm_ref_t (and every struct
// derived from it: wasm_func_t, wasm_extern_t, wasm_trap_t, ...) points to a
// shared capi::Object that stands for the object's identity and carries its
// host info. A store keeps one Object per runtime object it has handed out,
// so two handles to the same function compare equal with wasm_func_same and
// see the same host info, however they were obtained.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/objects.h"
#include "tern/tern.hpp"
#include "wasm.h"

namespace tern::capi {

enum class Kind : uint8_t { Func, Global, Table, Memory, Instance, Module, Trap, Foreign };

struct Object {
  Kind kind;
  wasm_store_t* store = nullptr;  // null for objects that outlive stores (modules)
  void* ptr = nullptr;            // the tern object: Func*, Global*, Table*, Memory*, Instance*
  void* host_info = nullptr;
  void (*host_finalizer)(void*) = nullptr;

  Object(Kind k, wasm_store_t* s, void* p) : kind(k), store(s), ptr(p) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
  virtual ~Object();

  tern::Func* func() const { return static_cast<tern::Func*>(ptr); }
  tern::Global* global() const { return static_cast<tern::Global*>(ptr); }
  tern::Table* table() const { return static_cast<tern::Table*>(ptr); }
  tern::Memory* memory() const { return static_cast<tern::Memory*>(ptr); }
  tern::Instance* instance() const { return static_cast<tern::Instance*>(ptr); }
};

struct ModuleObject : Object {
  std::shared_ptr<tern::Module> module;
  explicit ModuleObject(std::shared_ptr<tern::Module> m)
      : Object(Kind::Module, nullptr, m.get()), module(std::move(m)) {}
};

struct FrameInfo {
  std::shared_ptr<Object> instance;  // may be null when the instance is unknown
  uint32_t func_index = 0;
  size_t func_offset = 0;
  size_t module_offset = 0;
};

struct TrapObject : Object {
  std::string message;            // without a terminating NUL
  std::vector<FrameInfo> frames;  // innermost first
  // What raised it, for traps that come from running code (tern_trap_kind);
  // empty for traps made by wasm_trap_new or for a misused API call.
  std::optional<tern::TrapKind> kind;
  int exit_code = 0;  // kind Exit: the guest's status
  TrapObject(wasm_store_t* s, std::string msg) : Object(Kind::Trap, s, nullptr), message(std::move(msg)) {}
};

bool isExternKind(Kind k);
wasm_externkind_t externKindOf(Kind k);
Kind kindOf(tern::ExternKind k);
// The tern extern an Object of an extern kind stands for (empty otherwise).
tern::Extern toExtern(const Object& o);

// A new handle of the most derived type for `obj` (wasm_func_t for a
// function, ...), returned as its wasm_ref_t base.
wasm_ref_t* newHandle(std::shared_ptr<Object> obj);
template <class H>
H* newHandleAs(std::shared_ptr<Object> obj) {
  return static_cast<H*>(newHandle(std::move(obj)));
}
void deleteHandle(wasm_ref_t* h);

// Type conversions between tern and the C API.
wasm_valkind_t toValKind(tern::ValType t);
bool fromValKind(wasm_valkind_t k, tern::ValType* out);
wasm_limits_t toLimits(const tern::Limits& l);
tern::Limits fromLimits(const wasm_limits_t& l);
wasm_functype_t* newFuncType(const tern::FuncType& t);
bool fromFuncType(const wasm_functype_t* t, tern::FuncType* out);
wasm_externtype_t* newExternType(const tern::ExternType& t);
void setName(wasm_name_t* out, const std::string& s);

// Value conversions. toValue checks that `v` has type `want`; a reference
// handed to wasm as externref is kept alive by the store.
bool toValue(wasm_store_t* store, const wasm_val_t& v, tern::ValType want, tern::Value* out, std::string* err);
// Writes an owned wasm_val_t (a reference becomes a new handle).
void fromValue(wasm_store_t* store, const tern::Value& v, wasm_val_t* out);

// Traps
wasm_trap_t* newTrap(wasm_store_t* store, std::string message);
// A trap from tern with its frames as (instance, function index, offsets).
// `hint` (the called function's instance) is not needed any more: tern's
// frames name their instances.
wasm_trap_t* newTrapFrom(wasm_store_t* store, const tern::Trap& trap, const tern::Instance* hint);

// Instantiates `module` in `store`, with `imports` holding one extern per
// module import, in order. On failure returns null and sets either *trap
// (instantiation trapped: a segment out of bounds, the start function) or
// *error (everything else, e.g. a missing or mistyped import).
wasm_instance_t* instantiate(wasm_store_t* store, const wasm_module_t* module, const wasm_extern_vec_t* imports,
                             wasm_trap_t** trap, tern::Error* error);

}  // namespace tern::capi

// ---------------------------------------------------------------------------
// The C API's opaque structs.

struct wasm_config_t {
  tern::Config config;
};

struct wasm_engine_t {
  tern::Engine engine;
  explicit wasm_engine_t(tern::Config c) : engine(c) {}
};

struct wasm_store_t {
  wasm_engine_t* engine;
  std::unique_ptr<tern::Store> store;
  // Identity of each runtime object handed out so far, by tern pointer.
  std::unordered_map<const void*, std::shared_ptr<tern::capi::Object>> objects;
  // Objects passed into wasm as externref: the value's bits are the Object*.
  std::unordered_map<const tern::capi::Object*, std::shared_ptr<tern::capi::Object>> externrefs;
  // State that the store's host functions use and that must live as long as
  // they can be called, e.g. a wasi_env_t's WASI context (wasi.h). Released
  // after the runtime objects.
  std::vector<std::shared_ptr<void>> attachments;

  explicit wasm_store_t(wasm_engine_t* e);
  ~wasm_store_t();

  // The Object for a store-owned tern object, created on first use.
  std::shared_ptr<tern::capi::Object> objectFor(tern::capi::Kind kind, void* ptr);
};

struct wasm_ref_t {
  std::shared_ptr<tern::capi::Object> obj;
  tern::capi::Kind kind() const { return obj->kind; }
};
struct wasm_extern_t : wasm_ref_t {};
struct wasm_func_t : wasm_extern_t {};
struct wasm_global_t : wasm_extern_t {};
struct wasm_table_t : wasm_extern_t {};
struct wasm_memory_t : wasm_extern_t {};
struct wasm_instance_t : wasm_ref_t {};
struct wasm_module_t : wasm_ref_t {
  tern::capi::ModuleObject& module() const { return static_cast<tern::capi::ModuleObject&>(*obj); }
};
struct wasm_trap_t : wasm_ref_t {
  tern::capi::TrapObject& trap() const { return static_cast<tern::capi::TrapObject&>(*obj); }
};
struct wasm_foreign_t : wasm_ref_t {};

struct wasm_shared_module_t {
  std::shared_ptr<tern::Module> module;
};

struct wasm_frame_t {
  tern::capi::FrameInfo info;
  wasm_instance_t* instance = nullptr;  // owned handle for wasm_frame_instance
  explicit wasm_frame_t(tern::capi::FrameInfo i);
  ~wasm_frame_t();
};

// Type objects
struct wasm_valtype_t {
  wasm_valkind_t kind;
};

struct wasm_externtype_t {
  wasm_externkind_t kind;
  explicit wasm_externtype_t(wasm_externkind_t k) : kind(k) {}
  wasm_externtype_t(const wasm_externtype_t&) = delete;
  wasm_externtype_t& operator=(const wasm_externtype_t&) = delete;
  virtual ~wasm_externtype_t() = default;
};

struct wasm_functype_t : wasm_externtype_t {
  wasm_valtype_vec_t params;   // owned
  wasm_valtype_vec_t results;  // owned
  wasm_functype_t(wasm_valtype_vec_t p, wasm_valtype_vec_t r)
      : wasm_externtype_t(WASM_EXTERN_FUNC), params(p), results(r) {}
  ~wasm_functype_t() override;
};

struct wasm_globaltype_t : wasm_externtype_t {
  wasm_valtype_t* content;  // owned
  wasm_mutability_t mutability;
  wasm_globaltype_t(wasm_valtype_t* c, wasm_mutability_t m)
      : wasm_externtype_t(WASM_EXTERN_GLOBAL), content(c), mutability(m) {}
  ~wasm_globaltype_t() override;
};

struct wasm_tabletype_t : wasm_externtype_t {
  wasm_valtype_t* element;  // owned
  wasm_limits_t limits;
  wasm_tabletype_t(wasm_valtype_t* e, wasm_limits_t l) : wasm_externtype_t(WASM_EXTERN_TABLE), element(e), limits(l) {}
  ~wasm_tabletype_t() override;
};

struct wasm_memorytype_t : wasm_externtype_t {
  wasm_limits_t limits;   // as wasm.h has them: 32 bits, clamped
  tern::MemoryType type;  // the whole type: 64-bit limits, is64 (tern_memorytype_*)
  explicit wasm_memorytype_t(const tern::MemoryType& t)
      : wasm_externtype_t(WASM_EXTERN_MEMORY), limits(tern::capi::toLimits(t.limits)), type(t) {}
};

struct wasm_importtype_t {
  wasm_name_t module;       // owned
  wasm_name_t name;         // owned
  wasm_externtype_t* type;  // owned
  ~wasm_importtype_t();
};

struct wasm_exporttype_t {
  wasm_name_t name;         // owned
  wasm_externtype_t* type;  // owned
  ~wasm_exporttype_t();
};
