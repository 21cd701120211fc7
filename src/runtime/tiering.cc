// The tier policy (see tiering.h).
#include "runtime/tiering.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "base/errors.h"
#include "decode/scan.h"
#include "interp/lower.h"
#include "jit/jit.h"

namespace tern {

jit::Options jitOptions(const Config& config) {
  jit::Options o;
  // Guard pages cover an access only when the reservation spans every
  // 32-bit address; otherwise every access is checked.
  o.bounds_checks = config.bounds_checks || config.memory_reservation < (uint64_t(4) << 30);
  o.guard_bytes = config.guard_bytes;
  o.epoch = config.epoch_interruption;
  o.fuel = config.consume_fuel;
  o.perf_map = config.perf_map;
  return o;
}

#ifndef TERN_MINIMAL
namespace {

// TERN_JIT_FUNCS, the bisecting aid: only the functions it lists get the JIT,
// everything else is interpreted, so a wrong result can be narrowed to one
// function by halving the list (tests/jit/jit_bisect.py does it). The value
// is comma-separated function indices (as in wasm-function[N], imports
// counted) and ranges A-B (inclusive); a leading '!' means "all but these".
// Unset or empty: no restriction.
struct JitFuncFilter {
  bool active = false, negate = false;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;

  static bool number(const char*& p, uint32_t* out) {
    if (*p < '0' || *p > '9') return false;
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
      v = v * 10 + uint64_t(*p++ - '0');
      if (v > 0xffffffffu) return false;
    }
    *out = uint32_t(v);
    return true;
  }
  explicit JitFuncFilter(const char* spec) {
    if (!spec || !*spec) return;
    const char* p = spec;
    if (*p == '!') {
      negate = true;
      ++p;
    }
    for (;;) {
      uint32_t lo, hi;
      if (!number(p, &lo)) break;
      hi = lo;
      if (*p == '-' && !(++p, number(p, &hi))) break;
      if (hi < lo) break;
      ranges.push_back({lo, hi});
      if (*p == 0) {
        active = true;
        return;
      }
      if (*p++ != ',') break;
    }
    std::fprintf(stderr, "tern: ignoring TERN_JIT_FUNCS='%s': expected indices and ranges like 3,10-20 or !3\n", spec);
    ranges.clear();
  }
  bool allows(uint32_t func_index) const {
    if (!active) return true;
    bool listed = false;
    for (auto [lo, hi] : ranges)
      if (func_index >= lo && func_index <= hi) listed = true;
    return listed != negate;
  }
};

const JitFuncFilter& jitFuncFilter() {
  static const JitFuncFilter filter(std::getenv("TERN_JIT_FUNCS"));
  return filter;
}

// The jit_failure of a body that TERN_JIT_FUNCS left to the interpreter.
const char* const kJitExcluded = "excluded by TERN_JIT_FUNCS";

// TERN_JIT_STATS: which functions the JIT left to the interpreter, and why.
void printJitStats(const ModuleData& m) {
  size_t n = 0, excluded = 0;
  for (size_t i = 0; i < m.bodies.size(); ++i) {
    const FuncBody& b = m.bodies[i];
    if (b.jit_failure.empty()) continue;
    ++n;
    if (b.jit_failure == kJitExcluded) {
      ++excluded;
      continue;
    }
    uint32_t fi = uint32_t(i + m.num_imported_funcs);
    std::fprintf(stderr, "jit: interpreted: func[%u] %s: %s\n", fi, m.funcName(fi).c_str(), b.jit_failure.c_str());
  }
  if (excluded) std::fprintf(stderr, "jit: %zu functions interpreted by TERN_JIT_FUNCS\n", excluded);
  std::fprintf(stderr, "jit: %zu of %zu functions compiled\n", m.bodies.size() - n, m.bodies.size());
}

}  // namespace

Tiering::Tiering(const Config& config) : epoch_(config.epoch_interruption), fuel_(config.consume_fuel) {
  if (config.tier == Tier::Interp || !jit::available()) return;
  jit_ = std::make_unique<jit::ModuleBuilder>(jitOptions(config));
}

