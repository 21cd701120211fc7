// The usage text of every `tern` command, in one place: `tern help` prints
// all of them, `tern help CMD` and `tern CMD --help` print one. Each
// command's part is written once, here; README.md's "The `tern` command"
// section follows it.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace tern::cli {

// One KEY of an option group (`-W KEY=VALUE`, `-S KEY=VALUE`), spelled as
// wasmtime spells it. `help` is pre-wrapped at 52 columns.
struct OptionKey {
  std::string_view key;
  std::string_view value;  // "=N", "[=y|n]", ...
  std::string_view help;
};

inline constexpr OptionKey kWasmKeys[] = {
    {"fuel", "=N",
     "give the guest N units of fuel; each function\n"
     "entry and loop iteration costs one; when it runs\n"
     "out the guest traps (\"all fuel consumed\")"},
    {"timeout", "=DURATION",
     "interrupt the guest after DURATION (500ms, 2s,\n"
     "1m, 1m30s; a plain number is seconds); it traps\n"
     "(\"interrupted: timed out after DURATION\")"},
    {"max-memory-size", "=BYTES",
     "linear memory may not grow past BYTES in all:\n"
     "memory.grow returns -1, and a module whose\n"
     "initial memory is larger fails to instantiate"},
    {"max-wasm-stack", "=BYTES",
     "the Wasm stack is BYTES: BYTES/8 value slots\n"
     "(each frame's params, locals and operands) and\n"
     "at most BYTES/32 nested calls; deeper recursion\n"
     "traps \"call stack exhausted\" on every tier"},
    {"extended-const", "[=y|n]",
     "i32/i64 add, sub, mul in constant expressions\n"
     "(default y)"},
    {"tail-call", "[=y|n]", "return_call, return_call_indirect (default y)"},
    {"multi-memory", "[=y|n]", "several memories (default y)"},
    {"memory64", "[=y|n]", "64-bit memories, i64 addresses (default n)"},
    {"exceptions", "[=y|n]", "tags, try/catch/delegate, throw, rethrow (default n)"},
    {"all", "=y|n", "every feature above (n: Wasm 2.0 only)"},
};

inline constexpr OptionKey kCodegenKeys[] = {
    {"lazy", "[=y|n]",
     "compile each function at its first call (the\n"
     "whole module is validated first); n compiles\n"
     "every function before the guest starts\n"
     "(default y)"},
    {"background-compilation", "[=y|n]",
     "with lazy, once the guest has run 20 ms of\n"
     "CPU time, a low-priority thread compiles the\n"
     "functions not called yet, so that their first\n"
     "calls find them ready (default y; only with\n"
     "more than one core)"},
    {"parallel-compilation", "[=y|n]",
     "compile functions that are compiled up front\n"
     "(lazy=n, `tern compile`) on several threads;\n"
     "the code is the same as one thread's; with\n"
     "lazy, validate a code section of 64 KiB or\n"
     "more on them (default y)"},
    {"compile-threads", "=N",
     "threads that compile at once with\n"
     "parallel-compilation (default 0: one per core)"},
};

inline constexpr OptionKey kWasiKeys[] = {
    {"inherit-env", "[=y|n]", "same as --env-inherit"},
    {"tcplisten", "=HOST:PORT", "same as --tcplisten HOST:PORT; repeatable"},
};

// "      KEY=VALUE          help" lines, the help column at 24.
inline std::string formatKeys(std::span<const OptionKey> keys, std::string_view indent = "      ") {
  constexpr size_t kColumn = 24;
  std::string out;
  for (const OptionKey& k : keys) {
    std::string head = std::string(indent) + std::string(k.key) + std::string(k.value);
    if (head.size() + 1 > kColumn) {
      out += head + "\n";
      head.clear();
    }
    std::string_view help = k.help;
    bool first = true;
    while (!help.empty()) {
      size_t nl = help.find('\n');
      std::string_view line = help.substr(0, nl);
      std::string lead = first ? head : std::string();
      lead.resize(kColumn, ' ');
      out += lead + std::string(line) + "\n";
      first = false;
      help = nl == std::string_view::npos ? std::string_view() : help.substr(nl + 1);
    }
  }
  return out;
}

