/*
 * Embedding Tern from C through the standard WebAssembly C API (wasm.h).
 *
 * This program uses nothing but the standard API, so it builds unchanged
 * against any runtime that provides wasm.h. It compiles a module from bytes,
 * gives it two host functions (one with an environment), instantiates it,
 * calls an export, reads a global and the module's memory, and shows what a
 * trap looks like. tests/capi/meson.build builds it; by hand, against an
 * installed Tern (`meson install`, see the README):
 *
 *   cc -std=c11 capi_embed.c $(pkg-config --cflags --libs tern) -o capi_embed
 *
 * The embedded module, in text form:
 *
 *   (module
 *     (import "env" "square" (func $square (param i32) (result i32)))
 *     (import "env" "report" (func $report (param i32 i32)))
 *     (memory (export "memory") 1)
 *     (global $calls (export "calls") (mut i32) (i32.const 0))
 *     (data (i32.const 0) "sum of squares computed")
 *     (func (export "sum_squares") (param $n i32) (result i32)
 *       (local $i i32) (local $acc i32)
 *       (block $done
 *         (loop $next
 *           (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
 *           (local.set $acc (i32.add (local.get $acc) (call $square (local.get $i))))
 *           (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *           (br $next)))
 *       (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
 *       (call $report (i32.const 0) (i32.const 23))
 *       (local.get $acc))
 *     (func (export "divide") (param i32 i32) (result i32)
 *       (i32.div_s (local.get 0) (local.get 1))))
 *
 * Exits 0 when every step gave the expected result.
 */
#include <stdio.h>
#include <string.h>

#include "wasm.h"

static const byte_t module_bytes[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02,
    0x7f, 0x7f, 0x00, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x02, 0x1b, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x73,
    0x71, 0x75, 0x61, 0x72, 0x65, 0x00, 0x00, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x72, 0x65, 0x70, 0x6f, 0x72, 0x74,
    0x00, 0x01, 0x03, 0x03, 0x02, 0x00, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x06, 0x01, 0x7f, 0x01, 0x41,
    0x00, 0x0b, 0x07, 0x29, 0x04, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x05, 0x63, 0x61, 0x6c,
    0x6c, 0x73, 0x03, 0x00, 0x0b, 0x73, 0x75, 0x6d, 0x5f, 0x73, 0x71, 0x75, 0x61, 0x72, 0x65, 0x73, 0x00, 0x02,
    0x06, 0x64, 0x69, 0x76, 0x69, 0x64, 0x65, 0x00, 0x03, 0x0a, 0x3c, 0x02, 0x32, 0x01, 0x02, 0x7f, 0x02, 0x40,
    0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4b, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x01, 0x10, 0x00, 0x6a, 0x21, 0x02,
    0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00,
    0x41, 0x00, 0x41, 0x17, 0x10, 0x01, 0x20, 0x02, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x0b,
    0x1d, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x17, 0x73, 0x75, 0x6d, 0x20, 0x6f, 0x66, 0x20, 0x73, 0x71, 0x75, 0x61,
    0x72, 0x65, 0x73, 0x20, 0x63, 0x6f, 0x6d, 0x70, 0x75, 0x74, 0x65, 0x64,
};

/* A host function without environment: square(x) = x * x. */
static wasm_trap_t* square(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  int32_t x = args->data[0].of.i32;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = x * x;
  return NULL;
}

/* The environment of `report`: host functions of the standard API do not
 * see their caller, so the memory they read is handed over here once the
 * instance exists. */
struct reporter {
  wasm_store_t* store;
  wasm_memory_t* memory;
  int reports;
};

/* report(ptr, len): prints a message the module keeps in its memory. */
static wasm_trap_t* report(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  struct reporter* r = env;
  uint32_t ptr = (uint32_t)args->data[0].of.i32;
  uint32_t len = (uint32_t)args->data[1].of.i32;
  (void)results;
  if (!r->memory || (uint64_t)ptr + len > wasm_memory_data_size(r->memory)) {
    wasm_message_t msg;
    wasm_trap_t* trap;
    wasm_name_new_from_string_nt(&msg, "report: message out of bounds");
    trap = wasm_trap_new(r->store, &msg);
    wasm_byte_vec_delete(&msg);
    return trap;
  }
  printf("guest says: %.*s\n", (int)len, wasm_memory_data(r->memory) + ptr);
  r->reports++;
  return NULL;
}

static void reporter_done(void* env) {
  struct reporter* r = env;
  printf("reporter finalized after %d report(s)\n", r->reports);
}

/* The export called `name`: export types and instance exports share one order. */
static wasm_extern_t* get_export(const wasm_module_t* module, const wasm_extern_vec_t* exports, const char* name) {
  wasm_exporttype_vec_t types;
  wasm_extern_t* found = NULL;
  size_t i;
  wasm_module_exports(module, &types);
  for (i = 0; i < types.size; ++i) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) found = exports->data[i];
  }
  wasm_exporttype_vec_delete(&types);
  return found;
}

static const char* kind_name(wasm_externkind_t k) {
  switch (k) {
    case WASM_EXTERN_FUNC: return "func";
    case WASM_EXTERN_GLOBAL: return "global";
    case WASM_EXTERN_TABLE: return "table";
    case WASM_EXTERN_MEMORY: return "memory";
  }
  return "?";
}

