// Decoding and validation through the public API: hand-built modules that
// must compile, malformed/invalid ones that must be rejected with the spec's
// error text, streaming compilation in chunks of every size, and the
// decoder's hand-over of bodies to its consumer (the tier policy's).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "decode/module_decoder.h"
#include "jit/jit.h"
#include "module/module.h"
#include "runtime/objects.h"
#include "tern/tern.hpp"
#include "wasm_builder.h"

using namespace wb;
using tern::ErrorKind;

namespace {

tern::Engine& engine() {
  static tern::Engine e;
  return e;
}

const char* kindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::Malformed: return "Malformed";
    case ErrorKind::Invalid: return "Invalid";
    case ErrorKind::Link: return "Link";
    case ErrorKind::Trap: return "Trap";
    case ErrorKind::Io: return "Io";
    case ErrorKind::Unsupported: return "Unsupported";
  }
  return "?";
}

std::string show(const tern::Error& e) {
  std::ostringstream os;
  os << kindName(e.kind) << " '" << e.message << "' at ";
  if (e.offset == SIZE_MAX) os << "(none)";
  else os << e.offset;
  return os.str();
}

std::string valTypes(const std::vector<tern::ValType>& ts) {
  std::string s;
  for (tern::ValType t : ts) {
    if (!s.empty()) s += ",";
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x", unsigned(t));
    s += buf;
  }
  return s;
}

std::string limits(const tern::Limits& l) {
  std::string s = std::to_string(l.min);
  if (l.max) s += ".." + std::to_string(*l.max);
  return s;
}

// A description of an extern type that depends only on the fields that are
// meaningful for its kind.
std::string describe(const tern::ExternType& t) {
  switch (t.kind) {
    case tern::ExternKind::Func: return "func (" + valTypes(t.func.params) + ")->(" + valTypes(t.func.results) + ")";
    case tern::ExternKind::Table: return "table " + valTypes({t.table.elem}) + " " + limits(t.table.limits);
    case tern::ExternKind::Memory: return "memory " + limits(t.memory.limits);
    case tern::ExternKind::Global:
      return std::string("global ") + (t.global.mut ? "mut " : "") + valTypes({t.global.type});
  }
  return "?";
}

std::vector<std::string> describeImports(const tern::Module& m) {
  std::vector<std::string> v;
  for (const tern::ImportInfo& i : m.imports()) v.push_back(i.module + "." + i.name + ": " + describe(i.type));
  return v;
}

std::vector<std::string> describeExports(const tern::Module& m) {
  std::vector<std::string> v;
  for (const tern::ExportInfo& e : m.exports()) v.push_back(e.name + ": " + describe(e.type));
  return v;
}

tern::Expected<std::shared_ptr<tern::Module>> compile(const Bytes& b) {
  return tern::Module::compile(engine(), std::span<const uint8_t>(b.data(), b.size()));
}

// Streams `b` in chunks whose sizes come from `next_size`. Stops feeding once
// feed() reports an error.
tern::Expected<std::shared_ptr<tern::Module>> stream(const Bytes& b, const std::function<size_t()>& next_size) {
  tern::ModuleStreamer s(engine());
  size_t at = 0;
  while (at < b.size()) {
    size_t n = std::min(next_size(), b.size() - at);
    bool ok = s.feed(std::span<const uint8_t>(b.data() + at, n));
    at += n;
    if (!ok) break;
  }
  return s.finish();
}

tern::Expected<std::shared_ptr<tern::Module>> streamOneChunk(const Bytes& b) {
  return stream(b, [&] { return b.size(); });
}
tern::Expected<std::shared_ptr<tern::Module>> streamBytewise(const Bytes& b) {
  return stream(b, [] { return size_t(1); });
}
tern::Expected<std::shared_ptr<tern::Module>> streamRandom(const Bytes& b, uint32_t seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return stream(b, [rng] {
    // Mostly small chunks, sometimes empty ones, sometimes big ones.
    uint32_t r = (*rng)() % 100;
    if (r < 5) return size_t(0);
    if (r < 80) return size_t(1 + (*rng)() % 7);
    return size_t(1 + (*rng)() % 200);
  });
}

bool startsWithAny(const std::string& s, const std::vector<std::string>& prefixes) {
  for (const std::string& p : prefixes)
    if (s.rfind(p, 0) == 0) return true;
  return false;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "'" : " | '") + x + "'";
  return s;
}

// Checks that `b` is rejected by compile, validate and the streamer (in one
// chunk and byte by byte) with kind `kind`, a message starting with one of
// `msgs`, and an offset in [lo, hi] (and within the module).
void expectReject(const Bytes& b, ErrorKind kind, const std::vector<std::string>& msgs, size_t lo = 0,
                  size_t hi = SIZE_MAX) {
  auto r = compile(b);
  if (r.ok()) {
    FAIL_CHECK("module was accepted; expected " << kindName(kind) << " " << join(msgs));
    return;
  }
  const tern::Error& e = r.error();
  INFO("compile error: " << show(e));
  CHECK(e.kind == kind);
  CHECK_MESSAGE(startsWithAny(e.message, msgs), "expected message " << join(msgs));
  CHECK(e.offset != SIZE_MAX);
  if (e.offset != SIZE_MAX) {
    CHECK(e.offset <= b.size());
    CHECK(e.offset >= lo);
    CHECK(e.offset <= hi);
  }

  std::optional<tern::Error> v = tern::Module::validate(b);
  CHECK_MESSAGE(v.has_value(), "Module::validate accepted the module");
  if (v) {
    INFO("validate error: " << show(*v));
    CHECK(v->kind == e.kind);
    CHECK(v->message == e.message);
    CHECK(v->offset == e.offset);
  }

  auto one = streamOneChunk(b);
  auto bytewise = streamBytewise(b);
  CHECK_MESSAGE(!one.ok(), "streamer (one chunk) accepted the module");
  CHECK_MESSAGE(!bytewise.ok(), "streamer (1-byte chunks) accepted the module");
  if (!one.ok() && !bytewise.ok()) {
    INFO("stream one chunk: " << show(one.error()));
    INFO("stream 1-byte chunks: " << show(bytewise.error()));
    CHECK(one.error().kind == e.kind);
    CHECK(one.error().message == e.message);
    CHECK(one.error().offset == e.offset);
    CHECK(bytewise.error().kind == one.error().kind);
    CHECK(bytewise.error().message == one.error().message);
    CHECK(bytewise.error().offset == one.error().offset);
  }
}

void expectMalformed(const Bytes& b, const std::vector<std::string>& msgs, size_t lo = 0, size_t hi = SIZE_MAX) {
  expectReject(b, ErrorKind::Malformed, msgs, lo, hi);
}
void expectInvalid(const Bytes& b, const std::vector<std::string>& msgs, size_t lo = 0, size_t hi = SIZE_MAX) {
  expectReject(b, ErrorKind::Invalid, msgs, lo, hi);
}

std::shared_ptr<tern::Module> expectCompiles(const Bytes& b) {
  auto r = compile(b);
  if (!r.ok()) {
    FAIL_CHECK("valid module rejected: " << show(r.error()));
    return nullptr;
  }
  CHECK_FALSE(tern::Module::validate(b).has_value());
  return r.value();
}

// header + raw bytes.
Bytes mod(std::initializer_list<uint8_t> rest) {
  Bytes b = header();
  for (uint8_t x : rest) b.push_back(x);
  return b;
}

// The range [first, last] of a section's bytes including its id and size.
struct Range {
  size_t lo, hi;
};
Range sectionRange(const ModuleBuilder& m, uint8_t id) {
  const ModuleBuilder::Where* w = m.find(id);
  REQUIRE(w != nullptr);
  return {w->start, w->end};
}

// Byte range of each function body (size prefix included) in the code
// section written by codeSection(bodies).
std::vector<Range> bodyRanges(const ModuleBuilder& m, const std::vector<Body>& bodies) {
  const ModuleBuilder::Where* w = m.find(kCode);
  REQUIRE(w != nullptr);
  Bytes count;
  putU(count, bodies.size());
  size_t at = w->content + count.size();
  std::vector<Range> out;
  for (const Body& f : bodies) {
    size_t n = encodeBody(f).size();
    out.push_back({at, at + n});
    at += n;
  }
  return out;
}

// A one-function module; the error must lie inside the function body.
void expectInvalidBody(const Sig& sig, const Body& body, const std::vector<std::string>& msgs,
                       std::initializer_list<std::pair<uint8_t, Bytes>> extra_sections = {}) {
  ModuleBuilder m;
  m.section(kType, typeSection({sig}));
  m.section(kFunction, funcSection({0}));
  for (auto& [id, content] : extra_sections)
    if (id < kExport) m.section(id, content);
  for (auto& [id, content] : extra_sections)
    if (id >= kExport && id != kData) m.section(id, content);
  m.section(kCode, codeSection({body}));
  for (auto& [id, content] : extra_sections)
    if (id == kData) m.section(id, content);
  Range r = bodyRanges(m, {body})[0];
  expectInvalid(m.bytes(), msgs, r.lo, r.hi);
}

