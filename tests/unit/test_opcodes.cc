// Consistency of the opcode table (src/module/opcodes.def / opcodes.cc).
#include <doctest/doctest.h>

#include <cstdio>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "module/opcodes.h"
#include "tern/tern.hpp"

using tern::ImmKind;
using tern::kOpcodeCount;
using tern::OpClass;
using tern::Opcode;
using tern::OpInfo;
using tern::ValType;

namespace {

const OpInfo& info(unsigned i) { return tern::kOpInfo[i]; }

std::string rowName(unsigned i) {
  const OpInfo& o = info(i);
  char buf[64];
  std::snprintf(buf, sizeof buf, " [prefix 0x%02x code %u]", o.prefix, unsigned(o.code));
  return std::string(o.name ? o.name : "(null)") + buf;
}

struct ParsedSig {
  bool ok = false;
  std::string params, results;
};

ParsedSig parseSig(std::string_view s) {
  ParsedSig r;
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return r;
  if (s.find(':', colon + 1) != std::string_view::npos) return r;
  r.params = std::string(s.substr(0, colon));
  r.results = std::string(s.substr(colon + 1));
  for (char c : r.params + r.results)
    if (std::string_view("ilfdv").find(c) == std::string_view::npos) return r;
  r.ok = true;
  return r;
}

bool isMemArg(ImmKind k) {
  return k == ImmKind::MemArg || k == ImmKind::MemArgLane2 || k == ImmKind::MemArgLane4 || k == ImmKind::MemArgLane8 ||
         k == ImmKind::MemArgLane16;
}

// Letter of a numeric type prefix ("i32" -> 'i').
char typeLetter(std::string_view t) {
  if (t == "i32") return 'i';
  if (t == "i64") return 'l';
  if (t == "f32") return 'f';
  if (t == "f64") return 'd';
  if (t == "v128") return 'v';
  return '?';
}

}  // namespace

TEST_CASE("every row has a name and a known prefix") {
  REQUIRE(kOpcodeCount > 0);
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    CAPTURE(i);
    const OpInfo& o = info(i);
    REQUIRE(o.name != nullptr);
    CHECK(std::string_view(o.name).size() > 0);
    CHECK((o.prefix == 0 || o.prefix == 0xfc || o.prefix == 0xfd));
    if (o.prefix == 0) CHECK(o.code < 256);
    CHECK(o.sig != nullptr);
    CHECK(tern::opName(Opcode(i)) == o.name);
    CHECK(&tern::opInfo(Opcode(i)) == &o);
    // Single-byte codes must not collide with the prefix bytes themselves.
    if (o.prefix == 0) {
      CHECK(o.code != 0xfc);
      CHECK(o.code != 0xfd);
    }
  }
}

TEST_CASE("no two rows share (prefix, code)") {
  std::map<std::pair<unsigned, uint32_t>, unsigned> seen;
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    auto key = std::make_pair(unsigned(info(i).prefix), info(i).code);
    auto [it, inserted] = seen.emplace(key, i);
    if (!inserted) FAIL_CHECK("duplicate opcode: " << rowName(i) << " and " << rowName(it->second));
  }
  CHECK(seen.size() == kOpcodeCount);
}

TEST_CASE("names are unique except select (plain and typed)") {
  std::map<std::string, std::vector<unsigned>> by_name;
  for (unsigned i = 0; i < kOpcodeCount; ++i) by_name[info(i).name].push_back(i);
  for (auto& [name, rows] : by_name) {
    CAPTURE(name);
    if (name == "select") {
      REQUIRE(rows.size() == 2);
      std::set<uint32_t> codes;
      for (unsigned r : rows) {
        CHECK(info(r).prefix == 0);
        codes.insert(info(r).code);
      }
      CHECK(codes == std::set<uint32_t>{0x1b, 0x1c});
    } else {
      CHECK(rows.size() == 1);
    }
  }
}

TEST_CASE("lookupOpcode round-trips (prefix, code) -> op -> info") {
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    CAPTURE(rowName(i));
    auto op = tern::lookupOpcode(info(i).prefix, info(i).code);
    REQUIRE(op.has_value());
    CHECK(unsigned(*op) == i);
    CHECK(tern::opInfo(*op).prefix == info(i).prefix);
    CHECK(tern::opInfo(*op).code == info(i).code);
  }
}

