// Differential runner: runs one module on every tier and compares what the
// guest can observe.
//
//   diff_runner [options] FILE.wasm
//
// Each tier (interp; jit with guard pages; jit with explicit bounds checks)
// gets its own Engine and Store. Every import is satisfied by a dummy of the
// right type: functions record their arguments in the tier's transcript and
// return zeros; memories, tables and globals are fresh and zeroed/null. The
// tiers then run in lockstep: each exported function, in export order, is
// called on every tier (first with zero arguments, then once more with
// simple non-zero ones), and after each call the transcripts are compared:
//   - results (f32/f64 NaNs compare as "NaN": the spec lets NaN payloads and
//     signs differ; the bits are still printed),
//   - traps (kind and message) and their backtraces,
//   - the fuel the call used (Config::consume_fuel; both tiers charge one
//     unit per function entry and loop header),
//   - the calls the guest made to imported functions, with their arguments,
//   - then the instance's state: every global (internal ones too), the size
//     and a hash of every memory, and the contents of every table (as
//     function indices). Globals holding a NaN compare as "NaN"; memories
//     that differ only in bytes that are NaNs on both sides (some 4- or
//     8-byte window covering each differing byte is a NaN on both) count as
//     equal and are made equal, since the spec lets the NaNs operators
//     produce differ in payload and sign.
// Tiers: interp, jit, jit-bc (explicit bounds checks), each metering fuel;
// and jit-nofuel, jit-bc-nofuel, which do not. Metering changes the JIT's
// code: the fuel check at every loop header spills registers and forgets the
// locals cached in them, so loop heads always start with an empty cache, and
// bugs in how loops keep locals in registers cannot show on metered tiers.
// Programs run without fuel, so the unmetered tiers are the ones that run
// what they run; their "fuel used" line is not compared. When the reference
// tier (the first) runs out of fuel in a call, the unmetered tiers skip that
// call (it might not end) and the run is inconclusive from there on.
// If "hangLimitInitializer" is exported (wasm-opt -ttf modules), it is
// called before every other call so that binaryen's hang limit starts fresh;
// --hang-limit N then sets the limit to N instead of binaryen's 10.
//
// A call that exhausts the call stack on some tier ends the comparison as
// "inconclusive" when the tiers differ from then on: the depth at which the
// stack runs out is an implementation limit, and the tiers' limits differ.
// With --fuel-inconclusive the same holds for running out of fuel.
//
// Output: the transcript of every tier (unless -q), then one line
//   RESULT agree|DISAGREE|inconclusive calls=N traps=N host_calls=N jit_funcs=C/T
// Exit status: 0 the tiers agree (or the run is inconclusive), 1 they
// disagree (the first difference is printed with both sides), 2 usage or
// I/O error.
#include <bit>
#include <cinttypes>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "module/module.h"
#include "runtime/objects.h"
#include "tern/tern.hpp"

using namespace tern;

