// Trap::frames, TrapFrame::label, Trap::format and formatBacktrace through
// the public API, on both tiers. The module is written here byte by byte, so
// the offsets the frames must report are known from its construction.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tern/tern.hpp"
#include "tier_probe.h"
#include "wasm.h"

using namespace tern;

namespace {

using Bytes = std::vector<uint8_t>;

void put(Bytes& b, std::initializer_list<uint8_t> l) { b.insert(b.end(), l); }
void putName(Bytes& b, const std::string& s) {
  b.push_back(uint8_t(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}
void section(Bytes& out, uint8_t id, const Bytes& payload) {
  out.push_back(id);
  out.push_back(uint8_t(payload.size()));  // every section here is < 128 bytes
  out.insert(out.end(), payload.begin(), payload.end());
}

// (import "host" "fail" (func 0 (param i32) (result i32)))
// func 1 "outer"      export "outer":   local.get 0; call 2
// func 2 "_Z5inneri":                  local.get 0; i32.const 0; i32.div_s
// func 3 (no name)    export "viahost": local.get 0; call 0
struct TestModule {
  Bytes bytes;
  uint32_t body[4] = {};  // module offset of each defined body (after its size)
  uint32_t call_outer = 0, div = 0, call_host = 0;

  TestModule() {
    bytes = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    section(bytes, 1, {0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f});
    Bytes imp{0x01};
    putName(imp, "host");
    putName(imp, "fail");
    put(imp, {0x00, 0x00});
    section(bytes, 2, imp);
    section(bytes, 3, {0x03, 0x00, 0x00, 0x00});
    Bytes exp{0x02};
    putName(exp, "outer");
    put(exp, {0x00, 0x01});
    putName(exp, "viahost");
    put(exp, {0x00, 0x03});
    section(bytes, 7, exp);
    // The code section: its payload starts 2 bytes after the section id.
    const Bytes bodies[3] = {
        {0x00, 0x20, 0x00, 0x10, 0x02, 0x0b},
        {0x00, 0x20, 0x00, 0x41, 0x00, 0x6d, 0x0b},
        {0x00, 0x20, 0x00, 0x10, 0x00, 0x0b},
    };
    Bytes code{0x03};
    uint32_t code_payload = uint32_t(bytes.size()) + 2;
    for (int i = 0; i < 3; ++i) {
      code.push_back(uint8_t(bodies[i].size()));
      body[i + 1] = code_payload + uint32_t(code.size());
      code.insert(code.end(), bodies[i].begin(), bodies[i].end());
    }
    section(bytes, 10, code);
    call_outer = body[1] + 3;  // after the locals byte and local.get 0
    div = body[2] + 5;
    call_host = body[3] + 3;
    Bytes names{0x01};  // function names
    Bytes map{0x02, 0x01};
    putName(map, "outer");
    map.push_back(0x02);
    putName(map, "_Z5inneri");
    names.push_back(uint8_t(map.size()));
    names.insert(names.end(), map.begin(), map.end());
    Bytes custom;
    putName(custom, "name");
    custom.insert(custom.end(), names.begin(), names.end());
    section(bytes, 0, custom);
  }
};

}  // namespace

TEST_CASE("Trap::frames: function, name, offsets and instance on every tier") {
  Tier tier = Tier::Interp;
  SUBCASE("interp") { tier = Tier::Interp; }
  SUBCASE("jit") { tier = Tier::Jit; }
  Config cfg;
  cfg.tier = tier;
  Engine engine(cfg);
  Store store(engine);
  Linker linker;
  linker.defineFunc(
      "host", "fail", FuncType{{ValType::I32}, {ValType::I32}},
      [](Caller&, std::span<const Value>, std::span<Value>) -> std::optional<Trap> { return Trap::host("no"); });
  TestModule tm;
  auto m = Module::compile(engine, tm.bytes);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
  if (tier == Tier::Jit && test::jitAvailable()) REQUIRE(test::hasJitCode(*m.value()));
  auto inst = linker.instantiate(store, m.value());
  REQUIRE(inst.ok());

  // A trap two calls deep.
  auto r = inst.value()->getFunc("outer")->call(std::vector<Value>{Value::i32(1)});
  REQUIRE_FALSE(r.ok());
  const Trap& t = r.error();
  REQUIRE(t.frames.size() == 2);
  const TrapFrame& f0 = t.frames[0];
  CHECK(f0.func_index == 2);
  CHECK(f0.module_offset == tm.div);
  CHECK(f0.func_offset == tm.div - tm.body[2]);
  CHECK(f0.name == "_Z5inneri");
  CHECK(f0.label() == "inner(int)");
  CHECK(f0.module.empty());  // compiled from bytes: no file name, no module name
  CHECK(f0.instance == inst.value());
  CHECK_FALSE(f0.host());
  const TrapFrame& f1 = t.frames[1];
  CHECK(f1.func_index == 1);
  CHECK(f1.module_offset == tm.call_outer);
  CHECK(f1.func_offset == tm.call_outer - tm.body[1]);
  CHECK(f1.label() == "outer");
  char expect[128];
  std::snprintf(expect, sizeof expect, "  at inner(int) (<wasm>+0x%x)\n  at outer (<wasm>+0x%x)\n", tm.div,
                tm.call_outer);
  CHECK(t.format() == expect);
  CHECK(t.toString() == "integer divide by zero\n" + std::string(expect, std::strlen(expect) - 1));
  // The name strings are still there.
  CHECK(t.backtrace == std::vector<std::string>{"_Z5inneri", "outer"});

  // A host function's trap: its own frame first, then the Wasm caller,
  // named by its export.
  auto h = inst.value()->getFunc("viahost")->call(std::vector<Value>{Value::i32(1)});
  REQUIRE_FALSE(h.ok());
  REQUIRE(h.error().frames.size() == 2);
  CHECK(h.error().frames[0].host());
  CHECK(h.error().frames[0].module_offset == TrapFrame::kNone);
  CHECK(h.error().frames[1].func_index == 3);
  CHECK(h.error().frames[1].name == "viahost");
  CHECK(h.error().frames[1].module_offset == tm.call_host);
  CHECK(h.error().format().find("(host)\n") != std::string::npos);
}

TEST_CASE("formatBacktrace: folding, elision and labels") {
  auto frame = [](uint32_t index, const char* name, uint32_t off) {
    TrapFrame f;
    f.func_index = index;
    f.name = name;
    f.module = "m.wasm";
    f.module_offset = off;
    return f;
  };
  SUBCASE("a long run keeps its first frames, counts the rest, keeps the outer frames") {
    std::vector<TrapFrame> fs;
    for (int i = 0; i < 12345; ++i) fs.push_back(frame(3, "fib", i == 0 ? 0x10 : 0x20));
    fs.push_back(frame(2, "main", 0x30));
    fs.push_back(frame(1, "_start", 0x40));
    std::string s = formatBacktrace(fs, 3);
    CHECK(s ==
          "  at fib (m.wasm+0x10)\n"
          "  at fib (m.wasm+0x20)\n"
          "  at fib (m.wasm+0x20)\n"
          "  ... 12,342 more frames of fib\n"
          "  at main (m.wasm+0x30)\n"
          "  at _start (m.wasm+0x40)\n");
  }
  SUBCASE("a run only a little longer than what is kept is shown whole") {
    std::vector<TrapFrame> fs(8, frame(3, "f", 1));
    CHECK(formatBacktrace(fs, 3) == formatBacktrace(fs, 100));
    fs.push_back(frame(3, "f", 1));
    fs.push_back(frame(3, "f", 1));
    CHECK(formatBacktrace(fs, 3).find("... 7 more frames of f\n") != std::string::npos);
  }
  SUBCASE("mutual recursion past the line limit: head, count, outermost frames") {
    std::vector<TrapFrame> fs;
    for (int i = 0; i < 1000; ++i) fs.push_back(frame(i % 2 ? 5 : 4, i % 2 ? "odd" : "even", 0x50));
    fs.push_back(frame(1, "_start", 0x40));
    std::string s = formatBacktrace(fs, 10, 20);
    size_t lines = 0;
    for (char c : s) lines += c == '\n';
    CHECK(lines == 20);
    CHECK(s.find("  ... 982 more frames\n") != std::string::npos);
    CHECK(s.ends_with("  at _start (m.wasm+0x40)\n"));
  }
  SUBCASE("labels") {
    TrapFrame f = frame(7, "", 1);
    CHECK(f.label() == "wasm-function[7]");
    f.name = "_ZN4core9panicking5panic17h0123456789abcdefE";
    CHECK(f.label() == "core::panicking::panic");
    f.name = "_RNvCs1234_7mycrate3bar";
    CHECK(f.label() == "mycrate::bar");
    TrapFrame host;
    host.name = "env.log";
    CHECK(host.host());
    CHECK(formatBacktrace(std::vector<TrapFrame>{host}) == "  at env.log (host)\n");
    TrapFrame nooff = frame(2, "g", TrapFrame::kNone);
    nooff.module.clear();
    CHECK(formatBacktrace(std::vector<TrapFrame>{nooff}) == "  at g (<wasm>)\n");
  }
}

namespace {
wasm_trap_t* failCallback(void* env, const wasm_val_vec_t*, wasm_val_vec_t*) {
  wasm_message_t msg;
  wasm_name_new_from_string_nt(&msg, "no");
  wasm_trap_t* t = wasm_trap_new(static_cast<wasm_store_t*>(env), &msg);
  wasm_byte_vec_delete(&msg);
  return t;
}
}  // namespace

TEST_CASE("C API: wasm_trap_trace frames carry tern's function indices and offsets") {
  TestModule tm;
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, tm.bytes.size(), reinterpret_cast<const char*>(tm.bytes.data()));
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  REQUIRE(module);
  wasm_functype_t* ft = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* fail = wasm_func_new_with_env(store, ft, failCallback, store, nullptr);
  wasm_functype_delete(ft);
  wasm_extern_t* imports_arr[1] = {wasm_func_as_extern(fail)};
  wasm_extern_vec_t imports = {1, imports_arr};
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, nullptr);
  REQUIRE(instance);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  REQUIRE(exports.size == 2);

