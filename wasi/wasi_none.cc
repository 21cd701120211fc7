// WASI in a build without it (meson setup -Dminimal=true): the part of
// tern/wasi.hpp the `tern` command uses, defining no host function. A module
// that imports from wasi_snapshot_preview1 then fails to link, and the
// linker's message says WASI is not in this build (runtime/linker.cc). The
// rest of tern/wasi.hpp (MemFs, the deterministic clocks and random) and the
// C API's wasi.h are absent from such a build.
#include "wasi/wasi.h"

namespace tern::wasi {

struct Context::State {
  Options opts;
  std::string error, none;
};

void Options::inheritEnv() {}

int listenTcp(const std::string&, std::string& error) {
  error = "WASI is not in this build of Tern (-Dminimal=true), so it has no sockets";
  return -1;
}

Context::Context(Options opts) : state_(std::make_unique<State>()) { state_->opts = std::move(opts); }
Context::~Context() = default;
const std::string& Context::error() const { return state_->error; }
const Options& Context::options() const { return state_->opts; }
const std::string& Context::stdoutData() const { return state_->none; }
const std::string& Context::stderrData() const { return state_->none; }
std::optional<int> Context::exitCode() const { return std::nullopt; }

std::unique_ptr<Context> addToLinker(Linker&, Store&, Options opts) {
  return std::make_unique<Context>(std::move(opts));
}
std::unique_ptr<Context> addToLinker(Linker&, Store&, Options opts, const Module&) {
  return std::make_unique<Context>(std::move(opts));
}

}  // namespace tern::wasi
