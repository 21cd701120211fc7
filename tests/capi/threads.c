/* One module compiled once, shared with wasm_module_share, and obtained in a
 * store per thread (stores are single-threaded, engines and shared modules
 * are not): each thread instantiates it with its own host function and calls
 * it many times. */
#include <pthread.h>

#include "capi_test.h"

#define NUM_THREADS 8
#define NUM_CALLS 200

static wasm_engine_t* engine;
static wasm_shared_module_t* shared;

struct job {
  int id;
  int failures;
};

static wasm_trap_t* get_id(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = ((struct job*)env)->id;
  return NULL;
}

static void* run(void* arg) {
  struct job* job = arg;
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_obtain(store, shared);
  wasm_functype_t* type = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_func_t* host = wasm_func_new_with_env(store, type, get_id, job, NULL);
  wasm_extern_t* arr[1];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  int i;
  if (!module || !host) {
    job->failures++;
    return NULL;
  }
  arr[0] = wasm_func_as_extern(host);
  instance = wasm_instance_new(store, module, &imports, NULL);
  if (!instance) {
    job->failures++;
    return NULL;
  }
  wasm_instance_exports(instance, &exports);
  for (i = 0; i < NUM_CALLS; ++i) {
    int n = (i * 7 + job->id) % 100;
    wasm_val_t args_val[1] = {WASM_I32_VAL(n)};
    wasm_val_t results_val[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t results = WASM_ARRAY_VEC(results_val);
    wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[1]), &args, &results);
    if (trap) {
      wasm_trap_delete(trap);
      job->failures++;
    } else if (results_val[0].of.i32 != job->id * 1000 + n * (n + 1) / 2) {
      job->failures++;
    }
  }
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_functype_delete(type);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return NULL;
}

int main(int argc, char** argv) {
  wasm_store_t* store;
  wasm_module_t* module;
  pthread_t threads[NUM_THREADS];
  struct job jobs[NUM_THREADS];
  int i;
  REQUIRE(argc == 2);
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  module = load_module(store, argv[1]);
  shared = wasm_module_share(module);
  REQUIRE(shared);
  wasm_module_delete(module);
  wasm_store_delete(store); /* the shared module outlives the store it came from */

  for (i = 0; i < NUM_THREADS; ++i) {
    jobs[i].id = i + 1;
    jobs[i].failures = 0;
    REQUIRE(pthread_create(&threads[i], NULL, run, &jobs[i]) == 0);
  }
  for (i = 0; i < NUM_THREADS; ++i) {
    pthread_join(threads[i], NULL);
    CHECK_EQ_INT(jobs[i].failures, 0);
  }
  wasm_shared_module_delete(shared);
  wasm_engine_delete(engine);
  return capi_test_finish("threads");
}
