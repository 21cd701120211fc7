// The header test (headers.c) compiled as C++: wasm.h, its macros
// (WASM_I32_VAL, WASM_INIT_VAL, WASM_ARRAY_VEC, ...) and inline helpers must
// work for C++ embedders too. tern.h (with wasi.h) is included after it, so
// that Tern's own headers are checked as C++ as well.
#include "headers.c"
#include "tern.h"

static_assert(sizeof(tern_trap_kind_t) == 1, "tern.h's enums are bytes, as wasm.h's");