namespace {

// One line of a transcript: `key` is compared between tiers, `text` is
// printed (it may carry details the comparison ignores, such as NaN bits).
struct Line {
  std::string key, text;
  bool show = true;  // false: state that did not change since the last call
  bool any = false;  // matches any line (the fuel an unmetered tier "used")
};

std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

// A value as (key, text). NaNs: key "f32:NaN", text with the bits.
struct Shown {
  std::string key, text;
};

struct TierRun;
Shown showValue(const Value& v, const TierRun* t);

uint64_t fnv1a(const uint8_t* p, uint64_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  // Eight bytes at a time: the same quality of mixing is not needed here,
  // only that equal memories hash equal and different ones almost never do.
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

struct TierSpec {
  std::string name;
  Config config;
};

// Everything one tier owns. The engine outlives the store.
struct TierRun {
  std::string name;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Store> store;
  std::shared_ptr<Module> module;
  ModuleInst* inst = nullptr;
  std::vector<Line> transcript;  // everything so far
  std::vector<Line> step;        // the current step, compared then appended
  uint64_t host_calls = 0;
  std::map<std::string, std::string> last_state;  // state line prefix -> last text

  // A line of state (global values, a memory's hash, a table): always
  // compared, printed in the transcript only when it changed.
  void addState(const std::string& prefix, std::string key, std::string text) {
    bool changed = last_state[prefix] != text;
    last_state[prefix] = text;
    step.push_back({std::move(key), std::move(text), changed});
  }

  void add(std::string key, std::string text = {}) {
    if (text.empty()) text = key;
    step.push_back({std::move(key), std::move(text)});
  }
  void flush() {
    for (Line& l : step) transcript.push_back(std::move(l));
    step.clear();
  }
  // The index of a function of this instance, for printing references.
  std::string funcRef(const Func* f) const {
    if (inst)
      for (size_t i = 0; i < inst->funcs_.size(); ++i)
        if (inst->funcs_[i] == f) return fmt("funcref:%zu", i);
    return "funcref:<foreign>";
  }
};

Shown showValue(const Value& v, const TierRun* t) {
  switch (v.type) {
    case ValType::I32: {
      std::string s = fmt("i32:%" PRId32, v.asI32());
      return {s, s};
    }
    case ValType::I64: {
      std::string s = fmt("i64:%" PRId64, v.asI64());
      return {s, s};
    }
    case ValType::F32: {
      uint32_t b = v.asF32Bits();
      if (std::isnan(v.asF32())) return {"f32:NaN", fmt("f32:NaN(0x%08" PRIx32 ")", b)};
      return {fmt("f32:0x%08" PRIx32, b), fmt("f32:%.9g(0x%08" PRIx32 ")", double(v.asF32()), b)};
    }
    case ValType::F64: {
      uint64_t b = v.asF64Bits();
      if (std::isnan(v.asF64())) return {"f64:NaN", fmt("f64:NaN(0x%016" PRIx64 ")", b)};
      return {fmt("f64:0x%016" PRIx64, b), fmt("f64:%.17g(0x%016" PRIx64 ")", v.asF64(), b)};
    }
    case ValType::V128: {
      // The key compares lane by lane, and a lane that is a NaN on both
      // sides matches whatever its payload (as memory does, see syncNaNs):
      // each 64-bit half that is an f64 NaN reads "NaN64", else each 32-bit
      // word that is an f32 NaN reads "NaN32".
      std::string text = fmt("v128:0x%016" PRIx64 "%016" PRIx64, v.hi, v.bits), key = "v128:";
      for (uint64_t half : {v.hi, v.bits}) {
        if (std::isnan(std::bit_cast<double>(half))) {
          key += "[NaN64]";
          continue;
        }
        for (uint32_t word : {uint32_t(half >> 32), uint32_t(half)}) {
          if (std::isnan(std::bit_cast<float>(word))) key += "[NaN32]";
          else key += fmt("%08" PRIx32, word);
        }
      }
      return {key, text};
    }
    case ValType::FuncRef: {
      std::string s = v.isNull() ? std::string("funcref:null") : t->funcRef(v.asFuncRef());
      return {s, s};
    }
    case ValType::ExternRef: {
      std::string s = v.isNull() ? "externref:null" : "externref:non-null";
      return {s, s};
    }
  }
  return {"?", "?"};
}

Shown showValues(std::span<const Value> vs, const TierRun* t) {
  Shown r;
  for (size_t i = 0; i < vs.size(); ++i) {
    Shown s = showValue(vs[i], t);
    if (i) {
      r.key += ' ';
      r.text += ' ';
    }
    r.key += s.key;
    r.text += s.text;
  }
  if (vs.empty()) r.key = r.text = "()";
  return r;
}

// Arguments for a call: all zero in round 0; in round 1 simple non-zero
// values that vary with the parameter position (no NaNs: a NaN argument
// could legitimately come back with another payload).
std::vector<Value> makeArgs(const FuncType& ft, int round, size_t salt) {
  static const int32_t i32s[] = {1, -1, 0x7fffffff, INT32_MIN, 255, 65536, 7};
  static const int64_t i64s[] = {1, -1, INT64_MAX, INT64_MIN, 4294967296ll, 65535, 7};
  static const float f32s[] = {1.5f, -0.0f, 1e30f, -3.25f, INFINITY, 0.1f, 65536.0f};
  static const double f64s[] = {1.5, -0.0, 1e300, -3.25, -INFINITY, 0.1, 4294967296.0};
  constexpr size_t n = 7;
  std::vector<Value> args;
  for (size_t i = 0; i < ft.params.size(); ++i) {
    ValType t = ft.params[i];
    if (round == 0 || isRefType(t)) {
      args.push_back(Value::zero(t));
      continue;
    }
    size_t k = (i + salt) % n;
    switch (t) {
      case ValType::I32: args.push_back(Value::i32(i32s[k])); break;
      case ValType::I64: args.push_back(Value::i64(i64s[k])); break;
      case ValType::F32: args.push_back(Value::f32(f32s[k])); break;
      case ValType::F64: args.push_back(Value::f64(f64s[k])); break;
      case ValType::V128: {
        // Lanes at every shape's edges (i8 0x80 and 0x7f, i16 0x8000, f32 -0,
        // 1.5 and FLT_MAX, f64 2.5 and -2^31), and no NaN, as above.
        static const V128 v128s[] = {{0x807f01ff80007fffull, 0x3fc0000080000000ull},
                                     {0x7f7fffff80000001ull, 0x0000000100000002ull},
                                     {0x4004000000000000ull, 0xc1e0000000000000ull}};
        args.push_back(Value::v128(v128s[k % 3]));
        break;
      }
      default: args.push_back(Value::zero(t)); break;
    }
  }
  return args;
}

// Fresh imports of the right types. Functions log their arguments into the
// tier's current step and return zeros.
std::vector<Extern> makeImports(TierRun& t) {
  std::vector<Extern> out;
  for (const ImportInfo& imp : t.module->imports()) {
    const ExternType& ty = imp.type;
    switch (ty.kind) {
      case ExternKind::Func: {
        std::string label = imp.module + "." + imp.name;
        FuncType ft = ty.func;
        TierRun* tp = &t;
        Func* f = t.store->createHostFunc(
            ft,
            [tp, label, ft](Caller&, std::span<const Value> args, std::span<Value> results) -> std::optional<Trap> {
              Shown s = showValues(args, tp);
              tp->add("  host " + label + " " + s.key, "  host " + label + " " + s.text);
              tp->host_calls++;
              for (size_t i = 0; i < results.size(); ++i) results[i] = Value::zero(ft.results[i]);
              return std::nullopt;
            },
            label);
        out.push_back(Extern(f));
        break;
      }
      case ExternKind::Memory: {
        auto m = t.store->createMemory(ty.memory);
        if (!m) {
          std::fprintf(stderr, "diff_runner: %s: cannot create imported memory %s.%s: %s\n", t.name.c_str(),
                       imp.module.c_str(), imp.name.c_str(), m.error().toString().c_str());
          std::exit(2);
        }
        out.push_back(Extern(*m));
        break;
      }
      case ExternKind::Table:
        out.push_back(Extern(t.store->createTable(ty.table, Value::nullRef(ty.table.elem))));
        break;
      case ExternKind::Global:
        out.push_back(Extern(t.store->createGlobal(ty.global, Value::zero(ty.global.type))));
        break;
      case ExternKind::Tag: out.push_back(Extern(t.store->createTag(ty.func, imp.module + "." + imp.name))); break;
    }
  }
  return out;
}

// The instance's state after a call, as lines of the current step.
void recordState(TierRun& t) {
  ModuleInst* inst = t.inst;
  std::map<const void*, std::string> exported;
  for (const ExportInfo& e : t.module->exports())
    if (auto x = inst->getExport(e.name)) exported[x->ptr] = e.name;
  for (size_t i = 0; i < inst->globals_.size(); ++i) {
    Shown s = showValue(inst->globals_[i]->get(), &t);
    std::string name = fmt("  global %zu", i);
    auto it = exported.find(inst->globals_[i]);
    if (it != exported.end()) name += " (\"" + it->second + "\")";
    t.addState(fmt("global %zu", i), name + " = " + s.key, name + " = " + s.text);
  }
  for (size_t i = 0; i < inst->memories_.size(); ++i) {
    Memory* m = inst->memories_[i];
    std::string s = fmt("  memory %zu: %" PRIu64 " pages, hash %016" PRIx64, i, m->pages(),
                        fnv1a(m->data(), m->size()));
    t.addState(fmt("memory %zu", i), s, s);
  }
  for (size_t i = 0; i < inst->tables_.size(); ++i) {
    Table* tab = inst->tables_[i];
    std::string s = fmt("  table %zu: %u [", i, tab->size());
    for (uint32_t j = 0; j < tab->size(); ++j) {
      if (j) s += ' ';
      auto v = tab->get(j);
      if (!v) s += "?";
      else if (v->isNull()) s += "null";
      else if (v->type == ValType::FuncRef) s += t.funcRef(v->asFuncRef()).substr(8);
      else s += "extern";
    }
    s += "]";
    t.addState(fmt("table %zu", i), s, s);
  }
}

// The global binaryen's hang limit lives in: -ttf modules export
// "hangLimitInitializer", whose whole body is `i32.const 10; global.set G`.
std::optional<uint32_t> hangLimitGlobal(const Module& m, std::span<const uint8_t> bytes) {
  const ModuleData& d = moduleData(m);
  for (const Export& e : d.exports) {
    if (e.name != "hangLimitInitializer" || e.kind != ExternKind::Func || e.index < d.num_imported_funcs) continue;
    const FuncBody& b = d.bodies[e.index - d.num_imported_funcs];
    if (b.offset + b.size > bytes.size()) return std::nullopt;
    const uint8_t* p = bytes.data() + b.offset;
    // Some encoders include the body's size prefix in [offset, offset+size).
    for (size_t start = 0; start + 5 <= b.size && start < 6; ++start) {
      const uint8_t* q = p + start;
      size_t n = b.size - start;
      if (q[0] != 0x00 || q[1] != 0x41 || q[3] != 0x24) continue;
      uint32_t idx = 0, shift = 0;
      size_t i = 4;
      while (i < n && shift < 35) {
        idx |= uint32_t(q[i] & 0x7f) << shift;
        shift += 7;
        if (!(q[i++] & 0x80)) break;
      }
      if (i < n && q[i] == 0x0b && idx < d.globals.size()) return idx;
    }
  }
  return std::nullopt;
}

std::vector<uint8_t> readFile(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "diff_runner: cannot read %s\n", path);
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void usage() {
  std::fprintf(stderr,
               "usage: diff_runner [-q] [--fuel N] [--tiers interp,jit,jit-bc[,jit-nofuel,jit-bc-nofuel]]\n"
               "                   [--no-backtrace]\n"
               "                   [--fuel-inconclusive] [--rounds 1|2] [--hang-limit N] [-W FEATURES] FILE.wasm\n");
  std::exit(2);
}

// Where memory i differs between two tiers: the first few differing
// 16-byte rows, side by side, to tell a real difference from a NaN payload.
void printMemoryDiff(const TierRun& a, const TierRun& b) {
  for (size_t i = 0; i < a.inst->memories_.size() && i < b.inst->memories_.size(); ++i) {
    Memory* ma = a.inst->memories_[i];
    Memory* mb = b.inst->memories_[i];
    uint64_t n = std::min(ma->size(), mb->size());
    int shown = 0;
    for (uint64_t row = 0; row < n && shown < 8; row += 16) {
      uint64_t len = std::min<uint64_t>(16, n - row);
      if (std::memcmp(ma->data() + row, mb->data() + row, len) == 0) continue;
      ++shown;
      std::string sa, sb;
      for (uint64_t k = 0; k < len; ++k) {
        sa += fmt("%02x", ma->data()[row + k]);
        sb += fmt("%02x", mb->data()[row + k]);
        if (k % 4 == 3) sa += ' ', sb += ' ';
      }
      std::printf("    memory %zu @0x%06" PRIx64 "  %-8s %s\n", i, row, a.name.c_str(), sa.c_str());
      std::printf("    memory %zu @0x%06" PRIx64 "  %-8s %s\n", i, row, b.name.c_str(), sb.c_str());
    }
    if (ma->size() != mb->size())
      std::printf("    memory %zu sizes: %s %" PRIu64 ", %s %" PRIu64 "\n", i, a.name.c_str(), ma->size(),
                  b.name.c_str(), mb->size());
  }
}

bool isNaN32(const uint8_t* p) {
  uint32_t b;
  std::memcpy(&b, p, 4);
  return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0;
}
bool isNaN64(const uint8_t* p) {
  uint64_t b;
  std::memcpy(&b, p, 8);
  return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull) != 0;
}

// The spec lets the payload and sign of a NaN that an operator produces
// differ between executions, so two tiers may store different NaNs. When
// every byte in which `b`'s memory differs from `ref`'s lies in a 4- or
// 8-byte window that holds a NaN on both sides, the difference is allowed:
// `b`'s bytes are made equal to `ref`'s (so that later calls compare what
// matters) and the memory's state line notes it. The same for globals that
// hold a NaN on both sides.
void syncNaNs(TierRun& ref, TierRun& b) {
  if (!ref.inst || !b.inst) return;
  for (size_t i = 0; i < ref.inst->globals_.size() && i < b.inst->globals_.size(); ++i) {
    GlobalInst* gr = ref.inst->globals_[i];
    GlobalInst* gb = b.inst->globals_[i];
    if (gr->type_ != gb->type_ || gr->bits_ == gb->bits_) continue;
    bool nan = gr->type_ == ValType::F32   ? std::isnan(gr->get().asF32()) && std::isnan(gb->get().asF32())
               : gr->type_ == ValType::F64 ? std::isnan(gr->get().asF64()) && std::isnan(gb->get().asF64())
                                           : false;
    if (nan) gb->bits_ = gr->bits_;
  }
  for (size_t i = 0; i < ref.inst->memories_.size() && i < b.inst->memories_.size(); ++i) {
    Memory* mr = ref.inst->memories_[i];
    Memory* mb = b.inst->memories_[i];
    if (mr->size() != mb->size() || std::memcmp(mr->data(), mb->data(), mr->size()) == 0) continue;
    const uint8_t* pr = mr->data();
    const uint8_t* pb = mb->data();
    uint64_t n = mr->size(), differing = 0;
    bool only_nans = true;
    for (uint64_t p = 0; p < n && only_nans; ++p) {
      if (pr[p] == pb[p]) continue;
      ++differing;
      bool covered = false;
      for (uint64_t w : {4u, 8u}) {
        for (uint64_t s = p >= w - 1 ? p - (w - 1) : 0; s <= p && s + w <= n && !covered; ++s)
          covered = w == 4 ? isNaN32(pr + s) && isNaN32(pb + s) : isNaN64(pr + s) && isNaN64(pb + s);
      }
      only_nans = covered;
    }
    if (!only_nans) continue;
    std::memcpy(mb->data(), mr->data(), n);
    std::string prefix = fmt("  memory %zu:", i);
    for (Line& l : b.step) {
      if (l.key.rfind(prefix, 0) != 0) continue;
      std::string s = fmt("  memory %zu: %" PRIu64 " pages, hash %016" PRIx64, i, mb->pages(), fnv1a(pb, n));
      b.last_state[fmt("memory %zu", i)] = s;
      l.key = s;
      l.text = s + fmt(" (%" PRIu64 " bytes of NaNs differed from %s's, which the spec allows; made equal)", differing,
                       ref.name.c_str());
      l.show = true;
    }
  }
}

// The command line.
struct Options {
  bool quiet = false, backtraces = true, fuel_inconclusive = false;
  uint64_t fuel = 1000000;
  int rounds = 2;
  int64_t hang_limit = -1;  // -1: leave binaryen's own (10)
  std::string tiers_arg = "interp,jit,jit-bc";
  Features features;  // -W, as `tern run -W` (memory64 for the ttf-mem64 kind)
  const char* path = nullptr;
};

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-q") o.quiet = true;
    else if (a == "--no-backtrace") o.backtraces = false;
    else if (a == "--fuel-inconclusive") o.fuel_inconclusive = true;
    else if (a == "--fuel" && i + 1 < argc) o.fuel = std::strtoull(argv[++i], nullptr, 0);
    else if (a == "--rounds" && i + 1 < argc) o.rounds = std::atoi(argv[++i]);
    else if (a == "--hang-limit" && i + 1 < argc) o.hang_limit = std::strtoll(argv[++i], nullptr, 0);
    else if (a == "--tiers" && i + 1 < argc) o.tiers_arg = argv[++i];
    else if (a == "-W" && i + 1 < argc) {
      if (auto e = o.features.set(argv[++i])) {
        std::fprintf(stderr, "diff_runner: -W %s\n", e->c_str());
        std::exit(2);
      }
    } else if (!a.empty() && a[0] == '-') usage();
    else if (!o.path) o.path = argv[i];
    else usage();
  }
  if (!o.path || o.rounds < 1 || o.rounds > 2) usage();
  return o;
}