TEST_CASE("lookupOpcode rejects codes that are not in the table") {
  std::set<std::pair<unsigned, uint32_t>> present;
  for (unsigned i = 0; i < kOpcodeCount; ++i) present.emplace(info(i).prefix, info(i).code);
  for (unsigned prefix : {0u, 0xfcu, 0xfdu}) {
    for (uint32_t code = 0; code < 300; ++code) {
      if (present.count({prefix, code})) continue;
      CAPTURE(prefix);
      CAPTURE(code);
      CHECK_FALSE(tern::lookupOpcode(uint8_t(prefix), code).has_value());
    }
  }
  // Huge codes after a prefix (LEB u32) and unknown prefixes.
  CHECK_FALSE(tern::lookupOpcode(0xfc, 0xffffffffu).has_value());
  CHECK_FALSE(tern::lookupOpcode(0xfd, 0xffffffffu).has_value());
  CHECK_FALSE(tern::lookupOpcode(0xfc, 1u << 20).has_value());
  CHECK_FALSE(tern::lookupOpcode(0xfd, 1u << 20).has_value());
  CHECK_FALSE(tern::lookupOpcode(0, 256).has_value());
  CHECK_FALSE(tern::lookupOpcode(0, 0xffffffffu).has_value());
  for (unsigned prefix : {0x01u, 0x41u, 0xfbu, 0xfeu, 0xffu}) {
    CAPTURE(prefix);
    CHECK_FALSE(tern::lookupOpcode(uint8_t(prefix), 0).has_value());
    CHECK_FALSE(tern::lookupOpcode(uint8_t(prefix), 1).has_value());
  }
}

TEST_CASE("lookupOpcodeByName round-trips") {
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    CAPTURE(rowName(i));
    auto op = tern::lookupOpcodeByName(info(i).name);
    REQUIRE(op.has_value());
    if (std::string_view(info(i).name) == "select") {
      // Plain select is the one found by name.
      CHECK(info(unsigned(*op)).code == 0x1b);
    } else {
      CHECK(unsigned(*op) == i);
    }
  }
  CHECK_FALSE(tern::lookupOpcodeByName("").has_value());
  CHECK_FALSE(tern::lookupOpcodeByName("i32.ad").has_value());
  CHECK_FALSE(tern::lookupOpcodeByName("I32.ADD").has_value());
  CHECK_FALSE(tern::lookupOpcodeByName("i32.add ").has_value());
  CHECK_FALSE(tern::lookupOpcodeByName("get_local").has_value());
  auto add = tern::lookupOpcodeByName("i32.add");
  REQUIRE(add.has_value());
  CHECK(tern::opInfo(*add).code == 0x6a);
}

TEST_CASE("every Sig parses as params:results over i l f d v") {
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    CAPTURE(rowName(i));
    std::string_view sig = info(i).sig;
    if (sig.empty()) continue;
    ParsedSig p = parseSig(sig);
    CHECK_MESSAGE(p.ok, "bad sig '" << std::string(sig) << "'");
    CHECK(p.results.size() <= 1);  // no Wasm 2.0 instruction returns more than one value
    CHECK(p.params.size() <= 3);
  }
}

