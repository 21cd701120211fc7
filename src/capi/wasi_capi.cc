// include/wasi.h, the C companion of wasm.h for WASI, over tern::wasi.
//
// A wasi_config_t is a tern::wasi::Options being filled in. A wasi_env_t
// owns a tern::Linker holding the WASI host functions that addToLinker
// created in the store (plus whatever wasi_env_define added); the WASI
// Context those functions use is shared with the store, so it lives as
// long as they can be called.
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "base/errors.h"
#include "capi/capi.h"
#include "tern/wasi.hpp"
#include "wasi.h"

namespace twasi = tern::wasi;
using tern::capi::Kind;

struct wasi_config_t {
  twasi::Options opts;
  wasi_config_t() {
    // An empty world until the embedder asks for more.
    opts.in = twasi::Stdio::null();
    opts.out = twasi::Stdio::null();
    opts.err = twasi::Stdio::null();
  }
};

struct wasi_env_t {
  wasm_store_t* store = nullptr;
  std::shared_ptr<twasi::Context> context;
  tern::Linker linker;
};

namespace {

twasi::Stdio outputTo(wasi_output_callback_t callback, void* env) {
  if (!callback) return twasi::Stdio::null();
  return twasi::Stdio::toWriter(
      [callback, env](std::span<const uint8_t> data) { callback(env, data.data(), data.size()); });
}

bool limitsFit(const tern::Limits& have, const tern::Limits& want) {
  if (have.min < want.min) return false;
  return !want.max || (have.max && *have.max <= *want.max);
}

// Import matching as instantiation does it: functions and globals exactly,
// tables and memories by limits (a bigger or more tightly bounded one fits).
bool fits(const tern::ExternType& have, const tern::ExternType& want) {
  if (have.kind != want.kind) return false;
  switch (want.kind) {
    case tern::ExternKind::Func: return have.func == want.func;
    case tern::ExternKind::Table:
      return have.table.elem == want.table.elem && limitsFit(have.table.limits, want.table.limits);
    case tern::ExternKind::Memory:
      return have.memory.is64 == want.memory.is64 && limitsFit(have.memory.limits, want.memory.limits);
    case tern::ExternKind::Global: return have.global.type == want.global.type && have.global.mut == want.global.mut;
    case tern::ExternKind::Tag: return have.func == want.func;
  }
  return false;
}

}  // namespace

