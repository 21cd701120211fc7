/* Tern's extensions to the C API (tern.h): errors with messages from
 * tern_module_new, tern_module_validate and tern_instance_new; trap kinds
 * (WASI's proc_exit included); the config options (tier, bounds checks, call
 * depth, memory reservation, perf map); fuel and epoch interruption on both
 * tiers; per-store limits; memory64 memory types.
 * Arguments: extensions.wasm trap_start.wasm wasi_exit.wasm
 *            wasi_start_exit.wasm */
#define _POSIX_C_SOURCE 200809L /* nanosleep, getpid, unlink */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdint.h>
#include <unistd.h>

#include "capi_test.h"
#include "tern.h"

static wasm_byte_vec_t ext_binary, start_binary, exit_binary, start_exit_binary;

static const tern_tier_t kTiers[] = {TERN_TIER_INTERP, TERN_TIER_JIT};
static const char* const kTierNames[] = {"interp", "jit"};

/* The error's message as a C string (in a static buffer), and deletes it. */
static const char* take_error_message(tern_error_t* error) {
  static char buf[512];
  wasm_name_t msg;
  if (!error) return NULL;
  tern_error_message(error, &msg);
  REQUIRE(msg.size > 0 && msg.data[msg.size - 1] == '\0');
  snprintf(buf, sizeof buf, "%s", msg.data);
  wasm_byte_vec_delete(&msg);
  tern_error_delete(error);
  return buf;
}

/* The trap's kind (or -1 when it has none), and deletes the trap. */
static int take_trap_kind(wasm_trap_t* trap) {
  tern_trap_kind_t kind;
  int out = -1;
  REQUIRE(trap != NULL);
  if (tern_trap_kind(trap, &kind)) out = kind;
  wasm_trap_delete(trap);
  return out;
}

static wasm_engine_t* new_engine(tern_tier_t tier, bool fuel, bool epochs) {
  wasm_config_t* config = wasm_config_new();
  REQUIRE(tern_config_tier_set(config, tier));
  tern_config_consume_fuel_set(config, fuel);
  tern_config_epoch_interruption_set(config, epochs);
  return wasm_engine_new_with_config(config);
}

/* The module of extensions.wat, instantiated in a store of its own. */
struct guest {
  wasm_store_t* store;
  wasm_module_t* module;
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
};

static wasm_engine_t* tick_engine;
static int ticks;

static wasm_trap_t* tick(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  ++ticks;
  if (tick_engine) tern_engine_increment_epoch(tick_engine);
  return NULL;
}

static void guest_open(struct guest* g, wasm_engine_t* engine) {
  wasm_functype_t* type = wasm_functype_new_0_0();
  wasm_func_t* f;
  wasm_trap_t* trap = NULL;
  g->store = wasm_store_new(engine);
  REQUIRE(tern_module_new(engine, &ext_binary, &g->module) == NULL);
  f = wasm_func_new(g->store, type, tick);
  wasm_functype_delete(type);
  {
    wasm_extern_t* arr[1];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
    arr[0] = wasm_func_as_extern(f);
    REQUIRE(tern_instance_new(g->store, g->module, &imports, &g->instance, &trap) == NULL);
  }
  REQUIRE(g->instance && !trap);
  wasm_func_delete(f);
  wasm_instance_exports(g->instance, &g->exports);
}

static void guest_close(struct guest* g) {
  wasm_extern_vec_delete(&g->exports);
  wasm_instance_delete(g->instance);
  wasm_module_delete(g->module);
  wasm_store_delete(g->store);
}

static wasm_func_t* func(struct guest* g, const char* name) {
  return wasm_extern_as_func(find_export(g->module, &g->exports, name));
}