TEST_CASE("memory instructions: sig and natural alignment") {
  // Access size in bytes, from the spec, written out independently of the
  // table's Bytes column.
  const std::map<std::string, unsigned> access_bytes = {
      {"i32.load", 4},          {"i64.load", 8},          {"f32.load", 4},          {"f64.load", 8},
      {"i32.load8_s", 1},       {"i32.load8_u", 1},       {"i32.load16_s", 2},      {"i32.load16_u", 2},
      {"i64.load8_s", 1},       {"i64.load8_u", 1},       {"i64.load16_s", 2},      {"i64.load16_u", 2},
      {"i64.load32_s", 4},      {"i64.load32_u", 4},      {"i32.store", 4},         {"i64.store", 8},
      {"f32.store", 4},         {"f64.store", 8},         {"i32.store8", 1},        {"i32.store16", 2},
      {"i64.store8", 1},        {"i64.store16", 2},       {"i64.store32", 4},       {"v128.load", 16},
      {"v128.load8x8_s", 8},    {"v128.load8x8_u", 8},    {"v128.load16x4_s", 8},   {"v128.load16x4_u", 8},
      {"v128.load32x2_s", 8},   {"v128.load32x2_u", 8},   {"v128.load8_splat", 1},  {"v128.load16_splat", 2},
      {"v128.load32_splat", 4}, {"v128.load64_splat", 8}, {"v128.store", 16},       {"v128.load32_zero", 4},
      {"v128.load64_zero", 8},  {"v128.load8_lane", 1},   {"v128.load16_lane", 2},  {"v128.load32_lane", 4},
      {"v128.load64_lane", 8},  {"v128.store8_lane", 1},  {"v128.store16_lane", 2}, {"v128.store32_lane", 4},
      {"v128.store64_lane", 8},
  };
  std::set<std::string> seen;
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    const OpInfo& o = info(i);
    if (!isMemArg(o.imm)) continue;
    CAPTURE(rowName(i));
    seen.insert(o.name);
    std::string_view sig = o.sig;
    CHECK_FALSE(sig.empty());
    ParsedSig p = parseSig(sig);
    REQUIRE(p.ok);
    // The address operand comes first and is an i32.
    REQUIRE(p.params.size() >= 1);
    CHECK(p.params[0] == 'i');
    std::string_view name = o.name;
    std::string_view type = name.substr(0, name.find('.'));
    bool is_store = name.find(".store") != std::string_view::npos;
    if (is_store) {
      CHECK(p.results.empty());
      REQUIRE(p.params.size() == 2);
      CHECK(p.params[1] == typeLetter(type));
    } else {
      REQUIRE(p.results.size() == 1);
      CHECK(p.results[0] == typeLetter(type));
    }
    unsigned align = o.natural_align;
    CHECK(align <= 4);
    CHECK(align <= o.access_bytes);
    auto it = access_bytes.find(std::string(name));
    if (it == access_bytes.end()) {
      FAIL_CHECK("unexpected memory instruction " << std::string(name));
      continue;
    }
    CHECK((1u << align) == it->second);
    CHECK(o.access_bytes == it->second);
    CHECK(o.cls == (is_store ? tern::OpClass::Store : tern::OpClass::Load));
    // Lane immediates match the access width.
    unsigned lanes = 0;
    if (o.imm == ImmKind::MemArgLane16) lanes = 16;
    if (o.imm == ImmKind::MemArgLane8) lanes = 8;
    if (o.imm == ImmKind::MemArgLane4) lanes = 4;
    if (o.imm == ImmKind::MemArgLane2) lanes = 2;
    if (lanes) CHECK(lanes * it->second == 16);
  }
  CHECK(seen.size() == access_bytes.size());
  for (auto& [name, bytes] : access_bytes) {
    CAPTURE(name);
    CHECK(seen.count(name) == 1);
  }
}

