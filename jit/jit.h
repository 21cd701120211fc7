// The single-pass JIT: one more visitor of FunctionDecoder, emitting x86-64
// machine code while a body is validated. Functions it cannot compile run in
// the interpreter; the two tiers share the value stack (same frame layout:
// params, locals, one slot per operand-stack depth), so calls cross between
// them freely. Which functions it compiles is runtime/tiering.cc's choice;
// the ways into and out of its code are declared in jit/entry.h (included
// here).
//
// JIT code's register contract:
//   rbx  frame pointer (slot 0 of the current frame)
//   r12  linear memory 0 base
//   r13  Ctx* (below)
//   r14  calls left before the call-depth limit (Ctx::depth_left)
//   rdi  on entry to a function: its frame pointer
// A function's prologue saves rbx and sets rbx = rdi; every call spills the
// operand stack to its slots first, so no other register lives across calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/pos_table.h"
#include "decode/function_decoder.h"
#include "jit/entry.h"
#include "jit/helpers.h"
#include "module/module.h"
#include "runtime/trap_code.h"
#include "tern/tern.hpp"

namespace tern::jit {

// One per entry into JIT code from C++; r13 points at it.
struct Ctx {
  uint8_t* mem_base = nullptr;        // 0
  uint64_t* mem_size = nullptr;       // 8   &Memory::size_
  uint64_t* stack_end = nullptr;      // 16  end of the value stack
  uintptr_t native_limit = 0;         // 24  lowest rsp allowed
  void* const* func_table = nullptr;  // 32  entry per function index
  Instance* inst = nullptr;           // 40
  uintptr_t entry_rsp = 0;            // 48  rsp to unwind to on a trap
  TrapCode trap_kind = TrapCode::None;  // 56  runtime/trap_code.h
  uint32_t trap_func = 0;             // 60  function index that trapped
  void* unwind = nullptr;             // 64  the unwind stub
  Global* const* globals = nullptr;   // 72
  void* call_out = nullptr;           // 80  stub: call function esi through C++
  std::optional<Trap>* inner = nullptr;  // 88 trap raised below (host, other instance)
  Memory* memory = nullptr;           // 96
  uintptr_t fault_pc = 0;             // 104 pc of a guard-page fault
  uintptr_t trap_rsp = 0;             // 112 rsp where the trap left JIT code
  // Calls JIT code may still nest before "call stack exhausted"
  // (Config::max_call_depth): the trampoline loads it into r14, every
  // prologue decrements r14 and every return increments it again; it is
  // written back here when JIT code calls out to C++.
  uint32_t depth_left = 0;            // 120
  uint32_t depth_start = 0;           // 124 depth_left at entry
  // Return addresses into JIT code found on the stack when a trap unwinds
  // (innermost first: the trap site's stub, then the callers), captured
  // before the stack is reused. All of them: the depth limit bounds it.
  std::vector<uintptr_t> frames;
  // The runtime helpers JIT code calls, by HelperId (jit/helpers.h): code
  // holds no host address.
  const void* const* helpers = helperTable();
};
constexpr int kCtxMemBase = 0, kCtxMemSize = 8, kCtxStackEnd = 16, kCtxNativeLimit = 24, kCtxFuncTable = 32,
              kCtxInst = 40, kCtxEntryRsp = 48, kCtxTrapKind = 56, kCtxTrapFunc = 60, kCtxUnwind = 64,
              kCtxGlobals = 72, kCtxCallOut = 80, kCtxTrapRsp = 112, kCtxDepthLeft = 120;

struct Options {
  bool bounds_checks = false;  // explicit checks instead of guard pages
  uint64_t guard_bytes = 0;    // accesses whose offset fits the guard need no check
  bool epoch = false, fuel = false;
  bool perf_map = false;
};

// Machine code of a whole module: function bodies, then one stub per function
// index that has no JIT code (imports, interpreted functions).
struct JitModule {
  uint8_t* code = nullptr;
  size_t size = 0;
  std::vector<void*> table;  // per function index
  std::vector<bool> compiled;  // per function index: has JIT code
  std::vector<std::pair<uintptr_t, uint32_t>> starts;  // (code address, function index), sorted
  // Per function index: code offset -> module offset of the instructions
  // that can trap or call (see base/pos_table.h).
  std::vector<PosTable> positions;
  ~JitModule();
  // The function whose code contains pc, or UINT32_MAX.
  uint32_t functionAt(uintptr_t pc) const;
  // The same, and the module offset of the instruction at pc
  // (PosTable::kNone if not known). For a return address, ask for ret - 1.
  std::pair<uint32_t, uint32_t> locate(uintptr_t pc) const;
  bool contains(uintptr_t pc) const { return pc >= uintptr_t(code) && pc < uintptr_t(code) + size; }
};

// Collects the code of a module's functions as they are compiled.
class ModuleBuilder {
 public:
  explicit ModuleBuilder(const Options& opts);
  ~ModuleBuilder();
  const Options& options() const { return opts_; }
  // A direct call in a function's code: the rel32 at `offset` is patched to
  // reach function `callee` (its code, or its call-out stub) when the module
  // is laid out.
  struct CallSite {
    uint32_t offset;
    uint32_t callee;
  };
  // Called by FunctionCompiler when a body is done.
  void addFunction(uint32_t func_index, std::vector<uint8_t> code, size_t entry_offset,
                   std::vector<CallSite> calls = {}, PosTable positions = {});
  // Places all code in executable memory; null if nothing was compiled.
  std::shared_ptr<JitModule> finish(const ModuleData& m);

 private:
  Options opts_;
  struct Fn {
    uint32_t index;
    std::vector<uint8_t> code;
    size_t entry;
    std::vector<CallSite> calls;
    PosTable positions;
  };
  std::vector<Fn> fns_;
};

// The visitor. Bails out (failed() == true) on anything it does not compile;
// the function then runs in the interpreter.
class FunctionCompiler {
 public:
  FunctionCompiler(const ModuleData& m, ModuleBuilder& b, uint32_t func_index);
  ~FunctionCompiler();
  void begin(const ValidatorState& s);
  void op(const ValidatorState& s, Opcode op, const Imm& imm);
  void finish(const ValidatorState& s);
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
