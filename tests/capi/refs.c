/* References: identity (wasm_*_same), copies, host info and its finalizers,
 * foreign objects, externref and funcref values through calls, results and
 * globals, conversions between ref and the specific types, and values that
 * own references (wasm_val_copy, wasm_val_delete, value vectors). */
#include "capi_test.h"

static int finalized_a = 0, finalized_b = 0, finalized_c = 0, finalized_func = 0;
static void fin_a(void* p) {
  (void)p;
  finalized_a++;
}
static void fin_b(void* p) {
  (void)p;
  finalized_b++;
}
static void fin_c(void* p) {
  (void)p;
  finalized_c++;
}
static void fin_func(void* p) {
  (void)p;
  finalized_func++;
}

static wasm_func_t* f_export; /* the module's "f" */
static int check_calls = 0;

/* check(x, fn): returns x after checking fn is the module's "f" and calling it */
static wasm_trap_t* check_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_func_t* fn;
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t rv = WASM_ARRAY_VEC(r);
  check_calls++;
  CHECK_EQ_INT(args->data[0].kind, WASM_EXTERNREF);
  CHECK_EQ_INT(args->data[1].kind, WASM_FUNCREF);
  fn = wasm_ref_as_func(args->data[1].of.ref);
  REQUIRE(fn);
  CHECK(wasm_func_same(fn, f_export));
  CHECK(wasm_func_call(fn, NULL, &rv) == NULL);
  CHECK_EQ_INT(r[0].of.i32, 11);
  /* results own their references: hand back a copy */
  wasm_val_copy(&results->data[0], &args->data[0]);
  return NULL;
}

static wasm_func_t* func(const wasm_module_t* m, const wasm_extern_vec_t* ex, const char* name) {
  wasm_func_t* f = wasm_extern_as_func(find_export(m, ex, name));
  REQUIRE(f);
  return f;
}

/* f(arg) -> one result (owned by the caller) */
static wasm_val_t call1(wasm_func_t* f, wasm_val_t arg) {
  wasm_val_t args_val[1];
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  wasm_trap_t* trap;
  args_val[0] = arg;
  trap = wasm_func_call(f, &args, &res);
  if (trap) {
    fprintf(stderr, "unexpected trap: %s\n", take_trap_message(trap));
    capi_test_failures++;
  }
  return results_val[0];
}

/* Host info of the foreign objects a, b and c. */
static int info_a, info_b, info_c;

/* externref through a call: the same object comes back, with its host info */
static void check_externref_calls(const wasm_module_t* module, const wasm_extern_vec_t* exports, wasm_foreign_t* a,
                                  wasm_foreign_t* b) {
  wasm_val_t arg, r;
  arg.kind = WASM_EXTERNREF;
  arg.of.ref = wasm_foreign_as_ref(a);
  r = call1(func(module, exports, "id_ext"), arg);
  CHECK_EQ_INT(r.kind, WASM_EXTERNREF);
  REQUIRE(r.of.ref);
  CHECK(r.of.ref != arg.of.ref);              /* a new handle ... */
  CHECK(wasm_ref_same(r.of.ref, arg.of.ref)); /* ... to the same object */
  CHECK(wasm_ref_get_host_info(r.of.ref) == &info_a);
  wasm_val_delete(&r);

  r = call1(func(module, exports, "is_null"), arg);
  CHECK_EQ_INT(r.of.i32, 0);
  arg.of.ref = NULL;
  r = call1(func(module, exports, "is_null"), arg);
  CHECK_EQ_INT(r.of.i32, 1);
  r = call1(func(module, exports, "id_ext"), arg);
  CHECK_EQ_INT(r.kind, WASM_EXTERNREF);
  CHECK(r.of.ref == NULL);

  /* through a host function that also receives a funcref */
  arg.of.ref = wasm_foreign_as_ref(b);
  r = call1(func(module, exports, "via_host"), arg);
  CHECK_EQ_INT(check_calls, 1);
  REQUIRE(r.of.ref);
  CHECK(wasm_ref_same(r.of.ref, wasm_foreign_as_ref(b)));
  wasm_val_delete(&r);
}

