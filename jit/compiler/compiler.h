// The single-pass compiler's private state: a FunctionDecoder visitor that
// emits machine code through the architecture's Masm (jit/masm.h) while the
// body is validated. Architecture-neutral: the operand stack, register
// allocation, caching of locals and control flow live here; encodings,
// fixed registers and the calling convention in jit/<arch>/. The code is in
//   stack.cc    registers, the locals cache, spills, operands
//   control.cc  blocks, branches, the cache across control flow, entry/exit
//   arith.cc    integer and float operators, operator helpers
//   ops.cc      the dispatch of one instruction, memory, calls, locals
//
// The operand stack is abstract while compiling. An entry is
//   Stack  the value is in its canonical frame slot (one slot per depth),
//   Reg    the value is in a register (of a register class),
//   Local  an alias of a local's slot (a local.get not yet copied),
//   Const  a constant, folded into the instruction that uses it,
//   Cmp    a compare whose flags are not computed yet, fused with the
//          br_if / if / select that consumes it.
// Values stay in registers while straight-line code runs. They go to their
// slots when registers run out (the deepest entry first), before calls, and
// at block boundaries: every merge point expects the entries below it in
// their slots, so all paths into a label agree without a merge pass.
//
// Locals are cached in registers, write-through: a local's slot always holds
// its value and a register may hold a copy, filled on read when a register
// is free and taken over from local.set/tee's operand. Dropping a copy costs
// nothing, so copies are evicted (least recently used) before any value is
// spilled, and forgotten at calls.
//
// The cache across control flow rests on three invariants:
//  1. At every point of the generated code, each (register, local) pair of
//     the compile-time cache state holds at run time: the register equals
//     the local's slot. (Write-through makes the slot always right.)
//  2. A label's state is fixed by the time any code that depends on it is
//     compiled, and every path into the label establishes all of it:
//       - a block or if end: the intersection of what the paths reaching it
//         carry (forward edges are all compiled before the end is bound, so
//         the intersection is complete when the end's code starts);
//       - a loop head: the state the loop is entered with. Back edges are
//         compiled after code that already relied on that state (the body,
//         exits recorded in outer blocks' merge states, br_table stubs), so a
//         back edge restores the whole of it, never less. A single pass
//         cannot take a promise back once it is made.
//  3. A back edge's restore only emits code on its own path: it changes no
//     compile-time state of the fall-through (br_if, br_table stubs).
// Only forward merges shrink a state; nothing is ever assumed that some path
// does not establish.
//
// Registers are kept per register file (general purpose; float and vector)
// as bit masks of the ids the Masm declares; fixed registers are the Masm's
// business: the compiler only keeps the masks an emitter clobbers free.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "decode/scan.h"
#include "jit/catch_table.h"
#include "jit/jit.h"
#include "jit/masm.h"
#include "module/opcodes.h"

