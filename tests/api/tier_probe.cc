// The api tests' window on the internal model (see tier_probe.h).
#include "tier_probe.h"

#include <doctest/doctest.h>

#include <string>

#include "jit/jit.h"
#include "module/module.h"
#include "runtime/objects.h"

namespace tern::test {

bool jitAvailable() { return jit::available(); }

bool hasJitCode(const Module& module) { return moduleData(module).jit != nullptr; }

bool functionHasJitCode(const Module& module, uint32_t func_index) {
  const ModuleData& md = moduleData(module);
  return md.jit && md.jit->compiled(func_index);
}

bool runsJitCode(const Instance& inst, std::string_view name) {
  const ModuleData& md = moduleData(inst.module());
  for (const Export& e : md.exports)
    if (e.kind == ExternKind::Func && e.name == name) return md.jit && md.jit->compiled(e.index);
  FAIL("no function export " << std::string(name));
  return false;
}

}  // namespace tern::test
