/*
 * tern.h: Tern's extensions to the standard WebAssembly C API.
 *
 * wasm.h is the standard API and stays exactly that; what Tern offers beyond
 * it (the options of its C++ API's tern::Config, fuel, epoch interruption,
 * per-store limits, errors that say why a module was refused, and v128
 * values) is declared here, with the `tern_` prefix, the way wasmtime names
 * its own extensions (`wasmtime_config_*`, `wasmtime_error_t`). Including
 * this header also includes wasm.h and wasi.h. The implementation is
 * src/capi/tern_capi.cc, and src/capi/tern_values.cc for v128 values.
 *
 * Ownership follows wasm.h: results marked `own` belong to the caller and go
 * back with the matching delete function; everything else is borrowed.
 *
 * Errors: a function that can fail for a reason a program may want to show
 * returns `own tern_error_t*`, NULL meaning success. Its message says what
 * went wrong (for a module: the byte offset and the spec's reason, e.g.
 * "at offset 0x1d: type mismatch").
 */
#ifndef TERN_H
#define TERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasi.h"
#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks transfer of ownership, as in wasm.h (which undefines it at its end). */
#define own

/* The library's version, e.g. "0.1.0" (a static string). */
WASM_API_EXTERN const char* tern_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

typedef struct tern_error_t tern_error_t;

/* What kind of failure an error reports. */
typedef uint8_t tern_error_kind_t;
enum tern_error_kind_enum {
  TERN_ERROR_MALFORMED,   /* the binary cannot be decoded */
  TERN_ERROR_INVALID,     /* decoded, but fails validation */
  TERN_ERROR_LINK,        /* an import cannot be satisfied (missing, wrong type, other store) */
  TERN_ERROR_TRAP,        /* instantiation trapped and no trap_out was given */
  TERN_ERROR_IO,          /* a file or stream problem */
  TERN_ERROR_UNSUPPORTED, /* a feature this build cannot run (e.g. SIMD) */
  TERN_ERROR_USAGE,       /* a NULL argument, or a call the configuration does not allow */
};

WASM_API_EXTERN void tern_error_delete(own tern_error_t* error);

/* The error's message, NUL-terminated (the size counts the NUL), as
 * wasm_trap_message gives a trap's. */
WASM_API_EXTERN void tern_error_message(const tern_error_t* error, own wasm_name_t* out);

WASM_API_EXTERN tern_error_kind_t tern_error_kind(const tern_error_t* error);

/* For a malformed or invalid module: true, and the byte offset in the
 * binary where decoding or validation failed. False when no offset is known. */
WASM_API_EXTERN bool tern_error_offset(const tern_error_t* error, size_t* offset);

/* ------------------------------------------------------------------------ */
/* Configuration (wasm_config_new, then wasm_engine_new_with_config)        */

/* Which execution tier runs the code of modules compiled by the engine. */
typedef uint8_t tern_tier_t;
enum tern_tier_enum {
  TERN_TIER_AUTO,   /* the default: the JIT where this build has one (x86-64), else the interpreter */
  TERN_TIER_INTERP, /* the interpreter only */
  TERN_TIER_JIT,    /* the JIT (functions it cannot compile, and hosts without it, interpret) */
};

/* Returns false, and changes nothing, for a value that is not a tier. */
WASM_API_EXTERN bool tern_config_tier_set(wasm_config_t* config, tern_tier_t tier);

/* JIT code checks every memory access explicitly instead of relying on
 * guard pages (default false). */
WASM_API_EXTERN void tern_config_bounds_checks_set(wasm_config_t* config, bool enable);

/* Compiled code counts fuel: each function entry and loop header costs one
 * unit, and at zero the guest traps (TERN_TRAP_OUT_OF_FUEL). Needed for
 * tern_store_set_fuel and tern_store_get_fuel. Default false. */
WASM_API_EXTERN void tern_config_consume_fuel_set(wasm_config_t* config, bool enable);

/* Compiled code checks the store's epoch deadline at every function entry
 * and loop header (tern_engine_increment_epoch,
 * tern_store_set_epoch_deadline). Default false. */
WASM_API_EXTERN void tern_config_epoch_interruption_set(wasm_config_t* config, bool enable);

/* Wasm calls may nest this deep before the guest traps with "call stack
 * exhausted" (TERN_TRAP_CALL_STACK_EXHAUSTED). Default 20000; 0 is taken as
 * 1. Deep recursion also stops at the end of the value stack
 * (tern_config_max_wasm_stack_set) or of the native stack, whichever comes
 * first. */
WASM_API_EXTERN void tern_config_max_call_depth_set(wasm_config_t* config, uint32_t depth);

