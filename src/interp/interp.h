#pragma once

#include <span>
#include <vector>

#include "tern/tern.hpp"

namespace tern::interp {

// Calls any function (Wasm or host) with dynamic values.
Expected<std::vector<Value>, Trap> invoke(Func* f, std::span<const Value> args);

}  // namespace tern::interp
