// Lazy compilation across fork(): the JIT packs lazily compiled functions in
// an arena it writes through a second, writable view of the same pages
// (platform::CodeAlias, shared memory). A forked child gets a copy of the
// arena, so that the functions each process compiles after the fork land in
// its own pages: were the pages shared, the parent's next function would be
// written over the one the child placed at the same spot.
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
  auto r = inst.getFunc("f" + std::to_string(i))->typed<int32_t(int32_t)>().value()(int32_t(x));
  return r.ok() && uint32_t(*r) == chainResult(i + 1, x);
}

}  // namespace

TEST_CASE("lazy compilation: a forked child and its parent compile into arenas of their own") {
  if (!jitAvailable()) {
    MESSAGE("no JIT on this host: nothing to check");
    return;
  }
  Config config;
  config.lazy = true;
  config.background_compilation = false;
  Engine engine(config);
  auto m = Module::compile(engine, chainModule(8, {}, true));
  REQUIRE(m.ok());
  Store store(engine);
  Linker linker;
  auto in = linker.instantiate(store, *m);
  REQUIRE(in.ok());
  Instance& inst = **in;
  REQUIRE(right(inst, 0, 5));  // f0 compiled before the fork, in both
  CHECK(runsJitCode(inst, "f0"));

  int to_parent[2], to_child[2];
  REQUIRE(pipe(to_parent) == 0);
  REQUIRE(pipe(to_child) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // f1 goes to the arena's next free spot; the parent then compiles f3
    // (and f2, which it calls) at that spot in its arena; f1 must still be
    // the child's own.
    bool ok = right(inst, 1, 7) && runsJitCode(inst, "f1");
    char c = 1;
    ok = ok && write(to_parent[1], &c, 1) == 1 && read(to_child[0], &c, 1) == 1;
    ok = ok && right(inst, 1, 9) && right(inst, 0, 11) && right(inst, 4, 13) && runsJitCode(inst, "f4");
    _exit(ok ? 0 : 1);
  }
  char c = 0;
  REQUIRE(read(to_parent[0], &c, 1) == 1);
  CHECK(right(inst, 3, 17));
  CHECK(runsJitCode(inst, "f3"));
  REQUIRE(write(to_child[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(right(inst, 1, 19));
  CHECK(right(inst, 3, 21));
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) close(fd);
}