TEST_CASE("SIMD: exactly the 236 opcodes of Wasm 2.0") {
  // Opcodes in 0..255 that Wasm 2.0 leaves unassigned in the 0xFD space.
  const std::set<uint32_t> gaps = {154, 162, 165, 166, 175, 176, 178, 179, 180, 187,
                                   194, 197, 198, 207, 208, 210, 211, 212, 226, 238};
  std::set<uint32_t> codes;
  unsigned simd_rows = 0;
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    const OpInfo& o = info(i);
    bool simd_feature = o.feature == tern::Feature::simd;
    CAPTURE(rowName(i));
    CHECK(simd_feature == (o.prefix == 0xfd));
    if (o.prefix != 0xfd) continue;
    ++simd_rows;
    codes.insert(o.code);
    CHECK(o.code < 256);
    CHECK(gaps.count(o.code) == 0);
    std::string_view name = o.name;
    CHECK((name.starts_with("v128.") || name.starts_with("i8x16.") || name.starts_with("i16x8.") ||
           name.starts_with("i32x4.") || name.starts_with("i64x2.") || name.starts_with("f32x4.") ||
           name.starts_with("f64x2.")));
    // Every SIMD instruction has a generic signature that mentions v128.
    std::string_view sig = o.sig;
    CHECK(sig.find('v') != std::string_view::npos);
  }
  CHECK(simd_rows == 236);
  CHECK(codes.size() == 236);
  for (uint32_t c = 0; c < 256; ++c) {
    CAPTURE(c);
    CHECK(codes.count(c) == (gaps.count(c) ? 0u : 1u));
  }
  // Spot checks of a few well-known encodings.
  auto code_of = [](const char* n) -> long {
    auto op = tern::lookupOpcodeByName(n);
    return op ? long(tern::opInfo(*op).code) : -1;
  };
  CHECK(code_of("v128.load") == 0x00);
  CHECK(code_of("v128.const") == 0x0c);
  CHECK(code_of("i8x16.shuffle") == 0x0d);
  CHECK(code_of("v128.any_true") == 0x53);
  CHECK(code_of("i16x8.q15mulr_sat_s") == 0x82);
  CHECK(code_of("i32x4.dot_i16x8_s") == 0xba);
  CHECK(code_of("f64x2.convert_low_i32x4_u") == 0xff);
  CHECK(tern::opInfo(*tern::lookupOpcodeByName("v128.const")).imm == ImmKind::V128);
  CHECK(tern::opInfo(*tern::lookupOpcodeByName("i8x16.shuffle")).imm == ImmKind::Shuffle);
  CHECK(tern::opInfo(*tern::lookupOpcodeByName("i8x16.extract_lane_s")).imm == ImmKind::Lane16);
  CHECK(tern::opInfo(*tern::lookupOpcodeByName("i16x8.replace_lane")).imm == ImmKind::Lane8);
  CHECK(tern::opInfo(*tern::lookupOpcodeByName("f32x4.extract_lane")).imm == ImmKind::Lane4);
  CHECK(tern::opInfo(*tern::lookupOpcodeByName("i64x2.replace_lane")).imm == ImmKind::Lane2);
}

TEST_CASE("single-byte opcodes: exactly the Wasm 2.0 set, plus exception handling's and tail calls") {
  std::set<uint32_t> expected;
  auto range = [&](uint32_t lo, uint32_t hi) {
    for (uint32_t c = lo; c <= hi; ++c) expected.insert(c);
  };
  range(0x00, 0x05);  // unreachable nop block loop if else
  range(0x0b, 0x11);  // end br br_if br_table return call call_indirect
  range(0x12, 0x13);  // return_call return_call_indirect (tail-call)
  range(0x1a, 0x1c);  // drop select select t
  range(0x20, 0x26);  // local.*, global.*, table.get/set
  range(0x28, 0x44);  // memory, memory.size/grow, constants
  range(0x45, 0xc4);  // numeric (MVP + sign extension)
  range(0xd0, 0xd2);  // ref.null ref.is_null ref.func
  range(0x06, 0x09);  // try catch throw rethrow (exceptions, the legacy form)
  range(0x18, 0x19);  // delegate catch_all
  range(0x0a, 0x0a);  // throw_ref (exceptions, Wasm 3.0)
  range(0x1f, 0x1f);  // try_table
  std::set<uint32_t> got;
  for (unsigned i = 0; i < kOpcodeCount; ++i)
    if (info(i).prefix == 0) got.insert(info(i).code);
  for (uint32_t c : expected) {
    CAPTURE(c);
    CHECK(got.count(c) == 1);
    CHECK(tern::lookupOpcode(0, c).has_value());
  }
  for (uint32_t c : got) {
    CAPTURE(c);
    CHECK(expected.count(c) == 1);
    auto op = tern::lookupOpcode(0, c);
    REQUIRE(op.has_value());
    bool exceptions = (c >= 0x06 && c <= 0x0a) || c == 0x18 || c == 0x19 || c == 0x1f;
    CHECK((tern::opInfo(*op).feature == tern::Feature::exceptions) == exceptions);
  }
  CHECK(tern::opInfo(*tern::lookupOpcode(0, 0x12)).feature == tern::Feature::tailcall);
  CHECK(tern::opInfo(*tern::lookupOpcode(0, 0x13)).feature == tern::Feature::tailcall);
}