/* The stack guests may use, in bytes, as `tern run -W max-wasm-stack=BYTES`
 * gives it: BYTES/8 eight-byte slots for the parameters, locals and operands
 * of all active frames, and one call per 32 bytes of call depth (this
 * replaces tern_config_max_call_depth_set's limit; the later call wins).
 * Returns false, and changes nothing, below 64 bytes. The default is 16 MiB
 * of slots and 20000 calls. JIT code also runs on the native stack of the
 * calling thread (about 32 bytes per call): give a thread that runs deep
 * guests a native stack to match. */
WASM_API_EXTERN bool tern_config_max_wasm_stack_set(wasm_config_t* config, size_t bytes);

/* Address space reserved for each linear memory (default 4 GiB). A memory
 * cannot grow beyond it; below 4 GiB the JIT checks accesses explicitly. */
WASM_API_EXTERN void tern_config_memory_reservation_set(wasm_config_t* config, uint64_t bytes);

/* Size of the inaccessible region after each memory's reservation (default
 * 2 GiB). Accesses whose offset reaches past it are checked explicitly. */
WASM_API_EXTERN void tern_config_memory_guard_size_set(wasm_config_t* config, uint64_t bytes);

/* The JIT appends each function it compiles to /tmp/perf-PID.map, for
 * `perf report` (default false). */
WASM_API_EXTERN void tern_config_perf_map_set(wasm_config_t* config, bool enable);

/* Compile each function at its first call, after validating the whole
 * module (default true); false compiles every function when the module is
 * compiled. `tern run -C lazy=y|n`. */
WASM_API_EXTERN void tern_config_lazy_set(wasm_config_t* config, bool enable);
/* With lazy compilation, once the guest has run 20 ms of CPU time, compile
 * the functions not called yet on a low-priority thread (default true; only
 * with more than one core). `tern run -C background-compilation=y|n`. */
WASM_API_EXTERN void tern_config_background_compilation_set(wasm_config_t* config, bool enable);
/* Compile the functions compiled up front (lazy false, or a module to
 * serialize) on several threads (default true); the code is the same as one
 * thread's. `tern run -C parallel-compilation=y|n`. */
WASM_API_EXTERN void tern_config_parallel_compilation_set(wasm_config_t* config, bool enable);
/* How many threads compile at once, the caller's included; 0 (the
 * default): one per core. `tern run -C compile-threads=N`. */
WASM_API_EXTERN void tern_config_compile_threads_set(wasm_config_t* config, uint32_t threads);
/* A directory of compiled code (as `tern run --cache DIR`): modules are
 * looked up there before they are compiled, and stored there after. NULL or
 * "" (the default): no cache. */
WASM_API_EXTERN void tern_config_cache_dir_set(wasm_config_t* config, const char* dir);

/* Switches WebAssembly features beyond Wasm 2.0 on or off, spelled as
 * `tern run -W` spells them: "NAME", "NAME=y", "NAME=n", several separated
 * by commas, "all=n" for Wasm 2.0 only (names: extended-const and
 * multi-memory, on by default; memory64 and exceptions, off by default;
 * tail-call, off and not implemented yet). Returns NULL, or an error (kind TERN_ERROR_USAGE) naming
 * the bad switch, which then changes nothing after it. */
WASM_API_EXTERN own tern_error_t* tern_config_features_set(wasm_config_t* config, const char* spec);

/* ------------------------------------------------------------------------ */
/* Modules and instances, with errors                                       */

/* Compiles `binary` for `engine`. On success returns NULL and stores the
 * module in *out (the same kind of module wasm_module_new gives, usable in
 * every store of the engine); on failure returns the error (with the offset
 * and reason for a malformed or invalid module) and stores NULL in *out. */
WASM_API_EXTERN own tern_error_t* tern_module_new(wasm_engine_t* engine, const wasm_byte_vec_t* binary,
                                                  own wasm_module_t** out);

/* Loads a .cwasm image (what wasm_module_serialize gives for a module with
 * machine code, or `tern compile` writes) without compiling it. On failure
 * returns why (another Tern version, other CPU features, features or code
 * settings than the engine's, a damaged, truncated or not a .cwasm image)
 * and stores NULL in *out: nothing of it runs. */
WASM_API_EXTERN own tern_error_t* tern_module_deserialize(wasm_engine_t* engine, const wasm_byte_vec_t* image,
                                                          own wasm_module_t** out);

/* Decodes and validates `binary` without compiling it: NULL if it is valid,
 * else the error (as tern_module_new's). `engine` may be NULL (then the
 * default features are on); else its configuration's features are. */
WASM_API_EXTERN own tern_error_t* tern_module_validate(wasm_engine_t* engine, const wasm_byte_vec_t* binary);