// "interp,jit,..." as engine configurations; the first (the reference) is metered.
std::vector<TierSpec> parseTiers(const std::string& tiers_arg, const Features& features) {
  std::vector<TierSpec> specs;
  for (size_t p = 0; p <= tiers_arg.size();) {
    size_t q = tiers_arg.find(',', p);
    if (q == std::string::npos) q = tiers_arg.size();
    std::string n = tiers_arg.substr(p, q - p);
    p = q + 1;
    Config c;
    c.consume_fuel = true;
    c.features = features;
    if (n == "interp") c.tier = Tier::Interp;
    else if (n == "jit") c.tier = Tier::Jit;
    else if (n == "jit-bc") {
      c.tier = Tier::Jit;
      c.bounds_checks = true;
    } else if (n == "jit-nofuel") {
      c.tier = Tier::Jit;
      c.consume_fuel = false;
    } else if (n == "jit-bc-nofuel") {
      c.tier = Tier::Jit;
      c.bounds_checks = true;
      c.consume_fuel = false;
    } else usage();
    specs.push_back({n, c});
  }
  if (specs.size() < 2 || !specs[0].config.consume_fuel) usage();  // the reference is metered
  return specs;
}

using Runs = std::vector<std::unique_ptr<TierRun>>;

// Where the comparison stands, and what the run counted.
struct Outcome {
  enum Verdict { Agree, Disagree, Inconclusive } verdict = Agree;
  std::string why;
  bool tainted = false;  // a tier exhausted its stack (or fuel): limits may differ from here on
  std::string taint_reason;
  uint64_t ncalls = 0, ntraps = 0;
};

