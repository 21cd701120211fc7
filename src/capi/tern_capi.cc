// Tern's extensions to the C API (include/tern.h): engine options, errors
// with messages, fuel, epoch interruption, store limits and trap kinds, over
// the C++ API.
#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include "capi/capi.h"
#include "tern.h"

using tern::capi::Kind;
using tern::capi::ModuleObject;
using tern::capi::TrapObject;

struct tern_error_t {
  tern_error_kind_t kind = TERN_ERROR_USAGE;
  std::string message;
  size_t offset = SIZE_MAX;
};

namespace {

tern_error_kind_t toErrorKind(tern::ErrorKind k) {
  switch (k) {
    case tern::ErrorKind::Malformed: return TERN_ERROR_MALFORMED;
    case tern::ErrorKind::Invalid: return TERN_ERROR_INVALID;
    case tern::ErrorKind::Link: return TERN_ERROR_LINK;
    case tern::ErrorKind::Trap: return TERN_ERROR_TRAP;
    case tern::ErrorKind::Io: return TERN_ERROR_IO;
    case tern::ErrorKind::Unsupported: return TERN_ERROR_UNSUPPORTED;
  }
  return TERN_ERROR_USAGE;
}

tern_error_t* newError(const tern::Error& e) {
  // toString puts the offset in front of the reason: "at offset 0x1d: type mismatch".
  return new tern_error_t{toErrorKind(e.kind), e.toString(), e.offset};
}

tern_error_t* usageError(std::string message) { return new tern_error_t{TERN_ERROR_USAGE, std::move(message)}; }

std::span<const uint8_t> bytesOf(const wasm_byte_vec_t* v) {
  return {reinterpret_cast<const uint8_t*>(v->data), v->size};
}

// The tern_trap_kind_t of each tern::TrapKind, in declaration order.
constexpr tern_trap_kind_t kTrapKinds[] = {
    TERN_TRAP_UNREACHABLE,
    TERN_TRAP_INT_DIV_BY_ZERO,
    TERN_TRAP_INT_OVERFLOW,
    TERN_TRAP_INVALID_CONVERSION,
    TERN_TRAP_MEMORY_OUT_OF_BOUNDS,
    TERN_TRAP_TABLE_OUT_OF_BOUNDS,
    TERN_TRAP_UNDEFINED_ELEMENT,
    TERN_TRAP_UNINITIALIZED_ELEMENT,
    TERN_TRAP_INDIRECT_CALL_TYPE_MISMATCH,
    TERN_TRAP_CALL_STACK_EXHAUSTED,
    TERN_TRAP_NULL_REFERENCE,
    TERN_TRAP_INTERRUPTED,
    TERN_TRAP_OUT_OF_FUEL,
    TERN_TRAP_HOST,
    TERN_TRAP_HOST_EXCEPTION,
    TERN_TRAP_EXIT,
    TERN_TRAP_UNCAUGHT_EXCEPTION,
};
static_assert(sizeof(kTrapKinds) == size_t(tern::kLastTrapKind) + 1, "a trap kind is missing from kTrapKinds");

uint64_t limitOf(int64_t v) { return v < 0 ? UINT64_MAX : uint64_t(v); }

}  // namespace

