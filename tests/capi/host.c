/* Host functions imported by a module: created with wasm_func_new and with
 * wasm_func_new_with_env (whose finalizers run when the store goes), several
 * results, traps raised by the host, host results of the wrong type, and
 * recursion through the host. */
#include "capi_test.h"

static int finalized[4];
static int calls_mul = 0;

static void finalize(void* env) { finalized[*(int*)env]++; }

/* env: an int id; add = a + b + id */
static wasm_trap_t* add_cb(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_INT(args->size, 2);
  CHECK_EQ_INT(results->size, 1);
  CHECK_EQ_INT(results->data[0].kind, WASM_I32);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + args->data[1].of.i32 + *(int*)env;
  return NULL;
}

static wasm_trap_t* mul_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  calls_mul++;
  results->data[0].kind = WASM_I64;
  results->data[0].of.i64 = args->data[0].of.i64 * args->data[1].of.i64;
  return NULL;
}

/* split(x) = (low 32 bits, high 32 bits, 0.5) */
static wasm_trap_t* split_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  int64_t x = args->data[0].of.i64;
  CHECK_EQ_INT(results->size, 3);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = (int32_t)(uint32_t)(uint64_t)x;
  results->data[1].kind = WASM_I32;
  results->data[1].of.i32 = (int32_t)(uint32_t)((uint64_t)x >> 32);
  results->data[2].kind = WASM_F32;
  results->data[2].of.f32 = 0.5f;
  return NULL;
}

struct fail_env {
  int id;
  wasm_store_t* store;
};

static wasm_trap_t* fail_cb(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  struct fail_env* e = env;
  char text[64];
  wasm_message_t msg;
  wasm_trap_t* trap;
  (void)results;
  snprintf(text, sizeof text, "host failure %d", args->data[0].of.i32);
  wasm_name_new_from_string_nt(&msg, text);
  trap = wasm_trap_new(e->store, &msg);
  wasm_byte_vec_delete(&msg);
  return trap;
}

struct fact_env {
  int id;
  wasm_func_t* fact; /* the wasm export, set after instantiation */
  int depth, max_depth;
};

static wasm_trap_t* fact_cb(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  struct fact_env* e = env;
  wasm_val_t a[1];
  wasm_val_vec_t av = WASM_ARRAY_VEC(a);
  wasm_trap_t* trap;
  a[0] = args->data[0];
  if (++e->depth > e->max_depth) e->max_depth = e->depth;
  trap = wasm_func_call(e->fact, &av, results);
  e->depth--;
  return trap;
}

static wasm_trap_t* bad_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_F64; /* declared i32 */
  results->data[0].of.f64 = 1.0;
  return NULL;
}

static int32_t call_i32(wasm_func_t* f, int32_t a, int32_t b, int nargs) {
  wasm_val_t args_val[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = {(size_t)nargs, args_val};
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  wasm_trap_t* trap = wasm_func_call(f, &args, &res);
  if (trap) {
    fprintf(stderr, "unexpected trap: %s\n", take_trap_message(trap));
    capi_test_failures++;
    return -1;
  }
  CHECK_EQ_INT(results_val[0].kind, WASM_I32);
  return results_val[0].of.i32;
}

/* i64 through a host function without environment */
static void check_i64_host_call(const wasm_module_t* module, const wasm_extern_vec_t* exports) {
  wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "call_mul"));
  wasm_val_t args_val[2] = {WASM_I64_VAL(1LL << 33), WASM_I64_VAL(-3)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  CHECK(wasm_func_call(f, &args, &res) == NULL);
  CHECK(results_val[0].of.i64 == -(3LL << 33));
  CHECK_EQ_INT(calls_mul, 1);
}

/* Several results from the host, passed on by wasm */
static void check_host_results(const wasm_module_t* module, const wasm_extern_vec_t* exports) {
  wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "call_split"));
  wasm_val_t args_val[1] = {WASM_I64_VAL(0x0000000700000009LL)};
  wasm_val_t results_val[3] = {WASM_INIT_VAL, WASM_INIT_VAL, WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  CHECK(wasm_func_call(f, &args, &res) == NULL);
  CHECK_EQ_INT(results_val[0].kind, WASM_I32);
  CHECK_EQ_INT(results_val[0].of.i32, 9);
  CHECK_EQ_INT(results_val[1].of.i32, 7);
  CHECK_EQ_INT(results_val[2].kind, WASM_F32);
  CHECK(results_val[2].of.f32 == 0.5f);

  f = wasm_extern_as_func(find_export(module, exports, "sum_split"));
  {
    wasm_val_t r1[1] = {WASM_INIT_VAL};
    wasm_val_vec_t res1 = WASM_ARRAY_VEC(r1);
    CHECK(wasm_func_call(f, &args, &res1) == NULL);
    CHECK_EQ_INT(r1[0].of.i32, 16);
  }
}

