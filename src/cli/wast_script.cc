// `tern wast`, getting a script ready: the command line, the skip list, the
// scratch directory and the run of wabt's wast2json that turns the .wast
// script into a JSON command list plus .wasm files.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "base/build.h"
#include "cli/codegen_opts.h"
#include "cli/wast_internal.h"

extern char** environ;

namespace tern::cli::wast {

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
    } else if (a == "--precompile") {
      opt.precompile = true;
    } else if (a.rfind("--tier=", 0) == 0) {
      if (auto e = parseTier(a.substr(7))) return e;
    } else if (a == "--tier") {
      if (i + 1 >= argc) return std::string("--tier needs a value");
      if (auto e = parseTier(argv[++i])) return e;
    } else if (a == "-W" || a.rfind("-W", 0) == 0 || a.rfind("--wasm=", 0) == 0 || a == "--wasm") {
      // Feature switches, as for `tern run`: -W NAME[=y|n][,...].
      std::string spec = a == "-W" || a == "--wasm" ? "" : a.substr(a[1] == 'W' ? 2 : 7);
      if (spec.empty()) {
        if (i + 1 >= argc) return std::string("-W needs NAME[=y|n] (features: ") + Features::names() + ", all)";
        spec = argv[++i];
      }
      if (auto e = opt.features.set(spec)) return "-W " + *e;
    } else if (a == "-C" || a.rfind("-C", 0) == 0) {
      // Code generation, as for `tern run`: -C KEY[=VALUE][,...].
      std::string spec = a == "-C" ? "" : a.substr(2);
      if (spec.empty() && i + 1 < argc) spec = argv[++i];
      if (auto e = applyCodegenList(spec, opt.codegen)) return "-C " + *e;
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

// A skip-list line's build tag: it applies only to a build that lacks a
// feature (a minimal build lacks them all, meson.build).
struct BuildTag {
  const char* tag;
  const char* lacks;  // as `tern wast` prints it: "skip: ... (build without SIMD)"
  bool lacking;       // this build lacks it
};
constexpr BuildTag kBuildTags[] = {{"[no-simd]", "SIMD", !kBuildSimd},
                                   {"[no-memory64]", "memory64", !kBuildMemory64},
                                   {"[no-multi-memory]", "multi-memory", !kBuildMultiMemory},
                                   {"[no-exceptions]", "exceptions", !kBuildExceptions},
                                   {"[no-tail-call]", "tail calls", !kBuildTailCalls}};

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
    bool applies = true;
    size_t p = line.find_first_of(ws, b);
    if (line[b] == '[') {
      // "[no-simd] <glob> ...": an entry for one kind of build only.
      std::string tag = line.substr(b, p - b);
      const BuildTag* bt = std::find_if(std::begin(kBuildTags), std::end(kBuildTags),
                                        [&](const BuildTag& t) { return tag == t.tag; });
      if (bt == std::end(kBuildTags))
        return path + ":" + std::to_string(lineno) + ": unknown build '" + tag +
               "' (expected [no-simd], [no-memory64], [no-multi-memory], [no-exceptions] or [no-tail-call])";
      e.build = bt->lacks;
      applies = bt->lacking;
      b = p == std::string::npos ? p : line.find_first_not_of(ws, p);
      if (b == std::string::npos) return path + ":" + std::to_string(lineno) + ": missing glob";
      p = line.find_first_of(ws, b);
    }
    e.glob = line.substr(b, p - b);
    size_t c = p == std::string::npos ? p : line.find_first_not_of(ws, p);
    if (c == std::string::npos) return path + ":" + std::to_string(lineno) + ": missing category";
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
    if (applies) out.push_back(std::move(e));
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// wast2json

// Runs `wast2json script -o out`, with wabt's switch for each feature
// beyond Wasm 2.0 that is on, so that the text parser accepts what Tern
// will run; its diagnostics go straight to our stderr. Returns an error
// description, or nullopt on success.
std::optional<std::string> runWast2json(const std::string& script, const std::string& out, const Features& features) {
  std::vector<std::string> args = {"wast2json", script, "-o", out};
  if (features.extended_const) args.push_back("--enable-extended-const");
  if (features.tail_call) args.push_back("--enable-tail-call");
  if (features.multi_memory) args.push_back("--enable-multi-memory");
  if (features.memory64) args.push_back("--enable-memory64");
  if (features.exceptions) args.push_back("--enable-exceptions");
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

}  // namespace tern::cli::wast
