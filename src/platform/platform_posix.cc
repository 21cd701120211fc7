#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/platform.h"

namespace tern::platform {

size_t pageSize() {
  static const size_t ps = size_t(sysconf(_SC_PAGESIZE));
  return ps;
}

void* reserve(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

bool commit(void* p, size_t bytes) { return bytes == 0 || mprotect(p, bytes, PROT_READ | PROT_WRITE) == 0; }

bool decommit(void* p, size_t bytes) {
  if (bytes == 0) return true;
  return mmap(p, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) != MAP_FAILED;
}

void release(void* p, size_t bytes) {
  if (p) munmap(p, bytes);
}

void* reserveCommitted(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

void ignoreBrokenPipe() { ::signal(SIGPIPE, SIG_IGN); }

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
  bool ok = pthread_attr_setstacksize(&attr, stack_bytes) == 0 &&
            pthread_create(&th, &attr, trampoline, &start) == 0;
  pthread_attr_destroy(&attr);
  if (!ok) return false;
  pthread_join(th, nullptr);
  return true;
}

}  // namespace tern::platform
