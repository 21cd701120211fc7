// SIMD (v128) in JIT code, bit for bit against interp/simd.h (doctest).
//
// For every v128 instruction that is not a memory access, a module is built
// (bytes, here) whose functions read the operands from memory (a, b, c at
// 0, 16, 32, a scalar at 48), run the instruction and store its result at
// 64, in three shapes: operands straight from loads, through v128 locals,
// and through a call whose parameters and result are v128 (slots). The
// functions run as JIT code (they are checked to be compiled) on operands
// with the values x86 gets wrong unless the code fixes them (NaNs with
// payloads, signed zeros, infinities, the bounds of the saturating
// conversions, lane minima) and random ones; the expected bytes are
// simd.h's function for the opcode, found from the Impl column of
// module/opcodes.def. The memory forms are checked the same way, with and
// without explicit bounds checks, at the end of memory and one byte past it.
// simd_control.wat has v128 values in loops, blocks, if, br_table, select,
// direct and indirect calls with mixed slot sizes, and more live vectors
// than registers.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS
#include <doctest/doctest.h>

#include <bit>
#include <cstring>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "interp/simd.h"
#include "jit/jit.h"
#include "module/module.h"
#include "module/opcodes.h"
#include "runtime/objects.h"
#include "runtime/tiering.h"
#include "tern/tern.hpp"

using namespace tern;

namespace {

// ---- what simd.h computes: in = the 48 operand bytes and the scalar ----
using Ref = std::function<void(const uint8_t* in, uint8_t* out, int lane, const uint8_t* shuffle)>;
simd::V128b at(const uint8_t* p) {
  simd::V128b r;
  std::memcpy(r.b, p, 16);
  return r;
}
template <class T>
T scalar(const uint8_t* in) {
  T v;
  std::memcpy(&v, in + 48, sizeof(T));
  return v;
}
template <class T>
void put(uint8_t* out, T v) {
  std::memcpy(out, &v, sizeof(T));
}
#define SIMD Ref()
#define VUN(fn) [](const uint8_t* in, uint8_t* out, int, const uint8_t*) { put(out, simd::fn(at(in))); }
#define VBIN(fn) [](const uint8_t* in, uint8_t* out, int, const uint8_t*) { put(out, simd::fn(at(in), at(in + 16))); }
#define VTERN(fn) \
  [](const uint8_t* in, uint8_t* out, int, const uint8_t*) { put(out, simd::fn(at(in), at(in + 16), at(in + 32))); }
#define VSHIFT(fn) \
  [](const uint8_t* in, uint8_t* out, int, const uint8_t*) { put(out, simd::fn(at(in), scalar<uint32_t>(in))); }
#define VTEST(fn) [](const uint8_t* in, uint8_t* out, int, const uint8_t*) { put(out, uint32_t(simd::fn(at(in)))); }
#define VSPLAT(T, fn) [](const uint8_t* in, uint8_t* out, int, const uint8_t*) { put(out, simd::fn(scalar<T>(in))); }
#define VEXTRACT(T, fn) \
  [](const uint8_t* in, uint8_t* out, int lane, const uint8_t*) { put(out, T(simd::fn(at(in), lane))); }
#define VREPLACE(T, fn) \
  [](const uint8_t* in, uint8_t* out, int lane, const uint8_t*) { put(out, simd::fn(at(in), lane, scalar<T>(in))); }
#define VSHUFFLE(fn) \
  [](const uint8_t* in, uint8_t* out, int, const uint8_t* s) { put(out, simd::fn(at(in), at(in + 16), s)); }
#define VCONST SIMD
#define VLOAD(fn) SIMD
#define VSTORE(fn) SIMD
#define VLOADLANE(fn) SIMD
#define VSTORELANE(fn) SIMD
#define UN(a, b, c) SIMD
#define BIN(a, b, c) SIMD
#define TUN(a, b, c) SIMD
#define TBIN(a, b, c) SIMD
#define LOAD(a, b) SIMD
#define STORE(a, b) SIMD
#define SPECIAL SIMD
const Ref kRef[] = {
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) impl,
#include "module/opcodes.def"
#undef X
};
#undef SIMD
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#undef SPECIAL
#include "module/impl_v128_undef.inc"

