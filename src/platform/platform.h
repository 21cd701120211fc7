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

// Writing to a pipe or socket whose reader has gone then fails with EPIPE
// instead of killing the process with SIGPIPE (for the `tern` command; an
// embedder decides this for its own process).
void ignoreBrokenPipe();

// Runs fn on a new thread whose native stack has `stack_bytes` bytes and
// waits for it; false if the thread cannot be created.
bool runWithStack(size_t stack_bytes, void (*fn)(void*), void* arg);

}  // namespace tern::platform
