// The `tern` command: run, validate, wast, link, version, help. Their usage
// text is in cli/usage.h.
//
// Exit statuses:
//   run       the guest's exit code (proc_exit, or 0 when _start returns);
//             134 when the guest traps (also out of fuel or time, -W);
//             1 on a compile or link error
//   validate  0 valid, 1 invalid
//   all       2 on a usage error (unknown flag, missing or unreadable file)
//
// The command allocates with the C library's malloc, not mimalloc (the
// link of `tern` in meson.build says why). A minimal build
// (-Dminimal=true) runs no guest on a thread of its own (its interpreter
// needs no big native stack) and has no WASI (wasi/wasi_none.cc): `run
// --invoke` and `wast` are what it is for.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/codegen_opts.h"
#include "cli/invoke_values.h"
#include "cli/compile_cmd.h"
#include "cli/link_cmd.h"
#include "cli/usage.h"
#include "cli/wast.h"
#include "module/frame_layout.h"
#include "platform/platform.h"
#include "tern/tern.hpp"
#include "wasi/wasi.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitError = 1;
constexpr int kExitTrap = 134;  // 128 + SIGABRT, as wasmtime does

// One line on stderr; the caller returns kExitUsage. `command` names the
// help to point at.
void usageError(const std::string& msg, std::string_view command = {}) {
  std::fprintf(stderr, "error: %s (see 'tern help%s%.*s')\n", msg.c_str(), command.empty() ? "" : " ",
               int(command.size()), command.data());
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
  // In blocks, the first of the size stat() gave (a pipe's is 0): copying
  // through istreambuf_iterator cost 47 instructions a byte, half of what
  // `tern validate` spent on Lua's module.
  out.resize(S_ISREG(st.st_mode) ? size_t(st.st_size) : 0);
  in.read(reinterpret_cast<char*>(out.data()), std::streamsize(out.size()));
  size_t size = size_t(in.gcount());
  while (in) {
    out.resize(size + (size_t(1) << 16));
    in.read(reinterpret_cast<char*>(out.data() + size), std::streamsize(out.size() - size));
    size += size_t(in.gcount());
  }
  out.resize(size);
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
// --invoke result printing (parsing arguments, formatting values: invoke_values.cc)

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
    for (const auto& v : r.value()) std::printf("%s\n", tern::cli::formatValue(v).c_str());
    std::fflush(stdout);
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Input checks shared by run and validate

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// After an optional UTF-8 byte order mark, whitespace and `;;` line
// comments, WebAssembly text starts with '(' (a block comment `(;` too).
bool looksLikeText(std::span<const uint8_t> b) {
  size_t i = 0;
  if (b.size() >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf) i = 3;
  while (i < b.size()) {
    uint8_t c = b[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == ';' && i + 1 < b.size() && b[i + 1] == ';') {
      while (i < b.size() && b[i] != '\n') ++i;
    } else {
      return c == '(';
    }
  }
  return false;
}

// A binary module starts with "\0asm"; anything else named .wat/.wast or
// starting like text is taken for text format.
bool isTextFormat(const std::string& path, std::span<const uint8_t> prefix) {
  if (prefix.size() >= 4 && std::memcmp(prefix.data(), "\0asm", 4) == 0) return false;
  return endsWith(path, ".wat") || endsWith(path, ".wast") || looksLikeText(prefix);
}

void textFormatError(const std::string& path) {
  std::string out = "OUT.wasm";
  for (std::string_view ext : {".wat", ".wast"})
    if (endsWith(path, ext)) out = path.substr(0, path.size() - ext.size()) + ".wasm";
  std::fprintf(stderr,
               "error: %s: this is WebAssembly text format, not a binary module; convert it with "
               "`wat2wasm %s -o %s` (wabt)%s\n",
               path.c_str(), path.c_str(), out.c_str(),
               endsWith(path, ".wast") ? ", or run a spec test script with `tern wast`" : "");
}

// The first bytes of a file (fewer if it is shorter). None of a pipe
// (`tern run /dev/stdin`, `<(...)`): what is read from it is gone for the
// compile, which then takes the module as it streams in.
std::vector<uint8_t> readPrefix(const std::string& path, size_t n) {
  // The system calls, not a std::ifstream nor stdio: constructing a stream
  // sets up a locale, and a FILE allocates a buffer and asks fstat again,
  // noticeable parts of an empty program's start-up.
  std::vector<uint8_t> out(n);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  size_t got = 0;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    while (got < n) {
      ssize_t r = ::read(fd, out.data() + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += size_t(r);
    }
  }
  if (fd >= 0) ::close(fd);
  out.resize(got);
  return out;
}

// ---------------------------------------------------------------------------
// -W, -C and -S: wasmtime's option groups, KEY[=VALUE] separated by commas

// Decimal or 0x hex, as wasmtime reads numbers.
bool parseU64(std::string_view s, uint64_t& out) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// No value, y, yes, true; n, no, false.
bool parseBool(const std::optional<std::string_view>& v, bool& out) {
  if (!v || *v == "y" || *v == "yes" || *v == "true") out = true;
  else if (*v == "n" || *v == "no" || *v == "false") out = false;
  else return false;
  return true;
}

// "2" (seconds, as wasmtime reads a plain number), "500ms", "2s", "1m",
// "1m30s", "1h 5m": numbers with units ns, us, ms, s, m (min), h.
bool parseDuration(std::string_view s, std::chrono::nanoseconds& out) {
  uint64_t secs;
  if (parseU64(s, secs) && s.find_first_of("xX") == std::string_view::npos) {
    if (secs > uint64_t(INT64_MAX) / 1000000000) return false;
    out = std::chrono::seconds(secs);
    return true;
  }
  struct Unit {
    std::string_view name;
    uint64_t ns;
  };
  // A table, several units a line.
  // clang-format off
  static constexpr Unit kUnits[] = {
      {"nsec", 1}, {"ns", 1}, {"usec", 1000}, {"us", 1000}, {"msec", 1000000}, {"ms", 1000000},
      {"seconds", 1000000000}, {"second", 1000000000}, {"secs", 1000000000}, {"sec", 1000000000},
      {"s", 1000000000}, {"minutes", 60000000000}, {"minute", 60000000000}, {"mins", 60000000000},
      {"min", 60000000000}, {"m", 60000000000}, {"hours", 3600000000000}, {"hour", 3600000000000},
      {"hrs", 3600000000000}, {"hr", 3600000000000}, {"h", 3600000000000},
  };
  // clang-format on
  uint64_t total = 0;
  bool any = false;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    size_t d = i;
    while (d < s.size() && s[d] >= '0' && s[d] <= '9') ++d;
    if (d == i) return false;
    uint64_t n;
    if (std::from_chars(s.data() + i, s.data() + d, n).ec != std::errc()) return false;
    size_t u = d;
    while (u < s.size() && ((s[u] >= 'a' && s[u] <= 'z') || (s[u] >= 'A' && s[u] <= 'Z'))) ++u;
    std::string_view unit = s.substr(d, u - d);
    const Unit* found = nullptr;
    for (const Unit& k : kUnits)
      if (k.name == unit) found = &k;
    if (!found) return false;
    if (n > (uint64_t(INT64_MAX) - total) / found->ns) return false;
    total += n * found->ns;
    any = true;
    i = u;
  }
  if (!any) return false;
  out = std::chrono::nanoseconds(int64_t(total));
  return true;
}

