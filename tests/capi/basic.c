/* Engine, store, module from bytes, validation, import and export type
 * reflection, instances, and calls with parameters and results of every
 * number type, including several results. */
#include "capi_test.h"
#include "tern.h"

static int log_calls = 0;

static wasm_trap_t* log_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)results;
  log_calls++;
  CHECK_EQ_INT(args->size, 4);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  CHECK_EQ_INT(args->data[0].of.i32, -7);
  CHECK_EQ_INT(args->data[1].kind, WASM_I64);
  CHECK(args->data[1].of.i64 == 0x123456789LL);
  CHECK_EQ_INT(args->data[2].kind, WASM_F32);
  CHECK(args->data[2].of.f32 == 2.5f);
  CHECK_EQ_INT(args->data[3].kind, WASM_F64);
  CHECK(args->data[3].of.f64 == -0.125);
  return NULL;
}

static void check_valtypes(const wasm_valtype_vec_t* v, size_t n, const wasm_valkind_t* kinds) {
  size_t i;
  CHECK_EQ_INT(v->size, n);
  for (i = 0; i < n && i < v->size; ++i) CHECK_EQ_INT(wasm_valtype_kind(v->data[i]), kinds[i]);
}

static void check_imports(const wasm_module_t* module) {
  wasm_importtype_vec_t imports;
  const wasm_externtype_t* t;
  wasm_module_imports(module, &imports);
  REQUIRE(imports.size == 4);

  CHECK(name_is(wasm_importtype_module(imports.data[0]), "env"));
  CHECK(name_is(wasm_importtype_name(imports.data[0]), "log"));
  t = wasm_importtype_type(imports.data[0]);
  CHECK_EQ_INT(wasm_externtype_kind(t), WASM_EXTERN_FUNC);
  {
    const wasm_functype_t* ft = wasm_externtype_as_functype_const(t);
    wasm_valkind_t params[4] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
    REQUIRE(ft != NULL);
    check_valtypes(wasm_functype_params(ft), 4, params);
    check_valtypes(wasm_functype_results(ft), 0, NULL);
    CHECK(wasm_externtype_as_globaltype_const(t) == NULL);
  }

  CHECK(name_is(wasm_importtype_name(imports.data[1]), "g"));
  t = wasm_importtype_type(imports.data[1]);
  CHECK_EQ_INT(wasm_externtype_kind(t), WASM_EXTERN_GLOBAL);
  {
    const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(t);
    REQUIRE(gt != NULL);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(gt)), WASM_I64);
    CHECK_EQ_INT(wasm_globaltype_mutability(gt), WASM_VAR);
  }

  CHECK(name_is(wasm_importtype_name(imports.data[2]), "tab"));
  t = wasm_importtype_type(imports.data[2]);
  CHECK_EQ_INT(wasm_externtype_kind(t), WASM_EXTERN_TABLE);
  {
    const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(t);
    REQUIRE(tt != NULL);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(tt)), WASM_FUNCREF);
    CHECK_EQ_INT(wasm_tabletype_limits(tt)->min, 2);
    CHECK_EQ_INT(wasm_tabletype_limits(tt)->max, 10);
  }

  CHECK(name_is(wasm_importtype_name(imports.data[3]), "mem"));
  t = wasm_importtype_type(imports.data[3]);
  CHECK_EQ_INT(wasm_externtype_kind(t), WASM_EXTERN_MEMORY);
  {
    const wasm_memorytype_t* mt = wasm_externtype_as_memorytype_const(t);
    REQUIRE(mt != NULL);
    CHECK_EQ_INT(wasm_memorytype_limits(mt)->min, 1);
    CHECK_EQ_INT(wasm_memorytype_limits(mt)->max, 4);
  }

  /* A copy of the vector is deep and equal. */
  {
    wasm_importtype_vec_t copy;
    wasm_importtype_vec_copy(&copy, &imports);
    CHECK_EQ_INT(copy.size, 4);
    CHECK(copy.data[0] != imports.data[0]);
    CHECK(name_is(wasm_importtype_name(copy.data[3]), "mem"));
    CHECK_EQ_INT(wasm_externtype_kind(wasm_importtype_type(copy.data[3])), WASM_EXTERN_MEMORY);
    wasm_importtype_vec_delete(&copy);
  }
  wasm_importtype_vec_delete(&imports);
}

static const char* export_names[] = {"memory", "table",  "answer", "counter", "add",      "mul64", "fma32",
                                     "sqrt64", "rotate", "divmod", "nothing", "call_log", "get_g"};
