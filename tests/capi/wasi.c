/* WASI from C through wasi.h: a guest built from wasi_guest.c sees the
 * arguments, environment, stdin bytes and preopened directory the config
 * gives it; its stdout and stderr reach the callbacks byte for byte; the
 * inherit functions hand it this process's descriptors and environment;
 * proc_exit surfaces as a trap that wasi_env_exit_code recognises (from an
 * export and from a start function); and the error paths (a preopen that is
 * not a directory, a directory gone by the time the env is made, imports
 * that are unknown or mistyped) fail with messages naming module and field.
 *
 * Arguments: wasi_guest.wasm wasi_exit.wasm wasi_start_exit.wasm
 *            wasi_unknown.wasm wasi_mistyped.wasm */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capi_test.h"
#include "wasi.h"

static const char* guest_path;
static const char* exit_path;
static const char* start_exit_path;
static const char* unknown_path;
static const char* mistyped_path;

/* A growing byte buffer that output callbacks append to. */
struct buf {
  unsigned char* data;
  size_t len, cap;
  int calls;
};

static void buf_add(struct buf* b, const void* data, size_t len) {
  if (b->len + len > b->cap) {
    b->cap = (b->len + len) * 2 + 64;
    b->data = realloc(b->data, b->cap);
    REQUIRE(b->data != NULL);
  }
  if (len) memcpy(b->data + b->len, data, len);
  b->len += len;
}

static void buf_str(struct buf* b, const char* s) { buf_add(b, s, strlen(s)); }

static void collect(void* env, const uint8_t* data, size_t len) {
  struct buf* b = env;
  b->calls++;
  buf_add(b, data, len);
}

static int buf_is(const struct buf* b, const char* s) { return b->len == strlen(s) && memcmp(b->data, s, b->len) == 0; }

static int buf_eq(const struct buf* a, const struct buf* b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* The first byte where they differ, for failure messages. */
static void report_difference(const char* what, const struct buf* got, const struct buf* want) {
  size_t i = 0;
  while (i < got->len && i < want->len && got->data[i] == want->data[i]) ++i;
  fprintf(stderr, "%s: %zu bytes, expected %zu; first difference at byte %zu\n", what, got->len, want->len, i);
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  REQUIRE(f != NULL);
  fputs(text, f);
  fclose(f);
}

/* The whole file into `out` (appended). */
static int read_into(const char* path, struct buf* out) {
  char chunk[4096];
  size_t n;
  FILE* f = fopen(path, "rb");
  if (!f) return 0;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(out, chunk, n);
  fclose(f);
  return 1;
}

/* env.twice, the guest's one non-WASI import. */
static wasm_trap_t* twice_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2;
  return NULL;
}

static void define_twice(wasm_store_t* store, wasi_env_t* env) {
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* f = wasm_func_new(store, type, twice_cb);
  wasm_functype_delete(type);
  REQUIRE(f != NULL);
  CHECK(wasi_env_define(env, "env", "twice", wasm_func_as_extern(f)));
  wasm_func_delete(f); /* the env refers to the store's function, not to the handle */
}

/* Instantiates `module` with the env's imports; exits on failure. */
static wasm_instance_t* instantiate(wasm_store_t* store, wasi_env_t* env, const wasm_module_t* module) {
  wasm_extern_vec_t imports;
  wasm_trap_t* error = NULL;
  wasm_instance_t* instance;
  if (!wasi_env_get_imports(env, module, &imports, &error)) {
    fprintf(stderr, "wasi_env_get_imports: %s\n", take_trap_message(error));
    exit(1);
  }
  CHECK(error == NULL);
  instance = wasm_instance_new(store, module, &imports, &error);
  wasm_extern_vec_delete(&imports);
  if (!instance) {
    fprintf(stderr, "wasm_instance_new: %s\n", error ? take_trap_message(error) : "(no trap)");
    exit(1);
  }
  return instance;
}

/* Calls the export `name` with `args`; returns its trap (owned) or NULL. */
static wasm_trap_t* call_export(const wasm_module_t* module, wasm_instance_t* instance, const char* name,
                                wasm_val_vec_t* args) {
  wasm_extern_vec_t exports;
  wasm_val_vec_t results = WASM_EMPTY_VEC;
  wasm_val_vec_t no_args = WASM_EMPTY_VEC;
  wasm_trap_t* trap;
  wasm_instance_exports(instance, &exports);
  trap = wasm_func_call(wasm_extern_as_func(find_export(module, &exports, name)), args ? args : &no_args, &results);
  wasm_extern_vec_delete(&exports);
  return trap;
}