namespace tern::jit {

static_assert(MacroAssembler<Masm>);

uint64_t (*helperFor(Opcode op))(uint64_t, uint64_t, Ctx*);
bool helperTraps(Opcode op);

namespace compiler {

using Label = Masm::Label;
// Machine code bytes per byte of Wasm body, about: the code buffer is sized
// from the body up front rather than grown (and copied) as it fills.
constexpr size_t kCodePerBodyByte = 4;
// Register ids per file: masks are 32 bits.
constexpr int kRegs = std::max(Masm::kGpRegs, Masm::kFpRegs);
static_assert(kRegs <= 32);
constexpr int kGp = 0, kFp = 1;  // register files (regFile)

struct Entry {
  enum Kind : uint8_t { Stack, Reg, Local, Const, Cmp } kind = Stack;
  RegClass cls = RegClass::Gp;                          // Reg: register class. Cmp: Fp for a float compare
  uint8_t reg = 0;                                      // Reg: the register. Cmp: left operand's register
  bool wide = false;                                    // Cmp: 64-bit operands
  enum Rhs : uint8_t { RImm, RReg, RSlot } rhs = RImm;  // Cmp: right operand
  uint8_t rreg = 0;
  Cond cc = Cond::Eq;
  // Cmp (integer): an operand register that caches a local is read in
  // place, not owned. Such a compare is consumed before any allocation, or
  // first takes the left one over and reads the right one from its slot.
  bool lborrow = false, rborrow = false;
  // A v128 value: two slots; a Stack, Local or Reg (class Vec) entry, never
  // a constant or a compare.
  bool vec = false;
  uint32_t slot = 0;   // Local: the local. Cmp: right operand's slot
  uint64_t value = 0;  // Const; Cmp: right operand immediate
  bool isGpReg() const { return kind == Reg && cls == RegClass::Gp; }
  bool isFpReg() const { return kind == Reg && cls != RegClass::Gp; }
};
// (The bytes first, then the words: entries are copied on every push and pop.)
static_assert(sizeof(Entry) == 24);

// The operand stack: the few operations of a std::vector the compiler
// uses, and an append that needs no call (tryPush), for the hot path of
// op() that must save no registers.
class EntryStack {
 public:
  EntryStack() = default;
  EntryStack(EntryStack&& o) noexcept { *this = std::move(o); }
  EntryStack& operator=(EntryStack&& o) noexcept {
    buf_ = std::move(o.buf_);
    size_ = o.size_;
    cap_ = buf_.size();
    o.cap_ = o.buf_.size();
    return *this;
  }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  Entry& back() { return buf_[size_ - 1]; }
  const Entry& back() const { return buf_[size_ - 1]; }
  Entry& operator[](size_t i) { return buf_[i]; }
  const Entry& operator[](size_t i) const { return buf_[i]; }
  const Entry* begin() const { return buf_.data(); }
  const Entry* end() const { return buf_.data() + size_; }
  void push_back(const Entry& e) {
    if (size_ == cap_) [[unlikely]]
      grow();
    buf_[size_++] = e;
  }
  // A new default entry on top while there is room; null (nothing done)
  // when there is none.
  Entry* tryPush() {
    if (size_ == cap_) return nullptr;
    Entry* e = &buf_[size_++];
    *e = Entry{};
    return e;
  }
  void pop_back() { --size_; }
  void clear() { size_ = 0; }
  void reserve(size_t n) {
    if (n > buf_.size()) buf_.resize(n);
    cap_ = buf_.size();
  }

 private:
  [[gnu::noinline]] void grow() {
    buf_.resize(buf_.empty() ? 64 : 2 * buf_.size());
    cap_ = buf_.size();
  }
  std::vector<Entry> buf_;  // the entries, then room to grow into
  size_t size_ = 0;
  size_t cap_ = 0;  // buf_.size(), kept (a division by 24 otherwise)
};

// A register order (Masm::kGpOrder, kFpOrder) as its runs of consecutive
// ascending ids, each a mask, in the order's order: the first free register
// of the order is the lowest free one of the first run with a free one (a
// test per run, not per register).
struct OrderRuns {
  uint32_t mask[kRegs] = {};
  int n = 0;
};
template <size_t N>
constexpr OrderRuns orderRuns(const uint8_t (&order)[N]) {
  OrderRuns o;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0 && order[i] == order[i - 1] + 1) o.mask[o.n - 1] |= 1u << order[i];
    else o.mask[o.n++] = 1u << order[i];
  }
  return o;
}
inline constexpr OrderRuns kGpRuns = orderRuns(Masm::kGpOrder), kFpRuns = orderRuns(Masm::kFpOrder);

// An entry taken off the stack, with the depth it had and, for a Stack
// entry, its slot (taken when it was popped: the entries below may go too).
struct Val {
  Entry e;
  uint32_t d = 0;
  uint32_t s = 0;
};

// Which local each register caches, per register file: the registers in
// `mask` cache holder[file][reg]; the holder of any other is meaningless.
// The masks make the work at block boundaries proportional to what is
// cached (often nothing), not to the number of registers.
struct CacheState {
  uint32_t mask[2] = {};
  int32_t holder[2][kRegs];  // (left unset: only the masked entries are ever read)
  int32_t at(int file, int r) const { return (mask[file] >> r) & 1 ? holder[file][r] : -1; }
};

