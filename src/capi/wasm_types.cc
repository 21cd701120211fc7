// The C API's vectors and type objects: wasm_*_vec_t, wasm_valtype_t,
// wasm_functype_t, wasm_globaltype_t, wasm_tabletype_t, wasm_memorytype_t,
// wasm_externtype_t, wasm_importtype_t, wasm_exporttype_t.
#include <cstdlib>
#include <cstring>

#include "capi/capi.h"

namespace {

// Vector storage comes from calloc, so that "uninitialized" vectors hold
// zeros (null pointers, i32 zeros) that are safe to delete.
template <class T>
T* allocArray(size_t n) {
  if (n == 0) return nullptr;
  void* p = std::calloc(n, sizeof(T));
  if (!p) std::abort();
  return static_cast<T*>(p);
}

template <class V>
void vecNewEmpty(V* out) {
  out->size = 0;
  out->data = nullptr;
}

template <class V, class T>
void vecNewUninitialized(V* out, size_t n) {
  out->size = n;
  out->data = allocArray<T>(n);
}

// Takes the elements (for pointers and references: their ownership) as given.
template <class V, class T>
void vecNew(V* out, size_t n, const T* src) {
  out->size = n;
  out->data = allocArray<T>(n);
  if (n) std::memcpy(static_cast<void*>(out->data), static_cast<const void*>(src), n * sizeof(T));
}

template <class V>
void vecFree(V* v) {
  std::free(v->data);
  v->size = 0;
  v->data = nullptr;
}

}  // namespace

// Vectors of values held inline (bytes) ---------------------------------------

extern "C" {

void wasm_byte_vec_new_empty(wasm_byte_vec_t* out) { vecNewEmpty(out); }
void wasm_byte_vec_new_uninitialized(wasm_byte_vec_t* out, size_t n) {
  vecNewUninitialized<wasm_byte_vec_t, wasm_byte_t>(out, n);
}
void wasm_byte_vec_new(wasm_byte_vec_t* out, size_t n, const wasm_byte_t src[]) { vecNew(out, n, src); }
void wasm_byte_vec_copy(wasm_byte_vec_t* out, const wasm_byte_vec_t* src) { vecNew(out, src->size, src->data); }
void wasm_byte_vec_delete(wasm_byte_vec_t* v) {
  if (v) vecFree(v);
}

// Values: a reference-kind value owns its handle.

void wasm_val_delete(wasm_val_t* v) {
  if (v && wasm_valkind_is_ref(v->kind) && v->of.ref) {
    wasm_ref_delete(v->of.ref);
    v->of.ref = nullptr;
  }
}

void wasm_val_copy(wasm_val_t* out, const wasm_val_t* v) {
  *out = *v;
  if (wasm_valkind_is_ref(v->kind) && v->of.ref) out->of.ref = wasm_ref_copy(v->of.ref);
}

void wasm_val_vec_new_empty(wasm_val_vec_t* out) { vecNewEmpty(out); }
void wasm_val_vec_new_uninitialized(wasm_val_vec_t* out, size_t n) {
  vecNewUninitialized<wasm_val_vec_t, wasm_val_t>(out, n);
}
void wasm_val_vec_new(wasm_val_vec_t* out, size_t n, const wasm_val_t src[]) { vecNew(out, n, src); }
void wasm_val_vec_copy(wasm_val_vec_t* out, const wasm_val_vec_t* src) {
  out->size = src->size;
  out->data = allocArray<wasm_val_t>(src->size);
  for (size_t i = 0; i < src->size; ++i) wasm_val_copy(&out->data[i], &src->data[i]);
}
void wasm_val_vec_delete(wasm_val_vec_t* v) {
  if (!v) return;
  for (size_t i = 0; i < v->size; ++i) wasm_val_delete(&v->data[i]);
  vecFree(v);
}

}  // extern "C"

// Vectors of owned pointers ----------------------------------------------------

