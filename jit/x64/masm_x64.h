// x86-64 implementation of the Masm interface (jit/masm.h) on asmjit's
// x86::Assembler. Tern allocates the registers; this class only encodes.
//
// Registers: rbx frame pointer, r12 linear memory base, r13 Ctx*, r14 calls
// left before the depth limit (pinned, see jit/x64/frame_x64.h); r10, r11 and xmm15 are
// scratch inside one operation; the rest is the compiler's to allocate, in
// the order kGpOrder / kFpOrder give. Fixed roles (cl for shift counts,
// rdx:rax for division, the System V argument registers for helpers) are
// placed here; the compiler only learns the masks they clobber. Vec (v128)
// registers are the xmm registers float values use; SIMD needs SSE4.1, and
// the VEX (AVX) forms are used when the host has AVX.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "jit/masm.h"
#include "runtime/trap_code.h"

namespace tern::jit {

// The pieces of an x86-64 encoding the direct encoders (encode_x64.cc, and
// the inline loads and stores below) share.
namespace x64enc {
inline uint8_t rex(bool wide, int reg, int index, int base) {
  return uint8_t(0x40 | (wide ? 8 : 0) | ((reg >> 3) << 2) | ((index >> 3) << 1) | (base >> 3));
}
// ModRM's mod for a displacement from a base other than rbp/r13: none, 8 or
// 32 bits.
inline uint8_t dispMod(int32_t disp) { return disp == 0 ? 0x00 : disp == int8_t(disp) ? 0x40 : 0x80; }
inline uint8_t* putDisp(uint8_t* p, int32_t disp) {
  if (disp == 0) return p;
  if (disp == int8_t(disp)) {
    *p++ = uint8_t(disp);
    return p;
  }
  for (int i = 0; i < 4; ++i) *p++ = uint8_t(uint32_t(disp) >> (8 * i));
  return p;
}
}  // namespace x64enc

// Hidden, as FunctionCompiler::Impl (jit/compiler/compiler.h): libtern is
// built position-independent, where a member function of default visibility
// may be interposed and so is never inlined, even into its own file's
// callers. The Masm is only used inside the library.
class __attribute__((visibility("hidden"))) Masm {
 public:
  using Label = asmjit::Label;

