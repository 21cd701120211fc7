/* v128 values through tern.h's tern_val_t: tern_func_call, a host function
 * made with tern_func_new, host and exported v128 globals (tern_global_*),
 * on the interpreter and the JIT tier; wasm.h's own functions refuse v128
 * values instead of truncating them. */
#include <string.h>

#include "capi_test.h"
#include "tern.h"

static tern_val_t v128_of(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  tern_val_t v;
  uint32_t lanes[4];
  lanes[0] = a;
  lanes[1] = b;
  lanes[2] = c;
  lanes[3] = d;
  v.kind = TERN_V128;
  memcpy(v.of.v128, lanes, 16);
  return v;
}

static uint32_t lane32(const tern_val_t* v, int i) {
  uint32_t x;
  memcpy(&x, v->of.v128 + 4 * i, 4);
  return x;
}
static uint64_t lane64(const tern_val_t* v, int i) {
  uint64_t x;
  memcpy(&x, v->of.v128 + 8 * i, 8);
  return x;
}

static int swap_calls = 0, finalized = 0;

/* (i32 k, v128 v) -> (v with its 64-bit halves swapped, k + 1) */
static wasm_trap_t* swap_cb(void* env, const tern_val_t* args, size_t nargs, tern_val_t* results, size_t nresults) {
  int* calls = (int*)env;
  ++*calls;
  CHECK(nargs == 2 && nresults == 2);
  CHECK_EQ_INT(args[0].kind, WASM_I32);
  CHECK_EQ_INT(args[1].kind, TERN_V128);
  CHECK_EQ_INT(results[0].kind, TERN_V128);
  CHECK_EQ_INT(results[1].kind, WASM_I32);
  memcpy(results[0].of.v128, args[1].of.v128 + 8, 8);
  memcpy(results[0].of.v128 + 8, args[1].of.v128, 8);
  results[1].of.i32 = args[0].of.i32 + 1;
  return NULL;
}

static void finalize(void* env) {
  (void)env;
  ++finalized;
}

static wasm_func_t* func(const wasm_module_t* m, const wasm_extern_vec_t* ex, const char* name) {
  wasm_func_t* f = wasm_extern_as_func(find_export(m, ex, name));
  REQUIRE(f);
  return f;
}