// What `tern run` was asked to do.
struct RunOptions {
  tern::Config config;
  tern::wasi::Options wasi;
  bool env_inherit = false;
  std::string invoke;
  bool have_invoke = false;
  std::vector<std::pair<std::string, std::string>> preloads;  // name, file
  // -W
  std::optional<uint64_t> fuel;
  std::optional<std::chrono::nanoseconds> timeout;
  std::string timeout_text;  // as given, for messages
  std::optional<uint64_t> max_memory_size;
  std::optional<uint64_t> max_wasm_stack;
  bool allow_precompiled = false;
  std::string file;
  std::vector<std::string> guest_args;
};

std::string keyNames(std::span<const tern::cli::OptionKey> keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + std::string(k.key);
  return s;
}

// Applies one -W, -C or -S argument. Returns -1 to go on, or the exit status
// (0 after `help`, kExitUsage on an error).
int applyGroup(char group, std::string_view spec, RunOptions& o) {
  using Keys = std::span<const tern::cli::OptionKey>;
  Keys keys = group == 'W'   ? Keys(tern::cli::kWasmKeys)
              : group == 'C' ? Keys(tern::cli::kCodegenKeys)
                             : Keys(tern::cli::kWasiKeys);
  if (spec == "help") {
    const char* name = group == 'W' ? "-W, --wasm" : group == 'C' ? "-C, --codegen" : "-S, --wasi";
    std::printf("%s keys (-%c KEY[=VALUE][,KEY[=VALUE]...]):\n%s", name, group,
                tern::cli::formatKeys(keys, "  ").c_str());
    return 0;
  }
  if (spec.empty()) {
    usageError(std::string("-") + group + " needs KEY=VALUE (known keys: " + keyNames(keys) + ")", "run");
    return kExitUsage;
  }
  while (true) {
    size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    size_t eq = item.find('=');
    std::string key(item.substr(0, eq));
    std::optional<std::string_view> val;
    if (eq != std::string_view::npos) val = item.substr(eq + 1);
    std::string shown = std::string("-") + group + " " + std::string(item);
    auto bad = [&](const std::string& why) {
      usageError(shown + ": " + why, "run");
      return kExitUsage;
    };
    auto number = [&](std::optional<uint64_t>& dst, const char* what) {
      uint64_t n;
      if (!val) return bad(std::string("needs a value: ") + key + "=" + what);
      if (!parseU64(*val, n)) return bad(std::string("expected ") + what + " in decimal or 0x hex");
      dst = n;
      return -1;
    };
    int status = -1;
    if (group == 'W' && key == "fuel") {
      status = number(o.fuel, "N");
    } else if (group == 'W' && key == "timeout") {
      std::chrono::nanoseconds d;
      if (!val) return bad("needs a value: timeout=DURATION (500ms, 2s, 1m)");
      if (!parseDuration(*val, d))
        return bad("expected a duration such as 500ms, 2s or 1m (a plain number is seconds)");
      o.timeout = d;
      o.timeout_text = std::string(*val);
      // A plain number means seconds.
      if (o.timeout_text.find_first_not_of("0123456789") == std::string::npos) o.timeout_text += "s";
    } else if (group == 'W' && key == "max-memory-size") {
      status = number(o.max_memory_size, "BYTES");
    } else if (group == 'W' && key == "max-wasm-stack") {
      status = number(o.max_wasm_stack, "BYTES");
      if (status < 0 && *o.max_wasm_stack < 64) return bad("the stack needs at least 64 bytes");
    } else if (group == 'W' && tern::Features::known(key)) {
      if (std::optional<std::string> e = o.config.features.set(item)) {
        usageError("-W " + *e, "run");
        return kExitUsage;
      }
    } else if (group == 'C' && tern::cli::isCodegenKey(key)) {
      if (std::optional<std::string> e = tern::cli::applyCodegen(item, o.config)) return bad(*e);
    } else if (group == 'S' && key == "inherit-env") {
      if (!parseBool(val, o.env_inherit)) return bad("expected inherit-env, inherit-env=y or inherit-env=n");
    } else if (group == 'S' && key == "tcplisten") {
      if (!val || val->empty()) return bad("needs a value: tcplisten=HOST:PORT");
      std::string listen_err;
      int fd = tern::wasi::listenTcp(std::string(*val), listen_err);
      if (fd < 0) return bad(listen_err);
      o.wasi.sockets.push_back(fd);
    } else {
      usageError(std::string("unknown -") + group + " option '" + key + "' (known: " + keyNames(keys) + ")", "run");
      return kExitUsage;
    }
    if (status >= 0) return status;
    if (comma == std::string_view::npos) return -1;
    spec.remove_prefix(comma + 1);
  }
}

