// Parallel compilation (Config::parallel_compilation, compile_threads): a
// module compiled on several threads has the same machine code, byte for
// byte, as on one (compared through serialize(), whole and streamed in
// small pieces), runs the same, and an invalid one is refused with the same
// error; and many modules compiling at once, on threads of their own, while
// instances of others run, all come out right.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "decode/module_decoder.h"
#include "tern/tern.hpp"
#include "chain_module.h"
#include "tier_probe.h"

using namespace tern;
using namespace tern::test;

namespace {

Config eagerConfig(uint32_t threads) {
  Config c;
  c.lazy = false;
  c.compile_threads = threads;
  return c;
}

std::vector<uint8_t> serialized(Expected<std::shared_ptr<Module>> m) {
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().toString()));
  auto bytes = (*m)->serialize();
  REQUIRE_MESSAGE(bytes.ok(), (bytes.ok() ? "" : bytes.error().toString()));
  return *bytes;
}

uint32_t callLast(Engine& engine, const std::shared_ptr<Module>& m, uint32_t x) {
  Store store(engine);
  Linker linker;
  auto inst = linker.instantiate(store, m);
  REQUIRE(inst.ok());
  return uint32_t((*inst)->getFunc("last")->typed<int32_t(int32_t)>().value()(int32_t(x)).value());
}

}  // namespace

TEST_CASE("parallel compilation: the same code as one thread's, compiled whole or streamed") {
  if (!test::jitAvailable()) return;
  const uint32_t n = 600;
  std::vector<uint8_t> wasm = chainModule(n);
  Engine one(eagerConfig(1));
  std::vector<uint8_t> expected = serialized(Module::compile(one, wasm));
  for (uint32_t threads : {2u, 3u, 8u}) {
    CAPTURE(threads);
    Engine many(eagerConfig(threads));
    auto m = Module::compile(many, wasm);
    CHECK(serialized(m) == expected);
    CHECK(test::hasJitCode(**m));
    CHECK(callLast(many, *m, 12345) == chainResult(n, 12345));
    // Bodies arriving a few bytes at a time are compiled as they come.
    ModuleStreamer streamer(many);
    for (size_t at = 0; at < wasm.size(); at += 7)
      REQUIRE(streamer.feed(std::span<const uint8_t>(wasm).subspan(at, std::min<size_t>(7, wasm.size() - at))));
    CHECK(serialized(streamer.finish()) == expected);
  }
  // The interpreter's tier compiles on several threads too.
  Config interp = eagerConfig(4);
  interp.tier = Tier::Interp;
  Engine interp_engine(interp);
  auto im = Module::compile(interp_engine, wasm);
  REQUIRE(im.ok());
  CHECK(callLast(interp_engine, *im, 7) == chainResult(n, 7));
}

TEST_CASE("parallel compilation: an invalid module fails as on one thread, at its first invalid body") {
  std::vector<uint8_t> wasm = chainModule(300, {40, 250});
  Engine one(eagerConfig(1)), many(eagerConfig(4));
  auto a = Module::compile(one, wasm), b = Module::compile(many, wasm);
  REQUIRE_FALSE(a.ok());
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().toString() == a.error().toString());
  CHECK(b.error().offset == a.error().offset);
  // Parallel compilation off: one thread, the same answer.
  Config off = eagerConfig(4);
  off.parallel_compilation = false;
  Engine off_engine(off);
  auto c = Module::compile(off_engine, wasm);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().toString() == a.error().toString());
}

