// The `tern` command: run, validate, wast, version, help.
//
// Exit statuses:
//   run       the guest's exit code (proc_exit, or 0 when _start returns);
//             134 when the guest traps; 1 on a compile or link error
//   validate  0 valid, 1 invalid
//   all       2 on a usage error (unknown flag, missing or unreadable file)
#include <mimalloc-new-delete.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "cli/link_cmd.h"
#include "cli/wast.h"
#include "tern/tern.hpp"
#include "wasi/wasi.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitError = 1;
constexpr int kExitTrap = 134;  // 128 + SIGABRT, as wasmtime does

const char kUsage[] =
    "usage: tern <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [options] FILE.wasm [ARGS...]\n"
    "      Instantiate a module with WASI and call its `_start` export.\n"
    "      ARGS are passed to the guest (argv[0] is FILE). The exit status is the\n"
    "      guest's exit code, 134 if it traps, 1 if it fails to compile or link.\n"
    "      --dir HOST[::GUEST]  preopen host directory HOST as GUEST (default:\n"
    "                           the same name); repeatable\n"
    "      --env NAME=VALUE     set a guest environment variable; `--env NAME`\n"
    "                           copies NAME from tern's own environment;\n"
    "                           repeatable. The guest sees no other variables\n"
    "                           unless --env-inherit is given.\n"
    "      --env-inherit        give the guest all of tern's environment (--env\n"
    "                           settings override it)\n"
    "      --tcplisten HOST:PORT\n"
    "                           listen on a TCP socket and hand it to the guest\n"
    "                           (sock_accept); numbered after the --dir\n"
    "                           directories; repeatable\n"
    "      --invoke NAME        call export NAME instead of `_start`; ARGS are\n"
    "                           its arguments, parsed by parameter type\n"
    "                           (integers in decimal or 0x hex, floats as\n"
    "                           decimal, hex, inf or nan); results are printed\n"
    "                           one per line\n"
    "      --preload NAME=FILE.wasm\n"
    "                           instantiate FILE first (with WASI and earlier\n"
    "                           preloads) and let FILE.wasm import its exports\n"
    "                           from module NAME; repeatable\n"
    "      --bounds-checks      JIT code checks every memory access instead of\n"
    "                           relying on guard pages\n"
    "      --perf-map           write /tmp/perf-PID.map so `perf report` names\n"
    "                           JIT-compiled Wasm functions\n"
    "      --tier=interp|jit|auto\n"
    "                           execution tier (default auto: the JIT where it\n"
    "                           can compile a function, else the interpreter)\n"
    "      --                   end of options; the next argument is FILE\n"
    "  validate FILE.wasm\n"
    "      Decode and validate only. Prints `ok`, or the error with its byte\n"
    "      offset (exit status 1).\n"
    "  link MAIN.wasm [NAME=]DEP.wasm... -o OUT.wasm\n"
    "      Merge modules into one: MAIN's imports from module NAME (default:\n"
    "      DEP's file name without .wasm) are satisfied by DEP's exports.\n"
    "  wast [options] FILE.wast\n"
    "      Run a spec test script (needs wabt's wast2json).\n"
    "      --tier=interp|jit|auto  --skip-list FILE  -v\n"
    "  version, --version\n"
    "      Print the version.\n"
    "  help, --help, -h\n"
    "      Print this text.\n"
    "\n"
    "`tern FILE.wasm ARGS...` is short for `tern run FILE.wasm ARGS...`.\n";

// One line on stderr; the caller returns kExitUsage.
void usageError(const std::string& msg) {
  std::fprintf(stderr, "error: %s (see 'tern help')\n", msg.c_str());
}

// Reads a whole file; on failure sets `err` to a one-line reason.
bool readFile(const std::string& path, std::vector<uint8_t>& out, std::string& err) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    err = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    err = "cannot read '" + path + "': is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    err = "cannot read '" + path + "': read error";
    return false;
  }
  return true;
}

bool checkReadable(const std::string& path, std::string& err) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || ::access(path.c_str(), R_OK) != 0) {
    err = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    err = "cannot read '" + path + "': is a directory";
    return false;
  }
  return true;
}

bool parseTier(std::string_view s, tern::Tier& out) {
  if (s == "interp") out = tern::Tier::Interp;
  else if (s == "jit") out = tern::Tier::Jit;
  else if (s == "auto") out = tern::Tier::Auto;
  else return false;
  return true;
}

// ---------------------------------------------------------------------------
// --invoke argument parsing and result printing

