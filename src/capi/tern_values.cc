// tern.h's v128 values: tern_val_t, and the calls, host functions and
// globals that take it. A tern_val_t of a wasm_val_t kind goes through
// wasm_objects.cc's conversions (toValue/fromValue), so references behave
// exactly as in wasm.h's functions; a TERN_V128 one is its 16 bytes.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "capi/capi.h"
#include "tern.h"

using namespace tern::capi;

namespace {

static_assert(TERN_V128 == 4, "wasm_types.cc gives v128 the kind 4");

wasm_val_t asWasmVal(const tern_val_t& v) {
  wasm_val_t w;
  w.kind = v.kind;
  std::memcpy(&w.of, &v.of, sizeof w.of);
  return w;
}

bool toValueV(wasm_store_t* store, const tern_val_t& v, tern::ValType want, tern::Value* out, std::string* err) {
  if (want != tern::ValType::V128) return toValue(store, asWasmVal(v), want, out, err);
  if (v.kind != TERN_V128) {
    *err = "type mismatch: expected v128";
    return false;
  }
  tern::V128 x;
  std::memcpy(&x.lo, v.of.v128, 8);
  std::memcpy(&x.hi, v.of.v128 + 8, 8);
  *out = tern::Value::v128(x);
  return true;
}

void fromValueV(wasm_store_t* store, const tern::Value& v, tern_val_t* out) {
  std::memset(out, 0, sizeof *out);
  if (v.type == tern::ValType::V128) {
    out->kind = TERN_V128;
    std::memcpy(out->of.v128, &v.bits, 8);
    std::memcpy(out->of.v128 + 8, &v.hi, 8);
    return;
  }
  wasm_val_t w;
  fromValue(store, v, &w);
  out->kind = w.kind;
  std::memcpy(&out->of, &w.of, sizeof w.of);
}

// What a tern_func_new function keeps; `finalizer` runs once the last copy
// of its tern::HostFn is gone.
struct HostEnvV {
  wasm_store_t* store = nullptr;
  tern::FuncType type;
  tern_func_callback_t callback = nullptr;
  void* env = nullptr;
  void (*finalizer)(void*) = nullptr;
  ~HostEnvV() {
    if (finalizer) finalizer(env);
  }
};

std::optional<tern::Trap> callHostV(const HostEnvV& h, std::span<const tern::Value> args,
                                    std::span<tern::Value> results) {
  std::vector<tern_val_t> a(args.size()), r(results.size());
  for (size_t i = 0; i < args.size(); ++i) fromValueV(h.store, args[i], &a[i]);
  for (size_t i = 0; i < results.size(); ++i) {
    std::memset(&r[i], 0, sizeof r[i]);
    r[i].kind = toValKind(h.type.results[i]);
  }
  struct Release {  // the values' references, whether the callback returns or throws
    std::vector<tern_val_t>& a;
    std::vector<tern_val_t>& r;
    ~Release() {
      for (tern_val_t& v : a) tern_val_delete(&v);
      for (tern_val_t& v : r) tern_val_delete(&v);
    }
  } release{a, r};
  wasm_trap_t* trap = h.callback(h.env, a.data(), a.size(), r.data(), r.size());
  if (trap) {
    bool is_trap = trap->kind() == Kind::Trap;
    tern::Trap out = tern::Trap::host(is_trap ? trap->trap().message : "host function trapped");
    if (is_trap && trap->trap().kind) {
      out.kind = *trap->trap().kind;
      out.exit_code = trap->trap().exit_code;
    }
    deleteHandle(trap);
    return out;
  }
  for (size_t i = 0; i < results.size(); ++i) {
    std::string err;
    if (!toValueV(h.store, r[i], h.type.results[i], &results[i], &err))
      return tern::Trap::host("host function result " + std::to_string(i) + ": " + err);
  }
  return std::nullopt;
}

}  // namespace

extern "C" {

void tern_val_delete(tern_val_t* v) {
  if (!v || v->kind == TERN_V128) return;
  wasm_val_t w = asWasmVal(*v);
  wasm_val_delete(&w);
  v->of.ref = nullptr;
}

wasm_trap_t* tern_func_call(const wasm_func_t* func, const tern_val_t* args, size_t nargs, tern_val_t* results,
                            size_t nresults) {
  wasm_store_t* store = func->obj->store;
  tern::Func* f = func->obj->func();
  std::vector<tern::Value> values(nargs);
  {
    const tern::FuncType& ft = f->type();  // used before the call only, as in wasm_func_call
    if (nargs != ft.params.size())
      return newTrap(store, "wrong number of arguments: expected " + std::to_string(ft.params.size()) + ", got " +
                                std::to_string(nargs));
    for (size_t i = 0; i < nargs; ++i) {
      std::string err;
      if (!toValueV(store, args[i], ft.params[i], &values[i], &err))
        return newTrap(store, "argument " + std::to_string(i) + ": " + err);
    }
  }
  auto r = f->call(values);
  if (!r) return newTrapFrom(store, r.error(), nullptr);
  const std::vector<tern::Value>& out = r.value();
  if (nresults < out.size())
    return newTrap(store, "results array too small: expected " + std::to_string(out.size()) + " elements, got " +
                              std::to_string(nresults));
  for (size_t i = 0; i < out.size(); ++i) fromValueV(store, out[i], &results[i]);
  return nullptr;
}

wasm_func_t* tern_func_new(wasm_store_t* store, const wasm_functype_t* type, tern_func_callback_t callback, void* env,
                           void (*finalizer)(void*)) {
  tern::FuncType ft;
  if (!store || !callback || !fromFuncType(type, &ft)) return nullptr;
  auto h = std::make_shared<HostEnvV>();
  h->store = store;
  h->type = ft;
  h->callback = callback;
  h->env = env;
  h->finalizer = finalizer;
  tern::Func* f = store->store->createHostFunc(
      ft, [h](tern::Caller&, std::span<const tern::Value> args, std::span<tern::Value> results) {
        return callHostV(*h, args, results);
      });
  return newHandleAs<wasm_func_t>(store->objectFor(Kind::Func, f));
}

wasm_global_t* tern_global_new(wasm_store_t* store, const wasm_globaltype_t* type, const tern_val_t* val) {
  tern::ValType vt;
  if (!store || !type || !val || !fromValKind(type->content->kind, &vt)) return nullptr;
  tern::Value v;
  std::string err;
  if (!toValueV(store, *val, vt, &v, &err)) return nullptr;
  tern::Global* g = store->store->createGlobal({vt, type->mutability == WASM_VAR}, v);
  return newHandleAs<wasm_global_t>(store->objectFor(Kind::Global, g));
}

void tern_global_get(const wasm_global_t* global, tern_val_t* out) {
  fromValueV(global->obj->store, global->obj->global()->get(), out);
}

bool tern_global_set(wasm_global_t* global, const tern_val_t* val) {
  tern::Global* g = global->obj->global();
  tern::Value v;
  std::string err;
  if (!val || !g->type().mut || !toValueV(global->obj->store, *val, g->type().type, &v, &err)) return false;
  return g->set(v);
}

}  // extern "C"