void expectMalformedBody(const Sig& sig, const Body& body, const std::vector<std::string>& msgs,
                         std::initializer_list<std::pair<uint8_t, Bytes>> extra_sections = {}) {
  ModuleBuilder m;
  m.section(kType, typeSection({sig}));
  m.section(kFunction, funcSection({0}));
  for (auto& [id, content] : extra_sections)
    if (id < kExport) m.section(id, content);
  for (auto& [id, content] : extra_sections)
    if (id >= kExport && id != kData) m.section(id, content);
  m.section(kCode, codeSection({body}));
  for (auto& [id, content] : extra_sections)
    if (id == kData) m.section(id, content);
  Range r = bodyRanges(m, {body})[0];
  expectMalformed(m.bytes(), msgs, r.lo, r.hi);
}

const Sig kVoid{{}, {}};
const Sig kToI32{{}, {I32}};

// ---------------------------------------------------------------------------
// Running the rich module.

tern::Func* makeTwice(tern::Store& store) {
  return store.createHostFunc(
      tern::FuncType{{tern::ValType::I32}, {tern::ValType::I32}},
      [](tern::Caller&, std::span<const tern::Value> args,
         std::span<tern::Value> results) -> std::optional<tern::Trap> {
        results[0] = tern::Value::i32(args[0].asI32() * 2);
        return std::nullopt;
      },
      "twice");
}

std::string showValue(const tern::Value& v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02x:%016llx:%016llx", unsigned(v.type), (unsigned long long)v.bits,
                (unsigned long long)v.hi);
  return buf;
}

std::string callAndShow(tern::Instance* inst, const char* name, std::vector<tern::Value> args) {
  tern::Func* f = inst->getFunc(name);
  if (!f) return std::string("missing export ") + name;
  auto r = f->call(args);
  if (!r.ok()) return "trap " + std::to_string(int(r.error().kind)) + " " + r.error().message;
  std::string s = "ok";
  for (const tern::Value& v : r.value()) {
    s += ' ';
    s += showValue(v);
  }
  return s;
}

// Runs a fixed script against a fresh instance of the rich module and
// returns a transcript.
std::vector<std::string> runRichScript(const std::shared_ptr<tern::Module>& m) {
  std::vector<std::string> out;
  tern::Store store(engine());
  auto inst = store.instantiate(m, {tern::Extern(makeTwice(store))});
  if (!inst.ok()) {
    out.push_back("instantiate failed: " + show(inst.error()));
    return out;
  }
  tern::Instance* i = inst.value();
  using tern::Value;
  out.push_back(callAndShow(i, "add", {Value::i32(2), Value::i32(3)}));
  out.push_back(callAndShow(i, "add", {Value::i32(-1), Value::i32(1)}));
  out.push_back(callAndShow(i, "fac", {Value::i64(0)}));
  out.push_back(callAndShow(i, "fac", {Value::i64(5)}));
  out.push_back(callAndShow(i, "fac", {Value::i64(20)}));
  out.push_back(callAndShow(i, "fib", {Value::i32(0)}));
  out.push_back(callAndShow(i, "fib", {Value::i32(1)}));
  out.push_back(callAndShow(i, "fib", {Value::i32(10)}));
  out.push_back(callAndShow(i, "mem", {Value::i32(7)}));
  out.push_back(callAndShow(i, "mem", {Value::i32(7)}));
  out.push_back(callAndShow(i, "mem", {Value::i32(-1)}));
  for (int x : {0, 1, 2, 3, 100, -1}) out.push_back(callAndShow(i, "sel", {Value::i32(x)}));
  out.push_back(callAndShow(i, "callimp", {Value::i32(5)}));
  out.push_back(callAndShow(i, "data", {}));
  for (int x : {1, 0, 2, -1}) out.push_back(callAndShow(i, "indirect", {Value::i32(x)}));
  tern::Global* g = i->getGlobal("g");
  out.push_back(g ? "g " + showValue(g->get()) : "no global");
  tern::Memory* mem = i->getMemory("memory");
  if (mem && mem->size() >= 104) {
    std::string bytes = "mem";
    for (size_t a : {16, 17, 18, 19, 100, 101, 102, 103}) {
      bytes += ' ';
      bytes += std::to_string(mem->data()[a]);
    }
    out.push_back(bytes);
  } else {
    out.push_back("no memory");
  }
  tern::Table* tab = i->getTable("tab");
  out.push_back(tab ? "tab " + std::to_string(tab->size()) : "no table");
  return out;
}

std::string okI32(int32_t v) { return "ok " + showValue(tern::Value::i32(v)); }
std::string okI64(int64_t v) { return "ok " + showValue(tern::Value::i64(v)); }

}  // namespace

// ===========================================================================
// Valid modules

TEST_CASE("empty module") {
  auto m = expectCompiles(header());
  REQUIRE(m);
  CHECK(m->imports().empty());
  CHECK(m->exports().empty());
  tern::Store store(engine());
  auto inst = store.instantiate(m, {});
  CHECK(inst.ok());
}

TEST_CASE("add module: exports and a call") {
  auto m = expectCompiles(addModule());
  REQUIRE(m);
  CHECK(m->imports().empty());
  auto exps = m->exports();
  REQUIRE(exps.size() == 1);
  CHECK(exps[0].name == "f");
  CHECK(exps[0].type.kind == tern::ExternKind::Func);
  CHECK(exps[0].type.func == tern::FuncType{{tern::ValType::I32, tern::ValType::I32}, {tern::ValType::I32}});
  tern::Store store(engine());
  auto inst = store.instantiate(m, {});
  REQUIRE(inst.ok());
  tern::Func* f = inst.value()->getFunc("f");
  REQUIRE(f);
  CHECK(f->type() == exps[0].type.func);
  std::vector<tern::Value> args = {tern::Value::i32(40), tern::Value::i32(2)};
  auto r = f->call(args);
  REQUIRE(r.ok());
  REQUIRE(r.value().size() == 1);
  CHECK(r.value()[0].type == tern::ValType::I32);
  CHECK(r.value()[0].asI32() == 42);
  CHECK(inst.value()->getFunc("g") == nullptr);
  CHECK_FALSE(inst.value()->getExport("nope").has_value());
  CHECK(inst.value()->getMemory("f") == nullptr);
}

TEST_CASE("imports() and exports() of every kind") {
  auto m = expectCompiles(importsExportsModule());
  REQUIRE(m);
  std::vector<std::string> imports = describeImports(*m);
  std::vector<std::string> want_imports = {
      "env.log: func (7f)->()",
      "env.mem: memory 1..2",
      "env.tab: table 70 3",
      "spectest.g: global 7c",
  };
  CHECK(imports == want_imports);
  std::vector<std::string> exports = describeExports(*m);
  std::vector<std::string> want_exports = {
      "two: func ()->(7e,7d)", "log_again: func (7f)->()", "m: memory 1..2",
      "t: table 70 3",         "imported_g: global 7c",    "own_g: global mut 7e",
  };
  CHECK(exports == want_exports);

  auto imps = m->imports();
  REQUIRE(imps.size() == 4);
  CHECK(imps[0].type.kind == tern::ExternKind::Func);
  CHECK(imps[1].type.kind == tern::ExternKind::Memory);
  CHECK(imps[1].type.memory.limits == tern::Limits{1, 2});
  CHECK(imps[2].type.kind == tern::ExternKind::Table);
  CHECK(imps[2].type.table.elem == tern::ValType::FuncRef);
  CHECK(imps[2].type.table.limits == tern::Limits{3, std::nullopt});
  CHECK(imps[3].type.kind == tern::ExternKind::Global);
  CHECK(imps[3].type.global.type == tern::ValType::F64);
  CHECK_FALSE(imps[3].type.global.mut);

  // Instantiate with dummies and call the multi-value function.
  tern::Store store(engine());
  std::vector<tern::Extern> externs;
  REQUIRE(makeDummyImports(store, m->imports(), &externs));
  auto inst = store.instantiate(m, externs);
  REQUIRE_MESSAGE(inst.ok(), show(inst.error()));
  tern::Func* two = inst.value()->getFunc("two");
  REQUIRE(two);
  auto r = two->call({});
  REQUIRE(r.ok());
  REQUIRE(r.value().size() == 2);
  CHECK(r.value()[0].asI64() == 42);
  CHECK(r.value()[1].asF32() == 1.5f);
  // Re-exported imports are the very same objects.
  CHECK(inst.value()->getMemory("m") == externs[1].memory());
  CHECK(inst.value()->getTable("t") == externs[2].table());
  CHECK(inst.value()->getGlobal("imported_g") == externs[3].global());
  CHECK(inst.value()->getFunc("log_again") == externs[0].func());
  tern::Global* own = inst.value()->getGlobal("own_g");
  REQUIRE(own);
  CHECK(own->get().asI64() == -1);
  CHECK(own->set(tern::Value::i64(9)));
  CHECK(own->get().asI64() == 9);
  CHECK_FALSE(own->set(tern::Value::i32(9)));
}