// Integer in decimal or 0x hex, optionally signed, that fits `bits` bits as
// either a signed or an unsigned number.
bool parseInt(std::string_view s, int bits, uint64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  uint64_t mag = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), mag, base);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  uint64_t umax = bits == 64 ? UINT64_MAX : (uint64_t(1) << bits) - 1;
  uint64_t neg_max = uint64_t(1) << (bits - 1);
  if (neg) {
    if (mag > neg_max) return false;
    out = (0 - mag) & umax;
  } else {
    if (mag > umax) return false;
    out = mag;
  }
  return true;
}

bool parseArg(const std::string& s, tern::ValType t, tern::Value& out) {
  using tern::ValType;
  switch (t) {
    case ValType::I32: {
      uint64_t v;
      if (!parseInt(s, 32, v)) return false;
      out = tern::Value::i32(int32_t(uint32_t(v)));
      return true;
    }
    case ValType::I64: {
      uint64_t v;
      if (!parseInt(s, 64, v)) return false;
      out = tern::Value::i64(int64_t(v));
      return true;
    }
    case ValType::F32: {
      char* end = nullptr;
      errno = 0;
      float f = std::strtof(s.c_str(), &end);
      if (s.empty() || *end != '\0') return false;
      out = tern::Value::f32(f);
      return true;
    }
    case ValType::F64: {
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0') return false;
      out = tern::Value::f64(d);
      return true;
    }
    default:
      return false;
  }
}