/* A trap raised by the host comes back with its message; the trace has
 * the wasm frames (host frames are not part of it), innermost first. */
static void check_host_trap(const wasm_module_t* module, const wasm_extern_vec_t* exports, wasm_instance_t* instance,
                            wasm_func_t* f_fail) {
  wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "call_fail"));
  wasm_val_t args_val[1] = {WASM_I32_VAL(7)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  wasm_trap_t* t = wasm_func_call(f, &args, &res);
  wasm_frame_vec_t trace;
  wasm_frame_t* origin;
  REQUIRE(t);
  wasm_trap_trace(t, &trace);
  CHECK_EQ_INT(trace.size, 2);
  if (trace.size == 2) {
    CHECK_EQ_INT(wasm_frame_func_index(trace.data[0]), 12);
    CHECK_EQ_INT(wasm_frame_func_index(trace.data[1]), 13);
    CHECK(wasm_instance_same(wasm_frame_instance(trace.data[0]), instance));
  }
  wasm_frame_vec_delete(&trace);
  origin = wasm_trap_origin(t);
  REQUIRE(origin);
  CHECK_EQ_INT(wasm_frame_func_index(origin), 12);
  wasm_frame_delete(origin);
  CHECK_EQ_STR(take_trap_message(t), "host failure 7");

  /* Called directly, the host's trap has no wasm frames. */
  t = wasm_func_call(f_fail, &args, NULL);
  REQUIRE(t);
  CHECK(wasm_trap_origin(t) == NULL);
  CHECK_EQ_STR(take_trap_message(t), "host failure 7");
}