// Compares the current step of every tier with the first tier's; appends
// the steps to the transcripts. Returns false when the run must stop.
bool compareStep(Runs& runs, Outcome& out, const std::string& what) {
  TierRun& ref = *runs[0];
  bool same = true;
  for (size_t k = 1; k < runs.size() && same; ++k) {
    TierRun& t = *runs[k];
    size_t n = std::max(ref.step.size(), t.step.size());
    for (size_t i = 0; i < n; ++i) {
      const Line* a = i < ref.step.size() ? &ref.step[i] : nullptr;
      const Line* b = i < t.step.size() ? &t.step[i] : nullptr;
      if (a && b && (a->key == b->key || a->any || b->any)) continue;
      same = false;
      if (out.tainted) {
        out.verdict = Outcome::Inconclusive;
        out.why = "tiers differ after " + out.taint_reason + " (implementation limits)";
      } else {
        out.verdict = Outcome::Disagree;
        out.why = what;
      }
      std::printf("%s at %s\n", out.verdict == Outcome::Disagree ? "FIRST DIFFERENCE" : "INCONCLUSIVE", what.c_str());
      std::printf("  %-8s | %s\n", ref.name.c_str(), a ? a->text.c_str() : "<nothing>");
      std::printf("  %-8s | %s\n", t.name.c_str(), b ? b->text.c_str() : "<nothing>");
      std::printf("  whole step on each side:\n");
      for (const Line& l : ref.step) std::printf("    [%s] %s\n", ref.name.c_str(), l.text.c_str());
      for (const Line& l : t.step) std::printf("    [%s] %s\n", t.name.c_str(), l.text.c_str());
      if (a && b && a->key.rfind("  memory", 0) == 0 && ref.inst && t.inst) printMemoryDiff(ref, t);
      break;
    }
  }
  for (auto& r : runs) r->flush();
  return same;
}