TEST_CASE("rich module: behaviour") {
  auto m = expectCompiles(richModule());
  REQUIRE(m);
  CHECK(describeImports(*m) == std::vector<std::string>{"env.twice: func (7f)->(7f)"});
  CHECK(describeExports(*m) == std::vector<std::string>{
                                   "add: func (7f,7f)->(7f)",
                                   "fac: func (7e)->(7e)",
                                   "fib: func (7f)->(7f)",
                                   "mem: func (7f)->(7f)",
                                   "sel: func (7f)->(7f)",
                                   "callimp: func (7f)->(7f)",
                                   "data: func ()->(7f)",
                                   "indirect: func (7f)->(7f)",
                                   "tab: table 70 2",
                                   "memory: memory 1",
                                   "g: global mut 7f",
                               });
  std::vector<std::string> t = runRichScript(m);
  std::string mismatch = "trap " + std::to_string(int(tern::TrapKind::IndirectCallTypeMismatch)) +
                         " indirect call type mismatch";
  std::string undefined = "trap " + std::to_string(int(tern::TrapKind::UndefinedElement)) + " undefined element";
  std::vector<std::string> want = {
      okI32(5),
      okI32(0),
      okI64(1),
      okI64(120),
      okI64(2432902008176640000ll),
      okI32(0),
      okI32(1),
      okI32(55),
      okI32(12),
      okI32(13),
      okI32(6),
      okI32(10),
      okI32(20),
      okI32(30),
      okI32(30),
      okI32(30),
      okI32(30),
      okI32(11),
      okI32(0x74),
      okI32(13),
      mismatch,
      undefined,
      undefined,
      "g " + showValue(tern::Value::i32(8)),
      "mem 255 255 255 255 116 101 114 110",
      "tab 2",
  };
  REQUIRE(t.size() == want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    CAPTURE(k);
    CHECK(t[k] == want[k]);
  }
}

TEST_CASE("rich module through the Linker, and link errors") {
  auto m = expectCompiles(richModule());
  REQUIRE(m);
  tern::Store store(engine());
  tern::Linker linker;
  SUBCASE("missing import") {
    auto inst = linker.instantiate(store, m);
    REQUIRE_FALSE(inst.ok());
    INFO(show(inst.error()));
    CHECK(inst.error().kind == ErrorKind::Link);
    CHECK(inst.error().message.find("unknown import") != std::string::npos);
    CHECK(inst.error().message.find("env") != std::string::npos);
    CHECK(inst.error().message.find("twice") != std::string::npos);
  }
  SUBCASE("import of the wrong type") {
    tern::Func* wrong = store.createHostFunc(
        tern::FuncType{{tern::ValType::I64}, {tern::ValType::I32}},
        [](tern::Caller&, std::span<const tern::Value>, std::span<tern::Value> res) -> std::optional<tern::Trap> {
          res[0] = tern::Value::i32(0);
          return std::nullopt;
        });
    linker.define("env", "twice", tern::Extern(wrong));
    auto inst = linker.instantiate(store, m);
    REQUIRE_FALSE(inst.ok());
    INFO(show(inst.error()));
    CHECK(inst.error().kind == ErrorKind::Link);
    CHECK(inst.error().message.find("incompatible import type") != std::string::npos);
  }
  SUBCASE("import of the wrong kind") {
    auto mem = store.createMemory(tern::MemoryType{{1, std::nullopt}});
    REQUIRE(mem.ok());
    linker.define("env", "twice", tern::Extern(mem.value()));
    auto inst = linker.instantiate(store, m);
    REQUIRE_FALSE(inst.ok());
    INFO(show(inst.error()));
    CHECK(inst.error().kind == ErrorKind::Link);
    CHECK(inst.error().message.find("incompatible import type") != std::string::npos);
  }
  SUBCASE("resolved") {
    linker.define("env", "twice", tern::Extern(makeTwice(store)));
    auto inst = linker.instantiate(store, m);
    REQUIRE_MESSAGE(inst.ok(), show(inst.error()));
    CHECK(callAndShow(inst.value(), "callimp", {tern::Value::i32(20)}) == okI32(41));
    // Another module importing the first one's exports by name.
    linker.defineInstance("rich", *inst.value());
    ModuleBuilder user;
    user.section(kType, typeSection({{{I32, I32}, {I32}}, {{}, {I32}}}));
    user.section(kImport, Buf()
                              .u32(3)
                              .str("rich")
                              .str("add")
                              .u8(0x00)
                              .u32(0)
                              .str("rich")
                              .str("memory")
                              .u8(0x02)
                              .u8(0x00)
                              .u32(1)
                              .str("rich")
                              .str("g")
                              .u8(0x03)
                              .u8(I32)
                              .u8(0x01));
    user.section(kFunction, funcSection({1}));
    user.section(kExport, exportSection({{"run", 0, 1}}));
    // add(load8_u [100], g)
    user.section(kCode, codeSection({{{}, {0x41, 0x00, 0x2d, 0x00, 0x64, 0x23, 0x00, 0x10, 0x00, 0x0b}}}));
    auto um = expectCompiles(user.bytes());
    REQUIRE(um);
    auto ui = linker.instantiate(store, um);
    REQUIRE_MESSAGE(ui.ok(), show(ui.error()));
    CHECK(callAndShow(ui.value(), "run", {}) == okI32(0x74 + 5));
  }
  SUBCASE("Store::instantiate with the wrong number of imports") {
    auto inst = store.instantiate(m, {});
    REQUIRE_FALSE(inst.ok());
    CHECK(inst.error().kind == ErrorKind::Link);
  }
}

TEST_CASE("non-minimal LEB128 encodings are accepted everywhere") {
  // Section sizes, counts, indices and immediates all padded to 5 bytes.
  auto pad5 = [](uint32_t v) {
    return Bytes{uint8_t(0x80 | (v & 0x7f)), uint8_t(0x80 | ((v >> 7) & 0x7f)), uint8_t(0x80 | ((v >> 14) & 0x7f)),
                 uint8_t(0x80 | ((v >> 21) & 0x7f)), uint8_t((v >> 28) & 0x0f)};
  };
  auto sec = [&](uint8_t id, const Bytes& content) {
    Bytes b = {id};
    Bytes n = pad5(uint32_t(content.size()));
    b.insert(b.end(), n.begin(), n.end());
    b.insert(b.end(), content.begin(), content.end());
    return b;
  };
  auto cat = [](std::initializer_list<Bytes> parts) {
    Bytes b;
    for (const Bytes& p : parts) b.insert(b.end(), p.begin(), p.end());
    return b;
  };
  Bytes type = cat({pad5(1), {0x60}, pad5(2), {I32, I32}, pad5(1), {I32}});
  Bytes func = cat({pad5(1), pad5(0)});
  Bytes exp = cat({pad5(1), pad5(1), {'f'}, {0x00}, pad5(0)});
  // local.get 0 local.get 1 i32.add i32.const 0 (as 5-byte s32 0) i32.add
  Bytes code_body = cat(
      {pad5(0), {0x20}, pad5(0), {0x20}, pad5(1), {0x6a, 0x41, 0x80, 0x80, 0x80, 0x80, 0x00, 0x6a, 0x0b}});
  Bytes code = cat({pad5(1), pad5(uint32_t(code_body.size())), code_body});
  Bytes m = cat({header(), sec(kType, type), sec(kFunction, func), sec(kExport, exp), sec(kCode, code)});
  auto mod = expectCompiles(m);
  REQUIRE(mod);
  REQUIRE(mod->exports().size() == 1);
  tern::Store store(engine());
  auto inst = store.instantiate(mod, {});
  REQUIRE(inst.ok());
  CHECK(callAndShow(inst.value(), "f", {tern::Value::i32(3), tern::Value::i32(4)}) == okI32(7));
}