TEST_CASE("0xFC opcodes: 0..17") {
  std::set<uint32_t> got;
  for (unsigned i = 0; i < kOpcodeCount; ++i)
    if (info(i).prefix == 0xfc) got.insert(info(i).code);
  std::set<uint32_t> expected;
  for (uint32_t c = 0; c <= 17; ++c) expected.insert(c);
  CHECK(got == expected);
  for (uint32_t c = 0; c <= 7; ++c) {
    CAPTURE(c);
    auto op = tern::lookupOpcode(0xfc, c);
    REQUIRE(op.has_value());
    CHECK(tern::opInfo(*op).feature == tern::Feature::satconv);
    CHECK(std::string_view(tern::opName(*op)).find("trunc_sat") != std::string_view::npos);
  }
}

TEST_CASE("MVP numeric instructions 0x45..0xc4: sigs agree with the names") {
  const std::set<std::string_view> compare = {"eqz",  "eq", "ne",   "lt",   "lt_s", "lt_u", "gt",  "gt_s",
                                              "gt_u", "le", "le_s", "le_u", "ge",   "ge_s", "ge_u"};
  const std::set<std::string_view> unary = {"eqz",  "clz",       "ctz",        "popcnt",    "abs",
                                            "neg",  "ceil",      "floor",      "trunc",     "nearest",
                                            "sqrt", "extend8_s", "extend16_s", "extend32_s"};
  for (uint32_t c = 0x45; c <= 0xc4; ++c) {
    CAPTURE(c);
    auto op = tern::lookupOpcode(0, c);
    REQUIRE(op.has_value());
    const OpInfo& o = tern::opInfo(*op);
    CAPTURE(std::string(o.name));
    CHECK(o.imm == ImmKind::None);
    CHECK(o.feature == (c >= 0xc0 ? tern::Feature::signext : tern::Feature::mvp));
    ParsedSig p = parseSig(o.sig);
    REQUIRE(p.ok);
    std::string_view name = o.name;
    size_t dot = name.find('.');
    REQUIRE(dot != std::string_view::npos);
    char t = typeLetter(name.substr(0, dot));
    REQUIRE(t != '?');
    std::string_view op_name = name.substr(dot + 1);
    REQUIRE(p.results.size() == 1);
    if (compare.count(op_name)) {
      CHECK(p.results == "i");
    } else {
      CHECK(p.results[0] == t);
    }
    // Conversions name their source type after the last '_' ("i32.wrap_i64",
    // "f64.convert_i32_u"): that is the operand.
    std::string_view src;
    for (std::string_view cand : {"_i32", "_i64", "_f32", "_f64"}) {
      size_t at = op_name.find(cand);
      if (at != std::string_view::npos) src = op_name.substr(at + 1, 3);
    }
    if (!src.empty()) {
      CHECK(p.params.size() == 1);
      CHECK(p.params == std::string(1, typeLetter(src)));
    } else if (unary.count(op_name)) {
      CHECK(p.params == std::string(1, t));
    } else {
      CHECK(p.params == std::string(2, t));
    }
  }
}

TEST_CASE("features and hand-validated instructions") {
  std::set<std::string> names;
  for (auto f : {tern::Feature::mvp, tern::Feature::signext, tern::Feature::satconv, tern::Feature::multivalue,
                 tern::Feature::bulk, tern::Feature::reftypes, tern::Feature::simd}) {
    const char* n = tern::featureName(f);
    REQUIRE(n != nullptr);
    CHECK(std::string_view(n).size() > 0);
    names.insert(n);
  }
  CHECK(names.size() == 7);
  // Control and variable instructions are validated by hand (empty sig).
  for (const char* n : {"unreachable", "block",    "loop",        "if",        "else",      "end",
                        "br",          "br_if",    "br_table",    "return",    "call",      "call_indirect",
                        "drop",        "select",   "local.get",   "local.set", "local.tee", "global.get",
                        "global.set",  "ref.null", "ref.is_null", "ref.func",  "table.get", "table.set"}) {
    CAPTURE(n);
    auto op = tern::lookupOpcodeByName(n);
    REQUIRE(op.has_value());
    CHECK(std::string_view(tern::opInfo(*op).sig).empty());
  }
  // A few immediates.
  auto imm = [](const char* n) { return tern::opInfo(*tern::lookupOpcodeByName(n)).imm; };
  CHECK(imm("block") == ImmKind::BlockType);
  CHECK(imm("br_table") == ImmKind::BrTable);
  CHECK(imm("call_indirect") == ImmKind::CallIndirect);
  CHECK(imm("i32.const") == ImmKind::I32);
  CHECK(imm("i64.const") == ImmKind::I64);
  CHECK(imm("f32.const") == ImmKind::F32);
  CHECK(imm("f64.const") == ImmKind::F64);
  CHECK(imm("memory.size") == ImmKind::MemIdx);
  CHECK(imm("memory.grow") == ImmKind::MemIdx);
  CHECK(imm("memory.init") == ImmKind::MemoryInit);
  CHECK(imm("memory.copy") == ImmKind::MemoryCopy);
  CHECK(imm("table.init") == ImmKind::TableInit);
  CHECK(imm("table.copy") == ImmKind::TableCopy);
  CHECK(imm("ref.null") == ImmKind::RefType);
  CHECK(tern::opInfo(tern::Opcode::SelectT).imm == ImmKind::SelectT);
  CHECK(tern::opInfo(tern::Opcode::Select).imm == ImmKind::None);
}