// How many functions the (last) JIT tier compiled, and why it left the others to the interpreter.
struct JitStats {
  uint32_t compiled = 0, total = 0;
  std::map<std::string, int> fallbacks;
};

// Compiles the module on every tier. Returns whether the tiers agree.
bool compileAll(Runs& runs, const std::vector<uint8_t>& bytes, Outcome& out, JitStats& jit) {
  for (auto& t : runs) {
    auto m = Module::compile(*t->engine, bytes);
    if (!m) {
      const Error& e = m.error();
      t->add(fmt("compile: error kind %d: %s", int(e.kind), e.toString().c_str()));
      continue;
    }
    t->module = m.value();
    t->add("compile: ok");
  }
  bool ok = compareStep(runs, out, "compile");
  for (auto& t : runs) {
    if (!t->module || t->engine->config().tier != Tier::Jit) continue;
    jit.total = jit.compiled = 0;
    jit.fallbacks.clear();
    for (const FuncBody& b : moduleData(*t->module).bodies) {
      ++jit.total;
      if (b.jit_failure.empty()) ++jit.compiled;
      else jit.fallbacks[b.jit_failure]++;
    }
  }
  return ok;
}

// Instantiates the module on every tier with dummy imports. Returns whether the tiers agree.
bool instantiateAll(Runs& runs, uint64_t fuel, Outcome& out) {
  for (auto& t : runs) {
    t->store = std::make_unique<Store>(*t->engine);
    t->store->setFuel(fuel);
    std::vector<Extern> imports = makeImports(*t);
    auto inst = t->store->instantiate(t->module, imports);
    if (!inst) {
      const Error& e = inst.error();
      std::string s = fmt("instantiate: error kind %d: %s", int(e.kind), e.toString().c_str());
      if (e.trap) s += fmt(" [trap %s]", trapKindName(e.trap->kind));
      t->add(s);
      continue;
    }
    t->inst = moduleInst(inst.value());
    t->add("instantiate: ok");
    recordState(*t);
  }
  return compareStep(runs, out, "instantiate");
}

