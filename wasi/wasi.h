// WASI preview1 ("wasi_snapshot_preview1") host functions for Tern.
//
//   tern::wasi::Options opts;
//   opts.args = {"prog.wasm", "x"};
//   opts.preopens = {{"/tmp/data", "/data"}};
//   auto wasi = tern::wasi::addToLinker(linker, store, std::move(opts));
//   if (!wasi->error().empty()) ...          // e.g. a preopen that could not be opened
//   auto inst = linker.instantiate(store, module);
//
// The returned Context owns the guest's file-descriptor table. It must outlive
// every call into the instance (the host functions keep a pointer to it).
//
// Every guest pointer and length is checked against the caller's memory
// before it is touched; a bad one makes the call return EFAULT (21). Paths are
// resolved beneath their preopened directory: absolute paths, `..` that would
// leave it and symlinks pointing outside it fail with ENOTCAPABLE (76).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tern/tern.hpp"

namespace tern::wasi {

inline constexpr const char* kModuleName = "wasi_snapshot_preview1";

struct Options {
  std::vector<std::string> args;  // argv[0] first
  std::vector<std::string> env;   // "NAME=VALUE"
  std::vector<std::pair<std::string, std::string>> preopens;  // host dir, guest path
  int stdin_fd = 0, stdout_fd = 1, stderr_fd = 2;             // host fds (not closed by us)
};

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

  struct State;  // internal: fd table, arguments, environment
  State& state() { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// Creates host functions in `store` for every wasi_snapshot_preview1 import
// (the 45 functions of wasi/api.h plus the deprecated proc_raise) and defines
// them in `linker` under module name "wasi_snapshot_preview1".
std::unique_ptr<Context> addToLinker(Linker& linker, Store& store, Options opts);

// WASI errno values used by this implementation (see wasi/api.h).
namespace errno_ {
inline constexpr uint16_t kSuccess = 0;
inline constexpr uint16_t kBadf = 8;
inline constexpr uint16_t kFault = 21;
inline constexpr uint16_t kInval = 28;
inline constexpr uint16_t kNosys = 52;
inline constexpr uint16_t kNotcapable = 76;
}  // namespace errno_

}  // namespace tern::wasi