inline std::string runHelp() {
  return "Instantiate FILE.wasm with WASI and call its `_start` export. ARGS are\n"
         "passed to the guest (argv[0] is FILE). The exit status is the guest's\n"
         "exit code; 134 if it traps (also when it runs out of fuel or time); 1 if\n"
         "it fails to compile or link; 2 on a usage error.\n"
         "\n"
         "  --dir HOST[::GUEST]   preopen host directory HOST as GUEST (default:\n"
         "                        the same name); repeatable\n"
         "  --env NAME=VALUE      set a guest environment variable; `--env NAME`\n"
         "                        copies NAME from tern's own environment;\n"
         "                        repeatable. The guest sees no other variables\n"
         "                        unless --env-inherit is given.\n"
         "  --env-inherit         give the guest all of tern's environment (--env\n"
         "                        settings override it)\n"
         "  --tcplisten HOST:PORT listen on a TCP socket and hand it to the guest\n"
         "                        (sock_accept); numbered after the --dir\n"
         "                        directories; repeatable\n"
         "  --invoke NAME         call export NAME instead of `_start`; ARGS are\n"
         "                        its arguments, parsed by parameter type\n"
         "                        (integers in decimal or 0x hex, floats as\n"
         "                        decimal, hex, inf or nan); results are printed\n"
         "                        one per line\n"
         "  --preload NAME=FILE.wasm\n"
         "                        instantiate FILE first (with WASI and earlier\n"
         "                        preloads) and let FILE.wasm import its exports\n"
         "                        from module NAME; repeatable\n"
         "  --bounds-checks       JIT code checks every memory access instead of\n"
         "                        relying on guard pages\n"
         "  --perf-map            write /tmp/perf-PID.map so `perf report` names\n"
         "                        JIT-compiled Wasm functions\n"
         "  --allow-precompiled   FILE may be a .cwasm that `tern compile` wrote;\n"
         "                        without it a .cwasm is refused\n"
         "  --cache DIR           keep compiled code in DIR and load it from there\n"
         "                        the next time (default: $TERN_CACHE_DIR, if set)\n"
         "  --tier=interp|jit|auto\n"
         "                        execution tier (default auto: the JIT where it\n"
         "                        can compile a function, else the interpreter)\n"
         "  -W, --wasm KEY=VALUE[,KEY=VALUE...]\n"
         "                        limits, with wasmtime's names; repeatable\n"
         "                        (`-W fuel=1000,timeout=2s`, `-Wfuel=1000`);\n"
         "                        numbers in decimal or 0x hex:\n" +
         formatKeys(kWasmKeys) +
         "  -C, --codegen KEY[=VALUE][,KEY[=VALUE]...]\n"
         "                        code generation, with wasmtime's names:\n" +
         formatKeys(kCodegenKeys) +
         "  -S, --wasi KEY[=VALUE][,KEY[=VALUE]...]\n"
         "                        WASI options, with wasmtime's names:\n" +
         formatKeys(kWasiKeys) +
         "                        (`-W help`, `-C help`, `-S help` list the keys)\n"
         "  --                    end of options; the next argument is FILE\n"
         "  -h, --help            print this text\n";
}

inline std::string validateHelp() {
  return "Decode and validate FILE.wasm only. Prints `ok` (exit status 0), or\n"
         "`error: FILE: at offset 0x..: <reason>` (exit status 1); a missing or\n"
         "unreadable file exits 2.\n"
         "\n"
         "  -W NAME[=y|n][,...]   switch a WebAssembly feature on or off, as for\n"
         "                        `tern run` (`-W help` there lists them)\n"
         "  -h, --help            print this text\n";
}

inline std::string wastHelp() {
  return "Run a WebAssembly spec test script (needs wabt's wast2json). Prints a\n"
         "line per failure and `N passed, N failed, N skipped`; exits 0 when\n"
         "nothing failed, 1 when something did, 2 on a usage or setup error.\n"
         "FILE.json: a script in wast2json's output format, its modules beside it.\n"
         "\n"
         "  --tier=interp|jit|auto  execution tier, as for `tern run`\n"
         "  --bounds-checks         JIT code checks every memory access\n"
         "  -C KEY[=VALUE][,...]    code generation, as for `tern run`: lazy=y|n\n"
         "                          (each function at its first call, or every\n"
         "                          one up front), background-compilation=y|n,\n"
         "                          parallel-compilation=y|n,\n"
         "                          compile-threads=N\n"
         "  --precompile            run every module through a .cwasm image (as\n"
         "                          `tern compile` writes it) and load that\n"
         "  -W NAME[=y|n][,...]     switch a WebAssembly feature on or off, as for\n"
         "                          `tern run` (`-W all=n`: Wasm 2.0 only)\n"
         "  --skip-list FILE        skip what FILE lists for this script\n"
         "  -v, --verbose           print every command\n"
         "  -h, --help              print this text\n";
}