#define TERN_CAPI_PTR_VEC(name) \
  extern "C" void wasm_##name##_vec_new_empty(wasm_##name##_vec_t* out) { vecNewEmpty(out); } \
  extern "C" void wasm_##name##_vec_new_uninitialized(wasm_##name##_vec_t* out, size_t n) { \
    vecNewUninitialized<wasm_##name##_vec_t, wasm_##name##_t*>(out, n); \
  } \
  extern "C" void wasm_##name##_vec_new(wasm_##name##_vec_t* out, size_t n, wasm_##name##_t* const src[]) { \
    vecNew(out, n, src); \
  } \
  extern "C" void wasm_##name##_vec_copy(wasm_##name##_vec_t* out, const wasm_##name##_vec_t* src) { \
    out->size = src->size; \
    out->data = allocArray<wasm_##name##_t*>(src->size); \
    for (size_t i = 0; i < src->size; ++i) out->data[i] = src->data[i] ? wasm_##name##_copy(src->data[i]) : nullptr; \
  } \
  extern "C" void wasm_##name##_vec_delete(wasm_##name##_vec_t* v) { \
    if (!v) return; \
    for (size_t i = 0; i < v->size; ++i) \
      if (v->data[i]) wasm_##name##_delete(v->data[i]); \
    vecFree(v); \
  }

TERN_CAPI_PTR_VEC(valtype)
TERN_CAPI_PTR_VEC(functype)
TERN_CAPI_PTR_VEC(globaltype)
TERN_CAPI_PTR_VEC(tabletype)
TERN_CAPI_PTR_VEC(memorytype)
TERN_CAPI_PTR_VEC(externtype)
TERN_CAPI_PTR_VEC(importtype)
TERN_CAPI_PTR_VEC(exporttype)
TERN_CAPI_PTR_VEC(frame)
TERN_CAPI_PTR_VEC(extern)

#undef TERN_CAPI_PTR_VEC

// Type objects -------------------------------------------------------------------

wasm_functype_t::~wasm_functype_t() {
  wasm_valtype_vec_delete(&params);
  wasm_valtype_vec_delete(&results);
}
wasm_globaltype_t::~wasm_globaltype_t() { delete content; }
wasm_tabletype_t::~wasm_tabletype_t() { delete element; }
wasm_importtype_t::~wasm_importtype_t() {
  wasm_byte_vec_delete(&module);
  wasm_byte_vec_delete(&name);
  delete type;
}
wasm_exporttype_t::~wasm_exporttype_t() {
  wasm_byte_vec_delete(&name);
  delete type;
}

extern "C" {

// Value types

wasm_valtype_t* wasm_valtype_new(wasm_valkind_t k) { return new wasm_valtype_t{k}; }
wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t* t) { return t->kind; }
wasm_valtype_t* wasm_valtype_copy(const wasm_valtype_t* t) { return new wasm_valtype_t{t->kind}; }
void wasm_valtype_delete(wasm_valtype_t* t) { delete t; }

// Function types: take the two vectors' contents, leaving them empty.

wasm_functype_t* wasm_functype_new(wasm_valtype_vec_t* params, wasm_valtype_vec_t* results) {
  auto* t = new wasm_functype_t(*params, *results);
  vecNewEmpty(params);
  vecNewEmpty(results);
  return t;
}
const wasm_valtype_vec_t* wasm_functype_params(const wasm_functype_t* t) { return &t->params; }
const wasm_valtype_vec_t* wasm_functype_results(const wasm_functype_t* t) { return &t->results; }
wasm_functype_t* wasm_functype_copy(const wasm_functype_t* t) {
  wasm_valtype_vec_t p, r;
  wasm_valtype_vec_copy(&p, &t->params);
  wasm_valtype_vec_copy(&r, &t->results);
  return new wasm_functype_t(p, r);
}
void wasm_functype_delete(wasm_functype_t* t) { delete t; }

