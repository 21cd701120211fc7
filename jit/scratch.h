// Buffers one compile leaves to the next on the same thread.
//
// FunctionCompiler::Impl and the Masm keep a thread-local Scratch of their
// per-function vectors: a compile takes them (emptied, with the capacity
// the largest function so far gave them) and gives them back at its end.
// A thread's compiles after its first then allocate a buffer only to grow
// it: a lazily compiled function is a few hundred Wasm instructions, and
// those allocations were about a tenth of its compile. A thread keeps, at
// most, the buffers of the largest function it compiled. (The x86-64 Masm
// keeps its asmjit CodeHolder per thread the same way: masm_x64.cc.)
#pragma once

#include <utility>

namespace tern::jit {

// Empties `used` and keeps it in `spare` when it has more room.
template <class V>
void leaveForNext(V& used, V& spare) {
  used.clear();
  if (used.capacity() > spare.capacity()) spare = std::move(used);
}

}  // namespace tern::jit
