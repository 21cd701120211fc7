// The header test (headers.c) compiled as C++: wasm.h, its macros
// (WASM_I32_VAL, WASM_INIT_VAL, WASM_ARRAY_VEC, ...) and inline helpers must
// work for C++ embedders too.
#include "headers.c"
