// FunctionDecoder<Visitor>: decodes and validates one function body in a
// single pass, calling the visitor for each instruction while the code is
// reachable. The validator is the spec's algorithm (appendix "Validation
// Algorithm"): an operand-type stack and a control stack.
//
// Visitor interface (every tier implements it; NullVisitor validates only):
//   void begin(const ValidatorState&);
//   void op(const ValidatorState&, Opcode, const Imm&);
//     - called after the instruction's immediates and operand types are
//       checked, before its effect is applied to the type stack;
//     - for block/loop/if: after the new frame is pushed (if's condition and
//       the block's params are popped from the new frame's point of view);
//     - for else/end: before the frame is popped, only for frames that were
//       opened in reachable code; `s.endReachable()` tells whether the
//       fallthrough path reaches the else/end. catch, catch_all and
//       delegate (which also closes its try) are visited the same way;
//       for catch, the tag's values are pushed after the visit. try_table
//       is visited as a block, its clauses in ValidatorState::catches
//       (their labels count from outside the try_table, as in the binary).
//   void finish(const ValidatorState&);
// Optional typed hooks, called instead of op() for the commonest kinds when
// the visitor declares them (op() is called otherwise; a hook must do what
// op() would):
//   void numeric(const ValidatorState&, Opcode);
//     - a single-byte numeric instruction without immediates (i32.add,
//       i64.eqz, f64.mul...), no Imm built;
//   void memory(const ValidatorState&, Opcode, const Imm&);
//     - a single-byte scalar load or store (i32.load to i64.store32) whose
//       memarg is memory 0's with a small offset (the Imm's align and offset);
//   void local(const ValidatorState&, Opcode, uint32_t index, ValType type);
//     - local.get/set/tee (the Imm's a and type), no Imm built;
//   void constant(const ValidatorState&, Opcode, uint64_t bits);
//     - i32.const and i64.const (the Imm's bits), no Imm built.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/build.h"
#include "base/errors.h"
#include "base/leb128.h"
#include "module/frame_layout.h"
#include "module/module.h"
#include "module/opcodes.h"

namespace tern {

// Unknown is the bottom type of unreachable code.
constexpr ValType kUnknown = ValType(0);

// One catch clause of a try_table.
struct CatchClause {
  enum Kind : uint8_t { kCatch, kCatchRef, kCatchAll, kCatchAllRef };
  Kind kind = kCatch;
  uint32_t tag = 0;    // catch and catch_ref
  uint32_t label = 0;  // where the clause branches, counted from outside the try_table
  bool ref() const { return kind == kCatchRef || kind == kCatchAllRef; }
  bool all() const { return kind == kCatchAll || kind == kCatchAllRef; }
};

// An instruction's immediates, built for each visited instruction: kept
// small (56 bytes, zeroed in a few stores), the rarest immediates in the
// fields of others (i8x16.shuffle's lanes in bits and hi) or outside it
// (try_table's clauses in ValidatorState::catches).
struct Imm {
  uint32_t a = 0, b = 0;      // indices (local, global, func, type, table, label, mem, segment)
  uint64_t bits = 0, hi = 0;  // constants; i8x16.shuffle's 16 lane indices (shuffleLanes)
  uint64_t offset = 0;        // memarg offset
  uint32_t align = 0;
  uint32_t mem = 0;   // memory index: memarg, memory.size/grow/fill/init, memory.copy's destination
  uint32_t mem2 = 0;  // memory.copy's source memory
  uint8_t lane = 0;
  ValType type = ValType::I32;                     // select t, ref.null
  const std::vector<uint32_t>* targets = nullptr;  // br_table (default in a)

