// Fuzz target: differential testing of the tiers. The input drives gen.h's
// generator in its valid mode (a module that validates by construction and
// whose behaviour the spec fixes), which then runs on the interpreter, the
// JIT and the JIT with explicit bounds checks, each metering fuel so that
// every loop and every recursion ends. Every exported function is called in
// order with arguments taken from the input, each call with the same fuel;
// after each call the tiers must agree on
//   - the results (NaNs compare equal whatever their bits: the spec lets
//     them differ; the generator keeps NaN bits from reaching anything else),
//   - the trap's kind, when the call traps (out of fuel included),
//   - every global and the whole of memory.
// A call that exhausts the call stack on some tier ends the comparison: the
// depth at which that happens is an implementation limit.
// A difference aborts with a report of the call and of every tier's view;
// FUZZ_DIFF_DUMP=FILE also writes the module there (to turn the finding into
// a tests/regression case: wasm2wat FILE).
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gen.h"
#include "tern/tern.hpp"

namespace {

using fuzzgen::Bytes;

constexpr int kTiers = 3;
const char* const kTierNames[kTiers] = {"interp", "jit", "jit-bounds-checks"};
constexpr uint64_t kFuel = 1500;

tern::Engine& engine(int tier) {
  auto make = [](tern::Tier t, bool bounds_checks) {
    tern::Config c;
    c.tier = t;
    c.bounds_checks = bounds_checks;
    c.consume_fuel = true;
    return new tern::Engine(c);
  };
  static tern::Engine* engines[kTiers] = {make(tern::Tier::Interp, false), make(tern::Tier::Jit, false),
                                          make(tern::Tier::Jit, true)};
  return *engines[tier];
}

std::string show(const tern::Value& v) {
  char buf[64];
  switch (v.type) {
    case tern::ValType::I32: std::snprintf(buf, sizeof buf, "i32:%u", uint32_t(v.bits)); break;
    case tern::ValType::I64: std::snprintf(buf, sizeof buf, "i64:%llu", (unsigned long long)v.bits); break;
    case tern::ValType::F32: {
      float f;
      uint32_t b = uint32_t(v.bits);
      std::memcpy(&f, &b, 4);
      if (std::isnan(f)) return "f32:nan";
      std::snprintf(buf, sizeof buf, "f32:%08x", b);
      break;
    }
    case tern::ValType::F64: {
      double d;
      std::memcpy(&d, &v.bits, 8);
      if (std::isnan(d)) return "f64:nan";
      std::snprintf(buf, sizeof buf, "f64:%016llx", (unsigned long long)v.bits);
      break;
    }
    default: std::snprintf(buf, sizeof buf, "type %d", int(v.type)); break;
  }
  return buf;
}

tern::Value argument(FuzzedDataProvider& in, uint8_t type) {
  bool small = in.ConsumeBool();
  switch (type) {
    case fuzzgen::I32:
      return tern::Value::i32(small ? in.ConsumeIntegralInRange<int32_t>(-4, 64) : in.ConsumeIntegral<int32_t>());
    case fuzzgen::I64:
      return tern::Value::i64(small ? in.ConsumeIntegralInRange<int64_t>(-4, 64) : in.ConsumeIntegral<int64_t>());
    case fuzzgen::F32:
      return small ? tern::Value::f32(float(in.ConsumeIntegralInRange<int>(-4, 64)))
                   : tern::Value::f32Bits(in.ConsumeIntegral<uint32_t>());
    default:
      return small ? tern::Value::f64(in.ConsumeIntegralInRange<int>(-4, 64))
                   : tern::Value::f64Bits(in.ConsumeIntegral<uint64_t>());
  }
}

struct TierRun {
  std::unique_ptr<tern::Store> store;
  tern::Instance* inst = nullptr;
  std::string outcome;  // of the last step
  std::vector<uint8_t> memory;
};

[[noreturn]] void disagree(const Bytes& module, const std::string& step, const TierRun* runs, const std::string& what) {
  std::fprintf(stderr, "fuzz_diff: the tiers disagree after %s: %s\n", step.c_str(), what.c_str());
  for (int t = 0; t < kTiers; ++t) std::fprintf(stderr, "  %-18s %s\n", kTierNames[t], runs[t].outcome.c_str());
  if (const char* path = std::getenv("FUZZ_DIFF_DUMP")) {
    if (FILE* f = std::fopen(path, "wb")) {
      std::fwrite(module.data(), 1, module.size(), f);
      std::fclose(f);
      std::fprintf(stderr, "fuzz_diff: module written to %s\n", path);
    }
  }
  std::abort();
}

// Globals and memory of one tier, after a step.
std::string state(const fuzzgen::Shape& shape, TierRun& run) {
  std::string s;
  for (size_t g = 0; g < shape.globals.size(); ++g)
    s += " g" + std::to_string(g) + "=" + show(run.inst->getGlobal("g" + std::to_string(g))->get());
  if (shape.memory) {
    tern::Memory* m = run.inst->getMemory("mem");
    run.memory.assign(m->data(), m->data() + m->size());
    s += " pages=" + std::to_string(m->pages());
  }
  return s;
}

void compareMemory(const Bytes& module, const std::string& step, TierRun* runs) {
  for (int t = 1; t < kTiers; ++t) {
    if (runs[t].memory == runs[0].memory) continue;
    size_t at = 0;
    while (at < runs[0].memory.size() && at < runs[t].memory.size() && runs[0].memory[at] == runs[t].memory[at]) ++at;
    disagree(module, step, runs, "memory differs from byte " + std::to_string(at) + " on " + kTierNames[t]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  fuzzgen::Generator gen(in, fuzzgen::Mode::Valid);
  fuzzgen::Shape shape;
  Bytes module = gen.module(shape);
  if (auto err = tern::Module::validate(module)) {
    std::fprintf(stderr, "fuzz_diff: a generated module does not validate: %s\n", err->toString().c_str());
    TierRun none[kTiers];
    disagree(module, "generation", none, "invalid module (a generator or validator bug)");
  }
  std::vector<std::vector<tern::Value>> args;
  for (uint32_t type : shape.funcs) {
    args.emplace_back();
    for (uint8_t p : shape.sigs[type].params) args.back().push_back(argument(in, p));
  }

  TierRun runs[kTiers];
  for (int t = 0; t < kTiers; ++t) {
    auto m = tern::Module::compile(engine(t), module);
    if (!m)
      disagree(module, "compilation", runs,
               std::string("compile fails on ") + kTierNames[t] + ": " + m.error().toString());
    runs[t].store = std::make_unique<tern::Store>(engine(t));
    runs[t].store->setFuel(kFuel);
    auto inst = tern::Linker().instantiate(*runs[t].store, m.value());
    if (!inst)
      disagree(module, "instantiation", runs,
               std::string("instantiation fails on ") + kTierNames[t] + ": " + inst.error().toString());
    runs[t].inst = inst.value();
  }

  for (size_t i = 0; i < shape.funcs.size(); ++i) {
    std::string step = "f" + std::to_string(i) + "(";
    for (size_t a = 0; a < args[i].size(); ++a) step += (a ? ", " : "") + show(args[i][a]);
    step += ")";
    bool exhausted = false;
    for (int t = 0; t < kTiers; ++t) {
      TierRun& run = runs[t];
      run.store->setFuel(kFuel);
      auto r = run.inst->getFunc("f" + std::to_string(i))->call(args[i]);
      if (r) {
        run.outcome = "returns";
        for (const tern::Value& v : r.value()) run.outcome += " " + show(v);
      } else {
        run.outcome = std::string("traps ") + tern::trapKindName(r.error().kind);
        exhausted |= r.error().kind == tern::TrapKind::CallStackExhausted;
      }
      run.outcome += ";" + state(shape, run);
    }
    if (exhausted) return 0;  // inconclusive from here on
    for (int t = 1; t < kTiers; ++t)
      if (runs[t].outcome != runs[0].outcome)
        disagree(module, step, runs, std::string("results, trap or globals differ on ") + kTierNames[t]);
    compareMemory(module, step, runs);
  }
  return 0;
}