/* A store, a WASI env made from `config` (taken), env.twice, and an
 * instance of the guest; then _start. Returns _start's trap (owned) or NULL
 * and, in *exited and *code, what wasi_env_exit_code said. */
static wasm_trap_t* run_guest(wasm_engine_t* engine, wasi_config_t* config, int* exited, int* code) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, guest_path);
  wasm_trap_t* error = NULL;
  wasi_env_t* env = wasi_env_new(store, config, &error);
  wasm_instance_t* instance;
  wasm_trap_t* trap;
  REQUIRE(env != NULL);
  CHECK(error == NULL);
  CHECK(!wasi_env_exit_code(env, code)); /* nothing ran yet */
  define_twice(store, env);
  instance = instantiate(store, env, module);
  trap = call_export(module, instance, "_start", NULL);
  *exited = wasi_env_exit_code(env, code);
  wasi_env_delete(env);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  return trap;
}

/* Arguments, environment, stdin bytes, a preopened directory, byte-exact
 * stdout and stderr through callbacks, and exit(7). */
static void test_everything(wasm_engine_t* engine) {
  char dir[] = "/tmp/tern-capi-wasi-XXXXXX";
  char path[256];
  const char* argv[] = {"guest.wasm", "all", "7", "two words", "", "\xc3\xbcn\xc3\xaf"};
  const char* names[] = {"CAPI_A", "CAPI_EMPTY", "CAPI_EQ"};
  const char* values[] = {"alpha", "", "a=b"};
  static const char stdin_data[] = {'i', 'n', 0, 'p', 'u', 't', (char)0xff};
  static const char err_bytes[] = {'e', 'r', 'r', 0, (char)0xff, 1, 'e', 'n', 'd', '\n'};
  wasm_byte_vec_t in;
  struct buf out = {0}, err = {0}, want = {0}, written = {0};
  wasi_config_t* config = wasi_config_new();
  wasm_trap_t* trap;
  int exited = 0, code = -1, i;

  REQUIRE(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/in.txt", dir);
  write_file(path, "line one\nline two\n");

  wasi_config_set_argv(config, 6, argv);
  wasi_config_set_env(config, 3, names, values);
  wasm_byte_vec_new(&in, sizeof stdin_data, stdin_data);
  wasi_config_set_stdin_bytes(config, &in);
  wasm_byte_vec_delete(&in); /* the config keeps a copy */
  CHECK(wasi_config_preopen_dir(config, dir, "/sandbox"));
  wasi_config_set_stdout_callback(config, collect, &out);
  wasi_config_set_stderr_callback(config, collect, &err);

  trap = run_guest(engine, config, &exited, &code);
  REQUIRE(trap != NULL);
  CHECK_EQ_STR(take_trap_message(trap), "exit with status 7");
  CHECK(exited);
  CHECK_EQ_INT(code, 7);

  buf_str(&want,
          "argc=6\n"
          "argv[0]=guest.wasm\n"
          "argv[1]=all\n"
          "argv[2]=7\n"
          "argv[3]=two words\n"
          "argv[4]=\n"
          "argv[5]=\xc3\xbcn\xc3\xaf\n"
          "CAPI_A=alpha\n"
          "CAPI_EMPTY=\n"
          "CAPI_EQ=a=b\n"
          "CAPI_MISSING unset\n"
          "stdin 7 bytes: ");
  buf_add(&want, stdin_data, sizeof stdin_data);
  buf_str(&want,
          "|\n"
          "file: line one\n"
          "file: line two\n"
          "escape blocked\n"
          "twice(21)=42\n"
          "block:");
  for (i = 0; i < 70000; ++i) {
    unsigned char c = (unsigned char)(i * 7 + (i >> 8));
    buf_add(&want, &c, 1);
  }
  buf_str(&want, ":end\n");
  CHECK(buf_eq(&out, &want));
  if (!buf_eq(&out, &want)) report_difference("stdout", &out, &want);
  CHECK(out.calls > 1); /* the block cannot come in one write */
  CHECK_EQ_INT(err.len, sizeof err_bytes);
  CHECK(err.len == sizeof err_bytes && memcmp(err.data, err_bytes, sizeof err_bytes) == 0);

  /* The guest's file landed in the host directory. */
  snprintf(path, sizeof path, "%s/out.txt", dir);
  CHECK(read_into(path, &written));
  CHECK(buf_is(&written, "written by the guest\n"));
  remove(path);
  snprintf(path, sizeof path, "%s/in.txt", dir);
  remove(path);
  rmdir(dir);
  free(out.data);
  free(err.data);
  free(want.data);
  free(written.data);
}

/* The inherit functions: this process's stdin, stdout and stderr (redirected
 * to files here) and environment. */
static void test_inherit(wasm_engine_t* engine) {
  char dir[] = "/tmp/tern-capi-wasi-XXXXXX";
  char in_path[256], out_path[256], err_path[256];
  const char* echo_argv[] = {"guest.wasm", "echo"};
  const char* env_argv[] = {"guest.wasm", "env", "CAPI_INHERITED"};
  const char* names[] = {"OTHER"};
  const char* values[] = {"1"};
  struct buf out = {0}, err = {0}, env_out = {0};
  int saved[3], fd, i, exited = 1, code = -1;
  wasm_trap_t* trap;
  wasi_config_t* config;

  REQUIRE(mkdtemp(dir) != NULL);
  snprintf(in_path, sizeof in_path, "%s/in", dir);
  snprintf(out_path, sizeof out_path, "%s/out", dir);
  snprintf(err_path, sizeof err_path, "%s/err", dir);
  write_file(in_path, "through the host's stdin\n");

  config = wasi_config_new();
  wasi_config_set_argv(config, 2, echo_argv);
  wasi_config_inherit_stdin(config);
  wasi_config_inherit_stdout(config);
  wasi_config_inherit_stderr(config);

  fflush(stdout);
  fflush(stderr);
  for (i = 0; i < 3; ++i) saved[i] = dup(i);
  fd = open(in_path, O_RDONLY);
  dup2(fd, 0);
  close(fd);
  fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, 1);
  close(fd);
  fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, 2);
  close(fd);
  trap = run_guest(engine, config, &exited, &code);
  for (i = 0; i < 3; ++i) {
    dup2(saved[i], i);
    close(saved[i]);
  }
  CHECK(trap == NULL); /* main returned 0: _start returns normally */
  if (trap) wasm_trap_delete(trap);
  CHECK(!exited);
  CHECK_EQ_INT(code, -1);
  CHECK(read_into(out_path, &out));
  CHECK(read_into(err_path, &err));
  CHECK(buf_is(&out, "through the host's stdin\n"));
  CHECK(buf_is(&err, "echo done\n"));

  /* The environment, copied when inherit_env is called ... */
  setenv("CAPI_INHERITED", "from the host", 1);
  config = wasi_config_new();
  wasi_config_set_argv(config, 3, env_argv);
  wasi_config_inherit_env(config);
  unsetenv("CAPI_INHERITED");
  wasi_config_set_stdout_callback(config, collect, &env_out);
  trap = run_guest(engine, config, &exited, &code);
  CHECK(trap == NULL);
  CHECK(buf_is(&env_out, "CAPI_INHERITED=from the host\n"));

  /* ... and replaced by a later set_env. */
  setenv("CAPI_INHERITED", "from the host", 1);
  env_out.len = 0;
  config = wasi_config_new();
  wasi_config_set_argv(config, 3, env_argv);
  wasi_config_inherit_env(config);
  wasi_config_set_env(config, 1, names, values);
  wasi_config_set_stdout_callback(config, collect, &env_out);
  trap = run_guest(engine, config, &exited, &code);
  CHECK(trap == NULL);
  CHECK(buf_is(&env_out, "CAPI_INHERITED unset\n"));
  unsetenv("CAPI_INHERITED");

  remove(in_path);
  remove(out_path);
  remove(err_path);
  rmdir(dir);
  free(out.data);
  free(err.data);
  free(env_out.data);
}