// Global types

wasm_globaltype_t* wasm_globaltype_new(wasm_valtype_t* content, wasm_mutability_t m) {
  return new wasm_globaltype_t(content, m);
}
const wasm_valtype_t* wasm_globaltype_content(const wasm_globaltype_t* t) { return t->content; }
wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t* t) { return t->mutability; }
wasm_globaltype_t* wasm_globaltype_copy(const wasm_globaltype_t* t) {
  return new wasm_globaltype_t(wasm_valtype_copy(t->content), t->mutability);
}
void wasm_globaltype_delete(wasm_globaltype_t* t) { delete t; }

// Table types

wasm_tabletype_t* wasm_tabletype_new(wasm_valtype_t* element, const wasm_limits_t* limits) {
  return new wasm_tabletype_t(element, *limits);
}
const wasm_valtype_t* wasm_tabletype_element(const wasm_tabletype_t* t) { return t->element; }
const wasm_limits_t* wasm_tabletype_limits(const wasm_tabletype_t* t) { return &t->limits; }
wasm_tabletype_t* wasm_tabletype_copy(const wasm_tabletype_t* t) {
  return new wasm_tabletype_t(wasm_valtype_copy(t->element), t->limits);
}
void wasm_tabletype_delete(wasm_tabletype_t* t) { delete t; }

// Memory types

wasm_memorytype_t* wasm_memorytype_new(const wasm_limits_t* limits) {
  return new wasm_memorytype_t(tern::MemoryType{tern::capi::fromLimits(*limits)});
}
const wasm_limits_t* wasm_memorytype_limits(const wasm_memorytype_t* t) { return &t->limits; }
wasm_memorytype_t* wasm_memorytype_copy(const wasm_memorytype_t* t) { return new wasm_memorytype_t(t->type); }
// memory64 (tern.h): the limits in 64 bits and the index type.
wasm_memorytype_t* tern_memorytype_new(uint64_t min, bool max_present, uint64_t max, bool is64) {
  tern::MemoryType t{{min, std::nullopt}, is64};
  if (max_present) t.limits.max = max;
  return new wasm_memorytype_t(t);
}
bool tern_memorytype_is64(const wasm_memorytype_t* t) { return t->type.is64; }
uint64_t tern_memorytype_minimum(const wasm_memorytype_t* t) { return t->type.limits.min; }
bool tern_memorytype_maximum(const wasm_memorytype_t* t, uint64_t* max) {
  if (t->type.limits.max) *max = *t->type.limits.max;
  return t->type.limits.max.has_value();
}
void wasm_memorytype_delete(wasm_memorytype_t* t) { delete t; }

// Extern types: the four specific types derive from wasm_externtype_t.

wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t* t) { return t->kind; }

wasm_externtype_t* wasm_externtype_copy(const wasm_externtype_t* t) {
  switch (t->kind) {
    case WASM_EXTERN_FUNC: return wasm_functype_copy(static_cast<const wasm_functype_t*>(t));
    case WASM_EXTERN_GLOBAL: return wasm_globaltype_copy(static_cast<const wasm_globaltype_t*>(t));
    case WASM_EXTERN_TABLE: return wasm_tabletype_copy(static_cast<const wasm_tabletype_t*>(t));
    case WASM_EXTERN_MEMORY: return wasm_memorytype_copy(static_cast<const wasm_memorytype_t*>(t));
  }
  return nullptr;
}
void wasm_externtype_delete(wasm_externtype_t* t) { delete t; }

