// Lazy compilation seen from JIT code.
//
// A first call from JIT code compiles its callee and enters it as a direct
// call would (jitCallOut's result, the call-out stub's jump): a chain of
// thousands of distinct first calls runs as it does compiled up front,
// where each first call used to nest native frames until the stack ran out.
//
// Across fork(): the JIT packs lazily compiled functions (past the first
// few) in an arena it writes through a second, writable view of the same
// pages (platform::CodeAlias, shared memory). A forked child gets a copy of
// the arena, so that the functions each process compiles after the fork
// land in its own pages: were the pages shared, the parent's next function
// would be written over the one the child placed at the same spot.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chain_module.h"
#include "tern/tern.hpp"
#include "tier_probe.h"

using namespace tern;
using namespace tern::test;

namespace {

// Whether export "f<i>" returns function i's chain result for x.
bool right(Instance& inst, uint32_t i, uint32_t x) {
  std::string name = std::to_string(i);
  name.insert(name.begin(), 'f');  // not "f" + ...: a false -Wrestrict of GCC 12
  auto r = inst.getFunc(name)->typed<int32_t(int32_t)>().value()(int32_t(x));
  return r.ok() && uint32_t(*r) == chainResult(i + 1, x);
}

}  // namespace

TEST_CASE("lazy compilation: a chain of 3000 first calls from JIT code runs as it does compiled up front") {
  if (!jitAvailable()) {
    MESSAGE("no JIT on this host: nothing to check");
    return;
  }
  const uint32_t n = 3000;
  std::vector<uint8_t> wasm = chainModule(n, {}, true);
  for (bool lazy : {true, false}) {
    CAPTURE(lazy);
    Config config;
    config.lazy = lazy;
    config.background_compilation = false;
    Engine engine(config);
    auto m = Module::compile(engine, wasm);
    REQUIRE(m.ok());
    Store store(engine);
    Linker linker;
    auto in = linker.instantiate(store, *m);
    REQUIRE(in.ok());
    CHECK(right(**in, n - 1, 3));
    CHECK(runsJitCode(**in, "f0"));
    CHECK(right(**in, n - 1, 4));
  }
}

TEST_CASE("lazy compilation: a forked child and its parent compile into arenas of their own") {
  if (!jitAvailable()) {
    MESSAGE("no JIT on this host: nothing to check");
    return;
  }
  Config config;
  config.lazy = true;
  config.background_compilation = false;
  Engine engine(config);
  auto m = Module::compile(engine, chainModule(24, {}, true));
  REQUIRE(m.ok());
  Store store(engine);
  Linker linker;
  auto in = linker.instantiate(store, *m);
  REQUIRE(in.ok());
  Instance& inst = **in;
  // f0 to f11 compiled before the fork, in both: the first functions take
  // pages of their own, the later ones are packed (ModuleBuilder::place).
  REQUIRE(right(inst, 11, 5));
  CHECK(runsJitCode(inst, "f0"));
  CHECK(runsJitCode(inst, "f11"));

  int to_parent[2], to_child[2];
  REQUIRE(pipe(to_parent) == 0);
  REQUIRE(pipe(to_child) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // f12 goes to the arena's next free spot; the parent then compiles
    // f14 (and f13, which it calls) at that spot in its arena; f12 must
    // still be the child's own.
    bool ok = right(inst, 12, 7) && runsJitCode(inst, "f12");
    char c = 1;
    ok = ok && write(to_parent[1], &c, 1) == 1 && read(to_child[0], &c, 1) == 1;
    ok = ok && right(inst, 12, 9) && right(inst, 3, 11) && right(inst, 15, 13) && runsJitCode(inst, "f15");
    _exit(ok ? 0 : 1);
  }
  char c = 0;
  REQUIRE(read(to_parent[0], &c, 1) == 1);
  CHECK(right(inst, 14, 17));
  CHECK(runsJitCode(inst, "f14"));
  REQUIRE(write(to_child[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(right(inst, 12, 19));
  CHECK(right(inst, 14, 21));
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) close(fd);
}