/* Calls an (i32) -> i32 export; returns the trap, or NULL with *result set. */
static wasm_trap_t* call_i(struct guest* g, const char* name, int32_t arg, int32_t* result) {
  wasm_val_t a[1] = {WASM_I32_VAL(arg)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(a);
  wasm_val_vec_t results = WASM_ARRAY_VEC(r);
  wasm_trap_t* trap = wasm_func_call(func(g, name), &args, &results);
  if (!trap && result) *result = r[0].of.i32;
  return trap;
}

static wasm_trap_t* call_void(struct guest* g, const char* name) {
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  return wasm_func_call(func(g, name), &none, &none);
}

/* --------------------------------------------------------------------------- */

/* Link errors are errors; no trap. */
static void check_link_errors(wasm_store_t* store, const wasm_module_t* module) {
  wasm_instance_t* instance = (wasm_instance_t*)1;
  wasm_trap_t* trap = (wasm_trap_t*)1;
  wasm_extern_vec_t none = WASM_EMPTY_VEC;
  tern_error_t* error;
  const char* msg;
  error = tern_instance_new(store, module, &none, &instance, &trap);
  REQUIRE(error != NULL);
  CHECK(instance == NULL && trap == NULL);
  CHECK_EQ_INT(tern_error_kind(error), TERN_ERROR_LINK);
  CHECK(!tern_error_offset(error, NULL));
  msg = take_error_message(error);
  CHECK(strstr(msg, "expected 1 imports, got 0") != NULL);

  /* The wrong kind of import names it. */
  {
    wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
    wasm_val_t v = WASM_I32_VAL(1);
    wasm_global_t* g = wasm_global_new(store, gt, &v);
    wasm_extern_t* arr[1];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
    arr[0] = wasm_global_as_extern(g);
    msg = take_error_message(tern_instance_new(store, module, &imports, &instance, NULL));
    REQUIRE(msg);
    CHECK(strstr(msg, "host.tick") != NULL);
    wasm_global_delete(g);
    wasm_globaltype_delete(gt);
  }
}

/* A trapping start function: the trap with its kind, or an error of kind
 * TERN_ERROR_TRAP without trap_out. */
static void check_trapping_start(wasm_engine_t* engine, wasm_store_t* store) {
  wasm_functype_t* t = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* f = wasm_func_new(store, t, tick);
  wasm_extern_t* arr[1];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
  wasm_instance_t* instance = NULL;
  wasm_trap_t* trap = NULL;
  wasm_frame_vec_t trace;
  wasm_module_t* module;
  tern_error_t* error;
  arr[0] = wasm_func_as_extern(f);
  REQUIRE(tern_module_new(engine, &start_binary, &module) == NULL);
  CHECK(tern_instance_new(store, module, &imports, &instance, &trap) == NULL);
  CHECK(instance == NULL);
  REQUIRE(trap != NULL);
  wasm_trap_trace(trap, &trace);
  CHECK_EQ_INT(trace.size, 2); /* $helper, $start */
  wasm_frame_vec_delete(&trace);
  CHECK_EQ_INT(take_trap_kind(trap), TERN_TRAP_UNREACHABLE);
  error = tern_instance_new(store, module, &imports, &instance, NULL);
  REQUIRE(error != NULL);
  CHECK_EQ_INT(tern_error_kind(error), TERN_ERROR_TRAP);
  CHECK_EQ_STR(take_error_message(error), "unreachable");
  /* The standard call gives the same trap. */
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  CHECK_EQ_INT(take_trap_kind(trap), TERN_TRAP_UNREACHABLE);
  wasm_module_delete(module);
  wasm_func_delete(f);
  wasm_functype_delete(t);
}

static void test_errors(void) {
  /* (func (result i32) (i64.const 0)): "type mismatch" at the body's end, 0x1a */
  static const byte_t bad_type[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01,
                                    0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x00, 0x0b};
  /* a type section cut short */
  static const byte_t truncated[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00,
                                     0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01};
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t bytes;
  wasm_module_t* module = (wasm_module_t*)1;
  tern_error_t* error;
  size_t offset = 0;
  const char* msg;

  CHECK(strlen(tern_version()) > 0);

  /* Invalid: kind, offset and the spec's reason. */
  wasm_byte_vec_new(&bytes, sizeof bad_type, bad_type);
  CHECK(wasm_module_new(store, &bytes) == NULL); /* the standard call still says only NULL */
  error = tern_module_new(engine, &bytes, &module);
  REQUIRE(error != NULL);
  CHECK(module == NULL);
  CHECK_EQ_INT(tern_error_kind(error), TERN_ERROR_INVALID);
  CHECK(tern_error_offset(error, &offset));
  CHECK_EQ_INT(offset, 0x1a);
  CHECK_EQ_STR(take_error_message(error), "at offset 0x1a: type mismatch");
  msg = take_error_message(tern_module_validate(engine, &bytes));
  CHECK_EQ_STR(msg, "at offset 0x1a: type mismatch");
  wasm_byte_vec_delete(&bytes);

  /* Malformed. */
  wasm_byte_vec_new(&bytes, sizeof truncated, truncated);
  error = tern_module_validate(NULL, &bytes);
  REQUIRE(error != NULL);
  CHECK_EQ_INT(tern_error_kind(error), TERN_ERROR_MALFORMED);
  CHECK(tern_error_offset(error, &offset));
  CHECK(offset >= 8 && offset <= sizeof truncated);
  msg = take_error_message(error);
  CHECK(strncmp(msg, "at offset 0x", 12) == 0);
  /* The type section's size runs past the module: the spec's text. */
  CHECK(strstr(msg, "length out of bounds") != NULL);
  error = tern_module_new(engine, &bytes, &module);
  CHECK(error && tern_error_kind(error) == TERN_ERROR_MALFORMED);
  tern_error_delete(error);
  wasm_byte_vec_delete(&bytes);

  /* Valid. */
  CHECK(tern_module_validate(engine, &ext_binary) == NULL);
  CHECK(tern_module_new(engine, &ext_binary, &module) == NULL);
  REQUIRE(module != NULL);

  check_link_errors(store, module);
  wasm_module_delete(module);

  check_trapping_start(engine, store);

  /* Trap kinds: running code has one, wasm_trap_new and misuse do not. */
  {
    struct guest g;
    wasm_val_t a[2] = {WASM_I32_VAL(1), WASM_I32_VAL(0)};
    wasm_val_t r[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(a);
    wasm_val_vec_t one = {1, a};
    wasm_val_vec_t results = WASM_ARRAY_VEC(r);
    wasm_message_t text;
    guest_open(&g, engine);
    CHECK_EQ_INT(take_trap_kind(wasm_func_call(func(&g, "div"), &args, &results)), TERN_TRAP_INT_DIV_BY_ZERO);
    CHECK_EQ_STR(tern_trap_kind_name(TERN_TRAP_INT_DIV_BY_ZERO), "int-div-by-zero");
    CHECK_EQ_STR(tern_trap_kind_name(TERN_TRAP_OUT_OF_FUEL), "out-of-fuel");
    CHECK_EQ_STR(tern_trap_kind_name(TERN_TRAP_EXIT), "exit");
    CHECK_EQ_STR(tern_trap_kind_name(200), "unknown");
    CHECK_EQ_INT(take_trap_kind(wasm_func_call(func(&g, "div"), &one, &results)), -1);
    CHECK_EQ_INT(take_trap_kind(call_i(&g, "load", 65536, NULL)), TERN_TRAP_MEMORY_OUT_OF_BOUNDS);
    wasm_name_new_from_string_nt(&text, "made by hand");
    CHECK_EQ_INT(take_trap_kind(wasm_trap_new(g.store, &text)), -1);
    wasm_name_delete(&text);
    guest_close(&g);
  }

  /* Misuse is an error, not a crash. */
  {
    uint64_t fuel;
    error = tern_module_new(engine, NULL, &module);
    CHECK(error && tern_error_kind(error) == TERN_ERROR_USAGE);
    tern_error_delete(error);
    CHECK(module == NULL);
    error = tern_store_set_fuel(store, 10); /* this engine does not consume fuel */
    REQUIRE(error != NULL);
    CHECK_EQ_INT(tern_error_kind(error), TERN_ERROR_USAGE);
    CHECK(strstr(take_error_message(error), "tern_config_consume_fuel_set") != NULL);
    error = tern_store_get_fuel(store, &fuel);
    CHECK(error && tern_error_kind(error) == TERN_ERROR_USAGE);
    tern_error_delete(error);
  }
  {
    wasm_config_t* config = wasm_config_new();
    CHECK(!tern_config_tier_set(config, 7));
    wasm_config_delete(config);
  }

  /* Feature switches: a global initialized by (i32.add (i32.const 1) (i32.const 2)) needs extended-const. */
  {
    static const byte_t ext_const[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x06, 0x09,
                                       0x01, 0x7f, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b};
    wasm_config_t* config = wasm_config_new();
    wasm_engine_t* wasm2;
    CHECK(tern_config_features_set(config, "extended-const=n") == NULL);
    CHECK(tern_config_features_set(config, "exceptions,memory64") == NULL);
    error = tern_config_features_set(config, "no-such-feature");
    CHECK(error && tern_error_kind(error) == TERN_ERROR_USAGE);
    tern_error_delete(error);
    wasm2 = wasm_engine_new_with_config(config);
    wasm_byte_vec_new(&bytes, sizeof ext_const, ext_const);
    CHECK(tern_module_validate(engine, &bytes) == NULL); /* on by default */
    msg = take_error_message(tern_module_validate(wasm2, &bytes));
    CHECK(strstr(msg, "constant expression required") != NULL);
    wasm_byte_vec_delete(&bytes);
    wasm_engine_delete(wasm2);
  }

  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

/* Fuel runs out on both tiers with its trap kind; what is left can be read. */
static void test_fuel(tern_tier_t tier) {
  wasm_engine_t* engine = new_engine(tier, true, false);
  struct guest g;
  uint64_t fuel = 0;
  int32_t result = 0;
  wasm_trap_t* trap;
  guest_open(&g, engine);

  CHECK(tern_store_set_fuel(g.store, 1000) == NULL);
  CHECK(tern_store_get_fuel(g.store, &fuel) == NULL);
  CHECK_EQ_INT(fuel, 1000);
  /* 10 trips: one unit for the call, one per loop header. */
  CHECK(call_i(&g, "loop", 10, &result) == NULL);
  CHECK_EQ_INT(result, 10);
  CHECK(tern_store_get_fuel(g.store, &fuel) == NULL);
  CHECK(fuel < 1000 && fuel >= 1000 - 20);

  /* A million trips do not fit in what is left. */
  trap = call_i(&g, "loop", 1000000, &result);
  REQUIRE(trap != NULL);
  CHECK_EQ_STR(take_trap_message(wasm_trap_copy(trap)), "all fuel consumed");
  CHECK_EQ_INT(take_trap_kind(trap), TERN_TRAP_OUT_OF_FUEL);
  CHECK(tern_store_get_fuel(g.store, &fuel) == NULL);
  CHECK_EQ_INT(fuel, 0);
  /* With none left, a call fails at once; refuelled, it runs again. */
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "loop", 1, &result)), TERN_TRAP_OUT_OF_FUEL);
  CHECK(tern_store_set_fuel(g.store, 1u << 30) == NULL);
  CHECK(call_i(&g, "loop", 1000000, &result) == NULL);
  CHECK_EQ_INT(result, 1000000);
  guest_close(&g);
  wasm_engine_delete(engine);
}