TEST_CASE("custom sections anywhere are ignored; the name section names functions") {
  Buf names;
  // Subsection 1 (function names): 1 entry, func 0 -> "adder".
  Buf fn;
  fn.u32(1).u32(0).str("adder");
  names.str("name").u8(0x01).blob(fn.b);
  ModuleBuilder m;
  m.section(kCustom, Buf().str("first").raw({1, 2, 3}));
  m.section(kType, typeSection({{{I32, I32}, {I32}}}));
  m.section(kCustom, Buf().str("").raw({0xff, 0xff}));
  m.section(kFunction, funcSection({0}));
  m.section(kExport, exportSection({{"f", 0, 0}}));
  m.section(kCode, codeSection({{{}, {0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b}}}));
  m.section(kCustom, names);
  m.section(kCustom, Buf().str("last"));
  auto mod = expectCompiles(m.bytes());
  REQUIRE(mod);
  CHECK(describeExports(*mod) == std::vector<std::string>{"f: func (7f,7f)->(7f)"});
  tern::Store store(engine());
  auto inst = store.instantiate(mod, {});
  REQUIRE(inst.ok());
  tern::Func* f = inst.value()->getFunc("f");
  REQUIRE(f);
  CHECK(f->name() == "adder");
}

TEST_CASE("a module using bulk memory, reference types and passive segments compiles") {
  ModuleBuilder m;
  m.section(kType, typeSection({{{}, {I32}}}));
  m.section(kFunction, funcSection({0}));
  m.section(kTable, Buf().u32(1).u8(FUNCREF).u8(0x00).u32(4));
  m.section(kMemory, Buf().u32(1).u8(0x00).u32(1));
  m.section(kExport, exportSection({{"f", 0, 0}}));
  // Passive elem segment (flag 1, elemkind 0) with func 0; declarative (flag 3).
  m.section(kElem, Buf().u32(2).u8(0x01).u8(0x00).u32(1).u32(0).u8(0x03).u8(0x00).u32(1).u32(0));
  m.section(kDataCount, Buf().u32(1));
  Body f{{},
         {
             0x41, 0x08, 0x41, 0x00, 0x41, 0x03, 0xfc, 0x08, 0x00, 0x00,  // memory.init 0 [8..11)
             0xfc, 0x09, 0x00,                                            // data.drop 0
             0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0xfc, 0x0c, 0x00, 0x00,  // table.init 0 0
             0xfc, 0x0d, 0x00,                                            // elem.drop 0
             0x41, 0x01, 0x25, 0x00, 0xd1,                                // ref.is_null table[1]
             0x41, 0x09, 0x2d, 0x00, 0x00,                                // load8_u [9]
             0x6a,                                                        // add -> 0 + 'b'
             0xd2, 0x00, 0xd1, 0x6a,                                      // + ref.is_null(ref.func 0)
             0x0b,
         }};
  m.section(kCode, codeSection({f}));
  m.section(kData, Buf().u32(1).u8(0x01).str("abc"));  // passive
  auto mod = expectCompiles(m.bytes());
  REQUIRE(mod);
  tern::Store store(engine());
  auto inst = store.instantiate(mod, {});
  REQUIRE_MESSAGE(inst.ok(), show(inst.error()));
  CHECK(callAndShow(inst.value(), "f", {}) == okI32('b'));
  // Dropped segments: a second memory.init of a non-empty range traps.
  CHECK(callAndShow(inst.value(), "f", {}).rfind("trap", 0) == 0);
}

TEST_CASE("instantiation traps are reported as ErrorKind::Trap") {
  SUBCASE("start function traps") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    m.section(kStart, Buf().u32(0));
    m.section(kCode, codeSection({{{}, {0x00, 0x0b}}}));
    auto mod = expectCompiles(m.bytes());
    REQUIRE(mod);
    tern::Store store(engine());
    auto inst = store.instantiate(mod, {});
    REQUIRE_FALSE(inst.ok());
    INFO(show(inst.error()));
    CHECK(inst.error().kind == ErrorKind::Trap);
    CHECK(inst.error().message.find("unreachable") != std::string::npos);
  }
  SUBCASE("data segment out of bounds") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(1).u8(0).u32(1));
    m.section(kData, Buf().u32(1).u8(0x00).raw({0x41, 0xff, 0xff, 0x03, 0x0b}).str("xy"));
    auto mod = expectCompiles(m.bytes());
    REQUIRE(mod);
    tern::Store store(engine());
    auto inst = store.instantiate(mod, {});
    REQUIRE_FALSE(inst.ok());
    INFO(show(inst.error()));
    CHECK(inst.error().kind == ErrorKind::Trap);
    CHECK(inst.error().message.find("out of bounds memory access") != std::string::npos);
  }
  SUBCASE("element segment out of bounds") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    m.section(kTable, Buf().u32(1).u8(FUNCREF).u8(0).u32(1));
    m.section(kElem, Buf().u32(1).u8(0x00).raw({0x41, 0x01, 0x0b}).u32(1).u32(0));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    auto mod = expectCompiles(m.bytes());
    REQUIRE(mod);
    tern::Store store(engine());
    auto inst = store.instantiate(mod, {});
    REQUIRE_FALSE(inst.ok());
    INFO(show(inst.error()));
    CHECK(inst.error().kind == ErrorKind::Trap);
    CHECK(inst.error().message.find("out of bounds table access") != std::string::npos);
  }
}

TEST_CASE("Engine interns function types") {
  tern::FuncType a{{tern::ValType::I32}, {tern::ValType::I64}};
  tern::FuncType b{{tern::ValType::I32}, {tern::ValType::I64}};
  tern::FuncType c{{tern::ValType::I64}, {tern::ValType::I32}};
  uint32_t ia = engine().internType(a);
  CHECK(engine().internType(b) == ia);
  CHECK(engine().internType(c) != ia);
  CHECK(engine().typeOf(ia) == a);
}

TEST_CASE("compileFile of a missing file is an Io error") {
  auto r = tern::Module::compileFile(engine(), "/nonexistent/dir/nothing.wasm");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::Io);
}

// ===========================================================================
// Malformed modules

TEST_CASE("malformed: preamble") {
  expectMalformed({}, {"unexpected end"}, 0, 0);
  expectMalformed({0x00}, {"unexpected end"}, 0, 1);
  expectMalformed({0x00, 0x61, 0x73, 0x6d}, {"unexpected end"}, 0, 4);
  expectMalformed({0x00, 0x61, 0x73, 0x6d, 0x01}, {"unexpected end"}, 4, 5);
  expectMalformed({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00}, {"unexpected end"}, 4, 7);
  expectMalformed({0x01, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}, {"magic header not detected"}, 0, 4);
  expectMalformed({0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00}, {"magic header not detected"}, 0, 4);
  expectMalformed({'a', 's', 'm', 0x00, 0x01, 0x00, 0x00, 0x00}, {"magic header not detected"}, 0, 4);
  expectMalformed({0x00, 0x41, 0x53, 0x4d, 0x01, 0x00, 0x00, 0x00}, {"magic header not detected"}, 0, 4);
  const std::string wat = "(module)";
  expectMalformed(Bytes(wat.begin(), wat.end()), {"magic header not detected"}, 0, 4);
  expectMalformed({0x00, 0x61, 0x73, 0x6d, 0x00, 0x00, 0x00, 0x00}, {"unknown binary version"}, 4, 8);
  expectMalformed({0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00}, {"unknown binary version"}, 4, 8);
  expectMalformed({0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}, {"unknown binary version"}, 4, 8);
  expectMalformed({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x01}, {"unknown binary version"}, 4, 8);
}

