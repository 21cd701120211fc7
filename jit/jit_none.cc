// Hosts without a JIT backend: every function runs in the interpreter.
#include "jit/backend.h"
#include "jit/entry.h"
#include "jit/jit.h"

namespace tern::jit {

struct FunctionCompiler::Impl {
  const ModuleData& m;
  uint32_t func_index;
  std::string why = "no JIT backend for this host";
};
FunctionCompiler::FunctionCompiler(const ModuleData& m, ModuleBuilder&, uint32_t func_index)
    : impl_(std::make_unique<Impl>(Impl{m, func_index})) {}
FunctionCompiler::~FunctionCompiler() = default;
// Validation only (failed() is always true).
bool FunctionCompiler::compile(Reader& r, std::vector<ValType>* declared_locals, DecodeError* err) {
  NullVisitor none;
  FunctionDecoder<NullVisitor> dec(impl_->m, impl_->func_index, none);
  if (dec.decode(r, declared_locals)) return true;
  *err = dec.error();
  return false;
}
bool FunctionCompiler::failed() const { return true; }
const std::string& FunctionCompiler::failure() const { return impl_->why; }

ModuleBuilder::ModuleBuilder(const Options& opts) : opts_(opts) {}
ModuleBuilder::~ModuleBuilder() = default;
void ModuleBuilder::addFunction(uint32_t, std::span<const uint8_t>, size_t,
                                std::span<const std::pair<uint32_t, uint32_t>>, PosTable, CatchTable) {}
void ModuleBuilder::append(ModuleBuilder&&) {}
std::shared_ptr<JitModule> ModuleBuilder::finish(const ModuleData&) { return nullptr; }
bool ModuleBuilder::place(JitModule&, const ModuleData&) { return false; }
JitModule::~JitModule() = default;
JitImage JitModule::image() const { return {}; }
std::shared_ptr<JitModule> JitModule::load(std::span<const uint8_t>, JitImage) { return nullptr; }
std::shared_ptr<JitModule> JitModule::adopt(void*, size_t, std::span<const uint8_t>, JitImage) { return nullptr; }
uint32_t JitModule::functionAt(uintptr_t) const { return UINT32_MAX; }
std::pair<uint32_t, uint32_t> JitModule::locate(uintptr_t) const { return {UINT32_MAX, PosTable::kNone}; }
std::pair<const CatchTable*, uintptr_t> JitModule::catchesAt(uintptr_t) const { return {nullptr, 0}; }
void walkFrames(Ctx*, uintptr_t, bool (*)(void*, const FrameRef&), void*) {}

bool available() { return false; }
int enter(Ctx&, void*, uint64_t*) { return 1; }
void* unwindStub() { return nullptr; }
void* callOutStub() { return nullptr; }
void* retStub() { return nullptr; }
void installTrapHandler() {}
void ensureAltStack() {}
const void* const* helperTable() { return nullptr; }
uint64_t backend::cpuFeatures() { return 0; }
std::string backend::cpuFeatureNames(uint64_t) { return "none"; }

}  // namespace tern::jit