// ---- a module, in bytes ----
void leb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}
// i32.const v (a signed LEB128; v >= 0).
void i32const(std::vector<uint8_t>& c, uint32_t v) {
  c.push_back(0x41);
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v == 0 && !(b & 0x40)) {
      c.push_back(b);
      return;
    }
    c.push_back(b | 0x80);
  }
}
void section(std::vector<uint8_t>& m, uint8_t id, const std::vector<uint8_t>& body) {
  m.push_back(id);
  leb(m, body.size());
  m.insert(m.end(), body.begin(), body.end());
}
void opcode(std::vector<uint8_t>& c, Opcode op) {
  const OpInfo& info = opInfo(op);
  if (info.prefix) c.push_back(info.prefix);
  if (info.prefix) leb(c, info.code);
  else c.push_back(uint8_t(info.code));
}
void memop(std::vector<uint8_t>& c, Opcode op, uint32_t offset = 0) {
  opcode(c, op);
  c.push_back(0);  // align 1
  leb(c, offset);
}
uint8_t typeByte(ValType t) { return uint8_t(t); }
Opcode loadOf(ValType t) {
  switch (t) {
    case ValType::I32: return Opcode::I32Load;
    case ValType::I64: return Opcode::I64Load;
    case ValType::F32: return Opcode::F32Load;
    case ValType::F64: return Opcode::F64Load;
    default: return Opcode::V128Load;
  }
}
Opcode storeOf(ValType t) {
  switch (t) {
    case ValType::I32: return Opcode::I32Store;
    case ValType::I64: return Opcode::I64Store;
    case ValType::F32: return Opcode::F32Store;
    case ValType::F64: return Opcode::F64Store;
    default: return Opcode::V128Store;
  }
}
int lanesOf(ImmKind k) {
  switch (k) {
    case ImmKind::Lane2:
    case ImmKind::MemArgLane2: return 2;
    case ImmKind::Lane4:
    case ImmKind::MemArgLane4: return 4;
    case ImmKind::Lane8:
    case ImmKind::MemArgLane8: return 8;
    case ImmKind::Lane16:
    case ImmKind::MemArgLane16: return 16;
    default: return 0;
  }
}

struct Funcs {
  std::vector<std::vector<ValType>> params, results;  // per function type
  std::vector<std::vector<uint8_t>> bodies;           // with their locals
  std::vector<uint32_t> type_of;
  std::vector<std::string> exports;
};

// A module with one page of memory (exported "mem") and the functions.
std::vector<uint8_t> moduleOf(const Funcs& f) {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0}, s;
  leb(s, f.params.size());
  for (size_t i = 0; i < f.params.size(); ++i) {
    s.push_back(0x60);
    leb(s, f.params[i].size());
    for (ValType t : f.params[i]) s.push_back(typeByte(t));
    leb(s, f.results[i].size());
    for (ValType t : f.results[i]) s.push_back(typeByte(t));
  }
  section(m, 1, s);
  s.clear();
  leb(s, f.bodies.size());
  for (uint32_t t : f.type_of) leb(s, t);
  section(m, 3, s);
  s = {1, 0, 1};  // one memory, min 1 page
  section(m, 5, s);
  s.clear();
  leb(s, f.exports.size() + 1);
  for (size_t i = 0; i < f.exports.size(); ++i) {
    leb(s, f.exports[i].size());
    s.insert(s.end(), f.exports[i].begin(), f.exports[i].end());
    s.push_back(0);
    leb(s, i);
  }
  s.insert(s.end(), {3, 'm', 'e', 'm', 2, 0});
  section(m, 7, s);
  s.clear();
  leb(s, f.bodies.size());
  for (const auto& b : f.bodies) {
    leb(s, b.size());
    s.insert(s.end(), b.begin(), b.end());
  }
  section(m, 10, s);
  return m;
}

