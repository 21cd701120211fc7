// `tern run --invoke`: arguments and results (invoke_values.cc).
#pragma once

#include <string>

#include "tern/tern.hpp"

namespace tern::cli {

// `s` as a value of type `t`: integers in decimal or 0x hex, signed or not,
// that fit the type; floats as strtod reads them; v128 as 0x and up to 32
// hex digits, the high half first. False when it is none of these.
bool parseArg(const std::string& s, ValType t, Value& out);
// A result as `tern run --invoke` prints it (v128 as parseArg reads it).
std::string formatValue(const Value& v);

}  // namespace tern::cli