TEST_CASE("malformed: section framing") {
  SUBCASE("unknown section ids") {
    expectMalformed(mod({0x0d, 0x00}), {"malformed section id"}, 8, 9);
    expectMalformed(mod({0x7f, 0x00}), {"malformed section id"}, 8, 9);
    expectMalformed(mod({0x80, 0x00, 0x01, 0x00}), {"malformed section id"}, 8, 9);
    expectMalformed(mod({0xff, 0x00, 0x01, 0x00}), {"malformed section id"}, 8, 9);
  }
  SUBCASE("section larger than the module") {
    Bytes b = mod({0x01, 0x07, 0x02, 0x60, 0x00, 0x00});
    expectMalformed(b, {"length out of bounds", "unexpected end"}, 8, b.size());
    Bytes c = mod({0x00, 0x26, 0x10});
    const std::string rest = "a custom sectionthis is the payload";
    c.insert(c.end(), rest.begin(), rest.end());
    expectMalformed(c, {"length out of bounds", "unexpected end"}, 8, c.size());
  }
  SUBCASE("section size truncated in the middle of the LEB") {
    Bytes b = mod({0x01, 0x80});
    expectMalformed(b, {"unexpected end"}, 8, b.size());
  }
  SUBCASE("section contents shorter than their size") {
    Bytes b = mod({0x01, 0x07, 0x01, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00});
    expectMalformed(b, {"section size mismatch"}, 8, b.size());
    ModuleBuilder g;
    g.section(kGlobal, Buf().u32(1).raw({0x7f, 0x00, 0x41, 0x00, 0x0b}).raw({0x7f, 0x00, 0x41, 0x00, 0x0b}));
    expectMalformed(g.bytes(), {"section size mismatch"}, 8, g.bytes().size());
  }
  SUBCASE("section contents longer than their size") {
    // 2 types declared in a section sized for one. The reference
    // interpreter reads the second type from the bytes after the section,
    // then finds the section's size wrong.
    Bytes b = mod({0x01, 0x04, 0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x00});
    expectMalformed(b, {"section size mismatch"}, 8, 14);
  }
  SUBCASE("empty custom section (no name)") {
    // The name is read past the section; the payload's size is then
    // negative, which the reference interpreter reports at the module's end.
    Bytes b = mod({0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x07, 0x00, 0x00});
    expectMalformed(b, {"unexpected end"}, 8, b.size());
  }
  SUBCASE("custom section name longer than the section") {
    Bytes b = mod({0x00, 0x03, 0x10, 'a', 'b', 0x01, 0x01, 0x00});
    expectMalformed(b, {"length out of bounds", "unexpected end"}, 8, 13);
  }
  SUBCASE("custom section with a wrong size swallows the next header") {
    Bytes b = mod({0x00, 0x05, 0x01, 'x', 0x00, 0x00, 0x00, 0x2a, 0x00});
    expectMalformed(b, {"malformed section id"}, 15, 16);
  }
  SUBCASE("a module concatenated to itself") {
    Bytes b = header();
    Bytes h = header();
    b.insert(b.end(), h.begin(), h.end());
    expectMalformed(b, {"length out of bounds", "unexpected end"}, 8, b.size());
  }
  SUBCASE("duplicate and misordered sections") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    m.section(kStart, Buf().u32(0));
    m.section(kStart, Buf().u32(0));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    Range second_start{m.sections[3].start, m.sections[3].end};
    expectMalformed(m.bytes(), {"unexpected content after last section"}, second_start.lo, second_start.hi);
    ModuleBuilder n;
    n.section(kMemory, Buf().u32(0));
    n.section(kType, Buf().u32(0));
    expectMalformed(n.bytes(), {"unexpected content after last section"}, n.sections[1].start, n.sections[1].end);
    ModuleBuilder d;
    d.section(kType, Buf().u32(0));
    d.section(kType, Buf().u32(0));
    expectMalformed(d.bytes(), {"unexpected content after last section"}, d.sections[1].start, d.sections[1].end);
  }
  SUBCASE("data count section after the code section") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    m.section(kDataCount, Buf().u32(0));
    expectMalformed(m.bytes(), {"unexpected content after last section"}, m.sections[3].start, m.sections[3].end);
  }
}

TEST_CASE("malformed: function and code sections") {
  SUBCASE("function section without code section") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    expectMalformed(m.bytes(), {"function and code section have inconsistent lengths"}, 8, m.bytes().size());
  }
  SUBCASE("code section without function section") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    expectMalformed(m.bytes(), {"function and code section have inconsistent lengths"}, 8, m.bytes().size());
  }
  SUBCASE("more bodies than functions") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    m.section(kCode, codeSection({{{}, {0x0b}}, {{}, {0x0b}}}));
    expectMalformed(m.bytes(), {"function and code section have inconsistent lengths"}, 8, m.bytes().size());
  }
  SUBCASE("body missing its end, at the end of the module") {
    Bytes b = mod(
        {0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x1a});
    expectMalformed(b, {"unexpected end"}, 21, b.size());
  }
  SUBCASE("body missing its end, followed by another body") {
    Bytes b = mod({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x03, 0x02, 0x00, 0x00, 0x0a, 0x0c,
                   0x02, 0x04, 0x00, 0x41, 0x01, 0x1a, 0x05, 0x00, 0x41, 0x01, 0x1a, 0x0b});
    expectMalformed(b, {"END opcode expected"}, 22, 27);
  }
  SUBCASE("body size beyond the section") {
    Bytes b = mod({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x04, 0x01, 0x09, 0x00, 0x0b});
    expectMalformed(b, {"length out of bounds", "unexpected end"}, 20, b.size());
  }
  SUBCASE("too many locals") {
    Bytes b = mod({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x0c,
                   0x01, 0x0a, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x02, 0x7e, 0x0b});
    expectMalformed(b, {"too many locals"}, 21, b.size());
    Bytes c = mod({0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x1c,
                   0x01, 0x1a, 0x04, 0x80, 0x80, 0x80, 0x80, 0x04, 0x7f, 0x80, 0x80, 0x80, 0x80, 0x04,
                   0x7e, 0x80, 0x80, 0x80, 0x80, 0x04, 0x7d, 0x80, 0x80, 0x80, 0x80, 0x04, 0x7c, 0x0b});
    expectMalformed(c, {"too many locals"}, 23, c.size());
  }
  SUBCASE("unknown opcodes") {
    expectMalformedBody(kVoid, {{}, {0xff, 0x0b}}, {"illegal opcode"});
    expectMalformedBody(kVoid, {{}, {0x06, 0x0b}}, {"illegal opcode"});
    expectMalformedBody(kVoid, {{}, {0x27, 0x0b}}, {"illegal opcode"});
    expectMalformedBody(kVoid, {{}, {0xd3, 0x0b}}, {"illegal opcode"});
    expectMalformedBody(kVoid, {{}, {0xfc, 0x12, 0x0b}}, {"illegal opcode"});
    expectMalformedBody(kVoid, {{}, {0xfd, 0x9a, 0x01, 0x0b}}, {"illegal opcode"});
    expectMalformedBody(kVoid, {{}, {0xfe, 0x00, 0x0b}}, {"illegal opcode"});
  }
  SUBCASE("memory.size / memory.grow reserved byte") {
    std::initializer_list<std::pair<uint8_t, Bytes>> mem = {{kMemory, Buf().u32(1).u8(0).u32(1).b}};
    expectMalformedBody(kVoid, {{}, {0x3f, 0x01, 0x1a, 0x0b}}, {"zero byte expected"}, mem);
    expectMalformedBody(kVoid, {{}, {0x41, 0x00, 0x40, 0x01, 0x1a, 0x0b}}, {"zero byte expected"}, mem);
    expectMalformedBody(kVoid, {{}, {0x3f, 0x80, 0x00, 0x1a, 0x0b}}, {"zero byte expected"}, mem);
  }
  SUBCASE("bad LEB immediates in code") {
    expectMalformedBody(kToI32, {{}, {0x41, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b}}, {"integer too large"});
    expectMalformedBody(kToI32, {{}, {0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b}}, {"integer too large"});
    expectMalformedBody(kToI32, {{}, {0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b}},
                        {"integer representation too long"});
    expectMalformedBody({{}, {I64}},
                        {{}, {0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b}},
                        {"integer representation too long"});
    expectMalformedBody({{}, {I64}}, {{}, {0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x0b}},
                        {"integer too large"});
    expectMalformedBody({{I32}, {I32}}, {{}, {0x20, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b}}, {"integer too large"});
    // Block type as s33 with bad sign bits.
    expectMalformedBody(kVoid, {{}, {0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x0b, 0x0b}}, {"integer too large"});
  }
  SUBCASE("truncated instruction at the end of a body") {
    // i32.const without its immediate: the body ends first.
    expectMalformedBody(kToI32, {{}, {0x41}}, {"unexpected end"});
    expectMalformedBody(kVoid, {{}, {0xfc}}, {"unexpected end"});
  }
}

TEST_CASE("malformed: LEB128 in sections") {
  SUBCASE("type index too long") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, Buf().u32(1).raw({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    Range r = sectionRange(m, kFunction);
    expectMalformed(m.bytes(), {"integer representation too long"}, r.lo, r.hi);
  }
  SUBCASE("memory limit too large") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(1).u8(0x00).raw({0x82, 0x80, 0x80, 0x80, 0x10}));
    Range r = sectionRange(m, kMemory);
    expectMalformed(m.bytes(), {"integer too large"}, r.lo, r.hi);
  }
  SUBCASE("memory limit too long") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(1).u8(0x01).u32(0).raw({0x82, 0x80, 0x80, 0x80, 0x80, 0x00}));
    Range r = sectionRange(m, kMemory);
    expectMalformed(m.bytes(), {"integer representation too long"}, r.lo, r.hi);
  }
  SUBCASE("section count too large") {
    Bytes b = mod({0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x1f});
    expectMalformed(b, {"integer too large"}, 8, b.size());
  }
  SUBCASE("global initializer constant too large") {
    ModuleBuilder m;
    m.section(kGlobal, Buf().u32(1).u8(I32).u8(0x00).raw({0x41, 0xff, 0xff, 0xff, 0xff, 0x4f, 0x0b}));
    Range r = sectionRange(m, kGlobal);
    expectMalformed(m.bytes(), {"integer too large"}, r.lo, r.hi);
  }
}