// Parses `tern run`'s arguments. Returns -1 to go on, or the exit status.
int parseRun(int argc, char** argv, RunOptions& o) {
  int i = 0;
  auto value = [&](std::string_view flag, std::string_view arg, std::string& out) -> bool {
    // Accepts "--flag=VALUE" and "--flag VALUE".
    if (arg.size() > flag.size() && arg[flag.size()] == '=') {
      out = std::string(arg.substr(flag.size() + 1));
      return true;
    }
    if (i + 1 >= argc) {
      usageError("option '" + std::string(flag) + "' needs a value", "run");
      return false;
    }
    out = argv[++i];
    return true;
  };
  auto is = [](std::string_view arg, std::string_view flag) {
    return arg == flag || (arg.size() > flag.size() && arg.substr(0, flag.size()) == flag && arg[flag.size()] == '=');
  };

  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string v;
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.empty() || arg[0] != '-' || arg == "-") break;
    if (arg == "-h" || arg == "--help") {
      tern::cli::printCommandHelp(*tern::cli::findCommandHelp("run"), stdout);
      return 0;
    } else if (arg.size() >= 2 && (arg[1] == 'W' || arg[1] == 'C' || arg[1] == 'S') && arg[0] == '-' &&
               (arg.size() == 2 || arg[2] != '-')) {
      // -W KEY=VALUE, -WKEY=VALUE, -W=KEY=VALUE (and -C, -S)
      char group = arg[1];
      if (arg.size() == 2) {
        if (!value(arg, arg, v)) return kExitUsage;
      } else {
        v = std::string(arg.substr(arg[2] == '=' ? 3 : 2));
      }
      if (int status = applyGroup(group, v, o); status >= 0) return status;
    } else if (is(arg, "--wasm") || is(arg, "--wasi") || is(arg, "--codegen")) {
      std::string_view flag = is(arg, "--codegen") ? std::string_view("--codegen") : arg.substr(0, 6);
      if (!value(flag, arg, v)) return kExitUsage;
      char group = flag == "--wasm" ? 'W' : flag == "--codegen" ? 'C' : 'S';
      if (int status = applyGroup(group, v, o); status >= 0) return status;
    } else if (is(arg, "--dir")) {
      if (!value("--dir", arg, v)) return kExitUsage;
      std::string host = v, guest = v;
      if (size_t sep = v.find("::"); sep != std::string::npos) {
        host = v.substr(0, sep);
        guest = v.substr(sep + 2);
      }
      struct stat st;
      if (host.empty() || guest.empty()) {
        usageError("--dir expects HOST[::GUEST], got '" + v + "'", "run");
        return kExitUsage;
      }
      if (::stat(host.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        usageError("--dir: '" + host + "' is not a directory", "run");
        return kExitUsage;
      }
      o.wasi.preopens.emplace_back(host, guest);
    } else if (is(arg, "--env")) {
      if (!value("--env", arg, v)) return kExitUsage;
      size_t eq = v.find('=');
      if (eq == 0 || v.empty()) {
        usageError("--env expects NAME=VALUE, got '" + v + "'", "run");
        return kExitUsage;
      }
      if (eq == std::string::npos) {
        const char* host_value = std::getenv(v.c_str());
        if (!host_value) continue;  // not set here: not set for the guest either
        v += '=';
        v += host_value;
      }
      o.wasi.env.push_back(v);
    } else if (arg == "--env-inherit") {
      o.env_inherit = true;
    } else if (is(arg, "--tcplisten")) {
      if (!value("--tcplisten", arg, v)) return kExitUsage;
      std::string listen_err;
      int fd = tern::wasi::listenTcp(v, listen_err);
      if (fd < 0) {
        usageError("--tcplisten: " + listen_err, "run");
        return kExitUsage;
      }
      o.wasi.sockets.push_back(fd);
    } else if (is(arg, "--preload")) {
      if (!value("--preload", arg, v)) return kExitUsage;
      size_t eq = v.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == v.size()) {
        usageError("--preload expects NAME=FILE.wasm, got '" + v + "'", "run");
        return kExitUsage;
      }
      o.preloads.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (is(arg, "--invoke")) {
      if (!value("--invoke", arg, v)) return kExitUsage;
      o.invoke = v;
      o.have_invoke = true;
    } else if (arg == "--bounds-checks") {
      o.config.bounds_checks = true;
    } else if (arg == "--perf-map") {
      o.config.perf_map = true;
    } else if (arg == "--allow-precompiled") {
      o.allow_precompiled = true;
    } else if (is(arg, "--cache")) {
      if (!value("--cache", arg, v)) return kExitUsage;
      o.config.cache_dir = v;
    } else if (is(arg, "--tier")) {
      if (!value("--tier", arg, v)) return kExitUsage;
      if (!parseTier(v, o.config.tier)) {
        usageError("--tier must be interp, jit or auto, not '" + v + "'", "run");
        return kExitUsage;
      }
    } else {
      usageError("unknown option '" + std::string(arg) + "' for 'tern run'", "run");
      return kExitUsage;
    }
  }
  if (i >= argc) {
    usageError("tern run: missing FILE.wasm", "run");
    return kExitUsage;
  }
  o.file = argv[i++];
  o.guest_args.assign(argv + i, argv + argc);
  return -1;
}

