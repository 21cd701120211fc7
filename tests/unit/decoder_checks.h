// Helpers shared by the decoder tests (test_decoder.cc, test_decoder_errors.cc):
// describing modules and errors, compiling and streaming a module, checking
// that one is rejected everywhere with the spec's message and an offset in
// range, and running the rich module (wasm_builder.h) through a fixed script.
#pragma once

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

namespace decoder_checks {

using namespace wb;
using tern::ErrorKind;

inline tern::Engine& engine() {
  static tern::Engine e;
  return e;
}

inline const char* kindName(ErrorKind k) {
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

inline std::string show(const tern::Error& e) {
  std::ostringstream os;
  os << kindName(e.kind) << " '" << e.message << "' at ";
  if (e.offset == SIZE_MAX) os << "(none)";
  else os << e.offset;
  return os.str();
}

inline std::string valTypes(const std::vector<tern::ValType>& ts) {
  std::string s;
  for (tern::ValType t : ts) {
    if (!s.empty()) s += ",";
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02x", unsigned(t));
    s += buf;
  }
  return s;
}

inline std::string limits(const tern::Limits& l) {
  std::string s = std::to_string(l.min);
  if (l.max) s += ".." + std::to_string(*l.max);
  return s;
}

// A description of an extern type that depends only on the fields that are
// meaningful for its kind.
inline std::string describe(const tern::ExternType& t) {
  switch (t.kind) {
    case tern::ExternKind::Func: return "func (" + valTypes(t.func.params) + ")->(" + valTypes(t.func.results) + ")";
    case tern::ExternKind::Table: return "table " + valTypes({t.table.elem}) + " " + limits(t.table.limits);
    case tern::ExternKind::Memory: return "memory " + limits(t.memory.limits);
    case tern::ExternKind::Global:
      return std::string("global ") + (t.global.mut ? "mut " : "") + valTypes({t.global.type});
    case tern::ExternKind::Tag: return "tag (" + valTypes(t.func.params) + ")";
  }
  return "?";
}

inline std::vector<std::string> describeImports(const tern::Module& m) {
  std::vector<std::string> v;
  for (const tern::ImportInfo& i : m.imports()) v.push_back(i.module + "." + i.name + ": " + describe(i.type));
  return v;
}

inline std::vector<std::string> describeExports(const tern::Module& m) {
  std::vector<std::string> v;
  for (const tern::ExportInfo& e : m.exports()) v.push_back(e.name + ": " + describe(e.type));
  return v;
}

inline tern::Expected<std::shared_ptr<tern::Module>> compile(const Bytes& b) {
  return tern::Module::compile(engine(), std::span<const uint8_t>(b.data(), b.size()));
}

// Streams `b` in chunks whose sizes come from `next_size`. Stops feeding once
// feed() reports an error.
inline tern::Expected<std::shared_ptr<tern::Module>> stream(const Bytes& b, const std::function<size_t()>& next_size) {
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

inline tern::Expected<std::shared_ptr<tern::Module>> streamOneChunk(const Bytes& b) {
  return stream(b, [&] { return b.size(); });
}
inline tern::Expected<std::shared_ptr<tern::Module>> streamBytewise(const Bytes& b) {
  return stream(b, [] { return size_t(1); });
}
inline tern::Expected<std::shared_ptr<tern::Module>> streamRandom(const Bytes& b, uint32_t seed) {
  auto rng = std::make_shared<std::mt19937>(seed);
  return stream(b, [rng] {
    // Mostly small chunks, sometimes empty ones, sometimes big ones.
    uint32_t r = (*rng)() % 100;
    if (r < 5) return size_t(0);
    if (r < 80) return size_t(1 + (*rng)() % 7);
    return size_t(1 + (*rng)() % 200);
  });
}

inline bool startsWithAny(const std::string& s, const std::vector<std::string>& prefixes) {
  for (const std::string& p : prefixes)
    if (s.rfind(p, 0) == 0) return true;
  return false;
}

inline std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "'" : " | '") + x + "'";
  return s;
}

// Checks that `b` is rejected by compile, validate and the streamer (in one
// chunk and byte by byte) with kind `kind`, a message starting with one of
// `msgs`, and an offset in [lo, hi] (and within the module).
inline void expectReject(const Bytes& b, ErrorKind kind, const std::vector<std::string>& msgs, size_t lo = 0,
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

inline void expectMalformed(const Bytes& b, const std::vector<std::string>& msgs, size_t lo = 0, size_t hi = SIZE_MAX) {
  expectReject(b, ErrorKind::Malformed, msgs, lo, hi);
}
inline void expectInvalid(const Bytes& b, const std::vector<std::string>& msgs, size_t lo = 0, size_t hi = SIZE_MAX) {
  expectReject(b, ErrorKind::Invalid, msgs, lo, hi);
}

inline std::shared_ptr<tern::Module> expectCompiles(const Bytes& b) {
  auto r = compile(b);
  if (!r.ok()) {
    FAIL_CHECK("valid module rejected: " << show(r.error()));
    return nullptr;
  }
  CHECK_FALSE(tern::Module::validate(b).has_value());
  return r.value();
}

// header + raw bytes.
inline Bytes mod(std::initializer_list<uint8_t> rest) {
  Bytes b = header();
  for (uint8_t x : rest) b.push_back(x);
  return b;
}

// The range [first, last] of a section's bytes including its id and size.
struct Range {
  size_t lo, hi;
};
inline Range sectionRange(const ModuleBuilder& m, uint8_t id) {
  const ModuleBuilder::Where* w = m.find(id);
  REQUIRE(w != nullptr);
  return {w->start, w->end};
}

// Byte range of each function body (size prefix included) in the code
// section written by codeSection(bodies).
inline std::vector<Range> bodyRanges(const ModuleBuilder& m, const std::vector<Body>& bodies) {
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
inline void expectInvalidBody(const Sig& sig, const Body& body, const std::vector<std::string>& msgs,
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

inline void expectMalformedBody(const Sig& sig, const Body& body, const std::vector<std::string>& msgs,
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

inline const Sig kVoid{{}, {}};
inline const Sig kToI32{{}, {I32}};

// ---------------------------------------------------------------------------
// Running the rich module.

inline tern::Func* makeTwice(tern::Store& store) {
  return store.createHostFunc(
      tern::FuncType{{tern::ValType::I32}, {tern::ValType::I32}},
      [](tern::Caller&, std::span<const tern::Value> args,
         std::span<tern::Value> results) -> std::optional<tern::Trap> {
        results[0] = tern::Value::i32(args[0].asI32() * 2);
        return std::nullopt;
      },
      "twice");
}

inline std::string showValue(const tern::Value& v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02x:%016llx:%016llx", unsigned(v.type), (unsigned long long)v.bits,
                (unsigned long long)v.hi);
  return buf;
}

inline std::string callAndShow(tern::Instance* inst, const char* name, std::vector<tern::Value> args) {
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
inline std::vector<std::string> runRichScript(const std::shared_ptr<tern::Module>& m) {
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

inline std::string okI32(int32_t v) { return "ok " + showValue(tern::Value::i32(v)); }
inline std::string okI64(int64_t v) { return "ok " + showValue(tern::Value::i64(v)); }

}  // namespace decoder_checks
