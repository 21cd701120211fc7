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
//   - The JIT catches the same way at its own granularity: each compiled
//     function with a try has a CatchTable (jit/catch_table.h), code ranges
//     of its try bodies (and the out-of-line exits of the throws in them)
//     mapped to handlers whose clauses name landing pads. A try spills the
//     operand stack and the body keeps nothing in registers across what can
//     throw, so a landing pad starts from a frame known at compile time.
//     When a trap reaches the unwind stub, jitCatch (jit/entry.h) walks the
//     JIT frames up to the entry, looks each one's return address up in its
//     function's table and, when a clause takes the exception, writes the
//     values to the clause's slots and resumes there with that frame's sp,
//     frame pointer and call depth. JIT frames hold nothing else, so
//     dropping the frames above costs nothing. Both tiers keep a caught
//     exception for rethrow in the interpreter's per-thread list, by the
//     address of the clause's slot, so that rethrow works the same in
//     either tier.
//   - Wasm 3.0's try_table/throw_ref/exnref use the same table: a
//     try_table's catch clauses are handler entries whose code (a landing
//     pad before the body) branches to the clause's label with the values.
//     An exnref (catch_ref, catch_all_ref) is the WasmException's address;
//     the store keeps the exception it names (Store::Impl::exnrefs_, until
//     the store ends: exnrefs are not counted), so throw_ref, a host
//     function or Store::rethrow raise that same exception again. The JIT
//     runs functions with try_table or throw_ref in the interpreter (its
//     CatchTable has no clause kind for them yet); an
//     exnref passes through JIT frames as any reference does.
#include "base/build.h"
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
  if constexpr (!kBuildExceptions) return nullptr;  // never reached: the decoder refuses tags (base/build.h)
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