TEST_CASE("malformed: imports, exports, types") {
  SUBCASE("import kind") {
    expectMalformed(mod({0x02, 0x04, 0x01, 0x00, 0x00, 0x04}), {"malformed import kind"}, 8, 14);
    expectMalformed(mod({0x02, 0x05, 0x01, 0x00, 0x00, 0x04, 0x00}), {"malformed import kind"}, 8, 15);
    expectMalformed(mod({0x02, 0x04, 0x01, 0x00, 0x00, 0x05}), {"malformed import kind"}, 8, 14);
  }
  SUBCASE("global mutability") {
    Buf imp;
    imp.u32(1).str("spectest").str("global_i32").u8(0x03).u8(I32).u8(0x02);
    ModuleBuilder m;
    m.section(kImport, imp);
    expectMalformed(m.bytes(), {"malformed mutability"}, 8, m.bytes().size());
    ModuleBuilder g;
    g.section(kGlobal, Buf().u32(1).u8(I32).u8(0xff).raw({0x41, 0x00, 0x0b}));
    expectMalformed(g.bytes(), {"malformed mutability"}, 8, g.bytes().size());
  }
  SUBCASE("malformed UTF-8 names") {
    ModuleBuilder e;
    e.section(kType, typeSection({kVoid}));
    e.section(kFunction, funcSection({0}));
    e.section(kExport, Buf().u32(1).u32(2).raw({0xc0, 0x80}).u8(0x00).u32(0));
    e.section(kCode, codeSection({{{}, {0x0b}}}));
    Range r = sectionRange(e, kExport);
    expectMalformed(e.bytes(), {"malformed UTF-8 encoding"}, r.lo, r.hi);
    ModuleBuilder i;
    i.section(kImport, Buf().u32(1).u32(1).u8(0xff).str("f").u8(0x03).u8(I32).u8(0x00));
    expectMalformed(i.bytes(), {"malformed UTF-8 encoding"}, 8, i.bytes().size());
    // Custom section names must be UTF-8 as well.
    expectMalformed(mod({0x00, 0x03, 0x02, 0xed, 0xa0}), {"malformed UTF-8 encoding"}, 8, 13);
  }
  SUBCASE("function type form") {
    expectMalformed(mod({0x01, 0x04, 0x01, 0x61, 0x00, 0x00}),
                    {"integer representation too long", "malformed", "unexpected"}, 8, 14);
  }
  SUBCASE("value types") {
    // 0x40 is not a value type.
    ModuleBuilder m;
    m.section(kType, Buf().u32(1).u8(0x60).u32(1).u8(0x40).u32(0));
    expectMalformed(m.bytes(), {"malformed value type", "integer representation too long"}, 8, m.bytes().size());
  }
  SUBCASE("reference types") {
    // Table of i32.
    ModuleBuilder t;
    t.section(kTable, Buf().u32(1).u8(I32).u8(0x00).u32(1));
    expectMalformed(t.bytes(), {"malformed reference type"}, 8, t.bytes().size());
    // Element segment of kind i32 (spec binary.wast).
    Bytes b = mod({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x00,
                   0x09, 0x07, 0x01, 0x05, 0x7f, 0x01, 0xd2, 0x00, 0x0b, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b});
    expectMalformed(b, {"malformed reference type"}, 23, 32);
  }
  SUBCASE("illegal opcode in a constant expression") {
    Bytes b = mod({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x00,
                   0x09, 0x07, 0x01, 0x05, 0x70, 0x01, 0xf3, 0x00, 0x0b, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b});
    expectMalformed(b, {"illegal opcode"}, 23, 32);
  }
  SUBCASE("limits flags") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(1).u8(0x08).u32(1));
    expectMalformed(m.bytes(), {"integer too large", "malformed limits flags", "integer representation too long"}, 8,
                    m.bytes().size());
  }
}

TEST_CASE("malformed: data count") {
  SUBCASE("memory.init without data count section") {
    Bytes b = mod({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03,
                   0x01, 0x00, 0x00, 0x0a, 0x0e, 0x01, 0x0c, 0x00, 0x41, 0x00, 0x41, 0x00,
                   0x41, 0x00, 0xfc, 0x08, 0x00, 0x00, 0x0b, 0x0b, 0x03, 0x01, 0x01, 0x00});
    expectMalformed(b, {"data count section required"}, 23, 39);
  }
  SUBCASE("data.drop without data count section") {
    Bytes b = mod({0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x00,
                   0x0a, 0x07, 0x01, 0x05, 0x00, 0xfc, 0x09, 0x00, 0x0b, 0x0b, 0x03, 0x01, 0x01, 0x00});
    expectMalformed(b, {"data count section required"}, 23, 32);
  }
  SUBCASE("data count larger than the data section") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(1).u8(0).u32(1));
    m.section(kDataCount, Buf().u32(2));
    m.section(kData, Buf().u32(1).u8(0x01).str("x"));
    expectMalformed(m.bytes(), {"data count and data section have inconsistent lengths"}, 8, m.bytes().size());
  }
  SUBCASE("data count without data section") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(1).u8(0).u32(1));
    m.section(kDataCount, Buf().u32(1));
    expectMalformed(m.bytes(), {"data count and data section have inconsistent lengths"}, 8, m.bytes().size());
  }
  SUBCASE("data segment longer than declared") {
    Bytes b = mod({0x05, 0x03, 0x01, 0x00, 0x01, 0x0b, 0x0c, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x05, 0x61, 0x62, 0x63, 0x64,
                   0x65, 0x66});
    expectMalformed(b, {"section size mismatch"}, 13, b.size());
  }
}

// ===========================================================================
// Invalid modules

TEST_CASE("invalid: type mismatch") {
  expectInvalidBody(kToI32, {{}, {0x0b}}, {"type mismatch"});
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x0b}}, {"type mismatch"});
  expectInvalidBody(kToI32, {{}, {0x42, 0x01, 0x42, 0x02, 0x6a, 0x0b}}, {"type mismatch"});
  expectInvalidBody(kToI32, {{}, {0x41, 0x01, 0x6a, 0x0b}}, {"type mismatch"});
  expectInvalidBody(kVoid, {{}, {0x1a, 0x0b}}, {"type mismatch"});
  // if (result i32) without else.
  expectInvalidBody(kToI32, {{}, {0x41, 0x00, 0x04, 0x7f, 0x41, 0x01, 0x0b, 0x0b}}, {"type mismatch"});
  // br_if with a non-i32 condition.
  expectInvalidBody(kVoid, {{}, {0x02, 0x40, 0x42, 0x00, 0x0d, 0x00, 0x0b, 0x0b}}, {"type mismatch"});
  // Block leaves an extra value.
  expectInvalidBody(kVoid, {{}, {0x02, 0x40, 0x41, 0x00, 0x0b, 0x0b}}, {"type mismatch"});
  // select with operands of different types.
  expectInvalidBody(kToI32, {{}, {0x41, 0x00, 0x42, 0x00, 0x41, 0x00, 0x1b, 0x0b}}, {"type mismatch"});
  // local.set of the wrong type.
  expectInvalidBody({{I32}, {}}, {{}, {0x42, 0x00, 0x21, 0x00, 0x0b}}, {"type mismatch"});
  // return with nothing on the stack.
  expectInvalidBody(kToI32, {{}, {0x0f, 0x0b}}, {"type mismatch"});
  // Global initializer of the wrong type.
  ModuleBuilder g;
  g.section(kGlobal, Buf().u32(1).u8(I32).u8(0x00).raw({0x42, 0x00, 0x0b}));
  expectInvalid(g.bytes(), {"type mismatch"}, 8, g.bytes().size());
}

