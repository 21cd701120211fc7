// The platform core (platform.h) on POSIX systems: the C library's heap and
// a pthread key. The one file a minimal build needs from the OS side.
#include <pthread.h>

#include <cstdlib>

#include "platform/platform.h"

namespace tern::platform {

void* allocate(size_t bytes) {
  // malloc's blocks are aligned to 8 bytes at least (16 with glibc; with
  // mimalloc interposed, small ones to 8).
  return std::malloc(bytes == 0 ? 1 : bytes);
}

void deallocate(void* p, size_t) { std::free(p); }

namespace {

pthread_key_t g_slot_key;
pthread_once_t g_slot_once = PTHREAD_ONCE_INIT;
void (*g_slot_destroy)(void*) = nullptr;

// pthread calls this at thread exit with the thread's non-null value.
void destroySlot(void* value) {
  if (g_slot_destroy) g_slot_destroy(value);
}

pthread_key_t slotKey() {
  pthread_once(&g_slot_once, [] { pthread_key_create(&g_slot_key, destroySlot); });
  return g_slot_key;
}

}  // namespace

void* threadSlot() { return pthread_getspecific(slotKey()); }

void setThreadSlot(void* value, void (*destroy)(void*)) {
  g_slot_destroy = destroy;
  pthread_setspecific(slotKey(), value);
}

}  // namespace tern::platform
