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
// The outcome is the body's FuncTier (src/module/module.h), which is what
// every call consults; the module's machine code agrees without a second
// record (JitModule::compiled reads its function table). Lazy compilation and tier-up hang here: a new
// FuncTier state and the code that moves a function out of it.
//
// finish() lays out the module's machine code; TERN_JIT_STATS=1 then
// prints which functions were interpreted and why.
//
// A module loaded from a .cwasm (runtime/serialize.cc) comes with its
// machine code: a function that has code there takes it without its body
// being decoded again, the others are lowered for the interpreter as usual.
#pragma once

#include <cstdint>
#include <memory>

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

class Tiering final : public BodyConsumer {
 public:
  explicit Tiering(const Config& config);
  // For a module whose machine code is `precompiled` (non-null).
  Tiering(const Config& config, std::shared_ptr<jit::JitModule> precompiled);
  ~Tiering() override;

  bool onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err) override;
  bool finish(ModuleData& m, DecodeError& err) override;

 private:
  bool interpret(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err);

  bool epoch_ = false, fuel_ = false;        // Config::epoch_interruption, consume_fuel
  std::unique_ptr<jit::ModuleBuilder> jit_;  // null: every function is interpreted
  std::shared_ptr<jit::JitModule> precompiled_;
};

}  // namespace tern
