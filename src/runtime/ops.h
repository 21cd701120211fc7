// Table, reference and bulk-memory instructions, shared by the interpreter's
// handlers and the JIT's helper. Each that can trap returns a TrapCode.
#pragma once

#include <algorithm>
#include <cstring>

#include "module/module.h"
#include "runtime/objects.h"
#include "runtime/trap_code.h"
#include "tern/tern.hpp"

namespace tern::ops {

constexpr TrapCode kOk = TrapCode::None;
constexpr TrapCode kTableOob = trapCode(TrapKind::TableOutOfBounds);
constexpr TrapCode kMemoryOob = trapCode(TrapKind::MemoryOutOfBounds);

inline TrapCode tableGet(ModuleInst* inst, uint32_t t, uint32_t i, uint64_t* out) {
  TableInst* tab = inst->tables_[t];
  if (i >= tab->elems_.size()) return kTableOob;
  *out = tab->elems_[i];
  return kOk;
}
inline TrapCode tableSet(ModuleInst* inst, uint32_t t, uint32_t i, uint64_t v) {
  TableInst* tab = inst->tables_[t];
  if (i >= tab->elems_.size()) return kTableOob;
  tab->elems_[i] = uintptr_t(v);
  return kOk;
}
// The function call_indirect and return_call_indirect call: element `i` of
// table `t`, checked against the type whose id is `type_id`; null with the
// trap in *trap.
inline FuncInst* indirectCallee(ModuleInst* inst, uint32_t t, uint32_t i, uint32_t type_id, TrapKind* trap) {
  TableInst* tab = inst->tables_[t];
  if (i >= tab->elems_.size()) {
    *trap = TrapKind::UndefinedElement;
    return nullptr;
  }
  FuncInst* f = reinterpret_cast<FuncInst*>(tab->elems_[i]);
  if (!f) {
    *trap = TrapKind::UninitializedElement;
    return nullptr;
  }
  if (f->type_id_ != type_id) {
    *trap = TrapKind::IndirectCallTypeMismatch;
    return nullptr;
  }
  return f;
}
inline uint64_t tableSize(ModuleInst* inst, uint32_t t) { return uint32_t(inst->tables_[t]->elems_.size()); }
inline uint64_t tableGrow(ModuleInst* inst, uint32_t t, uint64_t init, uint32_t n) {
  TableInst* tab = inst->tables_[t];
  return uint32_t(int32_t(tab->grow(n, Value{tab->elem_, init, 0})));
}
inline TrapCode tableFill(ModuleInst* inst, uint32_t t, uint64_t i, uint64_t v, uint64_t n) {
  TableInst* tab = inst->tables_[t];
  if (i + n > tab->elems_.size()) return kTableOob;
  std::fill_n(tab->elems_.begin() + ptrdiff_t(i), n, uintptr_t(v));
  return kOk;
}
inline TrapCode tableCopy(ModuleInst* inst, uint32_t dt, uint32_t st, uint64_t d, uint64_t s, uint64_t n) {
  TableInst* dst = inst->tables_[dt];
  TableInst* src = inst->tables_[st];
  if (s + n > src->elems_.size() || d + n > dst->elems_.size()) return kTableOob;
  if (n) std::memmove(dst->elems_.data() + d, src->elems_.data() + s, n * sizeof(uintptr_t));
  return kOk;
}
inline TrapCode tableInit(ModuleInst* inst, uint32_t t, uint32_t seg, uint64_t d, uint64_t s, uint64_t n) {
  TableInst* tab = inst->tables_[t];
  const std::vector<uintptr_t>& items = inst->elems_[seg];
  if (s + n > items.size() || d + n > tab->elems_.size()) return kTableOob;
  if (n) std::memmove(tab->elems_.data() + d, items.data() + s, n * sizeof(uintptr_t));
  return kOk;
}
inline void elemDrop(ModuleInst* inst, uint32_t seg) {
  inst->elems_[seg].clear();
  inst->elems_[seg].shrink_to_fit();
}
inline uint64_t refFunc(ModuleInst* inst, uint32_t f) { return uint64_t(uintptr_t(inst->funcs_[f])); }
// `n > size - d` rather than `d + n > size`: with memory64, d and n are any
// u64 and the sum could wrap.
inline bool rangeOutside(uint64_t d, uint64_t n, uint64_t size) { return d > size || n > size - d; }
inline TrapCode memoryInit(ModuleInst* inst, uint32_t seg, uint64_t d, uint64_t s, uint64_t n, uint32_t mem = 0) {
  MemoryInst* m = inst->memories_[mem];
  const std::vector<uint8_t>& bytes = inst->module_->data().datas[seg].bytes;
  uint64_t seg_size = inst->data_dropped_[seg] ? 0 : bytes.size();
  if (rangeOutside(s, n, seg_size) || rangeOutside(d, n, m->size_)) return kMemoryOob;
  if (n) std::memcpy(m->base_ + d, bytes.data() + s, n);
  return kOk;
}
inline void dataDrop(ModuleInst* inst, uint32_t seg) { inst->data_dropped_[seg] = 1; }
inline TrapCode memoryCopy(MemoryInst* m, uint64_t d, uint64_t s, uint64_t n) {
  if (rangeOutside(s, n, m->size_) || rangeOutside(d, n, m->size_)) return kMemoryOob;
  if (n) std::memmove(m->base_ + d, m->base_ + s, n);
  return kOk;
}
// memory.copy between two memories (multi-memory); they do not overlap.
inline TrapCode memoryCopy2(MemoryInst* dm, MemoryInst* sm, uint64_t d, uint64_t s, uint64_t n) {
  if (dm == sm) return memoryCopy(dm, d, s, n);
  if (rangeOutside(s, n, sm->size_) || rangeOutside(d, n, dm->size_)) return kMemoryOob;
  if (n) std::memcpy(dm->base_ + d, sm->base_ + s, n);
  return kOk;
}
inline TrapCode memoryFill(MemoryInst* m, uint64_t d, uint8_t v, uint64_t n) {
  if (rangeOutside(d, n, m->size_)) return kMemoryOob;
  if (n) std::memset(m->base_ + d, v, n);
  return kOk;
}

// The memory instructions of any memory, from their operands as 64-bit
// slots: an address, size or page count is an i64 for a 64-bit memory and
// the low 32 bits otherwise, so that 32- and 64-bit memories mix (memory64
// with multi-memory). memory.copy's length is an i64 only when both
// memories are 64-bit; memory.init's source and length are always i32.
inline uint64_t operandOf(const MemoryInst* m, uint64_t v) { return m->is64_ ? v : uint32_t(v); }
inline uint64_t memoryGrowAny(MemoryInst* m, uint64_t n) {
  // A 32-bit memory's -1 is an i32, zero-extended as both tiers keep i32 values.
  int64_t r = m->grow(operandOf(m, n));
  return m->is64_ ? uint64_t(r) : uint64_t(uint32_t(int32_t(r)));
}
inline TrapCode memoryInitAny(ModuleInst* inst, uint32_t mem, uint32_t seg, uint64_t d, uint64_t s, uint64_t n) {
  return memoryInit(inst, seg, operandOf(inst->memories_[mem], d), uint32_t(s), uint32_t(n), mem);
}
inline TrapCode memoryCopyAny(MemoryInst* dm, MemoryInst* sm, uint64_t d, uint64_t s, uint64_t n) {
  return memoryCopy2(dm, sm, operandOf(dm, d), operandOf(sm, s), dm->is64_ && sm->is64_ ? n : uint32_t(n));
}
inline TrapCode memoryFillAny(MemoryInst* m, uint64_t d, uint8_t v, uint64_t n) {
  return memoryFill(m, operandOf(m, d), v, operandOf(m, n));
}

}  // namespace tern::ops
