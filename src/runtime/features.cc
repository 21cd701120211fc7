// tern::Features: the switches for WebAssembly features beyond Wasm 2.0
// (include/tern/tern.hpp), spelled as wasmtime spells them on its command
// line (`-W tail-call=y`). The decoder reads them (decode/module_decoder.cc):
// a module that uses a feature that is off is rejected where it uses it.
#include <cstring>
#include <iterator>

#include "runtime/serialize.h"
#include "tern/tern.hpp"

namespace tern {

namespace {

struct FeatureSwitch {
  const char* name;
  bool Features::*field;
  bool implemented;  // false: Tern cannot run it yet, so it cannot be switched on
};

constexpr FeatureSwitch kSwitches[] = {
    {"extended-const", &Features::extended_const, true}, {"tail-call", &Features::tail_call, true},
    {"multi-memory", &Features::multi_memory, true},     {"memory64", &Features::memory64, true},
    {"exceptions", &Features::exceptions, true},
};

std::optional<bool> parseBool(std::string_view v) {
  if (v == "y" || v == "yes" || v == "true") return true;
  if (v == "n" || v == "no" || v == "false") return false;
  return std::nullopt;
}

}  // namespace

uint64_t featureBits(const Features& features) {
  static_assert(std::size(kSwitches) <= 64);
  uint64_t bits = 0;
  for (size_t i = 0; i < std::size(kSwitches); ++i)
    if (features.*kSwitches[i].field) bits |= uint64_t(1) << i;
  return bits;
}

const char* Features::names() { return "extended-const tail-call multi-memory memory64 exceptions"; }

bool Features::known(std::string_view name) {
  if (name == "all") return true;
  for (const FeatureSwitch& s : kSwitches)
    if (name == s.name) return true;
  return false;
}

std::optional<std::string> Features::set(std::string_view spec) {
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view one = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    size_t eq = one.find('=');
    std::string_view name = one.substr(0, eq);
    bool on = true;
    if (eq != std::string_view::npos) {
      std::optional<bool> v = parseBool(one.substr(eq + 1));
      if (!v) return std::string(one) + ": the value must be y or n";
      on = *v;
    }
    bool found = false;
    for (const FeatureSwitch& s : kSwitches) {
      if (name != s.name && name != "all") continue;
      found = true;
      if (on && !s.implemented) {
        if (name == "all") continue;  // all=y: every feature Tern implements
        return std::string(name) + ": Tern does not implement this feature yet";
      }
      this->*s.field = on;
    }
    if (!found) return std::string(name) + ": unknown feature (known: " + names() + ", all)";
  }
  return std::nullopt;
}

}  // namespace tern