  // i8x16.shuffle's lane indices, in order (stored by setShuffleLanes).
  void shuffleLanes(uint8_t out[16]) const {
    std::memcpy(out, &bits, 8);
    std::memcpy(out + 8, &hi, 8);
  }
  void setShuffleLanes(const uint8_t in[16]) {
    std::memcpy(&bits, in, 8);
    std::memcpy(&hi, in + 8, 8);
  }
};
static_assert(sizeof(void*) > 8 || sizeof(Imm) <= 56);

// Try is a try block's body; Catch and CatchAll its handler clauses (the
// frame changes kind at each clause, as an If becomes an Else). TryTable is
// a try_table's body, a block for branches.
enum class CtrlKind : uint8_t { Block, Loop, If, Else, Func, Try, Catch, CatchAll, TryTable };

struct CtrlFrame {
  CtrlKind kind = CtrlKind::Block;
  // Block type: either a module type index or an inline single result.
  int64_t type_index = -1;
  ValType single = kUnknown;  // for inline result type; kUnknown = no result
  uint32_t height = 0;        // type-stack height below the block's params
  uint32_t v128s = 0;         // v128 entries below the block's params
  bool unreachable = false;
  bool visited = true;  // the visitor saw the opening of this frame
};

// The operand-type stack: the few operations of a std::vector that the
// validator and the visitors use, with a push that stays inline (it is the
// commonest thing validation does; growing, rare, is out of line).
class TypeStack {
 public:
  TypeStack() = default;
  TypeStack(TypeStack&& o) noexcept : buf_(std::move(o.buf_)), size_(o.size_), cap_(o.cap_) { o.size_ = o.cap_ = 0; }
  TypeStack& operator=(TypeStack&& o) noexcept {
    buf_ = std::move(o.buf_);
    size_ = o.size_;
    cap_ = o.cap_;
    o.size_ = o.cap_ = 0;
    return *this;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ValType back() const { return buf_[size_ - 1]; }
  ValType operator[](size_t i) const { return buf_[i]; }
  const ValType* begin() const { return buf_.data(); }
  const ValType* end() const { return buf_.data() + size_; }
  TERN_HOT_INLINE void push_back(ValType t) {
    if (size_ == cap_) [[unlikely]]
      grow();
    buf_[size_++] = t;
  }
  void pop_back() { --size_; }
  // Drops the top n entries (n <= size()).
  void drop(size_t n) { size_ -= n; }
  void clear() { size_ = 0; }
  // Drops the entries above height n (never grows).
  void truncate(size_t n) { size_ = n < size_ ? n : size_; }

 private:
  [[gnu::noinline]] void grow() {
    buf_.resize(buf_.empty() ? 64 : 2 * buf_.size());
    cap_ = buf_.size();
  }
  std::vector<ValType> buf_;  // the entries, then room to grow into
  size_t size_ = 0;
  size_t cap_ = 0;  // buf_.size(), kept here: push_back's test is then one load
};

class ValidatorState {
 public:
  const ModuleData* module = nullptr;
  uint32_t func_index = 0;
  std::vector<ValType> locals;  // params then declared locals
  FrameLayout layout;           // where the locals and the operand stack live (module/frame_layout.h);
                                // empty for NullVisitor, which does not ask
  TypeStack stack;
  uint32_t v128s = 0;  // v128 entries of `stack`
  std::vector<CtrlFrame> frames;
  // The current instruction's first byte; opOffset() is its byte offset in
  // the module (kept as a pointer: one store per instruction, the offset
  // computed only when an error or a visitor asks).
  const uint8_t* op_pos = nullptr;
  size_t opOffset() const { return body_offset_ + size_t(op_pos - body_start_); }
  // For block, loop and if: the bytes after the block type, up to the end of
  // the body (not validated yet; see decode/scan.h), for a visitor that
  // looks ahead.
  const uint8_t* body_pos = nullptr;
  const uint8_t* body_end = nullptr;
  // For try_table: its catch clauses. (Not in Imm, which every instruction
  // builds: a member more there costs every instruction a store.)
  std::vector<CatchClause> catches;

  uint32_t paramCount(const CtrlFrame& f) const {
    return f.type_index >= 0 ? uint32_t(module->types[size_t(f.type_index)].params.size()) : 0;
  }
  uint32_t resultCount(const CtrlFrame& f) const {
    if (f.type_index >= 0) return uint32_t(module->types[size_t(f.type_index)].results.size());
    return f.single == kUnknown ? 0 : 1;
  }
  ValType param(const CtrlFrame& f, uint32_t i) const { return module->types[size_t(f.type_index)].params[i]; }
  ValType result(const CtrlFrame& f, uint32_t i) const {
    return f.type_index >= 0 ? module->types[size_t(f.type_index)].results[i] : f.single;
  }
  // Types a branch to this frame carries.
  uint32_t labelCount(const CtrlFrame& f) const { return f.kind == CtrlKind::Loop ? paramCount(f) : resultCount(f); }
  ValType labelType(const CtrlFrame& f, uint32_t i) const {
    return f.kind == CtrlKind::Loop ? param(f, i) : result(f, i);
  }
  const CtrlFrame& frameAt(uint32_t depth) const { return frames[frames.size() - 1 - depth]; }
  // The slots the operand stack's entries take (slotsOf each), the height
  // FrameLayout::stackSlot takes: a v128 takes two. Counting the v128
  // entries (a rarely taken branch per push and pop) keeps validation of
  // code without v128 as cheap as it was.
  uint32_t slotHeight() const { return uint32_t(stack.size()) + v128s; }
  bool endReachable() const { return !frames.back().unreachable; }
  // memory64: whether memory `mem` (a memarg's or memory instruction's
  // Imm::mem) has i64 addresses. Without -W memory64, one test.
  bool memIs64(uint32_t mem) const {
    return kBuildMemory64 && module->features.memory64 && mem < module->memories.size() && module->memories[mem].is64;
  }

