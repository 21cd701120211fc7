// The api tests' window on the internal model (see tier_probe.h).
#include "tier_probe.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>

#include "jit/jit.h"
#include "module/module.h"
#include "runtime/objects.h"
#include "runtime/tiering.h"

namespace tern::test {

bool jitAvailable() { return jit::available(); }

bool hasJitCode(const Module& module) { return moduleData(module).jit != nullptr; }

// A Lazy function is compiled first: the question is which tier runs it.
bool functionHasJitCode(const Module& module, uint32_t func_index) {
  const ModuleData& md = moduleData(module);
  if (func_index >= md.num_imported_funcs) compileLazily(md, func_index - md.num_imported_funcs);
  return md.jit && md.jit->compiled(func_index);
}

bool runsJitCode(const Instance& inst, std::string_view name) {
  const ModuleData& md = moduleData(inst.module());
  for (const Export& e : md.exports)
    if (e.kind == ExternKind::Func && e.name == name) return functionHasJitCode(inst.module(), e.index);
  FAIL("no function export " << std::string(name));
  return false;
}

size_t lazyFunctions(const Module& module) {
  size_t n = 0;
  for (const FuncBody& b : moduleData(module).bodies)
    if (std::atomic_ref<const FuncTier>(b.tier).load(std::memory_order_acquire) == FuncTier::Lazy) ++n;
  return n;
}

size_t backgroundCompiled(const Module& module) { return tern::backgroundCompiled(moduleData(module)); }

}  // namespace tern::test
