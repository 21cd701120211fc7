// `tern wast`: a spec test script runner.
//
// The .wast script is turned into a JSON command list plus .wasm files by
// wabt's wast2json; this file only interprets that JSON. Every command ends in
// exactly one of passed / failed / skipped, so the final counts add up to the
// number of commands in the script.
#include "cli/wast.h"

#include <fnmatch.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/usage.h"
#include "tern/tern.hpp"

extern char** environ;

namespace tern::cli {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

struct Options {
  std::string file;
  Tier tier = Tier::Auto;
  bool bounds_checks = false;
  std::string skip_list;
  bool verbose = false;
};

// ---------------------------------------------------------------------------
// Command line

// Returns an error message, or nullopt on success. `help` is set for -h.
std::optional<std::string> parseOptions(int argc, char** argv, Options& opt, bool& help) {
  auto parseTier = [&](const std::string& s) -> std::optional<std::string> {
    if (s == "interp") opt.tier = Tier::Interp;
    else if (s == "jit") opt.tier = Tier::Jit;
    else if (s == "auto") opt.tier = Tier::Auto;
    else return "unknown tier '" + s + "' (expected interp, jit or auto)";
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      help = true;
      return std::nullopt;
    } else if (a == "-v" || a == "--verbose") {
      opt.verbose = true;
    } else if (a == "--bounds-checks") {
      opt.bounds_checks = true;
    } else if (a.rfind("--tier=", 0) == 0) {
      if (auto e = parseTier(a.substr(7))) return e;
    } else if (a == "--tier") {
      if (i + 1 >= argc) return std::string("--tier needs a value");
      if (auto e = parseTier(argv[++i])) return e;
    } else if (a.rfind("--skip-list=", 0) == 0) {
      opt.skip_list = a.substr(12);
    } else if (a == "--skip-list") {
      if (i + 1 >= argc) return std::string("--skip-list needs a file name");
      opt.skip_list = argv[++i];
    } else if (a.size() > 1 && a[0] == '-') {
      return "unknown option '" + a + "'";
    } else if (opt.file.empty()) {
      opt.file = a;
    } else {
      return "more than one script given ('" + opt.file + "' and '" + a + "')";
    }
  }
  if (opt.file.empty()) return std::string("no script given");
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Skip list: "<glob on the script's basename> <category> <reason...>" per
// line; '#' starts a comment line. Category `text` names one command,
// "<glob>:<line>": its error text may differ from the expected one.

struct SkipEntry {
  std::string glob;
  std::string category;  // "exec", "all" or "text"
  std::string reason;
  int line = 0;          // text: the command's line in the script
};

std::optional<std::string> loadSkipList(const std::string& path, std::vector<SkipEntry>& out) {
  std::ifstream in(path);
  if (!in) return "cannot open skip list '" + path + "': " + std::strerror(errno);
  std::string line;
  int lineno = 0;
  const char* ws = " \t\r\n";
  while (std::getline(in, line)) {
    ++lineno;
    size_t b = line.find_first_not_of(ws);
    if (b == std::string::npos || line[b] == '#') continue;
    SkipEntry e;
    size_t p = line.find_first_of(ws, b);
    e.glob = line.substr(b, p - b);
    size_t c = p == std::string::npos ? p : line.find_first_not_of(ws, p);
    if (c == std::string::npos)
      return path + ":" + std::to_string(lineno) + ": missing category";
    p = line.find_first_of(ws, c);
    e.category = line.substr(c, p - c);
    if (e.category != "exec" && e.category != "all" && e.category != "text")
      return path + ":" + std::to_string(lineno) + ": unknown category '" + e.category +
             "' (expected exec, all or text)";
    if (e.category == "text") {
      size_t colon = e.glob.rfind(':');
      char* end = nullptr;
      long n = colon == std::string::npos ? 0 : std::strtol(e.glob.c_str() + colon + 1, &end, 10);
      if (n <= 0 || *end != '\0')
        return path + ":" + std::to_string(lineno) + ": a text entry names one command as FILE:LINE";
      e.line = int(n);
      e.glob.resize(colon);
    }
    size_t r = p == std::string::npos ? p : line.find_first_not_of(ws, p);
    if (r != std::string::npos) {
      size_t end = line.find_last_not_of(ws);
      e.reason = line.substr(r, end + 1 - r);
    }
    out.push_back(std::move(e));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Scratch directory and wast2json

class TempDir {
 public:
  TempDir() = default;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { remove(); }
  // Removes the directory now (also done by the destructor).
  void remove() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
      path_.clear();
    }
  }
  bool create() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = (base && *base ? std::string(base) : std::string("/tmp")) + "/tern-wast-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) return false;
    path_ = buf.data();
    return true;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs `wast2json script -o out`; its diagnostics go straight to our stderr.
// Returns an error description, or nullopt on success.
std::optional<std::string> runWast2json(const std::string& script, const std::string& out) {
  std::vector<std::string> args = {"wast2json", script, "-o", out};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid;
  int rc = posix_spawnp(&pid, "wast2json", nullptr, nullptr, argv.data(), environ);
  if (rc != 0) return std::string("cannot run wast2json: ") + std::strerror(rc);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::string("waitpid: ") + std::strerror(errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;
  if (WIFEXITED(status)) return "wast2json failed with exit status " + std::to_string(WEXITSTATUS(status));
  return "wast2json was killed by signal " + std::to_string(WTERMSIG(status));
}

std::optional<std::vector<uint8_t>> readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

// ---------------------------------------------------------------------------
// Values

const char* errorKindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::Malformed: return "malformed";
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::Link: return "link";
    case ErrorKind::Trap: return "trap";
    case ErrorKind::Io: return "io";
    case ErrorKind::Unsupported: return "unsupported";
  }
  return "?";
}

std::string errorText(const Error& e) {
  return std::string(errorKindName(e.kind)) + " error: " + e.message;
}

std::optional<ValType> parseValType(const std::string& s) {
  if (s == "i32") return ValType::I32;
  if (s == "i64") return ValType::I64;
  if (s == "f32") return ValType::F32;
  if (s == "f64") return ValType::F64;
  if (s == "v128") return ValType::V128;
  if (s == "funcref") return ValType::FuncRef;
  if (s == "externref") return ValType::ExternRef;
  return std::nullopt;
}

const char* typeName(ValType t) {
  switch (t) {
    case ValType::I32: return "i32";
    case ValType::I64: return "i64";
    case ValType::F32: return "f32";
    case ValType::F64: return "f64";
    case ValType::V128: return "v128";
    case ValType::FuncRef: return "funcref";
    case ValType::ExternRef: return "externref";
  }
  return "?";
}

// Decimal integer as written by wast2json (unsigned bit patterns; a leading
// '-' is tolerated and wraps).
uint64_t parseInt(const std::string& s) {
  if (s.empty()) throw std::runtime_error("empty number");
  const char* p = s.c_str();
  bool neg = false;
  if (*p == '-') {
    neg = true;
    ++p;
  }
  if (*p < '0' || *p > '9') throw std::runtime_error("bad number '" + s + "'");
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(p, &end, 10);
  if (errno != 0 || *end != '\0') throw std::runtime_error("bad number '" + s + "'");
  return neg ? uint64_t(0) - uint64_t(v) : uint64_t(v);
}

// Host value an externref N of the script stands for: 0 stays free for null,
// so `ref.extern 0` is not null.
uint64_t externBits(uint64_t n) { return n + 1; }

struct LaneShape {
  unsigned bits = 32;
  unsigned count = 4;
  bool is_float = false;
  const char* name = "i32x4";
};

std::optional<LaneShape> laneShape(const std::string& lane_type) {
  if (lane_type == "i8") return LaneShape{8, 16, false, "i8x16"};
  if (lane_type == "i16") return LaneShape{16, 8, false, "i16x8"};
  if (lane_type == "i32") return LaneShape{32, 4, false, "i32x4"};
  if (lane_type == "i64") return LaneShape{64, 2, false, "i64x2"};
  if (lane_type == "f32") return LaneShape{32, 4, true, "f32x4"};
  if (lane_type == "f64") return LaneShape{64, 2, true, "f64x2"};
  return std::nullopt;
}

uint64_t laneMask(unsigned bits) { return bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1; }

uint64_t getLane(uint64_t lo, uint64_t hi, unsigned bits, unsigned i) {
  unsigned pos = i * bits;
  uint64_t word = pos < 64 ? lo : hi;
  return (word >> (pos % 64)) & laneMask(bits);
}

void setLane(uint64_t& lo, uint64_t& hi, unsigned bits, unsigned i, uint64_t v) {
  unsigned pos = i * bits;
  uint64_t& word = pos < 64 ? lo : hi;
  unsigned sh = pos % 64;
  word = (word & ~(laneMask(bits) << sh)) | ((v & laneMask(bits)) << sh);
}

bool isCanonicalNan32(uint32_t b) { return (b & 0x7fffffffu) == 0x7fc00000u; }
bool isArithmeticNan32(uint32_t b) { return (b & 0x7fc00000u) == 0x7fc00000u; }
bool isCanonicalNan64(uint64_t b) { return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull; }
bool isArithmeticNan64(uint64_t b) { return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull; }

// Does a float (or float lane) with bits `got` satisfy the expected text?
bool floatMatches(const std::string& exp, uint64_t got, bool is64) {
  if (exp == "nan:canonical") return is64 ? isCanonicalNan64(got) : isCanonicalNan32(uint32_t(got));
  if (exp == "nan:arithmetic") return is64 ? isArithmeticNan64(got) : isArithmeticNan32(uint32_t(got));
  uint64_t want = parseInt(exp);
  return is64 ? want == got : uint32_t(want) == uint32_t(got);
}

std::string floatText(uint64_t bits, bool is64) {
  char buf[64];
  if (is64) {
    double d;
    std::memcpy(&d, &bits, 8);
    std::snprintf(buf, sizeof buf, "%.17g", d);
  } else {
    uint32_t b = uint32_t(bits);
    float f;
    std::memcpy(&f, &b, 4);
    std::snprintf(buf, sizeof buf, "%.9g", double(f));
  }
  return buf;
}

// Script-side value -> tern::Value (arguments).
Value makeValue(const json& v) {
  std::string ts = v.at("type").get<std::string>();
  auto t = parseValType(ts);
  if (!t) throw std::runtime_error("unknown value type '" + ts + "'");
  switch (*t) {
    case ValType::I32: return Value{ValType::I32, uint32_t(parseInt(v.at("value").get<std::string>())), 0};
    case ValType::I64: return Value{ValType::I64, parseInt(v.at("value").get<std::string>()), 0};
    case ValType::F32: return Value::f32Bits(uint32_t(parseInt(v.at("value").get<std::string>())));
    case ValType::F64: return Value::f64Bits(parseInt(v.at("value").get<std::string>()));
    case ValType::V128: {
      auto shape = laneShape(v.at("lane_type").get<std::string>());
      if (!shape) throw std::runtime_error("unknown lane type");
      const json& lanes = v.at("value");
      if (!lanes.is_array() || lanes.size() != shape->count) throw std::runtime_error("bad v128 lane count");
      Value r{ValType::V128, 0, 0};
      for (unsigned i = 0; i < shape->count; ++i)
        setLane(r.bits, r.hi, shape->bits, i, parseInt(lanes[i].get<std::string>()));
      return r;
    }
    case ValType::ExternRef: {
      std::string s = v.at("value").get<std::string>();
      if (s == "null") return Value::nullRef(ValType::ExternRef);
      return Value{ValType::ExternRef, externBits(parseInt(s)), 0};
    }
    case ValType::FuncRef: {
      std::string s = v.at("value").get<std::string>();
      if (s == "null") return Value::nullRef(ValType::FuncRef);
      throw std::runtime_error("non-null funcref arguments cannot be expressed");
    }
  }
  throw std::runtime_error("unknown value type");
}

std::string expectedText(const json& v) {
  std::string ts = v.value("type", std::string("?"));
  if (!v.contains("value")) {
    if (ts == "funcref" || ts == "externref") return ts + ":non-null";
    return ts + ":any";
  }
  const json& val = v.at("value");
  if (ts == "v128" && val.is_array()) {
    auto shape = laneShape(v.value("lane_type", std::string("i32")));
    std::string s = std::string("v128:") + (shape ? shape->name : "?") + "[";
    for (size_t i = 0; i < val.size(); ++i) {
      if (i) s += ' ';
      s += val[i].is_string() ? val[i].get<std::string>() : val[i].dump();
    }
    return s + "]";
  }
  std::string s = val.is_string() ? val.get<std::string>() : val.dump();
  std::string out = ts + ":" + s;
  if ((ts == "f32" || ts == "f64") && !s.empty() && s[0] != 'n') {
    try {
      out += " (" + floatText(parseInt(s), ts == "f64") + ")";
    } catch (const std::exception&) {
    }
  }
  if (ts == "externref" && s != "null") out = "externref:" + s;
  return out;
}

// `hint` (the expected value, may be null) picks the lane shape for v128.
std::string gotText(const Value& v, const json* hint) {
  char buf[96];
  switch (v.type) {
    case ValType::I32:
      std::snprintf(buf, sizeof buf, "i32:%" PRIu32, uint32_t(v.bits));
      if (int32_t(uint32_t(v.bits)) < 0)
        std::snprintf(buf + std::strlen(buf), sizeof buf - std::strlen(buf), " (%" PRId32 ")",
                      int32_t(uint32_t(v.bits)));
      return buf;
    case ValType::I64:
      std::snprintf(buf, sizeof buf, "i64:%" PRIu64, v.bits);
      if (int64_t(v.bits) < 0)
        std::snprintf(buf + std::strlen(buf), sizeof buf - std::strlen(buf), " (%" PRId64 ")",
                      int64_t(v.bits));
      return buf;
    case ValType::F32:
      return "f32:" + std::to_string(uint32_t(v.bits)) + " (" + floatText(v.bits, false) + ")";
    case ValType::F64:
      return "f64:" + std::to_string(v.bits) + " (" + floatText(v.bits, true) + ")";
    case ValType::V128: {
      std::string lt = "i32";
      if (hint && hint->contains("lane_type")) lt = hint->at("lane_type").get<std::string>();
      auto shape = laneShape(lt);
      if (!shape) shape = laneShape("i32");
      std::string s = std::string("v128:") + shape->name + "[";
      for (unsigned i = 0; i < shape->count; ++i) {
        if (i) s += ' ';
        s += std::to_string(getLane(v.bits, v.hi, shape->bits, i));
      }
      return s + "]";
    }
    case ValType::FuncRef:
      if (v.isNull()) return "funcref:null";
      std::snprintf(buf, sizeof buf, "funcref:%p", v.asExternRef());
      return buf;
    case ValType::ExternRef:
      if (v.isNull()) return "externref:null";
      return "externref:" + std::to_string(v.bits - 1);
  }
  return "?";
}

bool valueMatches(const json& exp, const Value& got) {
  auto t = parseValType(exp.at("type").get<std::string>());
  if (!t) throw std::runtime_error("unknown value type '" + exp.at("type").get<std::string>() + "'");
  if (got.type != *t) return false;
  if (!exp.contains("value")) {
    // (ref.func) / (ref.extern) without an index: any non-null reference.
    if (isRefType(*t)) return !got.isNull();
    return true;
  }
  switch (*t) {
    case ValType::I32: return uint32_t(parseInt(exp.at("value").get<std::string>())) == uint32_t(got.bits);
    case ValType::I64: return parseInt(exp.at("value").get<std::string>()) == got.bits;
    case ValType::F32: return floatMatches(exp.at("value").get<std::string>(), got.bits, false);
    case ValType::F64: return floatMatches(exp.at("value").get<std::string>(), got.bits, true);
    case ValType::V128: {
      auto shape = laneShape(exp.at("lane_type").get<std::string>());
      if (!shape) throw std::runtime_error("unknown lane type");
      const json& lanes = exp.at("value");
      if (!lanes.is_array() || lanes.size() != shape->count) throw std::runtime_error("bad v128 lane count");
      for (unsigned i = 0; i < shape->count; ++i) {
        uint64_t lane = getLane(got.bits, got.hi, shape->bits, i);
        std::string want = lanes[i].get<std::string>();
        if (shape->is_float) {
          if (!floatMatches(want, lane, shape->bits == 64)) return false;
        } else if ((parseInt(want) & laneMask(shape->bits)) != lane) {
          return false;
        }
      }
      return true;
    }
    case ValType::ExternRef: {
      std::string s = exp.at("value").get<std::string>();
      if (s == "null") return got.isNull();
      return got.bits == externBits(parseInt(s));
    }
    case ValType::FuncRef: {
      std::string s = exp.at("value").get<std::string>();
      if (s == "null") return got.isNull();
      // A funcref cannot be named by number from outside; accept non-null.
      return !got.isNull();
    }
  }
  return false;
}

// Expected trap text vs tern's message: the expected text must be a prefix of
// the message. The reference interpreter appends the element index to
// "uninitialized element N"; tern's message without that index is accepted.
bool trapTextMatches(const std::string& expected, const std::string& got) {
  if (got.compare(0, expected.size(), expected) == 0) return true;
  if (!got.empty() && expected.size() > got.size() + 1 && expected.compare(0, got.size(), got) == 0 &&
      expected[got.size()] == ' ') {
    for (size_t i = got.size() + 1; i < expected.size(); ++i)
      if (expected[i] < '0' || expected[i] > '9') return false;
    return true;
  }
  return false;
}

// Expected error text vs tern's message, by the reference interpreter's
// rule: the message starts with the expected text (it may add detail).
bool errorTextMatches(const std::string& expected, const std::string& got) {
  return got.compare(0, expected.size(), expected) == 0;
}

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
  int skipped_not_run = 0;     // skip list / text modules
  int skipped_dependent = 0;   // needed a module that failed