 protected:
  const uint8_t* body_start_ = nullptr;  // a byte of the body, and its offset (for opOffset)
  size_t body_offset_ = 0;
};

// The decoder's errors are the API's Error (kind Malformed or Invalid, the
// spec text from base/errors.def, the byte offset).
using DecodeError = Error;

class NullVisitor {
 public:
  void begin(const ValidatorState&) {}
  void op(const ValidatorState&, Opcode, const Imm&) {}
  void finish(const ValidatorState&) {}
};

inline bool isNumType(ValType t) {
  return t == ValType::I32 || t == ValType::I64 || t == ValType::F32 || t == ValType::F64 || t == ValType::V128;
}
inline bool isValType(uint8_t b) {
  return b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x7b || b == 0x70 || b == 0x6f;
}
// With the exceptions feature, exnref (0x69) is a value and reference type too.
inline bool isValType(uint8_t b, const Features& f) { return isValType(b) || (b == 0x69 && f.exceptions); }
inline bool isRefTypeByte(uint8_t b, const Features& f) {
  return b == 0x70 || b == 0x6f || (b == 0x69 && f.exceptions);
}

// What step() does with an instruction, by its first byte: the commonest
// single-byte opcodes take a short path inlined into the decoding loop (one
// table load, one switch, no opcode lookup), the rest the general one
// (stepSlow). Sig: a numeric instruction without immediates, validated by
// its signature alone.
enum class FastKind : uint8_t { Slow, Sig, Const, MemArg, LocalGet, LocalSet, LocalTee, End, Br, BrIf, Call, Block };

constexpr std::array<FastKind, 256> makeFastKinds() {
  std::array<FastKind, 256> k{};
  for (unsigned b = 0; b < 256; ++b) {
    std::optional<Opcode> op = lookupOpcode(0, b);
    if (!op) continue;
    const OpInfo& i = opInfo(*op);
    switch (*op) {
      case Opcode::LocalGet: k[b] = FastKind::LocalGet; break;
      case Opcode::LocalSet: k[b] = FastKind::LocalSet; break;
      case Opcode::LocalTee: k[b] = FastKind::LocalTee; break;
      case Opcode::I32Const:
      case Opcode::I64Const: k[b] = FastKind::Const; break;
      case Opcode::End: k[b] = FastKind::End; break;
      case Opcode::Br: k[b] = FastKind::Br; break;
      case Opcode::BrIf: k[b] = FastKind::BrIf; break;
      case Opcode::Call: k[b] = FastKind::Call; break;
      case Opcode::Block:
      case Opcode::Loop:
      case Opcode::If: k[b] = FastKind::Block; break;
      default:
        if (i.cls == OpClass::Num && i.imm == ImmKind::None) k[b] = FastKind::Sig;
        else if ((i.cls == OpClass::Load || i.cls == OpClass::Store) && i.imm == ImmKind::MemArg)
          k[b] = FastKind::MemArg;
        break;
    }
  }
  return k;
}
inline constexpr std::array<FastKind, 256> kFastKinds = makeFastKinds();

#ifndef TERN_MINIMAL
// The stacks of a thread's last decoder, handed to its next one, so that
// most bodies validate without allocating: a decoder that grew its stacks
// from nothing spent a tenth of a module's validation in the allocator. (A
// decoder made while another runs on the thread starts from empty ones. A
// minimal build has no thread_local: its decoders allocate.)
struct DecoderScratch {
  TypeStack stack;
  std::vector<CtrlFrame> frames;
  std::vector<ValType> locals;
};
inline thread_local DecoderScratch t_decoder_scratch;
#endif

template <class Visitor>
class FunctionDecoder : public ValidatorState {
 public:
  FunctionDecoder(const ModuleData& m, uint32_t func_index, Visitor& v) : visitor_(v) {
    module = &m;
    this->func_index = func_index;
#ifndef TERN_MINIMAL
    std::swap(stack, t_decoder_scratch.stack);
    std::swap(frames, t_decoder_scratch.frames);
    std::swap(locals, t_decoder_scratch.locals);
    stack.clear();
    frames.clear();
    locals.clear();
#endif
  }
#ifndef TERN_MINIMAL
  ~FunctionDecoder() {
    std::swap(stack, t_decoder_scratch.stack);
    std::swap(frames, t_decoder_scratch.frames);
    std::swap(locals, t_decoder_scratch.locals);
  }
#endif
  FunctionDecoder(const FunctionDecoder&) = delete;
  FunctionDecoder& operator=(const FunctionDecoder&) = delete;

  // `r` spans exactly the body (after its size). Returns false on error.
  bool decode(Reader& r, std::vector<ValType>* declared_locals) {
    const FuncType& ft = module->funcType(func_index);
    body_start_ = r.pos();
    body_offset_ = r.offset();
    uint32_t groups;
    if (!r.u32(&groups)) return readFail(r);
    // The local groups are read and checked first, then read again to fill
    // the vectors, each grown once: growing declared_locals group by group
    // copied it over and over.
    const Reader groups_start = r;
    uint64_t total = 0;
    for (uint32_t g = 0; g < groups; ++g) {
      uint32_t n;
      uint8_t t;
      if (!r.u32(&n)) return readFail(r);
      total += n;
      if (total > 50000) return malformed(r.offset(), ErrorCode::TooManyLocals);
      if (!r.u8(&t)) return readFail(r);
      if (!isValType(t, module->features)) return malformed(r.offset() - 1, ErrorCode::MalformedValueType);
    }
    const size_t first_declared = declared_locals->size();
    declared_locals->reserve(first_declared + total);
    Reader gr = groups_start;
    for (uint32_t g = 0; g < groups; ++g) {
      uint32_t n = 0;
      uint8_t t = 0;
      gr.u32(&n);
      gr.u8(&t);
      declared_locals->insert(declared_locals->end(), n, ValType(t));
    }
    locals.reserve(ft.params.size() + total);
    locals.assign(ft.params.begin(), ft.params.end());
    locals.insert(locals.end(), declared_locals->begin() + first_declared, declared_locals->end());
    // Validation alone has no frame to lay out.
    if constexpr (!kValidateOnly) layout = FrameLayout(locals, ft.params.size());
    mem0_32_ = !module->memories.empty() && !memIs64(0);
    CtrlFrame f;
    f.kind = CtrlKind::Func;
    f.type_index = module->func_types[func_index];
    frames.push_back(f);
    visitor_.begin(*this);
    for (;;) {
      if (r.atEnd()) return malformed(r.offset(), ErrorCode::EndOpcodeExpected);
      const StepResult s = step(r);
      if (s != StepResult::Next) [[unlikely]] {
        if (s == StepResult::Error) return false;
        break;
      }
    }
    if (!r.atEnd()) return malformed(r.offset(), ErrorCode::SectionSizeMismatch);
    visitor_.finish(*this);
    return true;
  }

  const DecodeError& error() const { return err_; }