// -W timeout: bumps the engine's epoch once the time is up, so the guest
// traps "interrupted" at its next function entry or loop header. A guest
// blocked in a host call (a sleep, a read) checks no epoch; if it has not
// stopped a second later, the watchdog reports it and ends the process.
class Watchdog {
 public:
  ~Watchdog() { stop(); }
  void start(tern::Engine& engine, std::chrono::nanoseconds after, std::string what) {
    thread_ = std::thread([this, &engine, after, what = std::move(what)] {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, after, [this] { return done_; })) return;
      fired_ = true;
      engine.incrementEpoch();
      if (cv_.wait_for(lock, std::chrono::seconds(1), [this] { return done_; })) return;
      std::fflush(stdout);
      std::fprintf(stderr, "error: %s: the guest is blocked in a host call and cannot be interrupted\n", what.c_str());
      std::_Exit(kExitTrap);
    });
  }
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool fired() const { return fired_; }

 private:
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
};

// Says which -W limit stopped the guest, in the trap's own message.
void explainLimit(tern::Trap& trap, const RunOptions& o, const Watchdog& dog) {
  if (trap.kind == tern::TrapKind::OutOfFuel && o.fuel)
    trap.message += ": the guest ran out of fuel (-W fuel=" + std::to_string(*o.fuel) + ")";
  else if (trap.kind == tern::TrapKind::Interrupted && dog.fired())
    trap.message += ": timed out after " + o.timeout_text + " (-W timeout=" + o.timeout_text + ")";
}

