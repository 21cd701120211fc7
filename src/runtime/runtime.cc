// Engine, Module, Store, Instance and the runtime objects: the public
// methods, each converting to the internal object (runtime/objects.h) at
// its first line, and the store's creation and instantiation.
#include <algorithm>
#include <cinttypes>
#include <deque>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <unordered_map>

#include "base/errors.h"
#include "decode/module_decoder.h"
#include "interp/interp.h"
#include "interp/lower.h"
#include "module/module.h"
#include "platform/platform.h"
#include "runtime/objects.h"
#include "runtime/ops.h"
#include "runtime/serialize.h"
#include "runtime/tiering.h"
#include "tern/tern.hpp"

namespace tern {

#ifndef TERN_VERSION
#define TERN_VERSION "0.1.0"
#endif

const char* versionString() { return TERN_VERSION; }

// ---------------------------------------------------------------------------
// Names and messages

const char* valTypeName(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
    case ValType::ExnRef: return "exnref";
  }
  return "?";
}

const char* externKindName(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return "func";
    case ExternKind::Table: return "table";
    case ExternKind::Memory: return "memory";
    case ExternKind::Global: return "global";
    case ExternKind::Tag: return "tag";
  }
  return "?";
}

std::string FuncType::toString() const {
  std::string s = "(";
  for (size_t i = 0; i < params.size(); ++i) s += (i ? ", " : "") + std::string(valTypeName(params[i]));
  s += ") -> (";
  for (size_t i = 0; i < results.size(); ++i) s += (i ? ", " : "") + std::string(valTypeName(results[i]));
  return s + ")";
}

static std::string limitsString(const Limits& l) {
  std::string s = std::to_string(l.min);
  if (l.max) s += ".." + std::to_string(*l.max);
  return s;
}

std::string ExternType::toString() const {
  switch (kind) {
    case ExternKind::Func: return "func " + func.toString();
    case ExternKind::Table: return std::string("table ") + valTypeName(table.elem) + " " + limitsString(table.limits);
    case ExternKind::Memory: return std::string("memory ") + (memory.is64 ? "i64 " : "") + limitsString(memory.limits);
    case ExternKind::Global: return std::string("global ") + (global.mut ? "mut " : "") + valTypeName(global.type);
    case ExternKind::Tag: return "tag " + func.toString();
  }
  return "?";
}

std::string Value::toString() const {
  char buf[64];
  switch (type) {
    case ValType::I32: std::snprintf(buf, sizeof buf, "i32:%" PRId32, asI32()); break;
    case ValType::I64: std::snprintf(buf, sizeof buf, "i64:%" PRId64, asI64()); break;
    case ValType::F32: std::snprintf(buf, sizeof buf, "f32:%.9g", double(asF32())); break;
    case ValType::F64: std::snprintf(buf, sizeof buf, "f64:%.17g", asF64()); break;
    case ValType::V128: std::snprintf(buf, sizeof buf, "v128:0x%016" PRIx64 "%016" PRIx64, hi, bits); break;
    case ValType::FuncRef:
    case ValType::ExternRef:
    case ValType::ExnRef:
      if (isNull()) std::snprintf(buf, sizeof buf, "%s:null", valTypeName(type));
      else std::snprintf(buf, sizeof buf, "%s:0x%" PRIx64, valTypeName(type), bits);
      break;
  }
  return buf;
}

std::string Error::toString() const {
  std::string s;
  if (offset != SIZE_MAX) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "at offset 0x%zx: ", offset);
    s = buf;
  }
  return s + message;
}

const char* trapMessage(TrapKind k) {
  switch (k) {
    case TrapKind::Unreachable: return "unreachable";
    case TrapKind::IntDivByZero: return "integer divide by zero";
    case TrapKind::IntOverflow: return "integer overflow";
    case TrapKind::InvalidConversion: return "invalid conversion to integer";
    case TrapKind::MemoryOutOfBounds: return "out of bounds memory access";
    case TrapKind::TableOutOfBounds: return "out of bounds table access";
    case TrapKind::UndefinedElement: return "undefined element";
    case TrapKind::UninitializedElement: return "uninitialized element";
    case TrapKind::IndirectCallTypeMismatch: return "indirect call type mismatch";
    case TrapKind::CallStackExhausted: return "call stack exhausted";
    case TrapKind::NullReference: return "null reference";
    case TrapKind::Interrupted: return "interrupted";
    case TrapKind::OutOfFuel: return "all fuel consumed";
    case TrapKind::Host: return "host trap";
    case TrapKind::HostException: return "host function threw an exception";
    case TrapKind::Exit: return "exit";
    case TrapKind::UncaughtException: return "uncaught exception";
  }
  return "trap";
}