 private:
  // Validation alone: no visitor call does anything.
  static constexpr bool kValidateOnly = std::is_same_v<Visitor, NullVisitor>;

  // Error paths: each sets err_ out of line and returns false inline, so the
  // decoding loop stays small and the compiler sees every failure path.
  [[gnu::cold, gnu::noinline]] void setError(ErrorCode c, size_t off, uint64_t index = UINT64_MAX) {
    err_ = makeError(c, off, index == UINT64_MAX ? std::string() : std::to_string(index));
  }
  bool readFail(Reader& r) {
    setError(readStatusError(r.status()), r.errorOffset());
    return false;
  }
  bool malformed(size_t off, ErrorCode c) {
    setError(c, off);
    return false;
  }
  // At the current instruction: its offset is computed out of line too.
  [[gnu::cold, gnu::noinline]] void setErrorHere(ErrorCode c, uint64_t index = UINT64_MAX) {
    setError(c, opOffset(), index);
  }
  bool invalid(ErrorCode c) {
    setErrorHere(c);
    return false;
  }
  // "unknown global 3": the spec's texts name the index.
  bool invalid(ErrorCode c, uint64_t index) {
    setErrorHere(c, index);
    return false;
  }

  // ---- type stack ----
  // Inlined into step() (the validation pass runs them for nearly every
  // instruction; as calls they were a sixth of its instructions).
  TERN_HOT_INLINE void push(ValType t) {
    stack.push_back(t);
    if (t == ValType::V128) [[unlikely]]
      ++v128s;
  }
  TERN_HOT_INLINE bool pop(ValType* out) {
    CtrlFrame& f = frames.back();
    if (stack.size() == f.height) {
      if (f.unreachable) {
        *out = kUnknown;
        return true;
      }
      return invalid(ErrorCode::TypeMismatch);
    }
    *out = stack.back();
    stack.pop_back();
    if (*out == ValType::V128) [[unlikely]]
      --v128s;
    return true;
  }
  TERN_HOT_INLINE bool popExpect(ValType expect) {
    ValType t = kUnknown;
    if (!pop(&t)) return false;
    if (t != expect && t != kUnknown && expect != kUnknown) return invalid(ErrorCode::TypeMismatch);
    return true;
  }
  bool popLabelTypes(const CtrlFrame& f) {
    uint32_t n = labelCount(f);
    for (uint32_t i = n; i-- > 0;)
      if (!popExpect(labelType(f, i))) return false;
    return true;
  }
  void pushLabelTypes(const CtrlFrame& f) {
    uint32_t n = labelCount(f);
    for (uint32_t i = 0; i < n; ++i) push(labelType(f, i));
  }
  bool popResults(const CtrlFrame& f) {
    uint32_t n = resultCount(f);
    for (uint32_t i = n; i-- > 0;)
      if (!popExpect(result(f, i))) return false;
    return true;
  }
  void markUnreachable() {
    CtrlFrame& f = frames.back();
    stack.truncate(f.height);
    v128s = f.v128s;
    f.unreachable = true;
  }
  bool reachable() const { return !frames.back().unreachable; }
  static Imm immA(uint32_t a) {
    Imm imm;
    imm.a = a;
    return imm;
  }
  // Whether the current instruction is visited: code is visited only where
  // it is reachable and inside frames that were themselves opened in
  // reachable code. (Read where it is needed, before the instruction
  // changes the frames: a visitor that ignores instructions, NullVisitor,
  // then never reads it.)
  bool live() const {
    const CtrlFrame& f = frames.back();
    return !f.unreachable && f.visited;
  }

  // Checks the types a branch to `f` carries are on top of the stack, without
  // consuming them.
  // br_if re-pushes the label's types; br_table re-pushes what it popped
  // (which may be the unknown type in unreachable code).
  bool checkLabelTypes(const CtrlFrame& f, bool keep_popped = false) {
    // A label without types (the commonest) has nothing to check.
    if (labelCount(f) == 0) return true;
    return checkLabelTypesIn(f, keep_popped);
  }
  [[gnu::noinline]] bool checkLabelTypesIn(const CtrlFrame& f, bool keep_popped) {
    uint32_t n = labelCount(f);
    // The common case, in place: all n types are above the current frame's
    // height and none is the unknown type (which only unreachable code has).
    size_t h = stack.size();
    if (h >= frames.back().height + size_t(n)) {
      bool unknown = false;
      for (uint32_t i = 0; i < n; ++i) {
        ValType t = stack[h - n + i];
        if (t == kUnknown) unknown = true;
        else if (t != labelType(f, i)) return invalid(ErrorCode::TypeMismatch);
      }
      if (!unknown) return true;
    }
    std::vector<ValType> saved;
    saved.reserve(n);
    for (uint32_t i = n; i-- > 0;) {
      ValType t = kUnknown;
      if (!pop(&t)) return false;
      ValType e = labelType(f, i);
      if (t != e && t != kUnknown) return invalid(ErrorCode::TypeMismatch);
      saved.push_back(t);
    }
    for (uint32_t i = n; i-- > 0;) push(saved[i] == kUnknown && !keep_popped ? labelType(f, n - 1 - i) : saved[i]);
    return true;
  }

