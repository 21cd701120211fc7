#include "module/opcodes.h"

#include <array>
#include <string>
#include <unordered_map>

namespace tern {

const OpInfo kOpInfo[kOpcodeCount] = {
#define X(id, prefix, code, text, imm, sig, feat, impl) \
  {text, prefix, code, ImmKind::imm, sig, Feature::feat},
#include "module/opcodes.def"
#undef X
};

namespace {
struct Tables {
  std::array<int16_t, 256> single;
  std::array<int16_t, 32> fc;
  std::array<int16_t, 256> fd;
  std::unordered_map<std::string_view, Opcode> by_name;
  Tables() {
    single.fill(-1);
    fc.fill(-1);
    fd.fill(-1);
    for (unsigned i = 0; i < kOpcodeCount; ++i) {
      const OpInfo& o = kOpInfo[i];
      if (o.prefix == 0) single[o.code] = int16_t(i);
      else if (o.prefix == 0xfc) fc[o.code] = int16_t(i);
      else fd[o.code] = int16_t(i);
      // "select" appears twice (plain and typed); the first wins.
      by_name.emplace(o.name, Opcode(i));
    }
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}
}  // namespace

std::optional<Opcode> lookupOpcode(uint8_t prefix, uint32_t code) {
  const Tables& t = tables();
  int16_t r = -1;
  if (prefix == 0) r = code < 256 ? t.single[code] : -1;
  else if (prefix == 0xfc) r = code < t.fc.size() ? t.fc[code] : -1;
  else if (prefix == 0xfd) r = code < t.fd.size() ? t.fd[code] : -1;
  if (r < 0) return std::nullopt;
  return Opcode(r);
}

std::optional<Opcode> lookupOpcodeByName(std::string_view name) {
  const Tables& t = tables();
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
  }
  return "?";
}

namespace {
unsigned computeNaturalAlignLog2(Opcode op) {
  std::string_view n = opName(op);
  auto has = [&](std::string_view s) { return n.find(s) != std::string_view::npos; };
  if (has("8x8") || has("16x4") || has("32x2") || has("64_splat") || has("64_zero") || has("64_lane")) return 3;
  if (has("32_splat") || has("32_zero") || has("32_lane")) return 2;
  if (has("16_splat") || has("16_lane")) return 1;
  if (has("8_splat") || has("8_lane")) return 0;
  if (n == "v128.load" || n == "v128.store") return 4;
  if (has("load8") || has("store8")) return 0;
  if (has("load16") || has("store16")) return 1;
  if (has("load32") || has("store32")) return 2;
  if (n.starts_with("i64.") || n.starts_with("f64.")) return 3;
  return 2;
}
}  // namespace

// From the instruction's name, once per opcode (the validator asks for
// every memory access).
unsigned naturalAlignLog2(Opcode op) {
  static const auto table = [] {
    std::array<uint8_t, kOpcodeCount> t{};
    for (unsigned i = 0; i < kOpcodeCount; ++i) t[i] = uint8_t(computeNaturalAlignLog2(Opcode(i)));
    return t;
  }();
  return table[unsigned(op)];
}

}  // namespace tern