// No default: a kind added without a name here is a compiler warning, and
// the api test checks that every kind up to kLastTrapKind has its own name.
const char* trapKindName(TrapKind k) {
  switch (k) {
    case TrapKind::Unreachable: return "unreachable";
    case TrapKind::IntDivByZero: return "int-div-by-zero";
    case TrapKind::IntOverflow: return "int-overflow";
    case TrapKind::InvalidConversion: return "invalid-conversion";
    case TrapKind::MemoryOutOfBounds: return "memory-out-of-bounds";
    case TrapKind::TableOutOfBounds: return "table-out-of-bounds";
    case TrapKind::UndefinedElement: return "undefined-element";
    case TrapKind::UninitializedElement: return "uninitialized-element";
    case TrapKind::IndirectCallTypeMismatch: return "indirect-call-type-mismatch";
    case TrapKind::CallStackExhausted: return "call-stack-exhausted";
    case TrapKind::NullReference: return "null-reference";
    case TrapKind::Interrupted: return "interrupted";
    case TrapKind::OutOfFuel: return "out-of-fuel";
    case TrapKind::Host: return "host";
    case TrapKind::HostException: return "host-exception";
    case TrapKind::Exit: return "exit";
    case TrapKind::UncaughtException: return "uncaught-exception";
  }
  return "unknown";
}

std::string Trap::toString() const {
  std::string s = message;
  if (!frames.empty()) {
    std::string bt = format();
    bt.pop_back();  // the last newline
    return s + "\n" + bt;
  }
  for (const std::string& f : backtrace) s += "\n  at " + f;
  return s;
}

// ---------------------------------------------------------------------------
// Engine

struct Engine::Impl {
  explicit Impl(const Config& c) : config(c) {}
#ifndef TERN_MINIMAL
  ~Impl() {
    for (const PoolEntry& e : pool) platform::release(e.base, e.bytes);
  }
#endif
  // Linear-memory reservations are recycled, so instantiation does not pay
  // for mmap/munmap/mprotect each time. A small recycled reservation comes
  // back zeroed with its first `*committed` bytes still readable and
  // writable.
  void* takeReservation(uint64_t bytes, uint64_t* committed);
  void returnReservation(void* base, uint64_t bytes, uint64_t committed);

  const Config config;
  std::atomic<uint64_t> epoch{0};

  std::mutex types_mu;
  std::deque<FuncType> types;  // a deque: references from typeOf() stay valid as types are added
  std::unordered_map<std::string, uint32_t> type_ids;

  // Recycled reservations, so reuse asks the OS for no new mapping: a large
  // one is decommitted when handed back (its pages return to no-access), a
  // small one keeps its pages and contents until takeReservation zeroes them.
  struct PoolEntry {
    void* base;
    uint64_t bytes, committed;
  };
  std::mutex pool_mu;
  std::vector<PoolEntry> pool;
  static constexpr size_t kPoolMax = 64;
  // Up to this much of a returned memory is kept committed (and zeroed when
  // reused); larger ones are decommitted (cheaper than zeroing them).
  static constexpr uint64_t kKeepCommitted = 1 << 20;
};

Engine::Impl& implOf(Engine& engine) { return *engine.impl_; }

Engine::Engine(Config c) : impl_(std::make_unique<Impl>(c)) {}
Engine::~Engine() = default;

const Config& Engine::config() const { return impl_->config; }
void Engine::incrementEpoch() { impl_->epoch.fetch_add(1, std::memory_order_relaxed); }
uint64_t Engine::epoch() const { return impl_->epoch.load(std::memory_order_relaxed); }

#ifndef TERN_MINIMAL
void* Engine::Impl::takeReservation(uint64_t bytes, uint64_t* committed) {
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    for (size_t i = 0; i < pool.size(); ++i) {
      if (pool[i].bytes == bytes) {
        PoolEntry e = pool[i];
        pool[i] = pool.back();
        pool.pop_back();
        *committed = e.committed;
        // Zeroed when reused, not when handed back: the last reservations
        // of an engine are released unused (`tern run`'s memory at exit).
        std::memset(e.base, 0, e.committed);
        return e.base;
      }
    }
  }
  *committed = 0;
  return platform::reserve(bytes);
}

void Engine::Impl::returnReservation(void* base, uint64_t bytes, uint64_t committed) {
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    if (pool.size() >= kPoolMax) {
      platform::release(base, bytes);
      return;
    }
  }
  if (committed > kKeepCommitted) {
    if (!platform::decommit(base, committed)) {
      platform::release(base, bytes);
      return;
    }
    committed = 0;
  }
  std::lock_guard<std::mutex> lock(pool_mu);
  pool.push_back(PoolEntry{base, bytes, committed});
}
#endif  // TERN_MINIMAL

uint32_t Engine::internType(const FuncType& t) {
  std::string key;
  for (ValType v : t.params) key.push_back(char(v));
  key.push_back(':');
  for (ValType v : t.results) key.push_back(char(v));
  std::lock_guard<std::mutex> lock(impl_->types_mu);
  auto [it, inserted] = impl_->type_ids.emplace(key, uint32_t(impl_->types.size()));
  if (inserted) impl_->types.push_back(t);
  return it->second;
}

const FuncType& Engine::typeOf(uint32_t id) const {
  std::lock_guard<std::mutex> lock(impl_->types_mu);
  return impl_->types[id];
}

// ---------------------------------------------------------------------------
// Module

Engine& Module::engine() const { return *compiledModule(*this).engine_; }

