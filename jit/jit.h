// The single-pass JIT: one more visitor of FunctionDecoder, emitting machine
// code while a body is validated. Functions it cannot compile run in the
// interpreter; the two tiers share the value stack (same frame layout:
// params, locals, one slot per operand-stack depth), so calls cross between
// them freely. Which functions it compiles is runtime/tiering.cc's choice;
// the ways into and out of its code are declared in jit/entry.h (included
// here).
//
// The neutral part (this header, jit/compiler/, jit/jit_runtime.cc, jit/helpers.cc) lays
// out a module's code, enters it, turns traps and guard-page faults into
// Traps and walks the JIT frames for backtraces. An architecture backend
// (jit/<arch>/) provides the Masm that encodes each operation (jit/masm.h),
// the shared stubs, call-out stubs, call patching and the frame shape
// (jit/backend.h), and the fault context (jit/fault_context.h).
//
// A backend pins four registers while JIT code runs (the x64 backend names
// them in jit/x64/frame_x64.h):
//   - the frame pointer: slot 0 of the current function's value-stack frame;
//   - linear memory 0's base;
//   - the Ctx* (below);
//   - the calls left before the call-depth limit (Ctx::depth_left).
// On entry to a function a fifth register holds its frame pointer. A
// function's prologue saves its caller's frame pointer on the native stack;
// every call spills the operand stack to its slots first, so no other
// register lives across calls.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "base/pos_table.h"
#include "decode/function_decoder.h"
#include "jit/catch_table.h"
#include "jit/entry.h"
#include "jit/helpers.h"
#include "module/module.h"
#include "runtime/objects.h"
#include "runtime/trap_code.h"
#include "tern/tern.hpp"

namespace tern::platform {
struct CodeAlias;
}

