// The C API's runtime side: config, engine, store, references, traps and
// frames, modules, functions (host functions included), globals, tables,
// memories, externs and instances, over the C++ API.
#include <algorithm>
#include <cstring>
#include <optional>
#include <span>

#include "capi/capi.h"
#include "module/module.h"

using tern::capi::Kind;
using tern::capi::Object;

namespace tern::capi {

Object::~Object() {
  if (host_finalizer) host_finalizer(host_info);
}

bool isExternKind(Kind k) { return k == Kind::Func || k == Kind::Global || k == Kind::Table || k == Kind::Memory; }

wasm_externkind_t externKindOf(Kind k) {
  switch (k) {
    case Kind::Global: return WASM_EXTERN_GLOBAL;
    case Kind::Table: return WASM_EXTERN_TABLE;
    case Kind::Memory: return WASM_EXTERN_MEMORY;
    default: return WASM_EXTERN_FUNC;
  }
}

wasm_ref_t* newHandle(std::shared_ptr<Object> obj) {
  wasm_ref_t* h = nullptr;
  switch (obj->kind) {
    case Kind::Func: h = new wasm_func_t; break;
    case Kind::Global: h = new wasm_global_t; break;
    case Kind::Table: h = new wasm_table_t; break;
    case Kind::Memory: h = new wasm_memory_t; break;
    case Kind::Instance: h = new wasm_instance_t; break;
    case Kind::Module: h = new wasm_module_t; break;
    case Kind::Trap: h = new wasm_trap_t; break;
    case Kind::Foreign: h = new wasm_foreign_t; break;
  }
  h->obj = std::move(obj);
  return h;
}

void deleteHandle(wasm_ref_t* h) {
  if (!h) return;
  switch (h->kind()) {
    case Kind::Func: delete static_cast<wasm_func_t*>(h); break;
    case Kind::Global: delete static_cast<wasm_global_t*>(h); break;
    case Kind::Table: delete static_cast<wasm_table_t*>(h); break;
    case Kind::Memory: delete static_cast<wasm_memory_t*>(h); break;
    case Kind::Instance: delete static_cast<wasm_instance_t*>(h); break;
    case Kind::Module: delete static_cast<wasm_module_t*>(h); break;
    case Kind::Trap: delete static_cast<wasm_trap_t*>(h); break;
    case Kind::Foreign: delete static_cast<wasm_foreign_t*>(h); break;
  }
}

Kind kindOf(ExternKind k) {
  switch (k) {
    case ExternKind::Func: return Kind::Func;
    case ExternKind::Global: return Kind::Global;
    case ExternKind::Table: return Kind::Table;
    case ExternKind::Memory: return Kind::Memory;
    case ExternKind::Tag: break;  // the standard C API has no tag kind: tags are not shown to it
  }
  return Kind::Func;
}

Extern toExtern(const Object& o) {
  switch (o.kind) {
    case Kind::Func: return Extern(o.func());
    case Kind::Global: return Extern(o.global());
    case Kind::Table: return Extern(o.table());
    case Kind::Memory: return Extern(o.memory());
    default: return Extern();
  }
}

static wasm_extern_t* newExternHandle(wasm_store_t* store, const Extern& e) {
  return newHandleAs<wasm_extern_t>(store->objectFor(kindOf(e.kind), e.ptr));
}

static const char* valKindName(wasm_valkind_t k) {
  switch (k) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_EXTERNREF: return "externref";
    case WASM_FUNCREF: return "funcref";
    default: return "an unknown kind";
  }
}

// Values -----------------------------------------------------------------------

bool toValue(wasm_store_t* store, const wasm_val_t& v, ValType want, Value* out, std::string* err) {
  if (v.kind != toValKind(want)) {
    *err = std::string("expected ") + valTypeName(want) + ", got " + valKindName(v.kind);
    return false;
  }
  switch (want) {
    case ValType::I32: *out = Value::i32(v.of.i32); return true;
    case ValType::I64: *out = Value::i64(v.of.i64); return true;
    case ValType::F32: *out = Value::f32(v.of.f32); return true;
    case ValType::F64: *out = Value::f64(v.of.f64); return true;
    case ValType::FuncRef: {
      if (!v.of.ref) {
        *out = Value::nullRef(ValType::FuncRef);
        return true;
      }
      const Object& o = *v.of.ref->obj;
      if (o.kind != Kind::Func) {
        *err = "a funcref value must be a function";
        return false;
      }
      if (o.store != store) {
        *err = "the function belongs to another store";
        return false;
      }
      *out = Value::funcref(o.func());
      return true;
    }
    case ValType::ExternRef: {
      if (!v.of.ref) {
        *out = Value::nullRef(ValType::ExternRef);
        return true;
      }
      // The store keeps the object alive for as long as wasm may hold it.
      const std::shared_ptr<Object>& o = v.of.ref->obj;
      store->externrefs.emplace(o.get(), o);
      *out = Value::externref(o.get());
      return true;
    }
    case ValType::V128: *err = "v128 values need tern.h's tern_val_t (tern_func_call, tern_global_set)"; return false;
    case ValType::ExnRef:
      // Null, or a reference this API gave out (fromValue): the store holds the exception.
      if (v.of.ref && (v.of.ref->obj->kind != Kind::Foreign || v.of.ref->obj->store != store)) {
        *err = "an exnref value must be one this store gave out";
        return false;
      }
      *out = Value::exnref(v.of.ref ? static_cast<const WasmException*>(v.of.ref->obj->ptr) : nullptr);
      return true;
  }
  *err = "unknown value type";
  return false;
}

