// The full platform interface on POSIX systems (built and tested on Linux;
// the few calls beyond POSIX are marked). Not in a minimal build, whose
// needs platform_core_posix.cc covers.
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "platform/platform.h"

namespace tern::platform {

namespace {

#ifdef MAP_NORESERVE  // not POSIX: no swap is set aside for untouched pages
constexpr int kMapFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
#else
constexpr int kMapFlags = MAP_PRIVATE | MAP_ANONYMOUS;
#endif

int protFor(Access access) {
  switch (access) {
    case Access::None: return PROT_NONE;
    case Access::Read: return PROT_READ;
    case Access::ReadWrite: return PROT_READ | PROT_WRITE;
    case Access::ReadExecute: return PROT_READ | PROT_EXEC;
  }
  return PROT_NONE;
}

void* mapAnonymous(size_t bytes, int prot) {
  void* p = mmap(nullptr, bytes, prot, kMapFlags, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

// ---- address space ----

size_t pageSize() {
  static const size_t ps = size_t(sysconf(_SC_PAGESIZE));
  return ps;
}

void* reserve(size_t bytes) { return mapAnonymous(bytes, PROT_NONE); }

bool commit(void* p, size_t bytes) { return protect(p, bytes, Access::ReadWrite); }

bool decommit(void* p, size_t bytes) {
  if (bytes == 0) return true;
  // A fresh mapping over the range drops its pages at once (one call, where
  // madvise + mprotect would be two).
  return mmap(p, bytes, PROT_NONE, kMapFlags | MAP_FIXED, -1, 0) != MAP_FAILED;
}

bool protect(void* p, size_t bytes, Access access) { return bytes == 0 || mprotect(p, bytes, protFor(access)) == 0; }

void release(void* p, size_t bytes) {
  if (p) munmap(p, bytes);
}

void* reserveCommitted(size_t bytes) { return mapAnonymous(bytes, PROT_READ | PROT_WRITE); }

void prefault(void* p, size_t bytes) {
#ifdef MADV_POPULATE_WRITE  // Linux 5.14
  if (bytes) madvise(p, bytes, MADV_POPULATE_WRITE);
#else
  (void)p, (void)bytes;
#endif
}

void* mapFile(const char* path, size_t* bytes) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  void* p = MAP_FAILED;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    *bytes = size_t(st.st_size);
    // Populated: whoever maps a file here reads all of it (a .cwasm's checksum).
    p = mmap(nullptr, *bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  }
  close(fd);  // the mapping keeps the file
  return p == MAP_FAILED ? nullptr : p;
}

// ---- code aliases ----
// A memfd (Linux) mapped twice, shared. The live aliases are listed so that
// a forked child can give each its own copy: shared pages would let parent
// and child write code over each other's.

namespace {

std::mutex g_alias_mu;
CodeAlias* g_aliases = nullptr;  // under g_alias_mu

#ifdef __linux__
// A fresh memfd of `bytes` bytes; -1 on failure.
int codeFile(size_t bytes) {
  int fd = memfd_create("tern-code", MFD_CLOEXEC);
  if (fd >= 0 && ftruncate(fd, off_t(bytes)) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

// Maps `fd` at exec (read+execute) and at write (read+write), both fixed.
bool mapBoth(int fd, uint8_t* exec, uint8_t* write, size_t bytes) {
  return mmap(exec, bytes, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED &&
         mmap(write, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED;
}

// In a forked child, alone on its thread: each alias onto a file of its own,
// with the code written so far copied, at the same two addresses.
void unshareAliases() {
  for (CodeAlias* a = g_aliases; a; a = a->next) {
    size_t page = pageSize();
    size_t used = (a->written.load(std::memory_order_relaxed) + page - 1) / page * page;
    int fd = codeFile(a->bytes);
    void* copy = fd < 0 ? MAP_FAILED : mmap(nullptr, a->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    bool ok = copy != MAP_FAILED;
    if (ok) {
      std::memcpy(copy, a->write, std::min(used, a->bytes));
      ok = mapBoth(fd, a->exec, a->write, a->bytes);
      munmap(copy, a->bytes);
    }
    if (fd >= 0) close(fd);
    if (!ok) {
      // The parent's pages may still be mapped here: never write them.
      a->lost.store(true, std::memory_order_relaxed);
      mmap(a->write, a->bytes, PROT_NONE, kMapFlags | MAP_FIXED, -1, 0);
    }
  }
}
#endif

}  // namespace

CodeAlias* mapCodeAlias(void* exec, size_t bytes) {
#ifdef __linux__
  static const bool at_fork = pthread_atfork([] { g_alias_mu.lock(); }, [] { g_alias_mu.unlock(); },
                                             [] {
                                               unshareAliases();
                                               g_alias_mu.unlock();
                                             }) == 0;
  if (!at_fork || bytes == 0) return nullptr;
  int fd = codeFile(bytes);
  if (fd < 0) return nullptr;
  void* write = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  bool ok = write != MAP_FAILED &&
            mmap(exec, bytes, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED;
  close(fd);  // the mappings keep the file
  if (!ok) {
    // Where exec could not be mapped (a file system or policy that forbids
    // executing such memory), its range is as it was: reserved.
    if (write != MAP_FAILED) munmap(write, bytes);
    mmap(exec, bytes, PROT_NONE, kMapFlags | MAP_FIXED, -1, 0);
    return nullptr;
  }
  auto* alias = new CodeAlias;
  alias->exec = static_cast<uint8_t*>(exec);
  alias->write = static_cast<uint8_t*>(write);
  alias->bytes = bytes;
  std::lock_guard<std::mutex> lock(g_alias_mu);
  alias->next = g_aliases;
  g_aliases = alias;
  return alias;
#else
  (void)exec;
  (void)bytes;
  return nullptr;
#endif
}

void growCodeAlias(CodeAlias* alias, size_t end) {
  if (end <= alias->ready) return;
  // In steps that double up to 64 KiB, the most a read fault maps around
  // itself (the kernel's default fault-around), so that the exec view then
  // faults once per step too; a program that compiles little pays for
  // little.
  size_t page = pageSize(), step = std::clamp(alias->ready, page, size_t(64) << 10);
  size_t ready = std::min(alias->bytes, (end + step - 1) / step * step);
  prefault(alias->write + alias->ready, ready - alias->ready);
  alias->ready = ready;
}

void unmapCodeAlias(CodeAlias* alias) {
  if (!alias) return;
  {
    std::lock_guard<std::mutex> lock(g_alias_mu);
    for (CodeAlias** at = &g_aliases; *at; at = &(*at)->next) {
      if (*at == alias) {
        *at = alias->next;
        break;
      }
    }
  }
  munmap(alias->write, alias->bytes);
  delete alias;
}

void flushInstructionCache(void* p, size_t bytes) {
#if defined(__x86_64__) || defined(__i386__)
  // Coherent instruction cache: nothing to do.
  (void)p;
  (void)bytes;
#else
  __builtin___clear_cache(static_cast<char*>(p), static_cast<char*>(p) + bytes);
#endif
}

// ---- synchronous faults ----

namespace {

std::atomic<FaultHandler> g_fault_handler{nullptr};
struct sigaction g_prev_segv, g_prev_bus;

void onFaultSignal(int sig, siginfo_t* info, void* context) {
  int saved_errno = errno;
  FaultHandler handler = g_fault_handler.load(std::memory_order_acquire);
  bool handled = handler && handler(Fault{uintptr_t(info->si_addr), context});
  errno = saved_errno;
  if (handled) return;
  // Not ours: hand it to whoever was installed before.
  struct sigaction& prev = sig == SIGBUS ? g_prev_bus : g_prev_segv;
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler == SIG_IGN) return;
  if (prev.sa_handler != SIG_DFL) {
    prev.sa_handler(sig);
    return;
  }
  // Default action: restore it and let the fault happen again.
  sigaction(sig, &prev, nullptr);
}

// The alternate signal stack a thread gets from ensureFaultStack(), with a
// no-access page below it; handed back when the thread exits.
struct FaultStack {
  static constexpr size_t kBytes = 64 << 10;
  static constexpr size_t kUsableBytes = 32 << 10;  // an existing one this big is kept
  void* base = nullptr;                             // the guard page; the stack is above it
  size_t bytes = 0;
  ~FaultStack() {
    if (!base) return;
    stack_t cur;
    if (sigaltstack(nullptr, &cur) == 0 && cur.ss_sp == static_cast<char*>(base) + pageSize()) {
      stack_t off;
      std::memset(&off, 0, sizeof off);
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    release(base, bytes);
  }
};
thread_local bool t_fault_stack_checked = false;
thread_local FaultStack t_fault_stack;

}  // namespace

void installFaultHandler(FaultHandler handler) {
  g_fault_handler.store(handler, std::memory_order_release);
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = onFaultSignal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_prev_segv);
    sigaction(SIGBUS, &sa, &g_prev_bus);
  });
}

void ensureFaultStack() {
  if (t_fault_stack_checked) return;
  t_fault_stack_checked = true;
  stack_t cur;
  if (sigaltstack(nullptr, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) && cur.ss_size >= FaultStack::kUsableBytes)
    return;
  size_t page = pageSize();
  size_t bytes = FaultStack::kBytes + page;
  void* base = reserve(bytes);
  if (!base) return;
  char* sp = static_cast<char*>(base) + page;
  if (!commit(sp, FaultStack::kBytes)) {
    release(base, bytes);
    return;
  }
  stack_t ss;
  std::memset(&ss, 0, sizeof ss);
  ss.ss_sp = sp;
  ss.ss_size = FaultStack::kBytes;
  ss.ss_flags = 0;
  if (sigaltstack(&ss, nullptr) != 0) {
    release(base, bytes);
    return;
  }
  t_fault_stack.base = base;
  t_fault_stack.bytes = bytes;
}

// ---- threads ----

#if defined(__GLIBC__)
extern "C" void* __libc_stack_end;  // the main thread's stack top at process start (glibc)
#endif

StackBounds currentThreadStack() {
  StackBounds b;
#if defined(__GLIBC__) && defined(__linux__)
  // The main thread: its stack may grow to RLIMIT_STACK below its top.
  // pthread_getattr_np says the same, but finds the top by reading and
  // parsing /proc/self/maps, some 15% of an empty program's start-up. The
  // top here lies below the mapping's end by the arguments and environment,
  // so 256 KiB of the limit are left out for them: the bounds stay within
  // the real ones unless those take more.
  constexpr size_t kArgsRoom = size_t(256) << 10;
  struct rlimit rl;
  if (getpid() == gettid() && getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
      rl.rlim_cur >= 4 * kArgsRoom) {
    size_t page = pageSize();
    uintptr_t top = (uintptr_t(__libc_stack_end) + page - 1) / page * page;
    b.size = size_t(rl.rlim_cur) - kArgsRoom;
    b.low = top - b.size;
    return b;
  }
#endif
#if defined(__linux__)  // pthread_getattr_np: glibc and musl
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* low = nullptr;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &low, &size) == 0) {
      b.low = uintptr_t(low);
      b.size = size;
    }
    pthread_attr_destroy(&attr);
  }
#endif
  return b;
}

bool runWithStack(size_t stack_bytes, void (*fn)(void*), void* arg) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  size_t page = pageSize();
  stack_bytes = (stack_bytes + page - 1) / page * page;
  pthread_t th;
  struct Start {
    void (*fn)(void*);
    void* arg;
  } start{fn, arg};
  auto trampoline = [](void* p) -> void* {
    auto* s = static_cast<Start*>(p);
    s->fn(s->arg);
    return nullptr;
  };
  bool ok = pthread_attr_setstacksize(&attr, stack_bytes) == 0 && pthread_create(&th, &attr, trampoline, &start) == 0;
  pthread_attr_destroy(&attr);
  if (!ok) return false;
  pthread_join(th, nullptr);
  return true;
}

void lowerThreadPriority() {
#if defined(__linux__)
  // Linux keeps a nice value per thread (setpriority on a thread id; POSIX
  // would change the whole process's).
  setpriority(PRIO_PROCESS, id_t(gettid()), 19);
#endif
}

// ---- process ----

uint64_t processCpuMicros() {
  timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

void ignoreBrokenPipe() { ::signal(SIGPIPE, SIG_IGN); }

}  // namespace tern::platform