Expected<std::shared_ptr<Module>> finishModule(Engine& engine, ModuleDecoder& dec, const std::string& path,
                                               WasmBytes bytes) {
  if (!dec.finish()) return dec.toError();
  std::unique_ptr<ModuleData> md = dec.take();
  md->file_name = path.substr(path.find_last_of('/') + 1);
  md->bytes = std::move(bytes);
  for (size_t i = 0; i < md->bodies.size(); ++i) {
    if (md->bodies[i].tier == FuncTier::None) {
      Error e;
      e.kind = ErrorKind::Unsupported;
      e.offset = md->bodies[i].offset;
      e.message = "function " + md->funcName(uint32_t(i + md->num_imported_funcs)) + ": " + md->bodies[i].unsupported;
      return e;
    }
  }
  return std::shared_ptr<Module>(std::make_shared<CompiledModule>(engine, std::move(md)));
}

Expected<std::shared_ptr<Module>> compileBytes(Engine& engine, std::span<const uint8_t> bytes, const std::string& path,
                                               bool lazy) {
  Tiering tiering(engine.config(), lazy);
  ModuleDecoder dec(tiering, engine.config().features);
  dec.feedWhole(bytes);
  return finishModule(engine, dec, path, WasmBytes::copy(bytes));
}

Expected<std::shared_ptr<Module>> Module::compile(Engine& engine, std::span<const uint8_t> bytes) {
  if (!engine.config().cache_dir.empty()) return compileCached(engine, bytes, {});
  return compileBytes(engine, bytes, {});
}

// A regular file mapped (platform::mapFile) rather than read: no copy into
// the heap, and the module's bytes are the page cache's pages, which a big
// module's lazily compiled functions read long after decoding. Null where
// the file cannot be mapped (a pipe, an empty file, a minimal build).
static std::optional<WasmBytes> mapModuleFile(const std::string& path) {
#ifdef TERN_MINIMAL
  (void)path;
  return std::nullopt;
#else
  size_t size = 0;
  void* p = platform::mapFile(path.c_str(), &size);
  if (!p) return std::nullopt;
  std::shared_ptr<const uint8_t[]> data(static_cast<const uint8_t*>(p),
                                        [size](const uint8_t* q) { platform::release(const_cast<uint8_t*>(q), size); });
  return WasmBytes{std::move(data), size};
#endif
}

Expected<std::shared_ptr<Module>> Module::compileFile(Engine& engine, const std::string& path) {
  if (std::optional<WasmBytes> mapped = mapModuleFile(path)) {
    if (!engine.config().cache_dir.empty()) return compileCached(engine, mapped->span(), path);
    Tiering tiering(engine.config());
    ModuleDecoder dec(tiering, engine.config().features);
    dec.feedWhole(mapped->span());
    return finishModule(engine, dec, path, std::move(*mapped));
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Error{ErrorKind::Io, "cannot open " + path, SIZE_MAX};
  Tiering tiering(engine.config());
  ModuleDecoder dec(tiering, engine.config().features);
  // Read piecewise, straight into the module's bytes: the decoder works on
  // each piece as it arrives (the cache needs the whole module first, for
  // its hash). A file whose size cannot be known first (a pipe) is read
  // into a growing buffer.
  bool cached = !engine.config().cache_dir.empty();
  long known = std::fseek(f, 0, SEEK_END) == 0 ? std::ftell(f) : -1;
  if (known < 0 || std::fseek(f, 0, SEEK_SET) != 0) known = -1;
  size_t capacity = known >= 0 ? size_t(known) : size_t(1) << 16, size = 0;
  auto buffer = std::make_shared_for_overwrite<uint8_t[]>(capacity);
  bool decoding = !cached;
  for (;;) {
    if (size == capacity) {
      if (known >= 0) {
        // The file grew after its size was read: it ends where it was.
        break;
      }
      auto bigger = std::make_shared_for_overwrite<uint8_t[]>(capacity * 2);
      std::memcpy(bigger.get(), buffer.get(), size);
      buffer = std::move(bigger);
      capacity *= 2;
    }
    size_t n = std::fread(buffer.get() + size, 1, std::min(capacity - size, size_t(1) << 16), f);
    if (n == 0) break;
    if (decoding && !dec.feed(std::span<const uint8_t>(buffer.get() + size, n))) decoding = false;
    size += n;
  }
  bool io_error = std::ferror(f);
  std::fclose(f);
  if (io_error) return Error{ErrorKind::Io, "cannot read " + path, SIZE_MAX};
  WasmBytes bytes{std::move(buffer), size};
  if (cached) return compileCached(engine, bytes.span(), path);
  return finishModule(engine, dec, path, std::move(bytes));
}

std::optional<Error> Module::validate(std::span<const uint8_t> bytes, const Features& features) {
  ModuleDecoder dec(features);
  dec.feedWhole(bytes);
  if (!dec.finish()) return dec.toError();
  return std::nullopt;
}

static ExternType importType(const ModuleData& m, const Import& im) {
  ExternType t;
  t.kind = im.kind;
  switch (im.kind) {
    case ExternKind::Func: t.func = m.types[im.func_type]; break;
    case ExternKind::Table: t.table = im.table; break;
    case ExternKind::Memory: t.memory = im.memory; break;
    case ExternKind::Global: t.global = im.global; break;
    case ExternKind::Tag: t.func = m.types[im.func_type]; break;
  }
  return t;
}

std::vector<ImportInfo> Module::imports() const {
  const ModuleData& md = moduleData(*this);
  std::vector<ImportInfo> out;
  for (const Import& im : md.imports) out.push_back({im.module, im.name, importType(md, im)});
  return out;
}

std::vector<ExportInfo> Module::exports() const {
  const ModuleData& md = moduleData(*this);
  std::vector<ExportInfo> out;
  for (const Export& ex : md.exports) {
    ExternType t;
    t.kind = ex.kind;
    switch (ex.kind) {
      case ExternKind::Func: t.func = md.funcType(ex.index); break;
      case ExternKind::Table: t.table = md.tables[ex.index]; break;
      case ExternKind::Memory: t.memory = md.memories[ex.index]; break;
      case ExternKind::Global: t.global = md.globals[ex.index]; break;
      case ExternKind::Tag: t.func = md.types[md.tags[ex.index]]; break;
    }
    out.push_back({ex.name, t});
  }
  return out;
}

struct ModuleStreamer::Impl {
  Engine* engine;
  Tiering tiering;
  ModuleDecoder dec;
  std::vector<uint8_t> bytes;
  explicit Impl(Engine& e) : engine(&e), tiering(e.config()), dec(tiering, e.config().features) {}
};

ModuleStreamer::ModuleStreamer(Engine& engine) : impl_(std::make_unique<Impl>(engine)) {}
ModuleStreamer::~ModuleStreamer() = default;
bool ModuleStreamer::feed(std::span<const uint8_t> chunk) {
  impl_->bytes.insert(impl_->bytes.end(), chunk.begin(), chunk.end());
  return impl_->dec.feed(chunk);
}
Expected<std::shared_ptr<Module>> ModuleStreamer::finish() {
  return finishModule(*impl_->engine, impl_->dec, {}, WasmBytes::copy(impl_->bytes));
}

// ---------------------------------------------------------------------------
// Runtime objects

const FuncType& Func::type() const {
  const FuncInst* f = funcInst(this);
  return f->store_->engine().typeOf(f->type_id_);
}

Expected<std::vector<Value>, Trap> Func::call(std::span<const Value> args) {
  const FuncType& ft = type();
  if (args.size() != ft.params.size())
    return Trap::host("wrong number of arguments: expected " + std::to_string(ft.params.size()) + ", got " +
                      std::to_string(args.size()));
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].type != ft.params[i])
      return Trap::host(std::string("argument ") + std::to_string(i) + " has type " + valTypeName(args[i].type) +
                        ", expected " + valTypeName(ft.params[i]));
  return interp::invoke(funcInst(this), args);
}