/* funcref through calls */
static void check_funcref_calls(const wasm_module_t* module, const wasm_extern_vec_t* exports, wasm_func_t* check,
                                wasm_foreign_t* a) {
  wasm_val_t arg, r, r2;
  wasm_val_t none = WASM_I32_VAL(0);
  wasm_func_t* got;
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  CHECK(wasm_func_call(func(module, exports, "get_f"), NULL, &res) == NULL);
  r = results_val[0];
  CHECK_EQ_INT(r.kind, WASM_FUNCREF);
  got = wasm_ref_as_func(r.of.ref);
  REQUIRE(got);
  CHECK(wasm_func_same(got, f_export));
  (void)none;

  arg.kind = WASM_FUNCREF;
  arg.of.ref = wasm_func_as_ref(check);
  r2 = call1(func(module, exports, "id_func"), arg);
  REQUIRE(r2.of.ref);
  CHECK(wasm_func_same(wasm_ref_as_func(r2.of.ref), check));
  wasm_val_delete(&r2);
  wasm_val_delete(&r);

  /* A foreign object is not a function: the call fails before running. */
  {
    wasm_val_t args_val[1];
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    const char* msg;
    args_val[0].kind = WASM_FUNCREF;
    args_val[0].of.ref = wasm_foreign_as_ref(a);
    msg = take_trap_message(wasm_func_call(func(module, exports, "id_func"), &args, &res));
    REQUIRE(msg);
    CHECK(strstr(msg, "funcref") != NULL);
  }
}

/* Reference globals */
static void check_reference_globals(wasm_store_t* store, const wasm_module_t* module, const wasm_extern_vec_t* exports,
                                    wasm_foreign_t* a, wasm_foreign_t* b) {
  wasm_global_t* gref = wasm_extern_as_global(find_export(module, exports, "gref"));
  wasm_global_t* gfunc = wasm_extern_as_global(find_export(module, exports, "gfunc"));
  wasm_val_t v;
  REQUIRE(gref && gfunc);
  wasm_global_get(gref, &v);
  CHECK_EQ_INT(v.kind, WASM_EXTERNREF);
  CHECK(v.of.ref == NULL);
  v.of.ref = wasm_foreign_as_ref(b);
  wasm_global_set(gref, &v);
  wasm_global_get(gref, &v);
  REQUIRE(v.of.ref);
  CHECK(wasm_ref_same(v.of.ref, wasm_foreign_as_ref(b)));
  wasm_val_delete(&v);

  v.kind = WASM_FUNCREF;
  v.of.ref = wasm_func_as_ref(f_export);
  wasm_global_set(gfunc, &v);
  wasm_global_get(gfunc, &v);
  REQUIRE(v.of.ref);
  CHECK(wasm_func_same(wasm_ref_as_func(v.of.ref), f_export));
  wasm_val_delete(&v);
  CHECK(v.of.ref == NULL);

  /* A global made by the host that holds a reference */
  {
    wasm_globaltype_t* t = wasm_globaltype_new(wasm_valtype_new_externref(), WASM_CONST);
    wasm_val_t init;
    wasm_global_t* g;
    init.kind = WASM_EXTERNREF;
    init.of.ref = wasm_foreign_as_ref(a);
    g = wasm_global_new(store, t, &init);
    REQUIRE(g);
    wasm_global_get(g, &v);
    REQUIRE(v.of.ref);
    CHECK(wasm_ref_same(v.of.ref, wasm_foreign_as_ref(a)));
    wasm_val_delete(&v);
    wasm_global_delete(g);
    wasm_globaltype_delete(t);
  }
}