// How one call went on one tier, for the decision to taint the comparison.
struct CallEnd {
  bool exhausted = false, out_of_fuel = false, skipped = false;
};

// One call of export `e` on tier `t` (after resetting binaryen's hang limit),
// with its result or trap, the fuel used and the instance's state afterwards.
void callOnTier(TierRun& t, const ExportInfo& e, int round, size_t salt, bool has_hang_init,
                std::optional<uint32_t> hang_global, const Options& o, CallEnd& end) {
  if (!t.engine->config().consume_fuel && end.out_of_fuel) {
    // The reference ran out of fuel: this call might not end here.
    t.add("call " + e.name + " skipped: the reference ran out of fuel");
    t.step.back().any = true;
    end.skipped = true;
    return;
  }
  if (has_hang_init && e.name != "hangLimitInitializer") {
    t.store->setFuel(o.fuel);
    auto r = t.inst->getFunc("hangLimitInitializer")->call({});
    if (!r) t.add(fmt("hangLimitInitializer: trap %s", trapKindName(r.error().kind)));
    if (hang_global) t.inst->globals_[*hang_global]->set(Value::i32(int32_t(o.hang_limit)));
  }
  Func* f = t.inst->getFunc(e.name);
  std::vector<Value> args = makeArgs(f->type(), round, salt);
  Shown sa = showValues(args, &t);
  t.add("call " + e.name + " " + sa.key, "call " + e.name + " " + sa.text);
  t.store->setFuel(o.fuel);
  auto r = f->call(args);
  uint64_t used = o.fuel - t.store->fuel();
  if (r) {
    Shown s = showValues(r.value(), &t);
    t.add("  -> " + s.key, "  -> " + s.text);
  } else {
    const Trap& tr = r.error();
    if (tr.kind == TrapKind::CallStackExhausted) end.exhausted = true;
    if (tr.kind == TrapKind::OutOfFuel) end.out_of_fuel = true;
    t.add(fmt("  trap %s: %s", trapKindName(tr.kind), tr.message.c_str()));
    if (o.backtraces && tr.kind != TrapKind::CallStackExhausted) {
      std::string bt = "  backtrace:";
      for (const std::string& fr : tr.backtrace) bt += " " + fr;
      t.add(bt);
    }
  }
  if (t.engine->config().consume_fuel) {
    t.add(fmt("  fuel used %" PRIu64, used));
  } else {
    t.add("  fuel used (not metered)");
    t.step.back().any = true;
  }
  recordState(t);
}