  // ---- immediates ----
  bool readBlockType(Reader& r, CtrlFrame* f) {
    const uint8_t* p = r.pos();
    if (p >= r.end()) return malformed(r.offset(), ErrorCode::UnexpectedEnd);
    uint8_t b = *p;
    if (b == 0x40) {
      r.skip(1);
      return true;
    }
    if (isValType(b, module->features)) {
      r.skip(1);
      f->single = ValType(b);
      return true;
    }
    int64_t idx;
    if (!r.s33(&idx)) return readFail(r);
    if (idx < 0) return malformed(r.offset(), ErrorCode::MalformedValueType);
    if (uint64_t(idx) >= module->types.size()) return invalid(ErrorCode::UnknownType, uint64_t(idx));
    f->type_index = idx;
    return true;
  }
  // The alignment flags' bit 6 says a memory index follows them (multi-memory); without the
  // feature, such flags are too large an alignment, as in Wasm 2.0. With memory64 the offset
  // is a u64 (below 2^32 for a 32-bit memory).
  TERN_HOT_INLINE bool readMemArg(Reader& r, Imm* imm, Opcode op) {
    // The common case inline: memory 0, 32-bit; the alignment one byte below
    // 32 (no memory index follows), the offset one or two bytes. Checked as
    // readMemArgSlow would, which reads the rest.
    const uint8_t* p = r.pos();
    if (mem0_32_ && r.remaining() >= 3 && p[0] < 0x20 && (p[1] < 0x80 || p[2] < 0x80)) {
      const bool two = p[1] >= 0x80;
      imm->align = p[0];
      imm->offset = two ? (p[1] & 0x7fu) | uint32_t(p[2]) << 7 : p[1];
      r.skip(two ? 3 : 2);
      if (p[0] > opInfo(op).natural_align) return invalid(ErrorCode::AlignmentTooLarge);
      return true;
    }
    return readMemArgSlow(r, imm, op);
  }
  // A single-byte load or store whose memarg is not readMemArg's common case.
  [[gnu::noinline]] bool stepMemArgSlow(Reader& r, Opcode op) {
    Imm imm;
    if (!readMemArgSlow(r, &imm, op)) return false;
    if (addr64_) [[unlikely]]
      return applyAddr64Sig(opInfo(op), op, imm, live());
    return applySig(opInfo(op), op, imm, live());
  }
  [[gnu::noinline]] bool readMemArgSlow(Reader& r, Imm* imm, Opcode op) {
    uint32_t align;
    if (!r.u32(&align)) return readFail(r);
    if (module->features.multi_memory && (align & 0x40)) {
      if (!r.u32(&imm->mem)) return readFail(r);
      align &= ~0x40u;
    }
    if (module->features.memory64) [[unlikely]] {
      if (!r.u64(&imm->offset)) return readFail(r);
    } else {
      uint32_t off;
      if (!r.u32(&off)) return readFail(r);
      imm->offset = off;
    }
    if (align >= 32) return malformed(r.offset(), ErrorCode::MalformedMemopFlags);
    imm->align = align;
    if (!checkMemory(imm->mem)) return false;
    if (align > opInfo(op).natural_align) return invalid(ErrorCode::AlignmentTooLarge);
    if (module->features.memory64) [[unlikely]] {
      addr64_ = memIs64(imm->mem);
      if (imm->offset > UINT32_MAX && !addr64_) return invalid(ErrorCode::OffsetOutOfRange);
    }
    return true;
  }
  // memory.size/grow/fill/copy/init's memory index: a zero byte in Wasm 2.0.
  bool readMemIdx(Reader& r, uint32_t* mem) {
    if (module->features.multi_memory) {
      if (!r.u32(mem)) return readFail(r);
      return checkMemory(*mem);
    }
    uint8_t b = 0;
    if (!r.u8(&b)) return readFail(r);
    if (b != 0) return malformed(r.offset() - 1, ErrorCode::ZeroByteExpected);
    return checkMemory(0);
  }
  bool checkMemory(uint32_t mem) {
    if (mem >= module->memories.size()) return invalid(ErrorCode::UnknownMemory, mem);
    return true;
  }
  bool readRefType(Reader& r, ValType* out) {
    uint8_t b = 0;
    if (!r.u8(&b)) return readFail(r);
    if (!isRefTypeByte(b, module->features)) return malformed(r.offset() - 1, ErrorCode::MalformedRefType);
    *out = ValType(b);
    return true;
  }
  bool checkTable(uint32_t t) {
    if (t >= module->tables.size()) return invalid(ErrorCode::UnknownTable, t);
    return true;
  }
  bool lane(Reader& r, Imm* imm, unsigned count) {
    if (!r.u8(&imm->lane)) return readFail(r);
    if (imm->lane >= count) return invalid(ErrorCode::InvalidLaneIndex);
    return true;
  }

