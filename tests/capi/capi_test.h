/* Helpers for the C API tests: checks that report the failing line and
 * make the program exit nonzero, and loading a .wasm file into a byte vector.
 * Only the standard wasm.h API is used by the tests themselves. */
#ifndef TERN_CAPI_TEST_H
#define TERN_CAPI_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"

static int capi_test_failures = 0;

#define CHECK(cond) \
  do { \
    if (!(cond)) { \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      capi_test_failures++; \
    } \
  } while (0)

/* Stops at once: what follows depends on it. */
#define REQUIRE(cond) \
  do { \
    if (!(cond)) { \
      fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1); \
    } \
  } while (0)

#define CHECK_EQ_INT(a, b) \
  do { \
    long long va_ = (long long)(a), vb_ = (long long)(b); \
    if (va_ != vb_) { \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, va_, vb_); \
      capi_test_failures++; \
    } \
  } while (0)

#define CHECK_EQ_STR(a, b) \
  do { \
    const char* sa_ = (a); \
    const char* sb_ = (b); \
    if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) { \
      fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, \
              sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
      capi_test_failures++; \
    } \
  } while (0)

static inline int capi_test_finish(const char* name) {
  if (capi_test_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, capi_test_failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

/* Reads a whole file into `out` (an owned byte vector). */
static inline void load_file(const char* path, wasm_byte_vec_t* out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  if (size > 0 && fread(out->data, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
}

/* Compiles the module in the file at `path`; exits on failure. */
static inline wasm_module_t* load_module(wasm_store_t* store, const char* path) {
  wasm_byte_vec_t bytes;
  load_file(path, &bytes);
  wasm_module_t* m = wasm_module_new(store, &bytes);
  wasm_byte_vec_delete(&bytes);
  if (!m) {
    fprintf(stderr, "cannot compile %s\n", path);
    exit(1);
  }
  return m;
}

/* Does the name vector hold exactly the characters of `s`? */
static inline int name_is(const wasm_name_t* n, const char* s) {
  return n->size == strlen(s) && memcmp(n->data, s, n->size) == 0;
}

/* The trap's message as a C string (in a static buffer), and deletes the trap. */
static inline const char* take_trap_message(wasm_trap_t* trap) {
  static char buf[512];
  wasm_message_t msg;
  if (!trap) return NULL;
  wasm_trap_message(trap, &msg);
  snprintf(buf, sizeof buf, "%.*s", (int)msg.size, msg.data);
  wasm_byte_vec_delete(&msg);
  wasm_trap_delete(trap);
  return buf;
}

/* The export of `instance` called `name` (borrowed from `exports`). */
static inline wasm_extern_t* find_export(const wasm_module_t* module, const wasm_extern_vec_t* exports,
                                         const char* name) {
  wasm_exporttype_vec_t types;
  wasm_extern_t* found = NULL;
  size_t i;
  wasm_module_exports(module, &types);
  for (i = 0; i < types.size && i < exports->size; ++i) {
    if (name_is(wasm_exporttype_name(types.data[i]), name)) {
      found = exports->data[i];
      break;
    }
  }
  wasm_exporttype_vec_delete(&types);
  if (!found) {
    fprintf(stderr, "no export named %s\n", name);
    exit(1);
  }
  return found;
}

#endif