struct ticker {
  wasm_engine_t* engine;
  atomic_int stop;
};

/* Advances the engine's epoch every millisecond until told to stop. */
static void* ticker_run(void* arg) {
  struct ticker* t = arg;
  const struct timespec ms = {0, 1000000};
  while (!atomic_load(&t->stop)) {
    nanosleep(&ms, NULL);
    tern_engine_increment_epoch(t->engine);
  }
  return NULL;
}

/* An epoch deadline stops a loop on both tiers: one advanced by a host
 * function the loop calls (so the count is exact), and one advanced by
 * another thread while the loop runs without calls. */
static void test_epochs(tern_tier_t tier) {
  wasm_engine_t* engine = new_engine(tier, false, true);
  struct guest g;
  guest_open(&g, engine);

  /* No deadline yet: the loop runs. */
  {
    int32_t result = 0;
    CHECK(call_i(&g, "loop", 1000, &result) == NULL);
    CHECK_EQ_INT(result, 1000);
  }
  /* Deadline 3 epochs on: the third tick stops it at the next loop header. */
  ticks = 0;
  tick_engine = engine;
  tern_store_set_epoch_deadline(g.store, 3);
  {
    wasm_trap_t* trap = call_void(&g, "spin_tick");
    REQUIRE(trap != NULL);
    CHECK_EQ_STR(take_trap_message(wasm_trap_copy(trap)), "interrupted");
    CHECK_EQ_INT(take_trap_kind(trap), TERN_TRAP_INTERRUPTED);
    CHECK_EQ_INT(ticks, 3);
  }
  tick_engine = NULL;
  /* Past the deadline, calls stop at once, until a new deadline. */
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "loop", 5, NULL)), TERN_TRAP_INTERRUPTED);
  tern_store_set_epoch_deadline(g.store, 1);
  {
    int32_t result = 0;
    CHECK(call_i(&g, "loop", 5, &result) == NULL);
    CHECK_EQ_INT(result, 5);
  }
  /* Another thread advances the epoch while "spin" runs. */
  {
    struct ticker t;
    t.engine = engine;
    atomic_init(&t.stop, 0);
    pthread_t thread;
    tern_store_set_epoch_deadline(g.store, 5);
    REQUIRE(pthread_create(&thread, NULL, ticker_run, &t) == 0);
    CHECK_EQ_INT(take_trap_kind(call_void(&g, "spin")), TERN_TRAP_INTERRUPTED);
    atomic_store(&t.stop, 1);
    pthread_join(thread, NULL);
  }
  /* A deadline too far to reach is none. */
  tern_store_set_epoch_deadline(g.store, UINT64_MAX);
  CHECK(call_i(&g, "loop", 5, NULL) == NULL);
  guest_close(&g);
  wasm_engine_delete(engine);
}