TEST_CASE("parallel compilation: many modules compiling at once while instances run") {
  if (!test::jitAvailable()) return;
  Engine engine(eagerConfig(3));
  auto running = Module::compile(engine, chainModule(50));
  REQUIRE(running.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  // Calls into JIT code all along, while code is placed and the fault
  // handler's ranges change.
  std::thread caller([&] {
    Store store(engine);
    Linker linker;
    auto inst = linker.instantiate(store, *running);
    if (!inst.ok()) {
      ++wrong;
      return;
    }
    auto last = (*inst)->getFunc("last")->typed<int32_t(int32_t)>().value();
    for (uint32_t x = 0; !stop.load(); ++x)
      if (uint32_t(last(int32_t(x)).value()) != chainResult(50, x)) ++wrong;
  });
  std::vector<std::thread> compilers;
  for (uint32_t t = 0; t < 4; ++t) {
    compilers.emplace_back([&, t] {
      for (uint32_t k = 0; k < 6; ++k) {
        uint32_t n = 40 + 37 * t + 11 * k;
        // A third of them invalid: their threads stop with the compile.
        bool bad = k % 3 == 2;
        auto m = Module::compile(engine, chainModule(n, bad ? std::vector<uint32_t>{n / 2} : std::vector<uint32_t>{}));
        if (m.ok() == bad) {
          ++wrong;
          continue;
        }
        if (!bad) {
          Store store(engine);
          Linker linker;
          auto inst = linker.instantiate(store, *m);
          if (!inst.ok() || uint32_t((*inst)->getFunc("last")->typed<int32_t(int32_t)>().value()(int32_t(k)).value()) !=
                                chainResult(n, k))
            ++wrong;
        }
      }
    });
  }
  for (std::thread& t : compilers) t.join();
  stop = true;
  caller.join();
  CHECK(wrong.load() == 0);
}

// Lazy compilation validates the bodies of a big enough code section on
// several threads (BodyConsumer::bodyThreads, ModuleDecoder::parallelBodies):
// the module is accepted or refused as on one thread, with the same error at
// the same offset, whichever body is wrong and however.
TEST_CASE("parallel validation (lazy): the same answer as one thread, for any damaged byte") {
  const uint32_t n = 1500;
  std::vector<uint8_t> wasm = chainModule(n, {}, true);
  // Big enough for the decoder to share it: most of the module is code.
  REQUIRE(wasm.size() > 2 * ModuleDecoder::kParallelCodeBytes);
  Config one_cfg, many_cfg;
  one_cfg.compile_threads = 1;
  many_cfg.compile_threads = 4;
  Engine one(one_cfg), many(many_cfg);
  auto both = [&](const std::vector<uint8_t>& bytes) {
    auto a = Module::compile(one, bytes), b = Module::compile(many, bytes);
    REQUIRE(a.ok() == b.ok());
    if (!a.ok()) {
      CHECK(b.error().toString() == a.error().toString());
      CHECK(b.error().offset == a.error().offset);
    }
    return b;
  };
  auto valid = both(wasm);
  REQUIRE(valid.ok());
  {
    // f<i> calls down to f0: a short chain (each first call of a lazily
    // compiled function takes native stack until it returns).
    Store store(many);
    Linker linker;
    auto inst = linker.instantiate(store, *valid);
    REQUIRE(inst.ok());
    CHECK(uint32_t((*inst)->getFunc("f20")->typed<int32_t(int32_t)>().value()(99).value()) == chainResult(21, 99));
  }
  // Invalid bodies: early, late, two at once (the first one's error), the
  // last body, neighbours in one chunk.
  for (std::vector<uint32_t> bad :
       std::vector<std::vector<uint32_t>>{{3}, {1400}, {40, 1400}, {1400, 40}, {700, 701}, {n - 1}, {0, n - 1}}) {
    CAPTURE(bad[0]);
    auto m = both(chainModule(n, bad, true));
    CHECK_FALSE(m.ok());
  }
  // Each of a few hundred bytes across the code section, changed to values
  // that make it malformed, invalid or even valid again: a body's `end`
  // early (trailing bytes), an unknown opcode, a huge LEB, a body size.
  size_t code_start = 8;  // the code section's payload: the sections before it skipped
  while (wasm[code_start] != 10) {
    size_t size = 0, shift = 0, p = code_start + 1;
    do size |= size_t(wasm[p] & 0x7f) << shift, shift += 7;
    while (wasm[p++] & 0x80);
    code_start = p + size;
  }
  uint32_t refused = 0;
  for (size_t k = 0; k < 300; ++k) {
    size_t at = code_start + (k * 7919) % (wasm.size() - code_start);
    for (uint8_t v : {uint8_t(0x0b), uint8_t(0xff), uint8_t(0x80), uint8_t(wasm[at] + 1)}) {
      std::vector<uint8_t> damaged = wasm;
      damaged[at] = v;
      CAPTURE(at);
      CAPTURE(int(v));
      if (!both(damaged).ok()) ++refused;
    }
  }
  CHECK(refused > 600);  // most damage is caught (and caught alike)
}