namespace tern::jit {

// One per entry into JIT code from C++; the backend's Ctx register points at
// it. JIT code reads and writes the fields that have a kCtx* offset below.
struct Ctx {
  uint8_t* mem_base = nullptr;
  uint64_t* mem_size = nullptr;       // &MemoryInst::size_
  uint64_t* stack_end = nullptr;      // end of the value stack
  uintptr_t native_limit = 0;         // lowest native sp allowed
  void* const* func_table = nullptr;  // entry per function index
  ModuleInst* inst = nullptr;
  uintptr_t entry_sp = 0;               // native sp to unwind to on a trap
  TrapCode trap_kind = TrapCode::None;  // runtime/trap_code.h
  uint32_t trap_func = 0;               // function index that trapped
  void* unwind = nullptr;               // the unwind stub
  GlobalInst* const* globals = nullptr;
  void* call_out = nullptr;              // stub: call a function through C++ (jit/backend.h)
  std::optional<Trap>* inner = nullptr;  // trap raised below (host, other instance)
  MemoryInst* memory = nullptr;
  uintptr_t fault_pc = 0;  // pc of a guard-page fault
  uintptr_t trap_sp = 0;   // native sp where the trap left JIT code
  // Calls JIT code may still nest before "call stack exhausted"
  // (Config::max_call_depth): the trampoline loads it into its register,
  // every prologue decrements that and every return increments it again; it
  // is written back here when JIT code calls out to C++.
  uint32_t depth_left = 0;
  uint32_t depth_start = 0;  // depth_left at entry
  // Return addresses into JIT code of the frames a trap unwinds, innermost
  // first: the call that left the trapping function (its trap site's, or a
  // call out to C++), then its callers'. After a guard-page fault the
  // trapping function is at fault_pc and this holds its callers' only. Found
  // by walking the frames (jitCaptureFrames) before the stack is reused; all
  // of them: the depth limit bounds it.
  std::vector<uintptr_t> frames;
  // return_call_indirect to another instance's function or the host's:
  // jitTailCallIndirect leaves it here and sends the call to call_out with
  // the function index UINT32_MAX.
  FuncInst* tail_target = nullptr;
  // The runtime helpers JIT code calls, by HelperId (jit/helpers.h): code
  // holds no host address.
  const void* const* helpers = helperTable();
  // The instance's memories (ModuleInst::memories_): JIT code reaches the
  // base and size of a memory other than memory 0 through them, and the
  // fault handler accepts a fault in any of their guard regions. Last, so
  // that the offsets above stay those of code compiled before them.
  MemoryInst* const* memories = nullptr;
  uint32_t num_memories = 0;
  // A Wasm exception a catch table takes (jitCatch): the unwind stub keeps
  // the trapping frame's frame pointer in trap_fp (and the call depth in
  // depth_left), and resumes at the landing pad with the native sp catch_sp,
  // the frame pointer trap_fp and depth_left as jitCatch rewrote them.
  uint64_t* trap_fp = nullptr;
  uintptr_t catch_sp = 0;
};
// Machine code addresses Ctx fields by these offsets, so Ctx keeps a layout
// offsetof is defined for.
static_assert(std::is_standard_layout_v<Ctx>);
constexpr int kCtxMemBase = offsetof(Ctx, mem_base), kCtxMemSize = offsetof(Ctx, mem_size),
              kCtxStackEnd = offsetof(Ctx, stack_end), kCtxNativeLimit = offsetof(Ctx, native_limit),
              kCtxFuncTable = offsetof(Ctx, func_table), kCtxInst = offsetof(Ctx, inst),
              kCtxEntrySp = offsetof(Ctx, entry_sp), kCtxTrapKind = offsetof(Ctx, trap_kind),
              kCtxTrapFunc = offsetof(Ctx, trap_func), kCtxUnwind = offsetof(Ctx, unwind),
              kCtxGlobals = offsetof(Ctx, globals), kCtxCallOut = offsetof(Ctx, call_out),
              kCtxTrapSp = offsetof(Ctx, trap_sp), kCtxDepthLeft = offsetof(Ctx, depth_left),
              kCtxMemories = offsetof(Ctx, memories), kCtxTrapFp = offsetof(Ctx, trap_fp),
              kCtxCatchSp = offsetof(Ctx, catch_sp);
// JIT code stores and compares these as 32-bit words.
static_assert(sizeof(Ctx::trap_kind) == 4 && sizeof(Ctx::trap_func) == 4 && sizeof(Ctx::depth_left) == 4);

// A JIT frame on the native stack, found by walking from a trap: the
// return address into its code (the call that left it), its body sp (the
// native sp while its body runs) and its frame pointer.
struct FrameRef {
  uintptr_t ret;
  uintptr_t body_sp;
  uint64_t* fp;
};
// Calls visit for each JIT frame between the trap at native sp `sp` (as
// ctx->trap_sp records it, with ctx->trap_fp) and ctx's entry, innermost
// first, until it returns true (jit/jit_runtime.cc). After a guard-page
// fault the faulting frame is left out: it has no return address.
void walkFrames(Ctx* ctx, uintptr_t sp, bool (*visit)(void*, const FrameRef&), void* arg);
template <class Visit>
void walkFrames(Ctx* ctx, uintptr_t sp, Visit&& visit) {
  walkFrames(
      ctx, sp, [](void* v, const FrameRef& f) { return (*static_cast<Visit*>(v))(f); },
      const_cast<void*>(static_cast<const void*>(&visit)));
}

struct Options {
  bool bounds_checks = false;  // explicit checks instead of guard pages
  uint64_t guard_bytes = 0;    // accesses whose offset fits the guard need no check
  bool epoch = false, fuel = false;
  bool perf_map = false;
};

// A module's machine code as laid out, with offsets in place of addresses:
// what a .cwasm file stores (runtime/serialize.cc). The code needs no
// relocation: direct calls are relative to the call, and helpers, stubs and
// everything else outside it are reached through Ctx, so it runs wherever
// it is placed.
struct JitImage {
  std::vector<uint8_t> code;
  uint32_t stubs = 0;                                 // where the call-out stubs start
  std::vector<uint32_t> table;                        // per function index: its entry
  std::vector<std::pair<uint32_t, uint32_t>> starts;  // (code offset, function index), sorted
  std::vector<PosTable> positions;                    // per function index
  std::vector<CatchTable> catches;                    // per function index
};

// Machine code of a whole module: function bodies, then one stub per function
// index that has no JIT code (imports, interpreted functions, Lazy ones), then
// for a Lazy function a jump through its table entry, and after that the
// arena where Lazy functions are placed when they are first called
// (ModuleBuilder::place): address space reserved with the rest, so that a
// direct call reaches any of it. Where the platform gives the arena a write
// view (platform::CodeAlias), functions past the first few are packed in
// it, 16 bytes apart, written there while other threads run the code before
// them; the first few, and all where there is no such view, take pages of
// their own, written, then made executable.
struct JitModule {
  uint8_t* code = nullptr;
  size_t size = 0;  // reserved from `code` (the executable mapping), arena included
  size_t used = 0;  // bytes of code laid out at `code` (the arena not counted)
  // When the code lies in a mapped .cwasm file (adopt): the whole mapping,
  // which the module releases instead.
  void* file_mapping = nullptr;
  size_t file_mapping_size = 0;
  std::vector<void*> table;                            // per function index: its code, or its call-out stub
  uint8_t* stubs = nullptr;                            // the call-out stubs, after every function's code
  std::vector<std::pair<uintptr_t, uint32_t>> starts;  // (code address, function index), sorted
  // Per function index: code offset -> module offset of the instructions
  // that can trap or call (see base/pos_table.h).
  std::vector<PosTable> positions;
  // Per function index: its exception handlers (empty without a try).
  std::vector<CatchTable> catches;
  // Per function index: the offset from `code` a direct call to it reaches
  // (its code, its call-out stub, or a Lazy function's table jump).
  std::vector<uint32_t> direct;
  uint8_t* arena = nullptr;  // null: no Lazy function
  // The write view of the arena from alias_base on, where functions are
  // packed (ModuleBuilder::place), if it has one; tried once.
  platform::CodeAlias* arena_alias = nullptr;
  size_t alias_base = 0;
  bool alias_tried = false;
  size_t arena_used = 0;  // bytes placed so far
  // The functions placed in the arena, by address (each lies after the one
  // before): entries [0, arena_count) are complete, read by functionAt
  // while other threads place functions. Room for every Lazy function.
  struct ArenaStart {
    uintptr_t start;
    uint32_t index;
  };
  std::unique_ptr<ArenaStart[]> arena_starts;
  size_t arena_cap = 0;
  std::atomic<size_t> arena_count{0};
  ~JitModule();
  // The function whose code contains pc, or UINT32_MAX.
  uint32_t functionAt(uintptr_t pc) const;
  // The exception handlers of the function whose code contains pc, and
  // where its code starts; null when it has none.
  std::pair<const CatchTable*, uintptr_t> catchesAt(uintptr_t pc) const;
  // The same, and the module offset of the instruction at pc
  // (PosTable::kNone if not known). For a return address, ask for ret - 1.
  std::pair<uint32_t, uint32_t> locate(uintptr_t pc) const;
  bool contains(uintptr_t pc) const { return pc >= uintptr_t(code) && pc < uintptr_t(code) + size; }
  // Whether function `func_index` has JIT code, read from its table entry:
  // the same answer as its body's FuncTier::Jit (runtime/tiering.cc), which
  // is what calls consult.
  // A module loaded from a .cwasm (load, adopt) has no arena and no Lazy
  // function.
  bool compiled(uint32_t func_index) const {
    if (func_index >= table.size()) return false;
    void* entry = std::atomic_ref<void* const>(table[func_index]).load(std::memory_order_acquire);
    return entry < stubs || (arena && entry >= arena);
  }

