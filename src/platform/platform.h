// The whole contract between Tern's runtime and the operating system: address
// space (reserve, commit, protect, release), the instruction cache,
// synchronous faults (the trap handler and its per-thread stack), and native
// thread stacks. No other code in src/ or jit/ asks the OS for memory, changes
// page permissions or installs a signal handler; wasi/ talks to the OS for
// files, clocks and sockets, which is the WASI host layer's business, not the
// runtime's. A port to another OS is one more platform_<os>.cc implementing
// the functions below (platform_posix.cc: Linux, and POSIX where that costs
// nothing).
//
// Thread-local state needs nothing here: C++ `thread_local` provides it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::platform {

// ---- address space ----

size_t pageSize();

// What a committed range may be used for. Never writable and executable at
// once (W^X): JIT code is written ReadWrite, then switched to ReadExecute.
enum class Access : uint8_t { None, Read, ReadWrite, ReadExecute };

// Reserves `bytes` (a multiple of pageSize()) of address space with no
// access; null on failure.
void* reserve(size_t bytes);
// Makes [p, p+bytes) of a reservation readable and writable; its pages read
// as zero until first written.
bool commit(void* p, size_t bytes);
// Returns [p, p+bytes) to the no-access state and drops its contents (the
// address space stays reserved; the memory goes back to the OS).
bool decommit(void* p, size_t bytes);
// Changes what committed pages [p, p+bytes) may be used for.
bool protect(void* p, size_t bytes, Access access);
// Gives a whole reservation back.
void release(void* p, size_t bytes);
// reserve() + commit() in one step, backed lazily by the OS; null on failure.
void* reserveCommitted(size_t bytes);

// Makes instructions written to [p, p+bytes) visible to instruction fetch.
// Call it after writing machine code and before making it executable. A
// no-op on x86-64, whose instruction cache is coherent.
void flushInstructionCache(void* p, size_t bytes);

// ---- synchronous faults (SIGSEGV and SIGBUS on POSIX) ----

struct Fault {
  uintptr_t address;  // the data address whose access faulted
  // The interrupted thread's machine state (a ucontext_t* on POSIX). Only the
  // architecture backend reads or changes it (jit/<arch>/fault_context_*.cc);
  // changing its pc resumes the thread elsewhere.
  void* context;
};
// Runs on the faulting thread, on its alternate stack, inside the signal:
// async-signal-safe code only (no allocation, no locks, no exceptions).
// Returns true when it has dealt with the fault (the thread resumes with
// `context` as the handler left it), false when the fault is not Tern's: it
// then goes to whatever handler was installed before, and with none, the
// process dies of it as it would have without Tern.
using FaultHandler = bool (*)(const Fault& fault);
// Makes `handler` the process's fault handler. The OS-level handler is
// installed by the first call; later calls only replace `handler`.
void installFaultHandler(FaultHandler handler);
// Gives the calling thread a stack of its own for the fault handler, unless
// it already has one of a usable size, so that a fault on an exhausted
// native stack still reaches the handler. Once per thread; cheap after.
void ensureFaultStack();

// ---- threads ----

// The calling thread's native stack: its lowest address and its size (both
// 0 when the OS cannot say).
struct StackBounds {
  uintptr_t low = 0;
  size_t size = 0;
};
StackBounds currentThreadStack();

// Runs fn on a new thread whose native stack has `stack_bytes` bytes and
// waits for it; false if the thread cannot be created.
bool runWithStack(size_t stack_bytes, void (*fn)(void*), void* arg);

// ---- process ----

// Writing to a pipe or socket whose reader has gone then fails with EPIPE
// instead of killing the process with SIGPIPE (for the `tern` command; an
// embedder decides this for its own process).
void ignoreBrokenPipe();

}  // namespace tern::platform