std::string Func::name() const {
  const FuncInst* f = funcInst(this);
  if (!f->instance_) {
    auto it = f->store_->host_names_.find(f);
    return it != f->store_->host_names_.end() && !it->second.empty() ? it->second : "<host>";
  }
  return f->instance_->module_->data().funcName(f->index_);
}

Instance* Caller::instance() const { return static_cast<const CallerInst*>(this)->instance_; }
Store& Caller::store() const { return *static_cast<const CallerInst*>(this)->store_->self_; }

Memory* Caller::memory() const {
  const ModuleInst* inst = static_cast<const CallerInst*>(this)->instance_;
  if (!inst || inst->memories_.empty()) return nullptr;
  return inst->memories_[0];
}

static constexpr uint64_t kPage = 65536;
static constexpr uint64_t kMaxPages = 65536;
static constexpr uint64_t kMaxPages64 = uint64_t(1) << 48;
static constexpr uint64_t kMemory64Reservation = uint64_t(8) << 30;

uint8_t* Memory::data() { return memoryInst(this)->base_; }
uint64_t Memory::size() const { return memoryInst(this)->size_; }
MemoryType Memory::type() const { return {memoryInst(this)->limits_, memoryInst(this)->is64_}; }

int64_t Memory::grow(uint64_t delta) {
  MemoryInst* m = memoryInst(this);
  Store::Impl* store = m->store_;
  uint64_t old = m->size_ / kPage;
  uint64_t max = m->limits_.max ? *m->limits_.max : m->is64_ ? kMaxPages64 : kMaxPages;
  if (delta > max || old + delta > max) return -1;
  if (delta == 0) return int64_t(old);
  if (old + delta > m->reserved_ / kPage) return -1;  // (2^48 pages would overflow the byte count)
  uint64_t new_size = (old + delta) * kPage;
  uint64_t extra = new_size - m->size_;
  if (store && store->memory_bytes_ + extra > store->limits_.memory_bytes) return -1;
#ifdef TERN_MINIMAL
  // No reservation to commit into: the memory moves to a bigger block (the
  // interpreter reloads its base after memory.grow and every call).
  auto* bigger = static_cast<uint8_t*>(platform::allocate(new_size));
  if (!bigger) return -1;
  if (m->size_) std::memcpy(bigger, m->base_, m->size_);
  std::memset(bigger + m->size_, 0, extra);
  platform::deallocate(m->base_, m->committed_);
  m->base_ = bigger;
  m->committed_ = new_size;
#else
  if (new_size > m->committed_) {
    if (!platform::commit(m->base_ + m->committed_, new_size - m->committed_)) return -1;
    m->committed_ = new_size;
  }
#endif
  m->size_ = new_size;
  if (store) store->memory_bytes_ += extra;
  return int64_t(old);
}