/* Values that own references: copy and delete, alone and in vectors */
static void check_values_owning_references(wasm_foreign_t* a) {
  wasm_val_t v, copy;
  wasm_val_vec_t vec, vec2;
  wasm_val_t items[3];
  v.kind = WASM_EXTERNREF;
  v.of.ref = wasm_foreign_as_ref(a);
  wasm_val_copy(&copy, &v);
  REQUIRE(copy.of.ref);
  CHECK(copy.of.ref != v.of.ref);
  CHECK(wasm_ref_same(copy.of.ref, v.of.ref));
  items[0] = copy; /* moved into the vector */
  items[1].kind = WASM_I64;
  items[1].of.i64 = 77;
  items[2].kind = WASM_FUNCREF;
  items[2].of.ref = wasm_func_as_ref(wasm_func_copy(f_export));
  wasm_val_vec_new(&vec, 3, items);
  wasm_val_vec_copy(&vec2, &vec);
  CHECK_EQ_INT(vec2.size, 3);
  CHECK(vec2.data[0].of.ref != vec.data[0].of.ref);
  CHECK(wasm_ref_same(vec2.data[0].of.ref, vec.data[0].of.ref));
  CHECK(vec2.data[1].of.i64 == 77);
  CHECK(wasm_func_same(wasm_ref_as_func(vec2.data[2].of.ref), f_export));
  wasm_val_vec_delete(&vec);
  CHECK_EQ_INT(vec.size, 0);
  CHECK(vec.data == NULL);
  wasm_val_vec_delete(&vec2);
  CHECK_EQ_INT(finalized_a, 0);
}

/* Host info is per object: handles obtained separately share it. */
static void check_host_info_per_object(const wasm_module_t* module, wasm_instance_t* instance) {
  wasm_extern_vec_t again;
  wasm_func_t* f2;
  static int tag_f;
  wasm_func_set_host_info_with_finalizer(f_export, &tag_f, fin_func);
  wasm_instance_exports(instance, &again);
  f2 = wasm_extern_as_func(find_export(module, &again, "f"));
  CHECK(f2 != f_export);
  CHECK(wasm_func_same(f2, f_export));
  CHECK(wasm_func_get_host_info(f2) == &tag_f);
  CHECK(wasm_extern_get_host_info(wasm_func_as_extern(f2)) == &tag_f);
  CHECK(wasm_ref_get_host_info(wasm_func_as_ref(f2)) == &tag_f);
  /* replacing the info finalizes the old one */
  wasm_func_set_host_info(f2, NULL);
  CHECK_EQ_INT(finalized_func, 1);
  CHECK(wasm_func_get_host_info(f_export) == NULL);
  wasm_func_set_host_info_with_finalizer(f2, &tag_f, fin_func);
  wasm_extern_vec_delete(&again);
}

