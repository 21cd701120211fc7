// The tier policy: which tier compiles each function of a module, decided
// in this one place.
//
// Tiering is the BodyConsumer the runtime gives the ModuleDecoder (every
// way of compiling a module uses it: Module::compile, compileFile and the
// ModuleStreamer). For each body, as it arrives:
//   - Config::tier Interp, or no JIT for this host: lowered for the
//     interpreter.
//   - Otherwise the JIT compiles it, unless TERN_JIT_FUNCS leaves it to the
//     interpreter; a body the JIT bails out of is decoded again and lowered
//     for the interpreter (the tiered fallback; `jit_failure` says why).
// With Config::lazy (the default) a body is only validated as it arrives (by
// several threads at once with Config::parallel_compilation: the decoder's
// parallelBodies, through bodyThreads()) and becomes FuncTier::Lazy;
// compileLazily() gives it the tier above at its first call (interp::invoke
// and the interpreter's calls ask for it; JIT code reaches it through the
// function's call-out stub, and once it is compiled through its table entry:
// jit/jit.h's JitModule). The outcome is the body's FuncTier
// (src/module/module.h), which is what every call consults; the module's
// machine code agrees without a second record (JitModule::compiled reads its
// function table). With Config::background_compilation, a thread of the
// lowest priority compiles the Lazy bodies nobody called yet, in index order,
// once a guest asks for a first compile 20 ms of CPU time or more after its
// first; a body is compiled off LazyCompiler's lock and installed under it,
// once (the claims at LazyCompiler in tiering.cc). The thread ends with the
// module (it stops after the body it is compiling), or at exit(); _exit just
// ends it. Tier-up would hang here too: a new FuncTier state and the code
// that moves a function out of it.
//
// finish() lays out the module's machine code; TERN_JIT_STATS=1 then
// prints which functions were interpreted and why (it turns lazy
// compilation off, so that there is something to report).
//
// Bodies compiled up front (no lazy compilation) are compiled on several
// threads with Config::parallel_compilation: each is validated here as it
// arrives, in order (an invalid module is refused as with one thread, at the
// same body), then compiled by the first free thread of a CompilePool
// (runtime/compile_pool.h), each with its own ModuleBuilder whose code
// joins the module's; finish() waits for them, and the JIT lays the code out
// in function order, so that it is the same, byte for byte, as one
// thread's. Validating twice costs one thread some 10-20% more work; a
// module compiled on one thread keeps the single pass.
//
// A module loaded from a .cwasm (runtime/serialize.cc) comes with its
// machine code and is never lazy: a function that has code there takes it
// without its body being decoded again, the others are lowered for the
// interpreter as they arrive. A module to serialize is compiled with
// `lazy` false (every function up front), whatever Config::lazy says.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "decode/module_decoder.h"
#include "module/module.h"

namespace tern {

namespace jit {
class ModuleBuilder;
struct JitModule;
struct Options;
}  // namespace jit

// The JIT's options under `config`: what its code depends on besides the
// module and the CPU.
jit::Options jitOptions(const Config& config);

// Compiles defined function `def` of `m` if it is still FuncTier::Lazy
// (compiled from its bytes in ModuleData::bytes) and returns its tier: Jit,
// Interp, or None (`unsupported` says why). Any thread may call it; a body
// is compiled once.
FuncTier compileLazily(const ModuleData& m, uint32_t def);

// How many of `m`'s Lazy bodies its background thread compiled
// (Config::background_compilation): for tests and statistics.
size_t backgroundCompiled(const ModuleData& m);

class Tiering final : public BodyConsumer {
 public:
  // `lazy` false compiles every body as it arrives, whatever Config::lazy
  // says (a module to serialize).
  explicit Tiering(const Config& config, bool lazy = true);
  // For a module whose machine code is `precompiled` (non-null).
  Tiering(const Config& config, std::shared_ptr<jit::JitModule> precompiled);
  ~Tiering() override;

  bool onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err) override;
  bool finish(ModuleData& m, DecodeError& err) override;
#ifndef TERN_MINIMAL
  void settle() override;
  unsigned bodyThreads() const override { return body_threads_; }
#endif

 private:
#ifndef TERN_MINIMAL
  struct Parallel;
  // On a thread of parallel_'s pool.
  void compileOnThread(const ModuleData& m, uint32_t func_index, FuncBody& body, const std::vector<uint8_t>& bytes);
#endif

  bool epoch_ = false, fuel_ = false;        // Config::epoch_interruption, consume_fuel
  unsigned body_threads_ = 1;                // validating Lazy bodies (BodyConsumer::bodyThreads)
  std::unique_ptr<jit::ModuleBuilder> jit_;  // null: every function is interpreted
  std::shared_ptr<LazyCompiler> lazy_;       // null: every body is compiled as it arrives
  std::shared_ptr<jit::JitModule> precompiled_;
#ifndef TERN_MINIMAL
  // Null: every body is compiled on the decoder's thread (always, in a
  // minimal build). Last, so that its threads end before what they use.
  std::unique_ptr<Parallel> parallel_;
#endif
};

}  // namespace tern