extern "C" {

// Configuration ---------------------------------------------------------------------------

wasi_config_t* wasi_config_new(void) { return new wasi_config_t; }

void wasi_config_delete(wasi_config_t* config) { delete config; }

void wasi_config_set_argv(wasi_config_t* config, int argc, const char* argv[]) {
  config->opts.args.clear();
  for (int i = 0; i < argc; ++i) config->opts.args.emplace_back(argv[i] ? argv[i] : "");
}

void wasi_config_set_env(wasi_config_t* config, int envc, const char* names[], const char* values[]) {
  config->opts.env.clear();
  for (int i = 0; i < envc; ++i) {
    std::string var = names[i] ? names[i] : "";
    var += '=';
    if (values[i]) var += values[i];
    config->opts.env.push_back(std::move(var));
  }
}

void wasi_config_inherit_env(wasi_config_t* config) {
  config->opts.env.clear();
  config->opts.inheritEnv();
}

bool wasi_config_preopen_dir(wasi_config_t* config, const char* host_path, const char* guest_path) {
  if (!config || !host_path || !guest_path) return false;
  // Checked now, so a typo shows up where the path is given; the Context
  // opens the directory again when the env is made.
  int fd = ::open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  config->opts.preopens.emplace_back(host_path, guest_path);
  return true;
}

void wasi_config_set_stdin_bytes(wasi_config_t* config, const wasm_byte_vec_t* bytes) {
  std::string data;
  if (bytes && bytes->size) data.assign(bytes->data, bytes->size);
  config->opts.in = twasi::Stdio::fromBytes(std::move(data));
}

void wasi_config_inherit_stdin(wasi_config_t* config) { config->opts.in = twasi::Stdio::inherit(0); }

void wasi_config_set_stdout_callback(wasi_config_t* config, wasi_output_callback_t callback, void* env) {
  config->opts.out = outputTo(callback, env);
}

void wasi_config_set_stderr_callback(wasi_config_t* config, wasi_output_callback_t callback, void* env) {
  config->opts.err = outputTo(callback, env);
}

void wasi_config_inherit_stdout(wasi_config_t* config) { config->opts.out = twasi::Stdio::inherit(1); }
void wasi_config_inherit_stderr(wasi_config_t* config) { config->opts.err = twasi::Stdio::inherit(2); }

// Environment --------------------------------------------------------------------------------

wasi_env_t* wasi_env_new(wasm_store_t* store, wasi_config_t* config, wasm_trap_t** error) {
  std::unique_ptr<wasi_config_t> owned(config);
  if (error) *error = nullptr;
  if (!store || !config) {
    if (error && store) *error = tern::capi::newTrap(store, "wasi_env_new: null config");
    return nullptr;
  }
  auto env = std::make_unique<wasi_env_t>();
  env->store = store;
  env->context = twasi::addToLinker(env->linker, *store->store, std::move(owned->opts));
  // The host functions just created point into the context: keep it for as
  // long as the store may call them.
  store->attachments.push_back(env->context);
  if (!env->context->error().empty()) {
    if (error) *error = tern::capi::newTrap(store, "wasi: " + env->context->error());
    return nullptr;
  }
  return env.release();
}

void wasi_env_delete(wasi_env_t* env) { delete env; }

bool wasi_env_define(wasi_env_t* env, const char* module, const char* name, const wasm_extern_t* ext) {
  if (!env || !module || !name || !ext || !tern::capi::isExternKind(ext->kind())) return false;
  if (ext->obj->store != env->store) return false;
  env->linker.define(module, name, tern::capi::toExtern(*ext->obj));
  return true;
}

bool wasi_env_get_imports(wasi_env_t* env, const wasm_module_t* module, wasm_extern_vec_t* imports,
                          wasm_trap_t** error) {
  wasm_extern_vec_new_empty(imports);
  if (error) *error = nullptr;
  if (!env) return false;
  auto fail = [&](std::string message) {
    if (error) *error = tern::capi::newTrap(env->store, std::move(message));
    return false;
  };
  if (!module) return fail("wasi_env_get_imports: null module");
  const std::shared_ptr<tern::Module>& m = module->module().module;
  if (&m->engine() != &env->store->engine->engine) return fail("the module was compiled by another engine");

  std::vector<tern::Extern> found;
  for (const tern::ImportInfo& im : m->imports()) {
    std::optional<tern::Extern> ext = env->linker.lookup(im.module, im.name);
    if (!ext || !ext->ptr)
      return fail(std::string(tern::errorText(tern::ErrorCode::UnknownImport)) + ": " + im.module + "." + im.name +
                  " (" + im.type.toString() + ")");
    tern::ExternType have = ext->type();
    if (!fits(have, im.type))
      return fail(std::string(tern::errorText(tern::ErrorCode::IncompatibleImportType)) + ": " + im.module + "." +
                  im.name + " expects " + im.type.toString() + ", got " + have.toString());
    found.push_back(*ext);
  }
  wasm_extern_vec_new_uninitialized(imports, found.size());
  for (size_t i = 0; i < found.size(); ++i)
    imports->data[i] = tern::capi::newHandleAs<wasm_extern_t>(
        env->store->objectFor(tern::capi::kindOf(found[i].kind), found[i].ptr));
  return true;
}

bool wasi_env_exit_code(const wasi_env_t* env, int* code) {
  if (!env) return false;
  std::optional<int> status = env->context->exitCode();
  if (!status) return false;
  if (code) *code = *status;
  return true;
}

}  // extern "C"