inline std::string linkHelp() {
  return "Merge MAIN.wasm and its dependencies into one module. MAIN's imports from\n"
         "module NAME (default: DEP's file name without .wasm) are satisfied by DEP's\n"
         "exports; dependencies may import from each other. Imports nobody satisfies\n"
         "stay imports. Only MAIN's exports are exported. Start functions run\n"
         "dependencies first, MAIN last.\n"
         "\n"
         "  -o, --output OUT.wasm   where to write the result (required)\n"
         "  --no-names              do not write a name section\n"
         "  -h, --help              print this text\n";
}

inline std::string compileHelp() {
  return "Compile every function of FILE.wasm with the JIT and write the machine\n"
         "code, with what instantiation needs, to OUT.cwasm, which `tern run\n"
         "--allow-precompiled` runs without compiling. It runs only with this\n"
         "version of Tern, on a CPU with the same features, and with the same\n"
         "settings below; anything else is refused (exit status 1).\n"
         "\n"
         "  -o, --output OUT.cwasm  where to write it (required)\n"
         "  -W NAME[=y|n][,...]     switch a WebAssembly feature on or off, as for\n"
         "                          `tern run`; `-W fuel=N` and `-W timeout=T`\n"
         "                          compile in fuel and epoch checks, which runs\n"
         "                          with those options need\n"
         "  --bounds-checks         JIT code checks every memory access\n"
         "  -C parallel-compilation=y|n, -C compile-threads=N\n"
         "                          compile on several threads (default y, one\n"
         "                          per core), as for `tern run`; the file is\n"
         "                          the same, byte for byte\n"
         "  -h, --help              print this text\n";
}

inline std::string versionHelp() { return "Print the version (`tern X.Y.Z`).\n"; }

inline std::string helpHelp() {
  return "Print the usage of every command, or of COMMAND alone (the same text\n"
         "as `tern COMMAND --help`).\n";
}

struct CommandHelp {
  std::string_view name;
  std::string_view synopsis;  // after "tern "
  std::string (*body)();
};

inline constexpr CommandHelp kCommands[] = {
    {"run", "run [options] FILE.wasm [ARGS...]", runHelp},
    {"validate", "validate FILE.wasm", validateHelp},
    {"wast", "wast [options] FILE.wast|FILE.json", wastHelp},
    {"link", "link MAIN.wasm [NAME=]DEP.wasm... -o OUT.wasm", linkHelp},
    {"compile", "compile [options] FILE.wasm -o OUT.cwasm", compileHelp},
    {"version", "version | --version | -V", versionHelp},
    {"help", "help [COMMAND] | --help | -h", helpHelp},
};

inline const CommandHelp* findCommandHelp(std::string_view name) {
  for (const CommandHelp& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

// `tern CMD --help`, `tern help CMD`.
inline void printCommandHelp(const CommandHelp& c, std::FILE* out) {
  std::fprintf(out, "usage: tern %.*s\n\n%s", int(c.synopsis.size()), c.synopsis.data(), c.body().c_str());
}

// `tern help`: every command's part, indented under its synopsis.
inline void printOverview(std::FILE* out) {
  std::string text = "usage: tern <command> [options]\n\ncommands:\n";
  for (const CommandHelp& c : kCommands) {
    text += "  " + std::string(c.synopsis) + "\n";
    std::string body = c.body();
    size_t pos = 0;
    while (pos < body.size()) {
      size_t nl = body.find('\n', pos);
      if (nl == std::string::npos) nl = body.size();
      if (nl > pos) text += "    " + body.substr(pos, nl - pos);
      text += "\n";
      pos = nl + 1;
    }
    text += "\n";
  }
  text +=
      "`tern FILE.wasm ARGS...` is short for `tern run FILE.wasm ARGS...`.\n"
      "`tern help COMMAND` (or `tern COMMAND --help`) prints one command's part.\n";
  std::fputs(text.c_str(), out);
}

}  // namespace tern::cli