  auto call = [&](size_t export_index) {
    wasm_val_t arg, res;
    arg.kind = WASM_I32;
    arg.of.i32 = 1;
    res.kind = WASM_I32;
    res.of.i32 = 0;
    wasm_val_vec_t args = {1, &arg}, results = {1, &res};
    return wasm_func_call(wasm_extern_as_func(exports.data[export_index]), &args, &results);
  };

  wasm_trap_t* trap = call(0);  // outer -> _Z5inneri: division by zero
  REQUIRE(trap);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  REQUIRE(trace.size == 2);
  CHECK(wasm_frame_func_index(trace.data[0]) == 2);
  CHECK(wasm_frame_module_offset(trace.data[0]) == tm.div);
  CHECK(wasm_frame_func_offset(trace.data[0]) == tm.div - tm.body[2]);
  CHECK(wasm_instance_same(wasm_frame_instance(trace.data[0]), instance));
  CHECK(wasm_frame_func_index(trace.data[1]) == 1);
  CHECK(wasm_frame_module_offset(trace.data[1]) == tm.call_outer);
  CHECK(wasm_frame_func_offset(trace.data[1]) == tm.call_outer - tm.body[1]);
  wasm_frame_t* origin = wasm_trap_origin(trap);
  REQUIRE(origin);
  CHECK(wasm_frame_module_offset(origin) == tm.div);
  wasm_frame_delete(origin);
  wasm_frame_vec_delete(&trace);
  wasm_trap_delete(trap);