void fromValue(wasm_store_t* store, const Value& v, wasm_val_t* out) {
  out->kind = toValKind(v.type);
  switch (v.type) {
    case ValType::I32: out->of.i32 = v.asI32(); break;
    case ValType::I64: out->of.i64 = v.asI64(); break;
    case ValType::F32: {
      uint32_t b = v.asF32Bits();
      std::memcpy(&out->of.f32, &b, 4);
      break;
    }
    case ValType::F64: {
      uint64_t b = v.asF64Bits();
      std::memcpy(&out->of.f64, &b, 8);
      break;
    }
    case ValType::V128: out->of.i64 = int64_t(v.bits); break;
    case ValType::FuncRef:
      out->of.ref = v.isNull() ? nullptr : newHandle(store->objectFor(Kind::Func, v.asFuncRef()));
      break;
    case ValType::ExternRef: {
      out->of.ref = nullptr;
      if (v.isNull()) break;
      auto it = store->externrefs.find(static_cast<const Object*>(v.asExternRef()));
      if (it != store->externrefs.end()) {
        out->of.ref = newHandle(it->second);
      } else {
        // A reference that did not come through this API (e.g. from a C++
        // host function): show it as a foreign object.
        out->of.ref = newHandle(std::make_shared<Object>(Kind::Foreign, store, v.asExternRef()));
      }
      break;
    }
    case ValType::ExnRef:  // opaque: an object that only goes back in (toValue)
      out->of.ref = v.isNull() ? nullptr
                               : newHandle(std::make_shared<Object>(Kind::Foreign, store,
                                                                    const_cast<WasmException*>(v.asExnRef())));
      break;
  }
}

// Traps ---------------------------------------------------------------------------

wasm_trap_t* newTrap(wasm_store_t* store, std::string message) {
  return newHandleAs<wasm_trap_t>(std::make_shared<TrapObject>(store, std::move(message)));
}

// The trap's frames as tern records them (innermost first), with their
// instance, function index and offsets. Host functions' frames are not part
// of a C API trace.
wasm_trap_t* newTrapFrom(wasm_store_t* store, const Trap& trap, const Instance*) {
  std::string message = trap.message;
  // WASI's proc_exit unwinds the guest with a trap whose message is just
  // "exit"; a C program that prints the message should see the status too.
  if (trap.kind == TrapKind::Exit && message == "exit") message = "exit with status " + std::to_string(trap.exit_code);
  auto t = std::make_shared<TrapObject>(store, std::move(message));
  t->kind = trap.kind;
  t->exit_code = trap.exit_code;
  for (const tern::TrapFrame& tf : trap.frames) {
    if (tf.host() || !tf.instance) continue;
    FrameInfo f;
    f.instance = store->objectFor(Kind::Instance, const_cast<Instance*>(tf.instance));
    f.func_index = tf.func_index;
    if (tf.module_offset != tern::TrapFrame::kNone) f.module_offset = tf.module_offset;
    if (tf.func_offset != tern::TrapFrame::kNone) f.func_offset = tf.func_offset;
    t->frames.push_back(std::move(f));
  }
  return newHandleAs<wasm_trap_t>(std::move(t));
}