struct JFrame {
  // User-provided, so that frames.emplace_back() does not zero the whole
  // frame first (its cache states are large, and only their masked
  // entries are ever read): the members below with initializers get them.
  JFrame() {}
  CtrlKind kind = CtrlKind::Block;
  uint32_t result_base = 0;
  uint32_t nparams = 0, nresults = 0;
  uint64_t vec_params = 0, vec_results = 0;  // bit i: param / result i is a v128
  // End of block, or head of loop; a block's is made when something first
  // branches to it (has_label): most blocks are only ever fallen out of.
  Label label;
  bool has_label = false;
  Label else_label;  // if: start of else / end
  bool has_else_label = false;
  // loop: the cache at the head; every back edge restores all of it (never
  // less: code compiled after the head has relied on every entry).
  CacheState head_cache;
  // block/if: the cache every path reaching the end agrees on so far.
  bool merge_seen = false;
  CacheState merge_cache;
  // if: the cache when the condition was tested (the else path's start).
  CacheState if_cache;
  // try, catch, catch_all: its handler in the function's CatchTable, and
  // the try body's range there.
  int32_t handler = -1;
  uint32_t range = 0;
};

inline bool isFloat(ValType t) { return t == ValType::F32 || t == ValType::F64; }
inline RegClass classOf(ValType t) {
  return t == ValType::V128 ? RegClass::Vec : isFloat(t) ? RegClass::Fp : RegClass::Gp;
}
// Bit i set when types[i] is a v128 (block, call and function signatures).
template <class Types>
uint64_t vecMask(const Types& types) {
  uint64_t m = 0;
  for (size_t i = 0; i < types.size() && i < 64; ++i)
    if (types[i] == ValType::V128) m |= uint64_t(1) << i;
  return m;
}
inline bool vecBit(uint64_t mask, uint32_t i) { return i < 64 && (mask >> i) & 1; }
inline ::tern::jit::Reg gpR(int id) { return gpReg(id); }
inline ::tern::jit::Reg fpR(int id) { return fpReg(id); }

}  // namespace compiler

// Hidden: libtern is built position-independent (-fPIC), where a member of
// default visibility could be interposed at run time, so GCC inlines none
// into another (fillCache into gpOwned, the encodings into the Masm's
// moves, ...). Nothing outside the library calls these.
struct __attribute__((visibility("hidden"))) FunctionCompiler::Impl {
  using Entry = compiler::Entry;
  using Val = compiler::Val;
  using CacheState = compiler::CacheState;
  using JFrame = compiler::JFrame;
  using Label = compiler::Label;
  static constexpr int kRegs = compiler::kRegs;
  static constexpr int kGp = compiler::kGp, kFp = compiler::kFp;

  const ModuleData& m;
  ModuleBuilder& builder;
  uint32_t func_index;
  Masm a;
  bool failed = false;
  std::string why;

  // Slots of the locals and of the params (module/frame_layout.h). The
  // register cache and the Local entries name a local by its first slot; a
  // v128 local takes two (local_vec marks its first), so the loop scan,
  // which names locals by index, goes through local_index.
  uint32_t nlocals = 0, nparams = 0, max_height = 0;
  // Whether any v128 value is on the stack or among the locals: without
  // one, every entry takes one slot and slot heights are depths.
  bool any_vec = false;
  std::vector<uint8_t> local_vec;     // per slot: a v128 local starts here
  std::vector<uint32_t> local_index;  // per slot: the local's index (any_vec only)
  uint32_t localIndex(uint32_t slot) const { return local_index.empty() ? slot : local_index[slot]; }
  const FrameLayout* layout = nullptr;  // the ValidatorState's, alive while the body is compiled
  compiler::EntryStack stack;
  std::vector<JFrame> frames;
  uint32_t busy[2] = {};  // per register file: registers owned by stack entries or the instruction
  Label trap_common;
  Label trap_labels[16];
  bool trap_used[16] = {};
  // Every place that can trap jumps to a stub of its own at the end of the
  // function: `call` to the stub of its trap kind (or to trap_common when a
  // helper has set the kind), so the return address it leaves on the stack
  // names the site, and the site's entry in `positions` its Wasm offset.
  struct TrapSite {
    Label label;
    TrapCode code;  // None: a helper has set it
    uint32_t offset;
    int32_t handler;  // the innermost try body around the site (CatchTable), or -1
  };
  std::vector<TrapSite> sites;
  PosTable positions;
  // The decoder's state while it visits (set by begin()): the module offset
  // of the instruction being compiled is its opOffset(), worked out only for
  // what records one (a trap site, a position), not on every visit.
  const ValidatorState* state = nullptr;
  uint32_t entry_offset = 0;  // the body's, reported by the checks at entry
  uint32_t opOffset() const { return state ? uint32_t(state->opOffset()) : entry_offset; }