MemoryInst::~MemoryInst() {
  if (!base_) return;
#ifdef TERN_MINIMAL
  platform::deallocate(base_, committed_);
#else
  if (store_) {
    Engine& engine = store_->engine();
    implOf(engine).returnReservation(base_, reserved_ + engine.config().guard_bytes, committed_);
  } else {
    platform::release(base_, reserved_);
  }
#endif
}

uint32_t Table::size() const { return uint32_t(tableInst(this)->elems_.size()); }
TableType Table::type() const { return {tableInst(this)->elem_, tableInst(this)->limits_}; }

std::optional<Value> Table::get(uint32_t i) const {
  const TableInst* t = tableInst(this);
  if (i >= t->elems_.size()) return std::nullopt;
  return Value{t->elem_, uint64_t(t->elems_[i]), 0};
}

bool Table::set(uint32_t i, Value v) {
  TableInst* t = tableInst(this);
  if (i >= t->elems_.size() || v.type != t->elem_) return false;
  t->elems_[i] = uintptr_t(v.bits);
  return true;
}

int64_t Table::grow(uint32_t delta, Value init) {
  TableInst* t = tableInst(this);
  Store::Impl* store = t->store_;
  uint64_t old = t->elems_.size();
  uint64_t max = t->limits_.max ? *t->limits_.max : 0xffffffffull;
  if (old + delta > max) return -1;
  // The store's limits, Tern's own included, keep a hostile grow from
  // exhausting the host.
  if (store ? delta > store->tableRoom() : old + delta > Store::Impl::kMaxTableElements) return -1;
  t->elems_.resize(old + delta, uintptr_t(init.bits));
  if (store) store->table_elements_ += delta;
  return int64_t(old);
}

Value Global::get() const {
  const GlobalInst* g = globalInst(this);
  return Value{g->type_, g->bits_, g->hi_};
}

bool Global::set(Value v) {
  GlobalInst* g = globalInst(this);
  if (!g->mut_ || v.type != g->type_) return false;
  g->bits_ = v.bits;
  g->hi_ = v.hi;
  return true;
}

GlobalType Global::type() const { return {globalInst(this)->type_, globalInst(this)->mut_}; }

ExternType Extern::type() const {
  ExternType t;
  t.kind = kind;
  switch (kind) {
    case ExternKind::Func: t.func = func()->type(); break;
    case ExternKind::Table: {
      const TableInst* tb = tableInst(table());
      t.table = {tb->elem_, {tb->size(), tb->limits_.max}};
      break;
    }
    case ExternKind::Memory: {
      const MemoryInst* m = memoryInst(memory());
      t.memory = {{m->pages(), m->limits_.max}, m->is64_};
      break;
    }
    case ExternKind::Global: t.global = global()->type(); break;
    case ExternKind::Tag: t.func = tag()->type(); break;
  }
  return t;
}

const Module& Instance::module() const { return *moduleInst(this)->module_; }

std::optional<Extern> Instance::getExport(std::string_view name) const {
  const ModuleInst* inst = moduleInst(this);
  for (const Export& ex : inst->module_->data().exports) {
    if (ex.name != name) continue;
    switch (ex.kind) {
      case ExternKind::Func: return Extern(inst->funcs_[ex.index]);
      case ExternKind::Table: return Extern(inst->tables_[ex.index]);
      case ExternKind::Memory: return Extern(inst->memories_[ex.index]);
      case ExternKind::Global: return Extern(inst->globals_[ex.index]);
      case ExternKind::Tag: return Extern(inst->tags_[ex.index]);
    }
  }
  return std::nullopt;
}

Func* Instance::getFunc(std::string_view name) const {
  auto e = getExport(name);
  return e ? e->func() : nullptr;
}
Memory* Instance::getMemory(std::string_view name) const {
  auto e = getExport(name);
  return e ? e->memory() : nullptr;
}
Table* Instance::getTable(std::string_view name) const {
  auto e = getExport(name);
  return e ? e->table() : nullptr;
}
Global* Instance::getGlobal(std::string_view name) const {
  auto e = getExport(name);
  return e ? e->global() : nullptr;
}

// ---------------------------------------------------------------------------
// Store

Store::Store(Engine& engine) : impl_(std::make_unique<Impl>(*this, engine)) {}
Store::~Store() = default;

Store::Impl::Impl(Store& self, Engine& engine) : self_(&self), engine_(&engine), epoch_(&implOf(engine).epoch) {}

Engine& Store::engine() const { return *impl_->engine_; }
void Store::setLimits(const StoreLimits& limits) { impl_->limits_ = limits; }
const StoreLimits& Store::limits() const { return impl_->limits_; }
void Store::setEpochDeadline(uint64_t delta) { impl_->epoch_deadline_ = impl_->engine_->epoch() + delta; }
void Store::setFuel(uint64_t fuel) { impl_->fuel_ = int64_t(fuel > uint64_t(INT64_MAX) ? INT64_MAX : fuel); }
uint64_t Store::fuel() const { return impl_->fuel_ < 0 ? 0 : uint64_t(impl_->fuel_); }