TEST_CASE("typed signature columns agree with the Sig text") {
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    CAPTURE(rowName(i));
    const OpInfo& o = info(i);
    ParsedSig p = parseSig(o.sig);
    if (std::string_view(o.sig).empty()) {
      CHECK(o.types.nparams == 0);
      CHECK(o.types.nresults == 0);
      continue;
    }
    REQUIRE(p.ok);
    REQUIRE(o.types.nparams == p.params.size());
    REQUIRE(o.types.nresults == p.results.size());
    for (unsigned k = 0; k < o.types.nparams; ++k) CHECK(o.types.params[k] == tern::sigType(p.params[k]));
    for (unsigned k = 0; k < o.types.nresults; ++k) CHECK(o.types.results[k] == tern::sigType(p.results[k]));
  }
  CHECK(tern::sigType('i') == ValType::I32);
  CHECK(tern::sigType('l') == ValType::I64);
  CHECK(tern::sigType('f') == ValType::F32);
  CHECK(tern::sigType('d') == ValType::F64);
  CHECK(tern::sigType('v') == ValType::V128);
}

TEST_CASE("classes: generic rows have a signature, memory rows a size, the rest by name") {
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    CAPTURE(rowName(i));
    const OpInfo& o = info(i);
    if (tern::isGeneric(o.cls)) CHECK_FALSE(std::string_view(o.sig).empty());
    bool mem = o.cls == OpClass::Load || o.cls == OpClass::Store;
    CHECK(mem == isMemArg(o.imm));
    if (mem) {
      CHECK(o.access_bytes > 0);
      CHECK((1u << o.natural_align) == o.access_bytes);
      CHECK((o.traps & tern::opflag::memOob) != 0);
      CHECK(o.types.nresults == (o.cls == OpClass::Load ? 1 : 0));
    } else {
      CHECK(o.access_bytes == 0);
      CHECK(o.natural_align == 0);
    }
    bool konst = o.imm == ImmKind::I32 || o.imm == ImmKind::I64 || o.imm == ImmKind::F32 || o.imm == ImmKind::F64 ||
                 o.imm == ImmKind::V128;
    CHECK(konst == (o.cls == OpClass::Const));
    if (o.cls == OpClass::Const) {
      CHECK(o.types.nparams == 0);
      CHECK(o.types.nresults == 1);
    }
    // Only the memory-index immediates, segments and tables are read by hand.
    if (o.cls == OpClass::Num)
      CHECK((o.imm == ImmKind::None || o.imm == ImmKind::Lane2 || o.imm == ImmKind::Lane4 || o.imm == ImmKind::Lane8 ||
             o.imm == ImmKind::Lane16 || o.imm == ImmKind::Shuffle));
    if (o.commutative) {
      CHECK(o.types.nparams == 2);
      CHECK(o.types.params[0] == o.types.params[1]);
    }
    CHECK((o.traps & tern::opflag::comm) == 0);
  }
  auto cls = [](const char* n) { return tern::opInfo(*tern::lookupOpcodeByName(n)).cls; };
  for (const char* n : {"unreachable", "nop", "block", "loop", "if", "else", "end", "br", "br_if", "br_table", "return",
                        "call", "call_indirect"})
    CHECK(cls(n) == OpClass::Ctl);
  for (const char* n : {"local.get", "local.set", "local.tee", "global.get", "global.set"})
    CHECK(cls(n) == OpClass::Var);
  for (const char* n : {"table.get", "table.set", "table.size", "table.grow", "table.fill"})
    CHECK(cls(n) == OpClass::Table);
  for (const char* n :
       {"memory.init", "data.drop", "memory.copy", "memory.fill", "table.init", "elem.drop", "table.copy"})
    CHECK(cls(n) == OpClass::Bulk);
  CHECK(cls("drop") == OpClass::Param);
  CHECK(cls("select") == OpClass::Param);
  CHECK(cls("memory.size") == OpClass::Mem);
  CHECK(cls("memory.grow") == OpClass::Mem);
  CHECK(cls("ref.func") == OpClass::Ref);
}

