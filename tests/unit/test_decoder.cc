// Decoding through the public API: hand-built modules that must compile and
// behave, streaming compilation in chunks of every size, and the decoder's
// hand-over of bodies to its consumer (the tier policy's). Rejected modules:
// test_decoder_errors.cc; the shared helpers: decoder_checks.h.
#include <doctest/doctest.h>

#include "decoder_checks.h"
#include "runtime/tiering.h"

using namespace decoder_checks;

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

TEST_CASE("layers: feedWhole decodes the caller's bytes as feed does, and feed may follow it") {
  Bytes b = richModule();
  RecordingConsumer whole;
  tern::ModuleDecoder dec(whole);
  REQUIRE(dec.feedWhole(b));
  REQUIRE(dec.finish());
  REQUIRE_FALSE(whole.indices.empty());
  // The same module split after its first half: fed whole, then the rest.
  size_t half = b.size() / 2;
  RecordingConsumer split;
  tern::ModuleDecoder dec2(split);
  REQUIRE(dec2.feedWhole(std::span<const uint8_t>(b.data(), half)));
  REQUIRE(dec2.feed(std::span<const uint8_t>(b.data() + half, b.size() - half)));
  REQUIRE(dec2.finish());
  CHECK(split.indices == whole.indices);
  CHECK(split.sizes == whole.sizes);
  // A truncated module fails the same way either way.
  Bytes cut(b.begin(), b.begin() + long(half));
  tern::ModuleDecoder a, c;
  a.feedWhole(cut);
  c.feed(cut);
  CHECK_FALSE(a.finish());
  CHECK_FALSE(c.finish());
  CHECK(a.toError().toString() == c.toError().toString());
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
    cfg.lazy = false;
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

TEST_CASE("layers: with lazy compilation a function gets its tier at its first call, once") {
  for (tern::Tier tier : {tern::Tier::Interp, tern::Tier::Jit}) {
    CAPTURE(int(tier));
    tern::Config eager_cfg;
    eager_cfg.tier = tier;
    eager_cfg.lazy = false;
    tern::Engine eager_engine(eager_cfg);
    tern::Config cfg = eager_cfg;
    cfg.lazy = true;
    tern::Engine e(cfg);
    Bytes b = richModule();
    auto eager = tern::Module::compile(eager_engine, b);
    auto m = tern::Module::compile(e, b);
    REQUIRE(eager.ok());
    REQUIRE(m.ok());
    const tern::ModuleData& emd = tern::moduleData(*eager.value());
    const tern::ModuleData& md = tern::moduleData(*m.value());
    REQUIRE(md.bodies.size() == emd.bodies.size());
    CHECK(bool(md.jit) == bool(emd.jit));
    // Validated, nothing compiled: no interpreter code, no machine code.
    for (size_t i = 0; i < md.bodies.size(); ++i) {
      uint32_t fi = uint32_t(md.num_imported_funcs + i);
      CHECK(md.bodies[i].tier == tern::FuncTier::Lazy);
      CHECK(!md.bodies[i].code);
      CHECK(!(md.jit && md.jit->compiled(fi)));
    }
    // Each body then gets the tier eager compilation gave it, and its
    // machine code or interpreter code agrees; a second call changes nothing.
    for (size_t i = 0; i < md.bodies.size(); ++i) {
      uint32_t fi = uint32_t(md.num_imported_funcs + i);
      tern::FuncTier t = tern::compileLazily(md, uint32_t(i));
      CHECK(t == emd.bodies[i].tier);
      CHECK(md.bodies[i].tier == t);
      CHECK((t == tern::FuncTier::Jit) == (md.jit && md.jit->compiled(fi)));
      CHECK((t == tern::FuncTier::Interp) == bool(md.bodies[i].code));
      CHECK(tern::compileLazily(md, uint32_t(i)) == t);
    }
  }
}