/* A host function that returns a value of the wrong type traps. */
static void check_wrong_result_type(const wasm_module_t* module, const wasm_extern_vec_t* exports) {
  wasm_func_t* f = wasm_extern_as_func(find_export(module, exports, "call_bad"));
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  const char* msg = take_trap_message(wasm_func_call(f, NULL, &res));
  REQUIRE(msg);
  CHECK(strstr(msg, "expected i32, got f64") != NULL);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module;
  int id_add = 0, id_scale = 1;
  struct fail_env fail_env = {2, NULL};
  struct fact_env fact_env = {3, NULL, 0, 0};
  wasm_functype_t *t_ii_i, *t_ll_l, *t_l_iif, *t_i_, *t_i_i, *t__i;
  wasm_func_t *f_add, *f_scale, *f_mul, *f_split, *f_fail, *f_fact, *f_bad;
  wasm_extern_t* imports_arr[7];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  wasm_trap_t* trap = NULL;
  REQUIRE(argc == 2);
  REQUIRE(engine && store);
  fail_env.store = store;
  module = load_module(store, argv[1]);

  t_ii_i = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
  t_ll_l = wasm_functype_new_2_1(wasm_valtype_new_i64(), wasm_valtype_new_i64(), wasm_valtype_new_i64());
  {
    wasm_valtype_t* rs[3];
    wasm_valtype_vec_t params, results;
    wasm_valtype_t* p = wasm_valtype_new_i64();
    rs[0] = wasm_valtype_new_i32();
    rs[1] = wasm_valtype_new_i32();
    rs[2] = wasm_valtype_new_f32();
    wasm_valtype_vec_new(&params, 1, &p);
    wasm_valtype_vec_new(&results, 3, rs);
    t_l_iif = wasm_functype_new(&params, &results);
  }
  t_i_ = wasm_functype_new_1_0(wasm_valtype_new_i32());
  t_i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  t__i = wasm_functype_new_0_1(wasm_valtype_new_i32());

  f_add = wasm_func_new_with_env(store, t_ii_i, add_cb, &id_add, finalize);
  f_scale = wasm_func_new_with_env(store, t_ii_i, add_cb, &id_scale, finalize);
  f_mul = wasm_func_new(store, t_ll_l, mul_cb);
  f_split = wasm_func_new(store, t_l_iif, split_cb);
  f_fail = wasm_func_new_with_env(store, t_i_, fail_cb, &fail_env, finalize);
  f_fact = wasm_func_new_with_env(store, t_i_i, fact_cb, &fact_env, finalize);
  f_bad = wasm_func_new(store, t__i, bad_cb);
  REQUIRE(f_add && f_scale && f_mul && f_split && f_fail && f_fact && f_bad);
  CHECK(wasm_func_new(store, t__i, NULL) == NULL);

  /* Types and arities of host functions */
  CHECK_EQ_INT(wasm_func_param_arity(f_split), 1);
  CHECK_EQ_INT(wasm_func_result_arity(f_split), 3);
  {
    wasm_functype_t* ft = wasm_func_type(f_split);
    CHECK_EQ_INT(wasm_functype_results(ft)->size, 3);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_results(ft)->data[2]), WASM_F32);
    wasm_functype_delete(ft);
  }

  imports_arr[0] = wasm_func_as_extern(f_add);
  imports_arr[1] = wasm_func_as_extern(f_scale);
  imports_arr[2] = wasm_func_as_extern(f_mul);
  imports_arr[3] = wasm_func_as_extern(f_split);
  imports_arr[4] = wasm_func_as_extern(f_fail);
  imports_arr[5] = wasm_func_as_extern(f_fact);
  imports_arr[6] = wasm_func_as_extern(f_bad);
  instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(trap == NULL);
  REQUIRE(instance);
  wasm_instance_exports(instance, &exports);

  /* A host function called directly from C */
  CHECK_EQ_INT(call_i32(f_add, 2, 3, 2), 5);
  CHECK_EQ_INT(call_i32(f_scale, 2, 3, 2), 6);

  /* ... and through wasm: each function sees its own environment. */
  CHECK_EQ_INT(call_i32(wasm_extern_as_func(find_export(module, &exports, "call_add")), 20, 22, 2), 42);
  CHECK_EQ_INT(call_i32(wasm_extern_as_func(find_export(module, &exports, "call_scale")), 20, 22, 2), 43);

  check_i64_host_call(module, &exports);
  check_host_results(module, &exports);
  check_host_trap(module, &exports, instance, f_fail);
  check_wrong_result_type(module, &exports);

  /* wasm -> host -> wasm -> host ...: fact(10) recurses through the host. */
  {
    wasm_func_t* f = wasm_extern_as_func(find_export(module, &exports, "fact"));
    fact_env.fact = f;
    CHECK_EQ_INT(call_i32(f, 10, 0, 1), 3628800);
    CHECK_EQ_INT(fact_env.max_depth, 9);
    CHECK_EQ_INT(fact_env.depth, 0);
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(f_add);
  wasm_func_delete(f_scale);
  wasm_func_delete(f_mul);
  wasm_func_delete(f_split);
  wasm_func_delete(f_fail);
  wasm_func_delete(f_fact);
  wasm_func_delete(f_bad);
  wasm_functype_delete(t_ii_i);
  wasm_functype_delete(t_ll_l);
  wasm_functype_delete(t_l_iif);
  wasm_functype_delete(t_i_);
  wasm_functype_delete(t_i_i);
  wasm_functype_delete(t__i);
  wasm_module_delete(module);

  /* The functions live in the store: their environments are finalized
   * when the store goes, once each, and not before. */
  CHECK_EQ_INT(finalized[0] + finalized[1] + finalized[2] + finalized[3], 0);
  wasm_store_delete(store);
  CHECK_EQ_INT(finalized[0], 1);
  CHECK_EQ_INT(finalized[1], 1);
  CHECK_EQ_INT(finalized[2], 1);
  CHECK_EQ_INT(finalized[3], 1);

  /* A function with an environment but no finalizer is fine too. */
  store = wasm_store_new(engine);
  {
    wasm_functype_t* t = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(), wasm_valtype_new_i32());
    int id = 100;
    wasm_func_t* f = wasm_func_new_with_env(store, t, add_cb, &id, NULL);
    REQUIRE(f);
    CHECK_EQ_INT(call_i32(f, 1, 2, 2), 103);
    wasm_func_delete(f);
    wasm_functype_delete(t);
  }
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return capi_test_finish("host");
}
