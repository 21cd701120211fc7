// A minimal build (interpreter only) has no machine code to store or load:
// .cwasm files are refused and the cache of compiled code is not used.
#include "runtime/serialize.h"

namespace tern {

namespace {
Error noJit() {
  return Error{ErrorKind::Unsupported, ".cwasm files need the JIT, which a minimal build has not", SIZE_MAX};
}
}  // namespace

Expected<std::vector<uint8_t>> Module::serialize() const { return noJit(); }
Expected<std::shared_ptr<Module>> Module::deserialize(Engine&, std::span<const uint8_t>) { return noJit(); }
Expected<std::shared_ptr<Module>> Module::deserializeFile(Engine&, const std::string&) { return noJit(); }
bool Module::isPrecompiled(std::span<const uint8_t>) { return false; }

Expected<std::shared_ptr<Module>> compileCached(Engine& engine, std::span<const uint8_t> bytes,
                                                const std::string& path) {
  return compileBytes(engine, bytes, path);
}

}  // namespace tern