// Calls every exported function on every tier, `o.rounds` times, comparing
// after each call, until the tiers differ.
void callAll(Runs& runs, const std::vector<uint8_t>& bytes, const Options& o, Outcome& out) {
  std::vector<ExportInfo> exports = runs[0]->module->exports();
  bool has_hang_init = false;
  for (const ExportInfo& e : exports)
    if (e.name == "hangLimitInitializer" && e.type.kind == ExternKind::Func && e.type.func.params.empty())
      has_hang_init = true;
  // binaryen's hang limit (10 loop iterations and calls per export call)
  // keeps most of a module's code from running; --hang-limit raises it.
  std::optional<uint32_t> hang_global;
  if (o.hang_limit >= 0 && has_hang_init) hang_global = hangLimitGlobal(*runs[0]->module, bytes);
  size_t salt = 0;
  for (int round = 0; round < o.rounds; ++round) {
    for (const ExportInfo& e : exports) {
      if (e.type.kind != ExternKind::Func) continue;
      ++salt;
      std::string what = fmt("round %d, call \"%s\"", round, e.name.c_str());
      CallEnd end;
      for (auto& t : runs) callOnTier(*t, e, round, salt, has_hang_init, hang_global, o, end);
      ++out.ncalls;
      if (end.exhausted || (end.out_of_fuel && (o.fuel_inconclusive || end.skipped))) {
        // The step itself may differ (one tier got deeper than the
        // other, or ran out of fuel first); from here on only a
        // conclusive comparison counts.
        if (!out.tainted) {
          out.tainted = true;
          out.taint_reason = end.exhausted ? "call stack exhaustion in " + what : "running out of fuel in " + what;
        }
      }
      for (const Line& l : runs[0]->step)
        if (l.key.rfind("  trap ", 0) == 0) ++out.ntraps;
      for (size_t k = 1; k < runs.size(); ++k) syncNaNs(*runs[0], *runs[k]);
      if (!compareStep(runs, out, what)) return;
    }
  }
}