static const wasm_externkind_t export_kinds[] = {
    WASM_EXTERN_MEMORY, WASM_EXTERN_TABLE, WASM_EXTERN_GLOBAL, WASM_EXTERN_GLOBAL, WASM_EXTERN_FUNC,
    WASM_EXTERN_FUNC,   WASM_EXTERN_FUNC,  WASM_EXTERN_FUNC,   WASM_EXTERN_FUNC,   WASM_EXTERN_FUNC,
    WASM_EXTERN_FUNC,   WASM_EXTERN_FUNC,  WASM_EXTERN_FUNC};
#define NUM_EXPORTS (sizeof export_names / sizeof *export_names)

static void check_exports(const wasm_module_t* module) {
  wasm_exporttype_vec_t exports;
  size_t i;
  wasm_module_exports(module, &exports);
  REQUIRE(exports.size == NUM_EXPORTS);
  for (i = 0; i < NUM_EXPORTS; ++i) {
    CHECK(name_is(wasm_exporttype_name(exports.data[i]), export_names[i]));
    CHECK_EQ_INT(wasm_externtype_kind(wasm_exporttype_type(exports.data[i])), export_kinds[i]);
  }
  {
    const wasm_memorytype_t* mt = wasm_externtype_as_memorytype_const(wasm_exporttype_type(exports.data[0]));
    REQUIRE(mt);
    CHECK_EQ_INT(wasm_memorytype_limits(mt)->min, 1);
    CHECK_EQ_INT(wasm_memorytype_limits(mt)->max, 4);
  }
  {
    const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(wasm_exporttype_type(exports.data[1]));
    REQUIRE(tt);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(tt)), WASM_EXTERNREF);
    CHECK_EQ_INT(wasm_tabletype_limits(tt)->min, 3);
    CHECK(wasm_tabletype_limits(tt)->max == wasm_limits_max_default);
  }
  {
    const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(wasm_exporttype_type(exports.data[2]));
    REQUIRE(gt);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(gt)), WASM_I32);
    CHECK_EQ_INT(wasm_globaltype_mutability(gt), WASM_CONST);
  }
  {
    const wasm_functype_t* ft = wasm_externtype_as_functype_const(wasm_exporttype_type(exports.data[8]));
    wasm_valkind_t params[3] = {WASM_I32, WASM_I64, WASM_F64};
    wasm_valkind_t results[3] = {WASM_F64, WASM_I64, WASM_I64};
    REQUIRE(ft);
    check_valtypes(wasm_functype_params(ft), 3, params);
    check_valtypes(wasm_functype_results(ft), 3, results);
  }
  wasm_exporttype_vec_delete(&exports);
}

/* Serialize and deserialize, share and obtain: the same module again. With
 * the JIT the image is a .cwasm (not the binary), and a damaged copy of it
 * is refused, with the reason from tern_module_deserialize. */
static void check_serialize_and_share(wasm_store_t* store, wasm_module_t* module, const wasm_byte_vec_t* binary) {
  wasm_byte_vec_t ser;
  wasm_module_t* again;
  wasm_shared_module_t* shared;
  wasm_exporttype_vec_t exports;
  wasm_module_serialize(module, &ser);
  REQUIRE(ser.size > 0);
  again = wasm_module_deserialize(store, &ser);
  REQUIRE(again);
  wasm_module_exports(again, &exports);
  CHECK_EQ_INT(exports.size, NUM_EXPORTS);
  wasm_exporttype_vec_delete(&exports);
  check_exports(again);
  CHECK(!wasm_module_same(again, module));
  wasm_module_delete(again);
  if (ser.size != binary->size || memcmp(ser.data, binary->data, binary->size) != 0) {
    wasm_engine_t* engine = wasm_engine_new();
    tern_error_t* err;
    wasm_name_t msg;
    ser.data[ser.size - 1] ^= 1;
    CHECK(wasm_module_deserialize(store, &ser) == NULL);
    err = tern_module_deserialize(engine, &ser, &again);
    REQUIRE(err);
    CHECK(again == NULL);
    tern_error_message(err, &msg);
    CHECK(msg.size > 7 && strstr(msg.data, "damaged") != NULL);
    wasm_name_delete(&msg);
    tern_error_delete(err);
    err = tern_module_deserialize(engine, binary, &again);
    REQUIRE(err);
    tern_error_message(err, &msg);
    CHECK(strstr(msg.data, "not a .cwasm") != NULL);
    wasm_name_delete(&msg);
    tern_error_delete(err);
    wasm_engine_delete(engine);
  }
  wasm_byte_vec_delete(&ser);

  shared = wasm_module_share(module);
  REQUIRE(shared);
  again = wasm_module_obtain(store, shared);
  REQUIRE(again);
  check_exports(again);
  wasm_module_delete(again);
  wasm_shared_module_delete(shared);
}

