// The runtime objects as the tiers see them. include/tern/tern.hpp shows
// embedders only methods: each public class (Func, Memory, Table, Global,
// Instance, Caller, Module) is an empty base, and the object behind it is
// the final struct here that derives from it, so a public pointer and the
// internal one are the same address and converting costs nothing (one
// helper per kind below; also what makes a funcref's bits, stored from
// either pointer, mean the same object). Engine and Store, which embedders
// construct, keep their state behind a pimpl (Engine::Impl in runtime.cc,
// Store::Impl here).
//
// Internal code holds and stores these types; it converts at the API
// boundary only. JIT code reads some of their members directly (offsetof
// in jit/x64, Ctx fields in jit/jit.h): those types stay standard-layout.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "module/module.h"
#include "tern/tern.hpp"

namespace tern {

struct ModuleInst;

struct FuncInst final : Func {
  Store::Impl* store_ = nullptr;
  uint32_t type_id_ = 0;            // Engine::internType
  ModuleInst* instance_ = nullptr;  // null for host functions
  uint32_t index_ = 0;              // function index in instance_'s module
  HostFn host_;
};

struct MemoryInst final : Memory {
  MemoryInst() = default;
  ~MemoryInst();  // hands the reservation back to the engine's pool
  MemoryInst(const MemoryInst&) = delete;
  MemoryInst& operator=(const MemoryInst&) = delete;

  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint64_t reserved_ = 0;   // bytes of address space reserved at base_
  uint64_t committed_ = 0;  // bytes at base_ that are readable and writable
  Limits limits_;
  bool is64_ = false;  // memory64: i64 addresses, grows up to its reservation (no guard region is needed)
  Store::Impl* store_ = nullptr;
};
static_assert(std::is_standard_layout_v<MemoryInst>, "JIT code uses offsetof(MemoryInst, base_ / size_)");

struct TableInst final : Table {
  ValType elem_ = ValType::FuncRef;
  Limits limits_;
  std::vector<uintptr_t> elems_;  // references as raw pointers (0 = null)
  Store::Impl* store_ = nullptr;
};

struct GlobalInst final : Global {
  ValType type_ = ValType::I32;
  bool mut_ = false;
  uint64_t bits_ = 0;  // read and written by JIT code at offsetof(GlobalInst, bits_)
  uint64_t hi_ = 0;
  Store::Impl* store_ = nullptr;
};
static_assert(std::is_standard_layout_v<GlobalInst>, "JIT code uses offsetof(GlobalInst, bits_)");

struct TagInst final : Tag {
  FuncType type_;
  std::string name_;  // Tag::name
  Store::Impl* store_ = nullptr;
};

// A compiled module: what a std::shared_ptr<Module> points at.
struct CompiledModule final : Module {
  CompiledModule(Engine& e, std::unique_ptr<ModuleData> d) : engine_(&e), data_(std::move(d)) {}
  const ModuleData& data() const { return *data_; }

  Engine* engine_;
  std::unique_ptr<ModuleData> data_;
};

// The spec's "module instance": what an Instance* points at.
struct ModuleInst final : Instance {
  std::shared_ptr<const CompiledModule> module_;
  Store::Impl* store_ = nullptr;
  std::vector<FuncInst*> funcs_;
  std::vector<TableInst*> tables_;
  std::vector<MemoryInst*> memories_;
  std::vector<GlobalInst*> globals_;
  std::vector<TagInst*> tags_;                 // imported first, like every index space
  std::vector<uint32_t> type_ids_;             // module type index -> engine type id
  std::vector<std::vector<uintptr_t>> elems_;  // element segments (cleared on elem.drop)
  std::vector<uint8_t> data_dropped_;          // bytes, not bits: vector<bool> costs a KB of code
};

// What a host function receives as its Caller.
struct CallerInst final : Caller {
  ModuleInst* instance_ = nullptr;  // null when called directly (Func::call)
  Store::Impl* store_ = nullptr;
};

struct Store::Impl {
  Impl(Store& self, Engine& engine);
  Engine& engine() const { return *engine_; }

