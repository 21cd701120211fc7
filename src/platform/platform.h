// The contract between Tern's runtime and the operating system, in two
// levels.
//
// The core (first below) is all a minimal build (meson setup -Dminimal=true:
// interpreter only, no JIT, no WASI, no signal handlers) asks of the system:
// memory blocks and one per-thread pointer. An embedder on a small or custom
// OS implements its four functions in one file and links that with libtern.a
// (examples/min-platform/platform_malloc.cc does it with malloc and free);
// platform_core_posix.cc is the POSIX one. Beyond the core, a minimal build
// needs only what the C++ standard library itself needs (operator new).
//
// The full interface (the rest, absent from a minimal build's header so that
// nothing there can use it) adds what the JIT and guard-page memories need:
// address space (reserve, commit, protect, release), the instruction cache,
// synchronous faults (the trap handler and its per-thread stack), and native
// thread stacks. A full build has both levels (platform_core_posix.cc and
// platform_posix.cc: Linux, and POSIX where that costs nothing), but its
// runtime keeps linear memories and the value stack in reservations and its
// per-thread state in C++ `thread_local`, not in the core's blocks and slot.
// No other code in src/ or jit/ asks the OS for memory, changes page
// permissions or installs a signal handler; wasi/ talks to the OS for files,
// clocks and sockets, which is the WASI host layer's business, not the
// runtime's. A port to another OS is one more platform_<os>.cc for each
// level it needs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tern::platform {

// ---- the core (every build) ----

// A block of `bytes` bytes (not zeroed), aligned to 8 bytes at least (the
// runtime reads and writes 8-byte slots; wider values go through memcpy);
// null when there is no memory. A minimal build keeps its linear memories
// and the interpreter's value stack in these.
void* allocate(size_t bytes);
// Gives back a block from allocate(); `bytes` is the size it was allocated
// with. Does nothing for null.
void deallocate(void* p, size_t bytes);

// One pointer per thread, for the runtime's per-thread state (the
// interpreter's stacks); null on a thread that has not set it. `destroy`
// (the same function on every thread) is called with a non-null value when
// its thread exits, where the system can tell (a platform without threads
// may never call it). A minimal build uses this instead of C++
// `thread_local`, which needs the C++ runtime's thread-exit hooks.
void* threadSlot();
void setThreadSlot(void* value, void (*destroy)(void*));

#ifndef TERN_MINIMAL
// ---- the full interface: address space ----

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
// Backs committed pages [p, p+bytes) with memory now, in one call, so that
// writing them takes no page fault each (a hint: where the OS cannot, they
// fault in one by one as before).
void prefault(void* p, size_t bytes);
// Maps the whole file at `path` readable, its pages read in at once
// (private: nothing written to the mapping reaches the file), page-aligned;
// null on failure (or for an empty file). *bytes is the file's size; release(p, *bytes) unmaps it. protect()
// may then make pages of it ReadExecute (a .cwasm's code), which fails where
// the file system forbids executing files.
void* mapFile(const char* path, size_t* bytes);

// The same memory at two addresses, for code that is written while other
// threads run the code beside it (the JIT's arena of lazily compiled
// functions): [exec, exec+bytes), page-aligned and inside a reservation
// from reserve(), becomes read+execute, and `write` is a read+write view of
// the same pages elsewhere. No address is ever writable and executable, but
// code lands in executable pages without a protect() per function, and
// functions share pages. The pages read as zero until written; the writer
// raises `written` past each function it writes (flushInstructionCache on
// the exec address first), after growCodeAlias. A forked child gets copies of the first
// `written` bytes, not pages shared with its parent; should that fail,
// `lost` is set in the child and nothing may be written there any more.
struct CodeAlias {
  uint8_t* exec = nullptr;
  uint8_t* write = nullptr;
  size_t bytes = 0;
  std::atomic<size_t> written{0};
  std::atomic<bool> lost{false};
  size_t ready = 0;           // growCodeAlias's mark
  CodeAlias* next = nullptr;  // the platform's list of live aliases
};
// Null where the OS cannot (the caller then writes pages and protect()s
// them); the exec range is then reserved with no access (commit() it to
// write there).
CodeAlias* mapCodeAlias(void* exec, size_t bytes);
// Called by the writer before it writes up to `end`: gives the pages up to
// there (and some beyond) memory in one step, where the OS can, instead of
// a fault per page in each view.
void growCodeAlias(CodeAlias* alias, size_t end);
// Unmaps the write view and forgets the alias. The exec range stays mapped
// until its reservation is release()d.
void unmapCodeAlias(CodeAlias* alias);

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

// Gives the calling thread (alone) the lowest priority the OS lets an
// unprivileged thread take, for work that must not slow the others (the
// background compiler). Nice 19 rather than an idle-only class: such a
// thread briefly holds locks that a normal thread may wait for, so it must
// still get some time on a busy machine. Does nothing where a priority
// cannot be set per thread.
void lowerThreadPriority();

// ---- process ----

// The CPU time the process has used so far, all its threads together, in
// microseconds; 0 where the OS does not tell (the background compiler's
// delay, runtime/tiering.cc).
uint64_t processCpuMicros();

// Writing to a pipe or socket whose reader has gone then fails with EPIPE
// instead of killing the process with SIGPIPE (for the `tern` command; an
// embedder decides this for its own process).
void ignoreBrokenPipe();
#endif  // TERN_MINIMAL

}  // namespace tern::platform