// The instruction with its immediates.
void instr(std::vector<uint8_t>& c, Opcode op, int lane, const uint8_t* shuffle, const uint8_t* konst) {
  opcode(c, op);
  ImmKind k = opInfo(op).imm;
  if (lanesOf(k)) c.push_back(uint8_t(lane));
  if (k == ImmKind::Shuffle) c.insert(c.end(), shuffle, shuffle + 16);
  if (k == ImmKind::V128) c.insert(c.end(), konst, konst + 16);
}

// Pushes operand i of the instruction, read from memory.
void loadOperand(std::vector<uint8_t>& c, ValType t, int i) {
  i32const(c, t == ValType::V128 ? 16 * i : 48);
  memop(c, loadOf(t));
}

struct Case {
  Opcode op;
  int lanes[3];
  uint8_t shuffle[16];
  uint8_t konst[16];
};

// "direct", "locals", "call" (which calls function 3).
Funcs functionsFor(const Case& k) {
  const OpSig& sig = opInfo(k.op).types;
  std::vector<ValType> ps(sig.params, sig.params + sig.nparams);
  ValType res = sig.results[0];
  Funcs f;
  f.params = {{}, ps};
  f.results = {{}, {res}};
  std::vector<uint8_t> c;
  // direct
  c = {0};
  i32const(c, 64);
  for (int i = 0; i < sig.nparams; ++i) loadOperand(c, ps[i], i);
  instr(c, k.op, k.lanes[0], k.shuffle, k.konst);
  memop(c, storeOf(res));
  c.push_back(0x0b);
  f.bodies.push_back(c);
  // locals: a v128 local per operand (a scalar one for the scalar)
  c = {uint8_t(sig.nparams)};
  for (int i = 0; i < sig.nparams; ++i) c.insert(c.end(), {1, typeByte(ps[i])});
  if (sig.nparams == 0) c = {0};
  for (int i = 0; i < sig.nparams; ++i) {
    loadOperand(c, ps[i], i);
    c.push_back(0x21);  // local.set
    leb(c, i);
  }
  i32const(c, 64);
  for (int i = 0; i < sig.nparams; ++i) c.insert(c.end(), {0x20, uint8_t(i)});
  instr(c, k.op, k.lanes[1], k.shuffle, k.konst);
  memop(c, storeOf(res));
  c.push_back(0x0b);
  f.bodies.push_back(c);
  // call: the operands as arguments of function 3
  c = {0};
  i32const(c, 64);
  for (int i = 0; i < sig.nparams; ++i) loadOperand(c, ps[i], i);
  c.insert(c.end(), {0x10, 3});
  memop(c, storeOf(res));
  c.push_back(0x0b);
  f.bodies.push_back(c);
  c = {0};
  for (int i = 0; i < sig.nparams; ++i) c.insert(c.end(), {0x20, uint8_t(i)});
  instr(c, k.op, k.lanes[2], k.shuffle, k.konst);
  c.push_back(0x0b);
  f.bodies.push_back(c);
  f.type_of = {0, 0, 0, 1};
  f.exports = {"direct", "locals", "call"};
  return f;
}

// Operand bytes: a mix of the values that matter per lane width, and noise.
void fill(std::mt19937_64& rng, uint8_t* p, size_t n) {
  static const uint32_t k32[] = {0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00005, 0xff812345, 0x7f800000,
                                 0xff800000, 0,          0x80000000, 0x3f800000, 0xbf800000, 0x4f000000,
                                 0x4f800000, 0x4f7fffff, 0xcf000000, 0xcf000001, 0x3f000000, 0x40200000,
                                 0x3fc00000, 1,          0x80000001, 0x7fffffff, 0xffffffff, 0x00008000,
                                 0x7fff8000, 0x80008000, 0x7f7f7f7f, 0x80808080, 0x00010001, 0xbfc00000};
  static const uint64_t k64[] = {0x7ff8000000000000,
                                 0xfff8000000000000,
                                 0x7ff0000000000001,
                                 0x7ff4000000abcdef,
                                 0x7ff0000000000000,
                                 0xfff0000000000000,
                                 0,
                                 0x8000000000000000,
                                 0x41dfffffffc00000,
                                 0x41e0000000000000,
                                 0x41efffffffe00000,
                                 0x41f0000000000000,
                                 0xc1e0000000000000,
                                 0xc1e0000000200000,
                                 0x41efffffffe80000,
                                 0x3fe0000000000000,
                                 0x4004000000000000,
                                 0xbfe0000000000000,
                                 0x7fffffffffffffff,
                                 0x8000000000000001,
                                 0xffffffffffffffff,
                                 1,
                                 0x0000000100000000,
                                 0x3ff8000000000000};
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    switch (rng() % 4) {
      case 0: v = k64[rng() % std::size(k64)]; break;
      case 1: v = uint64_t(k32[rng() % std::size(k32)]) | uint64_t(k32[rng() % std::size(k32)]) << 32; break;
      case 2: v &= 0x8f8f8f8f8f8f8f8full; break;  // small lanes of either sign
      default: break;
    }
    std::memcpy(p + i, &v, 8);
  }
}