wasm_instance_t* instantiate(wasm_store_t* store, const wasm_module_t* module, const wasm_extern_vec_t* imports,
                             wasm_trap_t** trap, Error* error) {
  *trap = nullptr;
  auto fail = [&](std::string message) -> wasm_instance_t* {
    *error = Error{ErrorKind::Link, std::move(message), SIZE_MAX};
    return nullptr;
  };
  if (!store || !module) return fail("null store or module");
  const std::shared_ptr<Module>& m = module->module().module;
  if (&m->engine() != &store->engine->engine) return fail("the module was compiled by another engine");
  const auto& wanted = tern::moduleData(*m).imports;
  size_t given = imports ? imports->size : 0;
  if (given < wanted.size())
    return fail("expected " + std::to_string(wanted.size()) + " imports, got " + std::to_string(given));
  std::vector<Extern> externs;
  externs.reserve(wanted.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    const wasm_extern_t* e = imports->data[i];
    std::string what = "import " + std::to_string(i) + " (" + wanted[i].module + "." + wanted[i].name + ")";
    if (!e) return fail(what + " is null");
    if (e->obj->store != store) return fail(what + " belongs to another store");
    externs.push_back(toExtern(*e->obj));
  }
  auto r = store->store->instantiate(m, externs);
  if (r) return newHandleAs<wasm_instance_t>(store->objectFor(Kind::Instance, r.value()));
  Error& e = r.error();
  if (e.kind != ErrorKind::Trap) {
    *error = std::move(e);
    return nullptr;
  }
  if (e.trap) {
    *trap = newTrapFrom(store, *e.trap, nullptr);
  } else {
    // A segment out of bounds (or no address space for a memory): no code
    // ran, so there is no trace; the kind is known from the spec's text.
    auto t = std::make_shared<TrapObject>(store, e.message);
    for (TrapKind k : {TrapKind::TableOutOfBounds, TrapKind::MemoryOutOfBounds})
      if (e.message == trapMessage(k)) t->kind = k;
    *trap = newHandleAs<wasm_trap_t>(std::move(t));
  }
  return nullptr;
}

}  // namespace tern::capi

using namespace tern::capi;

// Store ----------------------------------------------------------------------------

wasm_store_t::wasm_store_t(wasm_engine_t* e) : engine(e), store(std::make_unique<tern::Store>(e->engine)) {}

wasm_store_t::~wasm_store_t() {
  // Host info finalizers of objects no handle refers to any more, then the
  // runtime objects themselves (host functions' environment finalizers).
  externrefs.clear();
  objects.clear();
  store.reset();
  attachments.clear();
}

std::shared_ptr<Object> wasm_store_t::objectFor(Kind kind, void* ptr) {
  auto [it, inserted] = objects.try_emplace(ptr);
  if (inserted) it->second = std::make_shared<Object>(kind, this, ptr);
  return it->second;
}

// Frames -----------------------------------------------------------------------------

wasm_frame_t::wasm_frame_t(FrameInfo i) : info(std::move(i)) {
  if (info.instance) instance = newHandleAs<wasm_instance_t>(info.instance);
}
wasm_frame_t::~wasm_frame_t() { deleteHandle(instance); }

// References: the part every reference type shares --------------------------------

namespace {

void setHostInfo(Object& o, void* info, void (*finalizer)(void*)) {
  // The previous info is unreachable from now on: finalize it.
  if (o.host_finalizer) o.host_finalizer(o.host_info);
  o.host_info = info;
  o.host_finalizer = finalizer;
}

bool sameObject(const wasm_ref_t* a, const wasm_ref_t* b) {
  if (!a || !b) return a == b;
  return a->obj == b->obj;
}

}  // namespace

#define TERN_CAPI_REF_BASE(name) \
  extern "C" void wasm_##name##_delete(wasm_##name##_t* p) { deleteHandle(p); } \
  extern "C" wasm_##name##_t* wasm_##name##_copy(const wasm_##name##_t* p) { \
    return p ? static_cast<wasm_##name##_t*>(newHandle(p->obj)) : nullptr; \
  } \
  extern "C" bool wasm_##name##_same(const wasm_##name##_t* a, const wasm_##name##_t* b) { return sameObject(a, b); } \
  extern "C" void* wasm_##name##_get_host_info(const wasm_##name##_t* p) { return p->obj->host_info; } \
  extern "C" void wasm_##name##_set_host_info(wasm_##name##_t* p, void* info) { setHostInfo(*p->obj, info, nullptr); } \
  extern "C" void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t* p, void* info, void (*fin)(void*)) { \
    setHostInfo(*p->obj, info, fin); \
  }

#define TERN_CAPI_REF(name, matches) \
  TERN_CAPI_REF_BASE(name) \
  extern "C" wasm_ref_t* wasm_##name##_as_ref(wasm_##name##_t* p) { return p; } \
  extern "C" const wasm_ref_t* wasm_##name##_as_ref_const(const wasm_##name##_t* p) { return p; } \
  extern "C" wasm_##name##_t* wasm_ref_as_##name(wasm_ref_t* r) { \
    return r && (matches) ? static_cast<wasm_##name##_t*>(r) : nullptr; \
  } \
  extern "C" const wasm_##name##_t* wasm_ref_as_##name##_const(const wasm_ref_t* r) { \
    return r && (matches) ? static_cast<const wasm_##name##_t*>(r) : nullptr; \
  }

