// The platform layer (src/platform/platform.h): its core (memory blocks, the
// thread slot), address space, executable memory, the fault handler and its
// signal stack, thread stacks.
#include <doctest/doctest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <ctime>

#include "jit/jit.h"
#include "platform/platform.h"

namespace platform = tern::platform;

namespace {

TEST_CASE("platform core: allocate and deallocate") {
  for (size_t bytes : {size_t(0), size_t(1), size_t(24), size_t(65536), size_t(3) << 20}) {
    auto* p = static_cast<uint8_t*>(platform::allocate(bytes));
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % 8 == 0);
    std::memset(p, 0xab, bytes);
    if (bytes) CHECK(p[bytes - 1] == 0xab);
    platform::deallocate(p, bytes);
  }
  platform::deallocate(nullptr, 0);
}

TEST_CASE("platform core: one thread slot per thread, destroyed at thread exit") {
  static std::atomic<int> destroyed{0};
  static int values[2];
  auto destroy = [](void* v) {
    CHECK((v == &values[0] || v == &values[1]));
    destroyed.fetch_add(1);
  };
  destroyed = 0;
  void* mine = platform::threadSlot();  // the interpreter may have set it
  for (int i = 0; i < 2; ++i) {
    std::thread([&, i] {
      CHECK(platform::threadSlot() == nullptr);
      platform::setThreadSlot(&values[i], destroy);
      CHECK(platform::threadSlot() == &values[i]);
    }).join();
    CHECK(destroyed.load() == i + 1);
  }
  CHECK(platform::threadSlot() == mine);
}

TEST_CASE("platform: the process's CPU time counts every thread's work") {
  uint64_t before = platform::processCpuMicros();
  REQUIRE(before > 0);
  // Two threads spin until this thread has run 20 ms of its own CPU time:
  // the process then has some 40 ms (at least 20, on a single core).
  std::atomic<bool> stop{false};
  std::thread other([&] {
    volatile uint64_t x = 0;
    while (!stop.load()) x = x + 1;
  });
  timespec t0, t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
  do {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  } while ((t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000 < 20000);
  stop = true;
  other.join();
  uint64_t after = platform::processCpuMicros();
  CHECK(after - before >= 20000);
  CHECK(after - before < 60000000);  // microseconds, not nanoseconds
}

TEST_CASE("platform: reserve, commit, decommit, protect, release") {
  size_t page = platform::pageSize();
  REQUIRE(page >= 4096);
  CHECK((page & (page - 1)) == 0);
  size_t bytes = 4 * page;
  auto* p = static_cast<uint8_t*>(platform::reserve(bytes));
  REQUIRE(p != nullptr);
  REQUIRE(platform::commit(p, 2 * page));
  CHECK(p[0] == 0);
  CHECK(p[2 * page - 1] == 0);
  std::memset(p, 0xab, 2 * page);
  CHECK(platform::protect(p, 2 * page, platform::Access::Read));
  CHECK(p[page] == 0xab);
  CHECK(platform::protect(p, 2 * page, platform::Access::ReadWrite));
  // Decommitted pages lose their contents and read as zero once committed
  // again.
  CHECK(platform::decommit(p, 2 * page));
  REQUIRE(platform::commit(p, bytes));
  CHECK(p[0] == 0);
  CHECK(p[page] == 0);
  CHECK(p[bytes - 1] == 0);
  CHECK(platform::commit(p, 0));
  CHECK(platform::decommit(p, 0));
  platform::release(p, bytes);
  platform::release(nullptr, 0);

  auto* q = static_cast<uint8_t*>(platform::reserveCommitted(bytes));
  REQUIRE(q != nullptr);
  CHECK(q[bytes - 1] == 0);
  q[0] = 1;
  platform::release(q, bytes);
}

#if defined(__x86_64__)
TEST_CASE("platform: machine code written, flushed, made executable") {
  size_t page = platform::pageSize();
  auto* p = static_cast<uint8_t*>(platform::reserveCommitted(page));
  REQUIRE(p != nullptr);
  const uint8_t code[] = {0xb8, 0x2a, 0, 0, 0, 0xc3};  // mov eax, 42; ret
  std::memcpy(p, code, sizeof code);
  platform::flushInstructionCache(p, sizeof code);
  REQUIRE(platform::protect(p, page, platform::Access::ReadExecute));
  CHECK(reinterpret_cast<int (*)()>(p)() == 42);
  platform::release(p, page);
}
#endif

// The code alias (platform::CodeAlias): bytes written at `write` read back
// at `exec`, where the JIT runs them (x86-64: a function returning 42); a
// forked child gets its own copy of what was written, so that neither
// process's later writes reach the other.
TEST_CASE("platform: a code alias, and fork() gives the child its own copy") {
  size_t page = platform::pageSize(), bytes = 4 * page;
  auto* exec = static_cast<uint8_t*>(platform::reserve(bytes));
  REQUIRE(exec != nullptr);
  platform::CodeAlias* alias = platform::mapCodeAlias(exec, bytes);
#if defined(__linux__)
  REQUIRE(alias != nullptr);
#else
  if (!alias) return platform::release(exec, bytes);
#endif
  CHECK(alias->exec == exec);
  CHECK(alias->write != exec);
  CHECK(exec[bytes - 1] == 0);
  platform::growCodeAlias(alias, page + 1);
  CHECK(alias->ready >= page + 1);
  const uint8_t code[] = {0xb8, 0x2a, 0, 0, 0, 0xc3};  // mov eax, 42; ret
  std::memcpy(alias->write, code, sizeof code);
  alias->write[page] = 0x5a;
  platform::flushInstructionCache(exec, sizeof code);
  alias->written.store(page + 1);
  CHECK(std::memcmp(exec, code, sizeof code) == 0);
  CHECK(exec[page] == 0x5a);
#if defined(__x86_64__)
  CHECK(reinterpret_cast<int (*)()>(exec)() == 42);
#endif
#if defined(__linux__)
  int to_parent[2], to_child[2];
  REQUIRE(pipe(to_parent) == 0);
  REQUIRE(pipe(to_child) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: sees what was written, writes its own byte, lets the
    // parent write, then must still see its own.
    bool ok = exec[page] == 0x5a && std::memcmp(exec, code, sizeof code) == 0 && !alias->lost.load();
    alias->write[2 * page] = 0xc1;
    char c = 1;
    ok = ok && write(to_parent[1], &c, 1) == 1 && read(to_child[0], &c, 1) == 1;
    ok = ok && exec[2 * page] == 0xc1 && exec[page] == 0x5a;
    _exit(ok ? 0 : 1);
  }
  char c = 0;
  REQUIRE(read(to_parent[0], &c, 1) == 1);
  CHECK(exec[2 * page] == 0);  // the child's write is its own
  alias->write[2 * page] = 0xf0;
  alias->write[page] = 0x11;
  REQUIRE(write(to_child[1], &c, 1) == 1);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(exec[2 * page] == 0xf0);
  for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) close(fd);
#endif
  platform::unmapCodeAlias(alias);
  platform::release(exec, bytes);
}

