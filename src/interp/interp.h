#pragma once

#include <span>
#include <vector>

#include "runtime/objects.h"
#include "tern/tern.hpp"

namespace tern::interp {

// Calls any function (Wasm or host) with dynamic values.
Expected<std::vector<Value>, Trap> invoke(FuncInst* f, std::span<const Value> args);

}  // namespace tern::interp