  // The code at `code` and its tables: of a module with no Lazy function
  // (Module::serialize compiles one eagerly first).
  JitImage image() const;
  // Places `code` in executable memory, as ModuleBuilder::finish does, with
  // the tables of `image` (whose own code is not used); null when it cannot
  // (no JIT, no memory, offsets out of range).
  static std::shared_ptr<JitModule> load(std::span<const uint8_t> code, JitImage image);
  // The same for `code` inside a file mapping (platform::mapFile) whose
  // ownership it takes: the code's pages are made read+execute where they
  // are, without a copy; `code` starts on a page. Null, with the mapping
  // still the caller's, when they cannot be (then load() copies).
  static std::shared_ptr<JitModule> adopt(void* mapping, size_t mapping_size, std::span<const uint8_t> code,
                                          JitImage image);
};

// Collects the code of a module's functions as they are compiled.
class ModuleBuilder {
 public:
  explicit ModuleBuilder(const Options& opts);
  ~ModuleBuilder();
  ModuleBuilder(const ModuleBuilder&) = delete;
  ModuleBuilder& operator=(const ModuleBuilder&) = delete;
  const Options& options() const { return opts_; }
  // From now on, the code of functions added in index order goes straight
  // into the memory finish() then makes executable (reserved at the first,
  // laid out as finish() lays it out): one copy of all the machine code
  // fewer. For the builder that compiles a whole module on one thread; a
  // function added out of order, or past the reservation, is kept apart
  // and finish() copies the lot as without this.
  void stageCode() { stage_wanted_ = true; }
  // A direct call in a function's code: the rel32 at `offset` is patched to
  // reach function `callee` (its code, or its call-out stub) when the module
  // is laid out.
  struct CallSite {
    uint32_t offset;
    uint32_t callee;
  };
  // Called by FunctionCompiler when a body is done (`code` and `calls` are
  // copied): `calls` are its direct calls, as (offset, callee) CallSites.
  void addFunction(uint32_t func_index, std::span<const uint8_t> code, size_t entry_offset,
                   std::span<const std::pair<uint32_t, uint32_t>> calls = {}, PosTable positions = {},
                   CatchTable catches = {});
  // Moves the functions `other` collected into this one (a body compiled on
  // another thread, with its own builder: runtime/tiering.cc).
  void append(ModuleBuilder&& other);
  // Places all code in executable memory, in function index order whatever
  // order the functions were added in; null if nothing was compiled.
  // Reserves the arena when some body is FuncTier::Lazy.
  std::shared_ptr<JitModule> finish(const ModuleData& m);
  // Places the functions added since in `jm`'s arena and points their table
  // entries at them; false when the arena is full (nothing placed then).
  // The caller serializes calls for one JitModule (LazyCompiler's lock).
  bool place(JitModule& jm, const ModuleData& m);