// A fault handler that makes the faulting page accessible: the access is
// retried and succeeds. Only faults on `g_page` are its own.
std::atomic<uint8_t*> g_page{nullptr};
std::atomic<int> g_faults{0};
bool commitOnFault(const platform::Fault& fault) {
  uint8_t* page = g_page.load();
  if (!page || fault.address < uintptr_t(page) || fault.address >= uintptr_t(page) + platform::pageSize()) return false;
  g_faults.fetch_add(1);
  return platform::commit(page, platform::pageSize());
}

int faultOnce() {
  size_t page = platform::pageSize();
  auto* p = static_cast<uint8_t*>(platform::reserve(page));
  if (!p) return -1;
  g_page.store(p);
  int before = g_faults.load();
  volatile uint8_t* v = p + 8;
  *v = 7;  // faults: no access until the handler commits the page
  int value = *v;
  g_page.store(nullptr);
  platform::release(p, page);
  return g_faults.load() - before == 1 && value == 7 ? 1 : 0;
}

TEST_CASE("platform: the fault handler sees the fault and resumes the thread") {
  platform::installFaultHandler(commitOnFault);
  platform::ensureFaultStack();
  platform::ensureFaultStack();  // once per thread
  CHECK(faultOnce() == 1);
  int on_thread = 0;
  std::thread t([&] {
    platform::ensureFaultStack();
    on_thread = faultOnce();
  });
  t.join();
  CHECK(on_thread == 1);
  // Give the process's handler back to the JIT for the tests that follow.
  tern::jit::installTrapHandler();
}

TEST_CASE("platform: thread stacks") {
  int local = 0;
  platform::StackBounds here = platform::currentThreadStack();
#if defined(__linux__)
  REQUIRE(here.size > 0);
  CHECK(uintptr_t(&local) > here.low);
  CHECK(uintptr_t(&local) < here.low + here.size);
  // Within what pthread_getattr_np says (the main thread's bounds are
  // worked out without it).
  pthread_attr_t attr;
  REQUIRE(pthread_getattr_np(pthread_self(), &attr) == 0);
  void* low = nullptr;
  size_t size = 0;
  REQUIRE(pthread_attr_getstack(&attr, &low, &size) == 0);
  pthread_attr_destroy(&attr);
  CHECK(here.low >= uintptr_t(low));
  CHECK(here.low + here.size <= uintptr_t(low) + size);
#endif
  struct Job {
    platform::StackBounds seen;
  } job;
  size_t want = size_t(16) << 20;
  REQUIRE(platform::runWithStack(
      want, [](void* arg) { static_cast<Job*>(arg)->seen = platform::currentThreadStack(); }, &job));
#if defined(__linux__)
  CHECK(job.seen.size >= want);
#endif
}

}  // namespace