wasm_externtype_t* wasm_functype_as_externtype(wasm_functype_t* t) { return t; }
wasm_externtype_t* wasm_globaltype_as_externtype(wasm_globaltype_t* t) { return t; }
wasm_externtype_t* wasm_tabletype_as_externtype(wasm_tabletype_t* t) { return t; }
wasm_externtype_t* wasm_memorytype_as_externtype(wasm_memorytype_t* t) { return t; }
const wasm_externtype_t* wasm_functype_as_externtype_const(const wasm_functype_t* t) { return t; }
const wasm_externtype_t* wasm_globaltype_as_externtype_const(const wasm_globaltype_t* t) { return t; }
const wasm_externtype_t* wasm_tabletype_as_externtype_const(const wasm_tabletype_t* t) { return t; }
const wasm_externtype_t* wasm_memorytype_as_externtype_const(const wasm_memorytype_t* t) { return t; }

wasm_functype_t* wasm_externtype_as_functype(wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_FUNC ? static_cast<wasm_functype_t*>(t) : nullptr;
}
wasm_globaltype_t* wasm_externtype_as_globaltype(wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_GLOBAL ? static_cast<wasm_globaltype_t*>(t) : nullptr;
}
wasm_tabletype_t* wasm_externtype_as_tabletype(wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_TABLE ? static_cast<wasm_tabletype_t*>(t) : nullptr;
}
wasm_memorytype_t* wasm_externtype_as_memorytype(wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_MEMORY ? static_cast<wasm_memorytype_t*>(t) : nullptr;
}
const wasm_functype_t* wasm_externtype_as_functype_const(const wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_FUNC ? static_cast<const wasm_functype_t*>(t) : nullptr;
}
const wasm_globaltype_t* wasm_externtype_as_globaltype_const(const wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_GLOBAL ? static_cast<const wasm_globaltype_t*>(t) : nullptr;
}
const wasm_tabletype_t* wasm_externtype_as_tabletype_const(const wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_TABLE ? static_cast<const wasm_tabletype_t*>(t) : nullptr;
}
const wasm_memorytype_t* wasm_externtype_as_memorytype_const(const wasm_externtype_t* t) {
  return t && t->kind == WASM_EXTERN_MEMORY ? static_cast<const wasm_memorytype_t*>(t) : nullptr;
}

// Import and export types: take the names and the type.

wasm_importtype_t* wasm_importtype_new(wasm_name_t* module, wasm_name_t* name, wasm_externtype_t* type) {
  auto* t = new wasm_importtype_t{*module, *name, type};
  vecNewEmpty(module);
  vecNewEmpty(name);
  return t;
}
const wasm_name_t* wasm_importtype_module(const wasm_importtype_t* t) { return &t->module; }
const wasm_name_t* wasm_importtype_name(const wasm_importtype_t* t) { return &t->name; }
const wasm_externtype_t* wasm_importtype_type(const wasm_importtype_t* t) { return t->type; }
wasm_importtype_t* wasm_importtype_copy(const wasm_importtype_t* t) {
  wasm_name_t m, n;
  wasm_byte_vec_copy(&m, &t->module);
  wasm_byte_vec_copy(&n, &t->name);
  return new wasm_importtype_t{m, n, t->type ? wasm_externtype_copy(t->type) : nullptr};
}
void wasm_importtype_delete(wasm_importtype_t* t) { delete t; }

wasm_exporttype_t* wasm_exporttype_new(wasm_name_t* name, wasm_externtype_t* type) {
  auto* t = new wasm_exporttype_t{*name, type};
  vecNewEmpty(name);
  return t;
}
const wasm_name_t* wasm_exporttype_name(const wasm_exporttype_t* t) { return &t->name; }
const wasm_externtype_t* wasm_exporttype_type(const wasm_exporttype_t* t) { return t->type; }
wasm_exporttype_t* wasm_exporttype_copy(const wasm_exporttype_t* t) {
  wasm_name_t n;
  wasm_byte_vec_copy(&n, &t->name);
  return new wasm_exporttype_t{n, t->type ? wasm_externtype_copy(t->type) : nullptr};
}
void wasm_exporttype_delete(wasm_exporttype_t* t) { delete t; }

}  // extern "C"

// Conversions between tern's types and the C API's -----------------------------