/* A trap from a call the host function makes keeps its kind through it. */
static wasm_func_t* inner_func;
static wasm_trap_t* call_inner(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_val_t a[1] = {WASM_I32_VAL(1000000)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a);
  wasm_val_vec_t rv = WASM_ARRAY_VEC(r);
  (void)args;
  (void)results;
  return wasm_func_call(inner_func, &av, &rv);
}

static void test_fuel_through_host(void) {
  wasm_engine_t* engine = new_engine(TERN_TIER_AUTO, true, false);
  struct guest g;
  wasm_functype_t* t = wasm_functype_new_0_0();
  wasm_func_t* outer;
  guest_open(&g, engine);
  inner_func = func(&g, "loop");
  outer = wasm_func_new(g.store, t, call_inner);
  CHECK(tern_store_set_fuel(g.store, 100) == NULL);
  {
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    CHECK_EQ_INT(take_trap_kind(wasm_func_call(outer, &none, &none)), TERN_TRAP_OUT_OF_FUEL);
  }
  wasm_func_delete(outer);
  wasm_functype_delete(t);
  guest_close(&g);
  wasm_engine_delete(engine);
}

/* A WASI guest's proc_exit is a trap of kind TERN_TRAP_EXIT, from an export
 * and from a start function. */
static void test_exit_kind(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t *module, *start_module;
  wasi_env_t* env;
  wasm_extern_vec_t imports;
  wasm_instance_t* instance = NULL;
  wasm_trap_t* trap = NULL;
  int code = 0;
  REQUIRE(tern_module_new(engine, &exit_binary, &module) == NULL);
  REQUIRE(tern_module_new(engine, &start_exit_binary, &start_module) == NULL);

  env = wasi_env_new(store, wasi_config_new(), &trap);
  REQUIRE(env && !trap);
  REQUIRE(wasi_env_get_imports(env, module, &imports, &trap));
  REQUIRE(tern_instance_new(store, module, &imports, &instance, &trap) == NULL);
  wasm_extern_vec_delete(&imports);
  {
    wasm_extern_vec_t exports;
    wasm_val_t a[1] = {WASM_I32_VAL(5)};
    wasm_val_vec_t args = WASM_ARRAY_VEC(a);
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    wasm_instance_exports(instance, &exports);
    trap = wasm_func_call(wasm_extern_as_func(find_export(module, &exports, "quit")), &args, &none);
    CHECK_EQ_INT(take_trap_kind(trap), TERN_TRAP_EXIT);
    CHECK(wasi_env_exit_code(env, &code));
    CHECK_EQ_INT(code, 5);
    wasm_extern_vec_delete(&exports);
  }
  wasm_instance_delete(instance);
  wasi_env_delete(env);

  env = wasi_env_new(store, wasi_config_new(), &trap);
  REQUIRE(env && wasi_env_get_imports(env, start_module, &imports, &trap));
  CHECK(tern_instance_new(store, start_module, &imports, &instance, &trap) == NULL);
  CHECK(instance == NULL);
  CHECK_EQ_INT(take_trap_kind(trap), TERN_TRAP_EXIT);
  CHECK(wasi_env_exit_code(env, &code));
  CHECK_EQ_INT(code, 3);
  wasm_extern_vec_delete(&imports);
  wasi_env_delete(env);

  wasm_module_delete(module);
  wasm_module_delete(start_module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

/* Store limits: memory bytes, table elements, instances. */
static void test_limits(tern_tier_t tier) {
  wasm_engine_t* engine = new_engine(tier, false, false);
  struct guest g;
  int32_t result = 0;
  const char* msg;

  /* Memory: two pages in all; tables: three elements; one instance. */
  {
    wasm_functype_t* t = wasm_functype_new_0_0();
    wasm_func_t* f;
    wasm_trap_t* trap = NULL;
    wasm_extern_t* arr[1];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
    g.store = wasm_store_new(engine);
    tern_store_limiter(g.store, 2 * 65536, 3, 1);
    REQUIRE(tern_module_new(engine, &ext_binary, &g.module) == NULL);
    f = wasm_func_new(g.store, t, tick);
    arr[0] = wasm_func_as_extern(f);
    REQUIRE(tern_instance_new(g.store, g.module, &imports, &g.instance, &trap) == NULL);
    wasm_instance_exports(g.instance, &g.exports);

    CHECK(call_i(&g, "grow", 1, &result) == NULL);
    CHECK_EQ_INT(result, 1); /* was 1 page, now 2 */
    CHECK(call_i(&g, "grow", 1, &result) == NULL);
    CHECK_EQ_INT(result, -1); /* refused: the limit */
    {
      wasm_memory_t* mem = wasm_extern_as_memory(find_export(g.module, &g.exports, "memory"));
      wasm_limits_t one = {1, 1};
      wasm_memorytype_t* mt = wasm_memorytype_new(&one);
      CHECK(!wasm_memory_grow(mem, 1));
      CHECK_EQ_INT(wasm_memory_size(mem), 2);
      CHECK(wasm_memory_new(g.store, mt) == NULL);
      wasm_memorytype_delete(mt);
    }
    /* Tables: 2 of 3 elements used. */
    CHECK(call_i(&g, "table_grow", 2, &result) == NULL);
    CHECK_EQ_INT(result, -1);
    CHECK(call_i(&g, "table_grow", 1, &result) == NULL);
    CHECK_EQ_INT(result, 2);
    {
      wasm_limits_t lim = {1, 1};
      wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &lim);
      CHECK(wasm_table_new(g.store, tt, NULL) == NULL);
      wasm_tabletype_delete(tt);
    }
    /* Instances: one. */
    {
      wasm_instance_t* second = NULL;
      msg = take_error_message(tern_instance_new(g.store, g.module, &imports, &second, &trap));
      REQUIRE(msg);
      CHECK(strstr(msg, "instance limit") != NULL);
      CHECK(second == NULL && trap == NULL);
    }
    wasm_func_delete(f);
    wasm_functype_delete(t);
    guest_close(&g);
  }

  /* A module whose memory does not fit cannot be instantiated. */
  {
    wasm_store_t* store = wasm_store_new(engine);
    wasm_module_t* module;
    wasm_instance_t* instance = NULL;
    wasm_functype_t* t = wasm_functype_new_0_0();
    wasm_func_t* f = wasm_func_new(store, t, tick);
    wasm_extern_t* arr[1];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
    tern_error_t* error;
    arr[0] = wasm_func_as_extern(f);
    tern_store_limiter(store, 65535, -1, -1);
    REQUIRE(tern_module_new(engine, &ext_binary, &module) == NULL);
    error = tern_instance_new(store, module, &imports, &instance, NULL);
    REQUIRE(error != NULL);
    CHECK_EQ_INT(tern_error_kind(error), TERN_ERROR_LINK);
    CHECK(strstr(take_error_message(error), "exceeds the store's limit") != NULL);
    /* No limits again: it fits. */
    tern_store_limiter(store, -1, -1, -1);
    CHECK(tern_instance_new(store, module, &imports, &instance, NULL) == NULL);
    CHECK(instance != NULL);
    wasm_instance_delete(instance);
    wasm_module_delete(module);
    wasm_func_delete(f);
    wasm_functype_delete(t);
    wasm_store_delete(store);
  }
  wasm_engine_delete(engine);
}

/* The call depth limit, on both tiers, also for an engine made after one
 * with another limit on the same thread. */
static void test_call_depth(tern_tier_t tier) {
  wasm_config_t* config = wasm_config_new();
  wasm_engine_t *shallow, *deep;
  struct guest g;
  int32_t result = 0;
  tern_config_tier_set(config, tier);
  tern_config_max_call_depth_set(config, 100);
  shallow = wasm_engine_new_with_config(config);
  deep = new_engine(tier, false, false);

  guest_open(&g, deep);
  CHECK(call_i(&g, "recurse", 5000, &result) == NULL);
  CHECK_EQ_INT(result, 5000);
  guest_close(&g);

  guest_open(&g, shallow);
  CHECK(call_i(&g, "recurse", 50, &result) == NULL);
  CHECK_EQ_INT(result, 50);
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "recurse", 5000, NULL)), TERN_TRAP_CALL_STACK_EXHAUSTED);
  guest_close(&g);

  guest_open(&g, deep);
  CHECK(call_i(&g, "recurse", 5000, &result) == NULL);
  CHECK_EQ_INT(result, 5000);
  guest_close(&g);
  wasm_engine_delete(shallow);

  /* 64 KiB of Wasm stack: 2048 calls deep, 8192 value slots. */
  config = wasm_config_new();
  tern_config_tier_set(config, tier);
  CHECK(!tern_config_max_wasm_stack_set(config, 63));
  CHECK(tern_config_max_wasm_stack_set(config, 64 * 1024));
  shallow = wasm_engine_new_with_config(config);
  guest_open(&g, shallow);
  CHECK(call_i(&g, "recurse", 1000, &result) == NULL);
  CHECK_EQ_INT(result, 1000);
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "recurse", 5000, NULL)), TERN_TRAP_CALL_STACK_EXHAUSTED);
  /* 100 frames of 257 slots do not fit in 8192, though 100 calls do. */
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "fat", 100, NULL)), TERN_TRAP_CALL_STACK_EXHAUSTED);
  CHECK(call_i(&g, "fat", 10, &result) == NULL);
  guest_close(&g);
  /* The default value stack (2^21 slots) is back for the default engine. */
  guest_open(&g, deep);
  CHECK(call_i(&g, "fat", 1000, &result) == NULL);
  CHECK_EQ_INT(result, 1000);
  guest_close(&g);
  /* A big one: deeper than the default's 20000 calls. */
  config = wasm_config_new();
  tern_config_tier_set(config, tier);
  CHECK(tern_config_max_wasm_stack_set(config, 64 << 20));
  wasm_engine_delete(shallow);
  shallow = wasm_engine_new_with_config(config);
  guest_open(&g, shallow);
  CHECK(call_i(&g, "recurse", 30000, &result) == NULL);
  CHECK_EQ_INT(result, 30000);
  guest_close(&g);
  guest_open(&g, deep);
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "recurse", 30000, NULL)), TERN_TRAP_CALL_STACK_EXHAUSTED);
  guest_close(&g);
  wasm_engine_delete(shallow);
  wasm_engine_delete(deep);
}