TERN_CAPI_REF_BASE(ref)
TERN_CAPI_REF(trap, r->kind() == Kind::Trap)
TERN_CAPI_REF(foreign, r->kind() == Kind::Foreign)
TERN_CAPI_REF(module, r->kind() == Kind::Module)
TERN_CAPI_REF(func, r->kind() == Kind::Func)
TERN_CAPI_REF(global, r->kind() == Kind::Global)
TERN_CAPI_REF(table, r->kind() == Kind::Table)
TERN_CAPI_REF(memory, r->kind() == Kind::Memory)
TERN_CAPI_REF(extern, isExternKind(r->kind()))
TERN_CAPI_REF(instance, r->kind() == Kind::Instance)

#undef TERN_CAPI_REF
#undef TERN_CAPI_REF_BASE

// Host functions ------------------------------------------------------------------------

namespace {

// Everything a host function created through the C API needs; shared by the
// copies of its tern::HostFn, so `finalizer` runs once the function is gone.
struct HostEnv {
  wasm_store_t* store = nullptr;
  tern::FuncType type;
  wasm_func_callback_t callback = nullptr;
  wasm_func_callback_with_env_t callback_with_env = nullptr;
  void* env = nullptr;
  void (*finalizer)(void*) = nullptr;
  ~HostEnv() {
    if (finalizer) finalizer(env);
  }
};

// A few values on the stack, more on the heap.
template <class T, size_t N = 8>
struct SmallBuf {
  T local[N];
  std::vector<T> heap;
  T* data;
  explicit SmallBuf(size_t n) : data(local) {
    if (n > N) {
      heap.resize(n);
      data = heap.data();
    }
  }
};

std::optional<tern::Trap> callHost(const HostEnv& h, std::span<const tern::Value> args,
                                   std::span<tern::Value> results) {
  SmallBuf<wasm_val_t> a(args.size()), r(results.size());
  for (size_t i = 0; i < args.size(); ++i) fromValue(h.store, args[i], &a.data[i]);
  for (size_t i = 0; i < results.size(); ++i) {
    r.data[i].kind = toValKind(h.type.results[i]);
    r.data[i].of.i64 = 0;
  }
  wasm_val_vec_t av{args.size(), a.data};
  wasm_val_vec_t rv{results.size(), r.data};
  wasm_trap_t* trap = nullptr;
  try {
    trap = h.callback_with_env ? h.callback_with_env(h.env, &av, &rv) : h.callback(&av, &rv);
  } catch (...) {
    // A callback written in C++ threw: release the values' references;
    // the host-call boundary turns the exception into a trap.
    for (size_t i = 0; i < args.size(); ++i) wasm_val_delete(&a.data[i]);
    for (size_t i = 0; i < results.size(); ++i) wasm_val_delete(&r.data[i]);
    throw;
  }
  for (size_t i = 0; i < args.size(); ++i) wasm_val_delete(&a.data[i]);

  std::optional<tern::Trap> out;
  if (trap) {
    out = tern::Trap::host(trap->kind() == Kind::Trap ? trap->trap().message : "host function trapped");
    // A trap the callback passed on from a call of its own (fuel ran out,
    // the epoch deadline passed, the guest exited) keeps its kind.
    if (trap->kind() == Kind::Trap && trap->trap().kind) {
      out->kind = *trap->trap().kind;
      out->exit_code = trap->trap().exit_code;
    }
    deleteHandle(trap);
  } else {
    for (size_t i = 0; i < results.size(); ++i) {
      std::string err;
      tern::Value v;
      if (!toValue(h.store, r.data[i], h.type.results[i], &v, &err)) {
        out = tern::Trap::host("host function result " + std::to_string(i) + ": " + err);
        break;
      }
      results[i] = v;
    }
  }
  for (size_t i = 0; i < results.size(); ++i) wasm_val_delete(&r.data[i]);
  return out;
}

wasm_func_t* newHostFunc(wasm_store_t* store, const wasm_functype_t* type, std::shared_ptr<HostEnv> env) {
  tern::FuncType ft;
  if (!store || !fromFuncType(type, &ft)) return nullptr;
  env->store = store;
  env->type = ft;
  tern::Func* f = store->store->createHostFunc(
      ft, [env](tern::Caller&, std::span<const tern::Value> args, std::span<tern::Value> results) {
        return callHost(*env, args, results);
      });
  return newHandleAs<wasm_func_t>(store->objectFor(Kind::Func, f));
}

tern::Extern externOf(const wasm_extern_t* e) { return toExtern(*e->obj); }

}  // namespace