  // What step() did: failed, or decoded an instruction, the function's
  // final end or another (so that decode()'s loop tests the frames only
  // after an end).
  enum class StepResult : uint8_t { Error, Next, Done };
  static StepResult next(bool ok) { return ok ? StepResult::Next : StepResult::Error; }
  StepResult ended(bool ok) const {
    if (!ok) return StepResult::Error;
    return frames.empty() ? StepResult::Done : StepResult::Next;
  }
  TERN_HOT_INLINE StepResult step(Reader& r);
  [[gnu::noinline]] bool stepSlow(Reader& r, uint8_t first);
  bool readI32(Reader& r, Imm* imm) {
    int32_t v;
    if (!r.s32(&v)) return readFail(r);
    imm->bits = uint32_t(v);
    return true;
  }
  bool readI64(Reader& r, Imm* imm) {
    int64_t v;
    if (!r.s64(&v)) return readFail(r);
    imm->bits = uint64_t(v);
    return true;
  }
  bool readGenericImm(Reader& r, const OpInfo& info, Opcode op, Imm* imm);
  // Pops the signature's params, visits, pushes its results. kAddr64: a
  // load or store of a 64-bit memory, whose address (the first param) is
  // an i64.
  template <bool kAddr64 = false>
  bool applySig(const OpInfo& info, Opcode op, const Imm& imm, bool live) {
    const OpSig& sig = info.types;
    for (unsigned i = sig.nparams; i-- > 0;)
      if (!popExpect(kAddr64 && i == 0 ? ValType::I64 : sig.params[i])) return false;
    if (live) visitor_.op(*this, op, imm);
    for (unsigned i = 0; i < sig.nresults; ++i) push(sig.results[i]);
    return true;
  }
  // The visit of an instruction of applyScalarSig's: by the visitor's typed
  // hook for its kind where it has one (see the top), else by op().
  enum class Hook : uint8_t { None, Numeric, Memory };
  template <Hook kHook, class Fill>
  TERN_HOT_INLINE void visitScalar(Opcode op, Fill fill) {
    if constexpr (kHook == Hook::Numeric && requires(Visitor & v, const ValidatorState& s) { v.numeric(s, op); }) {
      visitor_.numeric(*this, op);
    } else if constexpr (kHook == Hook::Memory &&
                         requires(Visitor & v, const ValidatorState& s, const Imm& i) { v.memory(s, op, i); }) {
      Imm imm;
      fill(imm);
      visitor_.memory(*this, op, imm);
    } else {
      Imm imm;
      fill(imm);
      visitor_.op(*this, op, imm);
    }
  }
  // applySig for a single-byte opcode (no v128 operand or result): the operands checked in place
  // when they are all above the frame's height and of the signature's types (the common case);
  // else applySig, which finds the same error or the unknown types of unreachable code.
  // `fill(Imm&)` sets the instruction's immediates: the Imm is built only
  // to be visited, so that validation alone (NullVisitor) builds none.
  template <Hook kHook = Hook::None, class Fill>
  TERN_HOT_INLINE bool applyScalarSig(const OpInfo& info, Opcode op, Fill fill) {
    const OpSig& sig = info.types;
    const size_t n = sig.nparams, h = stack.size();
    bool in_place = h >= frames.back().height + n;
    if (in_place && n == 2) {  // (a binary operator's or a store's two types compared at once)
      uint16_t have, want;
      std::memcpy(&have, stack.end() - 2, 2);
      std::memcpy(&want, sig.params, 2);
      in_place = have == want;
    } else if (in_place && n == 1) {  // (a unary operator's, a load's)
      in_place = stack.back() == sig.params[0];
    } else {
      for (size_t i = 0; in_place && i < n; ++i) in_place = stack[h - n + i] == sig.params[i];
    }
    if (!in_place) [[unlikely]] {
      Imm imm;
      fill(imm);
      return applySig(info, op, imm, live());
    }
    const bool visit = live();
    stack.drop(n);
    if (visit) visitScalar<kHook>(op, fill);
    if (sig.nresults) stack.push_back(sig.results[0]);
    return true;
  }
  // Out of line, so that validating code without memory64 keeps its step().
  [[gnu::cold, gnu::noinline]] bool applyAddr64Sig(const OpInfo& info, Opcode op, const Imm& imm, bool live) {
    addr64_ = false;
    return applySig<true>(info, op, imm, live);
  }
  bool applyMem64Sig(Opcode op, const Imm& imm, bool live);
  bool stepBlock(Reader& r, Opcode op, bool live);
  bool openFrame(Reader& r, CtrlFrame f, Opcode op, bool live);
  bool stepElse();
  bool stepEnd();
  bool stepException(Reader& r, Opcode op, bool live);
  bool stepTryTable(Reader& r, bool live);
  bool readCatchClause(Reader& r, CatchClause* c);
  bool stepThrowRef(bool live);
  bool readTag(Reader& r, Imm* imm) {
    if (!r.u32(&imm->a)) return readFail(r);
    if (imm->a >= module->tags.size()) return invalid(ErrorCode::UnknownTag, imm->a);
    return true;
  }
  bool stepBranch(Reader& r, Opcode op, bool live);
  bool stepBrTable(Reader& r, bool live);
  bool stepCall(Reader& r, Opcode op, bool live);
  bool stepParametric(Reader& r, Opcode op, bool live);
  bool stepVariable(Reader& r, Opcode op, bool live);
  TERN_HOT_INLINE bool stepLocal(Reader& r, Opcode op, bool live);
  bool stepReference(Reader& r, Opcode op, bool live);
  bool stepMemoryTable(Reader& r, const OpInfo& info, Opcode op, bool live);

