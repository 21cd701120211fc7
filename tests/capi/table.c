/* Tables: get, set, grow and size from C, and the same tables used by wasm
 * (call_indirect, table.get/set/grow); funcref and externref elements;
 * a host-created table imported by the module. */
#include "capi_test.h"

static wasm_trap_t* double_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 2 * args->data[0].of.i32;
  return NULL;
}

static wasm_func_t* func(const wasm_module_t* m, const wasm_extern_vec_t* ex, const char* name) {
  wasm_func_t* f = wasm_extern_as_func(find_export(m, ex, name));
  REQUIRE(f);
  return f;
}

/* Calls f(a[, b]) -> i32; on a trap returns -999 and puts the message in *msg. */
static int32_t call(wasm_func_t* f, int nargs, int32_t a, int32_t b, const char** msg) {
  wasm_val_t args_val[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results_val[1] = {WASM_I32_VAL(0)};
  wasm_val_vec_t args = {(size_t)nargs, args_val};
  wasm_val_vec_t res = {wasm_func_result_arity(f), results_val};
  wasm_trap_t* trap = wasm_func_call(f, &args, &res);
  if (trap) {
    const char* m = take_trap_message(trap);
    if (msg) *msg = m;
    else {
      fprintf(stderr, "unexpected trap: %s\n", m);
      capi_test_failures++;
    }
    return -999;
  }
  return results_val[0].of.i32;
}

/* An empty table grows from size 0. */
static void check_empty_table_grows(wasm_store_t* store, wasm_func_t* f_double) {
  wasm_limits_t none = {0, 4};
  wasm_table_t* empty;
  wasm_tabletype_t* tt;
  tt = wasm_tabletype_new(wasm_valtype_new_externref(), &none);
  empty = wasm_table_new(store, tt, NULL);
  wasm_tabletype_delete(tt);
  REQUIRE(empty);
  CHECK_EQ_INT(wasm_table_size(empty), 0);
  CHECK(wasm_table_get(empty, 0) == NULL);
  CHECK(!wasm_table_set(empty, 0, NULL));
  CHECK(wasm_table_grow(empty, 3, NULL));
  CHECK_EQ_INT(wasm_table_size(empty), 3);
  CHECK(!wasm_table_grow(empty, 2, NULL));
  CHECK(wasm_table_set(empty, 2, wasm_func_as_ref(f_double)));
  {
    wasm_ref_t* r = wasm_table_get(empty, 2);
    REQUIRE(r);
    CHECK(wasm_func_same(wasm_ref_as_func(r), f_double));
    wasm_ref_delete(r);
  }
  wasm_table_delete(empty);
}

/* Bad table types are refused: numbers as elements, min above max. */
static void check_bad_table_types(wasm_store_t* store, const wasm_limits_t* lim) {
  wasm_limits_t inverted = {3, 2};
  wasm_tabletype_t* tt;
  tt = wasm_tabletype_new(wasm_valtype_new_i32(), lim);
  CHECK(wasm_table_new(store, tt, NULL) == NULL);
  wasm_tabletype_delete(tt);
  tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &inverted);
  CHECK(wasm_table_new(store, tt, NULL) == NULL);
  wasm_tabletype_delete(tt);
}

/* Elements from the segment: callable from C, identical to the export */
static void check_segment_elements(wasm_table_t* table, wasm_func_t* inc) {
  wasm_ref_t* r0 = wasm_table_get(table, 0);
  wasm_ref_t* r1 = wasm_table_get(table, 1);
  wasm_ref_t* again = wasm_table_get(table, 0);
  wasm_func_t* sq;
  REQUIRE(r0 && r1 && again);
  CHECK(wasm_func_same(wasm_ref_as_func(r0), inc));
  CHECK(wasm_ref_same(r0, again));
  CHECK(!wasm_ref_same(r0, r1));
  sq = wasm_ref_as_func(r1);
  REQUIRE(sq);
  CHECK_EQ_INT(call(sq, 1, 9, 0, NULL), 81);
  CHECK_EQ_INT(call(wasm_ref_as_func(r0), 1, 9, 0, NULL), 10);
  CHECK(wasm_ref_as_table(r0) == NULL);
  wasm_ref_delete(r0);
  wasm_ref_delete(r1);
  wasm_ref_delete(again);
}

/* externref: host objects stored by C come back from wasm as the same
 * objects, and the other way round. */