// -W max-wasm-stack=BYTES: both tiers keep a frame's params, locals and
// operand stack in 8-byte slots of one value stack, so BYTES buys BYTES/8
// slots; every call also counts against the call-depth limit, set to one
// call per 32 bytes (a small native frame's worth), so even frames with no
// values cannot nest without bound.
// The value stack is reserved up front (backed lazily), so it is capped at
// 4 GiB; the call depth at 4,194,304 (128 MiB's worth).
constexpr uint64_t kBytesPerCall = 32;
constexpr uint64_t kMaxCallDepth = uint64_t(1) << 22;
constexpr uint64_t kMaxStackSlots = uint64_t(1) << 29;

void applyStack(uint64_t bytes, tern::Config& config) {
  config.value_stack_slots = uint32_t(std::min(bytes / tern::kSlotBytes, kMaxStackSlots));
  config.max_call_depth = uint32_t(std::clamp<uint64_t>(bytes / kBytesPerCall, 1, kMaxCallDepth));
}

// The native stack the guest runs on with -W max-wasm-stack: JIT code
// takes 16 bytes of it per call (return address, saved frame pointer), and
// traps "call stack exhausted" when it runs low, so give it room for the
// deepest allowed recursion plus the host's own needs.
#ifndef TERN_MINIMAL
size_t nativeStackFor(const tern::Config& config) { return size_t(config.max_call_depth) * 32 + (size_t(8) << 20); }
#endif

