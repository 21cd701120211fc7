// tern.h from C++: a host callback that throws a C++ exception makes the
// call trap with kind TERN_TRAP_HOST_EXCEPTION and the exception's what() as
// its message, on both tiers; the exception does not escape wasm_func_call.
// Argument: extensions.wasm (whose "spin_tick" calls the import host.tick).
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tern.h"

namespace {

int failures = 0;

void check(bool ok, const char* what, int line) {
  if (!ok) {
    std::fprintf(stderr, "extensions_cpp.cc:%d: CHECK failed: %s\n", line, what);
    ++failures;
  }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

bool readFile(const char* path, wasm_byte_vec_t* out) {
  FILE* f = std::fopen(path, "rb");
  if (!f) return false;
  std::string bytes;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes.append(buf, n);
  std::fclose(f);
  wasm_byte_vec_new(out, bytes.size(), bytes.data());
  return true;
}

wasm_trap_t* throwing(const wasm_val_vec_t*, wasm_val_vec_t*) { throw std::runtime_error("tick failed"); }

void run(const wasm_byte_vec_t* binary, tern_tier_t tier) {
  wasm_config_t* config = wasm_config_new();
  tern_config_tier_set(config, tier);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = nullptr;
  CHECK(tern_module_new(engine, binary, &module) == nullptr);
  wasm_functype_t* type = wasm_functype_new_0_0();
  wasm_func_t* tick = wasm_func_new(store, type, throwing);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(tick)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = nullptr;
  CHECK(tern_instance_new(store, module, &imports, &instance, nullptr) == nullptr);
  if (!instance) return;

  wasm_exporttype_vec_t types;
  wasm_extern_vec_t exports;
  wasm_module_exports(module, &types);
  wasm_instance_exports(instance, &exports);
  const wasm_func_t* spin_tick = nullptr;
  for (size_t i = 0; i < types.size; ++i) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == 9 && std::memcmp(n->data, "spin_tick", 9) == 0) spin_tick = wasm_extern_as_func(exports.data[i]);
  }
  CHECK(spin_tick != nullptr);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_trap_t* trap = spin_tick ? wasm_func_call(spin_tick, &none, &none) : nullptr;
  CHECK(trap != nullptr);
  if (trap) {
    tern_trap_kind_t kind = TERN_TRAP_UNREACHABLE;
    CHECK(tern_trap_kind(trap, &kind));
    CHECK(kind == TERN_TRAP_HOST_EXCEPTION);
    CHECK(std::strcmp(tern_trap_kind_name(kind), "host-exception") == 0);
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    CHECK(message.size > 0 && std::strstr(message.data, "tick failed") != nullptr);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
  }
  wasm_extern_vec_delete(&exports);
  wasm_exporttype_vec_delete(&types);
  wasm_instance_delete(instance);
  wasm_func_delete(tick);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

}  // namespace

int main(int argc, char** argv) {
  wasm_byte_vec_t binary;
  if (argc != 2 || !readFile(argv[1], &binary)) {
    std::fprintf(stderr, "usage: capi-extensions-cpp extensions.wasm\n");
    return 2;
  }
  run(&binary, TERN_TIER_INTERP);
  run(&binary, TERN_TIER_JIT);
  wasm_byte_vec_delete(&binary);
  if (failures) return 1;
  std::printf("capi-extensions-cpp: ok\n");
  return 0;
}