bool compiled(Instance* inst, const char* name) {
  const ModuleData& md = moduleData(inst->module());
  Func* f = inst->getFunc(name);
  if (!f) return false;
  // Compiled at its first call when lazy: the question is which tier runs it.
  uint32_t index = funcInst(f)->index_;
  if (index >= md.num_imported_funcs) compileLazily(md, index - md.num_imported_funcs);
  return md.jit && md.jit->compiled(index);
}

std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += std::string(1, d[p[i] >> 4]) + d[p[i] & 15];
  return s;
}

// `got` matches `want` bit for bit, except that a float lane (of `lane`
// bytes: 4 for an f32x4 result, 8 for f64x2, 0 for integer results) that is
// a NaN on both sides matches whatever its bits: the spec lets an operation
// on a NaN return any NaN, and which one simd.h's `a + b` returns depends on
// how the C++ compiler ordered the operands (a sanitizer build orders them
// differently from a release build).
bool sameBits(const uint8_t* got, const uint8_t* want, size_t n, size_t lane) {
  for (size_t i = 0; i < n; i += lane ? lane : n) {
    size_t w = lane ? lane : n;
    if (std::memcmp(got + i, want + i, w) == 0) continue;
    if (lane == 4) {
      float a, b;
      std::memcpy(&a, got + i, 4);
      std::memcpy(&b, want + i, 4);
      if (std::isnan(a) && std::isnan(b)) continue;
    } else if (lane == 8) {
      double a, b;
      std::memcpy(&a, got + i, 8);
      std::memcpy(&b, want + i, 8);
      if (std::isnan(a) && std::isnan(b)) continue;
    }
    return false;
  }
  return true;
}

Config jitConfig(bool bounds_checks) {
  Config cfg;
  cfg.tier = Tier::Jit;
  cfg.bounds_checks = bounds_checks;
  return cfg;
}

struct Instantiated {
  Engine engine;
  Store store{engine};
  std::shared_ptr<Module> module;
  Instance* inst = nullptr;
  explicit Instantiated(const std::vector<uint8_t>& bytes, bool bounds_checks = false)
      : engine(jitConfig(bounds_checks)) {
    auto m = Module::compile(engine, bytes);
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
    module = m.value();
    Linker linker;
    auto i = linker.instantiate(store, module);
    REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
    inst = i.value();
  }
};

size_t resultBytes(ValType t) { return t == ValType::V128 ? 16 : t == ValType::I32 || t == ValType::F32 ? 4 : 8; }

}  // namespace