/* add, mul64, fma32, sqrt64: one number type each. */
static void check_number_calls(const wasm_module_t* module, const wasm_extern_vec_t* exports) {
  /* add: i32 */
  {
    wasm_func_t* add = wasm_extern_as_func(find_export(module, exports, "add"));
    wasm_val_t args_val[2] = {WASM_I32_VAL(40), WASM_I32_VAL(2)};
    wasm_val_t results_val[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
    REQUIRE(add);
    CHECK(wasm_extern_as_global(find_export(module, exports, "add")) == NULL);
    CHECK(wasm_func_call(add, &args, &res) == NULL);
    CHECK_EQ_INT(results_val[0].kind, WASM_I32);
    CHECK_EQ_INT(results_val[0].of.i32, 42);
    args_val[0].of.i32 = 0x7fffffff;
    args_val[1].of.i32 = 1;
    CHECK(wasm_func_call(add, &args, &res) == NULL);
    CHECK(results_val[0].of.i32 == (int32_t)0x80000000u);
    {
      wasm_functype_t* ft = wasm_func_type(add);
      wasm_valkind_t two_i32[2] = {WASM_I32, WASM_I32};
      check_valtypes(wasm_functype_params(ft), 2, two_i32);
      check_valtypes(wasm_functype_results(ft), 1, two_i32);
      wasm_functype_delete(ft);
    }
  }
  /* mul64: i64 */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "mul64"));
    wasm_val_t args_val[2] = {WASM_I64_VAL(-3000000000LL), WASM_I64_VAL(7)};
    wasm_val_t results_val[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
    CHECK(wasm_func_call(f, &args, &res) == NULL);
    CHECK_EQ_INT(results_val[0].kind, WASM_I64);
    CHECK(results_val[0].of.i64 == -21000000000LL);
  }
  /* fma32: f32 */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "fma32"));
    wasm_val_t args_val[3] = {WASM_F32_VAL(1.5f), WASM_F32_VAL(4.0f), WASM_F32_VAL(0.25f)};
    wasm_val_t results_val[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
    CHECK(wasm_func_call(f, &args, &res) == NULL);
    CHECK_EQ_INT(results_val[0].kind, WASM_F32);
    CHECK(results_val[0].of.f32 == 6.25f);
  }
  /* sqrt64: f64, also NaN */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "sqrt64"));
    wasm_val_t args_val[1] = {WASM_F64_VAL(2.25)};
    wasm_val_t results_val[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
    CHECK(wasm_func_call(f, &args, &res) == NULL);
    CHECK_EQ_INT(results_val[0].kind, WASM_F64);
    CHECK(results_val[0].of.f64 == 1.5);
    args_val[0].of.f64 = -1.0;
    CHECK(wasm_func_call(f, &args, &res) == NULL);
    CHECK(isnan(results_val[0].of.f64));
  }
}

/* rotate and divmod (several results), nothing, call_log (wasm calls the host) and get_g. */
static void check_results_and_host_calls(const wasm_module_t* module, const wasm_extern_vec_t* exports) {
  /* rotate: three results of mixed types */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "rotate"));
    wasm_val_t args_val[3] = {WASM_I32_VAL(-5), WASM_I64_VAL(1LL << 40), WASM_F64_VAL(3.75)};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t res;
    CHECK_EQ_INT(wasm_func_result_arity(f), 3);
    wasm_val_vec_new_uninitialized(&res, 3);
    CHECK(wasm_func_call(f, &args, &res) == NULL);
    CHECK_EQ_INT(res.data[0].kind, WASM_F64);
    CHECK(res.data[0].of.f64 == 3.75);
    CHECK_EQ_INT(res.data[1].kind, WASM_I64);
    CHECK(res.data[1].of.i64 == (1LL << 40));
    CHECK_EQ_INT(res.data[2].kind, WASM_I64);
    CHECK(res.data[2].of.i64 == -5);
    wasm_val_vec_delete(&res);
  }
  /* divmod: two results */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "divmod"));
    wasm_val_t args_val[2] = {WASM_I32_VAL(47), WASM_I32_VAL(5)};
    wasm_val_t results_val[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
    CHECK(wasm_func_call(f, &args, &res) == NULL);
    CHECK_EQ_INT(results_val[0].of.i32, 9);
    CHECK_EQ_INT(results_val[1].of.i32, 2);
  }
  /* nothing: no parameters, no results, NULL vectors allowed */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "nothing"));
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    CHECK(wasm_func_call(f, &none, &none) == NULL);
    CHECK(wasm_func_call(f, NULL, NULL) == NULL);
  }
  /* call_log: wasm calls the host with one value of each type */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "call_log"));
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    CHECK(wasm_func_call(f, &none, &none) == NULL);
    CHECK_EQ_INT(log_calls, 1);
  }
  /* get_g: reads the imported global */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "get_g"));
    wasm_val_t results_val[1] = {WASM_INIT_VAL};
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
    CHECK(wasm_func_call(f, &none, &res) == NULL);
    CHECK(results_val[0].of.i64 == -99);
  }
}