/* wasm_instance_new that tells a link error from a trap. `imports` holds one
 * extern per module import, in the module's order (NULL when it has none).
 * - Success: returns NULL, *out is the instance, *trap_out is NULL.
 * - Instantiation trapped (a segment out of bounds, the start function
 *   trapped or exited): returns NULL, *out is NULL and *trap_out the trap;
 *   when trap_out is NULL the trap comes back as an error of kind
 *   TERN_ERROR_TRAP instead.
 * - Otherwise (a missing or incompatible import, an extern of another store,
 *   a module of another engine, the store's instance limit): returns the
 *   error, kind TERN_ERROR_LINK, and *out is NULL. */
WASM_API_EXTERN own tern_error_t* tern_instance_new(wasm_store_t* store, const wasm_module_t* module,
                                                    const wasm_extern_vec_t* imports, own wasm_instance_t** out,
                                                    own wasm_trap_t** trap_out);

/* ------------------------------------------------------------------------ */
/* Memory types (memory64)                                                  */

/* wasm_limits_t has 32 bits: these give a memory type's whole limits, in
 * 64 KiB pages, and its index type (is64: a 64-bit memory, -W memory64).
 * wasm_memorytype_limits of a 64-bit memory clamps its limits to 32 bits. */
WASM_API_EXTERN own wasm_memorytype_t* tern_memorytype_new(uint64_t min, bool max_present, uint64_t max, bool is64);
WASM_API_EXTERN bool tern_memorytype_is64(const wasm_memorytype_t* type);
WASM_API_EXTERN uint64_t tern_memorytype_minimum(const wasm_memorytype_t* type);
/* False when the type has no maximum; else true, and the maximum in *max. */
WASM_API_EXTERN bool tern_memorytype_maximum(const wasm_memorytype_t* type, uint64_t* max);

/* ------------------------------------------------------------------------ */
/* Traps                                                                    */

/* What raised a trap. */
typedef uint8_t tern_trap_kind_t;
enum tern_trap_kind_enum {
  TERN_TRAP_UNREACHABLE,
  TERN_TRAP_INT_DIV_BY_ZERO,
  TERN_TRAP_INT_OVERFLOW,
  TERN_TRAP_INVALID_CONVERSION,
  TERN_TRAP_MEMORY_OUT_OF_BOUNDS,
  TERN_TRAP_TABLE_OUT_OF_BOUNDS,
  TERN_TRAP_UNDEFINED_ELEMENT,
  TERN_TRAP_UNINITIALIZED_ELEMENT,
  TERN_TRAP_INDIRECT_CALL_TYPE_MISMATCH,
  TERN_TRAP_CALL_STACK_EXHAUSTED,
  TERN_TRAP_NULL_REFERENCE,
  TERN_TRAP_INTERRUPTED,        /* the store's epoch deadline passed */
  TERN_TRAP_OUT_OF_FUEL,        /* the store's fuel ran out */
  TERN_TRAP_HOST,               /* a host function returned a trap */
  TERN_TRAP_HOST_EXCEPTION,     /* a host function written in C++ threw (message: its what()) */
  TERN_TRAP_EXIT,               /* a WASI guest called proc_exit (see wasi_env_exit_code) */
  TERN_TRAP_UNCAUGHT_EXCEPTION, /* a Wasm exception (exceptions feature) no handler caught */
};

/* True, and the kind, for a trap that running code raised (from
 * wasm_func_call, wasm_instance_new or tern_instance_new). False for a trap
 * made with wasm_trap_new and for one that reports a misused call (wrong
 * number or kinds of arguments). A trap a host function passes on from a
 * call of its own keeps that call's kind. */
WASM_API_EXTERN bool tern_trap_kind(const wasm_trap_t* trap, tern_trap_kind_t* kind);

/* A stable identifier for a trap kind, for logs, metrics and tests:
 * lowercase words joined by hyphens ("unreachable", "out-of-fuel",
 * "host-exception", ...), as tern::trapKindName; "unknown" for a value that is
 * not a kind. The trap's message is the text for people. */
WASM_API_EXTERN const char* tern_trap_kind_name(tern_trap_kind_t kind);

/* ------------------------------------------------------------------------ */
/* Fuel (needs tern_config_consume_fuel_set)                                */

/* Sets the fuel the store's guests may use from now on. Guests trap with
 * TERN_TRAP_OUT_OF_FUEL when it reaches zero; calls fail at once while it is
 * zero. A store starts with (practically) unlimited fuel. Returns an error
 * (kind TERN_ERROR_USAGE) when the engine does not consume fuel. */