Tiering::Tiering(const Config& config, std::shared_ptr<jit::JitModule> precompiled)
    : epoch_(config.epoch_interruption), fuel_(config.consume_fuel), precompiled_(std::move(precompiled)) {}

Tiering::~Tiering() = default;

bool Tiering::onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err) {
  if (precompiled_) {
    // Validated when it was compiled: its code is all it needs.
    if (!precompiled_->compiled(func_index)) return interpret(m, func_index, r, body, err);
    body.tier = FuncTier::Jit;
    return true;
  }
  if (!jit_) return interpret(m, func_index, r, body, err);
  if (!jitFuncFilter().allows(func_index)) {
    body.jit_failure = kJitExcluded;
    return interpret(m, func_index, r, body, err);
  }
  // The JIT alone first; only a body it leaves to the interpreter is
  // decoded a second time, into the interpreter's form.
  Reader start = r;
  jit::FunctionCompiler jc(m, *jit_, func_index);
  FunctionDecoder<jit::FunctionCompiler> dec(m, func_index, jc);
  if (!dec.decode(r, &body.locals)) {
    err = dec.error();
    return false;
  }
  if (!jc.failed()) {
    body.tier = FuncTier::Jit;  // machine code only: body.code stays null
    return true;
  }
  body.jit_failure = jc.failure();
  body.locals.clear();
  return interpret(m, func_index, start, body, err);
}

#else
// A minimal build has the interpreter only: no JIT visitor is instantiated
// (FunctionDecoder<jit::FunctionCompiler> alone is some 40 KB of code).
Tiering::Tiering(const Config& config) : epoch_(config.epoch_interruption), fuel_(config.consume_fuel) {}
Tiering::Tiering(const Config& config, std::shared_ptr<jit::JitModule>) : Tiering(config) {}
Tiering::~Tiering() = default;
bool Tiering::onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err) {
  return interpret(m, func_index, r, body, err);
}
bool Tiering::finish(ModuleData&, DecodeError&) { return true; }
#endif  // TERN_MINIMAL

#ifdef TERN_NO_SIMD
namespace {

// Whether a validated body (r at its local declarations) has a v128
// instruction (prefix 0xFD).
bool hasSimdInstruction(Reader r) {
  uint32_t groups, n;
  uint8_t t;
  if (!r.u32(&groups)) return false;
  for (uint32_t g = 0; g < groups; ++g)
    if (!r.u32(&n) || !r.u8(&t)) return false;
  while (!r.atEnd()) {
    Opcode op;
    uint32_t index;
    if (!scanInstruction(r, &op, &index)) return false;
    if (opInfo(op).prefix == 0xfd) return true;
  }
  return false;
}

}  // namespace
#endif

bool Tiering::interpret(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err) {
#ifdef TERN_NO_SIMD
  const Reader start = r;
#endif
  if (!interp::compileBody(m, func_index, r, body, err, {epoch_, fuel_})) return false;
#ifdef TERN_NO_SIMD
  // Validated like any other, but the interpreter of a build without SIMD
  // has no v128 handlers: the module does not compile (Unsupported, as
  // runtime.cc's finishModule says for any body without a tier).
  if (hasSimdInstruction(start)) {
    body.code.reset();
    body.unsupported = "SIMD (v128) is not in this build of Tern (-Dsimd=false)";
  }
#endif
  body.tier = body.code ? FuncTier::Interp : FuncTier::None;
  return true;
}

#ifndef TERN_MINIMAL
bool Tiering::finish(ModuleData& m, DecodeError& err) {
  if (precompiled_) {
    m.jit = std::move(precompiled_);
    return true;
  }
  if (!jit_) return true;
  m.jit = jit_->finish(m);
  if (!m.jit) {
    for (const FuncBody& b : m.bodies) {
      if (b.tier == FuncTier::Jit) {
        err = makeError(ErrorCode::NoExecutableMemory, err.offset);
        return false;
      }
    }
  }
  if (std::getenv("TERN_JIT_STATS")) printJitStats(m);
  return true;
}

#endif  // TERN_MINIMAL

}  // namespace tern