extern "C" {

// Config and engine ------------------------------------------------------------------------

wasm_config_t* wasm_config_new(void) { return new wasm_config_t; }
void wasm_config_delete(wasm_config_t* c) { delete c; }

wasm_engine_t* wasm_engine_new(void) { return new wasm_engine_t(tern::Config{}); }
wasm_engine_t* wasm_engine_new_with_config(wasm_config_t* c) {
  tern::Config cfg = c ? c->config : tern::Config{};
  delete c;
  return new wasm_engine_t(cfg);
}
void wasm_engine_delete(wasm_engine_t* e) { delete e; }

// Store -------------------------------------------------------------------------------------

wasm_store_t* wasm_store_new(wasm_engine_t* e) { return e ? new wasm_store_t(e) : nullptr; }
void wasm_store_delete(wasm_store_t* s) { delete s; }

// Frames ------------------------------------------------------------------------------------

void wasm_frame_delete(wasm_frame_t* f) { delete f; }
wasm_frame_t* wasm_frame_copy(const wasm_frame_t* f) { return new wasm_frame_t(f->info); }
wasm_instance_t* wasm_frame_instance(const wasm_frame_t* f) { return f->instance; }
uint32_t wasm_frame_func_index(const wasm_frame_t* f) { return f->info.func_index; }
size_t wasm_frame_func_offset(const wasm_frame_t* f) { return f->info.func_offset; }
size_t wasm_frame_module_offset(const wasm_frame_t* f) { return f->info.module_offset; }

// Traps -------------------------------------------------------------------------------------

wasm_trap_t* wasm_trap_new(wasm_store_t* store, const wasm_message_t* message) {
  std::string msg;
  if (message && message->size) {
    msg.assign(message->data, message->size);
    if (!msg.empty() && msg.back() == '\0') msg.pop_back();
  }
  return newTrap(store, std::move(msg));
}

void wasm_trap_message(const wasm_trap_t* trap, wasm_message_t* out) {
  const std::string& m = trap->trap().message;
  wasm_byte_vec_new_uninitialized(out, m.size() + 1);
  std::memcpy(out->data, m.data(), m.size());
  out->data[m.size()] = '\0';
}

wasm_frame_t* wasm_trap_origin(const wasm_trap_t* trap) {
  const auto& frames = trap->trap().frames;
  return frames.empty() ? nullptr : new wasm_frame_t(frames.front());
}

void wasm_trap_trace(const wasm_trap_t* trap, wasm_frame_vec_t* out) {
  const auto& frames = trap->trap().frames;
  wasm_frame_vec_new_uninitialized(out, frames.size());
  for (size_t i = 0; i < frames.size(); ++i) out->data[i] = new wasm_frame_t(frames[i]);
}

// Foreign objects -----------------------------------------------------------------------------

wasm_foreign_t* wasm_foreign_new(wasm_store_t* store) {
  return newHandleAs<wasm_foreign_t>(std::make_shared<Object>(Kind::Foreign, store, nullptr));
}

// Modules ---------------------------------------------------------------------------------------

wasm_module_t* wasm_module_new(wasm_store_t* store, const wasm_byte_vec_t* binary) {
  if (!store || !binary) return nullptr;
  const auto* p = reinterpret_cast<const uint8_t*>(binary->data);
  auto m = tern::Module::compile(store->engine->engine, std::span<const uint8_t>(p, binary->size));
  if (!m) return nullptr;
  return newHandleAs<wasm_module_t>(std::make_shared<ModuleObject>(std::move(m.value())));
}

bool wasm_module_validate(wasm_store_t*, const wasm_byte_vec_t* binary) {
  if (!binary) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(binary->data);
  return !tern::Module::validate(std::span<const uint8_t>(p, binary->size)).has_value();
}

void wasm_module_imports(const wasm_module_t* module, wasm_importtype_vec_t* out) {
  std::vector<tern::ImportInfo> imports = module->module().module->imports();
  wasm_importtype_vec_new_uninitialized(out, imports.size());
  for (size_t i = 0; i < imports.size(); ++i) {
    wasm_name_t m, n;
    setName(&m, imports[i].module);
    setName(&n, imports[i].name);
    out->data[i] = wasm_importtype_new(&m, &n, newExternType(imports[i].type));
  }
}

void wasm_module_exports(const wasm_module_t* module, wasm_exporttype_vec_t* out) {
  std::vector<tern::ExportInfo> exports = module->module().module->exports();
  wasm_exporttype_vec_new_uninitialized(out, exports.size());
  for (size_t i = 0; i < exports.size(); ++i) {
    wasm_name_t n;
    setName(&n, exports[i].name);
    out->data[i] = wasm_exporttype_new(&n, newExternType(exports[i].type));
  }
}

// The serialized form is a .cwasm image (Module::serialize), which
// deserializing loads without compiling; a module without machine code (the
// interpreter tier) serializes to its binary, which deserializing compiles.
void wasm_module_serialize(const wasm_module_t* module, wasm_byte_vec_t* out) {
  const tern::Module& m = *module->module().module;
  if (auto image = m.serialize()) {
    wasm_byte_vec_new(out, image->size(), reinterpret_cast<const wasm_byte_t*>(image->data()));
    return;
  }
  std::span<const uint8_t> b = tern::moduleData(m).bytes.span();
  wasm_byte_vec_new(out, b.size(), reinterpret_cast<const wasm_byte_t*>(b.data()));
}

wasm_module_t* wasm_module_deserialize(wasm_store_t* store, const wasm_byte_vec_t* bytes) {
  if (!store || !bytes) return nullptr;
  auto span = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data), bytes->size);
  if (!tern::Module::isPrecompiled(span)) return wasm_module_new(store, bytes);
  auto m = tern::Module::deserialize(store->engine->engine, span);
  if (!m) return nullptr;
  return newHandleAs<wasm_module_t>(std::make_shared<ModuleObject>(std::move(m.value())));
}

