// The compiler's control flow: blocks, branches, the locals cache across
// them (the invariants are in compiler.h), trap sites, function entry and
// exit.
#include <cstring>

#include "decode/scan.h"
#include "jit/compiler/compiler.h"

namespace tern::jit {

using namespace compiler;

// ---- traps ----
Label FunctionCompiler::Impl::kindStub(unsigned k) {
  if (!trap_used[k]) {
    trap_used[k] = true;
    trap_labels[k] = a.newLabel();
  }
  return trap_labels[k];
}

Label FunctionCompiler::Impl::trapLabel(TrapKind k) {
  sites.push_back(TrapSite{a.newLabel(), trapCode(k), opOffset(), innermostTry(frames.size())});
  return sites.back().label;
}

Label FunctionCompiler::Impl::trapSet() {
  sites.push_back(TrapSite{a.newLabel(), TrapCode::None, opOffset(), innermostTry(frames.size())});
  return sites.back().label;
}

// ---- branches ----
// (Inline in its callers, all in this file: it runs at every branch.)
TERN_HOT_INLINE inline void FunctionCompiler::Impl::mergeCache(JFrame& f, const uint32_t* mask,
                                                               const int32_t (*holders)[kRegs]) {
  CacheState& st = f.merge_cache;
  if (!f.merge_seen) {
    f.merge_seen = true;
    st.mask[kGp] = mask[kGp];
    st.mask[kFp] = mask[kFp];
    std::memcpy(st.holder, holders, sizeof st.holder);
    return;
  }
  // Only registers both cache, and for the same local. (Each file by
  // itself, written out: a loop over the two costs more than either.)
  auto both = [&](int fl) {
    uint32_t keep = st.mask[fl] & mask[fl];
    for (uint32_t m = keep; m; m &= m - 1) {
      int r = __builtin_ctz(m);
      if (st.holder[fl][r] != holders[fl][r]) keep &= ~(1u << r);
    }
    st.mask[fl] = keep;
  };
  both(kGp);
  both(kFp);
}

void FunctionCompiler::Impl::moveValuesTo(uint32_t base, uint32_t n) {
  uint32_t from = depth() - n;
  uint32_t dst = slotOfDepth(base);  // the entries below base stay: their slots are the label's
  for (uint32_t k = 0; k < n; ++k) {
    storeTo(dst, stack[from + k], from + k);
    dst += stack[from + k].vec ? 2 : 1;
  }
}

bool FunctionCompiler::Impl::topInPlace(uint32_t base, uint32_t n) const {
  uint32_t from = depth() - n;
  if (from != base) return n == 0;
  for (uint32_t k = 0; k < n; ++k)
    if (stack[from + k].kind != Entry::Stack) return false;
  return true;
}

void FunctionCompiler::Impl::emitReturn() {
  uint32_t n = frames.front().nresults;
  uint32_t from = depth() - n;
  // Results go to slots from 0 on (two for a v128), which may be locals a
  // later result reads: those are copied to their own slots first.
  uint32_t total = 0;
  for (uint32_t k = 0; k < n; ++k) total += stack[from + k].vec ? 2 : 1;
  std::vector<bool> staged(n, false);
  for (uint32_t k = 0, at = 0; k < n; ++k) {
    const Entry& e = stack[from + k];
    if (e.kind == Entry::Local && e.slot < total && e.slot != at) {
      storeTo(slotOfDepth(from + k), e, from + k);
      staged[k] = true;
    }
    at += e.vec ? 2 : 1;
  }
  for (uint32_t k = 0, at = 0; k < n; ++k) {
    const Entry& e = stack[from + k];
    if (staged[k]) copyValue(at, slotOfDepth(from + k), e.vec);
    else storeTo(at, e, from + k);
    at += e.vec ? 2 : 1;
  }
  a.ret();
}

void FunctionCompiler::Impl::emitBranch(uint32_t d) {
  JFrame& f = frameAt(d);
  if (f.kind == CtrlKind::Func) {
    emitReturn();
    return;
  }
  moveTopTo(f.result_base, labelArity(f));
  if (f.kind == CtrlKind::Loop) restoreHeadCache(f);
  else mergeCurrent(f);
  a.jump(labelOf(f));
}

// Jumps to target when the condition c is (non)zero; frees c. (Inline in
// if and br_if, condJump out of line for the rest.)
TERN_HOT_INLINE inline void FunctionCompiler::Impl::jumpIf(Val& c, bool nonzero, Label target) {
  Entry& e = c.e;
  switch (e.kind) {
    case Entry::Cmp:
      if (e.cls == RegClass::Gp && !e.wide && e.rhs == Entry::RImm && uint32_t(e.value) == 0 &&
          (e.cc == Cond::Eq || e.cc == Cond::Ne)) {
        a.branchZero(gpR(e.reg), (e.cc == Cond::Ne) == nonzero, target);  // i32.eqz, x == 0, x != 0
        break;
      }
      emitCmp(e);
      a.branch(nonzero ? e.cc : negate(e.cc), target);
      break;
    case Entry::Const:
      if ((uint32_t(e.value) != 0) == nonzero) a.jump(target);
      break;
    case Entry::Reg: a.branchZero(regOf(e.cls, e.reg), nonzero, target); break;
    default: {
      int cache = e.kind == Entry::Local ? cacheOf(e.slot, RegClass::Gp) : -1;
      if (cache >= 0) {
        a.branchZero(gpR(cache), nonzero, target);
      } else {
        a.cmpSlotZero(slotOf(c));
        a.branch(nonzero ? Cond::Ne : Cond::Eq, target);
      }
      break;
    }
  }
  release(e);
}

void FunctionCompiler::Impl::condJump(Val& c, bool nonzero, Label target) { jumpIf(c, nonzero, target); }

// ---- the cache across control flow ----
// Copies what is cached now (no temporary: this runs at every branch).
// (The holders are copied whole: a fixed copy of 128 bytes costs less than
// a loop over the masks' bits. Only the masked ones mean anything.)
void FunctionCompiler::Impl::saveCache(CacheState& st) const {
  st.mask[kGp] = cache[kGp];
  st.mask[kFp] = cache[kFp];
  std::memcpy(st.holder, holder, sizeof st.holder);
}

// At a label: the cache becomes `st` (its registers hold no values now),
// each of its registers used last in the order of the files and ids. A
// register that already caches the same local keeps it: only the others
// are dropped and filled (all drops first: a local may move between files).
// (Inline in its callers, all in this file: most block ends run it.)
TERN_HOT_INLINE inline void FunctionCompiler::Impl::setCache(const CacheState& st) {
  const uint32_t want_gp = st.mask[kGp] & ~busy[kGp], want_fp = st.mask[kFp] & ~busy[kFp];
  if (!(want_gp | want_fp | cache[kGp] | cache[kFp])) return;
  auto kept = [&](int f, uint32_t want) {
    uint32_t keep = cache[f] & want;
    for (uint32_t m = keep; m; m &= m - 1) {
      int r = __builtin_ctz(m);
      if (holder[f][r] != st.holder[f][r]) keep &= ~(1u << r);
    }
    for (uint32_t m = cache[f] & ~keep; m; m &= m - 1) {
      int r = __builtin_ctz(m);
      local_reg[size_t(holder[f][r])] = -1;
      holder[f][r] = -1;
    }
    return keep;
  };
  const uint32_t keep_gp = kept(kGp, want_gp), keep_fp = kept(kFp, want_fp);
  auto fill = [&](int f, uint32_t want, uint32_t keep) {
    cache[f] = want;
    for (uint32_t m = want; m; m &= m - 1) {
      int r = __builtin_ctz(m);
      int32_t x = st.holder[f][r];
      stamp[f][r] = ++clock;
      // The class the local had in the state's file (its type's).
      local_cls[size_t(x)] = f == kGp ? RegClass::Gp : local_vec[size_t(x)] ? RegClass::Vec : RegClass::Fp;
      if (keep >> r & 1) continue;
      holder[f][r] = x;
      local_reg[size_t(x)] = int8_t(r);
    }
  };
  fill(kGp, want_gp, keep_gp);
  fill(kFp, want_fp, keep_fp);
}

// The same when the state is the cache now (a block end only its own body
// falls into): the registers are only used again, in that order.
void FunctionCompiler::Impl::renewCache() {
  for (int f : {kGp, kFp}) {
    for (uint32_t m = cache[f] & busy[f]; m; m &= m - 1) dropCacheReg(f, __builtin_ctz(m));
    for (uint32_t m = cache[f]; m; m &= m - 1) {
      int r = __builtin_ctz(m);
      int32_t x = holder[f][r];
      stamp[f][r] = ++clock;
      local_cls[size_t(x)] = f == kGp ? RegClass::Gp : local_vec[size_t(x)] ? RegClass::Vec : RegClass::Fp;
    }
  }
}

// At a loop head, before its promise is made: cached locals the loop body
// never reads are dropped (free: their slots are current), so back edges
// need not restore them. The body is looked at ahead (decode/scan.h: one
// scan serves a loop and the loops nested in it), at most a few times the
// function's size in all; past that, or on bytes that do not decode, the
// head keeps what is cached.
void FunctionCompiler::Impl::keepLoopReads(const ValidatorState& s) {
  if (!(cache[kGp] | cache[kFp]) || !s.body_pos) return;
  if (!loop_reads_started) {
    loop_reads_started = true;
    loop_reads.start(uint32_t(s.locals.size()), 4 * size_t(s.body_end - s.body_pos) + 4096);
  }
  // (The scan names locals by index, the cache by slot.)
  uint32_t asked[2 * kRegs];
  uint32_t n = 0;
  for (int f : {kGp, kFp})
    for (uint32_t m = cache[f]; m; m &= m - 1) asked[n++] = localIndex(uint32_t(holder[f][__builtin_ctz(m)]));
  uint64_t read;
  if (!loop_reads.query(s.body_pos, s.body_end, asked, n, &read)) return;
  n = 0;
  for (int f : {kGp, kFp})
    for (uint32_t m = cache[f]; m; m &= m - 1, ++n)
      if (!(read >> n & 1)) dropCacheReg(f, __builtin_ctz(m));
}

// Whether the locals a loop head expects in registers are there now.
bool FunctionCompiler::Impl::headCacheMatches(const JFrame& f) const {
  // (Registers the head does not use may hold anything.)
  for (int fl : {kGp, kFp}) {
    if (f.head_cache.mask[fl] & ~cache[fl]) return false;
    for (uint32_t m = f.head_cache.mask[fl]; m; m &= m - 1)
      if (f.head_cache.holder[fl][__builtin_ctz(m)] != holder[fl][__builtin_ctz(m)]) return false;
  }
  return true;
}

// On a back edge (a path of its own: everything else is dead there), puts
// the loop head's cached locals back in their registers: register moves
// where no pending move still needs the target, loads from the (always
// current) slots for the rest.
void FunctionCompiler::Impl::restoreHeadCache(JFrame& f) {
  struct Move {
    uint32_t local;
    RegClass cls;
    int fl, to, from;
  };
  Move moves[2 * kRegs];
  int n = 0;
  // Per file: the registers a pending register move still reads (each
  // local is in one register, so a register is the source of one move).
  uint32_t sources[2] = {0, 0};
  for (int fl : {kGp, kFp}) {
    for (uint32_t m = f.head_cache.mask[fl]; m; m &= m - 1) {
      int r = __builtin_ctz(m);
      uint32_t local = uint32_t(f.head_cache.holder[fl][r]);
      RegClass cls = fl == kGp ? RegClass::Gp : local_vec[local] ? RegClass::Vec : RegClass::Fp;
      bool same_file = local_reg[local] >= 0 && regFile(local_cls[local]) == fl;
      if (same_file && local_reg[local] == int8_t(r)) continue;
      int from = same_file ? local_reg[local] : -1;
      if (from >= 0) sources[fl] |= 1u << from;
      moves[n++] = Move{local, cls, fl, r, from};
    }
  }
  if (n == 0) return;
  // A move is done once its target is no pending move's source; passes in
  // order until none is left that can be. (from = -1: done, or a load.)
  for (bool progress = sources[kGp] | sources[kFp]; progress;) {
    progress = false;
    for (int i = 0; i < n; ++i) {
      Move& mv = moves[i];
      if (mv.from < 0 || (sources[mv.fl] >> mv.to & 1)) continue;
      a.move(regOf(mv.cls, mv.to), regOf(mv.cls, mv.from));
      sources[mv.fl] &= ~(1u << mv.from);
      mv.from = -2;
      progress = true;
    }
  }
  // The rest (the locals in no register of the file, and cycles) from
  // their slots.
  for (int i = 0; i < n; ++i)
    if (moves[i].from != -2) a.loadSlot(regOf(moves[i].cls, moves[i].to), moves[i].local);
}

void FunctionCompiler::Impl::interruptCheck() {
  const Options& o = builder.options();
  uint32_t flags = (o.epoch ? 1u : 0u) | (o.fuel ? 2u : 0u);
  if (!flags) return;
  spillRegs();
  a.interruptCheck(flags, trapSet());
}

// ---- entry and exit ----
void FunctionCompiler::Impl::begin(const ValidatorState& s) {
  const FuncType& ft = m.funcType(s.func_index);
  layout = &s.layout;
  nparams = s.layout.paramSlots();
  nlocals = s.layout.localSlots();
  local_reg.assign(nlocals, -1);
  local_cls.assign(nlocals, RegClass::Gp);
  for (int r = 0; r < kRegs; ++r) holder[kGp][r] = holder[kFp][r] = -1;
  local_vec.assign(nlocals, 0);
  for (uint32_t i = 0; i < s.locals.size(); ++i) {
    if (s.locals[i] != ValType::V128) continue;
    local_vec[layout->localSlot(i)] = 1;
    any_vec = true;
  }
  if (any_vec) {
    local_index.assign(nlocals, 0);
    for (uint32_t i = 0; i < s.locals.size(); ++i) {
      local_index[layout->localSlot(i)] = i;
      if (s.locals[i] == ValType::V128) local_index[layout->localSlot(i) + 1] = i;
    }
  }
  if (ft.results.size() > 64 && vecMask(ft.results) != 0) fail("v128 result past the 64th");
  // A backend without vector code (vecSupported() false: x86-64 without
  // SSE4.1, AArch64 until its NEON code) leaves every function that touches
  // v128 to the interpreter: a v128 local, param or result here, any other
  // v128 value in op() as soon as it is on the stack.
  if (!a.vecSupported() && (any_vec || vecMask(ft.results) != 0)) fail("v128 (no vector code on this host)");
  stack.reserve(64);
  frames.reserve(16);
  trap_common = a.newLabel();
  // The checks at function entry report the body's start.
  const FuncBody& body = m.bodies[s.func_index - m.num_imported_funcs];
  entry_offset = uint32_t(body.offset);
  state = nullptr;
  positions.reserve(body.size / 8 + 16);  // about what loads, stores and calls need
  a.reserve(uint32_t(std::min<size_t>(body.size, 1u << 24) * kCodePerBodyByte + 256));
  // No label: a branch to the function's frame is a return.
  JFrame& f = frames.emplace_back();
  f.kind = CtrlKind::Func;
  f.nresults = uint32_t(ft.results.size());
  f.vec_results = vecMask(ft.results);
  a.prologue(nparams, nlocals, trapLabel(TrapKind::CallStackExhausted));
  interruptCheck();
  state = &s;  // from here on, sites and positions are the instructions'
}

void FunctionCompiler::Impl::finish(const ValidatorState&) {
  if (failed) return;
  for (const TrapSite& site : sites) {
    uint32_t begin = uint32_t(a.offset());
    positions.add(begin, site.offset);
    a.trapSite(site.label, isTrap(site.code) ? kindStub(unsigned(trapKindOf(site.code))) : trap_common);
    // An exception leaves a try body's instruction through its site.
    if (site.handler >= 0) catches.ranges.push_back({begin, uint32_t(a.offset()), site.handler});
  }
  for (unsigned i = 0; i < 16; ++i)
    if (trap_used[i]) a.trapStub(trap_labels[i], trapCode(TrapKind(i)), trap_common);
  a.trapCommon(trap_common, func_index);
  std::span<const uint8_t> bytes;  // the Masm's: the builder copies them
  // The locals, the highest operand stack and one spare slot past it, as
  // both tiers have always reserved (module/frame_layout.h).
  if (!a.finish(uint32_t(slotBytes(nlocals + max_height + 1)), &bytes)) {
    fail("assembler error");
    return;
  }
  finishCatches();
  builder.addFunction(func_index, bytes, 0, a.callSites(), std::move(positions), std::move(catches));
}

// ---- block instructions ----
void FunctionCompiler::Impl::blockStart(const ValidatorState& s, Opcode op) {
  const CtrlFrame& cf = s.frames.back();
  uint32_t np = s.paramCount(cf), nr = s.resultCount(cf);
  uint64_t vp = 0, vr = 0;
  for (uint32_t i = 0; i < np; ++i)
    if (s.param(cf, i) == ValType::V128) {
      if (i >= 64) fail("v128 block param past the 64th");
      else vp |= uint64_t(1) << i;
    }
  for (uint32_t i = 0; i < nr; ++i)
    if (s.result(cf, i) == ValType::V128) {
      if (i >= 64) fail("v128 block result past the 64th");
      else vr |= uint64_t(1) << i;
    }
  Val cond;
  if (op == Opcode::If) cond = pop();
  syncAll();
  for (uint32_t i = depth() - np; i < depth(); ++i) toSlot(i);
  // Made in place: a frame is large (three cache states), and nothing
  // below pushes another.
  JFrame& f = frames.emplace_back();
  f.kind = cf.kind;
  f.result_base = depth() - np;
  f.nparams = np;
  f.nresults = nr;
  f.vec_params = vp;
  f.vec_results = vr;
  if (op == Opcode::Loop) {
    a.bind(labelOf(f));
    interruptCheck();  // (clears the cache when there is a check)
    keepLoopReads(s);
    saveCache(f.head_cache);
    return;
  }
  if (op == Opcode::If) {
    f.else_label = a.newLabel();
    f.has_else_label = true;
    jumpIf(cond, false, f.else_label);
    saveCache(f.if_cache);
    // The then-branch works on copies of the params: the else-branch
    // needs the originals.
    uint32_t first = depth() - np;
    for (uint32_t i = 0; i < np; ++i) {
      bool vec = vecBit(vp, i);
      pushStack(vec);
      copyValue(slotOfDepth(depth() - 1), slotOfDepth(first + i), vec);
    }
  }
}

void FunctionCompiler::Impl::blockEnd(const ValidatorState& s) {
  JFrame& f = frames.back();
  if (f.kind == CtrlKind::Func) {
    if (s.endReachable()) emitReturn();
    frames.pop_back();
    return;
  }
  bool reachable = s.endReachable();
  if (reachable) moveTopTo(f.result_base, f.nresults);
  bool merge = f.kind != CtrlKind::Loop;
  // Only the body falls into the end: the cache stays what it is.
  bool same = merge && reachable && !f.merge_seen && !f.has_else_label;
  if (merge && reachable && !same) mergeCurrent(f);
  if (f.has_else_label) {
    a.bind(f.else_label);
    mergeCache(f, f.if_cache);  // an if without else: the false path
  }
  if (merge && f.has_label) a.bind(f.label);
  uint32_t nr = f.nresults;
  uint64_t vr = f.vec_results;
  resetTo(f.result_base);
  if (same) renewCache();
  else if (merge) setCache(f.merge_cache);  // what every path into the end agrees on
  frames.pop_back();
  for (uint32_t i = 0; i < nr; ++i) pushStack(vecBit(vr, i));
}

void FunctionCompiler::Impl::brTable(const Imm& imm) {
  const std::vector<uint32_t>& t = *imm.targets;
  uint32_t n = uint32_t(t.size());
  Val idx = pop();
  if (idx.e.kind == Entry::Const) {
    uint32_t i = uint32_t(idx.e.value);
    emitBranch(i < n ? t[i] : imm.a);
    return;
  }
  Opnd index = valueOpnd(idx);
  release(idx.e);
  std::vector<Label> stubs(n + 1);
  for (auto& l : stubs) l = a.newLabel();
  a.jumpTable(index, stubs);
  for (uint32_t i = 0; i <= n; ++i) {
    a.bind(stubs[i]);
    emitBranch(i < n ? t[i] : imm.a);
  }
}

// ---- exception handlers (jit/catch_table.h) ----
// A try spills what is below it, as every block does, and its body keeps
// nothing in registers across the calls that may throw, so a landing pad
// starts from a frame known at compile time: the operands below the try in
// their slots, no local cached.

// The handler of the innermost try body among frames[0, below), or -1 (a
// catch clause is not covered by its own try).
int32_t FunctionCompiler::Impl::innermostTry(size_t below) const {
  if (catches.handlers.empty()) return CatchTable::kToCaller;
  for (size_t i = below; i-- > 0;)
    if (frames[i].kind == CtrlKind::Try) return frames[i].handler;
  return CatchTable::kToCaller;
}

void FunctionCompiler::Impl::openTry() {
  JFrame& f = frames.back();
  CatchTable::Handler h;
  h.outer = innermostTry(frames.size() - 1);
  f.handler = int32_t(catches.handlers.size());
  f.range = uint32_t(catches.ranges.size());
  catches.handlers.push_back(h);
  clause_lists.emplace_back();
  catches.ranges.push_back({uint32_t(a.offset()), UINT32_MAX, f.handler});
}

// catch and catch_all end the try body (or the clause before) and start a
// landing pad: the runtime has written the exception's values to the slots
// above the clause's own one.
void FunctionCompiler::Impl::catchClause(const ValidatorState& s, Opcode op, const Imm& imm) {
  JFrame& f = frames.back();
  if (s.endReachable()) {
    moveTopTo(f.result_base, f.nresults);
    mergeCurrent(f);
    a.jump(labelOf(f));
  }
  if (f.kind == CtrlKind::Try) catches.ranges[f.range].end = uint32_t(a.offset());
  resetTo(f.result_base);
  setCache(CacheState{});
  a.bind(a.newLabel());
  CatchTable::Handler& h = catches.handlers[size_t(f.handler)];
  h.exn_slot = slotOfDepth(f.result_base);
  uint32_t tag = op == Opcode::Catch ? imm.a : CatchTable::kCatchAll;
  clause_lists[size_t(f.handler)].push_back({tag, uint32_t(a.offset())});
  pushStack();  // the clause's own slot, which names the exception for rethrow
  if (op == Opcode::Catch)
    for (ValType t : m.types[m.tags[imm.a]].params) pushStack(t == ValType::V128);
  f.kind = op == Opcode::Catch ? CtrlKind::Catch : CtrlKind::CatchAll;
}

// `delegate label` ends the try: its handler sends exceptions on to the
// innermost try body at or outside the label (counted from outside the
// try), or to the caller.
void FunctionCompiler::Impl::delegate(const ValidatorState& s, uint32_t label) {
  JFrame& f = frames.back();
  catches.ranges[f.range].end = uint32_t(a.offset());
  catches.handlers[size_t(f.handler)].outer = innermostTry(frames.size() - 1 - label);
  blockEnd(s);
}

// The exception the clause `label` caught leaves again (jitMisc finds it by
// the clause's slot).
void FunctionCompiler::Impl::rethrow(uint32_t label) {
  uint32_t slot = catches.handlers[size_t(frameAt(label).handler)].exn_slot;
  markPosition();
  spillRegs();
  a.callMisc(uint32_t(Opcode::Rethrow), 0, 0, slot, true, trapSet());
}

void FunctionCompiler::Impl::finishCatches() {
  for (size_t i = 0; i < clause_lists.size(); ++i) {
    CatchTable::Handler& h = catches.handlers[i];
    h.first = uint32_t(catches.clauses.size());
    h.count = uint32_t(clause_lists[i].size());
    catches.clauses.insert(catches.clauses.end(), clause_lists[i].begin(), clause_lists[i].end());
  }
}

void FunctionCompiler::Impl::elseOp(const ValidatorState& s) {
  JFrame& f = frames.back();
  if (s.endReachable()) {
    moveTopTo(f.result_base, f.nresults);
    mergeCurrent(f);
    a.jump(labelOf(f));
  }
  a.bind(f.else_label);
  f.has_else_label = false;
  f.kind = CtrlKind::Else;
  resetTo(f.result_base);
  setCache(f.if_cache);  // the else path starts where the test was
  for (uint32_t i = 0; i < f.nparams; ++i) pushStack(vecBit(f.vec_params, i));
}

void FunctionCompiler::Impl::endOp(const ValidatorState& s) {
  JFrame& f = frames.back();
  if (f.kind == CtrlKind::Try) catches.ranges[f.range].end = uint32_t(a.offset());  // a try without clauses
  blockEnd(s);
}

void FunctionCompiler::Impl::brIf(const Imm& imm) {
  Val cond = pop();
  JFrame& f = frameAt(imm.a);
  if (f.kind != CtrlKind::Func && topInPlace(f.result_base, labelArity(f)) &&
      (f.kind != CtrlKind::Loop || headCacheMatches(f))) {
    if (f.kind != CtrlKind::Loop) mergeCurrent(f);
    jumpIf(cond, true, labelOf(f));
  } else {
    Label skip = a.newLabel();
    jumpIf(cond, false, skip);
    emitBranch(imm.a);
    a.bind(skip);
  }
}

void FunctionCompiler::Impl::tryOp(const ValidatorState& s) {
  blockStart(s, Opcode::Try);
  openTry();
}

}  // namespace tern::jit
