// `tern compile [options] FILE.wasm -o OUT.cwasm`: compiles every function
// of FILE.wasm with the JIT and writes the code, with what instantiation
// needs, as a .cwasm file (runtime/serialize.cc) that `tern run
// --allow-precompiled` loads without compiling.
//
// The settings the code depends on are given here as `tern run` takes them
// (-W features, -W fuel / timeout for fuel and epoch checks,
// --bounds-checks); a .cwasm runs only under the same ones.
//
// Exit statuses: 0 written, 1 the module does not compile (or has no JIT
// code) or the output cannot be written, 2 usage error.
#include "cli/compile_cmd.h"

#include <cstdio>
#include <string>
#include <string_view>

#include "cli/codegen_opts.h"
#include "cli/usage.h"
#include "tern/tern.hpp"

namespace tern::cli {

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

void usageError(const std::string& msg) {
  std::fprintf(stderr, "error: %s (see 'tern compile --help')\n", msg.c_str());
}

// One -W group: features, and the run limits that change the code (fuel
// and timeout compile in their checks; their values are for `tern run`).
bool applyWasm(std::string_view spec, Config& config) {
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view one = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    std::string_view key = one.substr(0, one.find('='));
    if (key == "fuel") {
      config.consume_fuel = true;
    } else if (key == "timeout") {
      config.epoch_interruption = true;
    } else if (key == "max-memory-size" || key == "max-wasm-stack") {
      // Limits of a run, not of the code.
    } else if (auto err = config.features.set(one)) {
      usageError("-W " + *err);
      return false;
    }
  }
  return true;
}

}  // namespace

int compileMain(int argc, char** argv) {
  Config config;
  std::string in, out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view flag, std::string& v) {
      if (arg.size() > flag.size() && arg[flag.size()] == '=') {
        v = std::string(arg.substr(flag.size() + 1));
        return true;
      }
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "-h" || arg == "--help") {
      printCommandHelp(*findCommandHelp("compile"), stdout);
      return 0;
    } else if (arg == "-o" || arg.starts_with("--output")) {
      if (!value(arg == "-o" ? "-o" : "--output", out)) {
        usageError("option '-o' needs a value");
        return kExitUsage;
      }
    } else if (arg == "-W" || arg == "--wasm" || arg.starts_with("--wasm=") ||
               (arg.starts_with("-W") && arg.size() > 2)) {
      if (arg.starts_with("-W") && arg.size() > 2) v = std::string(arg.substr(2));
      else if (!value("--wasm", v)) {
        usageError("option '-W' needs a value");
        return kExitUsage;
      }
      if (!applyWasm(v, config)) return kExitUsage;
    } else if (arg == "--bounds-checks") {
      config.bounds_checks = true;
    } else if (arg == "-C" || arg == "--codegen" || arg.starts_with("--codegen=") ||
               (arg.starts_with("-C") && arg.size() > 2)) {
      if (arg.starts_with("-C") && arg.size() > 2) v = std::string(arg.substr(2));
      else if (!value("--codegen", v)) {
        usageError("option '-C' needs a value");
        return kExitUsage;
      }
      if (auto e = applyCodegenList(v, config)) {
        usageError("-C " + v + ": " + *e);
        return kExitUsage;
      }
    } else if (arg.starts_with("-") && arg != "-") {
      usageError("unknown option '" + std::string(arg) + "' for 'tern compile'");
      return kExitUsage;
    } else if (in.empty()) {
      in = std::string(arg);
    } else {
      usageError("tern compile takes one FILE.wasm");
      return kExitUsage;
    }
  }
  if (in.empty() || out.empty()) {
    usageError(in.empty() ? "missing FILE.wasm" : "missing -o OUT.cwasm");
    return kExitUsage;
  }
  config.tier = Tier::Jit;
  config.lazy = false;  // a .cwasm holds every function's code
  Engine engine(config);
  auto module = Module::compileFile(engine, in);
  if (!module) {
    std::fprintf(stderr, "error: %s: %s\n", in.c_str(), module.error().toString().c_str());
    return module.error().kind == ErrorKind::Io ? kExitUsage : kExitError;
  }
  auto bytes = (*module)->serialize();
  if (!bytes) {
    std::fprintf(stderr, "error: %s: %s\n", in.c_str(), bytes.error().toString().c_str());
    return kExitError;
  }
  std::FILE* f = std::fopen(out.c_str(), "wb");
  bool ok = f && std::fwrite(bytes->data(), 1, bytes->size(), f) == bytes->size();
  if (f) ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    std::fprintf(stderr, "error: cannot write %s\n", out.c_str());
    std::remove(out.c_str());
    return kExitError;
  }
  return 0;
}

}  // namespace tern::cli