 private:
  static Config makeConfig(const Options& opt) {
    Config c;
    c.tier = opt.tier;
    c.bounds_checks = opt.bounds_checks;
    return c;
  }

  Outcome runCommand(const json& cmd);
  Outcome cmdModule(const json& cmd);
  Outcome cmdRegister(const json& cmd);
  Outcome cmdAction(const json& cmd);
  Outcome cmdAssertReturn(const json& cmd);
  Outcome cmdAssertTrap(const json& cmd);
  Outcome cmdAssertRejected(const json& cmd);
  Outcome cmdAssertInstantiateFails(const json& cmd, ErrorKind want);

  // Compiles and instantiates the command's module; fills `slot`.
  Outcome load(const json& cmd, Slot& slot);
  ActionResult doAction(const json& action);
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
    if (s.state == SlotState::NotRun)
      return "module from line " + std::to_string(s.line) + " was not run";
    return "module from line " + std::to_string(s.line) + " failed";
  }

  const Options& opt_;
  bool exec_skip_;
  std::map<int, std::string> text_skips_;  // line -> reason (skip list, category text)
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
  auto mod = Module::compile(engine_, std::span<const uint8_t>(bytes->data(), bytes->size()));
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
      r.message = "argument " + std::to_string(i) + " of \"" + field + "\" has type " +
                  typeName(ft.params[i]) + ", script passes " + typeName(args[i].type);
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
    case ActionResult::Trapped:
      return fail(describeAction(action) + ": unexpected trap: " + r.trap.message);
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

