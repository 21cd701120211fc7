// `tern run --invoke`: its arguments parsed into values of the export's
// parameter types, its results formatted for printing.
#include "cli/invoke_values.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace tern::cli {

namespace {

// Integer in decimal or 0x hex, optionally signed, that fits `bits` bits as
// either a signed or an unsigned number.
bool parseInt(std::string_view s, int bits, uint64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  uint64_t mag = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), mag, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  uint64_t umax = bits == 64 ? UINT64_MAX : (uint64_t(1) << bits) - 1;
  uint64_t neg_max = uint64_t(1) << (bits - 1);
  if (neg) {
    if (mag > neg_max) return false;
    out = (0 - mag) & umax;
  } else {
    if (mag > umax) return false;
    out = mag;
  }
  return true;
}

}  // namespace

bool parseArg(const std::string& s, tern::ValType t, tern::Value& out) {
  using tern::ValType;
  switch (t) {
    case ValType::I32: {
      uint64_t v;
      if (!parseInt(s, 32, v)) return false;
      out = tern::Value::i32(int32_t(uint32_t(v)));
      return true;
    }
    case ValType::I64: {
      uint64_t v;
      if (!parseInt(s, 64, v)) return false;
      out = tern::Value::i64(int64_t(v));
      return true;
    }
    case ValType::F32: {
      char* end = nullptr;
      errno = 0;
      float f = std::strtof(s.c_str(), &end);
      if (s.empty() || *end != '\0') return false;
      out = tern::Value::f32(f);
      return true;
    }
    case ValType::F64: {
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0') return false;
      out = tern::Value::f64(d);
      return true;
    }
    case ValType::V128: {
      // The form results are printed in: 0x and up to 32 hex digits, the high half first.
      std::string_view h(s);
      if (h.size() < 3 || h[0] != '0' || (h[1] != 'x' && h[1] != 'X') || h.size() > 34) return false;
      h.remove_prefix(2);
      size_t split = h.size() > 16 ? h.size() - 16 : 0;
      uint64_t hi = 0, lo = 0;
      auto hex = [](std::string_view part, uint64_t& v) {
        if (part.empty()) return true;
        auto r = std::from_chars(part.data(), part.data() + part.size(), v, 16);
        return r.ec == std::errc() && r.ptr == part.data() + part.size() && part[0] != '-' && part[0] != '+';
      };
      if (!hex(h.substr(0, split), hi) || !hex(h.substr(split), lo)) return false;
      out = tern::Value::v128({lo, hi});
      return true;
    }
    default: return false;
  }
}

namespace {

template <class F>
std::string formatFloat(F v) {
  if (std::isnan(v)) return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string formatValue(const tern::Value& v) {
  using tern::ValType;
  char buf[64];
  switch (v.type) {
    case ValType::I32: return std::to_string(v.asI32());
    case ValType::I64: return std::to_string(v.asI64());
    case ValType::F32: return formatFloat(v.asF32());
    case ValType::F64: return formatFloat(v.asF64());
    case ValType::V128:
      std::snprintf(buf, sizeof buf, "0x%016llx%016llx", (unsigned long long)v.hi, (unsigned long long)v.bits);
      return buf;
    case ValType::FuncRef:
    case ValType::ExternRef:
    case ValType::ExnRef: return v.isNull() ? "null" : "ref";
  }
  return "?";
}

}  // namespace tern::cli
