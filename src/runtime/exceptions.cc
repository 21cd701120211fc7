// Tags and Wasm exceptions at the API (the exceptions feature).
//
// How an exception travels (the design both tiers share):
//   - A tag is a runtime object (TagInst, runtime/objects.h): a module's
//     own tags are made at instantiation, imported ones are the exporter's,
//     so `catch` matches by object identity, across instances.
//   - An exception in flight is a Trap of kind UncaughtException whose
//     wasm_exception holds the tag and the values. It leaves every frame the
//     way a trap does (interpreter frames, JIT frames through their unwind
//     stub, host frames through the host-call boundary), so it crosses
//     tiers, instances and host functions with no machinery of its own.
//   - What is not trap-like is the stop: each function that has handlers
//     keeps a table of them (interp::Code::handlers, interp/lower.h), word
//     ranges of its try bodies with their catch clauses, or the handler
//     they delegate to, in the order the trys open, the way the backtrace
//     keeps PosTables. When an exception has unwound the frames of one run
//     of the interpreter's loop, which records where it was raised, the
//     loop's caller looks up each of those frames' pc in its table
//     (interp/interp.cc, catchException and findCatch); a match restores the
//     frames up to it, writes the values to the clause's slots and runs the
//     loop again from the clause. Real traps skip the tables.
//   - The JIT throws (jitMisc builds the exception and traps) but does not
//     catch yet (jit/compiler/ops.cc): a function with try or rethrow runs
//     in the interpreter, and exceptions pass through JIT frames as traps
//     do. A JIT that catches would register the same ranges against its
//     code offsets and resume at the handler with the entry frame's sp.
//   - Wasm 3.0's try_table/throw_ref/exnref use the same table: a
//     try_table's catch clauses are handler entries whose code (a landing
//     pad before the body) branches to the clause's label with the values.
//     An exnref (catch_ref, catch_all_ref) is the WasmException's address;
//     the store keeps the exception it names (Store::Impl::exnrefs_, until
//     the store ends: exnrefs are not counted), so throw_ref, a host
//     function or Store::rethrow raise that same exception again. The JIT
//     runs functions with try_table or throw_ref in the interpreter; an
//     exnref passes through JIT frames as any reference does.
#include "runtime/objects.h"

namespace tern {

const FuncType& Tag::type() const { return tagInst(this)->type_; }
const std::string& Tag::name() const { return tagInst(this)->name_; }

Trap exceptionTrap(std::shared_ptr<const WasmException> exn) {
  Trap t = Trap::make(TrapKind::UncaughtException);
  t.message += std::string(" (") + (exn->tag ? exn->tag->name() : "no tag") + ")";
  t.wasm_exception = std::move(exn);
  return t;
}

Trap Trap::raise(Tag* tag, std::vector<Value> values) {
  auto exn = std::make_shared<WasmException>();
  exn->tag = tag;
  exn->values = std::move(values);
  return exceptionTrap(std::move(exn));
}

uint64_t Store::Impl::exnRef(const std::shared_ptr<const WasmException>& exn) {
  exnrefs_.try_emplace(exn.get(), exn);
  return uint64_t(uintptr_t(exn.get()));
}

Trap Store::Impl::throwRef(uint64_t ref) const {
  auto it = exnrefs_.find(reinterpret_cast<const WasmException*>(uintptr_t(ref)));
  if (it == exnrefs_.end()) {
    Trap t = Trap::make(TrapKind::NullReference);
    t.message = "null exception reference";  // the spec's text for throw_ref
    return t;
  }
  return exceptionTrap(it->second);
}

Trap Store::rethrow(Value exnref) const { return impl_->throwRef(exnref.type == ValType::ExnRef ? exnref.bits : 0); }

Tag* Store::createTag(const FuncType& type, std::string name) { return impl_->newTag(type, std::move(name)); }

TagInst* Store::Impl::newTag(FuncType type, std::string name) {
  auto t = std::make_unique<TagInst>();
  t->type_ = std::move(type);
  t->name_ = std::move(name);
  t->store_ = this;
  TagInst* p = t.get();
  tags_.push_back(std::move(t));
  return p;
}

TagInst* Store::Impl::newTag(const ModuleData& m, uint32_t tag_index) {
  std::string name = "tag " + std::to_string(tag_index);
  for (const Export& e : m.exports)
    if (e.kind == ExternKind::Tag && e.index == tag_index) {
      name = e.name;
      break;
    }
  return newTag(m.types[m.tags[tag_index]], std::move(name));
}

Tag* Instance::getTag(std::string_view name) const {
  auto e = getExport(name);
  return e ? e->tag() : nullptr;
}

}  // namespace tern
