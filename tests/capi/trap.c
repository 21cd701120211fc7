/* Traps: their messages (unreachable, division by zero, overflow, memory
 * out of bounds, stack exhaustion, invalid conversion, a trap raised by the
 * host, a trapping start function, link errors) and their traces of
 * (instance, function index) frames. Run with the trap module built without
 * and with a name section, plus the start and caller modules. */
#include "capi_test.h"

static wasm_store_t* store;
static int boom_calls = 0;

static wasm_trap_t* boom_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_message_t msg;
  wasm_trap_t* trap;
  (void)args;
  (void)results;
  boom_calls++;
  wasm_name_new_from_string_nt(&msg, "boom!");
  trap = wasm_trap_new(store, &msg);
  wasm_byte_vec_delete(&msg);
  return trap;
}

static wasm_trap_t* nop_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  return NULL;
}

/* Checks the trap's message and that its trace has exactly the given
 * function indices (innermost first), all in `instance`; deletes the trap. */
static void check_trap(wasm_trap_t* trap, const char* message, const wasm_instance_t* instance, size_t n,
                       const uint32_t* funcs, int line) {
  wasm_frame_vec_t trace;
  wasm_frame_t* origin;
  size_t i;
  if (!trap) {
    fprintf(stderr, "line %d: expected a trap\n", line);
    capi_test_failures++;
    return;
  }
  wasm_trap_trace(trap, &trace);
  if (trace.size != n) {
    fprintf(stderr, "line %d: trace has %zu frames, expected %zu\n", line, trace.size, n);
    capi_test_failures++;
  }
  for (i = 0; i < n && i < trace.size; ++i) {
    if (wasm_frame_func_index(trace.data[i]) != funcs[i]) {
      fprintf(stderr, "line %d: frame %zu is function %u, expected %u\n", line, i, wasm_frame_func_index(trace.data[i]),
              funcs[i]);
      capi_test_failures++;
    }
    if (!wasm_instance_same(wasm_frame_instance(trace.data[i]), instance)) {
      fprintf(stderr, "line %d: frame %zu is in another instance\n", line, i);
      capi_test_failures++;
    }
    /* offsets: within the module, the function's code comes after the header */
    CHECK(wasm_frame_module_offset(trace.data[i]) >= 8);
  }
  origin = wasm_trap_origin(trap);
  if (n == 0) {
    CHECK(origin == NULL);
  } else {
    REQUIRE(origin);
    CHECK_EQ_INT(wasm_frame_func_index(origin), funcs[0]);
    {
      wasm_frame_t* copy = wasm_frame_copy(origin);
      CHECK_EQ_INT(wasm_frame_func_index(copy), funcs[0]);
      CHECK(wasm_instance_same(wasm_frame_instance(copy), instance));
      CHECK_EQ_INT(wasm_frame_module_offset(copy), wasm_frame_module_offset(origin));
      CHECK_EQ_INT(wasm_frame_func_offset(copy), wasm_frame_func_offset(origin));
      wasm_frame_delete(copy);
    }
    wasm_frame_delete(origin);
  }
  wasm_frame_vec_delete(&trace);
  {
    const char* got = take_trap_message(trap);
    if (strcmp(got, message) != 0) {
      fprintf(stderr, "line %d: message \"%s\", expected \"%s\"\n", line, got, message);
      capi_test_failures++;
    }
  }
}