// A module file for `tern run` (the main one or a preload): -1 when it can
// be compiled, else the exit status after saying why not. `prefix` gets its
// first bytes (readPrefix), which loadModule looks at next.
int checkModuleFile(const std::string& path, std::vector<uint8_t>& prefix) {
  std::string err;
  if (!checkReadable(path, err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return kExitUsage;
  }
  prefix = readPrefix(path, 4096);
  if (isTextFormat(path, prefix)) {
    textFormatError(path);
    return kExitError;
  }
  return -1;
}

// --env-inherit: tern's own environment first; an --env setting replaces a
// variable of the same name.
void inheritEnv(tern::wasi::Options& wasi) {
  std::vector<std::string> own = std::move(wasi.env);
  wasi.env.clear();
  wasi.inheritEnv();
  for (std::string& e : own) {
    std::string_view name = std::string_view(e).substr(0, e.find('='));
    auto same = [&](const std::string& x) {
      return x.size() > name.size() && x.compare(0, name.size(), name) == 0 && x[name.size()] == '=';
    };
    auto it = std::find_if(wasi.env.begin(), wasi.env.end(), same);
    if (it != wasi.env.end()) *it = std::move(e);
    else wasi.env.push_back(std::move(e));
  }
}

// --invoke NAME: parses the arguments as the export's parameters and calls
// it, after _initialize for a WASI reactor; returns the exit status.
// callGuest(fn, args, print, last) runs one call.
template <typename CallGuest>
int invokeExport(tern::Instance& instance, const RunOptions& o, CallGuest&& callGuest) {
  const std::string& file = o.file;
  const std::string& invoke = o.invoke;
  tern::Func* fn = instance.getFunc(invoke);
  if (!fn) {
    std::fprintf(stderr, "error: %s: module has no exported function '%s'\n", file.c_str(), invoke.c_str());
    return kExitError;
  }
  const tern::FuncType& type = fn->type();
  if (o.guest_args.size() != type.params.size()) {
    std::fprintf(stderr, "error: '%s' takes %zu argument(s) %s, got %zu\n", invoke.c_str(), type.params.size(),
                 type.toString().c_str(), o.guest_args.size());
    return kExitUsage;
  }
  std::vector<tern::Value> args(type.params.size());
  for (size_t k = 0; k < args.size(); ++k) {
    if (!tern::cli::parseArg(o.guest_args[k], type.params[k], args[k])) {
      std::fprintf(stderr, "error: argument %zu of '%s': cannot parse '%s' as %s\n", k + 1, invoke.c_str(),
                   o.guest_args[k].c_str(), tern::valTypeName(type.params[k]));
      return kExitUsage;
    }
  }
  // A WASI reactor wants _initialize before anything else.
  if (invoke != "_initialize") {
    if (tern::Func* init = instance.getFunc("_initialize")) {
      int status = callGuest(init, {}, false, false);
      if (status != 0) return status;
    }
  }
  return callGuest(fn, args, true, true);
}

// Compiles the module in `path`, or loads it if it is a .cwasm that
// --allow-precompiled lets run; `refused` is set to the exit status of a
// file checkModuleFile turns down or of a .cwasm that it does not run.
tern::Expected<std::shared_ptr<tern::Module>> loadModule(tern::Engine& engine, const std::string& path,
                                                         bool allow_precompiled, int& refused) {
  tern::Error refusal{tern::ErrorKind::Unsupported, "refused", SIZE_MAX};
  std::vector<uint8_t> prefix;
  if ((refused = checkModuleFile(path, prefix)) >= 0) return refusal;
  if (!tern::Module::isPrecompiled(prefix)) return tern::Module::compileFile(engine, path);
  if (!allow_precompiled) {
    std::fprintf(stderr, "error: %s is a precompiled .cwasm file: pass --allow-precompiled to run it\n", path.c_str());
    refused = kExitError;
    return refusal;
  }
  return tern::Module::deserializeFile(engine, path);
}

// The guest has finished: the process ends with `status` here, after
// flushing stdio. What execRun built (the engine's code and reservations,
// the store, the fault stack) is left to the OS: freeing it piece by piece
// and unmapping a 6 GiB reservation was work no one waits for.
[[noreturn]] void exitAfterGuest(int status) {
  std::fflush(nullptr);
  ::_exit(status);
}

// Runs the module `o` describes; returns the process exit status (the
// process exits once the guest has run: exitAfterGuest).
int execRun(RunOptions& o) {
  const std::string& file = o.file;
  if (o.fuel) o.config.consume_fuel = true;
  if (o.timeout) o.config.epoch_interruption = true;
  if (o.max_wasm_stack) applyStack(*o.max_wasm_stack, o.config);

  if (o.config.cache_dir.empty()) {
    if (const char* dir = std::getenv("TERN_CACHE_DIR"); dir && *dir) o.config.cache_dir = dir;
  }

  tern::Engine engine(o.config);
  int refused = -1;
  auto module = loadModule(engine, file, o.allow_precompiled, refused);
  if (refused >= 0) return refused;
  if (!module) {
    const tern::Error& e = module.error();
    if (e.kind == tern::ErrorKind::Io) {
      std::fprintf(stderr, "error: %s\n", e.toString().c_str());
      return kExitUsage;
    }
    // As `tern validate` does: "error: FILE: at offset 0x..: reason".
    std::fprintf(stderr, "error: %s: %s\n", file.c_str(), e.toString().c_str());
    return kExitError;
  }

  tern::Store store(engine);
  if (o.fuel) store.setFuel(*o.fuel);
  if (o.max_memory_size) {
    tern::StoreLimits limits;
    limits.memory_bytes = *o.max_memory_size;
    store.setLimits(limits);
  }
  tern::Linker linker;
  tern::wasi::Options& wasi = o.wasi;
  if (o.env_inherit) inheritEnv(wasi);
  wasi.args.push_back(file);
  if (!o.have_invoke) wasi.args.insert(wasi.args.end(), o.guest_args.begin(), o.guest_args.end());
  // Without preloads (which may import any of them), only the WASI
  // functions the module imports are created.
  auto ctx = o.preloads.empty() ? tern::wasi::addToLinker(linker, store, std::move(wasi), **module)
                                : tern::wasi::addToLinker(linker, store, std::move(wasi));
  if (!ctx->error().empty()) {
    std::fprintf(stderr, "error: %s\n", ctx->error().c_str());
    return kExitUsage;
  }

  // The time limit covers everything the guest runs: preloads, start
  // functions, _initialize and the call itself.
  Watchdog watchdog;
  if (o.timeout) {
    store.setEpochDeadline(1);
    watchdog.start(engine, *o.timeout, file + ": timed out after " + o.timeout_text);
  }
  auto failedInstantiation = [&](tern::Error& e) {
    watchdog.stop();
    if (e.trap) explainLimit(*e.trap, o, watchdog);
  };

  // Preloaded modules, in order: each may import WASI and the ones before it.
  for (const auto& [name, path] : o.preloads) {
    int dep_refused = -1;
    auto dep = loadModule(engine, path, o.allow_precompiled, dep_refused);
    if (dep_refused >= 0) return dep_refused;
    if (!dep) {
      std::fprintf(stderr, "error: %s: %s\n", path.c_str(), dep.error().toString().c_str());
      return kExitError;
    }
    auto dep_inst = linker.instantiate(store, *dep);
    if (!dep_inst) {
      tern::Error& e = dep_inst.error();
      failedInstantiation(e);
      std::fprintf(stderr, "error: %s: %s\n", path.c_str(), e.trap ? e.trap->toString().c_str() : e.toString().c_str());
      return e.kind == tern::ErrorKind::Trap ? kExitTrap : kExitError;
    }
    linker.defineInstance(name, *dep_inst.value());
  }

  auto inst = linker.instantiate(store, *module);
  if (!inst) {
    tern::Error& e = inst.error();
    failedInstantiation(e);
    if (e.kind == tern::ErrorKind::Trap) {  // a segment out of bounds, or the start function
      if (e.trap && e.trap->kind == tern::TrapKind::Exit) return e.trap->exit_code;
      std::fprintf(stderr, "error: wasm trap: %s\n", e.trap ? e.trap->toString().c_str() : e.message.c_str());
      return kExitTrap;
    }
    std::fprintf(stderr, "error: %s: %s\n", file.c_str(), e.toString().c_str());
    return kExitError;
  }
  tern::Instance* instance = *inst;

  // Calls fn and returns the exit status; the watchdog stops with the guest.
  auto callGuest = [&](tern::Func* fn, std::span<const tern::Value> args, bool print, bool last) {
    auto r = fn->call(args);
    if (last || !r.ok()) watchdog.stop();
    if (!r.ok()) explainLimit(r.error(), o, watchdog);
    return finishCall(r, print);
  };

  if (o.have_invoke) exitAfterGuest(invokeExport(*instance, o, callGuest));

  if (tern::Func* start = instance->getFunc("_start")) exitAfterGuest(callGuest(start, {}, false, true));
  if (tern::Func* init = instance->getFunc("_initialize")) exitAfterGuest(callGuest(init, {}, false, true));
  std::fprintf(stderr,
               "error: %s: module exports no '_start' function; use --invoke NAME to call "
               "another export\n",
               file.c_str());
  return kExitError;
}

// ---------------------------------------------------------------------------
// tern run
int cmdRun(int argc, char** argv) {
  RunOptions o;
  if (int status = parseRun(argc, argv, o); status >= 0) return status;
#ifdef TERN_MINIMAL
  return execRun(o);
#else
  if (!o.max_wasm_stack) return execRun(o);
  // A bigger Wasm stack needs a bigger native stack for JIT code: run the
  // guest on a thread that has one.
  applyStack(*o.max_wasm_stack, o.config);
  struct Job {
    RunOptions* o;
    int status = kExitError;
  } job{&o};
  auto body = [](void* p) {
    auto* j = static_cast<Job*>(p);
    j->status = execRun(*j->o);
  };
  if (!tern::platform::runWithStack(nativeStackFor(o.config), body, &job)) {
    std::fprintf(stderr, "error: cannot start a thread with a %zu-byte stack for -W max-wasm-stack\n",
                 nativeStackFor(o.config));
    return kExitError;
  }
  return job.status;
#endif
}

// ---------------------------------------------------------------------------
// tern validate
int cmdValidate(int argc, char** argv) {
  std::string file;
  tern::Features features;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "-W" || arg == "--wasm") && file.empty()) {
      if (i + 1 >= argc) {
        usageError("-W needs NAME[=y|n]", "validate");
        return kExitUsage;
      }
      if (std::optional<std::string> e = features.set(argv[++i])) {
        usageError("-W " + *e, "validate");
        return kExitUsage;
      }
    } else if (arg == "--" && i + 1 < argc && file.empty()) {
      file = argv[++i];
    } else if ((arg == "-h" || arg == "--help") && file.empty()) {
      tern::cli::printCommandHelp(*tern::cli::findCommandHelp("validate"), stdout);
      return 0;
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      usageError("unknown option '" + std::string(arg) + "' for 'tern validate'", "validate");
      return kExitUsage;
    } else if (file.empty()) {
      file = std::string(arg);
    } else {
      usageError("tern validate takes one file", "validate");
      return kExitUsage;
    }
  }
  if (file.empty()) {
    usageError("tern validate: missing FILE.wasm", "validate");
    return kExitUsage;
  }
  std::vector<uint8_t> bytes;
  std::string err;
  if (!readFile(file, bytes, err)) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return kExitUsage;
  }
  if (isTextFormat(file, bytes)) {
    textFormatError(file);
    return kExitError;
  }
  std::optional<tern::Error> e = tern::Module::validate(bytes, features);
  if (!e) {
    std::printf("ok\n");
    return 0;
  }
  // Error::toString() starts with "at offset 0x..: " when the offset is known.
  std::fprintf(stderr, "error: %s: %s\n", file.c_str(), e->toString().c_str());
  return kExitError;
}