// Prints the transcripts (unless -q and the tiers agree), the JIT's coverage
// and the RESULT line; returns the exit status.
int report(const Runs& runs, const Options& o, const Outcome& out, const JitStats& jit) {
  if (!o.quiet || out.verdict != Outcome::Agree) {
    for (auto& t : runs) {
      std::printf("==== transcript: %s\n", t->name.c_str());
      for (const Line& l : t->transcript)
        if (l.show) std::printf("%s\n", l.text.c_str());
    }
  }
  if (jit.total && (!o.quiet || out.verdict != Outcome::Agree)) {
    std::printf("jit: %u of %u functions compiled", jit.compiled, jit.total);
    for (auto& [reason, n] : jit.fallbacks) std::printf("; %d x %s", n, reason.c_str());
    std::printf("\n");
  }
  uint64_t host_calls = runs[0]->host_calls;
  const char* vs = out.verdict == Outcome::Agree      ? "agree"
                   : out.verdict == Outcome::Disagree ? "DISAGREE"
                                                      : "inconclusive";
  std::printf("RESULT %s calls=%" PRIu64 " traps=%" PRIu64 " host_calls=%" PRIu64 " jit_funcs=%u/%u", vs, out.ncalls,
              out.ntraps, host_calls, jit.compiled, jit.total);
  if (out.verdict != Outcome::Agree) std::printf(" why=\"%s\"", out.why.c_str());
  std::printf("\n");
  return out.verdict == Outcome::Disagree ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parseOptions(argc, argv);
  std::vector<TierSpec> specs = parseTiers(o.tiers_arg, o.features);
  std::vector<uint8_t> bytes = readFile(o.path);
  Runs runs;
  for (const TierSpec& s : specs) {
    auto t = std::make_unique<TierRun>();
    t->name = s.name;
    t->engine = std::make_unique<Engine>(s.config);
    runs.push_back(std::move(t));
  }

  Outcome out;
  JitStats jit;
  bool ok = compileAll(runs, bytes, out, jit);
  bool compiled = ok && runs[0]->module;
  if (compiled) ok = instantiateAll(runs, o.fuel, out);
  if (ok && compiled && runs[0]->inst) callAll(runs, bytes, o, out);
  return report(runs, o, out, jit);
}
