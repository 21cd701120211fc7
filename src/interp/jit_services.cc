// The runtime's services to JIT code (declared in jit/entry.h): calls into
// other tiers and instances, memory.grow, call_indirect, table and bulk
// operations, interruption. They live with the interpreter because they use
// its per-thread call state (through interp::callFromJit).
#include "interp/internal.h"
#include "jit/entry.h"
#include "jit/jit.h"
#include "module/module.h"
#include "runtime/ops.h"
#include "runtime/tiering.h"

namespace tern::jit {

// Calls f (host, another instance, or an interpreted function) with its
// arguments at fp; the results replace them. Called from JIT code, which
// has no unwind information: noexcept, so that an exception the host-call
// boundary does not catch (a failed allocation in between) ends the process
// in this frame rather than unwinding into JIT frames.
static int callFuncOut(Ctx* ctx, FuncInst* f, uint64_t* fp) noexcept {
  std::optional<Trap> tr = interp::callFromJit(ctx->inst, f, fp, ctx->depth_start - ctx->depth_left);
  if (!tr) return 0;
  *ctx->inner = std::move(tr);
  ctx->trap_kind = trapCode(TrapKind::Host);
  return 1;
}

uintptr_t jitCallOut(Ctx* ctx, uint32_t func_index, uint64_t* fp, uintptr_t caller_sp) {
  FuncInst* f = func_index == UINT32_MAX ? ctx->tail_target : ctx->inst->funcs_[func_index];
  if (caller_sp == ctx->entry_sp) {
    // Only a tail call reaches a call-out stub from the entry frame.
    interp::setTailPending(f);
    return 0;
  }
  const ModuleData& md = ctx->inst->module_->data();
  if (f->instance_ == ctx->inst && func_index >= md.num_imported_funcs &&
      compileLazily(md, func_index - md.num_imported_funcs) == FuncTier::Jit) {
    // Compiled now (or by another thread since the caller read the table):
    // entered by the stub, as by a direct call.
    return uintptr_t(std::atomic_ref<void* const>(ctx->func_table[func_index]).load(std::memory_order_acquire));
  }
  return uintptr_t(callFuncOut(ctx, f, fp));
}

int32_t jitMemoryGrow(Ctx* ctx, uint32_t delta) {
  if (!ctx->memory) return -1;
  return int32_t(ctx->memory->grow(delta));
}

// The function call_indirect and return_call_indirect call, or null after
// a trap (ctx->trap_kind set).
static FuncInst* indirectCallee(Ctx* ctx, uint32_t type_index, uint32_t table, uint32_t elem) {
  TrapKind k = TrapKind::Unreachable;
  FuncInst* f = ops::indirectCallee(ctx->inst, table, elem, ctx->inst->type_ids_[type_index], &k);
  if (!f) ctx->trap_kind = trapCode(k);
  return f;
}

void* jitTailCallIndirect(Ctx* ctx, uint32_t type_index, uint32_t table, uint32_t elem) {
  FuncInst* f = indirectCallee(ctx, type_index, table, elem);
  if (!f) return nullptr;
  if (f->instance_ == ctx->inst) return ctx->func_table[f->index_];
  ctx->tail_target = f;
  return ctx->call_out;
}

void* jitCallIndirect(Ctx* ctx, uint32_t type_index, uint32_t table, uint32_t elem, uint64_t* fp) {
  FuncInst* f = indirectCallee(ctx, type_index, table, elem);
  if (!f) return nullptr;
  if (f->instance_ == ctx->inst) return ctx->func_table[f->index_];
  // Another instance or the host: call it from here.
  if (callFuncOut(ctx, f, fp) != 0) return nullptr;
  return retStub();
}

// Table, reference and bulk-memory instructions, memory.grow of a 64-bit
// memory or of a memory other than memory 0, and throw; operands in v[0..].
// The memory instructions name their memory in a (memory.copy's source in
// b; memory.init: the segment in a, the memory in b). Each memory's
// addresses and sizes are i64 or i32 by its own type (ops::operandOf).
uint64_t jitMisc(Ctx* ctx, uint32_t op, uint32_t a, uint32_t b, const uint64_t* v) {
  ModuleInst* inst = ctx->inst;
  TrapCode k = TrapCode::None;
  uint64_t r = 0;
  const uint32_t mem_index = Opcode(op) == Opcode::MemoryInit ? b : a;
  MemoryInst* mem = mem_index == 0                       ? ctx->memory
                    : mem_index < inst->memories_.size() ? inst->memories_[mem_index]
                                                         : nullptr;
  switch (Opcode(op)) {
    case Opcode::RefFunc: r = ops::refFunc(inst, a); break;
    case Opcode::TableGet: k = ops::tableGet(inst, a, uint32_t(v[0]), &r); break;
    case Opcode::TableSet: k = ops::tableSet(inst, a, uint32_t(v[0]), v[1]); break;
    case Opcode::TableSize: r = ops::tableSize(inst, a); break;
    case Opcode::TableGrow: r = ops::tableGrow(inst, a, v[0], uint32_t(v[1])); break;
    case Opcode::TableFill: k = ops::tableFill(inst, a, uint32_t(v[0]), v[1], uint32_t(v[2])); break;
    case Opcode::TableCopy: k = ops::tableCopy(inst, a, b, uint32_t(v[0]), uint32_t(v[1]), uint32_t(v[2])); break;
    case Opcode::TableInit: k = ops::tableInit(inst, b, a, uint32_t(v[0]), uint32_t(v[1]), uint32_t(v[2])); break;
    case Opcode::ElemDrop: ops::elemDrop(inst, a); break;
    case Opcode::MemoryInit: k = ops::memoryInitAny(inst, b, a, v[0], v[1], v[2]); break;
    case Opcode::DataDrop: ops::dataDrop(inst, a); break;
    case Opcode::MemoryCopy:
      k = ops::memoryCopyAny(mem, b == 0 ? ctx->memory : inst->memories_[b], v[0], v[1], v[2]);
      break;
    case Opcode::MemoryFill: k = ops::memoryFillAny(mem, v[0], uint8_t(v[1]), v[2]); break;
    case Opcode::MemoryGrow: r = ops::memoryGrowAny(mem, v[0]); break;
    case Opcode::Throw: {  // tag a, its values from v on
      TagInst* tag = inst->tags_[a];
      std::vector<Value> values;
      for (ValType t : tag->type_.params) {
        values.push_back(Value{t, v[0], t == ValType::V128 ? v[1] : 0});
        v += slotsOf(t);
      }
      *ctx->inner = Trap::raise(tag, std::move(values));
      k = trapCode(TrapKind::UncaughtException);
      break;
    }
    case Opcode::Rethrow:  // v: the clause's slot
      *ctx->inner = interp::rethrownByJit(v);
      k = trapCode((*ctx->inner)->kind);
      break;
    default: k = trapCode(TrapKind::Unreachable); break;
  }
  if (isTrap(k)) ctx->trap_kind = k;
  return r;
}

void* jitCatch(Ctx* ctx) noexcept {
  if (ctx->fault_pc || !ctx->inner || !*ctx->inner) return nullptr;  // a real trap: never caught
  std::shared_ptr<const WasmException> exn = (*ctx->inner)->wasm_exception;
  if (!exn || !interp::catchable(*exn)) return nullptr;
  const JitModule& jm = *ctx->inst->module_->data().jit;
  const std::vector<TagInst*>& tags = ctx->inst->tags_;
  const CatchTable::Clause* clause = nullptr;
  const CatchTable::Handler* h = nullptr;
  uintptr_t pad = 0;
  FrameRef at{};
  uint32_t frames_out = 0;  // frames between the trap's and the catcher's
  walkFrames(ctx, ctx->trap_sp, [&](const FrameRef& f) {
    auto [table, start] = jm.catchesAt(f.ret - 1);
    if (table) {
      clause = table->find(
          uint32_t(f.ret - 1 - start), [&](uint32_t tag) { return tag < tags.size() && tags[tag] == exn->tag; }, &h);
      if (clause) {
        pad = start + clause->pad;
        at = f;
        return true;
      }
    }
    ++frames_out;
    return false;
  });
  if (!clause) return nullptr;
  interp::caughtByJit(at.fp + h->exn_slot, exn, clause->tag != CatchTable::kCatchAll);
  ctx->inner->reset();
  ctx->trap_kind = TrapCode::None;
  ctx->catch_sp = at.body_sp;
  ctx->trap_fp = at.fp;
  ctx->depth_left += frames_out;  // each frame left gives its call back
  return reinterpret_cast<void*>(pad);
}

int32_t jitCheckInterrupt(Ctx* ctx, uint32_t flags) {
  Store::Impl* st = ctx->inst->store_;
  if ((flags & 1) && st->epoch_->load(std::memory_order_relaxed) >= st->epoch_deadline_) {
    ctx->trap_kind = trapCode(TrapKind::Interrupted);
    return 1;
  }
  if ((flags & 2) && --st->fuel_ < 0) {
    st->fuel_ = 0;
    ctx->trap_kind = trapCode(TrapKind::OutOfFuel);
    return 1;
  }
  return 0;
}

}  // namespace tern::jit