// `tern help [COMMAND]`
int cmdHelp(int argc, char** argv) {
  if (argc == 0) {
    tern::cli::printOverview(stdout);
    return 0;
  }
  std::string_view name = argv[0];
  if (name == "--help" || name == "-h") name = "help";
  const tern::cli::CommandHelp* c = tern::cli::findCommandHelp(name);
  if (argc > 1 || !c) {
    usageError(argc > 1 ? "tern help takes one command" : "no command '" + std::string(argv[0]) + "'");
    return kExitUsage;
  }
  tern::cli::printCommandHelp(*c, stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A guest writing into a closed pipe (`tern run yes.wasm | head -1`) gets
  // EPIPE from fd_write and decides what to do; tern does not die of SIGPIPE.
#ifndef TERN_MINIMAL
  tern::platform::ignoreBrokenPipe();
#endif
  if (argc < 2) {
    tern::cli::printOverview(stderr);
    return kExitUsage;
  }
  std::string_view cmd = argv[1];
  if (cmd == "run") return cmdRun(argc - 2, argv + 2);
  if (cmd == "validate") return cmdValidate(argc - 2, argv + 2);
  if (cmd == "wast") return tern::cli::wastMain(argc - 1, argv + 1);
  if (cmd == "link") return tern::cli::linkMain(argc - 1, argv + 1);
  if (cmd == "compile") return tern::cli::compileMain(argc - 1, argv + 1);
  if (cmd == "--version" || cmd == "version" || cmd == "-V") {
    if (argc > 2 && (std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h")) {
      tern::cli::printCommandHelp(*tern::cli::findCommandHelp("version"), stdout);
      return 0;
    }
    std::printf("tern %s\n", tern::versionString());
    return 0;
  }
  if (cmd == "help" || cmd == "--help" || cmd == "-h") return cmdHelp(argc - 2, argv + 2);
  if (!cmd.empty() && cmd[0] != '-' && (endsWith(cmd, ".wasm") || endsWith(cmd, ".cwasm"))) {
    return cmdRun(argc - 1, argv + 1);
  }
  if (!cmd.empty() && cmd[0] == '-') usageError("unknown option '" + std::string(cmd) + "'");
  else usageError("unknown command '" + std::string(cmd) + "'");
  return kExitUsage;
}