  Visitor& visitor_;
  DecodeError err_;
  bool addr64_ = false;   // the memarg just read is a 64-bit memory's (readMemArg)
  bool mem0_32_ = false;  // memory 0 exists and has 32-bit addresses
  std::vector<uint32_t> targets_;
};

// One instruction. The commonest single-byte opcodes (kFastKinds) are
// handled here, inlined into decode()'s loop; they follow the same rules, in
// the same order, as the general path would.
template <class Visitor>
inline typename FunctionDecoder<Visitor>::StepResult FunctionDecoder<Visitor>::step(Reader& r) {
  // The byte read before op_pos is stored: the read's bounds check is
  // then decode()'s, whose loads the store would make the compiler redo.
  uint8_t b;
  if (!r.u8(&b)) return next(readFail(r));
  op_pos = r.pos() - 1;
#ifdef TERN_MINIMAL
  // The short path is for speed; a minimal build, sized for small devices,
  // decodes every instruction the general way.
  return ended(stepSlow(r, b));
#else
  // The opcode is looked up only by the cases that need it.
  const auto opcode = [b] { return Opcode(opdef::kByCode.t[0][b]); };
  switch (kFastKinds[b]) {
    case FastKind::Slow: return ended(stepSlow(r, b));
    case FastKind::Sig: {
      const Opcode op = opcode();
      return next(applyScalarSig<Hook::Numeric>(opInfo(op), op, [](Imm&) {}));
    }
    case FastKind::Const: {
      const Opcode op = opcode();
      uint64_t bits;
      if (op == Opcode::I32Const) {
        int32_t v;
        if (!r.s32(&v)) return next(readFail(r));
        bits = uint32_t(v);
      } else {
        int64_t v;
        if (!r.s64(&v)) return next(readFail(r));
        bits = uint64_t(v);
      }
      if (live()) {  // (no operands: nothing for applyScalarSig to check)
        if constexpr (requires(Visitor & vis, const ValidatorState& s) { vis.constant(s, op, bits); }) {
          visitor_.constant(*this, op, bits);
        } else {
          Imm imm;
          imm.bits = bits;
          visitor_.op(*this, op, imm);
        }
      }
      stack.push_back(op == Opcode::I32Const ? ValType::I32 : ValType::I64);
      return StepResult::Next;
    }
    case FastKind::MemArg: {
      const Opcode op = opcode();
      // The common memarg as readMemArg reads it, into locals (see
      // applyScalarSig); the rest out of line.
      const uint8_t* p = r.pos();
      if (mem0_32_ && r.remaining() >= 3 && p[0] < 0x20 && (p[1] < 0x80 || p[2] < 0x80)) {
        const bool two = p[1] >= 0x80;
        const uint32_t align = p[0];
        const uint32_t offset = two ? (p[1] & 0x7fu) | uint32_t(p[2]) << 7 : p[1];
        r.skip(two ? 3 : 2);
        if (align > opInfo(op).natural_align) return next(invalid(ErrorCode::AlignmentTooLarge));
        return next(applyScalarSig<Hook::Memory>(opInfo(op), op, [align, offset](Imm& imm) {
          imm.align = align;
          imm.offset = offset;
        }));
      }
      return next(stepMemArgSlow(r, op));
    }
    case FastKind::LocalGet: return next(stepLocal(r, Opcode::LocalGet, live()));
    case FastKind::LocalSet: return next(stepLocal(r, Opcode::LocalSet, live()));
    case FastKind::LocalTee: return next(stepLocal(r, Opcode::LocalTee, live()));
    case FastKind::End: {
      // The end of a block, loop or try with at most one scalar result, the
      // stack as its type says: inline (stepEnd, in the same order).
      CtrlFrame& f = frames.back();
      if (f.kind != CtrlKind::If && f.type_index < 0 && f.single != ValType::V128) {
        const ValType t = f.single;
        const size_t n = t == kUnknown ? 0 : 1;
        if (stack.size() == f.height + n && (n == 0 || stack.back() == t)) {
          stack.drop(n);
          if (f.visited) visitor_.op(*this, Opcode::End, Imm{});
          frames.pop_back();  // not the function's frame, whose type is an index
          if (n) stack.push_back(t);
          return StepResult::Next;
        }
      }
      return ended(stepEnd());
    }
    case FastKind::Br: return next(stepBranch(r, Opcode::Br, live()));
    case FastKind::BrIf: return next(stepBranch(r, Opcode::BrIf, live()));
    case FastKind::Call: return next(stepCall(r, Opcode::Call, live()));
    case FastKind::Block: {
      // block and loop without params (an empty or single-value block type): inline.
      const uint8_t* p = r.pos();
      if (b != 0x04 && p < r.end() && (*p == 0x40 || isValType(*p))) {
        const bool visit = live();
        CtrlFrame f;
        f.kind = b == 0x02 ? CtrlKind::Block : CtrlKind::Loop;
        f.single = *p == 0x40 ? kUnknown : ValType(*p);
        r.skip(1);
        f.height = uint32_t(stack.size());
        f.v128s = v128s;
        f.visited = visit;
        frames.push_back(f);
        body_pos = r.pos();
        body_end = r.end();
        if (visit) visitor_.op(*this, opcode(), Imm{});
        return StepResult::Next;
      }
      return next(stepBlock(r, opcode(), live()));
    }
  }
  __builtin_unreachable();  // every FastKind has its case
#endif
}

// Any instruction, its first byte read: the opcode, then by its class
// (opcodes.def) either the generic path (immediates of its ImmKind, then its
// signature) or the class's own rules.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepSlow(Reader& r, uint8_t b) {
  uint8_t prefix = 0;
  uint32_t code = b;
  if (b == 0xfc || b == 0xfd) {
    prefix = b;
    if (!r.u32(&code)) return readFail(r);
  }
  std::optional<Opcode> maybe = lookupOpcode(prefix, code);
  if (!maybe) return malformed(opOffset(), ErrorCode::IllegalOpcode);
  const Opcode op = *maybe;
  const OpInfo& info = opInfo(op);
  const bool live = this->live();

