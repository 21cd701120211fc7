// `tern wast`, values: script values (wast2json's JSON) to tern::Values, the
// comparison of results with the expected ones (NaN classes, v128 lanes) and
// of trap and error texts, and how both are printed in failures.
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "cli/wast_internal.h"

namespace tern::cli::wast {
namespace {

std::optional<ValType> parseValType(const std::string& s) {
  if (s == "i32") return ValType::I32;
  if (s == "i64") return ValType::I64;
  if (s == "f32") return ValType::F32;
  if (s == "f64") return ValType::F64;
  if (s == "v128") return ValType::V128;
  if (s == "funcref") return ValType::FuncRef;
  if (s == "externref") return ValType::ExternRef;
  if (s == "exnref") return ValType::ExnRef;
  return std::nullopt;
}

// Decimal integer as written by wast2json (unsigned bit patterns; a leading
// '-' is tolerated and wraps).
uint64_t parseInt(const std::string& s) {
  if (s.empty()) throw std::runtime_error("empty number");
  const char* p = s.c_str();
  bool neg = false;
  if (*p == '-') {
    neg = true;
    ++p;
  }
  if (*p < '0' || *p > '9') throw std::runtime_error("bad number '" + s + "'");
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(p, &end, 10);
  if (errno != 0 || *end != '\0') throw std::runtime_error("bad number '" + s + "'");
  return neg ? uint64_t(0) - uint64_t(v) : uint64_t(v);
}

// Host value an externref N of the script stands for: 0 stays free for null,
// so `ref.extern 0` is not null.
uint64_t externBits(uint64_t n) { return n + 1; }

struct LaneShape {
  unsigned bits = 32;
  unsigned count = 4;
  bool is_float = false;
  const char* name = "i32x4";
};

std::optional<LaneShape> laneShape(const std::string& lane_type) {
  if (lane_type == "i8") return LaneShape{8, 16, false, "i8x16"};
  if (lane_type == "i16") return LaneShape{16, 8, false, "i16x8"};
  if (lane_type == "i32") return LaneShape{32, 4, false, "i32x4"};
  if (lane_type == "i64") return LaneShape{64, 2, false, "i64x2"};
  if (lane_type == "f32") return LaneShape{32, 4, true, "f32x4"};
  if (lane_type == "f64") return LaneShape{64, 2, true, "f64x2"};
  return std::nullopt;
}

uint64_t laneMask(unsigned bits) { return bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1; }

uint64_t getLane(uint64_t lo, uint64_t hi, unsigned bits, unsigned i) {
  unsigned pos = i * bits;
  uint64_t word = pos < 64 ? lo : hi;
  return (word >> (pos % 64)) & laneMask(bits);
}

void setLane(uint64_t& lo, uint64_t& hi, unsigned bits, unsigned i, uint64_t v) {
  unsigned pos = i * bits;
  uint64_t& word = pos < 64 ? lo : hi;
  unsigned sh = pos % 64;
  word = (word & ~(laneMask(bits) << sh)) | ((v & laneMask(bits)) << sh);
}

bool isCanonicalNan32(uint32_t b) { return (b & 0x7fffffffu) == 0x7fc00000u; }
bool isArithmeticNan32(uint32_t b) { return (b & 0x7fc00000u) == 0x7fc00000u; }
bool isCanonicalNan64(uint64_t b) { return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull; }
bool isArithmeticNan64(uint64_t b) { return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull; }

// Does a float (or float lane) with bits `got` satisfy the expected text?
bool floatMatches(const std::string& exp, uint64_t got, bool is64) {
  if (exp == "nan:canonical") return is64 ? isCanonicalNan64(got) : isCanonicalNan32(uint32_t(got));
  if (exp == "nan:arithmetic") return is64 ? isArithmeticNan64(got) : isArithmeticNan32(uint32_t(got));
  uint64_t want = parseInt(exp);
  return is64 ? want == got : uint32_t(want) == uint32_t(got);
}

}  // namespace

const char* errorKindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::Malformed: return "malformed";
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::Link: return "link";
    case ErrorKind::Trap: return "trap";
    case ErrorKind::Io: return "io";
    case ErrorKind::Unsupported: return "unsupported";
  }
  return "?";
}

std::string errorText(const Error& e) { return std::string(errorKindName(e.kind)) + " error: " + e.message; }