static void run(tern_tier_t tier, const char* path) {
  wasm_config_t* config = wasm_config_new();
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module;
  wasm_valtype_t* ps[2];
  wasm_valtype_t* rs[2];
  wasm_valtype_vec_t params, results;
  wasm_functype_t* ft;
  wasm_globaltype_t* gt;
  wasm_func_t* swap;
  wasm_global_t* hg;
  wasm_extern_t* imports_arr[2];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  tern_val_t hv = v128_of(10, 20, 30, 40), x = v128_of(1, 2, 0xffffffffu, 4), y = v128_of(5, 6, 7, 8);
  tern_val_t args[2], out[2];
  wasm_val_t wrong = WASM_I64_VAL(3);
  wasm_trap_t* trap;
  REQUIRE(tern_config_tier_set(config, tier));
  engine = wasm_engine_new_with_config(config);
  store = wasm_store_new(engine);
  module = load_module(store, path);

  ps[0] = wasm_valtype_new_i32();
  ps[1] = wasm_valtype_new(TERN_V128);
  rs[0] = wasm_valtype_new(TERN_V128);
  rs[1] = wasm_valtype_new_i32();
  wasm_valtype_vec_new(&params, 2, ps);
  wasm_valtype_vec_new(&results, 2, rs);
  ft = wasm_functype_new(&params, &results);
  swap_calls = 0;
  swap = tern_func_new(store, ft, swap_cb, &swap_calls, finalize);
  REQUIRE(swap);
  wasm_functype_delete(ft);

  gt = wasm_globaltype_new(wasm_valtype_new(TERN_V128), WASM_VAR);
  /* wasm_global_new has no v128 value to give; tern_global_new does. */
  CHECK(wasm_global_new(store, gt, &wrong) == NULL);
  hg = tern_global_new(store, gt, &hv);
  REQUIRE(hg);
  wasm_globaltype_delete(gt);

  imports_arr[0] = wasm_func_as_extern(swap);
  imports_arr[1] = wasm_global_as_extern(hg);
  instance = wasm_instance_new(store, module, &imports, NULL);
  REQUIRE(instance);
  wasm_instance_exports(instance, &exports);

  /* An export with v128 params and result. */
  args[0] = x;
  args[1] = y;
  trap = tern_func_call(func(module, &exports, "add"), args, 2, out, 1);
  REQUIRE(!trap);
  CHECK_EQ_INT(out[0].kind, TERN_V128);
  CHECK(lane32(&out[0], 0) == 6 && lane32(&out[0], 1) == 8 && lane32(&out[0], 2) == 6 && lane32(&out[0], 3) == 12);
  /* The wrong kind of argument, and too few results, are traps. */
  args[1].kind = WASM_I64;
  trap = tern_func_call(func(module, &exports, "add"), args, 2, out, 1);
  CHECK(trap != NULL);
  if (trap) wasm_trap_delete(trap);
  args[1] = y;
  trap = tern_func_call(func(module, &exports, "add"), args, 2, out, 0);
  CHECK(trap != NULL);
  if (trap) wasm_trap_delete(trap);
  /* wasm_func_call cannot carry a v128: it traps. */
  {
    wasm_val_t wa[2] = {WASM_I64_VAL(1), WASM_I64_VAL(2)};
    wasm_val_t wr[1] = {WASM_INIT_VAL};
    wasm_val_vec_t av = WASM_ARRAY_VEC(wa), rv = WASM_ARRAY_VEC(wr);
    trap = wasm_func_call(func(module, &exports, "add"), &av, &rv);
    CHECK(trap != NULL);
    if (trap) wasm_trap_delete(trap);
  }

  /* Wasm calls the host function with an i32 and a v128. */
  args[0].kind = WASM_I32;
  args[0].of.i32 = 41;
  args[1] = x;
  trap = tern_func_call(func(module, &exports, "through_host"), args, 2, out, 2);
  REQUIRE(!trap);
  CHECK_EQ_INT(swap_calls, 1);
  CHECK(lane64(&out[0], 0) == lane64(&x, 1) && lane64(&out[0], 1) == lane64(&x, 0));
  CHECK_EQ_INT(out[1].kind, WASM_I32);
  CHECK_EQ_INT(out[1].of.i32, 42);
  /* The host function called directly. */
  trap = tern_func_call(swap, args, 2, out, 2);
  REQUIRE(!trap);
  CHECK_EQ_INT(swap_calls, 2);
  CHECK_EQ_INT(out[1].of.i32, 42);

  /* The host's global, read by Wasm, then written from the host. */
  args[0] = y;
  trap = tern_func_call(func(module, &exports, "hg_plus"), args, 1, out, 1);
  REQUIRE(!trap);
  CHECK(lane64(&out[0], 0) == lane64(&hv, 0) + lane64(&y, 0) && lane64(&out[0], 1) == lane64(&hv, 1) + lane64(&y, 1));
  CHECK(tern_global_set(hg, &x));
  trap = tern_func_call(func(module, &exports, "hg_plus"), args, 1, out, 1);
  REQUIRE(!trap);
  CHECK(lane64(&out[0], 0) == lane64(&x, 0) + lane64(&y, 0));

  /* The module's global: its initializer, a set, and refused sets. */
  {
    wasm_global_t* eg = wasm_extern_as_global(find_export(module, &exports, "eg"));
    tern_val_t g;
    REQUIRE(eg);
    tern_global_get(eg, &g);
    CHECK_EQ_INT(g.kind, TERN_V128);
    CHECK(lane32(&g, 0) == 1 && lane32(&g, 1) == 2 && lane32(&g, 2) == 3 && lane32(&g, 3) == 4);
    CHECK(tern_global_set(eg, &y));
    tern_global_get(eg, &g);
    CHECK(memcmp(g.of.v128, y.of.v128, 16) == 0);
    args[0].kind = WASM_I32;
    args[0].of.i32 = 1;
    CHECK(!tern_global_set(eg, &args[0]));
    tern_global_get(eg, &g);
    CHECK(memcmp(g.of.v128, y.of.v128, 16) == 0);
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_global_delete(hg);
  wasm_func_delete(swap);
  wasm_module_delete(module);
  finalized = 0;
  wasm_store_delete(store);
  CHECK_EQ_INT(finalized, 1);
  wasm_engine_delete(engine);
}

int main(int argc, char** argv) {
  REQUIRE(argc == 2);
  run(TERN_TIER_INTERP, argv[1]);
  run(TERN_TIER_JIT, argv[1]);
  return capi_test_finish("v128");
}
