/* Globals: created by the host (wasm_global_new) and imported, exported by
 * wasm; get and set from both sides; immutable globals stay unchanged. */
#include "capi_test.h"

static wasm_val_t call0(wasm_func_t* f) {
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
  wasm_trap_t* trap = wasm_func_call(f, NULL, &res);
  if (trap) {
    fprintf(stderr, "unexpected trap: %s\n", take_trap_message(trap));
    capi_test_failures++;
  }
  return results_val[0];
}

static void call1(wasm_func_t* f, wasm_val_t arg) {
  wasm_val_t args_val[1];
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  wasm_trap_t* trap;
  args_val[0] = arg;
  trap = wasm_func_call(f, &args, NULL);
  if (trap) {
    fprintf(stderr, "unexpected trap: %s\n", take_trap_message(trap));
    capi_test_failures++;
  }
}

static wasm_global_t* global(const wasm_module_t* m, const wasm_extern_vec_t* ex, const char* name) {
  wasm_global_t* g = wasm_extern_as_global(find_export(m, ex, name));
  REQUIRE(g);
  return g;
}

static wasm_func_t* func(const wasm_module_t* m, const wasm_extern_vec_t* ex, const char* name) {
  wasm_func_t* f = wasm_extern_as_func(find_export(m, ex, name));
  REQUIRE(f);
  return f;
}