/* A new config is an empty world: no arguments, empty stdin. */
static void test_defaults(wasm_engine_t* engine) {
  const char* argv[] = {"guest.wasm", "echo"};
  struct buf out = {0};
  int exited = 1, code = -1;
  wasm_trap_t* trap;
  wasi_config_t* config = wasi_config_new();
  wasi_config_set_argv(config, 2, argv);
  wasi_config_set_stdout_callback(config, collect, &out);
  trap = run_guest(engine, config, &exited, &code);
  CHECK(trap == NULL);
  CHECK(!exited);
  CHECK_EQ_INT(out.len, 0);

  /* No argv at all: the guest does not know what to do and says so with exit(2). */
  out.len = 0;
  config = wasi_config_new();
  wasi_config_set_stdout_callback(config, collect, &out);
  trap = run_guest(engine, config, &exited, &code);
  REQUIRE(trap != NULL);
  CHECK_EQ_STR(take_trap_message(trap), "exit with status 2");
  CHECK(exited);
  CHECK_EQ_INT(code, 2);
  free(out.data);

  /* A config that never became an env. */
  wasi_config_delete(wasi_config_new());
}

/* proc_exit from an export and from a start function, next to a real trap;
 * the env may go before its store. */
static void test_exit(wasm_engine_t* engine) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, exit_path);
  wasm_module_t* start_module = load_module(store, start_exit_path);
  wasm_trap_t* error = NULL;
  wasi_env_t* env = wasi_env_new(store, wasi_config_new(), &error);
  wasi_env_t* start_env;
  wasm_instance_t* instance;
  wasm_extern_vec_t imports;
  wasm_val_t args_val[1] = {WASM_I32_VAL(5)};
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_val);
  int code = -1;

  REQUIRE(env != NULL);
  instance = instantiate(store, env, module);
  CHECK_EQ_STR(take_trap_message(call_export(module, instance, "boom", NULL)), "unreachable");
  CHECK(!wasi_env_exit_code(env, &code)); /* a trap, but no exit */
  CHECK_EQ_INT(code, -1);
  CHECK_EQ_STR(take_trap_message(call_export(module, instance, "quit", &args)), "exit with status 5");
  CHECK(wasi_env_exit_code(env, &code));
  CHECK_EQ_INT(code, 5);
  CHECK(wasi_env_exit_code(env, NULL));

  /* With the env gone the WASI functions still work: the store keeps their state. */
  wasi_env_delete(env);
  args_val[0].of.i32 = 6;
  CHECK_EQ_STR(take_trap_message(call_export(module, instance, "quit", &args)), "exit with status 6");
  wasm_instance_delete(instance);

  start_env = wasi_env_new(store, wasi_config_new(), NULL);
  REQUIRE(start_env != NULL);
  REQUIRE(wasi_env_get_imports(start_env, start_module, &imports, NULL));
  CHECK_EQ_INT(imports.size, 1);
  instance = wasm_instance_new(store, start_module, &imports, &error);
  wasm_extern_vec_delete(&imports);
  CHECK(instance == NULL);
  REQUIRE(error != NULL);
  CHECK_EQ_STR(take_trap_message(error), "exit with status 3");
  CHECK(wasi_env_exit_code(start_env, &code));
  CHECK_EQ_INT(code, 3);

  wasm_module_delete(module);
  wasm_module_delete(start_module);
  wasm_store_delete(store);
  wasi_env_delete(start_env); /* after its store: allowed */
}

