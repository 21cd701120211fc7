// The -C (codegen) keys of every command that compiles (`tern run`, `tern
// compile`, `tern wast`), with wasmtime's names where it has them; their
// help text is kCodegenKeys in cli/usage.h.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "cli/usage.h"
#include "tern/tern.hpp"

namespace tern::cli {

inline bool isCodegenKey(std::string_view key) {
  for (const OptionKey& k : kCodegenKeys)
    if (k.key == key) return true;
  return false;
}

// Applies one KEY[=VALUE] item of a -C argument to `config`. Returns why it
// is wrong, or nullopt.
inline std::optional<std::string> applyCodegen(std::string_view item, Config& config) {
  size_t eq = item.find('=');
  std::string_view key = item.substr(0, eq);
  std::optional<std::string_view> val;
  if (eq != std::string_view::npos) val = item.substr(eq + 1);
  // No value, y, yes, true; n, no, false.
  auto flag = [&](bool& out) -> std::optional<std::string> {
    if (!val || *val == "y" || *val == "yes" || *val == "true") out = true;
    else if (*val == "n" || *val == "no" || *val == "false") out = false;
    else return "expected " + std::string(key) + ", " + std::string(key) + "=y or " + std::string(key) + "=n";
    return std::nullopt;
  };
  if (key == "lazy") return flag(config.lazy);
  if (key == "background-compilation") return flag(config.background_compilation);
  if (key == "parallel-compilation") return flag(config.parallel_compilation);
  if (key == "compile-threads") {
    uint32_t n = 0;
    auto r = val ? std::from_chars(val->data(), val->data() + val->size(), n) : std::from_chars_result{};
    if (!val || r.ec != std::errc() || r.ptr != val->data() + val->size())
      return std::string("expected compile-threads=N (0: one per core)");
    config.compile_threads = n;
    return std::nullopt;
  }
  std::string known;
  for (const OptionKey& k : kCodegenKeys) known += (known.empty() ? "" : ", ") + std::string(k.key);
  return "unknown key '" + std::string(key) + "' (known: " + known + ")";
}

// The same for every item of "KEY[=VALUE][,KEY[=VALUE]...]".
inline std::optional<std::string> applyCodegenList(std::string_view spec, Config& config) {
  for (;;) {
    size_t comma = spec.find(',');
    if (std::optional<std::string> e = applyCodegen(spec.substr(0, comma), config)) return e;
    if (comma == std::string_view::npos) return std::nullopt;
    spec.remove_prefix(comma + 1);
  }
}

}  // namespace tern::cli