  FuncInst* newHostFunc(const FuncType& type, HostFn fn, std::string debug_name);
  Expected<MemoryInst*> newMemory(MemoryType type);
  TableInst* newTable(TableType type, Value init);
  GlobalInst* newGlobal(GlobalType type, Value init);
  TagInst* newTag(FuncType type, std::string name);
  TagInst* newTag(const ModuleData& m, uint32_t tag_index);  // a module's own tag, named after its export
  Expected<Instance*> instantiate(const std::shared_ptr<Module>& module, const std::vector<Extern>& imports);

  Store* self_;  // the embedder's Store (Caller::store)
  Engine* engine_;
  const std::atomic<uint64_t>* epoch_;  // the engine's epoch, read at interruption checks
  StoreLimits limits_;
  uint64_t memory_bytes_ = 0, table_elements_ = 0;
  // Tern's own bound on the elements of all of the store's tables together
  // (8 bytes each), whatever StoreLimits allows: neither a few bytes of
  // table declarations nor a table.grow loop may exhaust the host.
  static constexpr uint64_t kMaxTableElements = 10'000'000;
  // How many more table elements the store may hold.
  uint64_t tableRoom() const {
    uint64_t cap = std::min(limits_.table_elements, kMaxTableElements);
    return cap - std::min(table_elements_, cap);
  }
  uint64_t epoch_deadline_ = UINT64_MAX;
  int64_t fuel_ = INT64_MAX;
  std::vector<std::unique_ptr<FuncInst>> funcs_;
  std::vector<std::unique_ptr<MemoryInst>> memories_;
  std::vector<std::unique_ptr<TableInst>> tables_;
  std::vector<std::unique_ptr<GlobalInst>> globals_;
  std::vector<std::unique_ptr<TagInst>> tags_;
  std::vector<std::unique_ptr<ModuleInst>> instances_;
  std::map<const FuncInst*, std::string> host_names_;
  // The exceptions that exnrefs name (runtime/exceptions.cc): an exnref is
  // a bare address in a slot, global or table, so the store holds each
  // exception a catch_ref or catch_all_ref caught until the store ends.
  std::unordered_map<const WasmException*, std::shared_ptr<const WasmException>> exnrefs_;
  uint64_t exnRef(const std::shared_ptr<const WasmException>& exn);
  // The trap that throws exnref `ref` again (the same exception), or a
  // null-reference trap.
  Trap throwRef(uint64_t ref) const;
};

inline Store::Impl& implOf(Store& store) { return *store.impl_; }

// The trap that carries `exn` out of Wasm code (Trap::raise makes one;
// rethrow passes on the one a catch clause holds).
Trap exceptionTrap(std::shared_ptr<const WasmException> exn);

// The API boundary: public pointer -> internal object. Null stays null.
inline FuncInst* funcInst(Func* f) { return static_cast<FuncInst*>(f); }
inline const FuncInst* funcInst(const Func* f) { return static_cast<const FuncInst*>(f); }
inline MemoryInst* memoryInst(Memory* m) { return static_cast<MemoryInst*>(m); }
inline const MemoryInst* memoryInst(const Memory* m) { return static_cast<const MemoryInst*>(m); }
inline TableInst* tableInst(Table* t) { return static_cast<TableInst*>(t); }
inline const TableInst* tableInst(const Table* t) { return static_cast<const TableInst*>(t); }
inline GlobalInst* globalInst(Global* g) { return static_cast<GlobalInst*>(g); }
inline const GlobalInst* globalInst(const Global* g) { return static_cast<const GlobalInst*>(g); }
inline TagInst* tagInst(Tag* t) { return static_cast<TagInst*>(t); }
inline const TagInst* tagInst(const Tag* t) { return static_cast<const TagInst*>(t); }
inline ModuleInst* moduleInst(Instance* i) { return static_cast<ModuleInst*>(i); }
inline const ModuleInst* moduleInst(const Instance* i) { return static_cast<const ModuleInst*>(i); }
inline const CompiledModule& compiledModule(const Module& m) { return static_cast<const CompiledModule&>(m); }
inline const ModuleData& moduleData(const Module& m) { return compiledModule(m).data(); }

}  // namespace tern