std::string floatText(uint64_t bits, bool is64) {
  char buf[64];
  if (is64) {
    double d;
    std::memcpy(&d, &bits, 8);
    std::snprintf(buf, sizeof buf, "%.17g", d);
  } else {
    uint32_t b = uint32_t(bits);
    float f;
    std::memcpy(&f, &b, 4);
    std::snprintf(buf, sizeof buf, "%.9g", double(f));
  }
  return buf;
}

// Script-side value -> tern::Value (arguments).
Value makeValue(const json& v) {
  std::string ts = v.at("type").get<std::string>();
  auto t = parseValType(ts);
  if (!t) throw std::runtime_error("unknown value type '" + ts + "'");
  switch (*t) {
    case ValType::I32: return Value{ValType::I32, uint32_t(parseInt(v.at("value").get<std::string>())), 0};
    case ValType::I64: return Value{ValType::I64, parseInt(v.at("value").get<std::string>()), 0};
    case ValType::F32: return Value::f32Bits(uint32_t(parseInt(v.at("value").get<std::string>())));
    case ValType::F64: return Value::f64Bits(parseInt(v.at("value").get<std::string>()));
    case ValType::V128: {
      auto shape = laneShape(v.at("lane_type").get<std::string>());
      if (!shape) throw std::runtime_error("unknown lane type");
      const json& lanes = v.at("value");
      if (!lanes.is_array() || lanes.size() != shape->count) throw std::runtime_error("bad v128 lane count");
      Value r{ValType::V128, 0, 0};
      for (unsigned i = 0; i < shape->count; ++i)
        setLane(r.bits, r.hi, shape->bits, i, parseInt(lanes[i].get<std::string>()));
      return r;
    }
    case ValType::ExternRef: {
      std::string s = v.at("value").get<std::string>();
      if (s == "null") return Value::nullRef(ValType::ExternRef);
      return Value{ValType::ExternRef, externBits(parseInt(s)), 0};
    }
    case ValType::FuncRef: {
      std::string s = v.at("value").get<std::string>();
      if (s == "null") return Value::nullRef(ValType::FuncRef);
      throw std::runtime_error("non-null funcref arguments cannot be expressed");
    }
    case ValType::ExnRef:
      if (v.at("value").get<std::string>() == "null") return Value::nullRef(ValType::ExnRef);
      throw std::runtime_error("non-null exnref arguments cannot be expressed");
  }
  throw std::runtime_error("unknown value type");
}

std::string expectedText(const json& v) {
  std::string ts = v.value("type", std::string("?"));
  if (!v.contains("value")) {
    if (ts == "funcref" || ts == "externref") return ts + ":non-null";
    return ts + ":any";
  }
  const json& val = v.at("value");
  if (ts == "v128" && val.is_array()) {
    auto shape = laneShape(v.value("lane_type", std::string("i32")));
    std::string s = std::string("v128:") + (shape ? shape->name : "?") + "[";
    for (size_t i = 0; i < val.size(); ++i) {
      if (i) s += ' ';
      s += val[i].is_string() ? val[i].get<std::string>() : val[i].dump();
    }
    return s + "]";
  }
  std::string s = val.is_string() ? val.get<std::string>() : val.dump();
  std::string out = ts + ":" + s;
  if ((ts == "f32" || ts == "f64") && !s.empty() && s[0] != 'n') {
    try {
      out += " (" + floatText(parseInt(s), ts == "f64") + ")";
    } catch (const std::exception&) {
    }
  }
  if (ts == "externref" && s != "null") out = "externref:" + s;
  return out;
}

// `hint` (the expected value, may be null) picks the lane shape for v128.
std::string gotText(const Value& v, const json* hint) {
  char buf[96];
  switch (v.type) {
    case ValType::I32:
      std::snprintf(buf, sizeof buf, "i32:%" PRIu32, uint32_t(v.bits));
      if (int32_t(uint32_t(v.bits)) < 0)
        std::snprintf(buf + std::strlen(buf), sizeof buf - std::strlen(buf), " (%" PRId32 ")",
                      int32_t(uint32_t(v.bits)));
      return buf;
    case ValType::I64:
      std::snprintf(buf, sizeof buf, "i64:%" PRIu64, v.bits);
      if (int64_t(v.bits) < 0)
        std::snprintf(buf + std::strlen(buf), sizeof buf - std::strlen(buf), " (%" PRId64 ")", int64_t(v.bits));
      return buf;
    case ValType::F32: return "f32:" + std::to_string(uint32_t(v.bits)) + " (" + floatText(v.bits, false) + ")";
    case ValType::F64: return "f64:" + std::to_string(v.bits) + " (" + floatText(v.bits, true) + ")";
    case ValType::V128: {
      std::string lt = "i32";
      if (hint && hint->contains("lane_type")) lt = hint->at("lane_type").get<std::string>();
      auto shape = laneShape(lt);
      if (!shape) shape = laneShape("i32");
      std::string s = std::string("v128:") + shape->name + "[";
      for (unsigned i = 0; i < shape->count; ++i) {
        if (i) s += ' ';
        s += std::to_string(getLane(v.bits, v.hi, shape->bits, i));
      }
      return s + "]";
    }
    case ValType::FuncRef:
      if (v.isNull()) return "funcref:null";
      std::snprintf(buf, sizeof buf, "funcref:%p", v.asExternRef());
      return buf;
    case ValType::ExternRef:
      if (v.isNull()) return "externref:null";
      return "externref:" + std::to_string(v.bits - 1);
    case ValType::ExnRef:
      if (v.isNull()) return "exnref:null";
      std::snprintf(buf, sizeof buf, "exnref:%p", static_cast<const void*>(v.asExnRef()));
      return buf;
  }
  return "?";
}

