// Single-pass x86-64 compiler: a FunctionDecoder visitor that emits machine
// code with asmjit while the body is validated.
//
// The operand stack is abstract while compiling. An entry is
//   Stack  the value is in its canonical frame slot (one slot per depth),
//   Reg    the value is in a register (general purpose or xmm),
//   Local  an alias of a local's slot (a local.get not yet copied),
//   Const  a constant, folded into the instruction that uses it,
//   Cmp    a compare whose flags are not computed yet, fused with the
//          br_if / if / select that consumes it.
// Values stay in registers while straight-line code runs. They go to their
// slots when registers run out (the deepest entry first), before calls, and
// at block boundaries: every merge point expects the entries below it in
// their slots, so all paths into a label agree without a merge pass.
//
// Register use (see jit.h for the pinned ones):
//   allocatable  rsi rdi r8 r9 rax rdx r15 rbp rcx, xmm0..xmm14
//   scratch      r10 r11 xmm15 (inside one instruction's code only)
// Invariants: an i32 in a 64-bit register or slot is zero-extended; an f32
// in an xmm register has zero bits 32..63, so a register spills with one
// 64-bit store whatever its type.
#include <asmjit/x86.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "jit/jit.h"
#include "module/opcodes.h"

namespace tern::jit {

using namespace asmjit;
using namespace asmjit::x86;

uint64_t (*helperFor(Opcode op))(uint64_t, uint64_t, Ctx*);
bool helperTraps(Opcode op);
int32_t jitMemoryGrow(Ctx* ctx, uint32_t delta);
void* jitCallIndirect(Ctx* ctx, uint32_t type_index, uint32_t table, uint32_t elem, uint64_t* fp);
int32_t jitCheckInterrupt(Ctx* ctx, uint32_t flags);
uint64_t jitMisc(Ctx* ctx, uint32_t op, uint32_t a, uint32_t b, const uint64_t* v);

namespace {

struct Entry {
  enum Kind : uint8_t { Stack, Reg, Local, Const, Cmp } kind = Stack;
  bool xmm = false;   // Reg: register class. Cmp: a float compare (ucomis)
  uint8_t reg = 0;    // Reg: the register. Cmp: left operand's register
  bool wide = false;  // Cmp: 64-bit operands
  enum Rhs : uint8_t { RImm, RReg, RSlot } rhs = RImm;  // Cmp: right operand
  uint8_t rreg = 0;
  CondCode cc = CondCode::kE;
  uint32_t slot = 0;   // Local: the local. Cmp: right operand's slot
  uint64_t value = 0;  // Const; Cmp: right operand immediate
};

// An entry taken off the stack, with the depth it had (a Stack entry's slot).
struct Val {
  Entry e;
  uint32_t d = 0;
};

struct JFrame {
  CtrlKind kind;
  uint32_t result_base;
  uint32_t nparams, nresults;
  Label label;       // end of block, or head of loop
  Label else_label;  // if: start of else / end
  bool has_else_label = false;
};

bool fitsI32(uint64_t v) { return int64_t(v) == int64_t(int32_t(uint32_t(v))); }

constexpr uint8_t kGpOrder[] = {6, 7, 8, 9, 0, 2, 15, 5, 1};  // rsi rdi r8 r9 rax rdx r15 rbp rcx
constexpr int kXmmCount = 15;                                 // xmm15 is scratch
const Gp kS0 = r11, kS1 = r10;                                // scratch
const Xmm kXs = xmm15;

using AImm = asmjit::Imm;
// A general-purpose register viewed as 32 or 64 bits.
Gp gpv(uint32_t r, bool wide) { return wide ? Gp(gpq(r)) : Gp(gpd(r)); }

bool isFloat(ValType t) { return t == ValType::F32 || t == ValType::F64; }

}  // namespace

struct FunctionCompiler::Impl {
  const ModuleData& m;
  ModuleBuilder& builder;
  uint32_t func_index;
  FileLogger logger;
  CodeHolder code;
  x86::Assembler a;
  bool failed = false;
  std::string why;
  bool has_sse41, has_lzcnt, has_bmi, has_popcnt;

  uint32_t nlocals = 0, nparams = 0, max_depth = 0;
  size_t frame_patch = 0;  // offset of the disp32 that holds the frame size
  std::vector<Entry> stack;
  std::vector<JFrame> frames;
  uint32_t gp_busy = 0, xmm_busy = 0;
  Label trap_common;
  Label trap_labels[16];
  bool trap_used[16] = {};

  Impl(const ModuleData& md, ModuleBuilder& b, uint32_t fi) : m(md), builder(b), func_index(fi) {
    code.init(Environment::host());
    // TERN_JIT_ASM=1 prints every compiled function's assembly to stderr.
    static const bool log_asm = std::getenv("TERN_JIT_ASM") != nullptr;
    if (log_asm) {
      logger.setFile(stderr);
      code.setLogger(&logger);
      std::fprintf(stderr, "; function %u\n", fi);
    }
    code.attach(&a);
    const CpuInfo& cpu = CpuInfo::host();
    has_sse41 = cpu.hasFeature(CpuFeatures::X86::kSSE4_1);
    has_lzcnt = cpu.hasFeature(CpuFeatures::X86::kLZCNT);
    has_bmi = cpu.hasFeature(CpuFeatures::X86::kBMI);
    has_popcnt = cpu.hasFeature(CpuFeatures::X86::kPOPCNT);
  }

  void fail(const std::string& w) {
    if (!failed) why = w;
    failed = true;
  }

  // ---- slots ----
  uint32_t depth() const { return uint32_t(stack.size()); }
  uint32_t slotOfDepth(uint32_t d) const { return nlocals + d; }
  static Mem slotMem(uint32_t s) { return qword_ptr(rbx, int32_t(s * 8)); }
  static Mem slotMem32(uint32_t s) { return dword_ptr(rbx, int32_t(s * 8)); }
  // The slot a Stack or Local value lives in.
  uint32_t slotOf(const Entry& e, uint32_t d) const { return e.kind == Entry::Local ? e.slot : slotOfDepth(d); }
  bool inMemory(const Entry& e) const { return e.kind == Entry::Stack || e.kind == Entry::Local; }

  Label trapLabel(TrapKind k) {
    unsigned i = unsigned(k);
    if (!trap_used[i]) {
      trap_used[i] = true;
      trap_labels[i] = a.newLabel();
    }
    return trap_labels[i];
  }

  // ---- registers ----
  void noteDepth() {
    if (depth() > max_depth) max_depth = depth();
  }
  void freeGp(int r) { gp_busy &= ~(1u << r); }
  void freeXmm(int r) { xmm_busy &= ~(1u << r); }
  void release(const Entry& e) {
    if (e.kind == Entry::Reg) {
      if (e.xmm) freeXmm(e.reg);
      else freeGp(e.reg);
    } else if (e.kind == Entry::Cmp) {
      if (e.xmm) freeXmm(e.reg);
      else freeGp(e.reg);
      if (e.rhs == Entry::RReg) {
        if (e.xmm) freeXmm(e.rreg);
        else freeGp(e.rreg);
      }
    }
  }
  void pushReg(int r, bool xmm) {
    Entry e;
    e.kind = Entry::Reg;
    e.xmm = xmm;
    e.reg = uint8_t(r);
    stack.push_back(e);
    noteDepth();
  }
  void pushStack() {
    stack.push_back(Entry{});
    noteDepth();
  }
  void pushConst(uint64_t v) {
    Entry e;
    e.kind = Entry::Const;
    e.value = v;
    stack.push_back(e);
    noteDepth();
  }
  Val pop() {
    Entry e = stack.back();
    stack.pop_back();
    return Val{e, depth()};
  }
  void resetTo(uint32_t d) {
    while (depth() > d) release(pop().e);
  }

  // ---- locals cached in registers ----
  // Write-through: a local's slot always holds its value, and a register
  // may hold a copy. Dropping a copy costs nothing, so registers that cache
  // locals are handed out when nothing else is free, and every label
  // (where paths with different caches meet) and every call forgets them.
  std::vector<int8_t> local_reg;  // per local: register caching it, or -1
  std::vector<bool> local_xmm;    // that register's class
  int32_t gp_holder[16], xmm_holder[16];
  uint32_t gp_cache = 0, xmm_cache = 0;
  uint32_t gp_stamp[16] = {}, xmm_stamp[16] = {};
  uint32_t clock = 0;

