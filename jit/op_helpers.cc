// The JIT's operator helpers: for each operator the compiler leaves to C++,
// a function computing it with the interpreter's semantics
// (interp/semantics.h), generated from module/opcodes.def. jit/compiler.cc
// calls helperFor and helperTraps.
#include <bit>
#include <cstdint>
#include <type_traits>

#include "interp/semantics.h"
#include "jit/jit.h"

namespace tern::jit {

// ---- generated operator helpers: the interpreter's semantics ----
namespace {
using namespace tern::sem;
template <class T>
inline T rdh(uint64_t s) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<float>(uint32_t(s));
  else if constexpr (std::is_same_v<T, double>) return std::bit_cast<double>(s);
  else return T(s);
}
template <class T>
inline uint64_t wrh(T v) {
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<uint32_t>(v);
  else if constexpr (std::is_same_v<T, double>) return std::bit_cast<uint64_t>(v);
  else if constexpr (sizeof(T) <= 4) return uint32_t(v);
  else return uint64_t(v);
}
using HelperFn = uint64_t (*)(uint64_t, uint64_t, Ctx*);
#define UN(Ti, To, e) \
  +[](uint64_t av, uint64_t, Ctx*) -> uint64_t { \
    Ti a = rdh<Ti>(av); \
    return wrh<To>(To(e)); \
  }
#define BIN(Ti, To, e) \
  +[](uint64_t av, uint64_t bv, Ctx*) -> uint64_t { \
    Ti a = rdh<Ti>(av); \
    Ti b = rdh<Ti>(bv); \
    return wrh<To>(To(e)); \
  }
#define TUN(Ti, To, fn) \
  +[](uint64_t av, uint64_t, Ctx* c) -> uint64_t { \
    TrapCode trap = TrapCode::None; \
    To r = fn(rdh<Ti>(av), trap); \
    if (isTrap(trap)) c->trap_kind = trap; \
    return wrh<To>(r); \
  }
#define TBIN(Ti, To, fn) \
  +[](uint64_t av, uint64_t bv, Ctx* c) -> uint64_t { \
    TrapCode trap = TrapCode::None; \
    To r = fn<Ti>(rdh<Ti>(av), rdh<Ti>(bv), trap); \
    if (isTrap(trap)) c->trap_kind = trap; \
    return wrh<To>(r); \
  }
#define LOAD(Tm, To) HelperFn(nullptr)
#define STORE(Tv, Tm) HelperFn(nullptr)
#define SPECIAL HelperFn(nullptr)
#define SIMD HelperFn(nullptr)
#include "module/impl_v128_pending.inc"
const HelperFn kHelpers[] = {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) impl,
#include "module/opcodes.def"
#undef X
};
#undef UN
#undef BIN
#undef LOAD
#undef STORE
#undef SPECIAL
#undef SIMD
#include "module/impl_v128_undef.inc"
#undef TUN
#undef TBIN
}  // namespace

uint64_t (*helperFor(Opcode op))(uint64_t, uint64_t, Ctx*) { return kHelpers[unsigned(op)]; }
// The Flags column says which instructions can trap.
bool helperTraps(Opcode op) { return opInfo(op).traps != 0; }

}  // namespace tern::jit