  switch (info.cls) {
    case OpClass::Num:
    case OpClass::Const:
    case OpClass::Load:
    case OpClass::Store: {
      Imm imm;
      if (info.imm != ImmKind::None && !readGenericImm(r, info, op, &imm)) return false;
      if (addr64_) [[unlikely]]
        return applyAddr64Sig(info, op, imm, live);
      return applySig(info, op, imm, live);
    }
    case OpClass::Ctl:
      switch (op) {
        case Opcode::Unreachable:
          if (live) visitor_.op(*this, op, Imm{});
          markUnreachable();
          return true;
        case Opcode::Nop: return true;
        case Opcode::Block:
        case Opcode::Loop:
        case Opcode::If: return stepBlock(r, op, live);
        case Opcode::Try:
        case Opcode::Catch:
        case Opcode::CatchAll:
        case Opcode::Delegate:
        case Opcode::Throw:
        case Opcode::Rethrow:
        case Opcode::TryTable:
        case Opcode::ThrowRef:
          if (!module->features.exceptions) return malformed(opOffset(), ErrorCode::IllegalOpcode);
          if constexpr (!kBuildExceptions) return malformed(opOffset(), ErrorCode::ExceptionsNotInBuild);
          if (op == Opcode::TryTable) return stepTryTable(r, live);
          if (op == Opcode::ThrowRef) return stepThrowRef(live);
          return op == Opcode::Try ? stepBlock(r, op, live) : stepException(r, op, live);
        case Opcode::Else: return stepElse();
        case Opcode::End: return stepEnd();
        case Opcode::Br:
        case Opcode::BrIf:
        case Opcode::Return: return stepBranch(r, op, live);
        case Opcode::BrTable: return stepBrTable(r, live);
        case Opcode::Call:
        case Opcode::CallIndirect:
        case Opcode::ReturnCall:
        case Opcode::ReturnCallIndirect: return stepCall(r, op, live);
        default: break;
      }
      break;
    case OpClass::Param: return stepParametric(r, op, live);
    case OpClass::Var: return stepVariable(r, op, live);
    case OpClass::Ref: return stepReference(r, op, live);
    case OpClass::Mem:
    case OpClass::Table:
    case OpClass::Bulk: return stepMemoryTable(r, info, op, live);
  }
  return invalid(ErrorCode::InternalDecoder);
}

template <class Visitor>
bool FunctionDecoder<Visitor>::stepBlock(Reader& r, Opcode op, bool live) {
  CtrlFrame f;
  f.kind = op == Opcode::Block  ? CtrlKind::Block
           : op == Opcode::Loop ? CtrlKind::Loop
           : op == Opcode::If   ? CtrlKind::If
                                : CtrlKind::Try;
  if (!readBlockType(r, &f)) return false;
  if (op == Opcode::If && !popExpect(ValType::I32)) return false;
  return openFrame(r, f, op, live);
}

// Pops the block's params, pushes its frame and them again, visits.
template <class Visitor>
bool FunctionDecoder<Visitor>::openFrame(Reader& r, CtrlFrame f, Opcode op, bool live) {
  uint32_t np = paramCount(f);
  for (uint32_t i = np; i-- > 0;)
    if (!popExpect(param(f, i))) return false;
  f.height = uint32_t(stack.size());
  f.v128s = v128s;
  f.visited = live;
  frames.push_back(f);
  for (uint32_t i = 0; i < np; ++i) push(param(f, i));
  body_pos = r.pos();
  body_end = r.end();
  if (live) visitor_.op(*this, op, Imm{});
  return true;
}

template <class Visitor>
bool FunctionDecoder<Visitor>::stepEnd() {
  CtrlFrame& f = frames.back();
  if (!popResults(f)) return false;
  if (stack.size() != f.height) return invalid(ErrorCode::TypeMismatch);
  // An if without else must have matching params and results.
  if (f.kind == CtrlKind::If) {
    uint32_t np = paramCount(f), nr = resultCount(f);
    bool same = np == nr;
    for (uint32_t i = 0; same && i < np; ++i) same = param(f, i) == result(f, i);
    if (!same) return invalid(ErrorCode::TypeMismatch);
  }
  if (f.visited) visitor_.op(*this, Opcode::End, Imm{});
  CtrlFrame closed = f;
  frames.pop_back();
  if (!frames.empty()) {
    uint32_t nr = resultCount(closed);
    for (uint32_t i = 0; i < nr; ++i) push(result(closed, i));
  }
  return true;
}

// br, br_if and return.
template <class Visitor>
bool FunctionDecoder<Visitor>::stepBranch(Reader& r, Opcode op, bool live) {
  if (op == Opcode::Return) {
    if (!popLabelTypes(frames.front())) return false;
    if (live) visitor_.op(*this, Opcode::Return, Imm{});
    markUnreachable();
    return true;
  }
  // (The visits name their opcode: a visitor inlined here sees a constant.)
  uint32_t depth;
  if (!r.u32(&depth)) return readFail(r);
  if (depth >= frames.size()) return invalid(ErrorCode::UnknownLabel, depth);
  if (op == Opcode::BrIf && !popExpect(ValType::I32)) return false;
  const CtrlFrame& target = frameAt(depth);
  if (op == Opcode::Br) {
    if (!popLabelTypes(target)) return false;
    if (live) visitor_.op(*this, Opcode::Br, immA(depth));
    markUnreachable();
  } else {
    if (!checkLabelTypes(target)) return false;
    if (live) visitor_.op(*this, Opcode::BrIf, immA(depth));
  }
  return true;
}

}  // namespace tern

// The rules of calls and of the rarer instructions (exceptions, memory, table and segment
// instructions, else, br_table, locals and globals, drop/select, references, the
// generic path's immediates), out of this file to keep it readable.
#include "decode/function_decoder_rules.h"