/* A small memory reservation, with and without explicit bounds checks: the
 * memory grows up to the reservation and no further, and accesses past its
 * size trap. */
static void test_reservation(tern_tier_t tier, bool bounds_checks) {
  wasm_config_t* config = wasm_config_new();
  wasm_engine_t* engine;
  struct guest g;
  int32_t result = 0;
  tern_config_tier_set(config, tier);
  tern_config_bounds_checks_set(config, bounds_checks);
  tern_config_memory_reservation_set(config, 4 * 65536);
  tern_config_memory_guard_size_set(config, 65536);
  engine = wasm_engine_new_with_config(config);
  guest_open(&g, engine);
  CHECK(call_i(&g, "grow", 3, &result) == NULL);
  CHECK_EQ_INT(result, 1);
  CHECK(call_i(&g, "grow", 1, &result) == NULL);
  CHECK_EQ_INT(result, -1);
  CHECK(call_i(&g, "load", 4 * 65536 - 4, &result) == NULL);
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "load", 4 * 65536 - 3, NULL)), TERN_TRAP_MEMORY_OUT_OF_BOUNDS);
  CHECK_EQ_INT(take_trap_kind(call_i(&g, "load", 5 * 65536, NULL)), TERN_TRAP_MEMORY_OUT_OF_BOUNDS);
  guest_close(&g);
  wasm_engine_delete(engine);
}

