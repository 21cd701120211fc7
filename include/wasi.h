/*
 * wasi.h: WASI preview1 for programs that embed Tern through wasm.h.
 *
 * wasm.h has no notion of WASI. This companion header lets a C program give
 * a module the "wasi_snapshot_preview1" imports without touching the C++
 * API: describe the guest's world in a wasi_config_t (arguments,
 * environment, preopened directories, standard streams), turn it into a
 * wasi_env_t for one store, and ask the env for the imports of a module.
 * src/capi/wasi_capi.cc implements it over tern::wasi (include/tern/wasi.hpp).
 *
 *   wasi_config_t* config = wasi_config_new();
 *   const char* argv[] = {"prog.wasm", "input.txt"};
 *   wasi_config_set_argv(config, 2, argv);
 *   wasi_config_preopen_dir(config, "/srv/data", "/data");
 *   wasi_config_inherit_stdout(config);
 *
 *   wasm_trap_t* error = NULL;
 *   wasi_env_t* wasi = wasi_env_new(store, config, &error);   // takes config
 *   wasm_extern_vec_t imports;
 *   if (!wasi_env_get_imports(wasi, module, &imports, &error)) { ... }
 *   wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &error);
 *   wasm_extern_vec_delete(&imports);
 *   ... find the "_start" export and wasm_func_call it ...
 *   int code;
 *   if (trap && wasi_env_exit_code(wasi, &code)) { ... the guest called exit(code) ... }
 *   wasi_env_delete(wasi);
 *
 * Ownership follows wasm.h: `own` results belong to the caller, everything
 * else is borrowed. Guest pointers are checked by Tern before they are used,
 * and the guest cannot leave its preopened directories (absolute paths, `..`
 * above a preopen and symlinks pointing outside fail with ENOTCAPABLE).
 */
#ifndef TERN_WASI_H
#define TERN_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks transfer of ownership, as in wasm.h (which undefines it at its end). */
#define own

/* The module name under which a WASI preview1 guest imports its functions. */
#define WASI_MODULE_NAME "wasi_snapshot_preview1"

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */

/* What the guest sees. A new config describes an empty world: no arguments,
 * no environment variables, no preopened directories, stdin at end of file,
 * and stdout and stderr discarded. Each setter below replaces what the
 * corresponding earlier setter (or inherit function) chose. */
typedef struct wasi_config_t wasi_config_t;

/* A new, empty configuration. */
WASM_API_EXTERN own wasi_config_t* wasi_config_new(void);

/* Releases a configuration that was not handed to wasi_env_new. */
WASM_API_EXTERN void wasi_config_delete(own wasi_config_t* config);

/* The guest's argv: `argc` NUL-terminated strings, argv[0] first (by
 * convention the program's name). The strings are copied. */
WASM_API_EXTERN void wasi_config_set_argv(wasi_config_t* config, int argc, const char* argv[]);

/* The guest's environment: `envc` variables, names[i]=values[i]. The strings
 * are copied. Names should not contain '='; values may. */
WASM_API_EXTERN void wasi_config_set_env(wasi_config_t* config, int envc, const char* names[], const char* values[]);

/* The guest's environment: a copy of this process's environment, taken now. */
WASM_API_EXTERN void wasi_config_inherit_env(wasi_config_t* config);

/* Preopens the host directory `host_path` for the guest under the name
 * `guest_path` (e.g. "/data", or "." so that relative paths work). May be
 * called several times; the guest sees the directories in the order they were
 * added. Returns false, and leaves the configuration as it was, when
 * `host_path` cannot be opened as a directory (missing, not a directory, no
 * permission) or an argument is NULL. */
WASM_API_EXTERN bool wasi_config_preopen_dir(wasi_config_t* config, const char* host_path, const char* guest_path);

/* Standard input: exactly these bytes (copied), then end of file. */
WASM_API_EXTERN void wasi_config_set_stdin_bytes(wasi_config_t* config, const wasm_byte_vec_t* bytes);

/* Standard input: this process's stdin (file descriptor 0). */
WASM_API_EXTERN void wasi_config_inherit_stdin(wasi_config_t* config);

/* Receives the guest's output. Called during the guest's fd_write (and
 * friends) with the bytes written, in order, as often as the guest writes;
 * `data` is valid only during the call. The callback must not call back into
 * the store. */
typedef void (*wasi_output_callback_t)(void* env, const uint8_t* data, size_t len);