template <class F>
std::string formatFloat(F v) {
  if (std::isnan(v)) return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string formatValue(const tern::Value& v) {
  using tern::ValType;
  char buf[64];
  switch (v.type) {
    case ValType::I32: return std::to_string(v.asI32());
    case ValType::I64: return std::to_string(v.asI64());
    case ValType::F32: return formatFloat(v.asF32());
    case ValType::F64: return formatFloat(v.asF64());
    case ValType::V128:
      std::snprintf(buf, sizeof buf, "0x%016llx%016llx", (unsigned long long)v.hi,
                    (unsigned long long)v.bits);
      return buf;
    case ValType::FuncRef:
    case ValType::ExternRef: return v.isNull() ? "null" : "ref";
  }
  return "?";
}

void printTrap(const tern::Trap& trap) {
  std::fflush(stdout);
  std::fprintf(stderr, "error: wasm trap: %s\n", trap.message.c_str());
  std::fputs(trap.format().c_str(), stderr);
}

// Returns the process exit status for a finished call.
int finishCall(const tern::Expected<std::vector<tern::Value>, tern::Trap>& r, bool print) {
  if (!r.ok()) {
    const tern::Trap& trap = r.error();
    if (trap.kind == tern::TrapKind::Exit) {
      std::fflush(stdout);
      return trap.exit_code;
    }
    printTrap(trap);
    return kExitTrap;
  }
  if (print) {
    for (const auto& v : r.value()) std::printf("%s\n", formatValue(v).c_str());
    std::fflush(stdout);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// tern run
int cmdRun(int argc, char** argv) {
  tern::Config config;
  tern::wasi::Options wasi;
  bool env_inherit = false;
  std::string invoke;
  bool have_invoke = false;
  std::vector<std::pair<std::string, std::string>> preloads;  // name, file
  int i = 0;
  auto value = [&](std::string_view flag, std::string_view arg, std::string& out) -> bool {
    // Accepts "--flag=VALUE" and "--flag VALUE".
    if (arg.size() > flag.size() && arg[flag.size()] == '=') {
      out = std::string(arg.substr(flag.size() + 1));
      return true;
    }
    if (i + 1 >= argc) {
      usageError("option '" + std::string(flag) + "' needs a value");
      return false;
    }
    out = argv[++i];
    return true;
  };
  auto is = [](std::string_view arg, std::string_view flag) {
    return arg == flag || (arg.size() > flag.size() && arg.substr(0, flag.size()) == flag &&
                           arg[flag.size()] == '=');
  };

  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string v;
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-' || arg == "-") break;
    if (is(arg, "--dir")) {
      if (!value("--dir", arg, v)) return kExitUsage;
      std::string host = v, guest = v;
      if (size_t sep = v.find("::"); sep != std::string::npos) {
        host = v.substr(0, sep);
        guest = v.substr(sep + 2);
      }
      struct stat st;
      if (host.empty() || guest.empty()) {
        usageError("--dir expects HOST[::GUEST], got '" + v + "'");
        return kExitUsage;
      }
      if (::stat(host.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        usageError("--dir: '" + host + "' is not a directory");
        return kExitUsage;
      }
      wasi.preopens.emplace_back(host, guest);
    } else if (is(arg, "--env")) {
      if (!value("--env", arg, v)) return kExitUsage;
      size_t eq = v.find('=');
      if (eq == 0 || v.empty()) {
        usageError("--env expects NAME=VALUE, got '" + v + "'");
        return kExitUsage;
      }
      if (eq == std::string::npos) {
        const char* host_value = std::getenv(v.c_str());
        if (!host_value) continue;  // not set here: not set for the guest either
        v += '=';
        v += host_value;
      }
      wasi.env.push_back(v);
    } else if (arg == "--env-inherit") {
      env_inherit = true;
    } else if (is(arg, "--tcplisten")) {
      if (!value("--tcplisten", arg, v)) return kExitUsage;
      std::string listen_err;
      int fd = tern::wasi::listenTcp(v, listen_err);
      if (fd < 0) {
        usageError("--tcplisten: " + listen_err);
        return kExitUsage;
      }
      wasi.sockets.push_back(fd);
    } else if (is(arg, "--preload")) {
      if (!value("--preload", arg, v)) return kExitUsage;
      size_t eq = v.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == v.size()) {
        usageError("--preload expects NAME=FILE.wasm, got '" + v + "'");
        return kExitUsage;
      }
      preloads.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (is(arg, "--invoke")) {
      if (!value("--invoke", arg, v)) return kExitUsage;
      invoke = v;
      have_invoke = true;
    } else if (arg == "--bounds-checks") {
      config.bounds_checks = true;
    } else if (arg == "--perf-map") {
      config.perf_map = true;
    } else if (is(arg, "--tier")) {
      if (!value("--tier", arg, v)) return kExitUsage;
      if (!parseTier(v, config.tier)) {
        usageError("--tier must be interp, jit or auto, not '" + v + "'");
        return kExitUsage;
      }
    } else {
      usageError("unknown option '" + std::string(arg) + "' for 'tern run'");
      return kExitUsage;
    }
  }
  if (i >= argc) {
    usageError("tern run: missing FILE.wasm");
    return kExitUsage;
  }
  std::string file = argv[i++];
  std::vector<std::string> guest_args(argv + i, argv + argc);

  std::string err;
  if (!checkReadable(file, err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return kExitUsage;
  }

  tern::Engine engine(config);
  auto module = tern::Module::compileFile(engine, file);
  if (!module) {
    std::fprintf(stderr, "error: %s\n", module.error().toString().c_str());
    return module.error().kind == tern::ErrorKind::Io ? kExitUsage : kExitError;
  }

  tern::Store store(engine);
  tern::Linker linker;
  if (env_inherit) {
    // tern's own environment first; an --env setting replaces a variable of
    // the same name.
    std::vector<std::string> own = std::move(wasi.env);
    wasi.env.clear();
    wasi.inheritEnv();
    for (std::string& e : own) {
      std::string_view name = std::string_view(e).substr(0, e.find('='));
      auto same = [&](const std::string& x) {
        return x.size() > name.size() && x.compare(0, name.size(), name) == 0 &&
               x[name.size()] == '=';
      };
      auto it = std::find_if(wasi.env.begin(), wasi.env.end(), same);
      if (it != wasi.env.end()) *it = std::move(e);
      else wasi.env.push_back(std::move(e));
    }
  }
  wasi.args.push_back(file);
  if (!have_invoke) wasi.args.insert(wasi.args.end(), guest_args.begin(), guest_args.end());
  auto ctx = tern::wasi::addToLinker(linker, store, std::move(wasi));
  if (!ctx->error().empty()) {
    std::fprintf(stderr, "error: %s\n", ctx->error().c_str());
    return kExitUsage;
  }

  // Preloaded modules, in order: each may import WASI and the ones before it.
  for (const auto& [name, path] : preloads) {
    if (!checkReadable(path, err)) {
      std::fprintf(stderr, "error: %s\n", err.c_str());
      return kExitUsage;
    }
    auto dep = tern::Module::compileFile(engine, path);
    if (!dep) {
      std::fprintf(stderr, "error: %s: %s\n", path.c_str(), dep.error().toString().c_str());
      return kExitError;
    }
    auto dep_inst = linker.instantiate(store, *dep);
    if (!dep_inst) {
      const tern::Error& e = dep_inst.error();
      std::fprintf(stderr, "error: %s: %s\n", path.c_str(),
                   e.trap ? e.trap->toString().c_str() : e.toString().c_str());
      return e.kind == tern::ErrorKind::Trap ? kExitTrap : kExitError;
    }
    linker.defineInstance(name, *dep_inst.value());
  }

  auto inst = linker.instantiate(store, *module);
  if (!inst) {
    const tern::Error& e = inst.error();
    if (e.kind == tern::ErrorKind::Trap) {  // a segment out of bounds, or the start function
      if (e.trap && e.trap->kind == tern::TrapKind::Exit) return e.trap->exit_code;
      std::fprintf(stderr, "error: wasm trap: %s\n", e.trap ? e.trap->toString().c_str() : e.message.c_str());
      return kExitTrap;
    }
    std::fprintf(stderr, "error: %s\n", e.toString().c_str());
    return kExitError;
  }
  tern::Instance* instance = *inst;

  if (have_invoke) {
    tern::Func* fn = instance->getFunc(invoke);
    if (!fn) {
      std::fprintf(stderr, "error: module has no exported function '%s'\n", invoke.c_str());
      return kExitError;
    }
    const tern::FuncType& type = fn->type();
    if (guest_args.size() != type.params.size()) {
      std::fprintf(stderr, "error: '%s' takes %zu argument(s) %s, got %zu\n", invoke.c_str(),
                   type.params.size(), type.toString().c_str(), guest_args.size());
      return kExitUsage;
    }
    std::vector<tern::Value> args(type.params.size());
    for (size_t k = 0; k < args.size(); ++k) {
      if (!parseArg(guest_args[k], type.params[k], args[k])) {
        std::fprintf(stderr, "error: argument %zu of '%s': cannot parse '%s' as %s\n", k + 1,
                     invoke.c_str(), guest_args[k].c_str(), tern::valTypeName(type.params[k]));
        return kExitUsage;
      }
    }
    // A WASI reactor wants _initialize before anything else.
    if (invoke != "_initialize") {
      if (tern::Func* init = instance->getFunc("_initialize")) {
        int status = finishCall(init->call({}), false);
        if (status != 0) return status;
      }
    }
    return finishCall(fn->call(args), true);
  }

  if (tern::Func* start = instance->getFunc("_start")) return finishCall(start->call({}), false);
  if (tern::Func* init = instance->getFunc("_initialize")) return finishCall(init->call({}), false);
  std::fprintf(stderr,
               "error: module exports no '_start' function; use --invoke NAME to call "
               "another export\n");
  return kExitError;
}

// ---------------------------------------------------------------------------
// tern validate
int cmdValidate(int argc, char** argv) {
  std::string file;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--" && i + 1 < argc && file.empty()) {
      file = argv[++i];
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      usageError("unknown option '" + std::string(arg) + "' for 'tern validate'");
      return kExitUsage;
    } else if (file.empty()) {
      file = std::string(arg);
    } else {
      usageError("tern validate takes one file");
      return kExitUsage;
    }
  }
  if (file.empty()) {
    usageError("tern validate: missing FILE.wasm");
    return kExitUsage;
  }
  std::vector<uint8_t> bytes;
  std::string err;
  if (!readFile(file, bytes, err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return kExitUsage;
  }
  std::optional<tern::Error> e = tern::Module::validate(bytes);
  if (!e) {
    std::printf("ok\n");
    return 0;
  }
  // Error::toString() starts with "at offset 0x..: " when the offset is known.
  std::fprintf(stderr, "error: %s: %s\n", file.c_str(), e->toString().c_str());
  return kExitError;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  std::string_view cmd = argv[1];
  if (cmd == "run") return cmdRun(argc - 2, argv + 2);
  if (cmd == "validate") return cmdValidate(argc - 2, argv + 2);
  if (cmd == "wast") return tern::cli::wastMain(argc - 1, argv + 1);
  if (cmd == "link") return tern::cli::linkMain(argc - 1, argv + 1);
  if (cmd == "--version" || cmd == "version" || cmd == "-V") {
    std::printf("tern %s\n", tern::versionString());
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!cmd.empty() && cmd[0] != '-' && endsWith(cmd, ".wasm"))
    return cmdRun(argc - 1, argv + 1);
  if (!cmd.empty() && cmd[0] == '-')
    usageError("unknown option '" + std::string(cmd) + "'");
  else
    usageError("unknown command '" + std::string(cmd) + "'");
  return kExitUsage;
}