  void dropCacheReg(bool xmm, int r) {
    int32_t& h = xmm ? xmm_holder[r] : gp_holder[r];
    if (h >= 0) local_reg[size_t(h)] = -1;
    h = -1;
    (xmm ? xmm_cache : gp_cache) &= ~(1u << r);
  }
  void dropLocalCache(uint32_t x) {
    if (local_reg[x] >= 0) dropCacheReg(local_xmm[x], local_reg[x]);
  }
  void clearCache() {
    for (int r = 0; r < 16; ++r) {
      if (gp_cache & (1u << r)) dropCacheReg(false, r);
      if (xmm_cache & (1u << r)) dropCacheReg(true, r);
    }
  }
  // The register caching local x in the class, or -1.
  int cacheOf(uint32_t x, bool xmm) {
    int r = local_reg[x];
    if (r < 0 || local_xmm[x] != xmm) return -1;
    (xmm ? xmm_stamp : gp_stamp)[r] = ++clock;
    return r;
  }
  // Makes the owned register r local x's cache (r is no longer owned).
  void adoptCache(uint32_t x, bool xmm, int r) {
    dropLocalCache(x);
    (xmm ? xmm_busy : gp_busy) &= ~(1u << r);
    (xmm ? xmm_cache : gp_cache) |= 1u << r;
    (xmm ? xmm_holder : gp_holder)[r] = int32_t(x);
    (xmm ? xmm_stamp : gp_stamp)[r] = ++clock;
    local_reg[x] = int8_t(r);
    local_xmm[x] = xmm;
  }
  // A register neither owned nor caching, taken; -1 if there is none.
  int takeFree(bool xmm) {
    uint32_t used = xmm ? (xmm_busy | xmm_cache) : (gp_busy | gp_cache);
    if (xmm) {
      for (int r = 0; r < kXmmCount; ++r)
        if (!(used & (1u << r))) {
          xmm_busy |= 1u << r;
          return r;
        }
    } else {
      for (uint8_t r : kGpOrder)
        if (!(used & (1u << r))) {
          gp_busy |= 1u << r;
          return r;
        }
    }
    return -1;
  }
  int freeCount(bool xmm) {
    uint32_t used = xmm ? (xmm_busy | xmm_cache) : (gp_busy | gp_cache);
    int n = 0;
    if (xmm) {
      for (int r = 0; r < kXmmCount; ++r) n += !(used & (1u << r));
    } else {
      for (uint8_t r : kGpOrder) n += !(used & (1u << r));
    }
    return n;
  }
  // Loads local x into a new cache register if one is free; returns it or -1.
  int fillCache(uint32_t x, bool xmm) {
    int c = cacheOf(x, xmm);
    if (c >= 0) return c;
    if (local_reg[x] >= 0) return -1;  // cached in the other class
    c = takeFree(xmm);
    if (c < 0) return -1;
    if (xmm) a.movq(Xmm(x86::xmm(c)), slotMem(x));
    else a.mov(gpq(c), slotMem(x));
    adoptCache(x, xmm, c);
    return c;
  }

  int alloc(bool xmm) {
    for (;;) {
      int r = takeFree(xmm);
      if (r >= 0) return r;
      uint32_t cache = xmm ? xmm_cache : gp_cache;
      if (cache) {
        // Evict the least recently used copy of a local.
        int best = -1;
        uint32_t* st = xmm ? xmm_stamp : gp_stamp;
        for (int i = 0; i < 16; ++i)
          if ((cache & (1u << i)) && (best < 0 || st[i] < st[best])) best = i;
        dropCacheReg(xmm, best);
        continue;
      }
      if (!spillOne(xmm)) {
        fail("out of registers");
        return 0;
      }
    }
  }
  int allocGp() { return alloc(false); }
  int allocXmm() { return alloc(true); }
  // Spills the deepest stack entry holding a register of the class.
  bool spillOne(bool xmm) {
    for (uint32_t i = 0; i < depth(); ++i) {
      const Entry& e = stack[i];
      if ((e.kind == Entry::Reg || e.kind == Entry::Cmp) && e.xmm == xmm) {
        toSlot(i);
        return true;
      }
    }
    return false;
  }