Func* Store::createHostFunc(const FuncType& type, HostFn fn, std::string debug_name) {
  return impl_->newHostFunc(type, std::move(fn), std::move(debug_name));
}
Expected<Memory*> Store::createMemory(MemoryType type) {
  auto m = impl_->newMemory(type);
  if (!m.ok()) return m.error();
  return static_cast<Memory*>(m.value());
}
Table* Store::createTable(TableType type, Value init) { return impl_->newTable(type, init); }
Global* Store::createGlobal(GlobalType type, Value init) { return impl_->newGlobal(type, init); }
Expected<Instance*> Store::instantiate(const std::shared_ptr<Module>& module, const std::vector<Extern>& imports) {
  return impl_->instantiate(module, imports);
}

FuncInst* Store::Impl::newHostFunc(const FuncType& type, HostFn fn, std::string debug_name) {
  auto f = std::make_unique<FuncInst>();
  f->store_ = this;
  f->type_id_ = engine_->internType(type);
  f->host_ = std::move(fn);
  FuncInst* p = f.get();
  funcs_.push_back(std::move(f));
  if (!debug_name.empty()) host_names_[p] = std::move(debug_name);
  return p;
}

Expected<MemoryInst*> Store::Impl::newMemory(MemoryType type) {
  // The reservation covers every address the memory can grow to (4 GiB for
  // a 32-bit memory by default), followed by the guard region. A 64-bit
  // memory (whose accesses are always checked) takes at least
  // kMemory64Reservation, so that it can grow past 4 GiB.
  const Config& cfg = engine_->config();
  uint64_t usable = type.is64 ? std::max<uint64_t>(cfg.memory_reservation, kMemory64Reservation)
                              : std::min<uint64_t>(cfg.memory_reservation, kMaxPages * kPage);
  if (type.limits.min > usable / kPage)
    return Error{ErrorKind::Link,
                 "memory of " + std::to_string(type.limits.min) + " pages is larger than the configured reservation (" +
                     std::to_string(usable) + " bytes)",
                 SIZE_MAX};
  uint64_t initial = type.limits.min * kPage;
  if (memory_bytes_ + initial > limits_.memory_bytes)
    return Error{ErrorKind::Link,
                 "memory of " + std::to_string(type.limits.min) + " pages (" + std::to_string(initial) +
                     " bytes) exceeds the store's limit of " + std::to_string(limits_.memory_bytes) + " bytes" +
                     (memory_bytes_ ? " (" + std::to_string(memory_bytes_) + " already in use)" : ""),
                 SIZE_MAX};
#ifdef TERN_MINIMAL
  // No reservation and no guard region: a block of the memory's size, which
  // grows by moving; the interpreter checks every access against the size.
  // memory_reservation still caps how far it can grow.
  auto* base = static_cast<uint8_t*>(platform::allocate(initial));
  if (!base && initial) return Error{ErrorKind::Trap, "cannot allocate a linear memory", SIZE_MAX};
  if (base) std::memset(base, 0, initial);
  uint64_t committed = initial;
#else
  Engine::Impl& pool = implOf(*engine_);
  uint64_t committed = 0;
  uint8_t* base = static_cast<uint8_t*>(pool.takeReservation(usable + cfg.guard_bytes, &committed));
  if (!base) return Error{ErrorKind::Trap, "cannot reserve address space for a linear memory", SIZE_MAX};
  if (committed > initial) {
    // JIT code relies on every byte past the memory's size faulting.
    if (!platform::decommit(base + initial, committed - initial)) {
      pool.returnReservation(base, usable + cfg.guard_bytes, committed);
      return Error{ErrorKind::Trap, "cannot reset a recycled linear memory", SIZE_MAX};
    }
    committed = initial;
  }
  if (initial > committed) {
    if (!platform::commit(base + committed, initial - committed)) {
      pool.returnReservation(base, usable + cfg.guard_bytes, committed);
      return Error{ErrorKind::Trap, "cannot commit linear memory", SIZE_MAX};
    }
    committed = initial;
  }
#endif
  auto m = std::make_unique<MemoryInst>();
  m->limits_ = type.limits;
  m->is64_ = type.is64;
  m->base_ = base;
  m->size_ = initial;
  m->reserved_ = usable;
  m->committed_ = committed;
  m->store_ = this;
  memory_bytes_ += initial;
  MemoryInst* p = m.get();
  memories_.push_back(std::move(m));
  return p;
}

TableInst* Store::Impl::newTable(TableType type, Value init) {
  auto t = std::make_unique<TableInst>();
  t->elem_ = type.elem;
  t->limits_ = type.limits;
  t->store_ = this;
  table_elements_ += type.limits.min;
  t->elems_.assign(type.limits.min, uintptr_t(init.bits));
  TableInst* p = t.get();
  tables_.push_back(std::move(t));
  return p;
}

GlobalInst* Store::Impl::newGlobal(GlobalType type, Value init) {
  auto g = std::make_unique<GlobalInst>();
  g->store_ = this;
  g->type_ = type.type;
  g->mut_ = type.mut;
  g->bits_ = init.bits;
  g->hi_ = init.hi;
  GlobalInst* p = g.get();
  globals_.push_back(std::move(g));
  return p;
}

static bool limitsMatch(const Limits& actual, const Limits& expected) {
  if (actual.min < expected.min) return false;
  if (expected.max) {
    if (!actual.max || *actual.max > *expected.max) return false;
  }
  return true;
}