extern "C" {

const char* tern_version(void) { return tern::versionString(); }

// Errors ------------------------------------------------------------------------

void tern_error_delete(tern_error_t* error) { delete error; }

void tern_error_message(const tern_error_t* error, wasm_name_t* out) {
  const std::string& m = error->message;
  wasm_byte_vec_new_uninitialized(out, m.size() + 1);
  std::memcpy(out->data, m.data(), m.size());
  out->data[m.size()] = '\0';
}

tern_error_kind_t tern_error_kind(const tern_error_t* error) { return error->kind; }

bool tern_error_offset(const tern_error_t* error, size_t* offset) {
  if (error->offset == SIZE_MAX) return false;
  if (offset) *offset = error->offset;
  return true;
}

// Configuration -----------------------------------------------------------------

bool tern_config_tier_set(wasm_config_t* config, tern_tier_t tier) {
  switch (tier) {
    case TERN_TIER_AUTO: config->config.tier = tern::Tier::Auto; return true;
    case TERN_TIER_INTERP: config->config.tier = tern::Tier::Interp; return true;
    case TERN_TIER_JIT: config->config.tier = tern::Tier::Jit; return true;
    default: return false;
  }
}

void tern_config_bounds_checks_set(wasm_config_t* config, bool enable) { config->config.bounds_checks = enable; }
void tern_config_consume_fuel_set(wasm_config_t* config, bool enable) { config->config.consume_fuel = enable; }
void tern_config_epoch_interruption_set(wasm_config_t* config, bool enable) {
  config->config.epoch_interruption = enable;
}
void tern_config_max_call_depth_set(wasm_config_t* config, uint32_t depth) {
  config->config.max_call_depth = depth ? depth : 1;
}
bool tern_config_max_wasm_stack_set(wasm_config_t* config, size_t bytes) {
  // The mapping of `tern run -W max-wasm-stack` (applyStack in
  // src/cli/main.cc): 8 bytes per value slot, 32 per call; the value stack
  // is reserved up front, so it is capped at 4 GiB, and the depth at 2^22.
  constexpr uint64_t kBytesPerCall = 32, kMaxCallDepth = uint64_t(1) << 22, kMaxSlots = uint64_t(1) << 29;
  if (bytes < 64) return false;
  config->config.value_stack_slots = uint32_t(std::min<uint64_t>(bytes / 8, kMaxSlots));
  config->config.max_call_depth = uint32_t(std::clamp<uint64_t>(bytes / kBytesPerCall, 1, kMaxCallDepth));
  return true;
}
void tern_config_memory_reservation_set(wasm_config_t* config, uint64_t bytes) {
  config->config.memory_reservation = bytes;
}
void tern_config_memory_guard_size_set(wasm_config_t* config, uint64_t bytes) { config->config.guard_bytes = bytes; }
void tern_config_perf_map_set(wasm_config_t* config, bool enable) { config->config.perf_map = enable; }
void tern_config_lazy_set(wasm_config_t* config, bool enable) { config->config.lazy = enable; }
void tern_config_background_compilation_set(wasm_config_t* config, bool enable) {
  config->config.background_compilation = enable;
}
void tern_config_parallel_compilation_set(wasm_config_t* config, bool enable) {
  config->config.parallel_compilation = enable;
}
void tern_config_compile_threads_set(wasm_config_t* config, uint32_t threads) {
  config->config.compile_threads = threads;
}

void tern_config_cache_dir_set(wasm_config_t* config, const char* dir) { config->config.cache_dir = dir ? dir : ""; }

tern_error_t* tern_config_features_set(wasm_config_t* config, const char* spec) {
  if (!config || !spec) return usageError("tern_config_features_set: NULL config or spec");
  if (std::optional<std::string> e = config->config.features.set(spec)) return usageError(*e);
  return nullptr;
}

// Modules and instances -----------------------------------------------------------

tern_error_t* tern_module_new(wasm_engine_t* engine, const wasm_byte_vec_t* binary, wasm_module_t** out) {
  if (!out) return usageError("tern_module_new: out is NULL");
  *out = nullptr;
  if (!engine || !binary) return usageError("tern_module_new: NULL engine or binary");
  auto m = tern::Module::compile(engine->engine, bytesOf(binary));
  if (!m) return newError(m.error());
  *out = tern::capi::newHandleAs<wasm_module_t>(std::make_shared<ModuleObject>(std::move(m.value())));
  return nullptr;
}

tern_error_t* tern_module_deserialize(wasm_engine_t* engine, const wasm_byte_vec_t* image, wasm_module_t** out) {
  if (!out) return usageError("tern_module_deserialize: out is NULL");
  *out = nullptr;
  if (!engine || !image) return usageError("tern_module_deserialize: NULL engine or image");
  auto m = tern::Module::deserialize(engine->engine, bytesOf(image));
  if (!m) return newError(m.error());
  *out = tern::capi::newHandleAs<wasm_module_t>(std::make_shared<ModuleObject>(std::move(m.value())));
  return nullptr;
}

tern_error_t* tern_module_validate(wasm_engine_t* engine, const wasm_byte_vec_t* binary) {
  if (!binary) return usageError("tern_module_validate: binary is NULL");
  tern::Features features = engine ? engine->engine.config().features : tern::Features{};
  std::optional<tern::Error> e = tern::Module::validate(bytesOf(binary), features);
  return e ? newError(*e) : nullptr;
}

tern_error_t* tern_instance_new(wasm_store_t* store, const wasm_module_t* module, const wasm_extern_vec_t* imports,
                                wasm_instance_t** out, wasm_trap_t** trap_out) {
  if (trap_out) *trap_out = nullptr;
  if (!out) return usageError("tern_instance_new: out is NULL");
  wasm_trap_t* trap = nullptr;
  tern::Error error;
  *out = tern::capi::instantiate(store, module, imports, &trap, &error);
  if (*out) return nullptr;
  if (!trap) return newError(error);
  if (trap_out) {
    *trap_out = trap;
    return nullptr;
  }
  tern_error_t* e = new tern_error_t{TERN_ERROR_TRAP, trap->trap().message};
  tern::capi::deleteHandle(trap);
  return e;
}

// Traps ---------------------------------------------------------------------------

bool tern_trap_kind(const wasm_trap_t* trap, tern_trap_kind_t* kind) {
  if (!trap || trap->kind() != Kind::Trap || !trap->trap().kind) return false;
  if (kind) *kind = kTrapKinds[size_t(*trap->trap().kind)];
  return true;
}

const char* tern_trap_kind_name(tern_trap_kind_t kind) {
  for (size_t i = 0; i < sizeof(kTrapKinds); ++i)
    if (kTrapKinds[i] == kind) return tern::trapKindName(tern::TrapKind(i));
  return "unknown";
}

// Fuel and epochs -------------------------------------------------------------------

tern_error_t* tern_store_set_fuel(wasm_store_t* store, uint64_t fuel) {
  if (!store) return usageError("tern_store_set_fuel: store is NULL");
  if (!store->engine->engine.config().consume_fuel)
    return usageError("fuel is not enabled: the engine's config needs tern_config_consume_fuel_set");
  store->store->setFuel(fuel);
  return nullptr;
}

tern_error_t* tern_store_get_fuel(const wasm_store_t* store, uint64_t* fuel) {
  if (!store || !fuel) return usageError("tern_store_get_fuel: NULL store or fuel");
  if (!store->engine->engine.config().consume_fuel)
    return usageError("fuel is not enabled: the engine's config needs tern_config_consume_fuel_set");
  *fuel = store->store->fuel();
  return nullptr;
}

void tern_engine_increment_epoch(wasm_engine_t* engine) { engine->engine.incrementEpoch(); }

void tern_store_set_epoch_deadline(wasm_store_t* store, uint64_t ticks) {
  // Store::setEpochDeadline adds `ticks` to the epoch, which may wrap: a
  // deadline past the largest epoch is no deadline.
  uint64_t now = store->engine->engine.epoch();
  tern::implOf(*store->store).epoch_deadline_ = ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
}

// Limits ----------------------------------------------------------------------------

void tern_store_limiter(wasm_store_t* store, int64_t memory_size, int64_t table_elements, int64_t instances) {
  tern::StoreLimits limits;
  limits.memory_bytes = limitOf(memory_size);
  limits.table_elements = limitOf(table_elements);
  limits.instances = limitOf(instances);
  store->store->setLimits(limits);
}

}  // extern "C"