  // Writes entry e's value to slot dst (the entry is unchanged).
  void storeTo(uint32_t dst, const Entry& e, uint32_t d) {
    switch (e.kind) {
      case Entry::Const:
        if (fitsI32(e.value)) {
          a.mov(slotMem(dst), int32_t(uint32_t(e.value)));
        } else {
          a.mov(kS0, e.value);
          a.mov(slotMem(dst), kS0);
        }
        return;
      case Entry::Reg:
        if (e.xmm) a.movq(slotMem(dst), xmm(e.reg));
        else a.mov(slotMem(dst), gpq(e.reg));
        return;
      case Entry::Cmp: fail("compare moved"); return;
      default: {
        uint32_t s = slotOf(e, d);
        if (s == dst) return;
        if (e.kind == Entry::Local && local_reg[e.slot] >= 0) {
          int c = local_reg[e.slot];
          if (local_xmm[e.slot]) a.movq(slotMem(dst), xmm(c));
          else a.mov(slotMem(dst), gpq(c));
          return;
        }
        a.mov(kS0, slotMem(s));
        a.mov(slotMem(dst), kS0);
        return;
      }
    }
  }
  // Puts stack entry i in its slot.
  void toSlot(uint32_t i) {
    Entry& e = stack[i];
    if (e.kind == Entry::Stack) return;
    if (e.kind == Entry::Cmp) {
      Val v{e, i};
      int r = gpOwned(v);
      stack[i] = Entry{};
      a.mov(slotMem(slotOfDepth(i)), gpq(r));
      freeGp(r);
      return;
    }
    storeTo(slotOfDepth(i), e, i);
    release(e);
    stack[i] = Entry{};
  }
  // Spills registers and copies aliased locals: the state every label expects
  // for the entries below it (constants stay: nothing changes them).
  void syncAll() {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind != Entry::Const) toSlot(i);
  }
  // Before calling C++ or Wasm code: no value may stay in a register.
  void spillRegs() {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind == Entry::Reg || stack[i].kind == Entry::Cmp) toSlot(i);
    clearCache();
  }
  void materializeLocal(uint32_t local) {
    for (uint32_t i = 0; i < depth(); ++i)
      if (stack[i].kind == Entry::Local && stack[i].slot == local) toSlot(i);
  }

  // Frees register r for the caller's exclusive use: whatever holds it (a
  // stack entry, or one of the popped operands in ops) moves elsewhere.
  void claimGp(int r, std::initializer_list<Val*> ops) {
    if (gp_cache & (1u << r)) dropCacheReg(false, r);
    if (gp_busy & (1u << r)) {
      bool done = false;
      for (Val* v : ops) {
        if (v->e.kind == Entry::Reg && !v->e.xmm && v->e.reg == r) {
          int n = allocGp();  // r stays taken meanwhile
          a.mov(gpq(n), gpq(r));
          v->e.reg = uint8_t(n);
          done = true;
          break;
        }
      }
      if (!done) {
        for (uint32_t i = 0; i < depth(); ++i) {
          const Entry& e = stack[i];
          bool holds = (e.kind == Entry::Reg && !e.xmm && e.reg == r) ||
                       (e.kind == Entry::Cmp && !e.xmm && (e.reg == r || (e.rhs == Entry::RReg && e.rreg == r)));
          if (holds) {
            toSlot(i);
            break;
          }
        }
      }
    }
    gp_busy |= 1u << r;
  }

  // A pending compare that is not fused: its value in a register.
  void toSlotOrReg() {
    Val v = pop();
    int r = gpOwned(v);
    pushReg(r, false);
  }

  // ---- operands ----
  void emitCmp(const Entry& e) {
    if (e.xmm) {
      Xmm l = xmm(e.reg);
      if (e.rhs == Entry::RReg) {
        if (e.wide) a.ucomisd(l, xmm(e.rreg));
        else a.ucomiss(l, xmm(e.rreg));
      } else {
        if (e.wide) a.ucomisd(l, slotMem(e.slot));
        else a.ucomiss(l, slotMem32(e.slot));
      }
      return;
    }
    Gp l = gpv(e.reg, e.wide);
    switch (e.rhs) {
      case Entry::RImm:
        if (e.value == 0) a.test(l, l);
        else a.cmp(l, e.wide ? AImm(int64_t(e.value)) : AImm(int32_t(uint32_t(e.value))));
        break;
      case Entry::RReg: a.cmp(l, gpv(e.rreg, e.wide)); break;
      default: a.cmp(l, e.wide ? slotMem(e.slot) : slotMem32(e.slot)); break;
    }
  }

  // The value of v in a general-purpose register the caller owns.
  int gpOwned(Val& v) {
    Entry& e = v.e;
    int r;
    switch (e.kind) {
      case Entry::Reg:
        if (!e.xmm) return e.reg;
        r = allocGp();
        a.movq(gpq(r), xmm(e.reg));
        freeXmm(e.reg);
        break;
      case Entry::Const:
        r = allocGp();
        if (e.value <= 0xffffffffull) a.mov(gpd(r), uint32_t(e.value));
        else a.mov(gpq(r), e.value);
        break;
      case Entry::Cmp:
        if (!e.xmm) {
          r = e.reg;
          emitCmp(e);
          if (e.rhs == Entry::RReg) freeGp(e.rreg);
          a.set(e.cc, gpb(r));
          a.movzx(gpd(r), gpb(r));
        } else {
          r = allocGp();
          emitCmp(e);
          a.set(e.cc, gpb(r));
          a.movzx(gpd(r), gpb(r));
          freeXmm(e.reg);
          if (e.rhs == Entry::RReg) freeXmm(e.rreg);
        }
        break;
      default: {
        int c = -1;
        if (e.kind == Entry::Local) {
          c = cacheOf(e.slot, false);
          if (c < 0 && freeCount(false) >= 2) c = fillCache(e.slot, false);
        }
        if (c >= 0) {
          r = takeFree(false);
          if (r >= 0) {
            a.mov(gpq(r), gpq(c));
          } else {  // hand the cache register over
            dropCacheReg(false, c);
            gp_busy |= 1u << c;
            r = c;
          }
        } else {
          r = allocGp();
          a.mov(gpq(r), slotMem(slotOf(e, v.d)));
        }
        break;
      }
    }
    e = Entry{};
    e.kind = Entry::Reg;
    e.reg = uint8_t(r);
    return r;
  }
  // The value of v in an xmm register the caller owns.
  int xmmOwned(Val& v) {
    Entry& e = v.e;
    int r;
    switch (e.kind) {
      case Entry::Reg:
        if (e.xmm) return e.reg;
        r = allocXmm();
        a.movq(xmm(r), gpq(e.reg));
        freeGp(e.reg);
        break;
      case Entry::Const:
        r = allocXmm();
        if (e.value == 0) {
          a.xorps(xmm(r), xmm(r));
        } else {
          a.mov(kS0, e.value);
          a.movq(xmm(r), kS0);
        }
        break;
      case Entry::Cmp: {
        int g = gpOwned(v);
        r = allocXmm();
        a.movq(xmm(r), gpq(g));
        freeGp(g);
        break;
      }
      default: {
        int c = -1;
        if (e.kind == Entry::Local) {
          c = cacheOf(e.slot, true);
          if (c < 0 && freeCount(true) >= 2) c = fillCache(e.slot, true);
        }
        if (c >= 0) {
          r = takeFree(true);
          if (r >= 0) {
            a.movaps(xmm(r), xmm(c));
          } else {
            dropCacheReg(true, c);
            xmm_busy |= 1u << c;
            r = c;
          }
        } else {
          r = allocXmm();
          a.movq(xmm(r), slotMem(slotOf(e, v.d)));
        }
        break;
      }
    }
    e = Entry{};
    e.kind = Entry::Reg;
    e.xmm = true;
    e.reg = uint8_t(r);
    return r;
  }
  // Copies v's value into register r (any kind; frees nothing).
  void loadInto(const Gp& r, Val& v) {
    Entry& e = v.e;
    switch (e.kind) {
      case Entry::Reg:
        if (e.xmm) a.movq(r.r64(), xmm(e.reg));
        else if (e.reg != r.id()) a.mov(r.r64(), gpq(e.reg));
        return;
      case Entry::Const:
        if (e.value <= 0xffffffffull) a.mov(r.r32(), uint32_t(e.value));
        else a.mov(r.r64(), e.value);
        return;
      case Entry::Cmp: {
        int g = gpOwned(v);
        if (g != int(r.id())) a.mov(r.r64(), gpq(g));
        return;
      }
      default: {
        int c = e.kind == Entry::Local ? cacheOf(e.slot, false) : -1;
        if (c >= 0) a.mov(r.r64(), gpq(c));
        else a.mov(r.r64(), slotMem(slotOf(e, v.d)));
        return;
      }
    }
  }
  // An operand for the right-hand side of an integer instruction: an
  // immediate (when allowed and it fits), a slot, or a register.
  Operand gpRhs(Val& v, bool wide, bool allow_imm) {
    const Entry& e = v.e;
    if (e.kind == Entry::Const && allow_imm && (!wide || fitsI32(e.value)))
      return wide ? AImm(int64_t(e.value)) : AImm(int32_t(uint32_t(e.value)));
    if (e.kind == Entry::Local) {
      int c = fillCache(e.slot, false);
      if (c >= 0) return gpv(c, wide);
    }
    if (inMemory(e)) return wide ? slotMem(slotOf(e, v.d)) : slotMem32(slotOf(e, v.d));
    int r = gpOwned(v);
    return wide ? Operand(gpq(r)) : Operand(gpd(r));
  }
  Operand xmmRhs(Val& v, bool dbl) {
    const Entry& e = v.e;
    if (e.kind == Entry::Local) {
      int c = fillCache(e.slot, true);
      if (c >= 0) return xmm(c);
    }
    if (inMemory(e)) return dbl ? slotMem(slotOf(e, v.d)) : slotMem32(slotOf(e, v.d));
    return xmm(xmmOwned(v));
  }

  // ---- control ----
  JFrame& frameAt(uint32_t d) { return frames[frames.size() - 1 - d]; }
  uint32_t labelArity(const JFrame& f) const { return f.kind == CtrlKind::Loop ? f.nparams : f.nresults; }

  void moveTopTo(uint32_t base, uint32_t n) {
    uint32_t from = depth() - n;
    for (uint32_t k = 0; k < n; ++k) storeTo(slotOfDepth(base + k), stack[from + k], from + k);
  }
  bool topInPlace(uint32_t base, uint32_t n) const {
    uint32_t from = depth() - n;
    if (from != base) return n == 0;
    for (uint32_t k = 0; k < n; ++k)
      if (stack[from + k].kind != Entry::Stack) return false;
    return true;
  }
  void emitReturn() {
    uint32_t n = frames.front().nresults;
    uint32_t from = depth() - n;
    // Results go to slots 0..n-1, which may be locals a later result reads:
    // those are copied to their own slots first.
    std::vector<bool> staged(n, false);
    for (uint32_t k = 0; k < n; ++k) {
      const Entry& e = stack[from + k];
      if (e.kind == Entry::Local && e.slot < n && e.slot != k) {
        storeTo(slotOfDepth(from + k), e, from + k);
        staged[k] = true;
      }
    }
    for (uint32_t k = 0; k < n; ++k) {
      if (staged[k]) {
        a.mov(kS0, slotMem(slotOfDepth(from + k)));
        a.mov(slotMem(k), kS0);
      } else {
        storeTo(k, stack[from + k], from + k);
      }
    }
    a.add(r14d, 1);
    a.pop(rbx);
    a.ret();
  }
  void emitBranch(uint32_t d) {
    JFrame& f = frameAt(d);
    if (f.kind == CtrlKind::Func) {
      emitReturn();
      return;
    }
    moveTopTo(f.result_base, labelArity(f));
    a.jmp(f.label);
  }
  // Jumps to target when the condition c is (non)zero; frees c.
  void condJump(Val& c, bool nonzero, const Label& target) {
    Entry& e = c.e;
    switch (e.kind) {
      case Entry::Cmp:
        emitCmp(e);
        a.j(nonzero ? e.cc : negateCond(e.cc), target);
        break;
      case Entry::Const:
        if ((uint32_t(e.value) != 0) == nonzero) a.jmp(target);
        break;
      case Entry::Reg:
        if (e.xmm) {
          a.movd(kS0.r32(), xmm(e.reg));
          a.test(kS0.r32(), kS0.r32());
        } else {
          a.test(gpd(e.reg), gpd(e.reg));
        }
        a.j(nonzero ? CondCode::kNE : CondCode::kE, target);
        break;
      default:
        a.cmp(slotMem32(slotOf(e, c.d)), 0);
        a.j(nonzero ? CondCode::kNE : CondCode::kE, target);
        break;
    }
    release(e);
  }

  void callHelper(void* fn) {
    a.mov(rax, uint64_t(uintptr_t(fn)));
    a.call(rax);
  }

  void interruptCheck() {
    const Options& o = builder.options();
    uint32_t flags = (o.epoch ? 1u : 0u) | (o.fuel ? 2u : 0u);
    if (!flags) return;
    spillRegs();
    a.mov(rdi, r13);
    a.mov(esi, flags);
    callHelper(reinterpret_cast<void*>(&jitCheckInterrupt));
    a.test(eax, eax);
    a.jnz(trap_common);
  }

  void begin(const ValidatorState& s) {
    const FuncType& ft = m.funcType(s.func_index);
    nparams = uint32_t(ft.params.size());
    nlocals = uint32_t(s.locals.size());
    local_reg.assign(nlocals, -1);
    local_xmm.assign(nlocals, false);
    for (int r = 0; r < 16; ++r) gp_holder[r] = xmm_holder[r] = -1;
    for (ValType t : s.locals)
      if (t == ValType::V128) fail("v128 local");
    for (ValType t : ft.results)
      if (t == ValType::V128) fail("v128 result");
    trap_common = a.newLabel();
    JFrame f{CtrlKind::Func, 0, 0, uint32_t(ft.results.size()), a.newLabel()};
    frames.push_back(f);
    // Prologue: save the caller's frame pointer, take ours, check both
    // stacks and the call depth.
    a.push(rbx);
    a.mov(rbx, rdi);
    a.lea(kS0, ptr(rbx, 0x7fffff00));
    frame_patch = a.offset() - 4;
    a.cmp(kS0, ptr(r13, kCtxStackEnd));
    a.ja(trapLabel(TrapKind::CallStackExhausted));
    a.cmp(rsp, ptr(r13, kCtxNativeLimit));
    a.jb(trapLabel(TrapKind::CallStackExhausted));
    a.sub(r14d, 1);
    a.jb(trapLabel(TrapKind::CallStackExhausted));
    if (nlocals > nparams) {
      if (nlocals - nparams <= 16) {
        for (uint32_t i = nparams; i < nlocals; ++i) a.mov(slotMem(i), 0);
      } else {
        a.xor_(eax, eax);
        a.lea(rdi, slotMem(nparams));
        a.mov(ecx, nlocals - nparams);
        a.rep().stosq();
      }
    }
    interruptCheck();
  }

  void finish(const ValidatorState&) {
    if (failed) return;
    for (unsigned i = 0; i < 16; ++i) {
      if (!trap_used[i]) continue;
      a.bind(trap_labels[i]);
      a.mov(dword_ptr(r13, kCtxTrapKind), i + 1);
      a.jmp(trap_common);
    }
    a.bind(trap_common);
    a.mov(dword_ptr(r13, kCtxTrapFunc), func_index);
    a.mov(ptr(r13, kCtxTrapRsp), rsp);
    a.jmp(ptr(r13, kCtxUnwind));
    if (code.flatten() != kErrorOk || code.resolveUnresolvedLinks() != kErrorOk) {
      fail("assembler error");
      return;
    }
    CodeBuffer& buf = code.textSection()->buffer();
    uint32_t frame_bytes = (nlocals + max_depth + 1) * 8;
    std::memcpy(buf.data() + frame_patch, &frame_bytes, 4);
    std::vector<uint8_t> bytes(code.codeSize());
    if (code.relocateToBase(0) != kErrorOk ||
        code.copyFlattenedData(bytes.data(), bytes.size(), CopySectionFlags::kPadSectionBuffer) != kErrorOk) {
      fail("assembler error");
      return;
    }
    builder.addFunction(func_index, std::move(bytes), 0);
  }

  void op(const ValidatorState& s, Opcode op, const Imm& imm);
  bool intBinary(Opcode op);
  bool intUnary(Opcode op);
  bool divRem(Opcode op);
  bool memoryAccess(Opcode op, const Imm& imm);
  bool floatOp(Opcode op);
  void helperOp(Opcode op, unsigned nin);
  void control(const ValidatorState& s, Opcode op, const Imm& imm);
  void callOp(const FuncType& ft, const Imm& imm, bool indirect);
  void miscOp(Opcode op, const Imm& imm);
};

