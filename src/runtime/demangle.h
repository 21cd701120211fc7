// Symbol demangling for backtraces: the function names of a Wasm module's
// name section are often mangled by the compiler that produced it.
//   C++ (Itanium ABI)  _Z...                         through libstdc++'s __cxa_demangle
//   Rust legacy        _ZN...17h<16 hex digits>E     hash dropped, $..$ escapes decoded
//   Rust v0            _R...                         (RFC 2603) paths, generic arguments,
//                                                    common types, constants, backrefs
// Anything not understood comes back unchanged; no input makes these crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tern {

// The readable form of `sym`, or `sym` itself.
std::string demangle(std::string_view sym);

// Each scheme on its own: nullopt when `sym` is not of that scheme or is
// malformed.
std::optional<std::string> demangleItanium(std::string_view sym);
std::optional<std::string> demangleRustLegacy(std::string_view sym);
std::optional<std::string> demangleRustV0(std::string_view sym);

}  // namespace tern
