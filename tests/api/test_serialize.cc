// Module::serialize and deserialize (.cwasm images) and Config::cache_dir:
// a round trip behaves as the module compiled from its binary (results,
// traps with their frames, memory, globals), its functions stay machine
// code, and an image from another engine setting or a damaged one is an
// error.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;

namespace {

std::vector<uint8_t> apiWasm() {
  std::ifstream in(std::string(TERN_API_WASM_DIR) + "/api.wasm", std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// api.wasm with its host imports, instantiated in `store`.
Instance* instantiate(Store& store, const std::shared_ptr<Module>& m) {
  Linker linker;
  linker.func("host", "add", [](int32_t a, int32_t b) { return a + b; });
  linker.func("host", "log", [](int64_t) {});
  auto i = linker.instantiate(store, m);
  REQUIRE_MESSAGE(i.ok(), (i.ok() ? "" : i.error().toString()));
  return i.value();
}

// The same calls on both instances give the same results and traps.
void checkSameBehaviour(Instance* a, Instance* b) {
  auto sum = [](Instance* i, int32_t x, int32_t y) {
    return i->getFunc("sum")->typed<int32_t(int32_t, int32_t)>().value()(x, y).value();
  };
  CHECK(sum(a, 40, 2) == sum(b, 40, 2));
  auto div = [](Instance* i, int32_t x, int32_t y) {
    return i->getFunc("div")->typed<int32_t(int32_t, int32_t)>().value()(x, y);
  };
  CHECK(div(a, 9, 3).value() == div(b, 9, 3).value());
  auto ta = div(a, 1, 0), tb = div(b, 1, 0);
  REQUIRE_FALSE(tb.ok());
  CHECK(tb.error().kind == TrapKind::IntDivByZero);
  CHECK(tb.error().toString() == ta.error().toString());
  REQUIRE(tb.error().frames.size() == ta.error().frames.size());
  for (size_t k = 0; k < ta.error().frames.size(); ++k)
    CHECK(tb.error().frames[k].module_offset == ta.error().frames[k].module_offset);
  auto deep = b->getFunc("recurse")->typed<int32_t(int32_t)>().value()(0);
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().kind == TrapKind::CallStackExhausted);
  auto bump = [](Instance* i) { return i->getFunc("bump")->typed<int32_t()>().value()().value(); };
  CHECK(bump(a) == bump(b));
  CHECK(bump(a) == bump(b));
  auto load = [](Instance* i, int32_t at) {
    return i->getFunc("load8")->typed<int32_t(int32_t)>().value()(at).value();
  };
  CHECK(load(a, 100) == load(b, 100));
  auto oob = b->getFunc("load8")->typed<int32_t(int32_t)>().value()(1 << 30);
  CHECK_FALSE(oob.ok());
}

}  // namespace

TEST_CASE("Module::serialize / deserialize: a round trip runs the same code") {
  if (!test::jitAvailable()) return;
  Engine engine;
  auto wasm = apiWasm();
  auto m = Module::compile(engine, wasm);
  REQUIRE(m.ok());
  auto image = m.value()->serialize();
  REQUIRE_MESSAGE(image.ok(), (image.ok() ? "" : image.error().toString()));
  CHECK(Module::isPrecompiled(*image));
  CHECK_FALSE(Module::isPrecompiled(wasm));
  auto back = Module::deserialize(engine, *image);
  REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().toString()));
  CHECK(test::hasJitCode(*back.value()));
  CHECK(back.value()->exports().size() == m.value()->exports().size());
  CHECK(back.value()->imports().size() == m.value()->imports().size());

  Store store(engine);
  Instance* a = instantiate(store, m.value());
  Instance* b = instantiate(store, back.value());
  CHECK(test::runsJitCode(*b, "sum"));
  checkSameBehaviour(a, b);
  // A deserialized module serializes to the same image.
  auto again = back.value()->serialize();
  REQUIRE(again.ok());
  CHECK(*again == *image);
}