// Integer arithmetic, bitwise operators, shifts and compares.
bool FunctionCompiler::Impl::intBinary(Opcode op) {
  enum K { Add, Sub, Mul, And, Or, Xor, Shl, ShrS, ShrU, Rotl, Rotr, None };
  K k = None;
  bool wide = false;
  CondCode cc = CondCode::kE;
  bool is_cmp = false;
  switch (op) {
#define CASE2(I32, I64, kind) \
  case Opcode::I32: k = kind; break; \
  case Opcode::I64: k = kind; wide = true; break;
    CASE2(I32Add, I64Add, Add)
    CASE2(I32Sub, I64Sub, Sub)
    CASE2(I32Mul, I64Mul, Mul)
    CASE2(I32And, I64And, And)
    CASE2(I32Or, I64Or, Or)
    CASE2(I32Xor, I64Xor, Xor)
    CASE2(I32Shl, I64Shl, Shl)
    CASE2(I32ShrS, I64ShrS, ShrS)
    CASE2(I32ShrU, I64ShrU, ShrU)
    CASE2(I32Rotl, I64Rotl, Rotl)
    CASE2(I32Rotr, I64Rotr, Rotr)
#undef CASE2
#define CMP2(I32, I64, c) \
  case Opcode::I32: cc = c; is_cmp = true; break; \
  case Opcode::I64: cc = c; is_cmp = true; wide = true; break;
    CMP2(I32Eq, I64Eq, CondCode::kE)
    CMP2(I32Ne, I64Ne, CondCode::kNE)
    CMP2(I32LtS, I64LtS, CondCode::kL)
    CMP2(I32LtU, I64LtU, CondCode::kB)
    CMP2(I32GtS, I64GtS, CondCode::kG)
    CMP2(I32GtU, I64GtU, CondCode::kA)
    CMP2(I32LeS, I64LeS, CondCode::kLE)
    CMP2(I32LeU, I64LeU, CondCode::kBE)
    CMP2(I32GeS, I64GeS, CondCode::kGE)
    CMP2(I32GeU, I64GeU, CondCode::kAE)
#undef CMP2
    default: return false;
  }
  Val b = pop();
  Val x = pop();
  if (is_cmp) {
    // A constant on the left: swap the operands and mirror the condition.
    if (x.e.kind == Entry::Const && b.e.kind != Entry::Const) {
      std::swap(x, b);
      switch (cc) {
        case CondCode::kL: cc = CondCode::kG; break;
        case CondCode::kG: cc = CondCode::kL; break;
        case CondCode::kLE: cc = CondCode::kGE; break;
        case CondCode::kGE: cc = CondCode::kLE; break;
        case CondCode::kB: cc = CondCode::kA; break;
        case CondCode::kA: cc = CondCode::kB; break;
        case CondCode::kBE: cc = CondCode::kAE; break;
        case CondCode::kAE: cc = CondCode::kBE; break;
        default: break;
      }
    }
    Entry c;
    c.kind = Entry::Cmp;
    c.cc = cc;
    c.wide = wide;
    c.reg = uint8_t(gpOwned(x));
    if (b.e.kind == Entry::Const && (!wide || fitsI32(b.e.value))) {
      c.rhs = Entry::RImm;
      c.value = b.e.value;
    } else if (inMemory(b.e)) {
      c.rhs = Entry::RSlot;
      c.slot = slotOf(b.e, b.d);
    } else {
      c.rhs = Entry::RReg;
      c.rreg = uint8_t(gpOwned(b));
    }
    stack.push_back(c);
    noteDepth();
    return true;
  }
  auto view = [wide](int r) { return gpv(uint32_t(r), wide); };
  if (k == Shl || k == ShrS || k == ShrU || k == Rotl || k == Rotr) {
    InstId id = k == Shl ? Inst::kIdShl : k == ShrS ? Inst::kIdSar : k == ShrU ? Inst::kIdShr
              : k == Rotl ? Inst::kIdRol : Inst::kIdRor;
    if (b.e.kind == Entry::Const) {
      int r = gpOwned(x);
      a.emit(id, view(r), AImm(int(uint32_t(b.e.value) & (wide ? 63 : 31))));
      pushReg(r, false);
      return true;
    }
    // Variable count: in cl.
    if (!(b.e.kind == Entry::Reg && !b.e.xmm && b.e.reg == 1)) {
      claimGp(1, {&x});
      loadInto(rcx, b);
      release(b.e);
      b.e = Entry{};
      b.e.kind = Entry::Reg;
      b.e.reg = 1;
    }
    int r = gpOwned(x);
    a.emit(id, view(r), cl);
    freeGp(1);
    pushReg(r, false);
    return true;
  }
  bool commutative = k == Add || k == Mul || k == And || k == Or || k == Xor;
  if (commutative && x.e.kind != Entry::Reg && b.e.kind == Entry::Reg && !b.e.xmm) std::swap(x, b);
  int r = gpOwned(x);
  Operand rhs = gpRhs(b, wide, true);
  if (k == Mul) {
    if (rhs.isImm()) a.imul(view(r), view(r), rhs.as<AImm>());
    else a.emit(Inst::kIdImul, view(r), rhs);
  } else {
    InstId id = k == Add ? Inst::kIdAdd : k == Sub ? Inst::kIdSub : k == And ? Inst::kIdAnd
              : k == Or ? Inst::kIdOr : Inst::kIdXor;
    a.emit(id, view(r), rhs);
  }
  release(b.e);
  pushReg(r, false);
  return true;
}