/* Wrong calls are traps, not crashes. */
static void check_wrong_calls(const wasm_module_t* module, const wasm_extern_vec_t* exports) {
  wasm_func_t* add = wasm_extern_as_func(find_export(module, exports, "add"));
  wasm_val_t args_val[2] = {WASM_I32_VAL(1), WASM_I64_VAL(2)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t one_arg = {1, args_val};
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  wasm_val_vec_t no_res = WASM_EMPTY_VEC;
  const char* msg;
  msg = take_trap_message(wasm_func_call(add, &args, &res));
  REQUIRE(msg);
  CHECK(strstr(msg, "argument 1") != NULL);
  msg = take_trap_message(wasm_func_call(add, &one_arg, &res));
  REQUIRE(msg);
  CHECK(strstr(msg, "wrong number of arguments") != NULL);
  args_val[1].kind = WASM_I32;
  msg = take_trap_message(wasm_func_call(add, &args, &no_res));
  REQUIRE(msg);
  CHECK(strstr(msg, "results") != NULL);
}

/* Imports (a host function, a global, a table and a memory), instantiation and calls of every export. */
static void check_instance(wasm_store_t* store, wasm_module_t* module) {
  wasm_valtype_t* ps[4];
  wasm_valtype_vec_t params, results;
  wasm_functype_t* log_type;
  wasm_func_t* log_func;
  wasm_globaltype_t* gtype;
  wasm_global_t* g;
  wasm_val_t ginit = WASM_I64_VAL(-99);
  wasm_limits_t tlimits = {2, 10}, mlimits = {1, 4};
  wasm_tabletype_t* ttype;
  wasm_table_t* tab;
  wasm_memorytype_t* mtype;
  wasm_memory_t* mem;
  wasm_extern_t* imports_arr[4];
  wasm_extern_vec_t imports;
  wasm_extern_vec_t exports;
  wasm_instance_t* instance;
  wasm_trap_t* trap = NULL;
  size_t i;

  ps[0] = wasm_valtype_new_i32();
  ps[1] = wasm_valtype_new_i64();
  ps[2] = wasm_valtype_new_f32();
  ps[3] = wasm_valtype_new_f64();
  wasm_valtype_vec_new(&params, 4, ps);
  wasm_valtype_vec_new_empty(&results);
  log_type = wasm_functype_new(&params, &results);
  log_func = wasm_func_new(store, log_type, log_cb);
  wasm_functype_delete(log_type);
  REQUIRE(log_func);
  CHECK_EQ_INT(wasm_func_param_arity(log_func), 4);
  CHECK_EQ_INT(wasm_func_result_arity(log_func), 0);

  gtype = wasm_globaltype_new(wasm_valtype_new_i64(), WASM_VAR);
  g = wasm_global_new(store, gtype, &ginit);
  wasm_globaltype_delete(gtype);
  REQUIRE(g);
  ttype = wasm_tabletype_new(wasm_valtype_new_funcref(), &tlimits);
  tab = wasm_table_new(store, ttype, NULL);
  wasm_tabletype_delete(ttype);
  REQUIRE(tab);
  mtype = wasm_memorytype_new(&mlimits);
  mem = wasm_memory_new(store, mtype);
  wasm_memorytype_delete(mtype);
  REQUIRE(mem);

  imports_arr[0] = wasm_func_as_extern(log_func);
  imports_arr[1] = wasm_global_as_extern(g);
  imports_arr[2] = wasm_table_as_extern(tab);
  imports_arr[3] = wasm_memory_as_extern(mem);
  imports.size = 4;
  imports.data = imports_arr;
  instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(trap == NULL);
  REQUIRE(instance);

  wasm_instance_exports(instance, &exports);
  REQUIRE(exports.size == NUM_EXPORTS);
  for (i = 0; i < NUM_EXPORTS; ++i) {
    wasm_externtype_t* et = wasm_extern_type(exports.data[i]);
    CHECK_EQ_INT(wasm_extern_kind(exports.data[i]), export_kinds[i]);
    CHECK_EQ_INT(wasm_externtype_kind(et), export_kinds[i]);
    wasm_externtype_delete(et);
  }

  check_number_calls(module, &exports);
  check_results_and_host_calls(module, &exports);
  check_wrong_calls(module, &exports);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(log_func);
  wasm_global_delete(g);
  wasm_table_delete(tab);
  wasm_memory_delete(mem);
}

/* Invalid modules: validation fails and wasm_module_new returns NULL. */
static void check_invalid_modules(wasm_store_t* store) {
  static const byte_t bad_magic[] = {0x00, 'a', 's', 'x', 0x01, 0x00, 0x00, 0x00};
  /* (func (result i32) (i64.const 0)): a type mismatch */
  static const byte_t bad_type[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01,
                                    0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
  static const byte_t truncated[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01};
  static const byte_t empty_module[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  wasm_byte_vec_t v;
  wasm_module_t* m;

  wasm_byte_vec_new(&v, sizeof bad_magic, bad_magic);
  CHECK(!wasm_module_validate(store, &v));
  CHECK(wasm_module_new(store, &v) == NULL);
  wasm_byte_vec_delete(&v);

  wasm_byte_vec_new(&v, sizeof bad_type, bad_type);
  CHECK(!wasm_module_validate(store, &v));
  CHECK(wasm_module_new(store, &v) == NULL);
  /* The same bytes with i32.const instead validate. */
  v.data[24] = 0x41;
  CHECK(wasm_module_validate(store, &v));
  m = wasm_module_new(store, &v);
  CHECK(m != NULL);
  if (m) wasm_module_delete(m);
  wasm_byte_vec_delete(&v);

  wasm_byte_vec_new(&v, sizeof truncated, truncated);
  CHECK(!wasm_module_validate(store, &v));
  CHECK(wasm_module_new(store, &v) == NULL);
  wasm_byte_vec_delete(&v);

  wasm_byte_vec_new_empty(&v);
  CHECK(!wasm_module_validate(store, &v));
  CHECK(wasm_module_new(store, &v) == NULL);

  wasm_byte_vec_new(&v, sizeof empty_module, empty_module);
  CHECK(wasm_module_validate(store, &v));
  m = wasm_module_new(store, &v);
  REQUIRE(m);
  {
    wasm_importtype_vec_t im;
    wasm_exporttype_vec_t ex;
    wasm_extern_vec_t none = WASM_EMPTY_VEC;
    wasm_instance_t* inst;
    wasm_extern_vec_t exports;
    wasm_module_imports(m, &im);
    wasm_module_exports(m, &ex);
    CHECK_EQ_INT(im.size, 0);
    CHECK_EQ_INT(ex.size, 0);
    wasm_importtype_vec_delete(&im);
    wasm_exporttype_vec_delete(&ex);
    inst = wasm_instance_new(store, m, &none, NULL);
    REQUIRE(inst);
    wasm_instance_exports(inst, &exports);
    CHECK_EQ_INT(exports.size, 0);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(inst);
  }
  wasm_module_delete(m);
  wasm_byte_vec_delete(&v);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_byte_vec_t binary;
  wasm_module_t* module;
  REQUIRE(argc == 2);

  engine = wasm_engine_new_with_config(wasm_config_new());
  REQUIRE(engine);
  store = wasm_store_new(engine);
  REQUIRE(store);

  load_file(argv[1], &binary);
  CHECK(wasm_module_validate(store, &binary));
  module = wasm_module_new(store, &binary);
  REQUIRE(module);

  check_imports(module);
  check_exports(module);
  check_serialize_and_share(store, module, &binary);
  wasm_byte_vec_delete(&binary);
  check_instance(store, module);
  check_invalid_modules(store);

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return capi_test_finish("basic");
}