TEST_CASE("invalid: unknown indices") {
  expectInvalidBody(kVoid, {{}, {0x20, 0x05, 0x1a, 0x0b}}, {"unknown local"});
  expectInvalidBody({{I32}, {}}, {{{1, I64}}, {0x41, 0x00, 0x21, 0x02, 0x0b}}, {"unknown local"});
  expectInvalidBody(kVoid, {{}, {0x10, 0x07, 0x0b}}, {"unknown function"});
  expectInvalidBody(kVoid, {{}, {0x23, 0x00, 0x1a, 0x0b}}, {"unknown global"});
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b}}, {"unknown memory"});
  expectInvalidBody(kVoid, {{}, {0x3f, 0x00, 0x1a, 0x0b}}, {"unknown memory"});
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x11, 0x00, 0x00, 0x0b}}, {"unknown table"});
  expectInvalidBody(kVoid, {{}, {0x0c, 0x01, 0x0b}}, {"unknown label"});
  expectInvalidBody(kVoid, {{}, {0x02, 0x40, 0x41, 0x00, 0x0d, 0x02, 0x0b, 0x0b}}, {"unknown label"});
  expectInvalidBody(kVoid, {{}, {0x02, 0x05, 0x0b, 0x0b}}, {"unknown type"});
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x11, 0x03, 0x00, 0x0b}}, {"unknown type"},
                    {{kTable, Buf().u32(1).u8(FUNCREF).u8(0).u32(1).b}});
  expectInvalidBody(kVoid, {{}, {0xfc, 0x0d, 0x00, 0x0b}}, {"unknown elem segment"});
  expectInvalidBody(kVoid, {{}, {0xfc, 0x09, 0x01, 0x0b}}, {"unknown data segment"},
                    {{kMemory, Buf().u32(1).u8(0).u32(1).b},
                     {kDataCount, Buf().u32(1).b},
                     {kData, Buf().u32(1).u8(0x01).str("x").b}});

  SUBCASE("unknown type in the function section") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({1}));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    Range r = sectionRange(m, kFunction);
    expectInvalid(m.bytes(), {"unknown type"}, r.lo, r.hi);
  }
  SUBCASE("export of an unknown function") {
    ModuleBuilder m;
    m.section(kExport, exportSection({{"f", 0, 5}}));
    Range r = sectionRange(m, kExport);
    expectInvalid(m.bytes(), {"unknown function"}, r.lo, r.hi);
  }
  SUBCASE("export of an unknown memory") {
    ModuleBuilder m;
    m.section(kExport, exportSection({{"m", 2, 0}}));
    Range r = sectionRange(m, kExport);
    expectInvalid(m.bytes(), {"unknown memory"}, r.lo, r.hi);
  }
  SUBCASE("start of an unknown function") {
    ModuleBuilder m;
    m.section(kStart, Buf().u32(0));
    Range r = sectionRange(m, kStart);
    expectInvalid(m.bytes(), {"unknown function"}, r.lo, r.hi);
  }
  SUBCASE("global.get of an unknown global in a constant expression") {
    ModuleBuilder m;
    m.section(kGlobal, Buf().u32(1).u8(I32).u8(0x00).raw({0x23, 0x00, 0x0b}));
    Range r = sectionRange(m, kGlobal);
    expectInvalid(m.bytes(), {"unknown global"}, r.lo, r.hi);
  }
  SUBCASE("element segment for an unknown table") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    m.section(kElem, Buf().u32(1).u8(0x00).raw({0x41, 0x00, 0x0b}).u32(1).u32(0));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    Range r = sectionRange(m, kElem);
    expectInvalid(m.bytes(), {"unknown table"}, r.lo, r.hi);
  }
  SUBCASE("data segment for an unknown memory") {
    ModuleBuilder m;
    m.section(kData, Buf().u32(1).u8(0x00).raw({0x41, 0x00, 0x0b}).str("x"));
    Range r = sectionRange(m, kData);
    expectInvalid(m.bytes(), {"unknown memory"}, r.lo, r.hi);
  }
}

TEST_CASE("invalid: other validation rules") {
  std::initializer_list<std::pair<uint8_t, Bytes>> mem = {{kMemory, Buf().u32(1).u8(0).u32(1).b}};
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x28, 0x03, 0x00, 0x1a, 0x0b}},
                    {"alignment must not be larger than natural"}, mem);
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x2c, 0x01, 0x00, 0x1a, 0x0b}},
                    {"alignment must not be larger than natural"}, mem);
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x42, 0x00, 0x37, 0x04, 0x00, 0x0b}},
                    {"alignment must not be larger than natural"}, mem);
  expectInvalidBody(kVoid, {{}, {0x41, 0x00, 0x23, 0x00, 0x24, 0x00, 0x1a, 0x0b}}, {"global is immutable"},
                    {{kGlobal, Buf().u32(1).u8(I32).u8(0x00).raw({0x41, 0x00, 0x0b}).b}});
  expectInvalidBody(kVoid, {{}, {0xd2, 0x00, 0x1a, 0x0b}}, {"undeclared function reference"});
  {
    // v128.const 0, i8x16.extract_lane_s 16
    Body b{{}, {0xfd, 0x0c}};
    for (int k = 0; k < 16; ++k) b.code.push_back(0);
    for (uint8_t x : {0xfd, 0x15, 0x10, 0x1a, 0x0b}) b.code.push_back(x);
    expectInvalidBody(kVoid, b, {"invalid lane index"});
  }

  SUBCASE("duplicate export name") {
    ModuleBuilder m;
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0}));
    m.section(kExport, exportSection({{"f", 0, 0}, {"f", 0, 0}}));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    Range r = sectionRange(m, kExport);
    expectInvalid(m.bytes(), {"duplicate export name"}, r.lo, r.hi);
  }
  SUBCASE("multiple memories") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(2).u8(0).u32(0).u8(0).u32(0));
    expectInvalid(m.bytes(), {"multiple memories"}, 8, m.bytes().size());
    ModuleBuilder n;
    n.section(kImport, Buf().u32(1).str("a").str("b").u8(0x02).u8(0x00).u32(0));
    n.section(kMemory, Buf().u32(1).u8(0).u32(0));
    expectInvalid(n.bytes(), {"multiple memories"}, 8, n.bytes().size());
  }
  SUBCASE("memory size limits") {
    ModuleBuilder m;
    m.section(kMemory, Buf().u32(1).u8(0).u32(65537));
    expectInvalid(m.bytes(), {"memory size must be at most 65536 pages (4GiB)"}, 8, m.bytes().size());
    ModuleBuilder n;
    n.section(kMemory, Buf().u32(1).u8(1).u32(0).u32(0xffffffff));
    expectInvalid(n.bytes(), {"memory size must be at most 65536 pages (4GiB)"}, 8, n.bytes().size());
    ModuleBuilder o;
    o.section(kMemory, Buf().u32(1).u8(1).u32(2).u32(1));
    expectInvalid(o.bytes(), {"size minimum must not be greater than maximum"}, 8, o.bytes().size());
    ModuleBuilder t;
    t.section(kTable, Buf().u32(1).u8(FUNCREF).u8(1).u32(5).u32(4));
    expectInvalid(t.bytes(), {"size minimum must not be greater than maximum"}, 8, t.bytes().size());
  }
  SUBCASE("constant expression required") {
    ModuleBuilder m;
    m.section(kGlobal, Buf().u32(1).u8(I32).u8(0x00).raw({0x41, 0x00, 0x68, 0x0b}));
    Range r = sectionRange(m, kGlobal);
    expectInvalid(m.bytes(), {"constant expression required"}, r.lo, r.hi);
    ModuleBuilder n;
    n.section(kGlobal, Buf().u32(1).u8(I32).u8(0x00).raw({0x01, 0x41, 0x00, 0x0b}));
    expectInvalid(n.bytes(), {"constant expression required"}, 8, n.bytes().size());
  }
  SUBCASE("start function with a bad type") {
    ModuleBuilder m;
    m.section(kType, typeSection({{{I32}, {}}}));
    m.section(kFunction, funcSection({0}));
    m.section(kStart, Buf().u32(0));
    m.section(kCode, codeSection({{{}, {0x0b}}}));
    Range r = sectionRange(m, kStart);
    expectInvalid(m.bytes(), {"start function"}, r.lo, r.hi);
  }
  SUBCASE("an error in the second function is reported inside its body") {
    ModuleBuilder m;
    std::vector<Body> bodies = {
        {{}, {0x41, 0x01, 0x1a, 0x0b}},
        {{{2, I32}}, {0x20, 0x00, 0x20, 0x01, 0x6a, 0x1a, 0x42, 0x00, 0x21, 0x01, 0x0b}},
    };
    m.section(kType, typeSection({kVoid}));
    m.section(kFunction, funcSection({0, 0}));
    m.section(kCode, codeSection(bodies));
    std::vector<Range> r = bodyRanges(m, bodies);
    expectInvalid(m.bytes(), {"type mismatch"}, r[1].lo, r[1].hi);
  }
}

// ===========================================================================
// Streaming

