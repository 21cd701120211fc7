#include "base/errors.h"
#include "module/module.h"
#include "runtime/objects.h"
#include "tern/tern.hpp"

namespace tern {

void Linker::define(std::string module, std::string name, Extern ext) {
  defs_[{std::move(module), std::move(name)}] = Def{ext, nullptr};
}

void Linker::defineFunc(std::string module, std::string name, FuncType type, HostFn fn) {
  auto def = std::make_shared<InstancePre::HostDef>();
  def->name = module + "." + name;
  def->type = std::move(type);
  def->fn = std::move(fn);
  defs_[{std::move(module), std::move(name)}] = Def{Extern{}, std::move(def)};
}

void Linker::defineInstance(const std::string& module, const Instance& inst) {
  for (const Export& ex : moduleData(inst.module()).exports) {
    if (auto e = inst.getExport(ex.name)) define(module, ex.name, *e);
  }
}

std::optional<Extern> Linker::lookup(std::string_view module, std::string_view name) const {
  auto it = defs_.find(std::pair<std::string, std::string>(std::string(module), std::string(name)));
  if (it == defs_.end() || it->second.host) return std::nullopt;
  return it->second.ext;
}

Expected<InstancePre> Linker::instantiatePre(const std::shared_ptr<Module>& module) const {
  InstancePre pre;
  pre.module_ = module;
  for (const ImportInfo& im : module->imports()) {
    auto it = defs_.find(std::pair<std::string, std::string>(im.module, im.name));
    if (it == defs_.end()) {
      std::string why;
#ifdef TERN_MINIMAL
      // wasi_snapshot_preview1, wasi_unstable: say why nothing defines them.
      if (im.module.starts_with("wasi_")) why = ": WASI is not in this build of Tern (-Dminimal=true)";
#endif
      return Error{ErrorKind::Link,
                   std::string(errorText(ErrorCode::UnknownImport)) + ": " + im.module + "." + im.name + " (" +
                       im.type.toString() + ")" + why,
                   SIZE_MAX};
    }
    const Def& d = it->second;
    if (d.host) {
      if (im.type.kind != ExternKind::Func || !(im.type.func == d.host->type)) {
        std::string have = "func " + d.host->type.toString();
        return Error{ErrorKind::Link,
                     std::string(errorText(ErrorCode::IncompatibleImportType)) + ": " + im.module + "." + im.name +
                         " expects " + im.type.toString() + ", got " + have,
                     SIZE_MAX};
      }
    }
    pre.externs_.push_back(d.ext);
    pre.hosts_.push_back(d.host);
  }
  return pre;
}

Expected<Instance*> InstancePre::instantiate(Store& store) const {
  std::vector<Extern> externs = externs_;
  for (size_t i = 0; i < externs.size(); ++i)
    if (hosts_[i]) externs[i] = Extern(store.createHostFunc(hosts_[i]->type, hosts_[i]->fn, hosts_[i]->name));
  return store.instantiate(module_, externs);
}

Expected<Instance*> Linker::instantiate(Store& store, const std::shared_ptr<Module>& module) const {
  auto pre = instantiatePre(module);
  if (!pre.ok()) return pre.error();
  return pre.value().instantiate(store);
}

}  // namespace tern
