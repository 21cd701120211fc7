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

}  // namespace tern::platform