void wasm_shared_module_delete(wasm_shared_module_t* s) { delete s; }

wasm_shared_module_t* wasm_module_share(const wasm_module_t* module) {
  return new wasm_shared_module_t{module->module().module};
}

wasm_module_t* wasm_module_obtain(wasm_store_t* store, const wasm_shared_module_t* shared) {
  if (!store || !shared || &shared->module->engine() != &store->engine->engine) return nullptr;
  return newHandleAs<wasm_module_t>(std::make_shared<ModuleObject>(shared->module));
}

// Functions ---------------------------------------------------------------------------------------

wasm_func_t* wasm_func_new(wasm_store_t* store, const wasm_functype_t* type, wasm_func_callback_t callback) {
  if (!callback) return nullptr;
  auto env = std::make_shared<HostEnv>();
  env->callback = callback;
  return newHostFunc(store, type, std::move(env));
}

wasm_func_t* wasm_func_new_with_env(wasm_store_t* store, const wasm_functype_t* type,
                                    wasm_func_callback_with_env_t callback, void* env, void (*finalizer)(void*)) {
  if (!callback) return nullptr;
  auto h = std::make_shared<HostEnv>();
  h->callback_with_env = callback;
  h->env = env;
  h->finalizer = finalizer;
  return newHostFunc(store, type, std::move(h));
}

wasm_functype_t* wasm_func_type(const wasm_func_t* func) { return newFuncType(func->obj->func()->type()); }
size_t wasm_func_param_arity(const wasm_func_t* func) { return func->obj->func()->type().params.size(); }
size_t wasm_func_result_arity(const wasm_func_t* func) { return func->obj->func()->type().results.size(); }

wasm_trap_t* wasm_func_call(const wasm_func_t* func, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_store_t* store = func->obj->store;
  tern::Func* f = func->obj->func();
  size_t nargs = args ? args->size : 0;
  size_t nresults = results ? results->size : 0;
  SmallBuf<tern::Value> values(nargs);
  {
    // Engine::typeOf refers into a table that may grow while the call runs:
    // use the type only before the call, and look it up again after.
    const tern::FuncType& ft = f->type();
    if (nargs != ft.params.size())
      return newTrap(store, "wrong number of arguments: expected " + std::to_string(ft.params.size()) + ", got " +
                                std::to_string(nargs));
    for (size_t i = 0; i < nargs; ++i) {
      std::string err;
      if (!toValue(store, args->data[i], ft.params[i], &values.data[i], &err))
        return newTrap(store, "argument " + std::to_string(i) + ": " + err);
    }
  }
  auto r = f->call(std::span<const tern::Value>(values.data, nargs));
  if (!r) return newTrapFrom(store, r.error(), tern::funcInst(f)->instance_);
  // The results vector is checked only now: a call that traps writes no
  // results, so callers (the reference examples among them) may pass an
  // empty vector to a function that is expected to trap.
  const std::vector<tern::Value>& out = r.value();
  for (size_t i = 0; i < out.size() && i < nresults; ++i) fromValue(store, out[i], &results->data[i]);
  if (nresults < out.size())
    return newTrap(store, "results vector too small: expected " + std::to_string(out.size()) + " elements, got " +
                              std::to_string(nresults));
  return nullptr;
}

// Globals ---------------------------------------------------------------------------------------------

wasm_global_t* wasm_global_new(wasm_store_t* store, const wasm_globaltype_t* type, const wasm_val_t* val) {
  tern::ValType vt;
  if (!store || !type || !val || !fromValKind(type->content->kind, &vt)) return nullptr;
  tern::Value v;
  std::string err;
  if (!toValue(store, *val, vt, &v, &err)) return nullptr;
  tern::Global* g = store->store->createGlobal({vt, type->mutability == WASM_VAR}, v);
  return newHandleAs<wasm_global_t>(store->objectFor(Kind::Global, g));
}

