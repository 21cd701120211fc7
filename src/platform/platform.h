// The only code that talks to the OS about memory (and, for the JIT,
// signals). A port to another OS is one more platform_<os>.cc.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::platform {

size_t pageSize();
// Reserves address space with no access; null on failure.
void* reserve(size_t bytes);
// Makes [p, p+bytes) readable and writable (zero-filled on first touch).
bool commit(void* p, size_t bytes);
// Returns [p, p+bytes) to the no-access state and drops its contents.
bool decommit(void* p, size_t bytes);
void release(void* p, size_t bytes);
// Reserve + commit in one step, backed lazily by the OS.
void* reserveCommitted(size_t bytes);

}  // namespace tern::platform