TEST_CASE("every v128 operator in JIT code gives simd.h's bits") {
  std::mt19937_64 rng(12);
  int checked = 0;
  for (unsigned o = 0; o < kOpcodeCount; ++o) {
    Opcode op = Opcode(o);
    const OpInfo& info = opInfo(op);
    if (info.feature != Feature::simd || info.cls == OpClass::Load || info.cls == OpClass::Store) continue;
    Case k{op, {0, 0, 0}, {}, {}};
    int lanes = lanesOf(info.imm);
    if (lanes) k.lanes[0] = lanes - 1, k.lanes[1] = 0, k.lanes[2] = lanes / 2;
    for (auto& s : k.shuffle) s = uint8_t(rng() % 32);
    fill(rng, k.konst, 16);
    Instantiated m(moduleOf(functionsFor(k)));
    uint8_t* mem = m.inst->getMemory("mem")->data();
    size_t nres = resultBytes(info.types.results[0]);
    for (const char* shape : {"direct", "locals", "call"}) {
      std::string name = info.name;
      CAPTURE(name);
      CAPTURE(shape);
      REQUIRE(compiled(m.inst, shape));
      Func* f = m.inst->getFunc(shape);
      int lane = k.lanes[shape[0] == 'd' ? 0 : shape[0] == 'l' ? 1 : 2];
      for (int round = 0; round < 64; ++round) {
        fill(rng, mem, 56);
        if (round % 4 == 0) std::memcpy(mem + 16, mem, 16);  // equal operands: zeros, NaNs on both sides
        uint8_t want[16] = {};
        if (op == Opcode::V128Const) std::memcpy(want, k.konst, 16);
        else kRef[o](mem, want, lane, k.shuffle);
        auto r = f->call({});
        REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
        CAPTURE(hex(mem, 56));
        CAPTURE(hex(mem + 64, nres));
        CAPTURE(hex(want, nres));
        size_t float_lane = name.rfind("f32x4.", 0) == 0 ? 4 : name.rfind("f64x2.", 0) == 0 ? 8 : 0;
        REQUIRE(sameBits(mem + 64, want, nres, float_lane));
      }
    }
    ++checked;
  }
  CHECK(checked > 200);
}

// The memory forms: a load's result (or the bytes a store wrote), with the
// access at an offset, at the memory's end, and one byte past it (a trap).
TEST_CASE("v128 loads and stores in JIT code, with and without bounds checks") {
  std::mt19937_64 rng(3);
  for (bool checks : {false, true}) {
    for (unsigned o = 0; o < kOpcodeCount; ++o) {
      Opcode op = Opcode(o);
      const OpInfo& info = opInfo(op);
      if (info.feature != Feature::simd || (info.cls != OpClass::Load && info.cls != OpClass::Store)) continue;
      std::string name = info.name;
      CAPTURE(name);
      CAPTURE(checks);
      bool store = info.cls == OpClass::Store;
      bool lane_form = info.imm != ImmKind::MemArg;
      int lane = lane_form ? int(rng() % lanesOf(info.imm)) : 0;
      const uint32_t offset = 5;
      // f(addr): the vector operand from 0, the access at addr + offset, a load's result to 64.
      Funcs f;
      f.params = {{ValType::I32}};
      f.results = {{}};
      std::vector<uint8_t> c = {0};
      if (!store) i32const(c, 64);
      c.insert(c.end(), {0x20, 0});
      if (store || lane_form) c.insert(c.end(), {0x41, 0}), memop(c, Opcode::V128Load);
      memop(c, op, offset);
      if (lane_form) c.push_back(uint8_t(lane));
      if (!store) memop(c, Opcode::V128Store);
      c.push_back(0x0b);
      f.bodies = {c};
      f.type_of = {0};
      f.exports = {"f"};
      Instantiated m(moduleOf(f), checks);
      REQUIRE(compiled(m.inst, "f"));
      Memory* memory = m.inst->getMemory("mem");
      uint8_t* mem = memory->data();
      Func* fn = m.inst->getFunc("f");
      uint32_t last = uint32_t(memory->size()) - offset - info.access_bytes;  // the access ends at the memory's end
      for (uint32_t addr : {uint32_t(100), uint32_t(203), last}) {
        fill(rng, mem, 16);
        fill(rng, mem + 80, 16);
        for (uint64_t i = addr + offset; i < addr + offset + 16 && i < memory->size(); ++i) mem[i] = uint8_t(rng());
        std::vector<uint8_t> before(mem, mem + memory->size());
        simd::V128b v = at(mem);
        uint8_t* p = mem + addr + offset;
        simd::V128b want;
        switch (op) {
#define VLOAD(fn) want = simd::fn(p);
#define VSTORE(fn)
#define VLOADLANE(fn) want = simd::fn(v, lane, p);
#define VSTORELANE(fn)
#define X(id, prefix, code, text, imm, sig, cls, bytes, flags, feat, impl) \
  case Opcode::id: \
    impl break;
#define VUN(fn)
#define VBIN(fn)
#define VTERN(fn)
#define VSHIFT(fn)
#define VTEST(fn)
#define VSPLAT(T, fn)
#define VEXTRACT(T, fn)
#define VREPLACE(T, fn)
#define VSHUFFLE(fn)
#define VCONST
#define UN(a, b, c)
#define BIN(a, b, c)
#define TUN(a, b, c)
#define TBIN(a, b, c)
#define LOAD(a, b)
#define STORE(a, b)
#define SPECIAL
#include "module/opcodes.def"
#undef X
#undef UN
#undef BIN
#undef TUN
#undef TBIN
#undef LOAD
#undef STORE
#undef SPECIAL
#include "module/impl_v128_undef.inc"
          default: break;
        }
        std::vector<uint8_t> expect = before;
        if (store) {
          switch (op) {
            case Opcode::V128Store: simd::store(v, expect.data() + addr + offset); break;
            case Opcode::V128Store8Lane: simd::storeLane<uint8_t>(v, lane, expect.data() + addr + offset); break;
            case Opcode::V128Store16Lane: simd::storeLane<uint16_t>(v, lane, expect.data() + addr + offset); break;
            case Opcode::V128Store32Lane: simd::storeLane<uint32_t>(v, lane, expect.data() + addr + offset); break;
            default: simd::storeLane<uint64_t>(v, lane, expect.data() + addr + offset); break;
          }
        } else {
          std::memcpy(expect.data() + 64, want.b, 16);
        }
        Value arg = Value::i32(int32_t(addr));
        auto r = fn->call({&arg, 1});
        REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
        CAPTURE(addr);
        REQUIRE(std::memcmp(expect.data(), mem, expect.size()) == 0);
      }
      Value past = Value::i32(int32_t(last + 1));
      auto r = fn->call({&past, 1});
      REQUIRE(!r.ok());
      CHECK(r.error().message == "out of bounds memory access");
    }
  }
}