/* Standard output / standard error: handed to `callback` with `env` as its
 * first argument. `env` is not owned: it must stay valid for as long as guest
 * code using this configuration may run. A NULL callback discards the output. */
WASM_API_EXTERN void wasi_config_set_stdout_callback(wasi_config_t* config, wasi_output_callback_t callback, void* env);
WASM_API_EXTERN void wasi_config_set_stderr_callback(wasi_config_t* config, wasi_output_callback_t callback, void* env);

/* Standard output / standard error: this process's (file descriptors 1 and
 * 2). Written straight to the descriptor, without stdio buffering. */
WASM_API_EXTERN void wasi_config_inherit_stdout(wasi_config_t* config);
WASM_API_EXTERN void wasi_config_inherit_stderr(wasi_config_t* config);

/* ------------------------------------------------------------------------ */
/* Environment: WASI for one store                                          */

/* One guest's WASI state (descriptor table, arguments, environment, exit
 * status) and the host functions of all of wasi_snapshot_preview1 (the 45
 * functions of wasi-libc's wasi/api.h plus proc_raise), created in one store.
 * Every instance that takes its imports from the same env shares that state,
 * as the modules of one WASI program do. */
typedef struct wasi_env_t wasi_env_t;

/* Creates the WASI functions in `store` as `config` describes. Takes
 * ownership of `config` (also on failure). Returns NULL on failure; then, if
 * `error` is not NULL, *error is an owned trap (release it with
 * wasm_trap_delete) whose message says what went wrong, e.g. a preopened
 * directory that can no longer be opened (NULL when `store` itself is NULL:
 * a trap needs a store). On success *error is set to NULL. */
WASM_API_EXTERN own wasi_env_t* wasi_env_new(wasm_store_t* store, own wasi_config_t* config, own wasm_trap_t** error);

/* Releases the env. It may be deleted before or after its store: the state
 * the WASI functions use lives on in the store until the store is deleted,
 * and so does the config's output callback `env`, which may therefore be
 * called until then. No function of this header may be called with an env
 * whose store has been deleted, except wasi_env_delete. */
WASM_API_EXTERN void wasi_env_delete(own wasi_env_t* env);

/* Makes `ext` (an extern of the env's store) the import `module`.`name` for
 * later wasi_env_get_imports calls, so modules that import host functions or
 * other instances' exports next to WASI can be given all their imports at
 * once. A definition replaces an earlier one of the same name, WASI's own
 * included (e.g. to supply a different "random_get"). `ext` is borrowed: the
 * env refers to the store's object, not to the handle. Returns false when an
 * argument is NULL or `ext` belongs to another store. */
WASM_API_EXTERN bool wasi_env_define(wasi_env_t* env, const char* module, const char* name, const wasm_extern_t* ext);

/* Fills `imports` (not NULL) with one extern per import of `module`, in the
 * module's import order, ready for wasm_instance_new: WASI functions for
 * imports from "wasi_snapshot_preview1", and whatever wasi_env_define gave
 * for the others.
 * On success returns true and *imports is an owned vector (release it with
 * wasm_extern_vec_delete; the instance does not need it after
 * wasm_instance_new) and, if `error` is not NULL, *error is NULL.
 * On failure returns false, *imports is an empty vector and, if `error` is not
 * NULL, *error is an owned trap whose message names the first import that
 * cannot be satisfied, with its module, field and type:
 *   "unknown import: env.log (func (i32) -> ())"  (nothing by that name)
 *   "incompatible import type: wasi_snapshot_preview1.fd_write expects
 *    func (i32) -> (i32), got func (i32, i32, i32, i32) -> (i32)"
 * A module compiled by another engine, a NULL module or a NULL env fail too. */
WASM_API_EXTERN bool wasi_env_get_imports(wasi_env_t* env, const wasm_module_t* module, own wasm_extern_vec_t* imports,
                                          own wasm_trap_t** error);

/* Whether the guest has ended itself. When a guest calls proc_exit (C's
 * exit(N), or returning N != 0 from main), the call into wasm that was running
 * (wasm_func_call, or wasm_instance_new for a start function) returns a trap
 * whose message is "exit with status N", and from then on this function
 * returns true and stores N in *code (when `code` is not NULL). A proc_raise of
 * a signal S that ends a process does the same with N = 128 + S (message
 * "guest raised SIGTERM", ...). Returns false, leaving *code alone, while the
 * guest has not exited: a trap then is a real trap. */
WASM_API_EXTERN bool wasi_env_exit_code(const wasi_env_t* env, int* code);

#undef own

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TERN_WASI_H */
