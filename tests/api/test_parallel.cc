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

#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;

namespace {

void uleb(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(v ? b | 0x80 : b);
  } while (v);
}

void sleb(std::vector<uint8_t>& out, int64_t v) {
  for (;;) {
    uint8_t b = v & 0x7f;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    out.push_back(done ? b : b | 0x80);
    if (done) return;
  }
}

void section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& payload) {
  out.push_back(id);
  uleb(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
}

// How many rounds function `i` of chainModule does, and its round r's key.
uint32_t rounds(uint32_t i) { return i % 23; }
uint32_t key(uint32_t i, uint32_t r) { return i * 7 + r; }

// `n` functions (i32) -> i32 of different sizes: function i xors and
// multiplies its argument rounds(i) times, then passes it to function i - 1.
// "last" exports the last one. A body listed in `invalid` adds with an
// empty operand stack.
std::vector<uint8_t> chainModule(uint32_t n, std::vector<uint32_t> invalid = {}) {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0};
  section(m, 1, {1, 0x60, 1, 0x7f, 1, 0x7f});
  std::vector<uint8_t> funcs;
  uleb(funcs, n);
  for (uint32_t i = 0; i < n; ++i) funcs.push_back(0);
  section(m, 3, funcs);
  std::vector<uint8_t> exports = {1, 4, 'l', 'a', 's', 't', 0};
  uleb(exports, n - 1);
  section(m, 7, exports);
  std::vector<uint8_t> code;
  uleb(code, n);
  for (uint32_t i = 0; i < n; ++i) {
    std::vector<uint8_t> body = {0};  // no locals
    for (uint32_t bad : invalid)
      if (bad == i) body.push_back(0x6a);  // i32.add
    body.insert(body.end(), {0x20, 0});    // local.get 0
    for (uint32_t r = 0; r < rounds(i); ++r) {
      body.push_back(0x41);  // i32.const
      sleb(body, int32_t(key(i, r)));
      body.insert(body.end(), {0x73, 0x41, 3, 0x6c});  // i32.xor, i32.const 3, i32.mul
    }
    if (i > 0) {
      body.push_back(0x10);  // call
      uleb(body, i - 1);
    }
    body.push_back(0x0b);
    uleb(code, body.size());
    code.insert(code.end(), body.begin(), body.end());
  }
  section(m, 10, code);
  return m;
}

// What chainModule(n)'s "last" returns for x.
uint32_t chainResult(uint32_t n, uint32_t x) {
  for (uint32_t i = n; i-- > 0;)
    for (uint32_t r = 0; r < rounds(i); ++r) x = (x ^ key(i, r)) * 3;
  return x;
}

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