TEST_CASE("v128 across control flow, calls and spills in JIT code") {
  std::ifstream in(TERN_SIMD_CONTROL_WASM, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (bool checks : {false, true}) {
    Instantiated m(bytes, checks);
    auto call = [&](const char* name, std::vector<int32_t> args) {
      CAPTURE(std::string(name));
      REQUIRE(compiled(m.inst, name));
      std::vector<Value> vs;
      for (int32_t a : args) vs.push_back(Value::i32(a));
      auto r = m.inst->getFunc(name)->call(vs);
      REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
      return int32_t(r.value()[0].bits);
    };
    for (int32_t n : {0, 1, 10, 1000}) CHECK(call("loop_acc", {n}) == 10 * (n * (n - 1) / 2));
    for (int32_t x : {0, 3, -100}) CHECK(call("pressure", {x}) == 17 * x + 153);
    CHECK(call("block_select", {1}) == 7 + 100 * 5);
    CHECK(call("block_select", {0}) == 9 + 100 * 6);
    for (int32_t k : {0, 1, 2, 7}) {
      int32_t x = 5;
      int32_t lane = k ? x + 1 : 2 * x, n = k ? x + 1 : 2 * x;
      CHECK(call("if_table", {x, k}) == lane * 1000 * (std::min(k, 2) + 1) + n);
    }
    // mix(x, splat(10y), y, splat(y)) = (y + x, splat(9y), 3x)
    CHECK(call("mixed_call", {4, 7}) == (7 + 4) + 9 * 7 + 3 * 4);
    CHECK(call("indirect", {3, 0}) == 6 + 3);
    CHECK(call("indirect", {3, 1}) == 3 - 6);
    for (int32_t n : {1, 10}) {
      Value arg = Value::i32(n);
      auto r = m.inst->getFunc("backedge")->call({&arg, 1});
      REQUIRE(r.ok());
      CHECK(std::bit_cast<double>(r.value()[0].asF64Bits()) == n * (n + 1) / 2);
    }
    Value p = Value::f64(30);
    auto r = m.inst->getFunc("locals_mixed")->call({&p, 1});
    REQUIRE(r.ok());
    CHECK(r.value()[0].asI64() == 37);
  }
}
