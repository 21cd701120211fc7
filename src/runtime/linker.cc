#include "module/module.h"
#include "tern/tern.hpp"

namespace tern {

void Linker::define(std::string module, std::string name, Extern ext) {
  defs_[{std::move(module), std::move(name)}] = ext;
}

void Linker::defineInstance(const std::string& module, const Instance& inst) {
  for (const Export& ex : inst.module().data().exports) {
    if (auto e = inst.getExport(ex.name)) define(module, ex.name, *e);
  }
}

std::optional<Extern> Linker::lookup(std::string_view module, std::string_view name) const {
  auto it = defs_.find(std::pair<std::string, std::string>(std::string(module), std::string(name)));
  if (it == defs_.end()) return std::nullopt;
  return it->second;
}

Expected<Instance*> Linker::instantiate(Store& store, const std::shared_ptr<Module>& module) const {
  std::vector<Extern> externs;
  for (const ImportInfo& im : module->imports()) {
    auto e = lookup(im.module, im.name);
    if (!e)
      return Error{ErrorKind::Link, "unknown import: " + im.module + "." + im.name + " (" + im.type.toString() + ")",
                   SIZE_MAX};
    externs.push_back(*e);
  }
  return store.instantiate(module, externs);
}

}  // namespace tern