TEST_CASE("Module::serialize of a lazily compiled module writes every function's code") {
  if (!test::jitAvailable()) return;
  Engine lazy_engine;  // Config::lazy is on by default
  REQUIRE(lazy_engine.config().lazy);
  auto wasm = apiWasm();
  auto m = Module::compile(lazy_engine, wasm);
  REQUIRE(m.ok());
  // Some functions compiled (into the arena) at their first call, the
  // others not yet: the image holds them all, as an eager compile's does.
  Store store(lazy_engine);
  Instance* a = instantiate(store, m.value());
  CHECK(a->getFunc("sum")->typed<int32_t(int32_t, int32_t)>().value()(1, 2).value() == 3);
  auto image = m.value()->serialize();
  REQUIRE_MESSAGE(image.ok(), (image.ok() ? "" : image.error().toString()));
  Config eager_config;
  eager_config.lazy = false;
  Engine eager_engine(eager_config);
  auto eager = Module::compile(eager_engine, wasm).value()->serialize();
  REQUIRE(eager.ok());
  CHECK(*image == *eager);
  // Loaded, it is never lazy: its functions are machine code before any call.
  auto back = Module::deserialize(lazy_engine, *image);
  REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().toString()));
  Instance* b = instantiate(store, back.value());
  CHECK(test::runsJitCode(*b, "sum"));
  CHECK(test::runsJitCode(*b, "div"));
  checkSameBehaviour(a, b);
}

TEST_CASE("Module::deserialize refuses what it cannot run") {
  if (!test::jitAvailable()) return;
  Engine engine;
  auto image = Module::compile(engine, apiWasm()).value()->serialize().value();
  auto refused = [&](Engine& e, const std::vector<uint8_t>& bytes, const char* why) {
    auto m = Module::deserialize(e, bytes);
    REQUIRE_FALSE(m.ok());
    CHECK_MESSAGE(m.error().message.find(why) != std::string::npos, m.error().message);
  };
  refused(engine, apiWasm(), "not a .cwasm");
  refused(engine, {}, "not a .cwasm");
  for (size_t n : {size_t(8), size_t(50), image.size() / 2, image.size() - 1})
    refused(engine, std::vector<uint8_t>(image.begin(), image.begin() + long(n)), "truncated");
  for (size_t at : {size_t(20), size_t(60), image.size() / 3, image.size() - 1}) {
    auto bad = image;
    bad[at] ^= 0x40;
    refused(engine, bad, "damaged");
  }
  Config bounds;
  bounds.bounds_checks = true;
  Engine bounds_engine(bounds);
  refused(bounds_engine, image, "bounds checks");
  Config fuel;
  fuel.consume_fuel = true;
  Engine fuel_engine(fuel);
  refused(fuel_engine, image, "fuel");
  Config wasm20;
  REQUIRE_FALSE(wasm20.features.set("all=n").has_value());
  Engine wasm20_engine(wasm20);
  refused(wasm20_engine, image, "features");
  // An interpreted module has no machine code to serialize.
  Config interp;
  interp.tier = Tier::Interp;
  Engine interp_engine(interp);
  auto im = Module::compile(interp_engine, apiWasm());
  REQUIRE(im.ok());
  auto none = im.value()->serialize();
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().kind == ErrorKind::Unsupported);
}

TEST_CASE("Config::cache_dir: compiled once, loaded after") {
  if (!test::jitAvailable()) return;
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("tern-api-cache-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Config c;
  c.cache_dir = dir.string();
  Engine engine(c);
  auto wasm = apiWasm();
  auto first = Module::compile(engine, wasm);
  REQUIRE(first.ok());
  std::vector<fs::path> entries(fs::directory_iterator(dir), fs::directory_iterator{});
  REQUIRE(entries.size() == 1);
  auto stamp = fs::last_write_time(entries[0]);
  auto second = Module::compile(engine, wasm);
  REQUIRE(second.ok());
  CHECK(fs::last_write_time(entries[0]) == stamp);
  CHECK(test::hasJitCode(*second.value()));
  Store store(engine);
  checkSameBehaviour(instantiate(store, first.value()), instantiate(store, second.value()));
  fs::remove_all(dir);
}