  // The exception handlers (jit/catch_table.h), and while the body is
  // compiled each handler's clauses (flattened into `catches` at the end:
  // a try inside a catch clause adds its own between a try's clauses).
  CatchTable catches;
  std::vector<std::vector<CatchTable::Clause>> clause_lists;

  // ---- locals cached in registers (write-through, see the top) ----
  std::vector<int8_t> local_reg;    // per local: register caching it, or -1
  std::vector<RegClass> local_cls;  // that register's class
  int32_t holder[2][kRegs];         // per file and register: the local it caches, or -1
  uint32_t cache[2] = {};           // per file: registers caching a local
  uint32_t stamp[2][kRegs] = {};
  uint32_t clock = 0;

  // At loop heads, the bodies' reads looked at ahead (keepLoopReads).
  LoopReads loop_reads;
  bool loop_reads_started = false;

  Impl(const ModuleData& md, ModuleBuilder& b, uint32_t fi) : m(md), builder(b), func_index(fi), a(fi) {
    takeScratch();
  }
  ~Impl() { leaveScratch(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  // One per function, and large: the thread keeps the last one's memory
  // for the next (ops.cc).
  static void* operator new(size_t bytes);
  static void operator delete(void* p);
  // The per-function buffers come from, and go back to, the thread's
  // Scratch (ops.cc; why: jit/scratch.h).
  struct Scratch;
  static Scratch& scratch();
  void takeScratch();
  void leaveScratch();

  void fail(const std::string& w) {
    if (!failed) why = w;
    failed = true;
  }
  // The same for a literal, out of line: no string is made on the hot paths
  // that name a failure.
  [[gnu::cold, gnu::noinline]] void fail(const char* w) { fail(std::string(w)); }

  // ---- slots ----
  uint32_t depth() const { return uint32_t(stack.size()); }
  // The slot of the stack entry at depth d: the locals, then the slots of
  // the entries below it (two for a v128).
  uint32_t slotOfDepth(uint32_t d) const {
    if (!any_vec) return nlocals + d;
    uint32_t s = nlocals + d;
    for (uint32_t i = 0; i < d && i < depth(); ++i) s += stack[i].vec;
    return s;
  }
  // The slot a Stack or Local value lives in.
  uint32_t slotOf(const Entry& e, uint32_t d) const { return e.kind == Entry::Local ? e.slot : slotOfDepth(d); }
  uint32_t slotOf(const Val& v) const { return v.e.kind == Entry::Local ? v.e.slot : v.s; }
  bool inMemory(const Entry& e) const { return e.kind == Entry::Stack || e.kind == Entry::Local; }

  // ---- traps (control.cc) ----
  Label kindStub(unsigned k);
  Label trapLabel(TrapKind k);  // a new trap site of the instruction being compiled
  Label trapSet();              // the same, for a trap whose kind a helper has set
  // A fault on a guard page reports the faulting pc, a caller its return
  // address: the code of loads, stores and calls is covered by an entry
  // from its start to the next entry.
  void markPosition() { positions.add(a.offset(), opOffset()); }
  // A compare waits on the stack (fused only into br_if, if and select).
  bool cmpOnTop() const { return !stack.empty() && stack.back().kind == Entry::Cmp; }

  // ---- the operand stack ----
  void noteDepth() {
    uint32_t h = slotOfDepth(depth()) - nlocals;
    if (h > max_height) max_height = h;
  }
  void freeReg(RegClass c, int r) { busy[regFile(c)] &= ~(1u << r); }
  void freeGp(int r) { busy[compiler::kGp] &= ~(1u << r); }
  void release(const Entry& e);
  void pushReg(int r, RegClass c);
  void pushStack(bool vec = false) {
    Entry e;
    e.vec = vec;
    any_vec |= vec;
    stack.push_back(e);
    noteDepth();
  }
  void pushConst(uint64_t v);
  void pushLocal(uint32_t slot);  // local.get: an alias of the local's slot
  Val pop() {
    // (The depth once; slotOfDepth(d) reads only the entries below d.)
    const uint32_t d = depth() - 1;
    Val v{stack[d], d, slotOfDepth(d)};
    stack.pop_back();
    return v;
  }
  void resetTo(uint32_t d) {
    while (depth() > d) release(pop().e);
  }

  // ---- the locals cache and allocation (stack.cc) ----
  void dropCacheReg(int file, int r);
  void dropLocalCache(uint32_t x) {
    if (local_reg[x] >= 0) dropCacheReg(regFile(local_cls[x]), local_reg[x]);
  }
  void clearCache();
  int cacheOf(uint32_t x, RegClass c);
  // The register caching local x in any class (-1: none), for a read.
  int cacheAny(uint32_t x) const { return local_reg[x]; }
  ::tern::jit::Reg cacheReg(uint32_t x) const { return regOf(local_cls[x], local_reg[x]); }
  void adoptCache(uint32_t x, RegClass c, int r);
  void cacheIn(uint32_t x, RegClass c, int r);
  int takeFree(RegClass c);
  int takeFreeOrEvict(RegClass c);
  // Loads local x into a new cache register if one is free; returns it or
  // -1. (A hit inline: most reads of a local find it cached.)
  int fillCache(uint32_t x, RegClass c) {
    int r = cacheOf(x, c);
    return r >= 0 ? r : fillCacheMiss(x, c);
  }
  int fillCacheMiss(uint32_t x, RegClass c);
  void evictLru(int file);
  int alloc(RegClass c);
  int allocGp() { return alloc(RegClass::Gp); }
  bool spillOne(int file);
  void storeTo(uint32_t dst, const Entry& e, uint32_t d);
  void toSlot(uint32_t i);
  void syncAll();
  void spillRegs();
  void prepareCall(uint32_t n);
  void materializeLocal(uint32_t local);
  void claimGp(int r, std::initializer_list<Val*> ops);
  void claimMask(uint32_t mask, std::initializer_list<Val*> ops);
  void setCmpLhs(Entry& c, Val& x);
  void unborrow(Entry& c);
  void materializeTop();

  // ---- operands (stack.cc) ----
  Opnd cmpRhs(const Entry& e);
  void emitCmp(const Entry& e);
  int ownedFromMemory(const Val& v, RegClass c);
  // (A value already in a Gp register inline: the commonest case.)
  int gpOwned(Val& v) { return v.e.isGpReg() ? v.e.reg : gpOwnedMove(v); }
  int gpOwnedMove(Val& v);
  int fpOwned(Val& v);
  int vecOwned(Val& v);
  int vecReg(Val& v);
  void copyValue(uint32_t dst, uint32_t src, bool vec);
  void loadInto(::tern::jit::Reg r, Val& v);
  Opnd gpRhs(Val& v, bool allow_imm);
  Opnd fpRhs(Val& v);
  Opnd valueOpnd(Val& v);

  // ---- control (control.cc) ----
  JFrame& frameAt(uint32_t d) { return frames[frames.size() - 1 - d]; }
  uint32_t labelArity(const JFrame& f) const { return f.kind == CtrlKind::Loop ? f.nparams : f.nresults; }
  // The frame's label, made on first use.
  Label labelOf(JFrame& f) {
    if (!f.has_label) {
      f.label = a.newLabel();
      f.has_label = true;
    }
    return f.label;
  }
  // The top n entries to the slots from depth base on (nothing to do, and
  // no call, for a label without values: most of them).
  void moveTopTo(uint32_t base, uint32_t n) {
    if (n) moveValuesTo(base, n);
  }
  void moveValuesTo(uint32_t base, uint32_t n);
  bool topInPlace(uint32_t base, uint32_t n) const;
  void emitReturn();
  void emitBranch(uint32_t d);
  void saveCache(CacheState& st) const;  // st = the cache now
  // Intersects f's merge state with a path's cache (masks and holders per file).
  void mergeCache(JFrame& f, const uint32_t* mask, const int32_t (*holders)[kRegs]);
  void mergeCache(JFrame& f, const CacheState& path) { mergeCache(f, path.mask, path.holder); }
  void mergeCurrent(JFrame& f) { mergeCache(f, cache, holder); }
  void setCache(const CacheState& st);
  void renewCache();  // setCache of the cache itself
  void keepLoopReads(const ValidatorState& s);
  bool headCacheMatches(const JFrame& f) const;
  void restoreHeadCache(JFrame& f);
  void condJump(Val& c, bool nonzero, Label target);
  void jumpIf(Val& c, bool nonzero, Label target);  // condJump, inline (control.cc only)
  void interruptCheck();
  void begin(const ValidatorState& s);
  void finish(const ValidatorState&);
  // A control instruction: only a dispatch, inline where op() and
  // special() (ops.cc) have already told the instruction apart.
  TERN_HOT_INLINE void control(const ValidatorState& s, Opcode op, const Imm& imm);
  // control()'s cases.
  [[gnu::noinline]] void elseOp(const ValidatorState& s);
  [[gnu::noinline]] void endOp(const ValidatorState& s);
  [[gnu::noinline]] void brIf(const Imm& imm);
  [[gnu::noinline]] void tryOp(const ValidatorState& s);
  void blockStart(const ValidatorState& s, Opcode op);
  void blockEnd(const ValidatorState& s);
  void brTable(const Imm& imm);
  // ---- exception handlers (control.cc) ----
  int32_t innermostTry(size_t below) const;
  void openTry();
  void catchClause(const ValidatorState& s, Opcode op, const Imm& imm);
  void delegate(const ValidatorState& s, uint32_t label);
  void rethrow(uint32_t label);
  void finishCatches();

  // ---- instructions (arith.cc, ops.cc) ----
  void op(const ValidatorState& s, Opcode op, const Imm& imm);
  // The decoder's typed hooks (decode/function_decoder.h): op() for a
  // numeric instruction without immediates, for a scalar load or store, for
  // local.get/set/tee and for i32.const and i64.const.
  void numeric(const ValidatorState& s, Opcode op);
  void memory(const ValidatorState& s, Opcode op, const Imm& imm);
  void local(const ValidatorState& s, Opcode op, uint32_t index, ValType type);
  void constant(const ValidatorState& s, Opcode op, uint64_t bits);
  [[gnu::noinline]] void opRest(const ValidatorState& s, Opcode op, const Imm& imm, bool cmp_on_top);
  [[gnu::noinline]] void numOp(Opcode op);                                           // a scalar operator (OpClass::Num)
  [[gnu::noinline]] void memOp(const ValidatorState& s, Opcode op, const Imm& imm);  // i32.load..i64.store32
  [[gnu::cold, gnu::noinline]] void failOp(const char* why, Opcode op);              // why + the instruction's name
  [[gnu::noinline]] void vectorOp(const ValidatorState& s, Opcode op, const Imm& imm);
  bool intBinary(Opcode op);
  void pushCompare(Cond cc, bool wide);
  bool intUnary(Opcode op);
  bool divRem(Opcode op);
  bool memoryAccess(Opcode op, const Imm& imm, bool mem64);
  bool floatOp(Opcode op);
  bool floatCompare(Opcode op);
  void helperOp(Opcode op, unsigned nin);
  void callOp(const FuncType& ft, const Imm& imm, bool indirect);
  void tailCallOp(const FuncType& ft, const Imm& imm, bool indirect);
  void miscOp(Opcode op, const Imm& imm);
  void select(const Imm& imm);
  void localSet(const ValidatorState& s, Opcode op, uint32_t x);
  // ---- SIMD (simd.cc) ----
  bool simdOp(Opcode op, const Imm& imm);
  bool simdMemory(Opcode op, const Imm& imm, bool mem64);
  void simdHelper(Opcode op, const Imm& imm);
  void pushVec(int r) { pushReg(r, RegClass::Vec); }
  bool special(const ValidatorState& s, Opcode op, const Imm& imm);
};

// ---- the small, hot ones: inline in every part ----
inline void FunctionCompiler::Impl::release(const Entry& e) {
  if (e.kind == Entry::Reg) {
    freeReg(e.cls, e.reg);
  } else if (e.kind == Entry::Cmp) {
    bool gp = e.cls == RegClass::Gp;
    if (!gp || !e.lborrow) freeReg(e.cls, e.reg);
    if (e.rhs == Entry::RReg && (!gp || !e.rborrow)) freeReg(e.cls, e.rreg);
  }
}

inline void FunctionCompiler::Impl::pushReg(int r, RegClass c) {
  Entry e;
  e.kind = Entry::Reg;
  e.cls = c;
  e.reg = uint8_t(r);
  e.vec = c == RegClass::Vec;
  any_vec |= e.vec;
  stack.push_back(e);
  noteDepth();
}

inline void FunctionCompiler::Impl::pushConst(uint64_t v) {
  Entry e;
  e.kind = Entry::Const;
  e.value = v;
  stack.push_back(e);
  noteDepth();
}

inline void FunctionCompiler::Impl::pushLocal(uint32_t slot) {
  Entry e;
  e.kind = Entry::Local;
  e.slot = slot;
  e.vec = local_vec[slot];
  stack.push_back(e);
  noteDepth();
}

inline void FunctionCompiler::Impl::dropCacheReg(int file, int r) {
  int32_t& h = holder[file][r];
  if (h >= 0) local_reg[size_t(h)] = -1;
  h = -1;
  cache[file] &= ~(1u << r);
}

inline void FunctionCompiler::Impl::control(const ValidatorState& s, Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If: return blockStart(s, op);
    case Opcode::Try: return tryOp(s);
    case Opcode::Catch:
    case Opcode::CatchAll: return catchClause(s, op, imm);
    case Opcode::Delegate: return delegate(s, imm.a);
    case Opcode::Rethrow: return rethrow(imm.a);
    case Opcode::Else: return elseOp(s);
    case Opcode::End: return endOp(s);
    case Opcode::Br: return emitBranch(imm.a);
    case Opcode::BrIf: return brIf(imm);
    case Opcode::BrTable: return brTable(imm);
    case Opcode::Return: return emitReturn();
    default: return;
  }
}

// The register caching local x in the class, or -1.
inline int FunctionCompiler::Impl::cacheOf(uint32_t x, RegClass c) {
  int r = local_reg[x];
  if (r < 0 || local_cls[x] != c) return -1;
  stamp[regFile(c)][r] = ++clock;
  return r;
}

// Makes the owned register r local x's cache (r is no longer owned).
inline void FunctionCompiler::Impl::adoptCache(uint32_t x, RegClass c, int r) {
  dropLocalCache(x);
  cacheIn(x, c, r);
}

// adoptCache for a local that no register caches.
inline void FunctionCompiler::Impl::cacheIn(uint32_t x, RegClass c, int r) {
  int f = regFile(c);
  busy[f] &= ~(1u << r);
  cache[f] |= 1u << r;
  holder[f][r] = int32_t(x);
  stamp[f][r] = ++clock;
  local_reg[x] = int8_t(r);
  local_cls[x] = c;
}

// A register neither owned nor caching, taken; -1 if there is none. The
// first free one in the Masm's order: the lowest free one of the first of
// the order's runs (kGpRuns) that has one.
inline int FunctionCompiler::Impl::takeFree(RegClass c) {
  int f = regFile(c);
  uint32_t free = ~(busy[f] | cache[f]);
  const compiler::OrderRuns& runs = f == kGp ? compiler::kGpRuns : compiler::kFpRuns;
  for (int i = 0; i < runs.n; ++i)
    if (uint32_t m = free & runs.mask[i]) {
      int r = __builtin_ctz(m);
      busy[f] |= 1u << r;
      return r;
    }
  return -1;
}

// (dropCacheReg for each, with the mask cleared once: the holder of a
// register outside the mask is never read.)
inline void FunctionCompiler::Impl::clearCache() {
  int8_t* reg_of = local_reg.data();
  for (int f : {kGp, kFp}) {
    for (uint32_t m = cache[f]; m; m &= m - 1)
      if (int32_t h = holder[f][__builtin_ctz(m)]; h >= 0) reg_of[size_t(h)] = -1;
    cache[f] = 0;
  }
}

// A free register, else one whose cached local is dropped (the least
// recently used), else -1.
inline int FunctionCompiler::Impl::takeFreeOrEvict(RegClass c) {
  int r = takeFree(c);
  if (r < 0 && cache[regFile(c)]) {
    evictLru(regFile(c));
    r = takeFree(c);
  }
  return r;
}

// An operand for the right-hand side of an integer instruction: an
// immediate (when allowed), a slot, or a register. A cached local's
// register is only valid until the next allocation.
inline Opnd FunctionCompiler::Impl::gpRhs(Val& v, bool allow_imm) {
  const Entry& e = v.e;
  if (e.kind == Entry::Const && allow_imm) return Opnd::i(e.value);
  if (e.kind == Entry::Local) {
    int c = fillCache(e.slot, RegClass::Gp);
    if (c >= 0) return Opnd::r(gpReg(c));
  }
  if (inMemory(e)) return Opnd::s(slotOf(v));
  return Opnd::r(gpReg(gpOwned(v)));
}

}  // namespace tern::jit
