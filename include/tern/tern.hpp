// Tern public C++ API.
//
// Engine  -> compiles Modules (immutable, shareable across stores and threads)
// Store   -> owns runtime objects: instances, functions, memories, tables, globals
// Linker  -> resolves imports by (module, name) and instantiates
//
// The model: Engine, Store, Linker and Config are values you create; an
// Engine outlives the Modules it compiles and the Stores that use it. A
// Module is shared (std::shared_ptr), and each Instance keeps its own alive.
// Everything a Store holds (Instance, Func, Memory, Table, Global) is an
// opaque object reached by pointer: the store creates, owns and frees it,
// so a pointer is valid as long as its store, and these classes show only
// their methods. An Extern is such a pointer with its kind; a funcref Value
// holds a Func*. The value types (ValType, FuncType, Value, Trap, Error,
// Expected, ...) are in tern/types.hpp, included here.
//
// Errors are values (tern::Expected); a guest fault is a tern::Trap value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "tern/types.hpp"

namespace tern {

const char* versionString();

// ---------------------------------------------------------------------------
// Engine
enum class Tier : uint8_t { Auto, Interp, Jit };

struct Config {
  Tier tier = Tier::Auto;
  Features features;
  bool bounds_checks = false;                // JIT: explicit checks instead of guard pages
  uint64_t memory_reservation = 4ull << 30;  // address space reserved per linear memory
  uint64_t guard_bytes = 2ull << 30;         // guard region after each reservation
  uint32_t max_call_depth = 20000;           // deeper recursion traps "call stack exhausted"
  uint32_t value_stack_slots = 1u << 21;     // 8-byte slots per thread for the interpreter
  // Code compiled with these checks the store's epoch deadline / fuel at
  // every function entry and loop header (Store::setEpochDeadline, setFuel).
  bool epoch_interruption = false;
  bool consume_fuel = false;
  // Append each JIT-compiled function to /tmp/perf-PID.map (for `perf`).
  bool perf_map = false;
  // Validate the whole module when it is compiled, but compile each function
  // (for either tier) only at its first call; false compiles every function
  // up front. Code that is never called costs no compile time or memory.
  bool lazy = true;
  // With `lazy`, once the guest still meets functions it never called 20 ms
  // of CPU time after its first call, a thread of the lowest priority
  // compiles the functions not compiled yet, in index order, so that later
  // first calls find them ready. Only with more than one core; a
  // minimal build has no such thread.
  bool background_compilation = true;
  // When functions are compiled up front (lazy false, or a module to
  // serialize), compile them on several threads: each body is validated as
  // it arrives, in order, and compiled by whichever thread is free; the
  // code is laid out in function order, the same bytes as one thread's.
  // With `lazy`, the bodies of a code section of 64 KiB or more are
  // validated on several threads once it has all arrived; a module is
  // refused with the same error as on one thread. A minimal build compiles
  // and validates on the caller's thread only.
  bool parallel_compilation = true;
  // Threads that compile at once, the caller's included; 0: one per core.
  uint32_t compile_threads = 0;
  // A directory of compiled code (`--cache DIR`): Module::compile and
  // compileFile look a module up there first, by its hash, Tern's version,
  // the CPU features and the settings above that its code depends on, and
  // store the code of a module they compile. Empty: no cache.
  std::string cache_dir;
};

class Engine {
 public:
  explicit Engine(Config c = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  const Config& config() const;
  // Canonical id of a function type, shared by every module of this engine:
  // call_indirect compares these ids.
  uint32_t internType(const FuncType& t);
  const FuncType& typeOf(uint32_t id) const;

  // Any thread may bump the epoch; guests of stores whose deadline it
  // reaches trap with "interrupted" at their next function entry or loop
  // header (with Config::epoch_interruption).
  void incrementEpoch();
  uint64_t epoch() const;

  struct Impl;  // internal (src/runtime/runtime.cc)

 private:
  friend Impl& implOf(Engine& engine);
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------
// Module
struct ImportInfo {
  std::string module, name;
  ExternType type;
};
struct ExportInfo {
  std::string name;
  ExternType type;
};

class Module {
 public:
  static Expected<std::shared_ptr<Module>> compile(Engine& engine, std::span<const uint8_t> bytes);
  static Expected<std::shared_ptr<Module>> compileFile(Engine& engine, const std::string& path);
  // Decode and validate only; no code is generated.
  static std::optional<Error> validate(std::span<const uint8_t> bytes, const Features& features = {});

  // Ahead-of-time compilation (`tern compile`): the module's machine code,
  // its metadata and what instantiation needs, as the bytes of a .cwasm
  // file. An Unsupported error when the module has no JIT code (the
  // interpreter tier, or no JIT on this host).
  Expected<std::vector<uint8_t>> serialize() const;
  // Loads what serialize() wrote, without compiling; the engine's CPU,
  // Tern's version, the features and the code settings of Config must be
  // those it was compiled with. Anything else, a damaged or truncated file
  // or one that is not a .cwasm, is an error: nothing of it runs.
  static Expected<std::shared_ptr<Module>> deserialize(Engine& engine, std::span<const uint8_t> bytes);
  static Expected<std::shared_ptr<Module>> deserializeFile(Engine& engine, const std::string& path);
  // Whether `bytes` start as a .cwasm file does (not whether it is sound).
  static bool isPrecompiled(std::span<const uint8_t> bytes);

  std::vector<ImportInfo> imports() const;
  std::vector<ExportInfo> exports() const;
  Engine& engine() const;

  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

 protected:
  Module() = default;
  ~Module() = default;
};

// Feed a module in chunks of any size; every function body is validated and
// lowered as soon as its last byte arrives.
class ModuleStreamer {
 public:
  explicit ModuleStreamer(Engine& engine);
  ~ModuleStreamer();
  // Returns false once an error has been found (see finish()). A read that
  // runs past its section is named only by finish(), from the bytes that
  // follow (the reference interpreter's reading): until then feed() takes
  // more.
  bool feed(std::span<const uint8_t> chunk);
  Expected<std::shared_ptr<Module>> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------
// Runtime objects. Embedders hold them by pointer (the store owns them) and
// use only their methods; they cannot be created, copied or deleted here.
struct Extern {
  ExternKind kind = ExternKind::Func;
  void* ptr = nullptr;
  Extern() = default;
  Extern(Func* f) : kind(ExternKind::Func), ptr(f) {}
  Extern(Table* t) : kind(ExternKind::Table), ptr(t) {}
  Extern(Memory* m) : kind(ExternKind::Memory), ptr(m) {}
  Extern(Global* g) : kind(ExternKind::Global), ptr(g) {}
  Extern(Tag* t) : kind(ExternKind::Tag), ptr(t) {}
  Func* func() const { return kind == ExternKind::Func ? static_cast<Func*>(ptr) : nullptr; }
  Table* table() const { return kind == ExternKind::Table ? static_cast<Table*>(ptr) : nullptr; }
  Memory* memory() const { return kind == ExternKind::Memory ? static_cast<Memory*>(ptr) : nullptr; }
  Global* global() const { return kind == ExternKind::Global ? static_cast<Global*>(ptr) : nullptr; }
  Tag* tag() const { return kind == ExternKind::Tag ? static_cast<Tag*>(ptr) : nullptr; }
  ExternType type() const;
};

// Passed to host functions: who called, and the caller's memory.
class Caller {
 public:
  Instance* instance() const;  // null when the host function was called directly (Func::call)
  Memory* memory() const;      // the caller's memory 0, or nullptr
  Store& store() const;

  Caller(const Caller&) = delete;
  Caller& operator=(const Caller&) = delete;

 protected:
  Caller() = default;
  ~Caller() = default;
};

// A host function: reads `args`, writes `results` (pre-set to zeros of the
// result types) and returns std::nullopt, or returns the Trap to raise in
// the guest (Trap::host("message")); the trap's backtrace gets the host
// function's name followed by the Wasm frames that called it.
//
// C++ exceptions stop at the host-call boundary, the same way on every tier
// (interpreter, JIT, and host functions called directly with Func::call):
// a thrown tern::Trap is raised as it is; a std::exception becomes a trap of
// kind HostException whose message is its what(); any other exception a trap
// of kind HostException with a generic message. Trap::exception holds the
// exception in both cases. No exception ever unwinds through Wasm frames,
// and the store stays usable.
using HostFn =
    std::function<std::optional<Trap>(Caller& caller, std::span<const Value> args, std::span<Value> results)>;

// ---------------------------------------------------------------------------
// C++ types <-> Wasm values, for typed calls and host functions made from
// C++ callables: int32_t/uint32_t -> i32, int64_t/uint64_t -> i64,
// float -> f32, double -> f64, V128 -> v128; several results as std::tuple.
namespace detail {
template <class T>
struct WasmType;
template <>
struct WasmType<int32_t> {
  static constexpr ValType type = ValType::I32;
  static int32_t get(const Value& v) { return v.asI32(); }
  static Value make(int32_t x) { return Value::i32(x); }
};
template <>
struct WasmType<uint32_t> {
  static constexpr ValType type = ValType::I32;
  static uint32_t get(const Value& v) { return uint32_t(v.asI32()); }
  static Value make(uint32_t x) { return Value::i32(int32_t(x)); }
};
template <>
struct WasmType<int64_t> {
  static constexpr ValType type = ValType::I64;
  static int64_t get(const Value& v) { return v.asI64(); }
  static Value make(int64_t x) { return Value::i64(x); }
};
template <>
struct WasmType<uint64_t> {
  static constexpr ValType type = ValType::I64;
  static uint64_t get(const Value& v) { return uint64_t(v.asI64()); }
  static Value make(uint64_t x) { return Value::i64(int64_t(x)); }
};
template <>
struct WasmType<float> {
  static constexpr ValType type = ValType::F32;
  static float get(const Value& v) { return v.asF32(); }
  static Value make(float x) { return Value::f32(x); }
};
template <>
struct WasmType<double> {
  static constexpr ValType type = ValType::F64;
  static double get(const Value& v) { return v.asF64(); }
  static Value make(double x) { return Value::f64(x); }
};
template <>
struct WasmType<V128> {
  static constexpr ValType type = ValType::V128;
  static V128 get(const Value& v) { return v.asV128(); }
  static Value make(V128 x) { return Value::v128(x); }
};

template <class R>
struct Results {  // one result
  static std::vector<ValType> types() { return {WasmType<R>::type}; }
  static R get(std::span<const Value> v) { return WasmType<R>::get(v[0]); }
  static void put(const R& r, std::span<Value> out) { out[0] = WasmType<R>::make(r); }
};
template <>
struct Results<void> {
  static std::vector<ValType> types() { return {}; }
};
template <class... T>
struct Results<std::tuple<T...>> {
  static std::vector<ValType> types() { return {WasmType<T>::type...}; }
  static std::tuple<T...> get(std::span<const Value> v) { return getAll(v, std::index_sequence_for<T...>{}); }
  static void put(const std::tuple<T...>& r, std::span<Value> out) { putAll(r, out, std::index_sequence_for<T...>{}); }
  template <size_t... I>
  static std::tuple<T...> getAll(std::span<const Value> v, std::index_sequence<I...>) {
    return std::tuple<T...>(WasmType<T>::get(v[I])...);
  }
  template <size_t... I>
  static void putAll(const std::tuple<T...>& r, std::span<Value> out, std::index_sequence<I...>) {
    ((out[I] = WasmType<T>::make(std::get<I>(r))), ...);
  }
};

template <class F>
struct Callable : Callable<decltype(&F::operator())> {};
template <class R, class... A>
struct Callable<R (*)(A...)> {
  using Ret = R;
  using Args = std::tuple<A...>;
};
template <class C, class R, class... A>
struct Callable<R (C::*)(A...) const> : Callable<R (*)(A...)> {};
template <class C, class R, class... A>
struct Callable<R (C::*)(A...)> : Callable<R (*)(A...)> {};
}  // namespace detail

template <class Sig>
class TypedFunc;

class Func {
 public:
  const FuncType& type() const;
  Expected<std::vector<Value>, Trap> call(std::span<const Value> args);
  std::string name() const;  // name-section name, export name, or "func[N]"
  // A view with a static signature, e.g. f.typed<int32_t(int32_t, int32_t)>();
  // an Error (kind Link) if the function's type differs.
  template <class Sig>
  Expected<TypedFunc<Sig>> typed();

  Func(const Func&) = delete;
  Func& operator=(const Func&) = delete;

 protected:
  Func() = default;
  ~Func() = default;
};

template <class R, class... A>
class TypedFunc<R(A...)> {
 public:
  using Result = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
  explicit TypedFunc(Func* f) : f_(f) {}
  Expected<Result, Trap> operator()(A... args) const {
    Value argv[sizeof...(A) + 1] = {detail::WasmType<A>::make(args)...};
    auto r = f_->call(std::span<const Value>(argv, sizeof...(A)));
    if (!r.ok()) return std::move(r.error());
    if constexpr (std::is_void_v<R>) {
      return std::monostate{};
    } else {
      return detail::Results<R>::get(r.value());
    }
  }
  Func* func() const { return f_; }

 private:
  Func* f_;
};

template <class Sig>
Expected<TypedFunc<Sig>> Func::typed() {
  using T = detail::Callable<Sig*>;
  FuncType want;
  [&]<class... A>(std::tuple<A...>*) {
    want.params = {detail::WasmType<A>::type...};
  }(static_cast<typename T::Args*>(nullptr));
  want.results = detail::Results<typename T::Ret>::types();
  if (!(type() == want))
    return Error{ErrorKind::Link, "function " + name() + " has type " + type().toString() + ", not " + want.toString(),
                 SIZE_MAX, std::nullopt};
  return TypedFunc<Sig>(this);
}

namespace detail {
template <bool Drop, class Tuple>
struct DropCaller {
  using type = Tuple;
};
template <class C0, class... A>
struct DropCaller<true, std::tuple<C0, A...>> {
  using type = std::tuple<A...>;
};
// What a host callable returns: its Wasm results (void, a value or a
// std::tuple of values), or those wrapped so that it can raise a trap
// instead: Expected<T, Trap> (T as before, std::monostate for no results)
// or, for no results, std::optional<Trap>.
template <class R>
struct HostResult {
  using Values = R;
  static std::optional<Trap> put(R&& r, std::span<Value> out) {
    Results<R>::put(r, out);
    return std::nullopt;
  }
};
template <>
struct HostResult<void> {
  using Values = void;
};
template <class T>
struct HostResult<Expected<T, Trap>> {
  using Values = std::conditional_t<std::is_same_v<T, std::monostate>, void, T>;
  static std::optional<Trap> put(Expected<T, Trap>&& r, std::span<Value> out) {
    if (!r.ok()) return std::move(r.error());
    if constexpr (!std::is_void_v<Values>) Results<Values>::put(r.value(), out);
    return std::nullopt;
  }
};
template <>
struct HostResult<std::optional<Trap>> {
  using Values = void;
  static std::optional<Trap> put(std::optional<Trap>&& r, std::span<Value>) { return std::move(r); }
};

// The Wasm type and a HostFn for a C++ callable. Its first parameter may be
// `Caller&`; its result is one of HostResult's.
template <class F>
std::pair<FuncType, HostFn> hostFromCallable(F f) {
  using T = Callable<std::decay_t<F>>;
  using Args = typename T::Args;
  using R = std::remove_cvref_t<typename T::Ret>;
  constexpr bool kWantsCaller = [] {
    if constexpr (std::tuple_size_v < Args >> 0) return std::is_same_v<std::tuple_element_t<0, Args>, Caller&>;
    else return false;
  }();
  FuncType ft;
  ft.results = Results<typename HostResult<R>::Values>::types();
  auto call = [f = std::move(f)]<class... A, size_t... I>(Caller& c, std::span<const Value> args,
                                                          std::span<Value> results, std::tuple<A...>*,
                                                          std::index_sequence<I...>) mutable -> std::optional<Trap> {
    auto run = [&]() -> decltype(auto) {
      if constexpr (kWantsCaller) return f(c, WasmType<std::decay_t<A>>::get(args[I])...);
      else return f(WasmType<std::decay_t<A>>::get(args[I])...);
    };
    if constexpr (std::is_void_v<R>) {
      run();
      return std::nullopt;
    } else {
      return HostResult<R>::put(run(), results);
    }
  };
  // The Wasm parameters: the callable's, without a leading Caller&.
  using WasmArgs = typename DropCaller<kWantsCaller, Args>::type;
  HostFn fn = [&]<class... A>(std::tuple<A...>*) {
    ft.params = {WasmType<std::decay_t<A>>::type...};
    return HostFn(
        [call](Caller& c, std::span<const Value> args, std::span<Value> results) mutable -> std::optional<Trap> {
          return call(c, args, results, static_cast<std::tuple<A...>*>(nullptr), std::index_sequence_for<A...>{});
        });
  }(static_cast<WasmArgs*>(nullptr));
  return {ft, fn};
}
}  // namespace detail

class Memory {
 public:
  // The memory's first byte. It does not move when the memory grows (the
  // memory's whole reservation is mapped at creation), except in a minimal
  // build (-Dminimal=true, no reservations): there growing moves it, so read
  // it again after memory.grow and after any call into the guest.
  uint8_t* data();
  uint64_t size() const;  // bytes
  uint64_t pages() const { return size() >> 16; }
  // Returns the old size in pages, or -1 when the memory cannot grow.
  int64_t grow(uint64_t delta_pages);
  MemoryType type() const;

  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

 protected:
  Memory() = default;
  ~Memory() = default;
};

class Table {
 public:
  uint32_t size() const;
  std::optional<Value> get(uint32_t i) const;
  bool set(uint32_t i, Value v);
  int64_t grow(uint32_t delta, Value init);
  TableType type() const;

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

 protected:
  Table() = default;
  ~Table() = default;
};

class Global {
 public:
  Value get() const;
  bool set(Value v);  // false if immutable or of another type
  GlobalType type() const;

  Global(const Global&) = delete;
  Global& operator=(const Global&) = delete;

 protected:
  Global() = default;
  ~Global() = default;
};

// An exception tag (the exceptions feature): what a Wasm `catch` matches.
// Two tags are the same tag only if they are the same object: a module's
// own tag, exported and imported elsewhere, or one Store::createTag made.
class Tag {
 public:
  const FuncType& type() const;  // params: the exception's values; no results
  // For messages: the export name it was first exported under, else
  // "tag N" (its index in the module that defined it), or the host's name.
  const std::string& name() const;

  Tag(const Tag&) = delete;
  Tag& operator=(const Tag&) = delete;

 protected:
  Tag() = default;
  ~Tag() = default;
};

class Instance {
 public:
  std::optional<Extern> getExport(std::string_view name) const;
  Func* getFunc(std::string_view name) const;
  Memory* getMemory(std::string_view name) const;
  Table* getTable(std::string_view name) const;
  Global* getGlobal(std::string_view name) const;
  Tag* getTag(std::string_view name) const;
  const Module& module() const;

  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

 protected:
  Instance() = default;
  ~Instance() = default;
};

// Per-store resource limits. Growth beyond them fails the way the spec
// allows: memory.grow and table.grow return -1; instantiation fails.
struct StoreLimits {
  uint64_t memory_bytes = UINT64_MAX;  // total over the store's memories
  // Total over the store's tables; Tern caps it at 10,000,000 whatever this
  // says, declared sizes included (a module declaring a 2^32-element table
  // fails to instantiate instead of exhausting the host).
  uint64_t table_elements = UINT64_MAX;
  uint64_t instances = UINT64_MAX;
};

class Store {
 public:
  explicit Store(Engine& engine);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  Engine& engine() const;

  void setLimits(const StoreLimits& limits);
  const StoreLimits& limits() const;
  // Guests trap with "interrupted" once the engine's epoch reaches
  // epoch() + delta (needs Config::epoch_interruption).
  void setEpochDeadline(uint64_t delta);
  // Each function entry and loop header costs one unit; at zero the guest
  // traps with "all fuel consumed" (needs Config::consume_fuel).
  void setFuel(uint64_t fuel);
  uint64_t fuel() const;

  Func* createHostFunc(const FuncType& type, HostFn fn, std::string debug_name = {});
  // A host function from a C++ callable; its Wasm type comes from the C++
  // signature, e.g. store.wrap([](int32_t a, int32_t b) { return a + b; }).
  // To raise a trap it returns Expected<T, Trap> (or std::optional<Trap>
  // when it has no results), see Linker::func.
  template <class F>
  Func* wrap(F f, std::string debug_name = {}) {
    auto [type, fn] = detail::hostFromCallable(std::move(f));
    return createHostFunc(type, std::move(fn), std::move(debug_name));
  }
  Expected<Memory*> createMemory(MemoryType type);
  Table* createTable(TableType type, Value init);
  Global* createGlobal(GlobalType type, Value init);
  // A tag for host code to throw and catch Wasm exceptions with (type's
  // results must be empty): pass it as an import, raise it with Trap::raise.
  Tag* createTag(const FuncType& type, std::string name);
  // The trap that throws the exception an exnref names again, the same one
  // (a guest's catch_ref sees the same exnref); for a null exnref or one this
  // store did not make, a trap of kind NullReference. Its tag and values are
  // exnref.asExnRef()->tag and ->values while the store lives.
  Trap rethrow(Value exnref) const;

  // imports: one Extern per module import, in order, each of this store
  // (an Error of kind Link names the first that is not); the module must
  // come from this store's engine.
  Expected<Instance*> instantiate(const std::shared_ptr<Module>& module, const std::vector<Extern>& imports);

  struct Impl;  // internal (src/runtime/objects.h)

 private:
  friend Impl& implOf(Store& store);
  std::unique_ptr<Impl> impl_;
};

class Linker;

// A module with its imports resolved once: instantiating it again and again
// (one instance per request) does no name lookup and no type check.
class InstancePre {
 public:
  Expected<Instance*> instantiate(Store& store) const;
  const std::shared_ptr<Module>& module() const { return module_; }

 private:
  friend class Linker;
  struct HostDef {
    FuncType type;
    HostFn fn;
    std::string name;
  };
  std::shared_ptr<Module> module_;
  // Per import: an extern (of a store that outlives the instances), or a
  // store-independent host function created in each target store.
  std::vector<Extern> externs_;
  std::vector<std::shared_ptr<const HostDef>> hosts_;
};

// Resolves imports by (module, name). Externs given to define() and
// defineInstance() belong to one store: instantiating into another store
// is an Error (kind Link) naming the import. Host functions from func() and
// defineFunc() belong to no store and work with every store.
class Linker {
 public:
  void define(std::string module, std::string name, Extern ext);
  // A host function that belongs to no store: each instantiation creates it
  // in the target store.
  void defineFunc(std::string module, std::string name, FuncType type, HostFn fn);
  // The same from a C++ callable, typed by its signature (see
  // Store::wrap). A callable that may trap returns Expected<T, Trap>, or
  // std::optional<Trap> when it has no results:
  //   linker.func("env", "div", [](int32_t a, int32_t b) -> Expected<int32_t, Trap> {
  //     if (b == 0) return Trap::host("div: b is zero");
  //     return a / b;
  //   });
  // The guest's call then fails with that trap (its kind, message and
  // exit_code), whose backtrace lists "env.div" and the Wasm frames below.
  // Throwing a tern::Trap does the same; any other exception becomes a
  // HostException trap (see HostFn).
  template <class F>
  void func(std::string module, std::string name, F f) {
    auto [type, fn] = detail::hostFromCallable(std::move(f));
    defineFunc(std::move(module), std::move(name), std::move(type), std::move(fn));
  }
  // Defines every export of the instance under module name `module`.
  void defineInstance(const std::string& module, const Instance& inst);
  std::optional<Extern> lookup(std::string_view module, std::string_view name) const;
  // Error kind Link names the module, field and expected type when an import
  // is missing or has the wrong type.
  Expected<Instance*> instantiate(Store& store, const std::shared_ptr<Module>& module) const;
  Expected<InstancePre> instantiatePre(const std::shared_ptr<Module>& module) const;

 private:
  struct Def {
    Extern ext;
    std::shared_ptr<const InstancePre::HostDef> host;
  };
  std::map<std::pair<std::string, std::string>, Def, std::less<>> defs_;
};

}  // namespace tern
