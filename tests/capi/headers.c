/* A program that includes nothing but <wasm.h>, as programs written against
 * the reference header do: assert, strlen, memcmp, bool, size_t and the
 * fixed-width integer types must come from wasm.h itself. It also makes the
 * calls that the reference examples make and that Tern once got wrong:
 *   - calling a function that traps with an empty results vector (the trap
 *     is the answer, not "results vector too small");
 *   - a host function that returns a trap made with wasm_trap_new from a
 *     NUL-terminated name, with the store as its environment;
 *   - host info finalizers and function environments finalized when the store
 *     goes, after every handle was deleted.
 * There is no stdio here: a failed check is a failed assert (kept in release
 * builds), a wrong result the exit status. Also compiled as C++
 * (headers_cpp.cc). */
#undef NDEBUG
#include <wasm.h>

/* (module
 *   (import "" "fail" (func $fail (result i32)))
 *   (global $n (mut i32) (i32.const 0))
 *   (func (export "unreachable") (result i32) (unreachable))
 *   (func (export "call_fail") (result i32) (call $fail))
 *   (func (export "count") (result i32)
 *     (global.set $n (i32.add (global.get $n) (i32.const 1)))
 *     (global.get $n))) */
static const byte_t headers_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x09,
    0x01, 0x00, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x00, 0x03, 0x04, 0x03, 0x00, 0x00, 0x00, 0x06, 0x06,
    0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x07, 0x23, 0x03, 0x0b, 0x75, 0x6e, 0x72, 0x65, 0x61, 0x63, 0x68,
    0x61, 0x62, 0x6c, 0x65, 0x00, 0x01, 0x09, 0x63, 0x61, 0x6c, 0x6c, 0x5f, 0x66, 0x61, 0x69, 0x6c, 0x00,
    0x02, 0x05, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x03, 0x0a, 0x16, 0x03, 0x03, 0x00, 0x00, 0x0b, 0x04,
    0x00, 0x10, 0x00, 0x0b, 0x0b, 0x00, 0x23, 0x00, 0x41, 0x01, 0x6a, 0x24, 0x00, 0x23, 0x00, 0x0b,
};

static int finalized = 0;
static int callbacks = 0;

static void count_finalize(void* data) {
  assert(data != NULL);
  ++finalized;
}

static wasm_trap_t* fail_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_name_t message;
  wasm_trap_t* trap;
  assert(args->size == 0);
  assert(results->size == 1);
  ++callbacks;
  wasm_name_new_from_string_nt(&message, "callback abort");
  trap = wasm_trap_new((wasm_store_t*)env, &message);
  wasm_name_delete(&message);
  return trap;
}

static wasm_trap_t* nop_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)env;
  (void)args;
  (void)results;
  return NULL;
}

/* Does the trap's message read `text` (NUL-terminated, the NUL counted)? */
static bool message_is(const wasm_trap_t* trap, const char* text) {
  wasm_message_t message;
  bool same;
  wasm_trap_message(trap, &message);
  same = message.size == strlen(text) + 1 && memcmp(message.data, text, message.size) == 0;
  wasm_name_delete(&message);
  return same;
}

int main(void) {
  static int instance_info = 1, func_env = 2;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_module_t* module;
  wasm_functype_t* fail_type;
  wasm_func_t* fail_func;
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
  wasm_trap_t* trap;
  wasm_frame_t* origin;
  size_t i;

  wasm_byte_vec_new(&binary, sizeof headers_wasm, headers_wasm);
  assert(wasm_module_validate(store, &binary));
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  assert(module != NULL);

  fail_type = wasm_functype_new_0_1(wasm_valtype_new_i32());
  fail_func = wasm_func_new_with_env(store, fail_type, fail_callback, store, NULL);
  wasm_functype_delete(fail_type);
  {
    wasm_extern_t* externs[] = {wasm_func_as_extern(fail_func)};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
    instance = wasm_instance_new(store, module, &imports, NULL);
  }
  assert(instance != NULL);
  wasm_func_delete(fail_func);
  wasm_instance_exports(instance, &exports);
  assert(exports.size == 3);
  for (i = 0; i < exports.size; ++i) assert(wasm_extern_kind(exports.data[i]) == WASM_EXTERN_FUNC);

  /* A function with a result traps; the results vector is empty, as in the
   * reference trap example. */
  {
    wasm_val_vec_t args = WASM_EMPTY_VEC;
    wasm_val_vec_t results = WASM_EMPTY_VEC;
    trap = wasm_func_call(wasm_extern_as_func(exports.data[0]), &args, &results);
    assert(trap != NULL);
    if (!message_is(trap, "unreachable")) return 1;
    origin = wasm_trap_origin(trap);
    assert(origin != NULL);
    if (wasm_frame_func_index(origin) != 1) return 2;
    wasm_frame_delete(origin);
    wasm_trap_delete(trap);

    trap = wasm_func_call(wasm_extern_as_func(exports.data[1]), &args, &results);
    assert(trap != NULL);
    if (!message_is(trap, "callback abort") || callbacks != 1) return 3;
    wasm_trap_delete(trap);
  }

  /* A call that returns: an empty vector cannot take its result. The call
   * ran (the global counts it), and the caller hears of the lost result. */
  {
    wasm_val_vec_t args = WASM_EMPTY_VEC;
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    wasm_val_t rs[1] = {WASM_INIT_VAL};
    wasm_val_vec_t results = WASM_ARRAY_VEC(rs);
    const wasm_func_t* count = wasm_extern_as_func_const(exports.data[2]);
    trap = wasm_func_call(count, &args, &none);
    assert(trap != NULL);
    wasm_trap_delete(trap);
    trap = wasm_func_call(count, &args, &results);
    assert(trap == NULL);
    assert(rs[0].kind == WASM_I32);
    if (rs[0].of.i32 != 2) return 4;
  }

  /* Pointers in values, as the reference header's helpers carry them. */
  {
    wasm_val_t v;
    wasm_val_init_ptr(&v, &instance_info);
    assert(wasm_val_ptr(&v) == (void*)&instance_info);
    assert(v.kind == (sizeof(intptr_t) == sizeof(int64_t) ? WASM_I64 : WASM_I32));
  }

  /* Host info with a finalizer, and a function environment with one: both
   * run when the store goes, not when the handles do. */
  {
    wasm_functype_t* t = wasm_functype_new_0_0();
    wasm_func_t* f = wasm_func_new_with_env(store, t, nop_callback, &func_env, count_finalize);
    wasm_functype_delete(t);
    assert(f != NULL);
    wasm_func_delete(f);
  }
  wasm_instance_set_host_info_with_finalizer(instance, &instance_info, count_finalize);
  assert(wasm_instance_get_host_info(instance) == &instance_info);
  wasm_instance_delete(instance);
  wasm_extern_vec_delete(&exports);
  wasm_module_delete(module);
  if (finalized != 0) return 5;
  wasm_store_delete(store);
  if (finalized != 2) return 6;
  wasm_engine_delete(engine);
  return 0;
}
