// The platform core (src/platform/platform.h) of the min-platform example,
// built on the C library's malloc and free and nothing else: what a port to
// a small or custom OS writes. It replaces libtern-platform-posix.a; a
// minimal build asks the system for nothing more.
//
// One thread only: the thread slot is a plain variable, and its value is
// never destroyed (the program ends with the thread). A port with threads
// keeps one value per thread and calls `destroy` when a thread exits.
#include <cstdlib>

#include "platform/platform.h"

namespace tern::platform {

// malloc's blocks are aligned to 8 bytes at least, as allocate() promises.
void* allocate(size_t bytes) { return std::malloc(bytes == 0 ? 1 : bytes); }

void deallocate(void* p, size_t) { std::free(p); }

namespace {
void* g_slot = nullptr;
}  // namespace

void* threadSlot() { return g_slot; }

void setThreadSlot(void* value, void (*)(void*)) { g_slot = value; }

}  // namespace tern::platform