/* The tier is observable through the perf map: JIT code is listed there,
 * interpreted code is not; with lazy compilation (the default) nothing is
 * compiled, so nothing is listed, until a function is first called. */
static long file_size(const char* path) {
  FILE* f = fopen(path, "rb");
  long size;
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fclose(f);
  return size;
}

static void test_tier_observable(void) {
  char path[64];
  int t;
  snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
  for (t = 0; t < 2; ++t) {
    wasm_config_t* config = wasm_config_new();
    wasm_engine_t* engine;
    wasm_module_t* module = NULL;
    long before = file_size(path), after;
    tern_config_tier_set(config, kTiers[t]);
    tern_config_perf_map_set(config, true);
    tern_config_lazy_set(config, false);
    engine = wasm_engine_new_with_config(config);
    REQUIRE(tern_module_new(engine, &ext_binary, &module) == NULL);
    after = file_size(path);
#if defined(__x86_64__)
    if (kTiers[t] == TERN_TIER_JIT) {
      CHECK(after > before);
    } else {
      CHECK_EQ_INT(after, before);
    }
#else
    CHECK_EQ_INT(after, before); /* no JIT on this host: everything interprets */
#endif
    wasm_module_delete(module);
    wasm_engine_delete(engine);
  }
  {
    wasm_config_t* config = wasm_config_new();
    wasm_engine_t* engine;
    wasm_module_t* module = NULL;
    long before = file_size(path);
    tern_config_tier_set(config, TERN_TIER_JIT);
    tern_config_perf_map_set(config, true);
    engine = wasm_engine_new_with_config(config);
    REQUIRE(tern_module_new(engine, &ext_binary, &module) == NULL);
    CHECK_EQ_INT(file_size(path), before);
    wasm_module_delete(module);
    wasm_engine_delete(engine);
  }
  unlink(path);
}

