// `tern wast`: a spec test script runner.
//
// The .wast script is turned into a JSON command list plus .wasm files by
// wabt's wast2json; this file only interprets that JSON. Every command ends in
// exactly one of passed / failed / skipped, so the final counts add up to the
// number of commands in the script.
//
// This file holds the runner of the commands and wastMain; what it shares with
// wast_script.cc and wast_values.cc is in wast_internal.h.
#include "cli/wast.h"

#include <fnmatch.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/usage.h"
#include "cli/wast_internal.h"
#include "tern/tern.hpp"

namespace tern::cli {

using namespace wast;

namespace {

// ---------------------------------------------------------------------------
// The runner

enum class Outcome { Pass, Fail, Skip };

// What became of a `module` command (or a registered module name).
enum class SlotState {
  Ok,
  NotRun,  // not executed on purpose (skip list, text module): dependents are skipped
  Failed,  // the module command failed: dependents are skipped, not failed again
};

struct Slot {
  Instance* inst = nullptr;
  SlotState state = SlotState::Failed;
  int line = 0;
};

struct ActionResult {
  enum Kind { Returned, Trapped, Error, Skipped } kind = Error;
  std::vector<Value> values;
  Trap trap;
  std::string message;  // Error / Skipped
  SlotState skip_state = SlotState::NotRun;
};

class Runner {
 public:
  Runner(const Options& opt, bool exec_skip, std::map<int, std::string> text_skips,
         std::map<std::string, std::vector<uint8_t>> files)
      : opt_(opt),
        exec_skip_(exec_skip),
        text_skips_(std::move(text_skips)),
        files_(std::move(files)),
        engine_(makeConfig(opt)),
        store_(engine_) {}

  std::optional<std::string> defineSpectest();
  void run(const json& commands);

  int passed = 0, failed = 0, skipped = 0;
  int skipped_not_run = 0;    // skip list / text modules
  int skipped_dependent = 0;  // needed a module that failed

 private:
  static Config makeConfig(const Options& opt) {
    Config c;
    c.tier = opt.tier;
    c.bounds_checks = opt.bounds_checks;
    c.lazy = opt.codegen.lazy;
    c.background_compilation = opt.codegen.background_compilation;
    c.parallel_compilation = opt.codegen.parallel_compilation;
    c.compile_threads = opt.codegen.compile_threads;
    c.features = opt.features;
    return c;
  }

  Outcome runCommand(const json& cmd);
  Outcome cmdModule(const json& cmd);
  Outcome cmdRegister(const json& cmd);
  Outcome cmdAction(const json& cmd);
  Outcome cmdAssertReturn(const json& cmd);
  Outcome cmdAssertTrap(const json& cmd);
  Outcome cmdAssertException(const json& cmd);
  Outcome cmdAssertRejected(const json& cmd);
  Outcome cmdAssertInstantiateFails(const json& cmd, ErrorKind want);

  // Compiles and instantiates the command's module; fills `slot`.
  Outcome load(const json& cmd, Slot& slot);
  ActionResult doAction(const json& action);
  // Module::compile, and with --precompile a round trip through the
  // module's .cwasm image: what runs is the module deserialize() made.
  Expected<std::shared_ptr<Module>> compileModule(const std::vector<uint8_t>& bytes) {
    auto mod = Module::compile(engine_, std::span<const uint8_t>(bytes.data(), bytes.size()));
    if (!mod || !opt_.precompile) return mod;
    auto image = mod.value()->serialize();
    if (!image) return image.error();
    return Module::deserialize(engine_, *image);
  }
  const std::vector<uint8_t>* moduleBytes(const std::string& fn) const {
    auto it = files_.find(fn);
    return it == files_.end() ? nullptr : &it->second;
  }
  const Slot* resolve(const json& action, std::string& err);
  std::string describeAction(const json& action) const;

  Outcome fail(const std::string& msg) {
    std::printf("%s:%d: %s: %s\n", opt_.file.c_str(), line_, type_.c_str(), msg.c_str());
    std::fflush(stdout);
    return Outcome::Fail;
  }
  Outcome skip(SlotState why, const std::string& msg) {
    if (why == SlotState::Failed) ++skipped_dependent;
    else ++skipped_not_run;
    if (opt_.verbose) {
      std::printf("%s:%d: %s: skipped: %s\n", opt_.file.c_str(), line_, type_.c_str(), msg.c_str());
      std::fflush(stdout);
    }
    return Outcome::Skip;
  }
  // A rejected module whose error text is not the expected one fails,
  // unless the skip list says why this command's text cannot match.
  Outcome wrongText(const std::string& text, const Error& e) {
    std::string msg = "expected \"" + text + "\", got " + errorText(e);
    auto it = text_skips_.find(line_);
    if (it != text_skips_.end()) return skip(SlotState::NotRun, "skip list (text): " + it->second + ": " + msg);
    return fail(msg);
  }
  Outcome skipFromAction(const ActionResult& r) { return skip(r.skip_state, r.message); }

