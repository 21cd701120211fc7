// Regression runner: one module, the expected outcome of calls to its
// exports, checked on every tier.
//
//   regress_runner FILE.wasm FILE.wat
//
// The expectations are comment lines of FILE.wat, checked in order on a
// fresh instance per tier (interp, jit, jit with explicit bounds checks;
// default Config otherwise). The module may not import anything:
//
//   ;; expect: NAME(ARGS) -> RESULTS
//   ;; expect: NAME(ARGS) -> trap MESSAGE
//   ;; expect-compile: ok
//
// ARGS and RESULTS are space-separated typed values: i32:-5, i64:0x10,
// f32:1.5, f64:-0.25, f32:nan (any NaN), f32:bits:0x7fc00000 (exact bits),
// funcref:null, externref:null. MESSAGE is the trap's message (the spec's
// text, e.g. "integer divide by zero"). Exit status 0 when every tier meets
// every expectation, 1 otherwise (each failure printed), 2 on a usage or
// I/O error.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tern/tern.hpp"

using namespace tern;

namespace {

struct Expectation {
  int line = 0;
  std::string func;
  std::vector<std::string> args;
  bool trap = false;
  std::string trap_message;
  std::vector<std::string> results;
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

[[noreturn]] void fatal(const std::string& msg) {
  std::fprintf(stderr, "regress_runner: %s\n", msg.c_str());
  std::exit(2);
}

// "i32:5" -> Value. Floats in decimal or hex (strtod), or bits:0x....
bool parseValue(const std::string& s, Value* out) {
  size_t colon = s.find(':');
  if (colon == std::string::npos) return false;
  std::string t = s.substr(0, colon), v = s.substr(colon + 1);
  char* end = nullptr;
  if (t == "i32") *out = Value::i32(int32_t(uint32_t(std::strtoll(v.c_str(), &end, 0))));
  else if (t == "i64") {
    if (!v.empty() && v[0] == '-') *out = Value::i64(std::strtoll(v.c_str(), &end, 0));
    else *out = Value::i64(int64_t(std::strtoull(v.c_str(), &end, 0)));
  } else if (t == "f32" && v.rfind("bits:", 0) == 0)
    *out = Value::f32Bits(uint32_t(std::strtoul(v.c_str() + 5, &end, 0)));
  else if (t == "f64" && v.rfind("bits:", 0) == 0) *out = Value::f64Bits(std::strtoull(v.c_str() + 5, &end, 0));
  else if (t == "f32") *out = Value::f32(std::strtof(v.c_str(), &end));
  else if (t == "f64") *out = Value::f64(std::strtod(v.c_str(), &end));
  else if ((t == "funcref" || t == "externref") && v == "null") {
    *out = Value::nullRef(t == "funcref" ? ValType::FuncRef : ValType::ExternRef);
    return true;
  } else return false;
  return end && *end == 0;
}

std::string show(const Value& v) {
  char buf[96];
  switch (v.type) {
    case ValType::I32: std::snprintf(buf, sizeof buf, "i32:%" PRId32, v.asI32()); break;
    case ValType::I64: std::snprintf(buf, sizeof buf, "i64:%" PRId64, v.asI64()); break;
    case ValType::F32:
      std::snprintf(buf, sizeof buf, "f32:%.9g (bits:0x%08" PRIx32 ")", double(v.asF32()), v.asF32Bits());
      break;
    case ValType::F64:
      std::snprintf(buf, sizeof buf, "f64:%.17g (bits:0x%016" PRIx64 ")", v.asF64(), v.asF64Bits());
      break;
    case ValType::FuncRef: return v.isNull() ? "funcref:null" : "funcref:non-null";
    case ValType::ExternRef: return v.isNull() ? "externref:null" : "externref:non-null";
    default: return v.toString();
  }
  return buf;
}

// Does `got` match the expected text?
bool matches(const std::string& want, const Value& got) {
  if (want == "f32:nan") return got.type == ValType::F32 && std::isnan(got.asF32());
  if (want == "f64:nan") return got.type == ValType::F64 && std::isnan(got.asF64());
  if (want == "funcref:non-null") return got.type == ValType::FuncRef && !got.isNull();
  Value w;
  if (!parseValue(want, &w)) fatal("bad expected value " + want);
  return w.type == got.type && w.bits == got.bits;
}

std::vector<Expectation> readExpectations(const char* wat_path, bool* expect_compile) {
  std::ifstream in(wat_path);
  if (!in) fatal(std::string("cannot read ") + wat_path);
  std::vector<Expectation> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::string t = trim(line);
    if (t.rfind(";; expect-compile:", 0) == 0) {
      *expect_compile = trim(t.substr(18)) == "ok";
      continue;
    }
    if (t.rfind(";; expect:", 0) != 0) continue;
    std::string body = trim(t.substr(10));
    size_t open = body.find('('), close = body.find(')'), arrow = body.find("->");
    if (open == std::string::npos || close == std::string::npos || arrow == std::string::npos || close < open ||
        arrow < close)
      fatal(std::string(wat_path) + ":" + std::to_string(n) + ": cannot parse expectation");
    Expectation e;
    e.line = n;
    e.func = trim(body.substr(0, open));
    e.args = words(body.substr(open + 1, close - open - 1));
    std::string rhs = trim(body.substr(arrow + 2));
    if (rhs.rfind("trap", 0) == 0) {
      e.trap = true;
      e.trap_message = trim(rhs.substr(4));
    } else if (rhs != "()") {
      e.results = words(rhs);
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: regress_runner FILE.wasm FILE.wat\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) fatal(std::string("cannot read ") + argv[1]);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  bool expect_compile = true;
  std::vector<Expectation> expects = readExpectations(argv[2], &expect_compile);
  if (expects.empty() && expect_compile) fatal(std::string(argv[2]) + ": no ';; expect:' lines");

  struct TierSpec {
    const char* name;
    Tier tier;
    bool bounds_checks;
  };
  const TierSpec tiers[] = {{"interp", Tier::Interp, false}, {"jit", Tier::Jit, false}, {"jit-bc", Tier::Jit, true}};
  int failures = 0, checks = 0;
  for (const TierSpec& ts : tiers) {
    Config cfg;
    cfg.tier = ts.tier;
    cfg.bounds_checks = ts.bounds_checks;
    Engine engine(cfg);
    auto m = Module::compile(engine, bytes);
    if (!m) {
      if (expect_compile) {
        std::printf("FAIL [%s] compile: %s\n", ts.name, m.error().toString().c_str());
        ++failures;
      }
      continue;
    }
    Store store(engine);
    Linker linker;
    auto inst = linker.instantiate(store, m.value());
    if (!inst) {
      std::printf("FAIL [%s] instantiate: %s\n", ts.name, inst.error().toString().c_str());
      ++failures;
      continue;
    }
    for (const Expectation& e : expects) {
      ++checks;
      Func* f = (*inst)->getFunc(e.func);
      if (!f) fatal(std::string(argv[2]) + ":" + std::to_string(e.line) + ": no exported function " + e.func);
      std::vector<Value> args;
      for (const std::string& a : e.args) {
        Value v;
        if (!parseValue(a, &v)) fatal("bad argument " + a);
        args.push_back(v);
      }
      auto r = f->call(args);
      std::string where = std::string("[") + ts.name + "] line " + std::to_string(e.line) + " " + e.func + ": ";
      if (!r) {
        const Trap& t = r.error();
        if (!e.trap || t.message != e.trap_message) {
          std::printf("FAIL %sexpected %s, got trap \"%s\"\n", where.c_str(),
                      e.trap ? ("trap \"" + e.trap_message + "\"").c_str() : "results", t.message.c_str());
          ++failures;
        }
        continue;
      }
      std::string got;
      for (const Value& v : r.value()) {
        if (!got.empty()) got += ' ';
        got += show(v);
      }
      if (got.empty()) got = "()";
      bool ok = !e.trap && r.value().size() == e.results.size();
      for (size_t i = 0; ok && i < e.results.size(); ++i) ok = matches(e.results[i], r.value()[i]);
      if (!ok) {
        std::string want;
        for (const std::string& w : e.results) {
          if (!want.empty()) want += ' ';
          want += w;
        }
        if (e.trap) want = "trap \"" + e.trap_message + "\"";
        if (want.empty()) want = "()";
        std::printf("FAIL %sexpected %s, got %s\n", where.c_str(), want.c_str(), got.c_str());
        ++failures;
      }
    }
  }
  std::printf("%s: %d checks on 3 tiers, %d failures\n", argv[2], checks, failures);
  return failures ? 1 : 0;
}