static void check_externref_table(wasm_store_t* store, const wasm_module_t* module, const wasm_extern_vec_t* exports,
                                  wasm_table_t* externs, wasm_func_t* inc) {
  wasm_foreign_t* a = wasm_foreign_new(store);
  wasm_foreign_t* b = wasm_foreign_new(store);
  static int tag_a = 1;
  wasm_func_t* get_ext = func(module, exports, "get_ext");
  wasm_func_t* set_ext = func(module, exports, "set_ext");
  wasm_val_t args_val[2];
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args;
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  wasm_ref_t* r;
  REQUIRE(a && b);
  wasm_foreign_set_host_info(a, &tag_a);

  CHECK(wasm_table_get(externs, 0) == NULL);
  CHECK(wasm_table_set(externs, 0, wasm_foreign_as_ref(a)));
  /* a function is a reference too, so it can be an externref */
  CHECK(wasm_table_set(externs, 1, wasm_func_as_ref(inc)));

  args_val[0].kind = WASM_I32;
  args_val[0].of.i32 = 0;
  args.size = 1;
  args.data = args_val;
  CHECK(wasm_func_call(get_ext, &args, &res) == NULL);
  CHECK_EQ_INT(results_val[0].kind, WASM_EXTERNREF);
  REQUIRE(results_val[0].of.ref);
  CHECK(wasm_ref_same(results_val[0].of.ref, wasm_foreign_as_ref(a)));
  CHECK(wasm_ref_as_foreign(results_val[0].of.ref) != NULL);
  CHECK(wasm_ref_get_host_info(results_val[0].of.ref) == &tag_a);
  wasm_val_delete(&results_val[0]);

  args_val[0].of.i32 = 1;
  CHECK(wasm_func_call(get_ext, &args, &res) == NULL);
  REQUIRE(results_val[0].of.ref);
  CHECK(wasm_func_same(wasm_ref_as_func(results_val[0].of.ref), inc));
  wasm_val_delete(&results_val[0]);

  /* wasm stores b; C reads it */
  args_val[0].of.i32 = 1;
  args_val[1].kind = WASM_EXTERNREF;
  args_val[1].of.ref = wasm_foreign_as_ref(b);
  args.size = 2;
  CHECK(wasm_func_call(set_ext, &args, NULL) == NULL);
  r = wasm_table_get(externs, 1);
  REQUIRE(r);
  CHECK(wasm_ref_same(r, wasm_foreign_as_ref(b)));
  CHECK(!wasm_ref_same(r, wasm_foreign_as_ref(a)));
  wasm_ref_delete(r);

  /* grow with an initial externref */
  CHECK(wasm_table_grow(externs, 2, wasm_foreign_as_ref(a)));
  CHECK_EQ_INT(wasm_table_size(externs), 4);
  r = wasm_table_get(externs, 3);
  REQUIRE(r);
  CHECK(wasm_ref_same(r, wasm_foreign_as_ref(a)));
  wasm_ref_delete(r);

  /* The objects outlive their handles while wasm holds them. */
  wasm_foreign_delete(a);
  wasm_foreign_delete(b);
  r = wasm_table_get(externs, 0);
  REQUIRE(r);
  CHECK(wasm_ref_get_host_info(r) == &tag_a);
  wasm_ref_delete(r);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module;
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* f_double = wasm_func_new(store, i_i, double_cb);
  wasm_limits_t lim = {2, wasm_limits_max_default};
  wasm_tabletype_t* tt;
  wasm_table_t* host_table;
  wasm_extern_t* imports_arr[2];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  wasm_table_t *table, *externs;
  wasm_func_t *inc, *call_at;
  const char* msg = NULL;
  REQUIRE(argc == 2);
  REQUIRE(f_double);
  module = load_module(store, argv[1]);

  /* A host table, every element initialised to `double` */
  tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &lim);
  host_table = wasm_table_new(store, tt, wasm_func_as_ref(f_double));
  wasm_tabletype_delete(tt);
  REQUIRE(host_table);
  CHECK_EQ_INT(wasm_table_size(host_table), 2);
  {
    wasm_ref_t* r = wasm_table_get(host_table, 1);
    REQUIRE(r);
    CHECK(wasm_func_same(wasm_ref_as_func(r), f_double));
    wasm_ref_delete(r);
  }
  check_empty_table_grows(store, f_double);
  check_bad_table_types(store, &lim);

  imports_arr[0] = wasm_table_as_extern(host_table);
  imports_arr[1] = wasm_func_as_extern(f_double);
  instance = wasm_instance_new(store, module, &imports, NULL);
  REQUIRE(instance);
  wasm_instance_exports(instance, &exports);
  table = wasm_extern_as_table(find_export(module, &exports, "table"));
  externs = wasm_extern_as_table(find_export(module, &exports, "externs"));
  REQUIRE(table && externs);
  inc = func(module, &exports, "inc");
  call_at = func(module, &exports, "call_at");

  /* Type and size */
  {
    wasm_tabletype_t* t = wasm_table_type(table);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(t)), WASM_FUNCREF);
    CHECK_EQ_INT(wasm_tabletype_limits(t)->min, 3);
    CHECK_EQ_INT(wasm_tabletype_limits(t)->max, 5);
    wasm_tabletype_delete(t);
    t = wasm_table_type(externs);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(t)), WASM_EXTERNREF);
    wasm_tabletype_delete(t);
  }
  CHECK_EQ_INT(wasm_table_size(table), 3);

  check_segment_elements(table, inc);
  /* A null element, and out of range */
  CHECK(wasm_table_get(table, 2) == NULL);
  CHECK(wasm_table_get(table, 3) == NULL);
  CHECK(wasm_table_get(table, 0xffffffffu) == NULL);
  CHECK_EQ_INT(call(call_at, 2, 0, 5, NULL), 6);
  CHECK_EQ_INT(call(call_at, 2, 1, 5, NULL), 25);
  CHECK_EQ_INT(call(call_at, 2, 2, 5, &msg), -999);
  CHECK_EQ_STR(msg, "uninitialized element");
  CHECK_EQ_INT(call(call_at, 2, 7, 5, &msg), -999);
  CHECK_EQ_STR(msg, "undefined element");

  /* Set from C: a host function, then wasm calls it */
  CHECK(wasm_table_set(table, 2, wasm_func_as_ref(f_double)));
  CHECK_EQ_INT(call(call_at, 2, 2, 21, NULL), 42);
  /* Set out of range, or a non-function in a funcref table: false */
  CHECK(!wasm_table_set(table, 3, wasm_func_as_ref(f_double)));
  {
    wasm_foreign_t* foreign = wasm_foreign_new(store);
    CHECK(!wasm_table_set(table, 0, wasm_foreign_as_ref(foreign)));
    CHECK(!wasm_table_grow(table, 1, wasm_foreign_as_ref(foreign)));
    wasm_foreign_delete(foreign);
  }
  CHECK_EQ_INT(call(call_at, 2, 0, 5, NULL), 6);
  /* Set to null */
  CHECK(wasm_table_set(table, 1, NULL));
  CHECK(wasm_table_get(table, 1) == NULL);
  CHECK_EQ_INT(call(call_at, 2, 1, 5, &msg), -999);
  CHECK_EQ_STR(msg, "uninitialized element");

  /* wasm stores a reference to the imported host function: C gets the same function back. */
  call(func(module, &exports, "put_double"), 1, 1, 0, NULL);
  {
    wasm_ref_t* r = wasm_table_get(table, 1);
    REQUIRE(r);
    CHECK(wasm_func_same(wasm_ref_as_func(r), f_double));
    wasm_ref_delete(r);
  }

  /* Grow from C with an initial value, up to the maximum of 5 */
  CHECK(wasm_table_grow(table, 1, wasm_func_as_ref(inc)));
  CHECK_EQ_INT(wasm_table_size(table), 4);
  CHECK_EQ_INT(call(func(module, &exports, "size"), 0, 0, 0, NULL), 4);
  CHECK_EQ_INT(call(call_at, 2, 3, 1, NULL), 2);
  CHECK(!wasm_table_grow(table, 2, NULL));
  CHECK_EQ_INT(wasm_table_size(table), 4);
  /* Grow from wasm: old size, then -1 at the maximum */
  CHECK_EQ_INT(call(func(module, &exports, "grow"), 1, 1, 0, NULL), 4);
  CHECK_EQ_INT(wasm_table_size(table), 5);
  CHECK(wasm_table_get(table, 4) == NULL);
  CHECK_EQ_INT(call(func(module, &exports, "grow"), 1, 1, 0, NULL), -1);
  CHECK(!wasm_table_grow(table, 1, NULL));
  CHECK(wasm_table_grow(table, 0, NULL));
  {
    wasm_tabletype_t* t = wasm_table_type(table);
    CHECK_EQ_INT(wasm_tabletype_limits(t)->min, 5);
    wasm_tabletype_delete(t);
  }

  /* The imported host table */
  CHECK_EQ_INT(call(func(module, &exports, "call_host_table"), 2, 0, 8, NULL), 16);
  CHECK(wasm_table_set(host_table, 1, wasm_func_as_ref(inc)));
  CHECK_EQ_INT(call(func(module, &exports, "call_host_table"), 2, 1, 8, NULL), 9);
  CHECK(wasm_table_grow(host_table, 100, NULL));
  CHECK_EQ_INT(wasm_table_size(host_table), 102);
  CHECK_EQ_INT(call(func(module, &exports, "call_host_table"), 2, 101, 8, &msg), -999);
  CHECK_EQ_STR(msg, "uninitialized element");

  check_externref_table(store, module, &exports, externs, inc);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_table_delete(host_table);
  wasm_func_delete(f_double);
  wasm_functype_delete(i_i);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return capi_test_finish("table");
}