wasm_globaltype_t* wasm_global_type(const wasm_global_t* global) {
  tern::GlobalType t = global->obj->global()->type();
  return new wasm_globaltype_t(wasm_valtype_new(toValKind(t.type)), t.mut ? WASM_VAR : WASM_CONST);
}

void wasm_global_get(const wasm_global_t* global, wasm_val_t* out) {
  fromValue(global->obj->store, global->obj->global()->get(), out);
}

// Setting an immutable global, or setting a value of another type, does nothing.
void wasm_global_set(wasm_global_t* global, const wasm_val_t* val) {
  tern::Global* g = global->obj->global();
  tern::Value v;
  std::string err;
  if (!g->type().mut || !toValue(global->obj->store, *val, g->type().type, &v, &err)) return;
  (void)g->set(v);
}

// Tables ------------------------------------------------------------------------------------------------

namespace {

bool toRefValue(wasm_store_t* store, tern::ValType elem, wasm_ref_t* ref, tern::Value* out) {
  wasm_val_t v;
  v.kind = toValKind(elem);
  v.of.ref = ref;
  std::string err;
  return toValue(store, v, elem, out, &err);
}

}  // namespace

wasm_table_t* wasm_table_new(wasm_store_t* store, const wasm_tabletype_t* type, wasm_ref_t* init) {
  tern::ValType elem;
  if (!store || !type || !fromValKind(type->element->kind, &elem) || !tern::isRefType(elem)) return nullptr;
  tern::Limits limits = fromLimits(type->limits);
  if (limits.max && *limits.max < limits.min) return nullptr;
  // The store's element limits (tern_store_limiter's and Tern's own) count
  // tables made here too.
  if (limits.min > tern::implOf(*store->store).tableRoom()) return nullptr;
  tern::Value v;
  if (!toRefValue(store, elem, init, &v)) return nullptr;
  tern::Table* t = store->store->createTable({elem, limits}, v);
  return newHandleAs<wasm_table_t>(store->objectFor(Kind::Table, t));
}

wasm_tabletype_t* wasm_table_type(const wasm_table_t* table) {
  return static_cast<wasm_tabletype_t*>(newExternType(externOf(table).type()));
}

wasm_ref_t* wasm_table_get(const wasm_table_t* table, wasm_table_size_t index) {
  std::optional<tern::Value> v = table->obj->table()->get(index);
  if (!v || v->isNull()) return nullptr;
  wasm_val_t out;
  fromValue(table->obj->store, *v, &out);
  return out.of.ref;
}

bool wasm_table_set(wasm_table_t* table, wasm_table_size_t index, wasm_ref_t* ref) {
  tern::Table* t = table->obj->table();
  tern::Value v;
  if (index >= t->size() || !toRefValue(table->obj->store, t->type().elem, ref, &v)) return false;
  return t->set(index, v);
}

wasm_table_size_t wasm_table_size(const wasm_table_t* table) { return table->obj->table()->size(); }

bool wasm_table_grow(wasm_table_t* table, wasm_table_size_t delta, wasm_ref_t* init) {
  tern::Table* t = table->obj->table();
  tern::Value v;
  if (!toRefValue(table->obj->store, t->type().elem, init, &v)) return false;
  return t->grow(delta, v) >= 0;
}

// Memories ------------------------------------------------------------------------------------------------

wasm_memory_t* wasm_memory_new(wasm_store_t* store, const wasm_memorytype_t* type) {
  if (!store || !type) return nullptr;
  const uint64_t max_pages = type->type.is64 ? uint64_t(1) << 48 : 65536;
  const tern::Limits& limits = type->type.limits;
  if (limits.min > max_pages || (limits.max && (*limits.max > max_pages || *limits.max < limits.min))) return nullptr;
  auto m = store->store->createMemory(type->type);
  if (!m) return nullptr;
  return newHandleAs<wasm_memory_t>(store->objectFor(Kind::Memory, m.value()));
}

wasm_memorytype_t* wasm_memory_type(const wasm_memory_t* memory) {
  return static_cast<wasm_memorytype_t*>(newExternType(externOf(memory).type()));
}

byte_t* wasm_memory_data(wasm_memory_t* memory) { return reinterpret_cast<byte_t*>(memory->obj->memory()->data()); }

size_t wasm_memory_data_size(const wasm_memory_t* memory) { return size_t(memory->obj->memory()->size()); }

