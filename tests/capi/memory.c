/* Linear memories: an exported one (data, data_size, size, grow from C and
 * from wasm, limits, out-of-bounds traps) and one created by the host with
 * wasm_memory_new and imported. */
#include "capi_test.h"

static wasm_func_t* func(const wasm_module_t* m, const wasm_extern_vec_t* ex, const char* name) {
  wasm_func_t* f = wasm_extern_as_func(find_export(m, ex, name));
  REQUIRE(f);
  return f;
}

/* Calls f with up to two i32 arguments; returns its i32 result, or -999 on
 * a trap, whose message goes to *trap_msg when that is not NULL. */
static int32_t call(wasm_func_t* f, int nargs, int32_t a, int32_t b, const char** trap_msg) {
  wasm_val_t args_val[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results_val[1] = {WASM_I32_VAL(0)};
  wasm_val_vec_t args = {(size_t)nargs, args_val};
  wasm_val_vec_t res = {wasm_func_result_arity(f), results_val};
  wasm_trap_t* trap = wasm_func_call(f, &args, &res);
  if (trap) {
    const char* msg = take_trap_message(trap);
    if (trap_msg) *trap_msg = msg;
    else {
      fprintf(stderr, "unexpected trap: %s\n", msg);
      capi_test_failures++;
    }
    return -999;
  }
  return results_val[0].of.i32;
}

/* Bad memory types are refused. */
static void check_bad_memory_types(wasm_store_t* store) {
  wasm_limits_t too_big = {65537, wasm_limits_max_default};
  wasm_limits_t inverted = {3, 2};
  wasm_memorytype_t* mt;
  mt = wasm_memorytype_new(&too_big);
  CHECK(wasm_memory_new(store, mt) == NULL);
  wasm_memorytype_delete(mt);
  mt = wasm_memorytype_new(&inverted);
  CHECK(wasm_memory_new(store, mt) == NULL);
  wasm_memorytype_delete(mt);
}

/* A memory without a maximum grows until the 4 GiB limit. */
static void check_memory_without_maximum(wasm_store_t* store) {
  wasm_limits_t open = {0, wasm_limits_max_default};
  wasm_memory_t* m;
  wasm_memorytype_t* mt;
  mt = wasm_memorytype_new(&open);
  m = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  REQUIRE(m);
  CHECK_EQ_INT(wasm_memory_size(m), 0);
  CHECK_EQ_INT(wasm_memory_data_size(m), 0);
  CHECK(wasm_memory_grow(m, 16));
  CHECK_EQ_INT(wasm_memory_data_size(m), 16 * 65536);
  wasm_memory_data(m)[16 * 65536 - 1] = 1;
  CHECK(!wasm_memory_grow(m, 65536));
  CHECK_EQ_INT(wasm_memory_size(m), 16);
  wasm_memory_delete(m);
}

/* Linking checks memory limits: the exported memory (3 pages, max 3)
 * does not fit the import "1 2" (max too large)... */
static void check_linking_memory_limits(wasm_store_t* store, const wasm_module_t* imod,
                                        const wasm_extern_vec_t* iexports, wasm_memory_t* mem,
                                        wasm_memory_t* host_mem) {
  wasm_extern_t* arr[1];
  wasm_extern_vec_t imp = WASM_ARRAY_VEC(arr);
  wasm_instance_t* other;
  wasm_extern_vec_t oex;
  wasm_trap_t* trap = NULL;
  arr[0] = wasm_memory_as_extern(mem);
  other = wasm_instance_new(store, imod, &imp, &trap);
  CHECK(other == NULL);
  REQUIRE(trap);
  CHECK(strstr(take_trap_message(trap), "incompatible import type") != NULL);

  /* ... while a second instance importing the host memory shares it. */
  arr[0] = wasm_memory_as_extern(host_mem);
  other = wasm_instance_new(store, imod, &imp, &trap);
  REQUIRE(other);
  CHECK(trap == NULL);
  wasm_instance_exports(other, &oex);
  call(func(imod, &oex, "host_store8"), 2, 65536 + 9, 2, NULL);
  CHECK_EQ_INT(call(func(imod, iexports, "host_load32"), 1, 65536 + 8, 0, NULL), 0x201);
  CHECK(wasm_memory_data(host_mem)[65536 + 9] == 2);
  wasm_extern_vec_delete(&oex);
  wasm_instance_delete(other);
}

/* A module with two memories (memory_multi.wat): the host's imported one and
 * its own, both exported, each addressed by its own instructions. */
static void check_two_memories(wasm_store_t* store, const char* path, wasm_memory_t* host_mem) {
  wasm_module_t* m = load_module(store, path);
  wasm_extern_t* imports_arr[1] = {wasm_memory_as_extern(host_mem)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t* inst = wasm_instance_new(store, m, &imports, NULL);
  wasm_extern_vec_t ex;
  wasm_memory_t* own;
  wasm_memory_t* host;
  REQUIRE(inst);
  wasm_instance_exports(inst, &ex);
  own = wasm_extern_as_memory(find_export(m, &ex, "own"));
  host = wasm_extern_as_memory(find_export(m, &ex, "host"));
  REQUIRE(own && host);
  CHECK(wasm_memory_same(host, host_mem));
  CHECK(!wasm_memory_same(own, host_mem));
  CHECK_EQ_INT(wasm_memory_size(own), 2);
  CHECK(memcmp(wasm_memory_data(own) + 8, "own", 3) == 0);
  CHECK(wasm_memory_data(host_mem)[8] != 'o');
  wasm_memory_data(own)[70000] = 0x6b;
  CHECK_EQ_INT(call(func(m, &ex, "load8_own"), 1, 70000, 0, NULL), 0x6b);
  call(func(m, &ex, "store8_own"), 2, 12, 0x21, NULL);
  CHECK(wasm_memory_data(own)[12] == 0x21);
  CHECK(wasm_memory_data(host_mem)[12] != 0x21);
  wasm_memory_data(host_mem)[12] = 0x42;
  CHECK_EQ_INT(call(func(m, &ex, "load8_host"), 1, 12, 0, NULL), 0x42);
  CHECK_EQ_INT(call(func(m, &ex, "load8_own"), 1, 12, 0, NULL), 0x21);
  wasm_extern_vec_delete(&ex);
  wasm_instance_delete(inst);
  wasm_module_delete(m);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t *module, *imod;
  wasm_instance_t* iinst;
  wasm_extern_vec_t iexports;
  wasm_limits_t limits = {1, 2};
  wasm_memorytype_t* mt;
  wasm_memory_t* host_mem;
  wasm_extern_t* imports_arr[1];
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_arr);
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  wasm_memory_t* mem;
  byte_t* data;
  const char* msg = NULL;
  REQUIRE(argc == 4);
  module = load_module(store, argv[1]);
  imod = load_module(store, argv[2]);

  check_bad_memory_types(store);

  mt = wasm_memorytype_new(&limits);
  host_mem = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  REQUIRE(host_mem);
  CHECK_EQ_INT(wasm_memory_size(host_mem), 1);
  CHECK_EQ_INT(wasm_memory_data_size(host_mem), 65536);
  data = wasm_memory_data(host_mem);
  CHECK(data[0] == 0 && data[65535] == 0);
  data[100] = 0x11;
  data[101] = 0x22;
  data[102] = 0x33;
  data[103] = 0x44;

  imports_arr[0] = wasm_memory_as_extern(host_mem);
  iinst = wasm_instance_new(store, imod, &imports, NULL);
  REQUIRE(iinst);
  wasm_instance_exports(iinst, &iexports);
  instance = wasm_instance_new(store, module, NULL, NULL);
  REQUIRE(instance);
  wasm_instance_exports(instance, &exports);
  mem = wasm_extern_as_memory(find_export(module, &exports, "memory"));
  REQUIRE(mem);
  CHECK(wasm_extern_as_func(wasm_memory_as_extern(mem)) == NULL);

  /* The exported memory: type, size, the data segment */
  {
    wasm_memorytype_t* t = wasm_memory_type(mem);
    CHECK_EQ_INT(wasm_memorytype_limits(t)->min, 1);
    CHECK_EQ_INT(wasm_memorytype_limits(t)->max, 3);
    wasm_memorytype_delete(t);
  }
  CHECK_EQ_INT(wasm_memory_size(mem), 1);
  CHECK_EQ_INT(wasm_memory_data_size(mem), MEMORY_PAGE_SIZE);
  data = wasm_memory_data(mem);
  CHECK(memcmp(data + 16, "hello, tern", 11) == 0);
  CHECK_EQ_INT(call(func(module, &exports, "load8"), 1, 16, 0, NULL), 'h');

  /* Host writes, wasm reads; wasm writes, host reads. */
  data[1000] = (byte_t)0xAB;
  CHECK_EQ_INT(call(func(module, &exports, "load8"), 1, 1000, 0, NULL), 0xAB);
  call(func(module, &exports, "store32"), 2, 2000, 0x01020304, NULL);
  CHECK(data[2000] == 4 && data[2001] == 3 && data[2002] == 2 && data[2003] == 1);

  /* Out of bounds: a trap with the spec's message */
  CHECK_EQ_INT(call(func(module, &exports, "load8"), 1, 65536, 0, &msg), -999);
  CHECK_EQ_STR(msg, "out of bounds memory access");
  msg = NULL;
  CHECK_EQ_INT(call(func(module, &exports, "store32"), 2, 65534, 0, &msg), -999);
  CHECK_EQ_STR(msg, "out of bounds memory access");

  /* Grow from C */
  CHECK(wasm_memory_grow(mem, 1));
  CHECK_EQ_INT(wasm_memory_size(mem), 2);
  CHECK_EQ_INT(wasm_memory_data_size(mem), 2 * 65536);
  CHECK_EQ_INT(call(func(module, &exports, "size"), 0, 0, 0, NULL), 2);
  data = wasm_memory_data(mem);
  CHECK(data[2 * 65536 - 1] == 0);
  data[65536 + 5] = 77;
  CHECK_EQ_INT(call(func(module, &exports, "load8"), 1, 65536 + 5, 0, NULL), 77);
  CHECK(memcmp(data + 16, "hello, tern", 11) == 0);
  /* Growing by zero works and changes nothing. */
  CHECK(wasm_memory_grow(mem, 0));
  CHECK_EQ_INT(wasm_memory_size(mem), 2);

  /* Grow from wasm: returns the old size; the host sees the new one. */
  CHECK_EQ_INT(call(func(module, &exports, "grow"), 1, 1, 0, NULL), 2);
  CHECK_EQ_INT(wasm_memory_size(mem), 3);
  CHECK_EQ_INT(wasm_memory_data_size(mem), 3 * 65536);
  data = wasm_memory_data(mem);
  data[3 * 65536 - 1] = 9;
  CHECK_EQ_INT(call(func(module, &exports, "load8"), 1, 3 * 65536 - 1, 0, NULL), 9);

  /* At the maximum (3 pages), growing fails either way. */
  CHECK(!wasm_memory_grow(mem, 1));
  CHECK_EQ_INT(call(func(module, &exports, "grow"), 1, 1, 0, NULL), -1);
  CHECK_EQ_INT(wasm_memory_size(mem), 3);
  {
    wasm_memorytype_t* t = wasm_memory_type(mem);
    CHECK_EQ_INT(wasm_memorytype_limits(t)->min, 3);
    CHECK_EQ_INT(wasm_memorytype_limits(t)->max, 3);
    wasm_memorytype_delete(t);
  }

  /* The imported memory is the host's: same bytes on both sides. */
  CHECK_EQ_INT(call(func(imod, &iexports, "host_load32"), 1, 100, 0, NULL), 0x44332211);
  call(func(imod, &iexports, "host_store8"), 2, 5, 0x5A, NULL);
  CHECK(wasm_memory_data(host_mem)[5] == 0x5A);
  CHECK_EQ_INT(call(func(imod, &iexports, "host_grow"), 1, 1, 0, NULL), 1);
  CHECK_EQ_INT(wasm_memory_size(host_mem), 2);
  CHECK(!wasm_memory_grow(host_mem, 1));
  CHECK_EQ_INT(call(func(imod, &iexports, "host_grow"), 1, 1, 0, NULL), -1);
  wasm_memory_data(host_mem)[65536 + 8] = 1;
  CHECK_EQ_INT(call(func(imod, &iexports, "host_load32"), 1, 65536 + 8, 0, NULL), 1);

  check_memory_without_maximum(store);

  /* A memory handle copy is the same memory. */
  {
    wasm_memory_t* copy = wasm_memory_copy(mem);
    CHECK(wasm_memory_same(copy, mem));
    CHECK(!wasm_memory_same(copy, host_mem));
    CHECK(wasm_memory_data(copy) == wasm_memory_data(mem));
    wasm_memory_delete(copy);
  }

  check_linking_memory_limits(store, imod, &iexports, mem, host_mem);
  check_two_memories(store, argv[3], host_mem);

  wasm_extern_vec_delete(&iexports);
  wasm_instance_delete(iinst);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_memory_delete(host_mem);
  wasm_module_delete(imod);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return capi_test_finish("memory");
}