bool valueMatches(const json& exp, const Value& got) {
  auto t = parseValType(exp.at("type").get<std::string>());
  if (!t) throw std::runtime_error("unknown value type '" + exp.at("type").get<std::string>() + "'");
  if (got.type != *t) return false;
  if (!exp.contains("value")) {
    // (ref.func) / (ref.extern) without an index: any non-null reference.
    if (isRefType(*t)) return !got.isNull();
    return true;
  }
  switch (*t) {
    case ValType::I32: return uint32_t(parseInt(exp.at("value").get<std::string>())) == uint32_t(got.bits);
    case ValType::I64: return parseInt(exp.at("value").get<std::string>()) == got.bits;
    case ValType::F32: return floatMatches(exp.at("value").get<std::string>(), got.bits, false);
    case ValType::F64: return floatMatches(exp.at("value").get<std::string>(), got.bits, true);
    case ValType::V128: {
      auto shape = laneShape(exp.at("lane_type").get<std::string>());
      if (!shape) throw std::runtime_error("unknown lane type");
      const json& lanes = exp.at("value");
      if (!lanes.is_array() || lanes.size() != shape->count) throw std::runtime_error("bad v128 lane count");
      for (unsigned i = 0; i < shape->count; ++i) {
        uint64_t lane = getLane(got.bits, got.hi, shape->bits, i);
        std::string want = lanes[i].get<std::string>();
        if (shape->is_float) {
          if (!floatMatches(want, lane, shape->bits == 64)) return false;
        } else if ((parseInt(want) & laneMask(shape->bits)) != lane) {
          return false;
        }
      }
      return true;
    }
    case ValType::ExternRef: {
      std::string s = exp.at("value").get<std::string>();
      if (s == "null") return got.isNull();
      return got.bits == externBits(parseInt(s));
    }
    case ValType::FuncRef:
    case ValType::ExnRef: {
      std::string s = exp.at("value").get<std::string>();
      if (s == "null") return got.isNull();
      // A funcref or exnref cannot be named from outside; accept non-null.
      return !got.isNull();
    }
  }
  return false;
}

// Expected trap text vs tern's message: the expected text must be a prefix of
// the message. The reference interpreter appends the element index to
// "uninitialized element N"; tern's message without that index is accepted.
bool trapTextMatches(const std::string& expected, const std::string& got) {
  if (got.compare(0, expected.size(), expected) == 0) return true;
  if (!got.empty() && expected.size() > got.size() + 1 && expected.compare(0, got.size(), got) == 0 &&
      expected[got.size()] == ' ') {
    for (size_t i = got.size() + 1; i < expected.size(); ++i)
      if (expected[i] < '0' || expected[i] > '9') return false;
    return true;
  }
  return false;
}

// Expected error text vs tern's message, by the reference interpreter's
// rule: the message starts with the expected text (it may add detail).
// Scripts written for a newer reference interpreter (the proposals'
// exception-handling suite) expect its detail after a colon, "type
// mismatch: instruction requires [i32] but stack has []": Tern's text
// matches the part before the colon, and only that part is checked.
bool errorTextMatches(const std::string& expected, const std::string& got) {
  if (got.compare(0, expected.size(), expected) == 0) return true;
  return !got.empty() && expected.size() > got.size() + 2 && expected.compare(0, got.size(), got) == 0 &&
         expected.compare(got.size(), 2, ": ") == 0;
}

}  // namespace tern::cli::wast