static bool externMatches(const Extern& ext, const ExternType& want, std::string* why) {
  if (!ext.ptr || ext.kind != want.kind) {
    *why = errorText(ErrorCode::IncompatibleImportType);
    return false;
  }
  ExternType have = ext.type();
  bool ok = true;
  switch (want.kind) {
    case ExternKind::Func: ok = have.func == want.func; break;
    case ExternKind::Table:
      ok = have.table.elem == want.table.elem && limitsMatch(have.table.limits, want.table.limits);
      break;
    case ExternKind::Memory:
      ok = have.memory.is64 == want.memory.is64 && limitsMatch(have.memory.limits, want.memory.limits);
      break;
    case ExternKind::Global: ok = have.global.type == want.global.type && have.global.mut == want.global.mut; break;
    case ExternKind::Tag: ok = have.func == want.func; break;
  }
  if (!ok) *why = errorText(ErrorCode::IncompatibleImportType);
  return ok;
}

static Value evalConst(const ConstExpr& e, const ModuleInst& inst);

// An extended constant expression (module.h): its instructions on a value
// stack. The validator has checked the types, so each arithmetic op finds
// its two operands. Integer arithmetic wraps, as the instructions do.
static Value evalExtended(const ConstExpr& e, const ModuleInst& inst) {
  std::vector<Value> stack;
  for (const ConstExpr& op : e.ops) {
    if (op.op == ConstExpr::Op::None) {
      stack.push_back(evalConst(op, inst));
      continue;
    }
    Value b = stack.back();
    stack.pop_back();
    Value& a = stack.back();
    uint32_t x = uint32_t(a.bits), y = uint32_t(b.bits);
    uint64_t X = a.bits, Y = b.bits;
    switch (op.op) {
      case ConstExpr::Op::I32Add: a = Value::i32(int32_t(x + y)); break;
      case ConstExpr::Op::I32Sub: a = Value::i32(int32_t(x - y)); break;
      case ConstExpr::Op::I32Mul: a = Value::i32(int32_t(x * y)); break;
      case ConstExpr::Op::I64Add: a = Value::i64(int64_t(X + Y)); break;
      case ConstExpr::Op::I64Sub: a = Value::i64(int64_t(X - Y)); break;
      case ConstExpr::Op::I64Mul: a = Value::i64(int64_t(X * Y)); break;
      case ConstExpr::Op::None: break;
    }
  }
  return stack.back();
}

static Value evalConst(const ConstExpr& e, const ModuleInst& inst) {
  switch (e.kind) {
    case ConstExpr::Value: return e.value;
    case ConstExpr::RefFunc: return Value::funcref(inst.funcs_[e.index]);
    case ConstExpr::GlobalGet: return inst.globals_[e.index]->get();
    case ConstExpr::Extended: return evalExtended(e, inst);
  }
  return e.value;
}

static Store::Impl* storeOf(const Extern& e) {
  switch (e.kind) {
    case ExternKind::Func: return funcInst(e.func())->store_;
    case ExternKind::Table: return tableInst(e.table())->store_;
    case ExternKind::Memory: return memoryInst(e.memory())->store_;
    case ExternKind::Global: return globalInst(e.global())->store_;
    case ExternKind::Tag: return tagInst(e.tag())->store_;
  }
  return nullptr;
}