static wasm_trap_t* call(wasm_func_t* f, int nargs, int32_t a, int32_t b) {
  wasm_val_t args_val[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results_val[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = {(size_t)nargs, args_val};
  wasm_val_vec_t res = {wasm_func_result_arity(f), results_val};
  return wasm_func_call(f, &args, &res);
}

static wasm_func_t* func(const wasm_module_t* m, const wasm_extern_vec_t* ex, const char* name) {
  wasm_func_t* f = wasm_extern_as_func(find_export(m, ex, name));
  REQUIRE(f);
  return f;
}

#define CHECK_TRAP(trap, msg, inst, ...) \
  do { \
    static const uint32_t frames_[] = {__VA_ARGS__}; \
    check_trap((trap), (msg), (inst), sizeof frames_ / sizeof *frames_, frames_, __LINE__); \
  } while (0)

static void run_trap_module(const char* path, wasm_func_t* boom) {
  wasm_module_t* module = load_module(store, path);
  wasm_extern_t* imports_arr[1];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t *first, *second;
  wasm_extern_vec_t ex1, ex2;
  imports_arr[0] = wasm_func_as_extern(boom);
  first = wasm_instance_new(store, module, &imports, NULL);
  second = wasm_instance_new(store, module, &imports, NULL);
  REQUIRE(first && second);
  CHECK(!wasm_instance_same(first, second));
  wasm_instance_exports(first, &ex1);
  wasm_instance_exports(second, &ex2);

  CHECK_TRAP(call(func(module, &ex1, "deep"), 0, 0, 0), "unreachable", first, 1, 3, 4, 5);
  /* the same module's second instance: frames name that instance */
  CHECK_TRAP(call(func(module, &ex2, "deep"), 0, 0, 0), "unreachable", second, 1, 3, 4, 5);
  CHECK_TRAP(call(func(module, &ex1, "div"), 2, 7, 0), "integer divide by zero", first, 2, 6);
  CHECK_TRAP(call(func(module, &ex1, "overflow"), 0, 0, 0), "integer overflow", first, 2, 7);
  CHECK_TRAP(call(func(module, &ex2, "oob"), 0, 0, 0), "out of bounds memory access", second, 8);
  CHECK_TRAP(call(func(module, &ex1, "trunc"), 0, 0, 0), "invalid conversion to integer", first, 11);
  /* The host's trap: its message; the host's own frame is not in the trace. */
  CHECK_TRAP(call(func(module, &ex1, "host"), 0, 0, 0), "boom!", first, 9);
  /* Unbounded recursion is a trap too, not a crash. */
  {
    wasm_trap_t* t = call(func(module, &ex2, "recurse"), 0, 0, 0);
    wasm_frame_vec_t trace;
    wasm_frame_t* origin;
    REQUIRE(t);
    wasm_trap_trace(t, &trace);
    CHECK(trace.size > 100);
    if (trace.size > 0) CHECK_EQ_INT(wasm_frame_func_index(trace.data[trace.size - 1]), 10);
    wasm_frame_vec_delete(&trace);
    origin = wasm_trap_origin(t);
    REQUIRE(origin);
    CHECK_EQ_INT(wasm_frame_func_index(origin), 10);
    wasm_frame_delete(origin);
    CHECK_EQ_STR(take_trap_message(t), "call stack exhausted");
  }
  /* After all that, the instance still works. */
  {
    wasm_val_t args_val[2] = {WASM_I32_VAL(-42), WASM_I32_VAL(5)};
    wasm_val_t results_val[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
    wasm_val_vec_t res = WASM_ARRAY_VEC(results_val);
    CHECK(wasm_func_call(func(module, &ex1, "div"), &args, &res) == NULL);
    CHECK_EQ_INT(results_val[0].of.i32, -8);
  }

  wasm_extern_vec_delete(&ex1);
  wasm_extern_vec_delete(&ex2);
  wasm_instance_delete(first);
  wasm_instance_delete(second);
  wasm_module_delete(module);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_functype_t* void_type = wasm_functype_new_0_0();
  wasm_functype_t* i32_type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* boom;
  wasm_func_t* nop;
  REQUIRE(argc == 5);
  store = wasm_store_new(engine);
  boom = wasm_func_new(store, void_type, boom_cb);
  nop = wasm_func_new(store, i32_type, nop_cb);
  REQUIRE(boom && nop);

  run_trap_module(argv[1], boom);
  run_trap_module(argv[2], boom);
  CHECK_EQ_INT(boom_calls, 2);

  /* A trap made by the host: message with or without the NUL */
  {
    wasm_message_t msg, out;
    wasm_trap_t *t, *copy;
    wasm_name_new_from_string(&msg, "no terminator");
    t = wasm_trap_new(store, &msg);
    wasm_byte_vec_delete(&msg);
    wasm_trap_message(t, &out);
    CHECK_EQ_INT(out.size, strlen("no terminator") + 1);
    CHECK(out.data[out.size - 1] == '\0');
    CHECK_EQ_STR(out.data, "no terminator");
    wasm_byte_vec_delete(&out);
    CHECK(wasm_trap_origin(t) == NULL);
    copy = wasm_trap_copy(t);
    CHECK(wasm_trap_same(copy, t));
    CHECK_EQ_STR(take_trap_message(copy), "no terminator");
    CHECK_EQ_STR(take_trap_message(t), "no terminator");
  }

  /* A start function that traps: wasm_instance_new returns NULL and the trap. */
  {
    wasm_module_t* m = load_module(store, argv[3]);
    wasm_extern_t* arr[1];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
    wasm_trap_t* trap = NULL;
    wasm_frame_vec_t trace;
    arr[0] = wasm_func_as_extern(nop);
    CHECK(wasm_instance_new(store, m, &imports, &trap) == NULL);
    REQUIRE(trap);
    wasm_trap_trace(trap, &trace);
    CHECK_EQ_INT(trace.size, 2);
    if (trace.size == 2) {
      CHECK_EQ_INT(wasm_frame_func_index(trace.data[0]), 1);
      CHECK_EQ_INT(wasm_frame_func_index(trace.data[1]), 2);
      CHECK(wasm_frame_instance(trace.data[0]) != NULL);
    }
    wasm_frame_vec_delete(&trace);
    CHECK_EQ_STR(take_trap_message(trap), "unreachable");
    /* Without a place for the trap, just NULL. */
    CHECK(wasm_instance_new(store, m, &imports, NULL) == NULL);

    /* Link errors: too few imports, an import of the wrong kind, of the
     * wrong function type, a NULL import. */
    {
      wasm_extern_vec_t none = WASM_EMPTY_VEC;
      const char* msg;
      trap = NULL;
      CHECK(wasm_instance_new(store, m, &none, &trap) == NULL);
      msg = take_trap_message(trap);
      REQUIRE(msg);
      CHECK(strstr(msg, "expected 1 imports, got 0") != NULL);
      CHECK(wasm_instance_new(store, m, NULL, &trap) == NULL);
      CHECK(take_trap_message(trap) != NULL);

      arr[0] = wasm_func_as_extern(boom);
      CHECK(wasm_instance_new(store, m, &imports, &trap) == NULL);
      msg = take_trap_message(trap);
      REQUIRE(msg);
      CHECK(strstr(msg, "incompatible import type") != NULL);
      CHECK(strstr(msg, "host.f") != NULL);
      {
        wasm_limits_t lim = {1, 1};
        wasm_memorytype_t* mt = wasm_memorytype_new(&lim);
        wasm_memory_t* mem = wasm_memory_new(store, mt);
        arr[0] = wasm_memory_as_extern(mem);
        CHECK(wasm_instance_new(store, m, &imports, &trap) == NULL);
        msg = take_trap_message(trap);
        REQUIRE(msg);
        CHECK(strstr(msg, "incompatible import type") != NULL);
        wasm_memory_delete(mem);
        wasm_memorytype_delete(mt);
      }
      arr[0] = NULL;
      CHECK(wasm_instance_new(store, m, &imports, &trap) == NULL);
      msg = take_trap_message(trap);
      REQUIRE(msg);
      CHECK(strstr(msg, "is null") != NULL);
    }
    wasm_module_delete(m);
  }

  /* A trap in another instance's function: frames in both instances. */
  {
    wasm_module_t* tm = load_module(store, argv[1]);
    wasm_module_t* cm = load_module(store, argv[4]);
    wasm_extern_t* arr[1];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(arr);
    wasm_instance_t *ti, *ci;
    wasm_extern_vec_t tex, cex;
    wasm_trap_t* trap;
    wasm_frame_vec_t trace;
    arr[0] = wasm_func_as_extern(boom);
    ti = wasm_instance_new(store, tm, &imports, NULL);
    REQUIRE(ti);
    wasm_instance_exports(ti, &tex);
    arr[0] = find_export(tm, &tex, "deep");
    ci = wasm_instance_new(store, cm, &imports, NULL);
    REQUIRE(ci);
    wasm_instance_exports(ci, &cex);
    trap = call(func(cm, &cex, "run"), 0, 0, 0);
    REQUIRE(trap);
    wasm_trap_trace(trap, &trace);
    CHECK_EQ_INT(trace.size, 5);
    if (trace.size == 5) {
      static const uint32_t want[] = {1, 3, 4, 5, 1};
      size_t i;
      for (i = 0; i < 5; ++i) {
        CHECK_EQ_INT(wasm_frame_func_index(trace.data[i]), want[i]);
        CHECK(wasm_instance_same(wasm_frame_instance(trace.data[i]), i < 4 ? ti : ci));
      }
    }
    wasm_frame_vec_delete(&trace);
    CHECK_EQ_STR(take_trap_message(trap), "unreachable");
    wasm_extern_vec_delete(&cex);
    wasm_extern_vec_delete(&tex);
    wasm_instance_delete(ci);
    wasm_instance_delete(ti);
    wasm_module_delete(cm);
    wasm_module_delete(tm);
  }

  wasm_func_delete(boom);
  wasm_func_delete(nop);
  wasm_functype_delete(void_type);
  wasm_functype_delete(i32_type);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return capi_test_finish("trap");
}
