// Tern's WASI preview1 ("wasi_snapshot_preview1") for embedders.
//
//   auto fs = std::make_shared<tern::wasi::MemFs>();
//   fs->addFile("/data/in.txt", "hello\n");
//
//   tern::wasi::Options opts;
//   opts.args = {"prog.wasm", "/data/in.txt"};
//   opts.env = {"LANG=C"};
//   opts.mounts.push_back(tern::wasi::Preopen::memory(fs, "/data", "/data"));
//   opts.mounts.push_back(tern::wasi::Preopen::host("/srv/www", "/www"));
//   opts.in = tern::wasi::Stdio::fromBytes("input\n");
//   opts.out = tern::wasi::Stdio::toBuffer();
//   opts.err = tern::wasi::Stdio::toWriter([](std::span<const uint8_t> d) { ... });
//
//   auto wasi = tern::wasi::addToLinker(linker, store, std::move(opts));
//   if (!wasi->error().empty()) ...        // a preopen that could not be opened, ...
//   auto inst = linker.instantiate(store, module);
//   auto r = (*inst)->getFunc("_start")->call({});
//   // r.error().kind == TrapKind::Exit: the guest called proc_exit(exit_code)
//   std::string out = wasi->stdoutData();
//
// The Context owns the guest's descriptor table and must outlive every call
// into the instance. Every guest pointer and length is checked against the
// caller's memory before it is touched (EFAULT otherwise). A path can never
// leave the preopened directory it starts from: absolute paths, `..` above
// it and symlinks pointing outside it fail with ENOTCAPABLE (76).
// docs/wasi.md lists every function and its errno behaviour.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tern/tern.hpp"

namespace tern::wasi {

inline constexpr const char* kModuleName = "wasi_snapshot_preview1";

// The clocks of clock_time_get, numbered as WASI numbers them.
enum class ClockId : uint32_t { Realtime = 0, Monotonic = 1, ProcessCputime = 2, ThreadCputime = 3 };

// Pulls guest input: fills (a prefix of) `buf`, returns how many bytes it
// wrote; 0 means end of input.
using Reader = std::function<size_t(std::span<uint8_t> buf)>;
// Receives guest output.
using Writer = std::function<void(std::span<const uint8_t> data)>;

// Where one of the guest's standard streams (fd 0, 1, 2) comes from or goes to.
struct Stdio {
  enum class Kind : uint8_t { Inherit, Bytes, Reader, Buffer, Writer, Null };
  Kind kind = Kind::Inherit;
  int fd = -1;        // Inherit: a host fd, used as it is and never closed
  std::string bytes;  // Bytes
  Reader reader;      // Reader
  Writer writer;      // Writer

  static Stdio inherit(int host_fd) { return {Kind::Inherit, host_fd, {}, {}, {}}; }
  // Input: these bytes, then end of file.
  static Stdio fromBytes(std::string data) { return {Kind::Bytes, -1, std::move(data), {}, {}}; }
  // Input: pulled from a callback whenever the guest reads.
  static Stdio fromReader(Reader r) { return {Kind::Reader, -1, {}, std::move(r), {}}; }
  // Output: kept in memory; read it with Context::stdoutData() / stderrData().
  static Stdio toBuffer() { return {Kind::Buffer, -1, {}, {}, {}}; }
  // Output: handed to a callback as it is written.
  static Stdio toWriter(Writer w) { return {Kind::Writer, -1, {}, {}, std::move(w)}; }
  // Input: empty; output: discarded.
  static Stdio null() { return {Kind::Null, -1, {}, {}, {}}; }
};

// An in-memory filesystem that the embedder fills before the run and reads
// back after it. Paths given here are absolute ("/a/b.txt"); missing parent
// directories are created. Several preopens may share one MemFs (renames and
// links between them work; between different filesystems they fail with
// EXDEV). Not thread-safe: one guest at a time.
class MemFs {
 public:
  // `now` gives the wall-clock time in nanoseconds for timestamps; unset:
  // the host's realtime clock.
  explicit MemFs(std::function<uint64_t()> now = {});
  ~MemFs();
  MemFs(const MemFs&) = delete;
  MemFs& operator=(const MemFs&) = delete;

  bool addDir(std::string_view path);
  bool addFile(std::string_view path, std::string_view contents);  // replaces a file
  bool addSymlink(std::string_view path, std::string_view target);
  // Symlinks are not followed by these.
  std::optional<std::string> readFile(std::string_view path) const;
  std::optional<std::vector<std::string>> listDir(std::string_view path) const;  // sorted
  std::optional<std::string> readSymlink(std::string_view path) const;
  bool exists(std::string_view path) const;
  bool isDir(std::string_view path) const;

  // Total bytes of file contents the guest may store; writes beyond fail
  // with ENOSPC. Default 1 GiB.
  void setCapacity(uint64_t bytes);
  uint64_t bytesUsed() const;

  struct Impl;  // internal (wasi/mem_fs.cc)