Outcome Runner::cmdAssertRejected(const json& cmd) {
  std::string text = cmd.value("text", std::string());
  if (cmd.value("module_type", std::string("binary")) != "binary")
    return skip(SlotState::NotRun, "text module");
  std::string fn = cmd.at("filename").get<std::string>();
  const std::vector<uint8_t>* bytes = moduleBytes(fn);
  if (!bytes) return fail("cannot read " + fn);
  auto mod = Module::compile(engine_, std::span<const uint8_t>(bytes->data(), bytes->size()));
  if (mod) return fail("module compiled, expected it to be rejected: \"" + text + "\"");
  const Error& e = mod.error();
  if (!errorTextMatches(text, e.message)) return wrongText(text, e);
  return Outcome::Pass;
}

Outcome Runner::cmdAssertInstantiateFails(const json& cmd, ErrorKind want) {
  std::string text = cmd.value("text", std::string());
  if (cmd.value("module_type", std::string("binary")) != "binary")
    return skip(SlotState::NotRun, "text module");
  std::string fn = cmd.at("filename").get<std::string>();
  const std::vector<uint8_t>* bytes = moduleBytes(fn);
  if (!bytes) return fail("cannot read " + fn);
  auto mod = Module::compile(engine_, std::span<const uint8_t>(bytes->data(), bytes->size()));
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
  if (inst) return fail(std::string("instantiation succeeded, expected ") + errorKindName(want) + " error \"" + text + "\"");
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
    std::string base = fs::path(opt.file).filename().string();
    for (const SkipEntry& e : entries) {
      if (fnmatch(e.glob.c_str(), base.c_str(), 0) != 0) continue;
      if (e.category == "text") {
        std::printf("skip: %s:%d %s: %s\n", e.glob.c_str(), e.line, e.category.c_str(), e.reason.c_str());
        text_skips[e.line] = e.reason;
        continue;
      }
      std::printf("skip: %s %s: %s\n", e.glob.c_str(), e.category.c_str(), e.reason.c_str());
      if (e.category == "all") skip_all = true;
      if (e.category == "exec") exec_skip = true;
    }
    std::fflush(stdout);
  }

  TempDir tmp;
  if (!tmp.create()) {
    std::fprintf(stderr, "tern wast: cannot create a temporary directory: %s\n", std::strerror(errno));
    return 2;
  }
  fs::path json_path = fs::path(tmp.path()) / "x.json";
  if (auto err = runWast2json(opt.file, json_path.string())) {
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
    if (auto bytes = readBytes(fs::path(tmp.path()) / fn)) files.emplace(fn, std::move(*bytes));
  }
  tmp.remove();

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