/* memory64 types: 64-bit limits and the index type, through a memory made
 * from one and back from wasm_memory_type; wasm_memorytype_limits clamps. */
static void test_memory64_types(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  const uint64_t big_max = (uint64_t)1 << 40;
  wasm_memorytype_t* type = tern_memorytype_new(2, true, big_max, true);
  wasm_memory_t* mem;
  wasm_memorytype_t* got;
  uint64_t max = 0;
  CHECK(tern_memorytype_is64(type));
  CHECK(tern_memorytype_minimum(type) == 2);
  CHECK(tern_memorytype_maximum(type, &max) && max == big_max);
  CHECK(wasm_memorytype_limits(type)->max == 0xffffffffu);
  mem = wasm_memory_new(store, type);
  REQUIRE(mem != NULL);
  CHECK(wasm_memory_size(mem) == 2);
  CHECK(wasm_memory_grow(mem, 1));
  got = wasm_memory_type(mem);
  CHECK(tern_memorytype_is64(got));
  CHECK(tern_memorytype_minimum(got) == 3);
  CHECK(tern_memorytype_maximum(got, &max) && max == big_max);
  wasm_memorytype_delete(got);
  wasm_memory_delete(mem);
  wasm_memorytype_delete(type);
  /* A 32-bit memory type: not is64, no maximum; and one past 2^48 pages is refused. */
  type = tern_memorytype_new(1, false, 0, false);
  CHECK(!tern_memorytype_is64(type));
  CHECK(!tern_memorytype_maximum(type, &max));
  wasm_memorytype_delete(type);
  type = tern_memorytype_new(((uint64_t)1 << 48) + 1, false, 0, true);
  CHECK(wasm_memory_new(store, type) == NULL);
  wasm_memorytype_delete(type);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(int argc, char** argv) {
  int t;
  REQUIRE(argc == 5);
  load_file(argv[1], &ext_binary);
  load_file(argv[2], &start_binary);
  load_file(argv[3], &exit_binary);
  load_file(argv[4], &start_exit_binary);

  test_errors();
  test_exit_kind();
  test_fuel_through_host();
  for (t = 0; t < 2; ++t) {
    int before = capi_test_failures;
    test_fuel(kTiers[t]);
    test_epochs(kTiers[t]);
    test_limits(kTiers[t]);
    test_call_depth(kTiers[t]);
    test_reservation(kTiers[t], false);
    test_reservation(kTiers[t], true);
    if (capi_test_failures != before) fprintf(stderr, "(failures above on tier %s)\n", kTierNames[t]);
  }
  test_tier_observable();
  test_memory64_types();

  wasm_byte_vec_delete(&ext_binary);
  wasm_byte_vec_delete(&start_binary);
  wasm_byte_vec_delete(&exit_binary);
  wasm_byte_vec_delete(&start_exit_binary);
  return capi_test_finish("capi-extensions");
}