TEST_CASE("commutativity and traps of the MVP operators") {
  auto o = [](const char* n) { return tern::opInfo(*tern::lookupOpcodeByName(n)); };
  for (const char* n : {"i32.add", "i32.mul", "i32.and", "i32.or", "i32.xor", "i32.eq", "i32.ne", "i64.add", "i64.mul",
                        "i64.and", "i64.or", "i64.xor", "i64.eq", "i64.ne", "f32.eq", "f64.ne"}) {
    CAPTURE(n);
    CHECK(o(n).commutative);
  }
  // Float arithmetic is not: which NaN comes out depends on the order.
  for (const char* n : {"i32.sub", "i32.shl", "i32.lt_s", "i64.rotl", "f32.add", "f64.mul", "f32.min", "i32.div_u"}) {
    CAPTURE(n);
    CHECK_FALSE(o(n).commutative);
  }
  using namespace tern::opflag;
  CHECK(o("i32.div_s").traps == (divZero | overflow));
  CHECK(o("i64.div_s").traps == (divZero | overflow));
  CHECK(o("i32.div_u").traps == divZero);
  CHECK(o("i64.rem_s").traps == divZero);
  CHECK(o("i32.trunc_f32_s").traps == (overflow | badConv));
  CHECK(o("i64.trunc_f64_u").traps == (overflow | badConv));
  CHECK(o("i32.trunc_sat_f32_s").traps == 0);
  CHECK(o("i32.add").traps == 0);
  CHECK(o("f64.div").traps == 0);
  CHECK(o("unreachable").traps == unreachable);
  CHECK((o("call_indirect").traps & badElem) != 0);
  CHECK((o("table.copy").traps & tableOob) != 0);
  CHECK((o("memory.fill").traps & memOob) != 0);
  CHECK(o("memory.grow").traps == 0);
  // Every row whose name says it divides or converts with a check traps.
  for (unsigned i = 0; i < kOpcodeCount; ++i) {
    std::string_view name = info(i).name;
    CAPTURE(std::string(name));
    if (info(i).prefix == 0xfd) continue;
    bool div = name.find(".div_") != std::string_view::npos || name.find(".rem_") != std::string_view::npos;
    bool trunc = name.find(".trunc_f") != std::string_view::npos;
    if (div) CHECK((info(i).traps & divZero) != 0);
    if (trunc) CHECK((info(i).traps & badConv) != 0);
    if (!div && !trunc && info(i).cls == OpClass::Num) CHECK(info(i).traps == 0);
  }
}

TEST_CASE("loads: sign extension, result type and size from the table") {
  auto o = [](const char* n) { return tern::opInfo(*tern::lookupOpcodeByName(n)); };
  for (const char* n : {"i32.load8_s", "i32.load16_s", "i64.load8_s", "i64.load16_s", "i64.load32_s"}) {
    CAPTURE(n);
    CHECK(o(n).load_signed);
  }
  for (const char* n : {"i32.load", "i64.load", "f32.load", "f64.load", "i32.load8_u", "i32.load16_u", "i64.load8_u",
                        "i64.load16_u", "i64.load32_u", "i32.store8", "i32.add"}) {
    CAPTURE(n);
    CHECK_FALSE(o(n).load_signed);
  }
}