int main(void) {
  int failures = 0;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_module_t* module;
  struct reporter reporter = {NULL, NULL, 0};

  reporter.store = store;

  /* 1. Compile. */
  wasm_byte_vec_new(&binary, sizeof module_bytes, module_bytes);
  if (!wasm_module_validate(store, &binary)) {
    fprintf(stderr, "the module does not validate\n");
    return 1;
  }
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) {
    fprintf(stderr, "the module does not compile\n");
    return 1;
  }

  /* 2. Look at what it imports and exports. */
  {
    wasm_importtype_vec_t imports;
    wasm_exporttype_vec_t exports;
    size_t i;
    wasm_module_imports(module, &imports);
    for (i = 0; i < imports.size; ++i) {
      const wasm_name_t* m = wasm_importtype_module(imports.data[i]);
      const wasm_name_t* n = wasm_importtype_name(imports.data[i]);
      printf("import %.*s.%.*s: %s\n", (int)m->size, m->data, (int)n->size, n->data,
             kind_name(wasm_externtype_kind(wasm_importtype_type(imports.data[i]))));
    }
    wasm_module_exports(module, &exports);
    for (i = 0; i < exports.size; ++i) {
      const wasm_name_t* n = wasm_exporttype_name(exports.data[i]);
      printf("export %.*s: %s\n", (int)n->size, n->data,
             kind_name(wasm_externtype_kind(wasm_exporttype_type(exports.data[i]))));
    }
    wasm_importtype_vec_delete(&imports);
    wasm_exporttype_vec_delete(&exports);
  }

  /* 3. Host functions, then the instance. */
  {
    wasm_functype_t* square_type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
    wasm_functype_t* report_type = wasm_functype_new_2_0(wasm_valtype_new_i32(), wasm_valtype_new_i32());
    wasm_func_t* square_func = wasm_func_new(store, square_type, square);
    wasm_func_t* report_func = wasm_func_new_with_env(store, report_type, report, &reporter, reporter_done);
    wasm_extern_t* import_list[2];
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(import_list);
    wasm_extern_vec_t exports;
    wasm_instance_t* instance;
    wasm_trap_t* trap = NULL;
    wasm_functype_delete(square_type);
    wasm_functype_delete(report_type);

    import_list[0] = wasm_func_as_extern(square_func);
    import_list[1] = wasm_func_as_extern(report_func);
    instance = wasm_instance_new(store, module, &imports, &trap);
    if (!instance) {
      wasm_message_t msg;
      wasm_trap_message(trap, &msg);
      fprintf(stderr, "cannot instantiate: %s\n", msg.data);
      return 1;
    }
    wasm_instance_exports(instance, &exports);
    reporter.memory = wasm_extern_as_memory(get_export(module, &exports, "memory"));

    /* 4. Call sum_squares(10) = 1 + 4 + ... + 100. */
    {
      wasm_func_t* sum_squares = wasm_extern_as_func(get_export(module, &exports, "sum_squares"));
      wasm_val_t args_val[1] = {WASM_I32_VAL(10)};
      wasm_val_t results_val[1] = {WASM_INIT_VAL};
      wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
      wasm_val_vec_t results = WASM_ARRAY_VEC(results_val);
      trap = wasm_func_call(sum_squares, &args, &results);
      if (trap || results_val[0].of.i32 != 385) {
        fprintf(stderr, "sum_squares(10) failed\n");
        failures++;
      } else {
        printf("sum_squares(10) = %d\n", results_val[0].of.i32);
      }
    }

    /* 5. The exported global counts calls. */
    {
      wasm_global_t* calls = wasm_extern_as_global(get_export(module, &exports, "calls"));
      wasm_val_t value;
      wasm_global_get(calls, &value);
      printf("calls = %d\n", value.of.i32);
      if (value.of.i32 != 1) failures++;
    }

    /* 6. The host reads and writes the module's memory directly. */
    {
      byte_t* data = wasm_memory_data(reporter.memory);
      printf("memory: %u page(s), starts with \"%.14s\"\n", wasm_memory_size(reporter.memory), data);
      if (memcmp(data, "sum of squares", 14) != 0) failures++;
      memcpy(data, "SUM", 3);
      if (!wasm_memory_grow(reporter.memory, 1) || wasm_memory_size(reporter.memory) != 2) failures++;
    }

    /* 7. A trap: its message and where it happened. */
    {
      wasm_func_t* divide = wasm_extern_as_func(get_export(module, &exports, "divide"));
      wasm_val_t args_val[2] = {WASM_I32_VAL(1), WASM_I32_VAL(0)};
      wasm_val_t results_val[1] = {WASM_INIT_VAL};
      wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
      wasm_val_vec_t results = WASM_ARRAY_VEC(results_val);
      trap = wasm_func_call(divide, &args, &results);
      if (!trap) {
        fprintf(stderr, "divide(1, 0) did not trap\n");
        failures++;
      } else {
        wasm_message_t msg;
        wasm_frame_t* origin = wasm_trap_origin(trap);
        wasm_trap_message(trap, &msg);
        printf("divide(1, 0) trapped: %s", msg.data);
        if (origin) {
          printf(" (in function %u)", wasm_frame_func_index(origin));
          if (wasm_frame_func_index(origin) != 3) failures++;
          wasm_frame_delete(origin);
        }
        printf("\n");
        if (strcmp(msg.data, "integer divide by zero") != 0) failures++;
        wasm_byte_vec_delete(&msg);
        wasm_trap_delete(trap);
      }
    }

    /* 8. Clean up: handles first, then the store (which finalizes the
     * reporter's environment), then the engine. */
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
    wasm_func_delete(square_func);
    wasm_func_delete(report_func);
  }
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  /* One report from sum_squares, which the module made with "SUM" not yet written. */
  if (reporter.reports != 1) failures++;
  if (failures) fprintf(stderr, "%d step(s) failed\n", failures);
  return failures ? 1 : 0;
}