/* Conversions between the reference types */
static void check_reference_conversions(wasm_store_t* store, wasm_module_t* module, wasm_instance_t* instance) {
  wasm_ref_t* r = wasm_func_as_ref(f_export);
  wasm_extern_t* e = wasm_func_as_extern(f_export);
  wasm_ref_t* rc;
  CHECK(wasm_ref_as_func(r) == f_export);
  CHECK(wasm_ref_as_extern(r) == e);
  CHECK(wasm_extern_as_ref(e) == r);
  CHECK(wasm_ref_as_func_const(wasm_func_as_ref_const(f_export)) == f_export);
  CHECK(wasm_extern_as_func_const(wasm_func_as_extern_const(f_export)) == f_export);
  CHECK(wasm_ref_as_global(r) == NULL);
  CHECK(wasm_ref_as_instance(r) == NULL);
  CHECK(wasm_ref_as_instance(wasm_instance_as_ref(instance)) == instance);
  CHECK(wasm_ref_as_module(wasm_module_as_ref(module)) == module);
  CHECK(wasm_ref_as_func(wasm_module_as_ref(module)) == NULL);
  CHECK(wasm_ref_as_memory(NULL) == NULL);
  rc = wasm_ref_copy(r);
  CHECK(wasm_ref_same(rc, r));
  CHECK(wasm_ref_as_func(rc) != NULL);
  CHECK(wasm_extern_kind(wasm_ref_as_extern(rc)) == WASM_EXTERN_FUNC);
  wasm_ref_delete(rc);
  {
    wasm_extern_t* ec = wasm_extern_copy(e);
    CHECK(wasm_extern_same(ec, e));
    CHECK(wasm_func_same(wasm_extern_as_func(ec), f_export));
    wasm_extern_delete(ec);
  }
  {
    wasm_instance_t* ic = wasm_instance_copy(instance);
    wasm_module_t* mc = wasm_module_copy(module);
    static int tag_i;
    CHECK(wasm_instance_same(ic, instance));
    CHECK(wasm_module_same(mc, module));
    wasm_instance_set_host_info(ic, &tag_i);
    CHECK(wasm_instance_get_host_info(instance) == &tag_i);
    wasm_module_set_host_info(mc, &tag_i);
    CHECK(wasm_module_get_host_info(module) == &tag_i);
    wasm_instance_delete(ic);
    wasm_module_delete(mc);
  }
  {
    wasm_message_t msg;
    wasm_trap_t* t;
    wasm_name_new_from_string_nt(&msg, "x");
    t = wasm_trap_new(store, &msg);
    wasm_byte_vec_delete(&msg);
    CHECK(wasm_ref_as_trap(wasm_trap_as_ref(t)) == t);
    CHECK(wasm_ref_as_trap_const(wasm_trap_as_ref_const(t)) == t);
    wasm_trap_set_host_info(t, &info_c);
    CHECK(wasm_trap_get_host_info(t) == &info_c);
    wasm_trap_delete(t);
  }
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module;
  wasm_functype_t* check_type;
  wasm_func_t* check;
  wasm_extern_t* imports_arr[1];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  wasm_foreign_t *a, *b, *c;
  REQUIRE(argc == 2);
  module = load_module(store, argv[1]);

  check_type = wasm_functype_new_2_1(wasm_valtype_new_externref(), wasm_valtype_new_funcref(),
                                     wasm_valtype_new_externref());
  check = wasm_func_new(store, check_type, check_cb);
  wasm_functype_delete(check_type);
  REQUIRE(check);
  imports_arr[0] = wasm_func_as_extern(check);
  instance = wasm_instance_new(store, module, &imports, NULL);
  REQUIRE(instance);
  wasm_instance_exports(instance, &exports);
  f_export = func(module, &exports, "f");

  /* Foreign objects, host info, copies */
  a = wasm_foreign_new(store);
  b = wasm_foreign_new(store);
  c = wasm_foreign_new(store);
  REQUIRE(a && b && c);
  CHECK(wasm_foreign_get_host_info(a) == NULL);
  wasm_foreign_set_host_info_with_finalizer(a, &info_a, fin_a);
  wasm_foreign_set_host_info_with_finalizer(b, &info_b, fin_b);
  wasm_foreign_set_host_info_with_finalizer(c, &info_c, fin_c);
  CHECK(wasm_foreign_get_host_info(a) == &info_a);
  CHECK(!wasm_foreign_same(a, b));
  {
    wasm_foreign_t* a2 = wasm_foreign_copy(a);
    wasm_ref_t* as_ref = wasm_foreign_as_ref(a2);
    CHECK(wasm_foreign_same(a, a2));
    CHECK(wasm_foreign_get_host_info(a2) == &info_a);
    CHECK(wasm_ref_get_host_info(as_ref) == &info_a);
    CHECK(wasm_ref_as_foreign(as_ref) == a2);
    CHECK(wasm_ref_as_foreign_const(wasm_foreign_as_ref_const(a2)) == a2);
    CHECK(wasm_ref_as_func(as_ref) == NULL);
    CHECK(wasm_ref_as_extern(as_ref) == NULL);
    CHECK(wasm_ref_as_trap(as_ref) == NULL);
    wasm_foreign_delete(a2);
    CHECK_EQ_INT(finalized_a, 0); /* a still has a handle */
  }
  /* c never reaches wasm: its finalizer runs when its last handle goes. */
  wasm_foreign_delete(c);
  CHECK_EQ_INT(finalized_c, 1);

  check_externref_calls(module, &exports, a, b);
  check_funcref_calls(module, &exports, check, a);
  check_reference_globals(store, module, &exports, a, b);
  check_values_owning_references(a);
  check_host_info_per_object(module, instance);
  check_reference_conversions(store, module, instance);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(check);
  wasm_module_delete(module);
  wasm_foreign_delete(a);
  wasm_foreign_delete(b);
  /* a and b went through wasm: the store keeps them until it goes. */
  CHECK_EQ_INT(finalized_a, 0);
  CHECK_EQ_INT(finalized_b, 0);
  CHECK_EQ_INT(finalized_func, 1);
  wasm_store_delete(store);
  CHECK_EQ_INT(finalized_a, 1);
  CHECK_EQ_INT(finalized_b, 1);
  CHECK_EQ_INT(finalized_c, 1);
  CHECK_EQ_INT(finalized_func, 2);
  wasm_engine_delete(engine);
  return capi_test_finish("refs");
}