// Integer unary operators done inline.
bool FunctionCompiler::Impl::intUnary(Opcode op) {
  switch (op) {
    case Opcode::I32Eqz:
    case Opcode::I64Eqz:
    case Opcode::RefIsNull: {
      Val x = pop();
      Entry c;
      c.kind = Entry::Cmp;
      c.cc = CondCode::kE;
      c.wide = op != Opcode::I32Eqz;
      c.reg = uint8_t(gpOwned(x));
      c.rhs = Entry::RImm;
      c.value = 0;
      stack.push_back(c);
      noteDepth();
      return true;
    }
    case Opcode::I32WrapI64: {
      Val x = pop();
      if (inMemory(x.e)) {
        int r = allocGp();
        a.mov(gpd(r), slotMem32(slotOf(x.e, x.d)));
        pushReg(r, false);
        return true;
      }
      int r = gpOwned(x);
      a.mov(gpd(r), gpd(r));
      pushReg(r, false);
      return true;
    }
    case Opcode::I64ExtendI32S: {
      Val x = pop();
      if (inMemory(x.e)) {
        int r = allocGp();
        a.movsxd(gpq(r), slotMem32(slotOf(x.e, x.d)));
        pushReg(r, false);
        return true;
      }
      int r = gpOwned(x);
      a.movsxd(gpq(r), gpd(r));
      pushReg(r, false);
      return true;
    }
    case Opcode::I64ExtendI32U:
    case Opcode::I32ReinterpretF32:
    case Opcode::F32ReinterpretI32:
    case Opcode::I64ReinterpretF64:
    case Opcode::F64ReinterpretI64:
      // Same bits, wherever they are.
      return true;
    case Opcode::I32Extend8S: case Opcode::I32Extend16S: case Opcode::I64Extend8S:
    case Opcode::I64Extend16S: case Opcode::I64Extend32S: {
      Val x = pop();
      int r = gpOwned(x);
      switch (op) {
        case Opcode::I32Extend8S: a.movsx(gpd(r), gpb(r)); break;
        case Opcode::I32Extend16S: a.movsx(gpd(r), gpw(r)); break;
        case Opcode::I64Extend8S: a.movsx(gpq(r), gpb(r)); break;
        case Opcode::I64Extend16S: a.movsx(gpq(r), gpw(r)); break;
        default: a.movsxd(gpq(r), gpd(r)); break;
      }
      pushReg(r, false);
      return true;
    }
    case Opcode::I32Clz: case Opcode::I64Clz: case Opcode::I32Ctz: case Opcode::I64Ctz:
    case Opcode::I32Popcnt: case Opcode::I64Popcnt: {
      bool wide = op == Opcode::I64Clz || op == Opcode::I64Ctz || op == Opcode::I64Popcnt;
      bool clz = op == Opcode::I32Clz || op == Opcode::I64Clz;
      bool ctz = op == Opcode::I32Ctz || op == Opcode::I64Ctz;
      if ((clz && !has_lzcnt) || (ctz && !has_bmi) || (!clz && !ctz && !has_popcnt)) return false;
      Val x = pop();
      int r = gpOwned(x);
      Gp g = gpv(r, wide);
      if (clz) a.lzcnt(g, g);
      else if (ctz) a.tzcnt(g, g);
      else a.popcnt(g, g);
      pushReg(r, false);
      return true;
    }
    default: return false;
  }
}

bool FunctionCompiler::Impl::divRem(Opcode op) {
  if (!(op >= Opcode::I32DivS && op <= Opcode::I32RemU) && !(op >= Opcode::I64DivS && op <= Opcode::I64RemU))
    return false;
  bool wide = op >= Opcode::I64DivS && op <= Opcode::I64RemU;
  bool sign = op == Opcode::I32DivS || op == Opcode::I32RemS || op == Opcode::I64DivS || op == Opcode::I64RemS;
  bool rem = op == Opcode::I32RemS || op == Opcode::I32RemU || op == Opcode::I64RemS || op == Opcode::I64RemU;
  Val b = pop();
  Val x = pop();
  bool b_const = b.e.kind == Entry::Const;
  uint64_t bv = wide ? b.e.value : uint64_t(int64_t(int32_t(uint32_t(b.e.value))));
  claimGp(0, {&x, &b});
  claimGp(2, {&x, &b});
  int rb = gpOwned(b);
  Gp rc = gpv(rb, wide);
  loadInto(rax, x);
  release(x.e);
  gp_busy |= 1u << 0;  // x may have been in rax
  if (!b_const || bv == 0) {
    a.test(rc, rc);
    a.jz(trapLabel(TrapKind::IntDivByZero));
  }
  Label done = a.newLabel();
  if (sign) {
    if (!b_const || bv == ~uint64_t(0)) {
      Label normal = a.newLabel();
      a.cmp(rc, -1);
      a.jne(normal);
      if (rem) {
        a.xor_(edx, edx);
        a.jmp(done);
      } else {
        // INT_MIN / -1 overflows.
        if (wide) {
          a.mov(kS0, uint64_t(1) << 63);
          a.cmp(rax, kS0);
        } else {
          a.cmp(eax, 0x80000000u);
        }
        a.je(trapLabel(TrapKind::IntOverflow));
      }
      a.bind(normal);
    }
    if (wide) a.cqo();
    else a.cdq();
    a.idiv(rc);
  } else {
    a.xor_(edx, edx);
    a.div(rc);
  }
  a.bind(done);
  freeGp(rb);
  if (rem) {
    freeGp(0);
    pushReg(2, false);
  } else {
    freeGp(2);
    pushReg(0, false);
  }
  return true;
}

// Loads and stores, with an explicit bounds check where the guard region
// does not cover the access.
bool FunctionCompiler::Impl::memoryAccess(Opcode op, const Imm& imm) {
  struct Acc {
    unsigned size;
    bool store;
    int ext;  // loads: 0 zero-extend/plain, 1 sign-extend to 32, 2 sign-extend to 64
    bool fp;  // f32/f64
  };
  Acc acc;
  switch (op) {
    case Opcode::I32Load: case Opcode::I64Load32U: acc = {4, false, 0, false}; break;
    case Opcode::F32Load: acc = {4, false, 0, true}; break;
    case Opcode::I64Load: acc = {8, false, 0, false}; break;
    case Opcode::F64Load: acc = {8, false, 0, true}; break;
    case Opcode::I32Load8S: acc = {1, false, 1, false}; break;
    case Opcode::I32Load8U: case Opcode::I64Load8U: acc = {1, false, 0, false}; break;
    case Opcode::I32Load16S: acc = {2, false, 1, false}; break;
    case Opcode::I32Load16U: case Opcode::I64Load16U: acc = {2, false, 0, false}; break;
    case Opcode::I64Load8S: acc = {1, false, 2, false}; break;
    case Opcode::I64Load16S: acc = {2, false, 2, false}; break;
    case Opcode::I64Load32S: acc = {4, false, 2, false}; break;
    case Opcode::I32Store: case Opcode::F32Store: case Opcode::I64Store32: acc = {4, true, 0, false}; break;
    case Opcode::I64Store: case Opcode::F64Store: acc = {8, true, 0, false}; break;
    case Opcode::I32Store8: case Opcode::I64Store8: acc = {1, true, 0, false}; break;
    case Opcode::I32Store16: case Opcode::I64Store16: acc = {2, true, 0, false}; break;
    default: return false;
  }
  Val val;
  if (acc.store) val = pop();
  Val addr = pop();
  const Options& o = builder.options();
  uint64_t end = imm.offset + acc.size;
  Mem mem;
  int idx = -1;
  if (addr.e.kind == Entry::Const && !o.bounds_checks &&
      uint64_t(uint32_t(addr.e.value)) + end <= std::min<uint64_t>(o.guard_bytes, 0x7fffffff)) {
    mem = ptr(r12, int32_t(uint32_t(addr.e.value) + imm.offset));
  } else {
    idx = gpOwned(addr);
    if (o.bounds_checks || end > o.guard_bytes) {
      a.mov(kS1, ptr(r13, kCtxMemSize));
      a.mov(kS1, ptr(kS1));
      if (end <= 0x7fffffff) {
        a.lea(kS0, ptr(gpq(idx), int32_t(end)));
      } else {
        a.mov(kS0, end);
        a.add(kS0, gpq(idx));
      }
      a.cmp(kS0, kS1);
      a.ja(trapLabel(TrapKind::MemoryOutOfBounds));
    }
    if (imm.offset > 0x7fffffff) {
      a.mov(kS0, imm.offset);
      a.add(gpq(idx), kS0);
      mem = ptr(r12, gpq(idx));
    } else {
      mem = ptr(r12, gpq(idx), 0, int32_t(imm.offset));
    }
  }
  mem.setSize(acc.size);
  if (acc.store) {
    Entry& v = val.e;
    if (v.kind == Entry::Const && (acc.size < 8 || fitsI32(v.value))) {
      uint64_t x = v.value;
      switch (acc.size) {
        case 1: a.mov(mem, AImm(int8_t(uint8_t(x)))); break;
        case 2: a.mov(mem, AImm(int16_t(uint16_t(x)))); break;
        case 4: a.mov(mem, AImm(int32_t(uint32_t(x)))); break;
        default: a.mov(mem, AImm(int32_t(uint32_t(x)))); break;
      }
    } else if (v.kind == Entry::Reg && v.xmm && acc.size >= 4) {
      if (acc.size == 4) a.movss(mem, xmm(v.reg));
      else a.movsd(mem, xmm(v.reg));
    } else {
      Gp g = kS0;
      if (v.kind == Entry::Reg && !v.xmm) g = gpq(v.reg);
      else loadInto(kS0, val);
      switch (acc.size) {
        case 1: a.mov(mem, g.r8()); break;
        case 2: a.mov(mem, g.r16()); break;
        case 4: a.mov(mem, g.r32()); break;
        default: a.mov(mem, g.r64()); break;
      }
    }
    release(val.e);
    if (idx >= 0) freeGp(idx);
    return true;
  }
  if (acc.fp) {
    int r = allocXmm();
    if (acc.size == 4) a.movss(xmm(r), mem);
    else a.movsd(xmm(r), mem);
    if (idx >= 0) freeGp(idx);
    pushReg(r, true);
    return true;
  }
  int r = idx >= 0 ? idx : allocGp();
  switch (acc.size) {
    case 1:
    case 2:
      if (acc.ext == 0) a.movzx(gpd(r), mem);
      else if (acc.ext == 1) a.movsx(gpd(r), mem);
      else a.movsx(gpq(r), mem);
      break;
    case 4:
      if (acc.ext == 2) a.movsxd(gpq(r), mem);
      else a.mov(gpd(r), mem);
      break;
    default: a.mov(gpq(r), mem); break;
  }
  pushReg(r, false);
  return true;
}