/* Exported globals */
static void check_exported_globals(const wasm_module_t* module, const wasm_extern_vec_t* exports) {
  wasm_global_t* c64 = global(module, exports, "c64");
  wasm_global_t* v32 = global(module, exports, "v32");
  wasm_global_t* vf32 = global(module, exports, "vf32");
  wasm_globaltype_t* t = wasm_global_type(c64);
  wasm_val_t v, nv;
  CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(t)), WASM_I64);
  CHECK_EQ_INT(wasm_globaltype_mutability(t), WASM_CONST);
  wasm_globaltype_delete(t);
  wasm_global_get(c64, &v);
  CHECK_EQ_INT(v.kind, WASM_I64);
  CHECK(v.of.i64 == -1234567890123LL);
  nv.kind = WASM_I64;
  nv.of.i64 = 5;
  wasm_global_set(c64, &nv);
  wasm_global_get(c64, &v);
  CHECK(v.of.i64 == -1234567890123LL);

  t = wasm_global_type(v32);
  CHECK_EQ_INT(wasm_globaltype_mutability(t), WASM_VAR);
  wasm_globaltype_delete(t);
  wasm_global_get(v32, &v);
  CHECK_EQ_INT(v.of.i32, 7);
  call0(func(module, exports, "bump_v32"));
  wasm_global_get(v32, &v);
  CHECK_EQ_INT(v.of.i32, 8);
  nv.kind = WASM_I32;
  nv.of.i32 = 1000;
  wasm_global_set(v32, &nv);
  CHECK_EQ_INT(call0(func(module, exports, "get_v32")).of.i32, 1000);
  call0(func(module, exports, "bump_v32"));
  wasm_global_get(v32, &v);
  CHECK_EQ_INT(v.of.i32, 1001);

  wasm_global_get(vf32, &v);
  CHECK_EQ_INT(v.kind, WASM_F32);
  CHECK(v.of.f32 == 1.25f);
  nv.kind = WASM_F32;
  nv.of.f32 = -0.0f;
  wasm_global_set(vf32, &nv);
  v = call0(func(module, exports, "get_vf32"));
  CHECK(v.of.f32 == 0.0f && signbit(v.of.f32));
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module;
  wasm_globaltype_t *t_ci, *t_vf;
  wasm_global_t *g_ci, *g_vf;
  wasm_val_t v_ci = WASM_I32_VAL(-5), v_vf = WASM_F64_VAL(2.5);
  wasm_extern_t* imports_arr[2];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  wasm_val_t v;
  REQUIRE(argc == 2);
  module = load_module(store, argv[1]);

  t_ci = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  t_vf = wasm_globaltype_new(wasm_valtype_new_f64(), WASM_VAR);
  g_ci = wasm_global_new(store, t_ci, &v_ci);
  g_vf = wasm_global_new(store, t_vf, &v_vf);
  REQUIRE(g_ci && g_vf);
  /* A value of the wrong type is refused. */
  CHECK(wasm_global_new(store, t_vf, &v_ci) == NULL);

  /* Host globals: type, get, set */
  {
    wasm_globaltype_t* t = wasm_global_type(g_vf);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(t)), WASM_F64);
    CHECK_EQ_INT(wasm_globaltype_mutability(t), WASM_VAR);
    wasm_globaltype_delete(t);
    t = wasm_global_type(g_ci);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(t)), WASM_I32);
    CHECK_EQ_INT(wasm_globaltype_mutability(t), WASM_CONST);
    wasm_globaltype_delete(t);
  }
  wasm_global_get(g_ci, &v);
  CHECK_EQ_INT(v.kind, WASM_I32);
  CHECK_EQ_INT(v.of.i32, -5);
  wasm_global_get(g_vf, &v);
  CHECK_EQ_INT(v.kind, WASM_F64);
  CHECK(v.of.f64 == 2.5);

  imports_arr[0] = wasm_global_as_extern(g_ci);
  imports_arr[1] = wasm_global_as_extern(g_vf);
  instance = wasm_instance_new(store, module, &imports, NULL);
  REQUIRE(instance);
  wasm_instance_exports(instance, &exports);

  /* wasm reads the host's globals */
  v = call0(func(module, &exports, "get_ci"));
  CHECK_EQ_INT(v.of.i32, -5);
  v = call0(func(module, &exports, "get_vf"));
  CHECK(v.of.f64 == 2.5);
  wasm_global_get(global(module, &exports, "copy"), &v);
  CHECK_EQ_INT(v.kind, WASM_I32);
  CHECK_EQ_INT(v.of.i32, -5);

  /* The host sets a mutable global; wasm sees it. wasm sets it; the host sees it. */
  {
    wasm_val_t nv = WASM_F64_VAL(-8.75);
    wasm_val_t arg = WASM_F64_VAL(1e300);
    wasm_global_set(g_vf, &nv);
    v = call0(func(module, &exports, "get_vf"));
    CHECK(v.of.f64 == -8.75);
    call1(func(module, &exports, "set_vf"), arg);
    wasm_global_get(g_vf, &v);
    CHECK(v.of.f64 == 1e300);
    /* The re-export is the very same global. */
    CHECK(wasm_global_same(global(module, &exports, "var_f64_again"), g_vf));
    wasm_global_get(global(module, &exports, "var_f64_again"), &v);
    CHECK(v.of.f64 == 1e300);
  }

  /* Setting an immutable global changes nothing, nor does a value of the wrong type. */
  {
    wasm_val_t nv = WASM_I32_VAL(99);
    wasm_val_t wrong = WASM_I64_VAL(1);
    wasm_global_set(g_ci, &nv);
    wasm_global_get(g_ci, &v);
    CHECK_EQ_INT(v.of.i32, -5);
    CHECK_EQ_INT(call0(func(module, &exports, "get_ci")).of.i32, -5);
    wasm_global_set(g_vf, &wrong);
    wasm_global_get(g_vf, &v);
    CHECK_EQ_INT(v.kind, WASM_F64);
    CHECK(v.of.f64 == 1e300);
  }

  check_exported_globals(module, &exports);

  /* Linking checks global types: const where var is wanted fails. */
  {
    wasm_extern_t* arr[2];
    wasm_extern_vec_t imp = WASM_ARRAY_VEC(arr);
    wasm_trap_t* trap = NULL;
    wasm_global_t* c = wasm_global_new(store, t_ci, &v_ci);
    arr[0] = wasm_global_as_extern(g_ci);
    arr[1] = wasm_global_as_extern(c);
    CHECK(wasm_instance_new(store, module, &imp, &trap) == NULL);
    REQUIRE(trap);
    CHECK(strstr(take_trap_message(trap), "host.var_f64") != NULL);
    wasm_global_delete(c);
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_global_delete(g_ci);
  wasm_global_delete(g_vf);
  wasm_globaltype_delete(t_ci);
  wasm_globaltype_delete(t_vf);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return capi_test_finish("global");
}