  trap = call(1);  // viahost -> the host's trap: its frame is not in the trace
  REQUIRE(trap);
  wasm_trap_trace(trap, &trace);
  REQUIRE(trace.size == 1);
  CHECK(wasm_frame_func_index(trace.data[0]) == 3);
  CHECK(wasm_frame_module_offset(trace.data[0]) == tm.call_host);
  wasm_frame_vec_delete(&trace);
  wasm_trap_delete(trap);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(fail);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

// ---- the JIT's frame walk: cases a wrong walk would get wrong ----
namespace {

void uleb(Bytes& b, uint64_t v) {
  do {
    uint8_t byte = v & 0x7f;
    v >>= 7;
    b.push_back(uint8_t(byte | (v ? 0x80 : 0)));
  } while (v);
}
void sectionLeb(Bytes& out, uint8_t id, const Bytes& payload) {
  out.push_back(id);
  uleb(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

// Every function is (param i32) (result i32); function 0 is the import
// "host" "reenter", which calls the export "deep" of its caller's instance
// with its argument. The marks are module offsets of instructions.
//   1 a      export "reenter":  call 2      (a -> b -> c -> host -> d -> e -> f)
//   2 b                         call 3
//   3 c                         call 0
//   4 d      export "deep":     call 5
//   5 e                         call 6
//   6 f                         unreachable
//   7 leaf                      i32.load of the argument
//   8 nonleaf                   call 9, then i32.load of its result
//   9 id                        returns its argument
//  10 export "load_leaf":       call 7
//  11 export "load_nonleaf":    call 8
//  12 rec    export "recurse":  call 12, for ever
struct WalkModule {
  Bytes bytes;
  uint32_t body[13] = {};  // module offset of each defined body (its locals byte)
  uint32_t call[13] = {};  // module offset of the call in each function that calls
  uint32_t unreachable = 0, load_leaf = 0, load_nonleaf = 0;

  WalkModule() {
    const uint8_t get0[] = {0x20, 0x00};
    struct Fn {
      int callee = -1;  // a call after local.get 0
      Bytes after;      // instructions after the call (or after local.get 0)
      bool get = true;  // starts with local.get 0
    };
    Fn fns[13];
    fns[1].callee = 2, fns[2].callee = 3, fns[3].callee = 0, fns[4].callee = 5, fns[5].callee = 6;
    fns[6].get = false, fns[6].after = {0x00};  // unreachable
    fns[7].after = {0x28, 0x02, 0x00};          // i32.load
    fns[8].callee = 9, fns[8].after = {0x28, 0x02, 0x00};
    fns[10].callee = 7, fns[11].callee = 8, fns[12].callee = 12;

    bytes = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    sectionLeb(bytes, 1, {0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f});
    Bytes imp{0x01};
    putName(imp, "host");
    putName(imp, "reenter");
    put(imp, {0x00, 0x00});
    sectionLeb(bytes, 2, imp);
    Bytes funcs{12};
    for (int i = 1; i <= 12; ++i) funcs.push_back(0x00);
    sectionLeb(bytes, 3, funcs);
    sectionLeb(bytes, 5, {0x01, 0x00, 0x01});  // memory: 1 page
    Bytes exp{0x05};
    const std::pair<const char*, uint8_t> exports[] = {{"reenter", 1},
                                                       {"deep", 4},
                                                       {"load_leaf", 10},
                                                       {"load_nonleaf", 11},
                                                       {"recurse", 12}};
    for (auto [n, i] : exports) {
      putName(exp, n);
      put(exp, {0x00, i});
    }
    sectionLeb(bytes, 7, exp);
    // The bodies, with their offsets in the section's payload first.
    Bytes payload{12};
    uint32_t rel_body[13] = {}, rel_mark[13] = {}, rel_after[13] = {};
    for (int i = 1; i <= 12; ++i) {
      Bytes code{0x00};  // no locals
      if (fns[i].get) code.insert(code.end(), get0, get0 + 2);
      uint32_t mark = uint32_t(code.size());
      if (fns[i].callee >= 0) put(code, {0x10, uint8_t(fns[i].callee)});
      uint32_t after = uint32_t(code.size());
      code.insert(code.end(), fns[i].after.begin(), fns[i].after.end());
      code.push_back(0x0b);
      uleb(payload, code.size());
      rel_body[i] = uint32_t(payload.size());
      rel_mark[i] = rel_body[i] + mark;
      rel_after[i] = rel_body[i] + after;
      payload.insert(payload.end(), code.begin(), code.end());
    }
    Bytes size;
    uleb(size, payload.size());
    uint32_t payload_at = uint32_t(bytes.size() + 1 + size.size());
    sectionLeb(bytes, 10, payload);
    for (int i = 1; i <= 12; ++i) {
      body[i] = payload_at + rel_body[i];
      if (fns[i].callee >= 0) call[i] = payload_at + rel_mark[i];
    }
    unreachable = payload_at + rel_after[6];
    load_leaf = payload_at + rel_after[7];
    load_nonleaf = payload_at + rel_after[8];
  }
};

// (function index, module offset) per frame, innermost first; a host
// frame is (UINT32_MAX, kNone).
using FrameList = std::vector<std::pair<uint32_t, uint32_t>>;
FrameList framesOf(const Trap& t) {
  FrameList out;
  for (const TrapFrame& f : t.frames) {
    if (f.host()) out.emplace_back(UINT32_MAX, TrapFrame::kNone);
    else out.emplace_back(f.func_index, f.module_offset);
  }
  return out;
}

}  // namespace

namespace {

// Every case on one tier; the same frames are expected on each.
void frameWalkCases(Config cfg) {
  const uint32_t depth = 3000;
  cfg.max_call_depth = depth;
  Engine engine(cfg);
  Store store(engine);
  Linker linker;
  linker.defineFunc("host", "reenter", FuncType{{ValType::I32}, {ValType::I32}},
                    [](Caller& c, std::span<const Value> args, std::span<Value> results) -> std::optional<Trap> {
                      auto r = c.instance()->getFunc("deep")->call(std::vector<Value>{args[0]});
                      if (!r.ok()) return std::move(r.error());
                      results[0] = r.value()[0];
                      return std::nullopt;
                    });
  WalkModule wm;
  auto m = Module::compile(engine, wm.bytes);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
  const bool jit = cfg.tier == Tier::Jit && test::jitAvailable();
  if (jit) {
    // Every defined function runs as JIT code, or the case tests the interpreter again.
    REQUIRE(test::hasJitCode(*m.value()));
    for (uint32_t i = 1; i <= 12; ++i) CHECK(test::functionHasJitCode(*m.value(), i));
  }
  auto inst = linker.instantiate(store, m.value());
  REQUIRE(inst.ok());
  auto run = [&](const char* name, uint32_t arg) {
    auto r = inst.value()->getFunc(name)->call(std::vector<Value>{Value::i32(arg)});
    REQUIRE_FALSE(r.ok());
    return r.error();
  };
  const uint32_t kHost = UINT32_MAX, kNone = TrapFrame::kNone;

  {
    INFO("three frames deep, below a JIT -> host -> JIT re-entry");
    Trap t = run("reenter", 1);
    CHECK(t.kind == TrapKind::Unreachable);
    FrameList want{{6, wm.unreachable}, {5, wm.call[5]}, {4, wm.call[4]}, {kHost, kNone},
                   {3, wm.call[3]},     {2, wm.call[2]}, {1, wm.call[1]}};
    CHECK(framesOf(t) == want);
  }
  {
    INFO("an out-of-bounds load (a guard-page fault on the JIT) in a leaf");
    Trap t = run("load_leaf", 0x7fff0000);
    CHECK(t.kind == TrapKind::MemoryOutOfBounds);
    CHECK(framesOf(t) == FrameList{{7, wm.load_leaf}, {10, wm.call[10]}});
  }
  {
    INFO("an out-of-bounds load in a function that has made a call");
    Trap t = run("load_nonleaf", 0x7fff0000);
    CHECK(t.kind == TrapKind::MemoryOutOfBounds);
    CHECK(framesOf(t) == FrameList{{8, wm.load_nonleaf}, {11, wm.call[11]}});
  }
  {
    INFO("stack exhaustion: every frame, folded when printed");
    Trap t = run("recurse", 0);
    CHECK(t.kind == TrapKind::CallStackExhausted);
    // depth calls below the entry, then the one that is too deep. The
    // interpreter stops at the call that would go too deep; JIT code
    // notices in the callee's entry check, at the start of its body.
    FrameList want(depth + 1, {12, wm.call[12]});
    if (jit) want[0].second = wm.body[12];
    CHECK(framesOf(t) == want);
    char first[64];
    std::snprintf(first, sizeof first, "  at recurse (<wasm>+0x%x)\n", want[0].second);
    CHECK(t.format().starts_with(first));
    CHECK(t.format().ends_with("  ... 2,991 more frames of recurse\n"));  // depth + 1 - 10
  }
}

}  // namespace

TEST_CASE("Trap::frames: the JIT's frame walk through re-entry, faults and stack exhaustion, on every tier") {
  Config cfg;
  SUBCASE("interp") { cfg.tier = Tier::Interp; }
  SUBCASE("jit") { cfg.tier = Tier::Jit; }
  SUBCASE("jit, bounds checks") {
    cfg.tier = Tier::Jit;
    cfg.bounds_checks = true;
  }
  frameWalkCases(cfg);
}