// Float arithmetic, compares, square root, rounding, sign operations and
// conversions done inline.
bool FunctionCompiler::Impl::floatOp(Opcode op) {
  switch (op) {
    case Opcode::F32Add: case Opcode::F32Sub: case Opcode::F32Mul: case Opcode::F32Div:
    case Opcode::F64Add: case Opcode::F64Sub: case Opcode::F64Mul: case Opcode::F64Div: {
      bool dbl = op >= Opcode::F64Add;
      unsigned k = unsigned(op) - unsigned(dbl ? Opcode::F64Add : Opcode::F32Add);  // add sub mul div
      Val b = pop();
      Val x = pop();
      if ((k == 0 || k == 2) && !(x.e.kind == Entry::Reg && x.e.xmm) && b.e.kind == Entry::Reg && b.e.xmm)
        std::swap(x, b);
      int r = xmmOwned(x);
      Operand rhs = xmmRhs(b, dbl);
      static const InstId ss[] = {Inst::kIdAddss, Inst::kIdSubss, Inst::kIdMulss, Inst::kIdDivss};
      static const InstId sd[] = {Inst::kIdAddsd, Inst::kIdSubsd, Inst::kIdMulsd, Inst::kIdDivsd};
      a.emit(dbl ? sd[k] : ss[k], xmm(r), rhs);
      release(b.e);
      pushReg(r, true);
      return true;
    }
    case Opcode::F32Eq: case Opcode::F32Ne: case Opcode::F32Lt: case Opcode::F32Gt: case Opcode::F32Le:
    case Opcode::F32Ge: case Opcode::F64Eq: case Opcode::F64Ne: case Opcode::F64Lt: case Opcode::F64Gt:
    case Opcode::F64Le: case Opcode::F64Ge: {
      bool dbl = op >= Opcode::F64Eq;
      // 0 eq, 1 ne, 2 lt, 3 gt, 4 le, 5 ge. lt/le compare the other way
      // round so that an unordered result (NaN) gives false.
      unsigned k = unsigned(op) - unsigned(dbl ? Opcode::F64Eq : Opcode::F32Eq);
      Val b = pop();
      Val x = pop();
      if (k == 2 || k == 4) std::swap(x, b);
      if (k >= 2) {
        Entry c;
        c.kind = Entry::Cmp;
        c.xmm = true;
        c.wide = dbl;
        c.cc = (k == 2 || k == 3) ? CondCode::kA : CondCode::kAE;
        c.reg = uint8_t(xmmOwned(x));
        if (inMemory(b.e)) {
          c.rhs = Entry::RSlot;
          c.slot = slotOf(b.e, b.d);
        } else {
          c.rhs = Entry::RReg;
          c.rreg = uint8_t(xmmOwned(b));
        }
        stack.push_back(c);
        noteDepth();
        return true;
      }
      int l = xmmOwned(x);
      Operand rhs = xmmRhs(b, dbl);
      int r = allocGp();
      a.emit(dbl ? Inst::kIdUcomisd : Inst::kIdUcomiss, xmm(l), rhs);
      if (k == 0) {
        a.sete(gpb(r));
        a.setnp(kS0.r8());
        a.and_(gpb(r), kS0.r8());
      } else {
        a.setne(gpb(r));
        a.setp(kS0.r8());
        a.or_(gpb(r), kS0.r8());
      }
      a.movzx(gpd(r), gpb(r));
      freeXmm(l);
      release(b.e);
      pushReg(r, false);
      return true;
    }
    case Opcode::F32Sqrt: case Opcode::F64Sqrt: {
      Val x = pop();
      int r = xmmOwned(x);
      if (op == Opcode::F64Sqrt) a.sqrtsd(xmm(r), xmm(r));
      else a.sqrtss(xmm(r), xmm(r));
      pushReg(r, true);
      return true;
    }
    case Opcode::F32Ceil: case Opcode::F32Floor: case Opcode::F32Trunc: case Opcode::F32Nearest:
    case Opcode::F64Ceil: case Opcode::F64Floor: case Opcode::F64Trunc: case Opcode::F64Nearest: {
      if (!has_sse41) return false;
      bool dbl = op >= Opcode::F64Ceil;
      unsigned k = unsigned(op) - unsigned(dbl ? Opcode::F64Ceil : Opcode::F32Ceil);  // ceil floor trunc nearest
      static const uint32_t mode[] = {2, 1, 3, 0};
      Val x = pop();
      int r = xmmOwned(x);
      if (dbl) a.roundsd(xmm(r), xmm(r), AImm(mode[k] | 8));
      else a.roundss(xmm(r), xmm(r), AImm(mode[k] | 8));
      pushReg(r, true);
      return true;
    }
    case Opcode::F32Neg: case Opcode::F32Abs: case Opcode::F64Neg: case Opcode::F64Abs: {
      // Sign-bit operations on the bits: no canonicalization.
      Val x = pop();
      int r = gpOwned(x);
      switch (op) {
        case Opcode::F32Neg: a.xor_(gpd(r), 0x80000000u); break;
        case Opcode::F32Abs: a.and_(gpd(r), 0x7fffffff); break;
        case Opcode::F64Neg: a.btc(gpq(r), 63); break;
        default: a.btr(gpq(r), 63); break;
      }
      pushReg(r, false);
      return true;
    }
    case Opcode::F32ConvertI32S: case Opcode::F64ConvertI32S: case Opcode::F32ConvertI64S:
    case Opcode::F64ConvertI64S: case Opcode::F32ConvertI32U: case Opcode::F64ConvertI32U: {
      bool to_dbl = op == Opcode::F64ConvertI32S || op == Opcode::F64ConvertI64S || op == Opcode::F64ConvertI32U;
      // Unsigned 32-bit values are zero-extended: exact as signed 64-bit.
      bool src64 = op == Opcode::F32ConvertI64S || op == Opcode::F64ConvertI64S || op == Opcode::F32ConvertI32U ||
                   op == Opcode::F64ConvertI32U;
      Val x = pop();
      Operand src = gpRhs(x, src64, false);
      int r = allocXmm();
      a.xorps(xmm(r), xmm(r));
      a.emit(to_dbl ? Inst::kIdCvtsi2sd : Inst::kIdCvtsi2ss, xmm(r), src);
      release(x.e);
      pushReg(r, true);
      return true;
    }
    case Opcode::F64PromoteF32: {
      Val x = pop();
      int r = xmmOwned(x);
      a.cvtss2sd(xmm(r), xmm(r));
      pushReg(r, true);
      return true;
    }
    case Opcode::F32DemoteF64: {
      Val x = pop();
      int s = xmmOwned(x);
      int r = allocXmm();
      a.xorps(xmm(r), xmm(r));  // keeps bits 32..63 zero
      a.cvtsd2ss(xmm(r), xmm(s));
      freeXmm(s);
      pushReg(r, true);
      return true;
    }
    default: return false;
  }
}