static const char* import_error(wasi_env_t* env, const wasm_module_t* module) {
  wasm_extern_vec_t imports;
  wasm_trap_t* error = NULL;
  bool ok = wasi_env_get_imports(env, module, &imports, &error);
  CHECK(!ok);
  CHECK_EQ_INT(imports.size, 0);
  wasm_extern_vec_delete(&imports);
  REQUIRE(error != NULL);
  return take_trap_message(error);
}

static void test_errors(wasm_engine_t* engine) {
  char dir[] = "/tmp/tern-capi-wasi-XXXXXX";
  char file[256];
  wasi_config_t* config = wasi_config_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_store_t* other = wasm_store_new(engine);
  wasm_trap_t* error = NULL;
  wasi_env_t* env;
  wasm_module_t* module;
  wasm_extern_vec_t imports;
  wasm_functype_t* type;
  wasm_func_t* foreign;
  char expected[512];

  /* Preopens that are no directory are refused at once. */
  REQUIRE(mkdtemp(dir) != NULL);
  snprintf(file, sizeof file, "%s/plain-file", dir);
  write_file(file, "not a directory");
  CHECK(!wasi_config_preopen_dir(config, "/nonexistent/tern-capi-wasi", "/x"));
  CHECK(!wasi_config_preopen_dir(config, file, "/x"));
  CHECK(!wasi_config_preopen_dir(config, NULL, "/x"));
  CHECK(!wasi_config_preopen_dir(config, dir, NULL));
  remove(file);

  /* A directory that is gone by the time the env is made. */
  CHECK(wasi_config_preopen_dir(config, dir, "/data"));
  rmdir(dir);
  error = (wasm_trap_t*)1; /* must be overwritten */
  env = wasi_env_new(store, config, &error);
  CHECK(env == NULL);
  REQUIRE(error != NULL && error != (wasm_trap_t*)1);
  snprintf(expected, sizeof expected, "wasi: cannot open directory '%s': No such file or directory", dir);
  CHECK_EQ_STR(take_trap_message(error), expected);

  env = wasi_env_new(store, wasi_config_new(), &error);
  REQUIRE(env != NULL);
  CHECK(error == NULL);

  /* Unknown and mistyped imports are named with module, field and type. */
  module = load_module(store, unknown_path);
  CHECK_EQ_STR(import_error(env, module), "unknown import: wasi_snapshot_preview1.no_such_call (func (i32) -> (i32))");
  CHECK(!wasi_env_get_imports(env, module, &imports, NULL)); /* error may be NULL */
  wasm_extern_vec_delete(&imports);
  wasm_module_delete(module);

  module = load_module(store, mistyped_path);
  CHECK_EQ_STR(import_error(env, module),
               "incompatible import type: wasi_snapshot_preview1.fd_write expects func (i32) -> (i32), "
               "got func (i32, i32, i32, i32) -> (i32)");
  wasm_module_delete(module);

  /* The guest's host import, before anyone defines it. */
  module = load_module(store, guest_path);
  CHECK_EQ_STR(import_error(env, module), "unknown import: env.twice (func (i32) -> (i32))");

  /* wasi_env_define refuses externs of another store and NULLs. */
  type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  foreign = wasm_func_new(other, type, twice_cb);
  CHECK(!wasi_env_define(env, "env", "twice", wasm_func_as_extern(foreign)));
  CHECK(!wasi_env_define(env, "env", "twice", NULL));
  CHECK(!wasi_env_define(env, NULL, "twice", wasm_func_as_extern(foreign)));
  CHECK_EQ_STR(import_error(env, module), "unknown import: env.twice (func (i32) -> (i32))");
  wasm_func_delete(foreign);

  /* A definition of the wrong type is reported as such. */
  foreign = wasm_func_new(store, type, twice_cb);
  CHECK(wasi_env_define(env, "env", "twice", wasm_func_as_extern(foreign)));
  CHECK(wasi_env_define(env, WASI_MODULE_NAME, "fd_write", wasm_func_as_extern(foreign)));
  CHECK_EQ_STR(import_error(env, module),
               "incompatible import type: wasi_snapshot_preview1.fd_write expects func (i32, i32, i32, i32) -> "
               "(i32), got func (i32) -> (i32)");
  wasm_func_delete(foreign);
  wasm_functype_delete(type);
  wasm_module_delete(module);

  wasi_env_delete(env);
  wasm_store_delete(other);
  wasm_store_delete(store);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  if (argc != 6) {
    fprintf(stderr,
            "usage: %s wasi_guest.wasm wasi_exit.wasm wasi_start_exit.wasm wasi_unknown.wasm "
            "wasi_mistyped.wasm\n",
            argv[0]);
    return 2;
  }
  guest_path = argv[1];
  exit_path = argv[2];
  start_exit_path = argv[3];
  unknown_path = argv[4];
  mistyped_path = argv[5];
  engine = wasm_engine_new();
  test_everything(engine);
  test_inherit(engine);
  test_defaults(engine);
  test_exit(engine);
  test_errors(engine);
  wasm_engine_delete(engine);
  return capi_test_finish("capi-wasi");
}