Expected<Instance*> Store::Impl::instantiate(const std::shared_ptr<Module>& module,
                                             const std::vector<Extern>& imports) {
  const ModuleData& md = moduleData(*module);
  // The module's code was generated for its engine's configuration (guard
  // region, bounds checks, interruption), and its type ids are that engine's.
  if (&module->engine() != engine_)
    return Error{ErrorKind::Link, "the module was compiled by another engine than the store's", SIZE_MAX};
  if (imports.size() != md.imports.size())
    return Error{ErrorKind::Link,
                 "expected " + std::to_string(md.imports.size()) + " imports, got " + std::to_string(imports.size()),
                 SIZE_MAX};
  for (size_t i = 0; i < imports.size(); ++i) {
    const Import& im = md.imports[i];
    // An extern of another store would outlive its store's checks (limits,
    // fuel, the objects' lifetime) and, from another engine, mean nothing
    // here (type ids, memory layout).
    Store::Impl* owner = imports[i].ptr ? storeOf(imports[i]) : this;
    if (owner != this)
      return Error{ErrorKind::Link,
                   "import " + im.module + "." + im.name + " is a " + externKindName(imports[i].kind) +
                       " of another store" + (owner && owner->engine_ != engine_ ? " and engine" : "") +
                       ": externs must come from the store that instantiates the module (Linker::func and "
                       "Linker::defineFunc define host functions for any store)",
                   SIZE_MAX};
    ExternType want = importType(md, im);
    std::string why;
    if (!externMatches(imports[i], want, &why)) {
      std::string have = imports[i].ptr ? imports[i].type().toString() : "nothing";
      return Error{ErrorKind::Link,
                   why + ": " + im.module + "." + im.name + " expects " + want.toString() + ", got " + have, SIZE_MAX};
    }
  }

  if (instances_.size() + 1 > limits_.instances)
    return Error{ErrorKind::Link, "the store's instance limit is reached", SIZE_MAX};
  // The module's tables together, before any is allocated: a declared
  // minimum is up to 2^32 - 1 elements.
  uint64_t elements = 0;
  for (size_t i = md.num_imported_tables; i < md.tables.size(); ++i) elements += md.tables[i].limits.min;
  if (table_elements_ + elements > limits_.table_elements)
    return Error{ErrorKind::Link, "table exceeds the store's element limit", SIZE_MAX};
  if (elements > tableRoom())
    return Error{ErrorKind::Link,
                 "tables of " + std::to_string(elements) + " elements exceed Tern's limit of " +
                     std::to_string(kMaxTableElements) + " table elements per store" +
                     (table_elements_ ? " (" + std::to_string(table_elements_) + " already in use)" : ""),
                 SIZE_MAX};

  auto owned = std::make_unique<ModuleInst>();
  ModuleInst* inst = owned.get();
  inst->module_ = std::static_pointer_cast<const CompiledModule>(module);
  inst->store_ = this;
  for (const FuncType& t : md.types) inst->type_ids_.push_back(engine_->internType(t));
  for (const Extern& e : imports) {
    switch (e.kind) {
      case ExternKind::Func: inst->funcs_.push_back(funcInst(e.func())); break;
      case ExternKind::Table: inst->tables_.push_back(tableInst(e.table())); break;
      case ExternKind::Memory: inst->memories_.push_back(memoryInst(e.memory())); break;
      case ExternKind::Global: inst->globals_.push_back(globalInst(e.global())); break;
      case ExternKind::Tag: inst->tags_.push_back(tagInst(e.tag())); break;
    }
  }
  for (uint32_t i = md.num_imported_funcs; i < md.func_types.size(); ++i) {
    auto f = std::make_unique<FuncInst>();
    f->store_ = this;
    f->type_id_ = inst->type_ids_[md.func_types[i]];
    f->instance_ = inst;
    f->index_ = i;
    inst->funcs_.push_back(f.get());
    funcs_.push_back(std::move(f));
  }
  for (size_t i = md.num_imported_tables; i < md.tables.size(); ++i)
    inst->tables_.push_back(newTable(md.tables[i], Value::nullRef(md.tables[i].elem)));
  for (size_t i = md.num_imported_memories; i < md.memories.size(); ++i) {
    auto m = newMemory(md.memories[i]);
    if (!m.ok()) return m.error();
    inst->memories_.push_back(m.value());
  }
  for (uint32_t i = md.num_imported_tags; i < md.tags.size(); ++i) inst->tags_.push_back(newTag(md, i));
  for (size_t i = md.num_imported_globals; i < md.globals.size(); ++i) {
    Value v = evalConst(md.global_inits[i - md.num_imported_globals], *inst);
    inst->globals_.push_back(newGlobal(md.globals[i], v));
  }
  inst->elems_.resize(md.elems.size());
  for (size_t i = 0; i < md.elems.size(); ++i) {
    const ElemSegment& seg = md.elems[i];
    std::vector<uintptr_t>& items = inst->elems_[i];
    items.reserve(seg.items.size());
    for (const ConstExpr& e : seg.items) items.push_back(uintptr_t(evalConst(e, *inst).bits));
  }
  inst->data_dropped_.assign(md.datas.size(), 0);
  instances_.push_back(std::move(owned));

  // Active element segments, then active data segments, in order. A segment
  // out of bounds traps; what was written before it stays written.
  for (size_t i = 0; i < md.elems.size(); ++i) {
    const ElemSegment& seg = md.elems[i];
    if (seg.mode == SegmentMode::Passive) continue;
    std::vector<uintptr_t>& items = inst->elems_[i];
    if (seg.mode == SegmentMode::Active) {
      TableInst* t = inst->tables_[seg.table];
      uint64_t off = uint32_t(evalConst(seg.offset, *inst).bits);
      if (off + items.size() > t->elems_.size())
        return Error{ErrorKind::Trap, trapMessage(TrapKind::TableOutOfBounds), SIZE_MAX};
      std::copy(items.begin(), items.end(), t->elems_.begin() + ptrdiff_t(off));
    }
    items.clear();
  }
  for (size_t i = 0; i < md.datas.size(); ++i) {
    const DataSegment& seg = md.datas[i];
    if (seg.mode != SegmentMode::Active) continue;
    MemoryInst* m = inst->memories_[seg.memory];
    uint64_t off = evalConst(seg.offset, *inst).bits;
    if (!m->is64_) off = uint32_t(off);
    if (ops::rangeOutside(off, seg.bytes.size(), m->size_))
      return Error{ErrorKind::Trap, trapMessage(TrapKind::MemoryOutOfBounds), SIZE_MAX};
    if (!seg.bytes.empty()) std::memcpy(m->base_ + off, seg.bytes.data(), seg.bytes.size());
    inst->data_dropped_[i] = 1;
  }
  if (md.start) {
    auto r = inst->funcs_[*md.start]->call({});
    if (!r.ok()) {
      Error e{ErrorKind::Trap, r.error().message, SIZE_MAX};
      e.trap = std::move(r.error());
      return e;
    }
  }
  return inst;
}

}  // namespace tern