// Any other simple operator through its generated C++ helper (the
// interpreter's semantics, from opcodes.def).
void FunctionCompiler::Impl::helperOp(Opcode op, unsigned nin) {
  auto fn = helperFor(op);
  if (!fn) {
    fail(std::string("no helper for ") + opName(op));
    return;
  }
  Val b;
  if (nin == 2) b = pop();
  Val x = pop();
  spillRegs();
  if (nin == 2) loadInto(kS0, b);
  loadInto(rdi, x);
  if (nin == 2) a.mov(rsi, kS0);
  else a.xor_(esi, esi);
  if (nin == 2) release(b.e);
  release(x.e);
  a.mov(rdx, r13);
  callHelper(reinterpret_cast<void*>(fn));
  if (helperTraps(op)) {
    a.cmp(dword_ptr(r13, kCtxTrapKind), 0);
    a.jne(trap_common);
  }
  gp_busy |= 1u << 0;
  pushReg(0, false);
}

void FunctionCompiler::Impl::callOp(const FuncType& ft, const Imm& imm, bool indirect) {
  for (ValType v : ft.params)
    if (v == ValType::V128) fail("v128 call");
  for (ValType v : ft.results)
    if (v == ValType::V128) fail("v128 call");
  Val elem;
  if (indirect) elem = pop();
  uint32_t np = uint32_t(ft.params.size());
  uint32_t first = depth() - np;
  // Arguments into the callee's frame, everything else out of registers.
  for (uint32_t i = 0; i < depth(); ++i) {
    if (i >= first) toSlot(i);
    else if (stack[i].kind == Entry::Reg || stack[i].kind == Entry::Cmp) toSlot(i);
  }
  clearCache();
  if (indirect) {
    loadInto(rcx, elem);
    release(elem.e);
    a.mov(dword_ptr(r13, kCtxDepthLeft), r14d);
    a.mov(rdi, r13);
    a.mov(esi, imm.a);
    a.mov(edx, imm.b);
    a.lea(r8, slotMem(slotOfDepth(first)));
    callHelper(reinterpret_cast<void*>(&jitCallIndirect));
    a.test(rax, rax);
    a.jz(trap_common);
    a.lea(rdi, slotMem(slotOfDepth(first)));
    a.call(rax);
  } else {
    a.lea(rdi, slotMem(slotOfDepth(first)));
    a.mov(kS0, ptr(r13, kCtxFuncTable));
    a.call(ptr(kS0, int32_t(imm.a * 8)));
  }
  resetTo(first);
  for (size_t i = 0; i < ft.results.size(); ++i) pushStack();
}

// Table, reference and bulk-memory instructions, through the shared C++
// implementation with their operands in their slots.
void FunctionCompiler::Impl::miscOp(Opcode op, const Imm& imm) {
  unsigned nin = 0, nout = 0;
  bool traps = true;
  switch (op) {
    case Opcode::RefFunc: nout = 1; traps = false; break;
    case Opcode::TableGet: nin = 1; nout = 1; break;
    case Opcode::TableSet: nin = 2; break;
    case Opcode::TableSize: nout = 1; traps = false; break;
    case Opcode::TableGrow: nin = 2; nout = 1; traps = false; break;
    case Opcode::ElemDrop: case Opcode::DataDrop: traps = false; break;
    default: nin = 3; break;
  }
  uint32_t first = depth() - nin;
  for (uint32_t i = 0; i < depth(); ++i) {
    if (i >= first) toSlot(i);
    else if (stack[i].kind == Entry::Reg || stack[i].kind == Entry::Cmp) toSlot(i);
  }
  clearCache();
  a.mov(rdi, r13);
  a.mov(esi, uint32_t(op));
  a.mov(edx, imm.a);
  a.mov(ecx, imm.b);
  a.lea(r8, slotMem(slotOfDepth(first)));
  callHelper(reinterpret_cast<void*>(&jitMisc));
  if (traps) {
    a.cmp(dword_ptr(r13, kCtxTrapKind), 0);
    a.jne(trap_common);
  }
  resetTo(first);
  if (nout) {
    gp_busy |= 1u << 0;
    pushReg(0, false);
  }
}

void FunctionCompiler::Impl::control(const ValidatorState& s, Opcode op, const Imm& imm) {
  switch (op) {
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If: {
      const CtrlFrame& cf = s.frames.back();
      uint32_t np = s.paramCount(cf), nr = s.resultCount(cf);
      for (uint32_t i = 0; i < np; ++i)
        if (s.param(cf, i) == ValType::V128) fail("v128 block");
      for (uint32_t i = 0; i < nr; ++i)
        if (s.result(cf, i) == ValType::V128) fail("v128 block");
      Val cond;
      if (op == Opcode::If) cond = pop();
      syncAll();
      for (uint32_t i = depth() - np; i < depth(); ++i) toSlot(i);
      JFrame f{cf.kind, depth() - np, np, nr, a.newLabel()};
      if (op == Opcode::Loop) {
        a.bind(f.label);
        clearCache();
        frames.push_back(f);
        interruptCheck();
        return;
      }
      if (op == Opcode::If) {
        f.else_label = a.newLabel();
        f.has_else_label = true;
        condJump(cond, false, f.else_label);
        // The then-branch works on copies of the params: the else-branch
        // needs the originals.
        uint32_t first = depth() - np;
        for (uint32_t i = 0; i < np; ++i) {
          pushStack();
          a.mov(kS0, slotMem(slotOfDepth(first + i)));
          a.mov(slotMem(slotOfDepth(depth() - 1)), kS0);
        }
      }
      frames.push_back(f);
      return;
    }
    case Opcode::Else: {
      JFrame& f = frames.back();
      if (s.endReachable()) {
        moveTopTo(f.result_base, f.nresults);
        a.jmp(f.label);
      }
      a.bind(f.else_label);
      clearCache();
      f.has_else_label = false;
      f.kind = CtrlKind::Else;
      resetTo(f.result_base);
      for (uint32_t i = 0; i < f.nparams; ++i) pushStack();
      return;
    }
    case Opcode::End: {
      JFrame& f = frames.back();
      if (f.kind == CtrlKind::Func) {
        if (s.endReachable()) emitReturn();
        frames.pop_back();
        return;
      }
      if (s.endReachable()) moveTopTo(f.result_base, f.nresults);
      if (f.has_else_label) a.bind(f.else_label);
      if (f.kind != CtrlKind::Loop) {
        a.bind(f.label);
        clearCache();
      }
      uint32_t base = f.result_base, nr = f.nresults;
      frames.pop_back();
      resetTo(base);
      for (uint32_t i = 0; i < nr; ++i) pushStack();
      return;
    }
    case Opcode::Br:
      emitBranch(imm.a);
      return;
    case Opcode::BrIf: {
      Val cond = pop();
      JFrame& f = frameAt(imm.a);
      if (f.kind != CtrlKind::Func && topInPlace(f.result_base, labelArity(f))) {
        condJump(cond, true, f.label);
      } else {
        Label skip = a.newLabel();
        condJump(cond, false, skip);
        emitBranch(imm.a);
        a.bind(skip);
      }
      return;
    }
    case Opcode::BrTable: {
      const std::vector<uint32_t>& t = *imm.targets;
      uint32_t n = uint32_t(t.size());
      Val idx = pop();
      if (idx.e.kind == Entry::Const) {
        uint32_t i = uint32_t(idx.e.value);
        emitBranch(i < n ? t[i] : imm.a);
        return;
      }
      loadInto(kS0, idx);
      release(idx.e);
      std::vector<Label> stubs(n + 1);
      for (auto& l : stubs) l = a.newLabel();
      Label table = a.newLabel();
      a.cmp(kS0.r32(), n);
      a.jae(stubs[n]);
      a.lea(kS1, ptr(table));
      a.movsxd(kS0, dword_ptr(kS1, kS0, 2));
      a.add(kS0, kS1);
      a.jmp(kS0);
      a.align(AlignMode::kData, 4);
      a.bind(table);
      for (uint32_t i = 0; i < n; ++i) a.embedLabelDelta(stubs[i], table, 4);
      for (uint32_t i = 0; i <= n; ++i) {
        a.bind(stubs[i]);
        emitBranch(i < n ? t[i] : imm.a);
      }
      return;
    }
    case Opcode::Return:
      emitReturn();
      return;
    default: return;
  }
}