 private:
  Options opts_;
  static constexpr size_t kNotStaged = SIZE_MAX;
  struct Fn {
    uint32_t index;
    std::vector<uint8_t> code;  // empty when staged
    size_t at;                  // the code's offset in stage_, or kNotStaged
    size_t size;                // of the code
    size_t entry;
    size_t first_call, ncalls;  // its direct calls: calls_[first_call, + ncalls)
    PosTable positions;
    CatchTable catches;
  };
  const uint8_t* bytesOf(const Fn& f) const { return f.at == kNotStaged ? f.code.data() : stage_ + f.at; }
  std::span<const CallSite> callsOf(const Fn& f) const { return {calls_.data() + f.first_call, f.ncalls}; }
  // Copies code to stage_ at f.at; false (f not staged) when it cannot.
  bool stage(Fn& f, std::span<const uint8_t> code);
  void releaseStage();
  std::vector<Fn> fns_;
  std::vector<CallSite> calls_;  // every Fn's, one after another
  // stageCode(): a reservation of stage_reserved_ bytes, the first
  // stage_committed_ of them writable; the staged code ends at stage_end_.
  bool stage_wanted_ = false;
  uint8_t* stage_ = nullptr;
  size_t stage_reserved_ = 0, stage_committed_ = 0, stage_end_ = 0;
};

// Compiles one function body in the decoder's single pass (its Impl is the
// decoder's visitor). Bails out (failed() == true) on anything it does not
// compile; the function then runs in the interpreter.
class FunctionCompiler {
 public:
  FunctionCompiler(const ModuleData& m, ModuleBuilder& b, uint32_t func_index);
  ~FunctionCompiler();
  // Decodes and validates the body (r at its local declarations, which are
  // appended to *declared_locals) and compiles it in the same pass. The
  // decoder visits the compiler's own state (FunctionDecoder<Impl>), so that
  // the hot paths of its op() inline into the decoding loop, where the
  // opcode is often a constant: no call per instruction. False on invalid
  // code (*err says why); then, or when failed(), nothing was compiled.
  bool compile(Reader& r, std::vector<ValType>* declared_locals, DecodeError* err);
  bool failed() const;
  const std::string& failure() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when this build and host can run JIT code.
bool available();

// enter() and the other ways into and out of JIT code: jit/entry.h.

// Installs, through the platform layer, the fault handler that turns a fault
// in JIT code on a linear memory's guard region into a trap (once per
// process), and the alternate signal stack of the calling thread.
void installTrapHandler();
void ensureAltStack();

}  // namespace tern::jit
