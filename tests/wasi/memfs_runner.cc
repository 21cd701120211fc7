// Runs a WASI test program against the in-memory filesystem, through the
// embedding API only (include/tern/wasi.hpp). It sets up the same layout
// that run_guest.py builds on the host for `tern run`:
//
//   /secret.txt, /outside/secret.txt     outside every preopen
//   /box        preopened as /sandbox, holding
//       abs-link -> /secret.txt
//       rel-link -> ../secret.txt
//   /other      preopened as /other
//
// stdin is read from this process's stdin up front and handed to the guest
// as bytes; the guest's stdout goes through a writer callback to this
// process's stdout, its stderr into a buffer printed at the end. The exit
// status is the guest's, 134 for a trap, 1 for a setup error, and 99 when
// the guest changed anything outside its preopens.
//
// usage: wasi_memfs_runner [--tier=interp|jit|auto] [--env NAME=VALUE]...
//                          [--capacity BYTES] FILE.wasm [ARGS...]
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tern/tern.hpp"
#include "tern/wasi.hpp"

namespace {

const char kSecret[] = "top secret\n";

bool outsideIntact(const tern::wasi::MemFs& fs, std::string& why) {
  auto root = fs.listDir("/");
  std::vector<std::string> want_root = {"box", "other", "outside", "secret.txt"};
  if (!root || *root != want_root) {
    why = "the root directory changed";
    return false;
  }
  auto out = fs.listDir("/outside");
  if (!out || *out != std::vector<std::string>{"secret.txt"}) {
    why = "/outside changed";
    return false;
  }
  if (fs.readFile("/secret.txt") != std::string(kSecret) ||
      fs.readFile("/outside/secret.txt") != std::string(kSecret)) {
    why = "a secret file changed";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  tern::Config config;
  tern::wasi::Options opts;
  uint64_t capacity = 64ull << 20;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--tier=", 0) == 0) {
      std::string t = a.substr(7);
      config.tier = t == "jit" ? tern::Tier::Jit : t == "auto" ? tern::Tier::Auto : tern::Tier::Interp;
    } else if (a == "--env" && i + 1 < argc) {
      opts.env.push_back(argv[++i]);
    } else if (a == "--capacity" && i + 1 < argc) {
      capacity = std::stoull(argv[++i]);
    } else {
      break;
    }
  }
  if (i >= argc) {
    std::fprintf(stderr, "usage: wasi_memfs_runner [--tier=T] [--env N=V]... FILE.wasm [ARGS...]\n");
    return 2;
  }
  std::string file = argv[i];
  opts.args.assign(argv + i, argv + argc);

  auto fs = std::make_shared<tern::wasi::MemFs>();
  fs->setCapacity(capacity);
  bool ok = fs->addDir("/box") && fs->addDir("/other") && fs->addFile("/secret.txt", kSecret) &&
            fs->addFile("/outside/secret.txt", kSecret) && fs->addSymlink("/box/abs-link", "/secret.txt") &&
            fs->addSymlink("/box/rel-link", "../secret.txt");
  if (!ok) {
    std::fprintf(stderr, "runner: cannot build the in-memory filesystem\n");
    return 1;
  }
  opts.mounts.push_back(tern::wasi::Preopen::memory(fs, "/sandbox", "/box"));
  opts.mounts.push_back(tern::wasi::Preopen::memory(fs, "/other", "/other"));

  std::string input(std::istreambuf_iterator<char>(std::cin), {});
  opts.in = tern::wasi::Stdio::fromBytes(std::move(input));
  opts.out = tern::wasi::Stdio::toWriter([](std::span<const uint8_t> d) {
    std::fwrite(d.data(), 1, d.size(), stdout);
    std::fflush(stdout);
  });
  opts.err = tern::wasi::Stdio::toBuffer();

  tern::Engine engine(config);
  auto module = tern::Module::compileFile(engine, file);
  if (!module) {
    std::fprintf(stderr, "runner: %s\n", module.error().toString().c_str());
    return 1;
  }
  tern::Store store(engine);
  tern::Linker linker;
  auto ctx = tern::wasi::addToLinker(linker, store, std::move(opts));
  if (!ctx->error().empty()) {
    std::fprintf(stderr, "runner: %s\n", ctx->error().c_str());
    return 1;
  }
  auto inst = linker.instantiate(store, *module);
  if (!inst) {
    std::fprintf(stderr, "runner: %s\n", inst.error().toString().c_str());
    return 1;
  }
  int status = 0;
  tern::Func* start = (*inst)->getFunc("_start");
  if (!start) {
    std::fprintf(stderr, "runner: no _start\n");
    return 1;
  }
  auto r = start->call({});
  if (!r.ok()) {
    const tern::Trap& t = r.error();
    if (t.kind == tern::TrapKind::Exit) {
      status = t.exit_code;
    } else {
      std::fprintf(stderr, "error: wasm trap: %s\n", t.message.c_str());
      for (const auto& f : t.backtrace) std::fprintf(stderr, "  at %s\n", f.c_str());
      status = 134;
    }
  }
  std::fflush(stdout);
  std::fwrite(ctx->stderrData().data(), 1, ctx->stderrData().size(), stderr);
  std::string why;
  if (!outsideIntact(*fs, why)) {
    std::fprintf(stderr, "runner: the guest changed something outside its preopens: %s\n", why.c_str());
    return 99;
  }
  return status;
}