 private:
  friend const std::shared_ptr<Impl>& implOf(const MemFs& fs);
  std::shared_ptr<Impl> impl_;
};

// A directory the guest finds already open, under the name `guest_path`.
struct Preopen {
  std::string guest_path;
  std::string host_dir;          // a host directory...
  std::shared_ptr<MemFs> memfs;  // ...or an in-memory filesystem (then host_dir is unused)
  std::string memfs_dir = "/";   // the directory of `memfs` the guest sees

  static Preopen host(std::string host_dir, std::string guest_path) {
    return {std::move(guest_path), std::move(host_dir), nullptr, "/"};
  }
  static Preopen memory(std::shared_ptr<MemFs> fs, std::string guest_path, std::string dir = "/") {
    return {std::move(guest_path), {}, std::move(fs), std::move(dir)};
  }
};

// Replaces the host's clocks, e.g. for reproducible runs.
struct Clocks {
  // Nanoseconds on clock `id`. Unset: the host clock.
  std::function<uint64_t(ClockId id)> now;
  // Resolution in nanoseconds. Unset: 1 when `now` is set, else the host's.
  std::function<uint64_t(ClockId id)> resolution;
  // Waits `ns` nanoseconds; poll_oneoff calls it for clock subscriptions when
  // no host descriptor is involved. Unset: the thread really sleeps.
  std::function<void(uint64_t ns)> sleep;
};

// A clock set that never looks at the host: realtime starts at
// `realtime_start_ns`, monotonic and CPU times at 0; every reading advances
// time by 1 µs and `sleep` advances it by the time asked for.
Clocks deterministicClocks(uint64_t realtime_start_ns = 1'700'000'000'000'000'000ull);

// Fills the buffer with random bytes (random_get). Unset: getrandom(2).
using Random = std::function<void(std::span<uint8_t> buf)>;
// A reproducible byte sequence (xorshift) for tests.
Random deterministicRandom(uint64_t seed);

struct Options {
  std::vector<std::string> args;  // argv[0] first
  std::vector<std::string> env;   // "NAME=VALUE"
  // Host directories, as (host dir, guest path) pairs: shorthand for
  // Preopen::host. These come first, then `mounts`, in order, from fd 3 on.
  std::vector<std::pair<std::string, std::string>> preopens;
  std::vector<Preopen> mounts;
  Stdio in = Stdio::inherit(0);
  Stdio out = Stdio::inherit(1);
  Stdio err = Stdio::inherit(2);
  // Host sockets handed to the guest (listening ones for sock_accept, or
  // connected ones), numbered after the preopens. The Context closes them.
  std::vector<int> sockets;
  Clocks clocks;
  Random random;

  // Appends every variable of the host's environment to `env`.
  void inheritEnv();
};

// Opens a listening TCP socket on "HOST:PORT" (HOST a name, an IPv4 address
// or an IPv6 address in brackets). Returns the host fd, or -1 with `error`
// set.
int listenTcp(const std::string& host_port, std::string& error);

class Context {
 public:
  explicit Context(Options opts);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Problems found while setting up (a preopened directory that cannot be
  // opened, ...), one per line; empty when all is well.
  const std::string& error() const;
  const Options& options() const;
  // What the guest wrote to a Stdio::toBuffer() stdout / stderr.
  const std::string& stdoutData() const;
  const std::string& stderrData() const;
  // The exit status once the guest has called proc_exit (or 128 + N after
  // proc_raise of a signal N that ends it); empty before that. The call
  // that ended the guest returned a Trap of kind Exit with the same code.
  std::optional<int> exitCode() const;

  struct State;  // internal (wasi/wasi.cc): descriptor table, arguments, environment

 private:
  friend State& stateOf(Context& ctx);
  std::unique_ptr<State> state_;
};

// Creates host functions in `store` for every wasi_snapshot_preview1 import
// (the 45 functions of wasi/api.h plus the older proc_raise) and defines
// them in `linker` under the module name "wasi_snapshot_preview1".
std::unique_ptr<Context> addToLinker(Linker& linker, Store& store, Options opts);
// The same for one module: defines only the functions `module` imports from
// wasi_snapshot_preview1 (what creating all 46 host functions costs is a
// fifth of an empty program's start-up). An import WASI lacks stays
// undefined, and instantiating `module` reports it as with the other form;
// instantiating another module with this linker may find functions missing.
std::unique_ptr<Context> addToLinker(Linker& linker, Store& store, Options opts, const Module& module);

// A few WASI errno values (all of them: wasi/api.h).
namespace errno_ {
inline constexpr uint16_t kSuccess = 0;
inline constexpr uint16_t kBadf = 8;
inline constexpr uint16_t kFault = 21;
inline constexpr uint16_t kInval = 28;
inline constexpr uint16_t kNosys = 52;
inline constexpr uint16_t kNotcapable = 76;
}  // namespace errno_

}  // namespace tern::wasi
