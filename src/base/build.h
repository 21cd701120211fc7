// What this build leaves out. A minimal build (meson.build: -Dminimal=true)
// leaves out features whose code would break its size limit, and a build
// for a machine without a JIT backend has no JIT; meson.build says which
// with TERN_NO_* macros. Each becomes a constant here, and the code tests it
// with `if constexpr` at the top of the functions (or handlers) that only
// that feature reaches, so that the compiler drops their bodies without an
// #ifdef around each. The decoder refuses what the build lacks as
// unsupported (ErrorCode::*NotInBuild), so nothing past those gates runs.
#pragma once

namespace tern {

// One bit per part a build may leave out.
enum BuildPart : unsigned {
  kPartJit = 1,          // TERN_NO_JIT: no JIT backend (jit/jit_none.cc)
  kPartLazy = 2,         // TERN_MINIMAL: no lazy compilation (runtime/tiering.cc)
  kPartMemory64 = 4,     // TERN_NO_MEMORY64
  kPartMultiMemory = 8,  // TERN_NO_MULTI_MEMORY
  kPartExceptions = 16,  // TERN_NO_EXCEPTIONS
  kPartTailCalls = 32,   // TERN_NO_TAIL_CALLS
  kPartSimd = 64,        // TERN_NO_SIMD: no v128 handlers (-Dsimd=false)
};

inline constexpr unsigned kLeftOut = 0u
#ifdef TERN_NO_JIT
                                     | kPartJit
#endif
#ifdef TERN_MINIMAL
                                     | kPartLazy
#endif
#ifdef TERN_NO_MEMORY64
                                     | kPartMemory64
#endif
#ifdef TERN_NO_MULTI_MEMORY
                                     | kPartMultiMemory
#endif
#ifdef TERN_NO_EXCEPTIONS
                                     | kPartExceptions
#endif
#ifdef TERN_NO_TAIL_CALLS
                                     | kPartTailCalls
#endif
#ifdef TERN_NO_SIMD
                                     | kPartSimd
#endif
    ;

inline constexpr bool kBuildJit = !(kLeftOut & kPartJit);
inline constexpr bool kBuildLazy = !(kLeftOut & kPartLazy);
inline constexpr bool kBuildMemory64 = !(kLeftOut & kPartMemory64);
inline constexpr bool kBuildMultiMemory = !(kLeftOut & kPartMultiMemory);
inline constexpr bool kBuildExceptions = !(kLeftOut & kPartExceptions);
inline constexpr bool kBuildTailCalls = !(kLeftOut & kPartTailCalls);
inline constexpr bool kBuildSimd = !(kLeftOut & kPartSimd);

// The decoder's per-instruction helpers (push, pop, one-byte LEB128s) are
// forced inline for compile speed; a minimal build leaves that to the
// compiler, for size.
#ifdef TERN_MINIMAL
#define TERN_HOT_INLINE
#else
#define TERN_HOT_INLINE [[gnu::always_inline]]
#endif

}  // namespace tern
