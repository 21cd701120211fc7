// TrapCode: the one encoding of "a trap, or none" below the API. The
// interpreter's handlers, the helpers the interpreter and the JIT share
// (runtime/ops.h, interp/semantics.h), the JIT's Ctx::trap_kind and its trap
// stubs all use it. Zero is no trap, so generated code tests it against
// zero; any other value is a TrapKind plus one. Above this layer a trap is a
// tern::Trap (or std::optional<Trap> where there may be none).
#pragma once

#include <cstdint>

#include "tern/types.hpp"

namespace tern {

enum class TrapCode : uint32_t { None = 0 };

constexpr TrapCode trapCode(TrapKind k) { return TrapCode(uint32_t(k) + 1); }
constexpr bool isTrap(TrapCode c) { return c != TrapCode::None; }
// Only for a code that isTrap.
constexpr TrapKind trapKindOf(TrapCode c) { return TrapKind(uint32_t(c) - 1); }

}  // namespace tern