void FunctionCompiler::Impl::op(const ValidatorState& s, Opcode op, const Imm& imm) {
  if (failed) return;
  // A pending compare is only fused into br_if, if and select; anything
  // else gets its value.
  if (!stack.empty() && stack.back().kind == Entry::Cmp && op != Opcode::BrIf && op != Opcode::If &&
      op != Opcode::Select && op != Opcode::SelectT)
    toSlotOrReg();
  const OpInfo& info = opInfo(op);
  if (info.feature == Feature::simd) {
    fail("SIMD");
    return;
  }
  bool hand = !info.sig[0] || op == Opcode::MemorySize || op == Opcode::MemoryGrow || op == Opcode::TableSize ||
              op == Opcode::MemoryInit || op == Opcode::MemoryCopy || op == Opcode::MemoryFill ||
              op == Opcode::TableInit || op == Opcode::TableCopy;
  if (!hand) {
    if (info.imm == ImmKind::I32 || info.imm == ImmKind::F32 || info.imm == ImmKind::I64 ||
        info.imm == ImmKind::F64) {
      pushConst(imm.bits);
      return;
    }
    if (info.imm == ImmKind::MemArg) {
      if (!memoryAccess(op, imm)) fail(std::string("memory op ") + info.name);
      return;
    }
    if (intBinary(op) || intUnary(op) || divRem(op) || floatOp(op)) return;
    // Everything else simple: its helper.
    const char* colon = info.sig;
    while (*colon != ':') ++colon;
    helperOp(op, unsigned(colon - info.sig));
    return;
  }

  switch (op) {
    case Opcode::Unreachable:
      a.jmp(trapLabel(TrapKind::Unreachable));
      return;
    case Opcode::Nop: return;
    case Opcode::Block: case Opcode::Loop: case Opcode::If: case Opcode::Else: case Opcode::End:
    case Opcode::Br: case Opcode::BrIf: case Opcode::BrTable: case Opcode::Return:
      control(s, op, imm);
      return;
    case Opcode::Call:
      callOp(m.funcType(imm.a), imm, false);
      return;
    case Opcode::CallIndirect:
      callOp(m.types[imm.a], imm, true);
      return;
    case Opcode::Drop:
      if (imm.type == ValType::V128) fail("v128");
      release(pop().e);
      return;
    case Opcode::Select:
    case Opcode::SelectT: {
      ValType t = op == Opcode::SelectT ? imm.type : s.stack[s.stack.size() - 2];
      if (t == ValType::V128) {
        fail("v128");
        return;
      }
      Val c = pop();
      Val b = pop();
      Val x = pop();
      if (c.e.kind == Entry::Const) {
        if (uint32_t(c.e.value) != 0) {
          release(b.e);
          stack.push_back(x.e);  // same depth: a Stack entry stays in place
        } else if (b.e.kind == Entry::Stack) {
          release(x.e);
          int r = gpOwned(b);  // one slot up: into a register
          pushReg(r, false);
        } else {
          release(x.e);
          stack.push_back(b.e);
        }
        return;
      }
      if (isFloat(t)) {
        int r = xmmOwned(x);
        Operand rhs = xmmRhs(b, t == ValType::F64);
        Label keep = a.newLabel();
        condJump(c, true, keep);
        if (rhs.isReg()) a.movaps(xmm(r), rhs.as<Xmm>());
        else a.movq(xmm(r), rhs.as<Mem>());
        a.bind(keep);
        release(b.e);
        pushReg(r, true);
        return;
      }
      // Everything in place before the flags are set: only then the
      // compare and the cmov (the rhs may be a cached local's register,
      // which a later allocation could take).
      if (c.e.kind == Entry::Reg && c.e.xmm) gpOwned(c);
      int r = gpOwned(x);
      Operand rhs = gpRhs(b, true, false);
      CondCode pick_b;
      if (c.e.kind == Entry::Cmp) {
        emitCmp(c.e);
        pick_b = negateCond(c.e.cc);
      } else if (c.e.kind == Entry::Reg) {
        a.test(gpd(c.e.reg), gpd(c.e.reg));
        pick_b = CondCode::kE;
      } else {
        a.cmp(slotMem32(slotOf(c.e, c.d)), 0);
        pick_b = CondCode::kE;
      }
      if (c.e.kind == Entry::Cmp && c.e.xmm && (pick_b == CondCode::kE || pick_b == CondCode::kNE)) {
        fail("select on float equality");  // not produced: eq/ne are never pending
        return;
      }
      a.emit(Inst::cmovccFromCond(pick_b), gpq(r), rhs);
      release(c.e);
      release(b.e);
      pushReg(r, false);
      return;
    }
    case Opcode::LocalGet: {
      Entry e;
      e.kind = Entry::Local;
      e.slot = imm.a;
      stack.push_back(e);
      noteDepth();
      return;
    }
    case Opcode::LocalSet:
    case Opcode::LocalTee: {
      uint32_t x = imm.a;
      const Entry& top = stack.back();
      if (top.kind == Entry::Local && top.slot == x) {
        if (op == Opcode::LocalSet) stack.pop_back();
        return;
      }
      Val v = pop();
      materializeLocal(x);
      if (v.e.kind == Entry::Cmp) gpOwned(v);
      storeTo(x, v.e, v.d);
      dropLocalCache(x);
      // A value in a register stays there as the local's cached copy.
      if (v.e.kind == Entry::Reg) adoptCache(x, v.e.xmm, v.e.reg);
      if (op == Opcode::LocalTee) {
        if (v.e.kind == Entry::Const) {
          stack.push_back(v.e);
        } else {
          Entry e;
          e.kind = Entry::Local;
          e.slot = x;
          stack.push_back(e);
        }
        noteDepth();
      }
      return;
    }
    case Opcode::GlobalGet: {
      if (imm.type == ValType::V128) {
        fail("v128");
        return;
      }
      int r = allocGp();
      a.mov(kS0, ptr(r13, kCtxGlobals));
      a.mov(kS0, ptr(kS0, int32_t(imm.a * 8)));
      a.mov(gpq(r), ptr(kS0, int32_t(offsetof(Global, bits_))));
      pushReg(r, false);
      return;
    }
    case Opcode::GlobalSet: {
      if (imm.type == ValType::V128) {
        fail("v128");
        return;
      }
      Val v = pop();
      if (v.e.kind == Entry::Cmp) gpOwned(v);
      a.mov(kS1, ptr(r13, kCtxGlobals));
      a.mov(kS1, ptr(kS1, int32_t(imm.a * 8)));
      Mem dst = qword_ptr(kS1, int32_t(offsetof(Global, bits_)));
      if (v.e.kind == Entry::Reg) {
        if (v.e.xmm) a.movq(dst, xmm(v.e.reg));
        else a.mov(dst, gpq(v.e.reg));
      } else if (v.e.kind == Entry::Const && fitsI32(v.e.value)) {
        a.mov(dst, int32_t(uint32_t(v.e.value)));
      } else {
        loadInto(kS0, v);
        a.mov(dst, kS0);
      }
      release(v.e);
      return;
    }
    case Opcode::MemorySize: {
      int r = allocGp();
      a.mov(kS0, ptr(r13, kCtxMemSize));
      a.mov(gpq(r), ptr(kS0));
      a.shr(gpq(r), 16);
      pushReg(r, false);
      return;
    }
    case Opcode::MemoryGrow: {
      Val v = pop();
      spillRegs();
      loadInto(rsi, v);
      release(v.e);
      a.mov(rdi, r13);
      callHelper(reinterpret_cast<void*>(&jitMemoryGrow));
      a.mov(eax, eax);
      gp_busy |= 1u << 0;
      pushReg(0, false);
      return;
    }
    case Opcode::RefNull:
      pushConst(0);
      return;
    case Opcode::RefIsNull:
      intUnary(op);
      return;
    case Opcode::RefFunc: case Opcode::TableGet: case Opcode::TableSet: case Opcode::TableSize:
    case Opcode::TableGrow: case Opcode::TableFill: case Opcode::TableCopy: case Opcode::TableInit:
    case Opcode::ElemDrop: case Opcode::MemoryInit: case Opcode::DataDrop: case Opcode::MemoryCopy:
    case Opcode::MemoryFill:
      miscOp(op, imm);
      return;
    default:
      fail(std::string("not compiled yet: ") + info.name);
      return;
  }
}

FunctionCompiler::FunctionCompiler(const ModuleData& m, ModuleBuilder& b, uint32_t func_index)
    : impl_(std::make_unique<Impl>(m, b, func_index)) {}
FunctionCompiler::~FunctionCompiler() = default;
void FunctionCompiler::begin(const ValidatorState& s) { impl_->begin(s); }
void FunctionCompiler::op(const ValidatorState& s, Opcode op, const Imm& imm) { impl_->op(s, op, imm); }
void FunctionCompiler::finish(const ValidatorState& s) { impl_->finish(s); }
bool FunctionCompiler::failed() const { return impl_->failed; }
const std::string& FunctionCompiler::failure() const { return impl_->why; }

}  // namespace tern::jit