  static std::string slotWhy(const Slot& s) {
    if (s.state == SlotState::NotRun) return "module from line " + std::to_string(s.line) + " was not run";
    return "module from line " + std::to_string(s.line) + " failed";
  }

  const Options& opt_;
  bool exec_skip_;
  std::map<int, std::string> text_skips_;              // line -> reason (skip list, category text)
  std::map<std::string, std::vector<uint8_t>> files_;  // wast2json's modules by file name
  Engine engine_;
  Store store_;
  Linker linker_;

  std::optional<Slot> current_;
  std::map<std::string, Slot> named_;
  std::map<std::string, Slot> unavailable_;  // registered names whose module did not run

  int line_ = 0;
  std::string type_;
};

std::optional<std::string> Runner::defineSpectest() {
  const bool verbose = opt_.verbose;
  auto printer = [verbose](std::string name) -> HostFn {
    return [verbose, name](Caller&, std::span<const Value> args, std::span<Value>) -> std::optional<Trap> {
      if (!verbose) return std::nullopt;
      std::string s = "spectest." + name + "(";
      for (size_t i = 0; i < args.size(); ++i) {
        if (i) s += ", ";
        const Value& v = args[i];
        switch (v.type) {
          case ValType::I32: s += std::to_string(v.asI32()) + " : i32"; break;
          case ValType::I64: s += std::to_string(v.asI64()) + " : i64"; break;
          case ValType::F32: s += floatText(v.bits, false) + " : f32"; break;
          case ValType::F64: s += floatText(v.bits, true) + " : f64"; break;
          default: s += gotText(v, nullptr); break;
        }
      }
      std::printf("%s)\n", s.c_str());
      std::fflush(stdout);
      return std::nullopt;
    };
  };
  using VT = ValType;
  struct Sig {
    const char* name;
    std::vector<ValType> params;
  };
  const Sig sigs[] = {
      {"print", {}},
      {"print_i32", {VT::I32}},
      {"print_i64", {VT::I64}},
      {"print_f32", {VT::F32}},
      {"print_f64", {VT::F64}},
      {"print_i32_f32", {VT::I32, VT::F32}},
      {"print_f64_f64", {VT::F64, VT::F64}},
  };
  for (const Sig& s : sigs) {
    FuncType ft;
    ft.params = s.params;
    Func* f = store_.createHostFunc(ft, printer(s.name), std::string("spectest.") + s.name);
    if (!f) return std::string("cannot create host function spectest.") + s.name;
    linker_.define("spectest", s.name, Extern(f));
  }

  struct G {
    const char* name;
    Value v;
  };
  const G globals[] = {
      {"global_i32", Value::i32(666)},
      {"global_i64", Value::i64(666)},
      {"global_f32", Value::f32(666.6f)},
      {"global_f64", Value::f64(666.6)},
  };
  for (const G& g : globals) {
    Global* gl = store_.createGlobal(GlobalType{g.v.type, false}, g.v);
    if (!gl) return std::string("cannot create global spectest.") + g.name;
    linker_.define("spectest", g.name, Extern(gl));
  }

  TableType tt;
  tt.elem = ValType::FuncRef;
  tt.limits.min = 10;
  tt.limits.max = 20;
  Table* table = store_.createTable(tt, Value::nullRef(ValType::FuncRef));
  if (!table) return std::string("cannot create table spectest.table");
  linker_.define("spectest", "table", Extern(table));

  MemoryType mt;
  mt.limits.min = 1;
  mt.limits.max = 2;
  auto mem = store_.createMemory(mt);
  if (!mem) return "cannot create memory spectest.memory: " + mem.error().message;
  linker_.define("spectest", "memory", Extern(mem.value()));
  return std::nullopt;
}

void Runner::run(const json& commands) {
  for (const json& cmd : commands) {
    line_ = 0;
    type_ = "?";
    Outcome o;
    try {
      if (cmd.contains("line") && cmd["line"].is_number_integer()) line_ = cmd["line"].get<int>();
      if (cmd.contains("type") && cmd["type"].is_string()) type_ = cmd["type"].get<std::string>();
      o = runCommand(cmd);
    } catch (const std::exception& e) {
      o = fail(std::string("cannot run command: ") + e.what());
    }
    switch (o) {
      case Outcome::Pass:
        ++passed;
        if (opt_.verbose) {
          std::printf("%s:%d: %s: ok\n", opt_.file.c_str(), line_, type_.c_str());
          std::fflush(stdout);
        }
        break;
      case Outcome::Fail: ++failed; break;
      case Outcome::Skip: ++skipped; break;
    }
  }
}

Outcome Runner::runCommand(const json& cmd) {
  const std::string& t = type_;
  if (t == "module") return cmdModule(cmd);
  if (t == "register") return cmdRegister(cmd);
  if (t == "action") return cmdAction(cmd);
  if (t == "assert_return") return cmdAssertReturn(cmd);
  if (t == "assert_trap" || t == "assert_exhaustion") return cmdAssertTrap(cmd);
  if (t == "assert_exception") return cmdAssertException(cmd);
  if (t == "assert_invalid" || t == "assert_malformed") return cmdAssertRejected(cmd);
  if (t == "assert_unlinkable") return cmdAssertInstantiateFails(cmd, ErrorKind::Link);
  if (t == "assert_uninstantiable") return cmdAssertInstantiateFails(cmd, ErrorKind::Trap);
  return fail("unknown command type");
}

Outcome Runner::load(const json& cmd, Slot& slot) {
  slot = Slot{};
  slot.line = line_;
  if (cmd.value("module_type", std::string("binary")) != "binary") {
    slot.state = SlotState::NotRun;
    return skip(SlotState::NotRun, "text module");
  }
  std::string fn = cmd.at("filename").get<std::string>();
  const std::vector<uint8_t>* bytes = moduleBytes(fn);
  if (!bytes) {
    slot.state = SlotState::Failed;
    return fail("cannot read " + fn);
  }
  auto mod = compileModule(*bytes);
  if (!mod) {
    if (mod.error().kind == ErrorKind::Unsupported && exec_skip_) {
      slot.state = SlotState::NotRun;
      return skip(SlotState::NotRun, "skip list (exec): " + errorText(mod.error()));
    }
    slot.state = SlotState::Failed;
    return fail("compile failed: " + errorText(mod.error()));
  }
  for (const ImportInfo& imp : mod.value()->imports()) {
    auto it = unavailable_.find(imp.module);
    if (it != unavailable_.end()) {
      slot.state = it->second.state;
      return skip(it->second.state, "imports from \"" + imp.module + "\": " + slotWhy(it->second));
    }
  }
  auto inst = linker_.instantiate(store_, mod.value());
  if (!inst) {
    if (inst.error().kind == ErrorKind::Unsupported && exec_skip_) {
      slot.state = SlotState::NotRun;
      return skip(SlotState::NotRun, "skip list (exec): " + errorText(inst.error()));
    }
    slot.state = SlotState::Failed;
    return fail("instantiation failed: " + errorText(inst.error()));
  }
  slot.inst = inst.value();
  slot.state = SlotState::Ok;
  return Outcome::Pass;
}

Outcome Runner::cmdModule(const json& cmd) {
  Slot slot;
  Outcome o = load(cmd, slot);
  current_ = slot;
  if (cmd.contains("name")) named_[cmd["name"].get<std::string>()] = slot;
  return o;
}

Outcome Runner::cmdRegister(const json& cmd) {
  std::string as = cmd.at("as").get<std::string>();
  const Slot* slot = nullptr;
  if (cmd.contains("name")) {
    std::string name = cmd["name"].get<std::string>();
    auto it = named_.find(name);
    if (it == named_.end()) return fail("unknown module " + name);
    slot = &it->second;
  } else {
    if (!current_) return fail("no module to register");
    slot = &*current_;
  }
  if (slot->state != SlotState::Ok) {
    unavailable_[as] = *slot;
    return skip(slot->state, slotWhy(*slot));
  }
  unavailable_.erase(as);
  linker_.defineInstance(as, *slot->inst);
  return Outcome::Pass;
}

const Slot* Runner::resolve(const json& action, std::string& err) {
  if (action.contains("module")) {
    std::string name = action["module"].get<std::string>();
    auto it = named_.find(name);
    if (it == named_.end()) {
      err = "unknown module " + name;
      return nullptr;
    }
    return &it->second;
  }
  if (!current_) {
    err = "no module defined";
    return nullptr;
  }
  return &*current_;
}

std::string Runner::describeAction(const json& action) const {
  std::string s = action.value("type", std::string("?"));
  if (action.contains("module")) s += " " + action["module"].get<std::string>();
  s += " \"" + action.value("field", std::string()) + "\"";
  if (action.contains("args")) {
    s += "(";
    bool first = true;
    for (const json& a : action["args"]) {
      if (!first) s += ", ";
      first = false;
      s += expectedText(a);
    }
    s += ")";
  }
  return s;
}

ActionResult Runner::doAction(const json& action) {
  ActionResult r;
  std::string err;
  const Slot* slot = resolve(action, err);
  if (!slot) {
    r.kind = ActionResult::Error;
    r.message = err;
    return r;
  }
  if (slot->state != SlotState::Ok) {
    r.kind = ActionResult::Skipped;
    r.skip_state = slot->state;
    r.message = slotWhy(*slot);
    return r;
  }
  std::string type = action.at("type").get<std::string>();
  std::string field = action.at("field").get<std::string>();
  if (type == "get") {
    Global* g = slot->inst->getGlobal(field);
    if (!g) {
      r.kind = ActionResult::Error;
      r.message = "no exported global \"" + field + "\"";
      return r;
    }
    r.kind = ActionResult::Returned;
    r.values.push_back(g->get());
    return r;
  }
  if (type != "invoke") {
    r.kind = ActionResult::Error;
    r.message = "unknown action type '" + type + "'";
    return r;
  }
  Func* f = slot->inst->getFunc(field);
  if (!f) {
    r.kind = ActionResult::Error;
    r.message = "no exported function \"" + field + "\"";
    return r;
  }
  std::vector<Value> args;
  if (action.contains("args"))
    for (const json& a : action["args"]) args.push_back(makeValue(a));
  const FuncType& ft = f->type();
  if (ft.params.size() != args.size()) {
    r.kind = ActionResult::Error;
    r.message = "\"" + field + "\" takes " + std::to_string(ft.params.size()) + " arguments, script passes " +
                std::to_string(args.size());
    return r;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (ft.params[i] != args[i].type) {
      r.kind = ActionResult::Error;
      r.message = "argument " + std::to_string(i) + " of \"" + field + "\" has type " + valTypeName(ft.params[i]) +
                  ", script passes " + valTypeName(args[i].type);
      return r;
    }
  }
  auto res = f->call(std::span<const Value>(args.data(), args.size()));
  if (res) {
    r.kind = ActionResult::Returned;
    r.values = std::move(res.value());
  } else {
    r.kind = ActionResult::Trapped;
    r.trap = std::move(res.error());
  }
  return r;
}

Outcome Runner::cmdAction(const json& cmd) {
  const json& action = cmd.at("action");
  ActionResult r = doAction(action);
  switch (r.kind) {
    case ActionResult::Returned: return Outcome::Pass;
    case ActionResult::Skipped: return skipFromAction(r);
    case ActionResult::Error: return fail(describeAction(action) + ": " + r.message);
    case ActionResult::Trapped: return fail(describeAction(action) + ": unexpected trap: " + r.trap.message);
  }
  return Outcome::Fail;
}

Outcome Runner::cmdAssertReturn(const json& cmd) {
  const json& action = cmd.at("action");
  const json& expected = cmd.at("expected");
  auto expectedList = [&]() {
    std::string s = "(";
    for (size_t i = 0; i < expected.size(); ++i) {
      if (i) s += ", ";
      s += expectedText(expected[i]);
    }
    return s + ")";
  };
  ActionResult r = doAction(action);
  switch (r.kind) {
    case ActionResult::Skipped: return skipFromAction(r);
    case ActionResult::Error: return fail(describeAction(action) + ": " + r.message);
    case ActionResult::Trapped:
      return fail(describeAction(action) + ": expected " + expectedList() + ", got trap: " + r.trap.message);
    case ActionResult::Returned: break;
  }
  bool ok = r.values.size() == expected.size();
  for (size_t i = 0; ok && i < expected.size(); ++i) ok = valueMatches(expected[i], r.values[i]);
  if (ok) return Outcome::Pass;
  std::string got = "(";
  for (size_t i = 0; i < r.values.size(); ++i) {
    if (i) got += ", ";
    got += gotText(r.values[i], i < expected.size() ? &expected[i] : nullptr);
  }
  got += ")";
  return fail(describeAction(action) + ": expected " + expectedList() + ", got " + got);
}

Outcome Runner::cmdAssertTrap(const json& cmd) {
  const json& action = cmd.at("action");
  std::string text = cmd.at("text").get<std::string>();
  ActionResult r = doAction(action);
  switch (r.kind) {
    case ActionResult::Skipped: return skipFromAction(r);
    case ActionResult::Error: return fail(describeAction(action) + ": " + r.message);
    case ActionResult::Returned: {
      std::string got = "(";
      for (size_t i = 0; i < r.values.size(); ++i) {
        if (i) got += ", ";
        got += gotText(r.values[i], nullptr);
      }
      got += ")";
      return fail(describeAction(action) + ": expected trap \"" + text + "\", got " + got);
    }
    case ActionResult::Trapped: break;
  }
  if (!trapTextMatches(text, r.trap.message))
    return fail(describeAction(action) + ": expected trap \"" + text + "\", got trap \"" + r.trap.message + "\"");
  return Outcome::Pass;
}

// The action ends with a Wasm exception no handler caught (any tag).
Outcome Runner::cmdAssertException(const json& cmd) {
  const json& action = cmd.at("action");
  ActionResult r = doAction(action);
  switch (r.kind) {
    case ActionResult::Skipped: return skipFromAction(r);
    case ActionResult::Error: return fail(describeAction(action) + ": " + r.message);
    case ActionResult::Returned: return fail(describeAction(action) + ": expected an exception, got a return");
    case ActionResult::Trapped: break;
  }
  if (r.trap.kind != TrapKind::UncaughtException)
    return fail(describeAction(action) + ": expected an exception, got trap \"" + r.trap.message + "\"");
  return Outcome::Pass;
}

Outcome Runner::cmdAssertRejected(const json& cmd) {
  std::string text = cmd.value("text", std::string());
  if (cmd.value("module_type", std::string("binary")) != "binary") return skip(SlotState::NotRun, "text module");
  std::string fn = cmd.at("filename").get<std::string>();
  const std::vector<uint8_t>* bytes = moduleBytes(fn);
  if (!bytes) return fail("cannot read " + fn);
  auto mod = compileModule(*bytes);
  if (mod) return fail("module compiled, expected it to be rejected: \"" + text + "\"");
  const Error& e = mod.error();
  if (!errorTextMatches(text, e.message)) return wrongText(text, e);
  return Outcome::Pass;
}

Outcome Runner::cmdAssertInstantiateFails(const json& cmd, ErrorKind want) {
  std::string text = cmd.value("text", std::string());
  if (cmd.value("module_type", std::string("binary")) != "binary") return skip(SlotState::NotRun, "text module");
  std::string fn = cmd.at("filename").get<std::string>();
  const std::vector<uint8_t>* bytes = moduleBytes(fn);
  if (!bytes) return fail("cannot read " + fn);
  auto mod = compileModule(*bytes);
  if (!mod) {
    if (mod.error().kind == ErrorKind::Unsupported && exec_skip_)
      return skip(SlotState::NotRun, "skip list (exec): " + errorText(mod.error()));
    return fail("compile failed: " + errorText(mod.error()));
  }
  for (const ImportInfo& imp : mod.value()->imports()) {
    auto it = unavailable_.find(imp.module);
    if (it != unavailable_.end())
      return skip(it->second.state, "imports from \"" + imp.module + "\": " + slotWhy(it->second));
  }
  auto inst = linker_.instantiate(store_, mod.value());
  if (inst)
    return fail(std::string("instantiation succeeded, expected ") + errorKindName(want) + " error \"" + text + "\"");
  const Error& e = inst.error();
  if (e.kind == ErrorKind::Unsupported && exec_skip_)
    return skip(SlotState::NotRun, "skip list (exec): " + errorText(e));
  if (e.kind != want)
    return fail(std::string("expected ") + errorKindName(want) + " error \"" + text + "\", got " + errorText(e));
  if (!errorTextMatches(text, e.message)) return wrongText(text, e);
  return Outcome::Pass;
}

}  // namespace

int wastMain(int argc, char** argv) {
  Options opt;
  bool help = false;
  if (auto err = parseOptions(argc, argv, opt, help)) {
    std::fprintf(stderr, "tern wast: %s (see 'tern help wast')\n", err->c_str());
    return 2;
  }
  if (help) {
    printCommandHelp(*findCommandHelp("wast"), stdout);
    return 0;
  }

  bool exec_skip = false, skip_all = false;
  std::map<int, std::string> text_skips;
  if (!opt.skip_list.empty()) {
    std::vector<SkipEntry> entries;
    if (auto err = loadSkipList(opt.skip_list, entries)) {
      std::fprintf(stderr, "tern wast: %s\n", err->c_str());
      return 2;
    }
    // A glob with a '/' names the script's directory too ("memory64/binary.wast"):
    // a proposal's copy of a core script is another script.
    fs::path script(opt.file);
    std::string base = script.filename().string();
    std::string qualified = (script.parent_path().filename() / script.filename()).string();
    for (const SkipEntry& e : entries) {
      const std::string& name = e.glob.find('/') == std::string::npos ? base : qualified;
      if (fnmatch(e.glob.c_str(), name.c_str(), 0) != 0) continue;
      std::string build = e.build.empty() ? "" : " (build without " + e.build + ")";
      if (e.category == "text") {
        std::printf("skip: %s:%d %s%s: %s\n", e.glob.c_str(), e.line, e.category.c_str(), build.c_str(),
                    e.reason.c_str());
        text_skips[e.line] = e.reason;
        continue;
      }
      std::printf("skip: %s %s%s: %s\n", e.glob.c_str(), e.category.c_str(), build.c_str(), e.reason.c_str());
      if (e.category == "all") skip_all = true;
      if (e.category == "exec") exec_skip = true;
    }
    std::fflush(stdout);
  }

  // A .json file is a script wast2json already converted (or a test wrote
  // in its format, with modules wabt cannot read), its .wasm files beside it.
  const bool converted = fs::path(opt.file).extension() == ".json";
  TempDir tmp;
  if (!converted && !tmp.create()) {
    std::fprintf(stderr, "tern wast: cannot create a temporary directory: %s\n", std::strerror(errno));
    return 2;
  }
  const fs::path dir = converted ? fs::path(opt.file).parent_path() : fs::path(tmp.path());
  fs::path json_path = converted ? fs::path(opt.file) : dir / "x.json";
  if (auto err = converted ? std::nullopt : runWast2json(opt.file, json_path.string(), opt.features)) {
    if (skip_all) {
      // The whole file is skipped anyway; count it as one skipped command.
      std::printf("0 passed, 0 failed, 1 skipped\n");
      return 0;
    }
    std::fprintf(stderr, "tern wast: %s: %s\n", opt.file.c_str(), err->c_str());
    return 2;
  }

  json script;
  try {
    std::ifstream in(json_path);
    if (!in) throw std::runtime_error("cannot open " + json_path.string());
    script = json::parse(in);
    if (!script.contains("commands") || !script["commands"].is_array())
      throw std::runtime_error("no \"commands\" array");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern wast: %s: cannot read wast2json output: %s\n", opt.file.c_str(), e.what());
    return 2;
  }
  const json& commands = script["commands"];

  if (skip_all) {
    std::printf("0 passed, 0 failed, %zu skipped\n", commands.size());
    return 0;
  }

  // Load every binary module now and drop the scratch directory before any
  // Wasm runs, so a crashing or killed run leaves nothing behind.
  std::map<std::string, std::vector<uint8_t>> files;
  for (const json& cmd : commands) {
    if (!cmd.is_object() || !cmd.contains("filename") || !cmd["filename"].is_string()) continue;
    std::string fn = cmd["filename"].get<std::string>();
    if (files.count(fn) || cmd.value("module_type", std::string("binary")) != "binary") continue;
    if (auto bytes = readBytes(dir / fn)) files.emplace(fn, std::move(*bytes));
  }
  if (!converted) tmp.remove();

  Runner runner(opt, exec_skip, std::move(text_skips), std::move(files));
  if (auto err = runner.defineSpectest()) {
    std::fprintf(stderr, "tern wast: spectest: %s\n", err->c_str());
    return 2;
  }
  runner.run(commands);

  if (runner.skipped_dependent > 0)
    std::printf("note: %d command%s skipped because the module they need failed\n", runner.skipped_dependent,
                runner.skipped_dependent == 1 ? "" : "s");
  std::printf("%d passed, %d failed, %d skipped\n", runner.passed, runner.failed, runner.skipped);
  std::fflush(stdout);
  return runner.failed > 0 ? 1 : 0;
}

}  // namespace tern::cli