WASM_API_EXTERN own tern_error_t* tern_store_set_fuel(wasm_store_t* store, uint64_t fuel);

/* The fuel left in the store. Returns an error (kind TERN_ERROR_USAGE) when
 * the engine does not consume fuel. */
WASM_API_EXTERN own tern_error_t* tern_store_get_fuel(const wasm_store_t* store, uint64_t* fuel);

/* ------------------------------------------------------------------------ */
/* Epoch interruption (needs tern_config_epoch_interruption_set)            */

/* Advances the engine's epoch by one. Safe to call from any thread, also
 * while guests run (e.g. from a timer thread). */
WASM_API_EXTERN void tern_engine_increment_epoch(wasm_engine_t* engine);

/* The store's guests trap with TERN_TRAP_INTERRUPTED at their next function
 * entry or loop header once the engine's epoch has advanced `ticks` times
 * from now (0: at once). A store starts with no deadline. Without epoch
 * interruption in the engine's config this has no effect. */
WASM_API_EXTERN void tern_store_set_epoch_deadline(wasm_store_t* store, uint64_t ticks);

/* ------------------------------------------------------------------------ */
/* Per-store resource limits                                                */

/* Limits what the store may hold; a negative value means no limit (the
 * default for each). Growth past a limit fails as the spec allows:
 * memory.grow and table.grow return -1 in the guest, wasm_memory_grow and
 * wasm_table_grow return false, wasm_memory_new and wasm_table_new return
 * NULL, and instantiating a module whose memories, tables or instance count
 * would pass the limit fails with a link error.
 * - memory_size: bytes, over all of the store's linear memories together;
 * - table_elements: elements, over all of the store's tables together;
 * - instances: the number of instances. */
WASM_API_EXTERN void tern_store_limiter(wasm_store_t* store, int64_t memory_size, int64_t table_elements,
                                        int64_t instances);

/* ------------------------------------------------------------------------ */
/* v128 values (SIMD)                                                       */

/* wasm.h's wasm_val_t has no room for a v128, so calls, host functions and
 * globals that have v128 values go through tern_val_t: a wasm_val_t with a
 * 16-byte member. Its kind is one of wasm_val_t's, or TERN_V128 (the kind
 * wasm_valtype_new takes and wasm_valtype_kind gives for v128); `ref`
 * members are owned as in wasm_val_t (tern_val_delete releases them). The
 * functions below take every kind of value; wasm.h's reject v128 ones. */
#define TERN_V128 ((wasm_valkind_t)4)

/* exnref (Wasm 3.0 exceptions, -W exceptions) has no wasm.h kind either:
 * wasm_valtype_kind gives TERN_EXNREF for it. A value of that kind is null
 * or an opaque wasm_ref_t that can only be passed back into the same store. */
#define TERN_EXNREF ((wasm_valkind_t)5)

typedef struct tern_val_t {
  wasm_valkind_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float32_t f32;
    float64_t f64;
    struct wasm_ref_t* ref;
    uint8_t v128[16]; /* lane 0 first, little-endian, as in linear memory */
  } of;
} tern_val_t;

WASM_API_EXTERN void tern_val_delete(own tern_val_t* v);

/* wasm_func_call with tern_val_t arguments and results: `nargs` must be the
 * function's parameter count and `nresults` at least its result count. */
WASM_API_EXTERN own wasm_trap_t* tern_func_call(const wasm_func_t* func, const tern_val_t* args, size_t nargs,
                                                tern_val_t* results, size_t nresults);

/* A host function whose callback gets and gives tern_val_t. `results` holds
 * `nresults` values of the result kinds, zeroed; the callback fills them
 * in. As with wasm_func_new_with_env, `finalizer` (may be NULL) gets `env`
 * once the function is gone. */
typedef own wasm_trap_t* (*tern_func_callback_t)(void* env, const tern_val_t* args, size_t nargs, tern_val_t* results,
                                                 size_t nresults);
WASM_API_EXTERN own wasm_func_t* tern_func_new(wasm_store_t* store, const wasm_functype_t* type,
                                               tern_func_callback_t callback, void* env, void (*finalizer)(void*));

/* wasm_global_new, wasm_global_get and wasm_global_set for every kind of
 * value; tern_global_set returns false (and changes nothing) for an
 * immutable global or a value of another kind. */
WASM_API_EXTERN own wasm_global_t* tern_global_new(wasm_store_t* store, const wasm_globaltype_t* type,
                                                   const tern_val_t* val);
WASM_API_EXTERN void tern_global_get(const wasm_global_t* global, own tern_val_t* out);
WASM_API_EXTERN bool tern_global_set(wasm_global_t* global, const tern_val_t* val);

#undef own

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TERN_H */