wasm_memory_pages_t wasm_memory_size(const wasm_memory_t* memory) {
  return wasm_memory_pages_t(memory->obj->memory()->pages());
}

bool wasm_memory_grow(wasm_memory_t* memory, wasm_memory_pages_t delta) {
  return memory->obj->memory()->grow(delta) >= 0;
}

// Externs -------------------------------------------------------------------------------------------------

wasm_externkind_t wasm_extern_kind(const wasm_extern_t* e) { return externKindOf(e->kind()); }

wasm_externtype_t* wasm_extern_type(const wasm_extern_t* e) { return newExternType(externOf(e).type()); }

wasm_extern_t* wasm_func_as_extern(wasm_func_t* p) { return p; }
wasm_extern_t* wasm_global_as_extern(wasm_global_t* p) { return p; }
wasm_extern_t* wasm_table_as_extern(wasm_table_t* p) { return p; }
wasm_extern_t* wasm_memory_as_extern(wasm_memory_t* p) { return p; }
const wasm_extern_t* wasm_func_as_extern_const(const wasm_func_t* p) { return p; }
const wasm_extern_t* wasm_global_as_extern_const(const wasm_global_t* p) { return p; }
const wasm_extern_t* wasm_table_as_extern_const(const wasm_table_t* p) { return p; }
const wasm_extern_t* wasm_memory_as_extern_const(const wasm_memory_t* p) { return p; }

wasm_func_t* wasm_extern_as_func(wasm_extern_t* e) {
  return e && e->kind() == Kind::Func ? static_cast<wasm_func_t*>(e) : nullptr;
}
wasm_global_t* wasm_extern_as_global(wasm_extern_t* e) {
  return e && e->kind() == Kind::Global ? static_cast<wasm_global_t*>(e) : nullptr;
}
wasm_table_t* wasm_extern_as_table(wasm_extern_t* e) {
  return e && e->kind() == Kind::Table ? static_cast<wasm_table_t*>(e) : nullptr;
}
wasm_memory_t* wasm_extern_as_memory(wasm_extern_t* e) {
  return e && e->kind() == Kind::Memory ? static_cast<wasm_memory_t*>(e) : nullptr;
}
const wasm_func_t* wasm_extern_as_func_const(const wasm_extern_t* e) {
  return e && e->kind() == Kind::Func ? static_cast<const wasm_func_t*>(e) : nullptr;
}
const wasm_global_t* wasm_extern_as_global_const(const wasm_extern_t* e) {
  return e && e->kind() == Kind::Global ? static_cast<const wasm_global_t*>(e) : nullptr;
}
const wasm_table_t* wasm_extern_as_table_const(const wasm_extern_t* e) {
  return e && e->kind() == Kind::Table ? static_cast<const wasm_table_t*>(e) : nullptr;
}
const wasm_memory_t* wasm_extern_as_memory_const(const wasm_extern_t* e) {
  return e && e->kind() == Kind::Memory ? static_cast<const wasm_memory_t*>(e) : nullptr;
}

// Instances -------------------------------------------------------------------------------------------------

wasm_instance_t* wasm_instance_new(wasm_store_t* store, const wasm_module_t* module, const wasm_extern_vec_t* imports,
                                   wasm_trap_t** trap) {
  if (trap) *trap = nullptr;
  wasm_trap_t* t = nullptr;
  tern::Error error;
  wasm_instance_t* inst = instantiate(store, module, imports, &t, &error);
  if (inst) return inst;
  // The standard API has only traps to say why: a link error becomes one.
  if (!t) t = newTrap(store, error.toString());
  if (trap) *trap = t;
  else deleteHandle(t);
  return nullptr;
}

void wasm_instance_exports(const wasm_instance_t* instance, wasm_extern_vec_t* out) {
  const tern::ModuleInst* inst = tern::moduleInst(instance->obj->instance());
  wasm_store_t* store = instance->obj->store;
  const auto& exports = inst->module_->data().exports;
  wasm_extern_vec_new_uninitialized(out, exports.size());
  for (size_t i = 0; i < exports.size(); ++i) {
    const tern::Export& e = exports[i];
    tern::Extern ext;
    switch (e.kind) {
      case tern::ExternKind::Func: ext = tern::Extern(inst->funcs_[e.index]); break;
      case tern::ExternKind::Table: ext = tern::Extern(inst->tables_[e.index]); break;
      case tern::ExternKind::Memory: ext = tern::Extern(inst->memories_[e.index]); break;
      case tern::ExternKind::Global: ext = tern::Extern(inst->globals_[e.index]); break;
      case tern::ExternKind::Tag: break;  // no tag kind in the C API (kindOf): a null extern
    }
    out->data[i] = ext.ptr ? newExternHandle(store, ext) : nullptr;
  }
}

}  // extern "C"