  // ---- the register file (see MacroAssembler in jit/masm.h) ----
  static constexpr int kGpRegs = 16, kFpRegs = 16;
  // rsi rdi r8 r9 rax rdx r15 rbp rcx: the ones with fixed roles last.
  static constexpr uint8_t kGpOrder[] = {6, 7, 8, 9, 0, 2, 15, 5, 1};
  // xmm0..xmm14 (xmm15 is scratch).
  static constexpr uint8_t kFpOrder[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

  // ---- fixed registers ----
  // A variable shift count goes in cl.
  static constexpr uint32_t intOpClobbers(IntOp op, bool rhs_imm) { return isShift(op) && !rhs_imm ? 1u << 1 : 0; }
  // div and idiv take rdx:rax and leave the quotient in rax, the remainder in rdx.
  static constexpr uint32_t divClobbers() { return (1u << 0) | (1u << 2); }
  static constexpr Reg divPreferredDst(DivOp op) { return gpReg(op == DivOp::RemS || op == DivOp::RemU ? 2 : 0); }

  explicit Masm(uint32_t func_index);
  // Its buffers come from, and go back to, the thread's Scratch
  // (masm_x64.cc; why: jit/scratch.h); so does asmjit's CodeHolder,
  // rewound for the next function rather than made again.
  ~Masm();
  Masm(const Masm&) = delete;
  Masm& operator=(const Masm&) = delete;

  // The x86 condition code (asmjit's CondCode) of a condition after cmp or
  // fcmp (FEq, FNe: setCond only, which adds the parity test).
  // (A static table: a local one is copied to the stack at each call.)
  // e 4, ne 5, l 12, ge 13, b 2, ae 3, g 15, le 14, a 7, be 6.
  static constexpr uint8_t kX86Cond[] = {4, 5, 12, 13, 2, 3, 15, 14, 7, 6, 7, 6, 3, 2, 4, 5};
  static constexpr uint8_t x86Cond(Cond c) { return kX86Cond[unsigned(c)]; }

  // The MR opcode (register or memory destination) of add, sub, and, or
  // and xor: the two-address ALU operations directAlu encodes.
  static constexpr uint8_t aluOpcodeMR(IntOp op) {
    return op == IntOp::Add ? 0x01 : op == IntOp::Sub ? 0x29 : op == IntOp::And ? 0x21 : op == IntOp::Or ? 0x09 : 0x31;
  }

  // The opcode (for directMem) of a store of a Gp register's low `size`
  // bytes: mov r/m8, mov r/m16 (operand-size prefix), mov r/m32 or r/m64.
  static constexpr uint32_t storeOpcode(unsigned size) {
    return size == 1 ? 0x88 : size == 2 ? kOperand16 | 0x89 : 0x89;
  }

  // The compiler's labels are the Masm's own (an offset each): asmjit's
  // cost over a hundred instructions to make and as many to bind, and most
  // are only ever the target of direct jumps (encode_x64.cc). An
  // instruction emitted through asmjit with one takes asmjit's twin of it
  // (asmLabel). Labels that asmjit makes stay asmjit's.
  Label newLabel() {
    own_offsets_.push_back(-1);
    return Label(kOwnLabel | uint32_t(own_offsets_.size() - 1));
  }
  void bind(const Label& l);
  void jump(const Label& l) {
    if (!directJump(-1, l)) a_.jmp(asmLabel(l));
  }
  void branch(Cond c, const Label& l);

  void prologue(uint32_t nparams, uint32_t nlocals, Label stack_overflow);
  void ret();
  void trapStub(Label l, TrapCode code, Label common);
  void trapCommon(Label l, uint32_t func_index);
  // A trap site's own stub: binds l and calls `stub`.
  void trapSite(Label l, Label stub);
  // Bytes emitted so far: the code offset of the next instruction.
  uint32_t offset() const { return uint32_t(a_.offset()); }
  void reserve(uint32_t bytes) { code_.reserveBuffer(&code_.textSection()->buffer(), bytes); }
  // *out: the code, until this Masm goes (no copy, as a rule).
  bool finish(uint32_t frame_bytes, std::span<const uint8_t>* out);
  bool finish(uint32_t frame_bytes, std::vector<uint8_t>& out);  // a copy
  // Direct calls emitted so far: (offset of the rel32, callee index).
  const std::vector<std::pair<uint32_t, uint32_t>>& callSites() const { return calls_; }

  void move(Reg dst, Reg src);
  void loadImm(Reg r, uint64_t v);
  void loadSlot(Reg r, uint32_t slot);
  void storeSlot(uint32_t slot, Reg r);
  void storeSlotImm(uint32_t slot, uint64_t v);
  void copySlot(uint32_t dst, uint32_t src);

  void intOp(IntOp op, bool wide, Reg dst, const Opnd& lhs, const Opnd& rhs);
  bool intUnop(IntUnop op, bool wide, Reg dst, Reg src);
  void divRem(DivOp op, bool wide, Reg dst, Opnd lhs, Reg rhs, bool check_zero, bool check_overflow, Label div_by_zero,
              Label overflow);
  void cmp(bool wide, Reg lhs, Opnd rhs);
  void cmpSlotZero(uint32_t slot);
  void test(Reg r);
  void branchZero(Reg r, bool nonzero, const Label& l) {
    test(r);
    branch(nonzero ? Cond::Ne : Cond::Eq, l);
  }
  void setCond(Cond c, Reg dst);
  void cmov(Cond c, Reg dst, Opnd src);
  void fcmp(bool dbl, Reg lhs, Opnd rhs);
  void floatOp(FloatOp op, bool dbl, Reg dst, const Opnd& lhs, const Opnd& rhs);
  bool floatUnop(FloatUnop op, bool dbl, Reg dst, Reg src);
  void signOp(SignOp op, bool dbl, Reg r);
  void convertInt(bool to_dbl, bool src64, Reg dst, Opnd src);
  void promote(Reg r);
  void demote(Reg dst, Reg src);

  void boundsCheck(Reg idx, uint64_t end, Label trap, uint32_t mem = 0);
  void boundsCheck64(Reg idx, uint64_t offset, uint32_t size, Label trap, uint32_t mem = 0);
  void memBase(Reg dst, uint32_t mem);
  // (Inline, below: the compiler's loads and stores encode in place.)
  void load(MemAccess acc, Reg dst, MemRef ref);
  void store(MemAccess acc, MemRef ref, Opnd value);
  void memorySize(Reg dst, uint32_t mem = 0);
  Reg memoryGrow(Opnd delta);
  void globalGet(Reg dst, uint32_t index);
  void globalSet(uint32_t index, Opnd value);

  void callFunction(uint32_t func_index, uint32_t frame_slot);
  void callIndirect(uint32_t type_index, uint32_t table, uint32_t frame_slot, Opnd elem, Label trap);
  void tailCallFunction(uint32_t func_index);
  void tailCallIndirect(uint32_t type_index, uint32_t table, Opnd elem, Label trap);
  Reg callOperator(uint32_t helper, Opnd x, Opnd y);
  Reg callMisc(uint32_t op, uint32_t a, uint32_t b, uint32_t frame_slot, bool traps, Label trap);
  void checkTrap(Label trap);
  void interruptCheck(uint32_t flags, Label trap);
  void jumpTable(Opnd idx, const std::vector<Label>& targets);

  // ---- SIMD (jit/x64/simd_x64.cc) ----
  bool vecSupported() const { return sse41_; }
  void copyVecSlot(uint32_t dst, uint32_t src);
  void vecConst(Reg dst, uint64_t lo, uint64_t hi);
  bool vecUnop(Opcode op, Reg dst, Reg src, Reg tmp);
  bool vecBinop(Opcode op, Reg dst, Reg rhs, Reg tmp);
  bool vecShift(Opcode op, Reg dst, Opnd count, Reg tmp);
  void vecBitselect(Reg dst, Reg b, Reg c);
  bool vecTest(Opcode op, Reg dst, Reg src, Reg tmp);
  void vecSplat(Opcode op, Reg dst, Reg src);
  void vecExtract(Opcode op, uint32_t lane, Reg dst, Reg src);
  void vecReplace(Opcode op, uint32_t lane, Reg dst, Reg src);
  void vecShuffle(Reg dst, Reg b, const uint8_t* lanes, Reg tmp);
  void vecLoad(Opcode op, uint32_t lane, Reg dst, MemRef ref);
  void vecStore(Opcode op, uint32_t lane, MemRef ref, Reg src);
  void callSimd(uint32_t op, uint32_t lane, uint32_t frame_slot);

  // Off: every instruction goes through asmjit's encoder (the direct
  // encodings below are checked against it this way, tests/jit/test_encode_x64.cc).
  void setDirectEncoding(bool on) {
    direct_ = on && !logging_;
    direct_room_ = direct_ ? kDirectMaxBytes : SIZE_MAX;
  }
  size_t directCount() const { return direct_count_; }  // instructions the direct path wrote
  // Flags of a direct encoding's opcode (encode_x64.cc): kEscape0F puts
  // 0x0f before it (movzx, movsx), kOperand16 the operand-size prefix.
  static constexpr uint32_t kEscape0F = 0x100, kOperand16 = 0x200;
  // An integer load's opcode (x64enc::kLoadOps) that takes REX.W.
  static constexpr uint32_t kWide64 = 0x400;
  // The longest direct encoding: REX, opcode, ModRM, SIB, disp32, imm32.
  static constexpr size_t kDirectMaxBytes = 16;

 private:
  // ---- direct encodings (jit/x64/encode_x64.cc) ----
  // The commonest forms (a register to or from a slot or linear memory,
  // between registers, integer operations on them) are written straight
  // into asmjit's code buffer: its table-driven encoder costs some 250 host
  // instructions per instruction, most of a compile. Each writes exactly
  // the bytes asmjit would, and returns false, having written nothing, when
  // the form is not one of these, the buffer may lack room, or the assembly
  // is logged (TERN_JIT_ASM): the caller then goes through asmjit.
  // `opcode` is the MR form's (0x89 mov, 0x01 add, ...): reg-reg and stores
  // use it, loads into reg its RM form (opcode + 2).
  // (Inline: every direct encoding takes both, and load and store (below
  // the class) encode in place in the compiler's code.)
  // Where the next instruction's bytes go, or null to take asmjit's path.
  // (One compare: direct_room_ is kDirectMaxBytes, or SIZE_MAX with the
  // direct path off. A buffer with room is never null: the callers' test of
  // the result is the only one left.)
  [[gnu::always_inline]] uint8_t* directBegin() {
    uint8_t* p = a_._bufferPtr;
    if (size_t(a_._bufferEnd - p) < direct_room_) return nullptr;
    if (!p) __builtin_unreachable();
    return p;
  }
  // Advances past bytes written from directBegin(), keeping the section's
  // size as asmjit does after each instruction (flatten and bind read it).
  [[gnu::always_inline]] void directEnd(uint8_t* end) {
    a_._bufferPtr = end;
    ++direct_count_;
    asmjit::CodeBuffer& buf = a_._section->_buffer;
    size_t size = size_t(end - a_._bufferData);
    if (size > buf._size) buf._size = size;
  }
  // Whether a linear memory operand is [r12 + idx + disp32] or, for a
  // constant address, [r12 + disp32]: the forms putMemOp writes.
  static bool directMemForm(const MemRef& ref) {
    return ref.base < 0 && ref.offset <= 0x7fffffff && (!ref.has_idx || (ref.idx.isGp() && ref.idx.id != 4));
  }
  // The prefixes, opcode, ModRM, SIB and displacement of an instruction on
  // [r12 + idx + disp] ([r12 + disp]: the SIB's index 100, none): r12 as a
  // base takes a SIB byte (base 100, REX.B), so the REX is always there (and
  // a byte store's sil/dil need nothing more).
  [[gnu::always_inline]] static uint8_t* putMemOp(uint8_t* p, uint32_t opcode, bool wide, int reg, const MemRef& ref) {
    int32_t disp = int32_t(ref.offset);
    int idx = ref.has_idx ? int(ref.idx.id) : 4;
    if (opcode & kOperand16) *p++ = 0x66;
    *p++ = x64enc::rex(wide, reg, idx, 12);
    if (opcode & kEscape0F) *p++ = 0x0f;
    *p++ = uint8_t(opcode);
    *p++ = uint8_t(x64enc::dispMod(disp) | (reg & 7) << 3 | 4);
    *p++ = uint8_t((idx & 7) << 3 | 4);
    return x64enc::putDisp(p, disp);
  }
  bool directRegReg(uint8_t opcode, bool wide, Reg dst, Reg src);
  bool directSlot(uint8_t opcode, bool wide, Reg reg, uint32_t slot);
  // `opcode` with ModRM reg field `reg` (a register id or an opcode's /digit)
  // and memory [base + disp] (base not rsp or r12), then an imm8 if not -1.
  bool directBaseDisp(uint8_t opcode, bool wide, int reg, int base, int32_t disp, int imm8 = -1);
  // An ALU operation (the MR opcode of add, or, and, sub, xor, cmp) of a Gp
  // register with a register, slot or immediate operand.
  bool directAlu(uint8_t opcode, bool wide, Reg dst, const Opnd& rhs);
  // A Gp register to or from memory base + idx + offset: `opcode` is the
  // last opcode byte, kEscape0F puts 0x0f before it (movzx, movsx) and
  // kOperand16 the operand-size prefix (16-bit stores).
  bool directMem(uint32_t opcode, bool wide, Reg reg, const MemRef& ref);
  // mov of an immediate to `size` bytes of memory base + idx + offset (for
  // 8 bytes, a sign-extended imm32: the caller checks it fits).
  bool directMemImm(unsigned size, const MemRef& ref, uint64_t imm);
  // A shift or rotate of a Gp register by cl: D3 /digit.
  bool directShiftCl(int digit, bool wide, Reg dst);
  // imul of a Gp register by a register, slot or immediate (dst = dst * rhs).
  bool directImul(bool wide, Reg dst, const Opnd& rhs);
  // mov r32, imm32.
  bool directMovImm32(Reg dst, uint32_t imm);
  // setcc r8 then movzx r32, r8 (cond: the x86 condition code): a Gp
  // register's 0 or 1.
  bool directSetCond(int cond, Reg dst);
  // A shift or rotate of a Gp register by an immediate count: C1 /digit ib,
  // D1 /digit by 1 (rol 0, ror 1, shl 4, shr 5, sar 7).
  bool directShiftImm(int digit, bool wide, Reg dst, uint8_t count);
  // Bytes as they are (a fixed instruction: push rbx, ret, ...).
  bool directBytes(std::initializer_list<uint8_t> bytes);
  // mov dword [r13 + disp8], imm32: a Ctx field (masm_x64.cc).
  bool directCtxImm32(int disp8, uint32_t imm);
  // call rel32 with a zero rel32 (patched when the module is laid out).
  bool directCallRel32();
  // mov qword [rbx + slot], imm32 (sign-extended).
  bool directSlotImm(uint32_t slot, int32_t imm);
  // jmp (cond -1), call (cond -2, always rel32) or jcc (cond: the x86
  // condition code) to a label: rel8
  // back to a bound label in reach, else rel32; a rel32 to an own label not
  // yet bound is linked to it (linkOwn) and patched when it is bound, one to
  // asmjit's is recorded in fixups_ and patched by finish().
  bool directJump(int cond, const Label& l);
  bool patchFixups();
  // Own labels (newLabel) have this bit in their id; asmjit's ids are small.
  static constexpr uint32_t kOwnLabel = 1u << 30;
  static bool isOwn(const Label& l) { return l.isValid() && (l.id() & kOwnLabel); }
  // (Inline: directJump asks for every jump.)
  bool labelBound(const Label& l) const {
    return isOwn(l) ? own_offsets_[l.id() & ~kOwnLabel] >= 0 : code_.isLabelBound(l);
  }
  uint64_t labelOffset(const Label& l) const {
    return isOwn(l) ? uint64_t(own_offsets_[l.id() & ~kOwnLabel]) : code_.labelOffset(l);
  }
  // asmjit's label for l: l itself, or an own label's twin (made on first
  // use, and bound where l is).
  Label asmLabel(const Label& l);
  // Per own label: its offset once bound; before, -1, or -(at + 2) when
  // rel32s were written to it, `at` the newest one's offset. Each such
  // rel32 holds, until the label is bound, what that was before it (the
  // previous one's link, or -1): the label's forward jumps are a chain
  // through their own rel32 fields, patched by bindOwn (as asmjit links
  // its labels), never a list to go through at finish().
  std::vector<int64_t> own_offsets_;
  uint32_t pending_ = 0;  // own labels with a chain, not bound yet
  // The value to write in the rel32 at `at` to own label i (not bound):
  // it joins the label's chain.
  int32_t linkOwn(uint32_t i, uint32_t at) {
    int64_t& o = own_offsets_[i];
    if (at > 0x7fff0000u) [[unlikely]] {  // (the links are int32s)
      addFixup(Fixup{at, kOwnLabel | i});
      return 0;
    }
    const int32_t prev = int32_t(o);
    pending_ += o == -1;
    o = -(int64_t(at) + 2);
    return prev;
  }
  // Own label i is bound at `at`: its chain's rel32s get their values.
  void bindOwn(uint32_t i, int64_t at) {
    int64_t link = own_offsets_[i];
    own_offsets_[i] = at;
    if (link != -1) patchChain(link, at);
  }
  void patchChain(int64_t link, int64_t at);
  std::vector<Label> own_twins_;  // per own label: its asmjit twin, if any
  // A jump table's entry is a fixup too: the label's offset from `base`
  // (a rel32's is from its end).
  // (Label ids, not Labels: asmjit's are 16 bytes, and a function has a
  // fixup for most of its jumps.)
  static constexpr uint32_t kNoBase = asmjit::Globals::kInvalidId;
  struct Fixup {
    uint32_t at;     // offset of the rel32
    uint32_t label;  // the target's id
    uint32_t base = kNoBase;
  };
  std::vector<Fixup> fixups_;
  // (Out of line: the jumps that take it are few.)
  __attribute__((noinline, cold)) void addFixup(const Fixup& f) { fixups_.push_back(f); }
  // The offset of the label with this id, or -1 while it is not bound.
  int64_t fixupTarget(uint32_t id) const {
    if (id == kNoBase) return -1;
    if (id & kOwnLabel) return own_offsets_[id & ~kOwnLabel];
    Label l(id);
    return code_.isLabelBound(l) ? int64_t(code_.labelOffset(l)) : -1;
  }

  asmjit::x86::Mem slot(uint32_t s) const;
  asmjit::x86::Mem slot32(uint32_t s) const;
  asmjit::x86::Mem memOperand(MemRef ref, unsigned size);
  // dst = memory mem's size in bytes.
  void loadMemSize(const asmjit::x86::Gp& dst, uint32_t mem);
  void loadGlobalPtr(const asmjit::x86::Gp& r, uint32_t index);
  asmjit::Operand gpOperand(const Opnd& o, bool wide, bool allow_imm);
  asmjit::Operand fpOperand(const Opnd& o, bool dbl);
  void loadOpnd(Reg dst, const Opnd& o);
  void cmpAsm(bool wide, Reg lhs, Opnd rhs);
  void intOpAsm(IntOp op, bool wide, Reg dst, const Opnd& lhs, const Opnd& rhs);
  void loadAsm(MemAccess acc, Reg dst, const MemRef& ref);
  void storeAsm(MemAccess acc, const MemRef& ref, Opnd v);
  void callHelper(uint32_t id);
  // The constant pool: 16-byte constants emitted (aligned) after the code.
  asmjit::x86::Mem pool(const uint8_t* bytes16);
  asmjit::x86::Mem pool(uint64_t lo, uint64_t hi);
  asmjit::x86::Mem poolSplat(uint64_t lane, unsigned bytes);
  void emitPool();
  // dst = a op b with the VEX three-operand form when the host has AVX,
  // else the SSE form after copying a to dst (b must not be dst then).
  void v3(asmjit::InstId sse, asmjit::InstId avx, const asmjit::x86::Xmm& dst, const asmjit::x86::Xmm& a,
          const asmjit::Operand& b);
  bool vecCompare(Opcode op, Reg dst, Reg rhs, Reg tmp);
  bool vecConvert(Opcode op, Reg dst, Reg src, Reg tmp);
  struct PoolEntry {
    uint8_t bytes[16];
    asmjit::Label label;
  };
  std::vector<PoolEntry> pool_;
  asmjit::Label byte_masks_[2];  // the i8x16 shl / shr_u masks, eight each

  asmjit::FileLogger logger_;
  // asmjit's CodeHolder: the thread's (made once, and only rewound between
  // functions: making and destroying one was some 900 host instructions a
  // function), or this Masm's own while another Masm on the thread holds
  // the thread's. The Assembler attached to it is this Masm's (a member:
  // the direct encodings reach its buffer pointers with no indirection).
  struct Holder;
  static Holder* takeHolder();
  Holder* holder_;
  asmjit::CodeHolder& code_;
  asmjit::x86::Assembler a_;
  size_t frame_patch_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> calls_;
  std::vector<uint8_t> flat_;  // finish()'s code when asmjit had to flatten it
  struct Scratch;
  static Scratch& scratch();
  bool sse41_ = false, lzcnt_ = false, bmi_ = false, popcnt_ = false;
  bool sse42_ = false, avx_ = false;
  bool logging_ = false, direct_ = true;
  // The room directBegin asks for: kDirectMaxBytes, or SIZE_MAX while the
  // direct path is off.
  size_t direct_room_ = kDirectMaxBytes;
  size_t direct_count_ = 0;
};

static_assert(MacroAssembler<Masm>);

namespace x64enc {
// The opcode (for putMemOp) of an integer load of `size` bytes and
// extension `ext` (MemAccess), with kWide64 when it takes REX.W: movzx (ext
// 0) or movsx to 32 (ext 1) or 64 bits (ext 2) of a byte or a word; mov or
// movsxd of a dword; mov of a qword.
inline constexpr uint16_t kLoadOps[9][3] = {
    {},
    {Masm::kEscape0F | 0xb6, Masm::kEscape0F | 0xbe, Masm::kWide64 | Masm::kEscape0F | 0xbe},
    {Masm::kEscape0F | 0xb7, Masm::kEscape0F | 0xbf, Masm::kWide64 | Masm::kEscape0F | 0xbf},
    {},
    {0x8b, 0x8b, Masm::kWide64 | 0x63},
    {},
    {},
    {},
    {Masm::kWide64 | 0x8b, Masm::kWide64 | 0x8b, Masm::kWide64 | 0x8b},
};
}  // namespace x64enc

// Linear memory loads and stores: the forms on [r12 + idx + disp] here,
// inline in the compiler's memory instructions (jit/compiler/ops.cc), where
// most of the operand is known; the rest: loadAsm, storeAsm (masm_x64.cc).
[[gnu::always_inline]] inline void Masm::load(MemAccess acc, Reg dst, MemRef ref) {
  if (!acc.fp && dst.isGp() && directMemForm(ref)) {
    if (uint8_t* p = directBegin()) {
      const uint32_t op = x64enc::kLoadOps[acc.size][acc.ext];
      directEnd(putMemOp(p, op, op & kWide64, dst.id, ref));
      return;
    }
  }
  loadAsm(acc, dst, ref);
}

[[gnu::always_inline]] inline void Masm::store(MemAccess acc, MemRef ref, Opnd v) {
  if (directMemForm(ref)) {
    // A value in a slot: through r10 (as storeAsm).
    if (v.kind == Opnd::Slot && directSlot(0x8b, true, gpReg(10), v.slot)) v = Opnd::r(gpReg(10));
    if (v.kind == Opnd::R && v.reg.isGp()) {
      if (uint8_t* p = directBegin()) {
        directEnd(putMemOp(p, storeOpcode(acc.size), acc.size == 8, v.reg.id, ref));
        return;
      }
    } else if (v.kind == Opnd::Imm && (acc.size != 8 || int64_t(v.imm) == int64_t(int32_t(uint32_t(v.imm))))) {
      // mov r/m8, imm8 (C6 /0); mov r/m16/32/64, imm16/32 (C7 /0), sign-extended to 64 bits.
      // (A 64-bit constant beyond 32 bits goes through a register: storeAsm.)
      if (uint8_t* p = directBegin()) {
        p = putMemOp(p, acc.size == 1 ? 0xc6 : acc.size == 2 ? kOperand16 | 0xc7 : 0xc7, acc.size == 8, 0, ref);
        const unsigned n = acc.size == 1 ? 1 : acc.size == 2 ? 2 : 4;
        for (unsigned i = 0; i < n; ++i) *p++ = uint8_t(v.imm >> (8 * i));
        directEnd(p);
        return;
      }
    }
  }
  storeAsm(acc, ref, v);  // (which tries the same forms again after moving a slot to a register)
}

}  // namespace tern::jit