TEST_CASE("streaming: chunk sizes do not change the module") {
  std::vector<std::pair<std::string, Bytes>> modules = {
      {"empty", header()},
      {"add", addModule()},
      {"imports/exports", importsExportsModule()},
      {"rich", richModule()},
  };
  for (auto& [name, bytes] : modules) {
    CAPTURE(name);
    auto whole = compile(bytes);
    REQUIRE_MESSAGE(whole.ok(), show(whole.error()));
    auto one = streamOneChunk(bytes);
    REQUIRE_MESSAGE(one.ok(), show(one.error()));
    auto bytewise = streamBytewise(bytes);
    REQUIRE_MESSAGE(bytewise.ok(), show(bytewise.error()));
    std::vector<tern::Expected<std::shared_ptr<tern::Module>>> randoms;
    for (uint32_t seed : {1u, 2u, 3u, 42u, 1234u}) {
      auto r = streamRandom(bytes, seed);
      REQUIRE_MESSAGE(r.ok(), show(r.error()));
      randoms.push_back(r);
    }
    auto imps = describeImports(*whole.value());
    auto exps = describeExports(*whole.value());
    CHECK(describeImports(*one.value()) == imps);
    CHECK(describeExports(*one.value()) == exps);
    CHECK(describeImports(*bytewise.value()) == imps);
    CHECK(describeExports(*bytewise.value()) == exps);
    for (auto& r : randoms) {
      CHECK(describeImports(*r.value()) == imps);
      CHECK(describeExports(*r.value()) == exps);
    }
  }
}

TEST_CASE("streaming: identical behaviour of the rich module") {
  Bytes bytes = richModule();
  auto whole = compile(bytes);
  REQUIRE_MESSAGE(whole.ok(), show(whole.error()));
  std::vector<std::string> want = runRichScript(whole.value());
  REQUIRE(want.size() > 20);
  auto one = streamOneChunk(bytes);
  REQUIRE_MESSAGE(one.ok(), show(one.error()));
  CHECK(runRichScript(one.value()) == want);
  auto bytewise = streamBytewise(bytes);
  REQUIRE_MESSAGE(bytewise.ok(), show(bytewise.error()));
  CHECK(runRichScript(bytewise.value()) == want);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    CAPTURE(seed);
    auto r = streamRandom(bytes, seed);
    REQUIRE_MESSAGE(r.ok(), show(r.error()));
    CHECK(runRichScript(r.value()) == want);
  }
  // Every split into two chunks.
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    CAPTURE(cut);
    bool first = true;
    auto r = stream(bytes, [&] {
      size_t n = first ? cut : bytes.size();
      first = false;
      return n;
    });
    REQUIRE_MESSAGE(r.ok(), show(r.error()));
    CHECK(describeExports(*r.value()) == describeExports(*whole.value()));
  }
}

TEST_CASE("streaming: errors") {
  SUBCASE("nothing fed") {
    tern::ModuleStreamer s(engine());
    auto r = s.finish();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Malformed);
    CHECK(r.error().message.rfind("unexpected end", 0) == 0);
  }
  SUBCASE("feed reports failure once an error is found, and keeps reporting it") {
    tern::ModuleStreamer s(engine());
    Bytes bad = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    bool any_false = false;
    for (size_t k = 0; k < bad.size(); ++k) {
      bool ok = s.feed(std::span<const uint8_t>(bad.data() + k, 1));
      if (any_false) CHECK_FALSE(ok);
      any_false = any_false || !ok;
    }
    CHECK(any_false);
    Bytes more = richModule();
    CHECK_FALSE(s.feed(more));
    auto r = s.finish();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.rfind("unknown binary version", 0) == 0);
  }
  SUBCASE("truncated rich module: every cut is rejected the same in any chunking") {
    Bytes full = richModule();
    ModuleBuilder mb = richModuleBuilder();
    for (size_t len = 0; len < full.size(); ++len) {
      bool boundary = len == 8;
      for (const auto& w : mb.sections) boundary = boundary || w.end == len;
      if (boundary) continue;  // a prefix ending at a section boundary can be a valid module
      CAPTURE(len);
      Bytes cut(full.begin(), full.begin() + long(len));
      auto whole = compile(cut);
      REQUIRE(!whole.ok());
      auto one = streamOneChunk(cut);
      auto bytewise = streamBytewise(cut);
      REQUIRE(!one.ok());
      REQUIRE(!bytewise.ok());
      CHECK(one.error().message == whole.error().message);
      CHECK(one.error().offset == whole.error().offset);
      CHECK(bytewise.error().message == one.error().message);
      CHECK(bytewise.error().offset == one.error().offset);
      CHECK(whole.error().offset <= len);
    }
  }
}

// ---------------------------------------------------------------------------
// Layers: the module decoder hands each body to a BodyConsumer and knows no
// tier; the runtime's consumer (Tiering) gives every function its FuncTier.

namespace {

// Validates like the decoder's default consumer and records what it is given.
struct RecordingConsumer final : tern::BodyConsumer {
  tern::ValidatingConsumer validator;
  std::vector<uint32_t> indices;
  std::vector<size_t> sizes;
  int finishes = 0;
  const char* refuse = nullptr;  // finish() fails with this message

  bool onFunctionBody(const tern::ModuleData& m, uint32_t func_index, tern::Reader& r, tern::FuncBody& body,
                      tern::DecodeError& err) override {
    indices.push_back(func_index);
    sizes.push_back(r.remaining());
    return validator.onFunctionBody(m, func_index, r, body, err);
  }
  bool finish(tern::ModuleData& m, tern::DecodeError& err) override {
    ++finishes;
    if (refuse) {
      err.kind = ErrorKind::Invalid;
      err.message = refuse;
      return false;
    }
    return validator.finish(m, err);
  }
};

}  // namespace

TEST_CASE("layers: the module decoder hands every body to its consumer once, in order") {
  Bytes b = richModule();
  // In chunks of every size: each body still arrives once, whole.
  for (size_t chunk : {size_t(1), size_t(7), b.size()}) {
    CAPTURE(chunk);
    RecordingConsumer c;
    tern::ModuleDecoder dec(c);
    for (size_t i = 0; i < b.size(); i += chunk)
      REQUIRE(dec.feed(std::span<const uint8_t>(b.data() + i, std::min(chunk, b.size() - i))));
    REQUIRE(dec.finish());
    std::unique_ptr<tern::ModuleData> md = dec.take();
    CHECK(c.finishes == 1);
    REQUIRE(c.indices.size() == md->bodies.size());
    for (size_t i = 0; i < md->bodies.size(); ++i) {
      CHECK(c.indices[i] == md->num_imported_funcs + i);
      CHECK(c.sizes[i] == md->bodies[i].size);
      // Validation only: no tier, no code.
      CHECK(md->bodies[i].tier == tern::FuncTier::None);
      CHECK(!md->bodies[i].code);
    }
    CHECK(!md->jit);
  }
}

TEST_CASE("layers: a consumer's finish can refuse a valid module") {
  Bytes b = richModule();
  RecordingConsumer c;
  c.refuse = "no room for the code";
  tern::ModuleDecoder dec(c);
  dec.feed(b);
  CHECK(!dec.finish());
  tern::Error e = dec.toError();
  CHECK(e.kind == ErrorKind::Invalid);
  CHECK(e.message == "no room for the code");
  CHECK(e.offset == b.size());
}

TEST_CASE("layers: Tiering gives every function the tier that runs it") {
  for (tern::Tier tier : {tern::Tier::Interp, tern::Tier::Jit}) {
    CAPTURE(int(tier));
    tern::Config cfg;
    cfg.tier = tier;
    tern::Engine e(cfg);
    Bytes b = richModule();
    auto m = tern::Module::compile(e, b);
    REQUIRE(m.ok());
    const tern::ModuleData& md = tern::moduleData(*m.value());
    bool jit = tier == tern::Tier::Jit && tern::jit::available();
    CHECK(bool(md.jit) == jit);
    size_t jitted = 0;
    for (size_t i = 0; i < md.bodies.size(); ++i) {
      const tern::FuncBody& body = md.bodies[i];
      uint32_t fi = uint32_t(md.num_imported_funcs + i);
      CHECK(body.tier != tern::FuncTier::None);
      // One state says it: machine code, or the interpreter's code.
      CHECK((body.tier == tern::FuncTier::Jit) == (md.jit && md.jit->compiled(fi)));
      CHECK((body.tier == tern::FuncTier::Interp) == bool(body.code));
      if (body.tier == tern::FuncTier::Jit) ++jitted;
    }
    if (jit) CHECK(jitted > 0);
    else CHECK(jitted == 0);
    // The streaming path decides the same way.
    tern::ModuleStreamer streamer(e);
    for (size_t k = 0; k < b.size(); k += 5)
      REQUIRE(streamer.feed(std::span<const uint8_t>(b.data() + k, std::min<size_t>(5, b.size() - k))));
    auto sm = streamer.finish();
    REQUIRE(sm.ok());
    const tern::ModuleData& smd = tern::moduleData(*sm.value());
    REQUIRE(smd.bodies.size() == md.bodies.size());
    for (size_t i = 0; i < md.bodies.size(); ++i) CHECK(smd.bodies[i].tier == md.bodies[i].tier);
  }
}