namespace tern::capi {

// v128 has no standard kind; it shows up as 4, the value the other
// runtimes that support it use.
static constexpr wasm_valkind_t kV128Kind = 4;
// exnref neither (tern.h's kExnRefKind).
static constexpr wasm_valkind_t kExnRefKind = 5;

wasm_valkind_t toValKind(ValType t) {
  switch (t) {
    case ValType::I32: return WASM_I32;
    case ValType::I64: return WASM_I64;
    case ValType::F32: return WASM_F32;
    case ValType::F64: return WASM_F64;
    case ValType::V128: return kV128Kind;
    case ValType::ExternRef: return WASM_EXTERNREF;
    case ValType::FuncRef: return WASM_FUNCREF;
    case ValType::ExnRef: return kExnRefKind;
  }
  return WASM_I32;
}

bool fromValKind(wasm_valkind_t k, ValType* out) {
  switch (k) {
    case WASM_I32: *out = ValType::I32; return true;
    case WASM_I64: *out = ValType::I64; return true;
    case WASM_F32: *out = ValType::F32; return true;
    case WASM_F64: *out = ValType::F64; return true;
    case kV128Kind: *out = ValType::V128; return true;
    case WASM_EXTERNREF: *out = ValType::ExternRef; return true;
    case WASM_FUNCREF: *out = ValType::FuncRef; return true;
    case kExnRefKind: *out = ValType::ExnRef; return true;
    default: return false;
  }
}

wasm_limits_t toLimits(const Limits& l) {
  wasm_limits_t out;
  out.min = l.min > 0xffffffffull ? 0xffffffffu : uint32_t(l.min);
  out.max = !l.max ? wasm_limits_max_default : *l.max > 0xffffffffull ? 0xffffffffu : uint32_t(*l.max);
  return out;
}

Limits fromLimits(const wasm_limits_t& l) {
  Limits out;
  out.min = l.min;
  if (l.max != wasm_limits_max_default) out.max = l.max;
  return out;
}

static void newValTypeVec(wasm_valtype_vec_t* out, const std::vector<ValType>& types) {
  wasm_valtype_vec_new_uninitialized(out, types.size());
  for (size_t i = 0; i < types.size(); ++i) out->data[i] = wasm_valtype_new(toValKind(types[i]));
}

wasm_functype_t* newFuncType(const FuncType& t) {
  wasm_valtype_vec_t p, r;
  newValTypeVec(&p, t.params);
  newValTypeVec(&r, t.results);
  return new wasm_functype_t(p, r);
}

static bool fromValTypeVec(const wasm_valtype_vec_t& v, std::vector<ValType>* out) {
  out->clear();
  out->reserve(v.size);
  for (size_t i = 0; i < v.size; ++i) {
    ValType t;
    if (!v.data[i] || !fromValKind(v.data[i]->kind, &t)) return false;
    out->push_back(t);
  }
  return true;
}

bool fromFuncType(const wasm_functype_t* t, FuncType* out) {
  return t && fromValTypeVec(t->params, &out->params) && fromValTypeVec(t->results, &out->results);
}

wasm_externtype_t* newExternType(const ExternType& t) {
  switch (t.kind) {
    case ExternKind::Func: return newFuncType(t.func);
    case ExternKind::Global:
      return new wasm_globaltype_t(wasm_valtype_new(toValKind(t.global.type)), t.global.mut ? WASM_VAR : WASM_CONST);
    case ExternKind::Table:
      return new wasm_tabletype_t(wasm_valtype_new(toValKind(t.table.elem)), toLimits(t.table.limits));
    case ExternKind::Memory: return new wasm_memorytype_t(t.memory);
    case ExternKind::Tag: break;  // the standard C API has no tag kind
  }
  return nullptr;
}

void setName(wasm_name_t* out, const std::string& s) { wasm_byte_vec_new(out, s.size(), s.data()); }

}  // namespace tern::capi
