#include "module/opcodes.h"

#include <string>
#include <unordered_map>

namespace tern {

namespace {
struct NameTable {
  std::unordered_map<std::string_view, Opcode> by_name;
  NameTable() {
    for (unsigned i = 0; i < kOpcodeCount; ++i)
      by_name.emplace(kOpInfo[i].name, Opcode(i));  // "select" appears twice (plain and typed); the first wins
  }
};
}  // namespace

std::optional<Opcode> lookupOpcodeByName(std::string_view name) {
  static const NameTable t;
  auto it = t.by_name.find(name);
  if (it == t.by_name.end()) return std::nullopt;
  return it->second;
}

const char* featureName(Feature f) {
  switch (f) {
    case Feature::mvp: return "mvp";
    case Feature::signext: return "sign-extension";
    case Feature::satconv: return "nontrapping-float-to-int";
    case Feature::multivalue: return "multi-value";
    case Feature::bulk: return "bulk-memory";
    case Feature::reftypes: return "reference-types";
    case Feature::simd: return "simd";
    case Feature::exceptions: return "exceptions";
    case Feature::tailcall: return "tail-call";
  }
  return "?";
}

}  // namespace tern
