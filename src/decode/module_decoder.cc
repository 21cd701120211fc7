#include "decode/module_decoder.h"

#include <cstring>
#include <unordered_set>

#include "decode/scan.h"

namespace tern {

namespace {

// Section ids in their required order (data count sits between element and
// code, tag between memory and global).
int sectionRank(uint8_t id) {
  switch (id) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    case 4: return 4;
    case 5: return 5;
    case 13: return 6;
    case 6: return 7;
    case 7: return 8;
    case 8: return 9;
    case 9: return 10;
    case 12: return 11;
    case 10: return 12;
    case 11: return 13;
  }
  return -1;
}

bool validUtf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07;
    else return false;
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

}  // namespace

// The validating consumer keeps no state, so all decoders share one; only
// this constructor refers to it, and a program that never validates alone
// (examples/min-platform) links without FunctionDecoder<NullVisitor>.
ModuleDecoder::ModuleDecoder(const Features& features) : m_(std::make_unique<ModuleData>()), features_(features) {
  m_->features = features;
  static ValidatingConsumer validator;
  consumer_ = &validator;
}
ModuleDecoder::ModuleDecoder(BodyConsumer& consumer, const Features& features)
    : consumer_(&consumer), m_(std::make_unique<ModuleData>()), features_(features) {
  m_->features = features;
}
// The consumer may still be working on bodies of m_ (on other threads):
// it stops before m_ goes.
ModuleDecoder::~ModuleDecoder() {
  if (m_) consumer_->settle();
}

std::unique_ptr<ModuleData> ModuleDecoder::take() {
  consumer_->settle();
  return std::move(m_);
}

Error ModuleDecoder::toError() const { return err_; }

bool ModuleDecoder::fail(size_t off, ErrorCode code, std::string_view detail) {
  if (state_ != State::Failed && state_ != State::Overrun) {
    err_ = makeError(code, off, detail);
    state_ = State::Failed;
  }
  return false;
}

bool ModuleDecoder::failIdx(size_t off, ErrorCode code, uint64_t index) {
  return fail(off, code, std::to_string(index));
}

// The reference interpreter reads a module as one stream: a read that runs
// past the end of its section (or a length larger than the section) goes on
// into the bytes that follow, and what it finds there decides the error
// ("integer representation too long", "length out of bounds", "section size
// mismatch"). Those bytes may not have arrived yet, so the decision waits for
// finish(): the decoder only remembers the read.
bool ModuleDecoder::overrun(const Overrun& o) {
  if (state_ == State::Failed || state_ == State::Overrun) return false;
  overrun_ = o;
  state_ = State::Overrun;
  return false;
}

bool ModuleDecoder::readFail(const Reader& r, bool length) {
  if (r.status() != ReadStatus::UnexpectedEnd) return fail(r.errorOffset(), readStatusError(r.status()));
  Overrun o;
  o.offset = r.errorOffset();
  o.leb_bits = uint8_t(r.errorLebBits());
  o.leb_signed = r.errorLebSigned();
  o.need = r.errorNeed();
  o.length = length;
  return overrun(o);
}

bool ModuleDecoder::lengthFail(size_t leb_offset, uint64_t length) {
  Overrun o;
  o.offset = leb_offset;
  o.need = length;
  o.length = true;
  return overrun(o);
}

// Decides an overrun with every byte of the module at hand.
void ModuleDecoder::resolveOverrun() {
  const Overrun& o = overrun_;
  const uint8_t* base = bytes();
  const uint8_t* end = base + byteCount();
  const size_t total = byteCount();
  const size_t at = std::min(o.offset, total);
  ErrorCode code = ErrorCode::SectionSizeMismatch;
  uint64_t length = o.need;
  size_t leb_len = 0;
  if (o.body_end) {
    // A body without its `end`: the reader goes on into what follows and
    // takes a 0x0b there for the `end`.
    if (o.offset >= total) code = ErrorCode::UnexpectedEndOfSection;
    else if (base[o.offset] != 0x0b) code = ErrorCode::EndOpcodeExpected;
  } else if (o.leb_bits) {
    uint64_t v = 0;
    int64_t sv = 0;
    ReadStatus st;
    if (o.leb_bits == 33) st = readSleb<33>(base + at, end, &sv, &leb_len);
    else if (o.leb_bits == 32 && o.leb_signed) st = readSleb<32>(base + at, end, &sv, &leb_len);
    else if (o.leb_bits == 32) st = readUleb<32>(base + at, end, &v, &leb_len);
    else if (o.leb_signed) st = readSleb<64>(base + at, end, &sv, &leb_len);
    else st = readUleb<64>(base + at, end, &v, &leb_len);
    if (st != ReadStatus::Ok) code = readStatusError(st);
    length = v;
  } else if (!o.length && o.offset + o.need > total) {
    code = ErrorCode::UnexpectedEndOfSection;
  }
  if (o.length && code == ErrorCode::SectionSizeMismatch) {
    // A length: checked against the rest of the module from its first byte
    // (the reference interpreter's len32), then its bytes are read.
    if (leb_len == 0) {
      uint64_t v;
      if (readUleb<32>(base + at, end, &v, &leb_len) != ReadStatus::Ok) leb_len = 0;
    }
    if (length > total - at) code = ErrorCode::LengthOutOfBounds;
    else if (at + leb_len + length > total) code = ErrorCode::UnexpectedEndOfSection;
  }
  // A custom section's name that runs past the section leaves a negative
  // payload size, which the reference interpreter reads as the stream's end.
  if (o.custom && code == ErrorCode::SectionSizeMismatch) code = ErrorCode::UnexpectedEndOfSection;
  err_ = makeError(code, code == ErrorCode::UnexpectedEndOfSection ? total : o.offset);
  state_ = State::Failed;
}

bool ModuleDecoder::feedWhole(std::span<const uint8_t> module) {
  if (!buf_.empty() || whole_.data() || module.empty()) return feed(module);
  if (state_ == State::Failed) return false;
  whole_ = module;
  return pump(false) || state_ == State::Overrun;
}

bool ModuleDecoder::feed(std::span<const uint8_t> chunk) {
  if (state_ == State::Failed) return false;
  if (whole_.data()) {
    buf_.assign(whole_.begin(), whole_.end());
    whole_ = {};
  }
  buf_.insert(buf_.end(), chunk.begin(), chunk.end());
  // An overrun keeps taking bytes: finish() needs them to name the error.
  if (state_ == State::Overrun) return true;
  return pump(false) || state_ == State::Overrun;
}

bool ModuleDecoder::finish() {
  if (state_ == State::Failed) return false;
  if (state_ != State::Overrun) pump(true);
  if (state_ == State::Overrun) resolveOverrun();
  if (state_ == State::Failed) return false;
  size_t end = byteCount();
  if (state_ == State::Header) return fail(end, ErrorCode::UnexpectedEnd);
  // A code section longer than the module: its size is out of bounds.
  if (state_ == State::CodeHeader || state_ == State::CodeBody)
    return fail(code_size_at_, ErrorCode::LengthOutOfBounds);
  if (declared_funcs_ != code_count_ && (declared_funcs_ != 0 || saw_code_section_))
    return fail(end, ErrorCode::FuncCodeLengths);
  if (m_->data_count && !saw_data_section_ && *m_->data_count != 0) return fail(end, ErrorCode::DataCountLengths);
  Error err;
  err.offset = end;
  if (!consumer_->finish(*m_, err)) {
    err_ = err;
    state_ = State::Failed;
    return false;
  }
  state_ = State::Done;
  return true;
}

// Consumes as much of the buffer as is complete. With `final`, a partial
// item is an error instead of a reason to wait.
bool ModuleDecoder::pump(bool final) {
  for (;;) {
    const uint8_t* base = bytes();
    const uint8_t* end = base + byteCount();
    Reader r(base + pos_, end, pos_);
    switch (state_) {
      case State::Failed:
      case State::Overrun: return false;
      case State::Done: return true;
      case State::Header: {
        if (r.remaining() < 8) {
          if (!final) return true;
          // Report what we can see of a short header.
          if (r.remaining() >= 4 && std::memcmp(r.pos(), "\0asm", 4) == 0)
            return fail(byteCount(), ErrorCode::UnexpectedEnd);
          return fail(0, r.remaining() < 4 ? ErrorCode::UnexpectedEnd : ErrorCode::MagicHeaderNotDetected);
        }
        if (std::memcmp(r.pos(), "\0asm", 4) != 0) return fail(0, ErrorCode::MagicHeaderNotDetected);
        uint32_t version;
        std::memcpy(&version, r.pos() + 4, 4);
        if (version != 1) return fail(4, ErrorCode::UnknownBinaryVersion);
        pos_ += 8;
        state_ = State::SectionStart;
        break;
      }
      case State::SectionStart: {
        if (r.atEnd()) return true;
        size_t start = pos_;
        uint8_t id;
        r.u8(&id);
        uint32_t size;
        if (!r.u32(&size)) {
          if (r.status() == ReadStatus::UnexpectedEnd && !final) return true;
          return readFail(r);
        }
        if (id > 13 || (id == 13 && !features_.exceptions)) return fail(start, ErrorCode::MalformedSectionId);
        int rank = id == 0 ? 0 : sectionRank(id);
        if (id != 0 && rank <= last_rank_) return fail(start, ErrorCode::ContentAfterLastSection);
        size_t payload = r.offset();
        if (id == 10 || r.remaining() >= size) {
          // The section is consumed now (or, for code, entered): from here
          // on its rank orders the sections that follow.
          if (id != 0) last_rank_ = rank;
        }
        if (id == 10) {
          saw_code_section_ = true;
          code_size_at_ = start + 1;
          code_end_ = payload + size;
          pos_ = payload;
          state_ = State::CodeHeader;
          break;
        }
        if (r.remaining() < size) {
          if (!final) return true;
          return fail(start + 1, ErrorCode::LengthOutOfBounds);
        }
        Reader sec(r.pos(), r.pos() + size, payload);
        if (!parseSection(id, sec)) return false;
        if (!sec.atEnd()) return fail(sec.offset(), ErrorCode::SectionSizeMismatch);
        pos_ = payload + size;
        break;
      }
      case State::CodeHeader: {
        if (code_end_ > byteCount() && final) {
          // Truncated code section: still decode what is there, for the
          // most precise message, but never past the buffer.
        }
        const uint8_t* lim = base + std::min(code_end_, byteCount());
        Reader cr(base + pos_, lim, pos_);
        uint32_t count;
        if (!cr.u32(&count)) {
          if (cr.status() == ReadStatus::UnexpectedEnd && !final && code_end_ > byteCount()) return true;
          if (cr.status() == ReadStatus::UnexpectedEnd && code_end_ > byteCount())
            return fail(code_size_at_, ErrorCode::LengthOutOfBounds);
          return readFail(cr);
        }
        if (count != declared_funcs_) return fail(pos_, ErrorCode::FuncCodeLengths);
        code_count_ = count;
        code_done_ = 0;
        m_->bodies.resize(count);
        if (m_->declared_refs.size() < m_->func_types.size()) m_->declared_refs.resize(m_->func_types.size());
        // Function indices that ref.func may name are known now: every
        // section that can declare them precedes the code section.
        pos_ = cr.offset();
        state_ = State::CodeBody;
        break;
      }
      case State::CodeBody: {
#ifndef TERN_MINIMAL
        // The whole code section at hand (a module decoded from memory, or
        // the last chunk of a stream): its bodies on several threads, when
        // the consumer allows it and there is enough to share.
        if (!parallel_tried_ && code_done_ == 0 && code_end_ <= byteCount() && code_end_ - pos_ >= kParallelCodeBytes &&
            code_count_ > 1) {
          parallel_tried_ = true;
          unsigned threads = consumer_->bodyThreads();
          if (threads > 1) {
            Parallel p = parallelBodies(threads);
            if (p == Parallel::Failed) return false;
            if (p == Parallel::Valid) break;
          }
        }
#endif
        if (code_done_ == code_count_) {
          if (pos_ != code_end_) return fail(pos_, ErrorCode::SectionSizeMismatch);
          state_ = State::SectionStart;
          break;
        }
        const uint8_t* lim = base + std::min(code_end_, byteCount());
        Reader cr(base + pos_, lim, pos_);
        size_t body_start = pos_;
        uint32_t size;
        if (!cr.u32(&size)) {
          if (cr.status() == ReadStatus::UnexpectedEnd && !final && code_end_ > byteCount()) return true;
          if (cr.status() == ReadStatus::UnexpectedEnd && code_end_ > byteCount())
            return fail(code_size_at_, ErrorCode::LengthOutOfBounds);
          return readFail(cr);
        }
        size_t body_off = cr.offset();
        if (body_off + size > code_end_) return lengthFail(body_start, size);
        if (body_off + size > byteCount()) {
          if (!final) return true;
          return lengthFail(body_start, size);
        }
        Reader br(base + body_off, base + body_off + size, body_off);
        if (!body(br, code_done_)) return false;
        ++code_done_;
        pos_ = body_off + size;
        break;
      }
    }
  }
}

bool ModuleDecoder::parseSection(uint8_t id, Reader& r) {
  switch (id) {
    case 0: return customSection(r);
    case 1: return typeSection(r);
    case 2: return importSection(r);
    case 3: return functionSection(r);
    case 4: return tableSection(r);
    case 5: return memorySection(r);
    case 6: return globalSection(r);
    case 7: return exportSection(r);
    case 8: return startSection(r);
    case 9: return elementSection(r);
    case 11: return dataSection(r);
    case 12: return dataCountSection(r);
    case 13: return tagSection(r);
  }
  return fail(r.offset(), ErrorCode::MalformedSectionId);
}

// ---------------------------------------------------------------------------
// Small readers

bool ModuleDecoder::readName(Reader& r, std::string* out) {
  uint32_t n;
  size_t at = r.offset();
  if (!r.u32(&n)) return readFail(r, true);
  const uint8_t* p;
  if (!r.bytes(n, &p)) return lengthFail(at, n);
  if (!validUtf8(p, n)) return fail(r.offset() - n, ErrorCode::MalformedUtf8);
  out->assign(reinterpret_cast<const char*>(p), n);
  return true;
}

bool ModuleDecoder::readValType(Reader& r, ValType* out) {
  uint8_t b;
  if (!r.u8(&b)) return readFail(r);
  if (!isValType(b, features_)) return fail(r.offset() - 1, ErrorCode::MalformedValueType);
  *out = ValType(b);
  return true;
}

bool ModuleDecoder::readRefType(Reader& r, ValType* out) {
  uint8_t b;
  if (!r.u8(&b)) return readFail(r);
  if (!isRefTypeByte(b, features_)) return fail(r.offset() - 1, ErrorCode::MalformedRefType);
  *out = ValType(b);
  return true;
}

// `allowed` is the flag bits this type may set (bit 0: a maximum follows;
// for memories with memory64, bit 2: i64 index); `wide` reads the bounds
// as u64 (memory64 encodes every memory's limits so).
bool ModuleDecoder::readLimits(Reader& r, Limits* out, uint64_t max_allowed, ErrorCode too_big, uint8_t allowed,
                               bool wide) {
  uint8_t flags;
  if (!r.u8(&flags)) return readFail(r);
  // The flags are a LEB128 of the allowed bits: another bit makes the value
  // too large, a continuation bit makes the encoding too long. memory64's
  // memory types read them as a byte, where either is malformed flags.
  if (wide && (flags & ~allowed)) return fail(r.offset() - 1, ErrorCode::MalformedLimitsFlags);
  if ((flags & 0x7f) & ~allowed) return fail(r.offset() - 1, ErrorCode::IntegerTooLarge);
  if (flags & 0x80) return fail(r.offset(), ErrorCode::IntegerTooLong);
  auto bound = [&](uint64_t* v) {
    uint32_t v32;
    if (wide) return r.u64(v);
    if (!r.u32(&v32)) return false;
    *v = v32;
    return true;
  };
  uint64_t min;
  if (!bound(&min)) return readFail(r);
  out->min = min;
  if (flags & 1) {
    uint64_t max;
    if (!bound(&max)) return readFail(r);
    out->max = max;
  }
  if (out->min > max_allowed || (out->max && *out->max > max_allowed)) return fail(r.offset(), too_big);
  if (out->max && out->min > *out->max) return fail(r.offset(), ErrorCode::SizeMinAboveMax);
  return true;
}

bool ModuleDecoder::readTableType(Reader& r, TableType* out) {
  if (!readRefType(r, &out->elem)) return false;
  return readLimits(r, &out->limits, 0xffffffffull, ErrorCode::TableSizeTooLarge);
}

// memory64 (-W memory64): flag 0x04 makes the index type i64, with limits
// up to 2^48 pages. A build without memory64 (TERN_NO_MEMORY64: a minimal
// build, for its size) refuses a 64-bit memory as unsupported.
bool ModuleDecoder::readMemoryType(Reader& r, MemoryType* out) {
  if (!features_.memory64) return readLimits(r, &out->limits, 65536, ErrorCode::MemorySizeTooLarge);
  const uint8_t* p = r.pos();
  out->is64 = p < r.end() && (*p & 0x04);
#ifdef TERN_NO_MEMORY64
  if (out->is64) return fail(r.offset(), ErrorCode::Memory64NotInBuild);
#endif
  if (out->is64) return readLimits(r, &out->limits, 1ull << 48, ErrorCode::Memory64SizeTooLarge, 5, true);
  return readLimits(r, &out->limits, 65536, ErrorCode::MemorySizeTooLarge, 5, true);
}

bool ModuleDecoder::readGlobalType(Reader& r, GlobalType* out) {
  if (!readValType(r, &out->type)) return false;
  uint8_t mut;
  if (!r.u8(&mut)) return readFail(r);
  if (mut > 1) return fail(r.offset() - 1, ErrorCode::MalformedMutability);
  out->mut = mut == 1;
  return true;
}

// Constant expressions: in Wasm 2.0 one constant, ref.null, ref.func or
// global.get of an imported immutable global, then `end`; with
// extended-const also i32/i64 add, sub and mul, checked on a type stack. A
// single instruction is stored as itself; a longer expression as the list
// of its instructions (module.h).
bool ModuleDecoder::readConstExpr(Reader& r, ValType expect, ConstExpr* out) {
  std::vector<ValType> types;
  std::vector<ConstExpr> ops;
  for (;;) {
    size_t off = r.offset();
    uint8_t op;
    if (!r.u8(&op)) return readFail(r);
    if (op == 0x0b) break;
    ConstExpr e;
    ValType got = kUnknown;
    switch (op) {
      case 0x41: {
        int32_t v;
        if (!r.s32(&v)) return readFail(r);
        e.value = Value::i32(v);
        got = ValType::I32;
        break;
      }
      case 0x42: {
        int64_t v;
        if (!r.s64(&v)) return readFail(r);
        e.value = Value::i64(v);
        got = ValType::I64;
        break;
      }
      case 0x43: {
        uint32_t v;
        if (!r.fixed32(&v)) return readFail(r);
        e.value = Value::f32Bits(v);
        got = ValType::F32;
        break;
      }
      case 0x44: {
        uint64_t v;
        if (!r.fixed64(&v)) return readFail(r);
        e.value = Value::f64Bits(v);
        got = ValType::F64;
        break;
      }
      case 0xd0: {
        ValType t;
        if (!readRefType(r, &t)) return false;
        e.value = Value::nullRef(t);
        got = t;
        break;
      }
      case 0xd2: {
        uint32_t f;
        if (!r.u32(&f)) return readFail(r);
        if (f >= m_->func_types.size()) return failIdx(off, ErrorCode::UnknownFunction, f);
        e.kind = ConstExpr::RefFunc;
        e.index = f;
        // Where a number is expected (an offset) this is a type error and
        // declares nothing: a data segment's offset is read after the code
        // section, while other threads may still be validating bodies
        // against declared_refs (runtime/compile_pool.h).
        if (expect != ValType::I32 && expect != ValType::I64) {
          if (f >= m_->declared_refs.size()) m_->declared_refs.resize(f + 1);
          m_->declared_refs[f] = 1;
        }
        got = ValType::FuncRef;
        break;
      }
      case 0x23: {
        uint32_t g;
        if (!r.u32(&g)) return readFail(r);
        if (g >= m_->num_imported_globals) return failIdx(off, ErrorCode::UnknownGlobal, g);
        if (m_->globals[g].mut) return fail(off, ErrorCode::ConstantExprRequired);
        e.kind = ConstExpr::GlobalGet;
        e.index = g;
        got = m_->globals[g].type;
        break;
      }
      case 0xfd: {
        uint32_t sub;
        if (!r.u32(&sub)) return readFail(r);
        if (sub != 12) return fail(off, ErrorCode::ConstantExprRequired);
        uint64_t lo, hi;
        if (!r.fixed64(&lo) || !r.fixed64(&hi)) return readFail(r);
        e.value = Value::v128({lo, hi});
        got = ValType::V128;
        m_->uses_simd = true;
        break;
      }
      case 0x6a:
      case 0x6b:
      case 0x6c:  // i32.add, i32.sub, i32.mul
      case 0x7c:
      case 0x7d:
      case 0x7e: {  // i64.add, i64.sub, i64.mul
        if (!features_.extended_const) return fail(off, ErrorCode::ConstantExprRequired);
        bool i64 = op >= 0x7c;
        ValType t = i64 ? ValType::I64 : ValType::I32;
        if (types.size() < 2 || types[types.size() - 1] != t || types[types.size() - 2] != t)
          return fail(off, ErrorCode::TypeMismatch);
        types.resize(types.size() - 2);
        static constexpr ConstExpr::Op kOps[] = {ConstExpr::Op::I32Add, ConstExpr::Op::I32Sub, ConstExpr::Op::I32Mul,
                                                 ConstExpr::Op::I64Add, ConstExpr::Op::I64Sub, ConstExpr::Op::I64Mul};
        e.op = kOps[(i64 ? 3 : 0) + (op - (i64 ? 0x7c : 0x6a))];
        got = t;
        break;
      }
      default: {
        // A known instruction that is not constant is invalid; an unknown
        // byte is malformed.
        if (op == 0xfc || lookupOpcode(0, op)) return fail(off, ErrorCode::ConstantExprRequired);
        return fail(off, ErrorCode::IllegalOpcode);
      }
    }
    types.push_back(got);
    ops.push_back(std::move(e));
  }
  // kUnknown: any one value (the offset of a data segment whose memory is
  // unknown, which is reported as such).
  if (types.size() != 1 || (types[0] != expect && expect != kUnknown)) return fail(r.offset(), ErrorCode::TypeMismatch);
  if (ops.size() == 1) {
    *out = std::move(ops[0]);
  } else {
    out->kind = ConstExpr::Extended;
    out->ops = std::move(ops);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Sections

bool ModuleDecoder::typeSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t form;
    if (!r.u8(&form)) return readFail(r);
    if (form != 0x60) return fail(r.offset() - 1, ErrorCode::IntegerTooLong);
    FuncType ft;
    for (auto* vec : {&ft.params, &ft.results}) {
      uint32_t c;
      size_t at = r.offset();
      if (!r.u32(&c)) return readFail(r, true);
      if (c > r.remaining()) return lengthFail(at, c);
      vec->resize(c);
      for (uint32_t k = 0; k < c; ++k)
        if (!readValType(r, &(*vec)[k])) return false;
    }
    m_->types.push_back(std::move(ft));
  }
  return true;
}

bool ModuleDecoder::importSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  for (uint32_t i = 0; i < n; ++i) {
    Import im;
    if (!readName(r, &im.module) || !readName(r, &im.name)) return false;
    uint8_t kind;
    if (!r.u8(&kind)) return readFail(r);
    size_t off = r.offset();
    switch (kind) {
      case 0:
        if (!r.u32(&im.func_type)) return readFail(r);
        if (im.func_type >= m_->types.size()) return fail(off, ErrorCode::UnknownType);
        m_->func_types.push_back(im.func_type);
        ++m_->num_imported_funcs;
        break;
      case 1:
        if (!readTableType(r, &im.table)) return false;
        m_->tables.push_back(im.table);
        ++m_->num_imported_tables;
        break;
      case 2:
        if (!readMemoryType(r, &im.memory)) return false;
        m_->memories.push_back(im.memory);
        ++m_->num_imported_memories;
        if (m_->memories.size() > 1 && !features_.multi_memory) return fail(off, ErrorCode::MultipleMemories);
        if (m_->memories.size() > 1 && !kBuildMultiMemory) return fail(off, ErrorCode::MultiMemoryNotInBuild);
        break;
      case 3:
        if (!readGlobalType(r, &im.global)) return false;
        m_->globals.push_back(im.global);
        ++m_->num_imported_globals;
        break;
      case 4:
        if (!features_.exceptions) return fail(off - 1, ErrorCode::MalformedImportKind);
        if (!readTagType(r, &im.func_type)) return false;
        m_->tags.push_back(im.func_type);
        ++m_->num_imported_tags;
        break;
      default: return fail(off - 1, ErrorCode::MalformedImportKind);
    }
    im.kind = ExternKind(kind);
    m_->imports.push_back(std::move(im));
  }
  return true;
}

// A tag type: attribute 0 (exception), then a function type index whose
// type has no results.
bool ModuleDecoder::readTagType(Reader& r, uint32_t* type_index) {
  if constexpr (!kBuildExceptions) return fail(r.offset(), ErrorCode::ExceptionsNotInBuild);
  uint8_t attribute;
  if (!r.u8(&attribute)) return readFail(r);
  if (attribute != 0) return fail(r.offset() - 1, ErrorCode::MalformedTagAttribute);
  size_t off = r.offset();
  if (!r.u32(type_index)) return readFail(r);
  if (*type_index >= m_->types.size()) return fail(off, ErrorCode::UnknownType);
  if (!m_->types[*type_index].results.empty()) return fail(off, ErrorCode::NonEmptyTagResult);
  return true;
}

bool ModuleDecoder::tagSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t t;
    if (!readTagType(r, &t)) return false;
    m_->tags.push_back(t);
  }
  return true;
}

bool ModuleDecoder::functionSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  saw_function_section_ = true;
  for (uint32_t i = 0; i < n; ++i) {
    size_t off = r.offset();
    uint32_t t;
    if (!r.u32(&t)) return readFail(r);
    if (t >= m_->types.size()) return fail(off, ErrorCode::UnknownType);
    m_->func_types.push_back(t);
  }
  declared_funcs_ = n;
  return true;
}

bool ModuleDecoder::tableSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  for (uint32_t i = 0; i < n; ++i) {
    TableType t;
    if (!readTableType(r, &t)) return false;
    m_->tables.push_back(t);
  }
  return true;
}

bool ModuleDecoder::memorySection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  for (uint32_t i = 0; i < n; ++i) {
    size_t off = r.offset();
    MemoryType t;
    if (!readMemoryType(r, &t)) return false;
    m_->memories.push_back(t);
    if (m_->memories.size() > 1 && !features_.multi_memory) return fail(off, ErrorCode::MultipleMemories);
    if (m_->memories.size() > 1 && !kBuildMultiMemory) return fail(off, ErrorCode::MultiMemoryNotInBuild);
  }
  return true;
}

bool ModuleDecoder::globalSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  for (uint32_t i = 0; i < n; ++i) {
    GlobalType t;
    if (!readGlobalType(r, &t)) return false;
    ConstExpr e;
    if (!readConstExpr(r, t.type, &e)) return false;
    m_->globals.push_back(t);
    m_->global_inits.push_back(e);
  }
  return true;
}

bool ModuleDecoder::exportSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  std::unordered_set<std::string> seen;
  for (uint32_t i = 0; i < n; ++i) {
    Export ex;
    size_t off = r.offset();
    if (!readName(r, &ex.name)) return false;
    uint8_t kind;
    if (!r.u8(&kind)) return readFail(r);
    if (!r.u32(&ex.index)) return readFail(r);
    switch (kind) {
      case 0:
        if (ex.index >= m_->func_types.size()) return fail(off, ErrorCode::UnknownFunction);
        if (ex.index >= m_->declared_refs.size()) m_->declared_refs.resize(ex.index + 1);
        m_->declared_refs[ex.index] = 1;
        break;
      case 1:
        if (ex.index >= m_->tables.size()) return fail(off, ErrorCode::UnknownTable);
        break;
      case 2:
        if (ex.index >= m_->memories.size()) return fail(off, ErrorCode::UnknownMemory);
        break;
      case 3:
        if (ex.index >= m_->globals.size()) return fail(off, ErrorCode::UnknownGlobal);
        break;
      case 4:
        if (!features_.exceptions) return fail(off, ErrorCode::MalformedExportKind);
        if (ex.index >= m_->tags.size()) return fail(off, ErrorCode::UnknownTag);
        break;
      default: return fail(off, ErrorCode::MalformedExportKind);
    }
    ex.kind = ExternKind(kind);
    if (!seen.insert(ex.name).second) return fail(off, ErrorCode::DuplicateExportName);
    m_->exports.push_back(std::move(ex));
  }
  return true;
}

bool ModuleDecoder::startSection(Reader& r) {
  size_t off = r.offset();
  uint32_t f;
  if (!r.u32(&f)) return readFail(r);
  if (f >= m_->func_types.size()) return failIdx(off, ErrorCode::UnknownFunction, f);
  const FuncType& ft = m_->funcType(f);
  if (!ft.params.empty() || !ft.results.empty()) return fail(off, ErrorCode::StartFunction);
  m_->start = f;
  return true;
}

bool ModuleDecoder::elementSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  for (uint32_t i = 0; i < n; ++i) {
    size_t off = r.offset();
    uint32_t flags;
    if (!r.u32(&flags)) return readFail(r);
    if (flags > 7) return fail(off, ErrorCode::MalformedElemSegmentKind);
    ElemSegment seg;
    bool passive_or_decl = flags & 1;
    bool explicit_table = flags & 2;
    bool exprs = flags & 4;
    if (!passive_or_decl) {
      seg.mode = SegmentMode::Active;
      if (explicit_table && !r.u32(&seg.table)) return readFail(r);
      if (!readConstExpr(r, ValType::I32, &seg.offset)) return false;
    } else {
      seg.mode = explicit_table ? SegmentMode::Declarative : SegmentMode::Passive;
    }
    if (passive_or_decl || explicit_table) {
      if (exprs) {
        if (!readRefType(r, &seg.type)) return false;
      } else {
        uint8_t kind = 0;
        if (!r.u8(&kind)) return readFail(r);
        if (kind != 0) return fail(r.offset() - 1, ErrorCode::MalformedElemKind);
        seg.type = ValType::FuncRef;
      }
    }
    uint32_t count;
    size_t at = r.offset();
    if (!r.u32(&count)) return readFail(r, true);
    if (count > r.remaining()) return lengthFail(at, count);
    seg.items.reserve(count);
    for (uint32_t k = 0; k < count; ++k) {
      ConstExpr e;
      if (exprs) {
        if (!readConstExpr(r, seg.type, &e)) return false;
      } else {
        size_t foff = r.offset();
        uint32_t f;
        if (!r.u32(&f)) return readFail(r);
        if (f >= m_->func_types.size()) return failIdx(foff, ErrorCode::UnknownFunction, f);
        e.kind = ConstExpr::RefFunc;
        e.index = f;
        if (f >= m_->declared_refs.size()) m_->declared_refs.resize(f + 1);
        m_->declared_refs[f] = 1;
      }
      seg.items.push_back(e);
    }
    if (seg.mode == SegmentMode::Active) {
      if (seg.table >= m_->tables.size()) return failIdx(off, ErrorCode::UnknownTable, seg.table);
      if (m_->tables[seg.table].elem != seg.type) return fail(off, ErrorCode::TypeMismatch);
    }
    m_->elems.push_back(std::move(seg));
  }
  return true;
}

bool ModuleDecoder::dataCountSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  m_->data_count = n;
  return true;
}

bool ModuleDecoder::dataSection(Reader& r) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  saw_data_section_ = true;
  if (m_->data_count && *m_->data_count != n) return fail(r.offset(), ErrorCode::DataCountLengths);
  for (uint32_t i = 0; i < n; ++i) {
    size_t off = r.offset();
    uint32_t flags;
    if (!r.u32(&flags)) return readFail(r);
    DataSegment seg;
    if (flags == 1) {
      seg.mode = SegmentMode::Passive;
    } else if (flags == 0 || flags == 2) {
      if (flags == 2 && !r.u32(&seg.memory)) return readFail(r);
      // The offset has the memory's index type.
      ValType at = ValType::I32;
      if (seg.memory >= m_->memories.size()) at = features_.memory64 ? kUnknown : ValType::I32;
      else if (m_->memories[seg.memory].is64) at = ValType::I64;
      if (!readConstExpr(r, at, &seg.offset)) return false;
      if (seg.memory >= m_->memories.size()) return failIdx(off, ErrorCode::UnknownMemory, seg.memory);
    } else {
      return fail(off, ErrorCode::MalformedDataSegmentKind);
    }
    uint32_t len;
    size_t at = r.offset();
    if (!r.u32(&len)) return readFail(r, true);
    const uint8_t* p;
    if (!r.bytes(len, &p)) return lengthFail(at, len);
    seg.bytes.assign(p, p + len);
    m_->datas.push_back(std::move(seg));
  }
  return true;
}

bool ModuleDecoder::customSection(Reader& r) {
  std::string name;
  if (!readName(r, &name)) {
    if (state_ == State::Overrun) overrun_.custom = true;
    return false;
  }
  if (name == "name") {
    // The name section is advisory: a malformed one is ignored.
    Reader nr = r;
    while (!nr.atEnd()) {
      uint8_t sub;
      uint32_t size;
      if (!nr.u8(&sub) || !nr.u32(&size) || nr.remaining() < size) break;
      Reader s(nr.pos(), nr.pos() + size, nr.offset());
      nr.skip(size);
      if (sub == 0) {
        uint32_t len;
        const uint8_t* p;
        if (s.u32(&len) && s.bytes(len, &p)) m_->module_name.assign(reinterpret_cast<const char*>(p), len);
      } else if (sub == 1) {
        uint32_t count;
        if (!s.u32(&count)) continue;
        for (uint32_t i = 0; i < count; ++i) {
          uint32_t idx, len;
          const uint8_t* p;
          if (!s.u32(&idx) || !s.u32(&len) || !s.bytes(len, &p)) break;
          m_->func_names[idx].assign(reinterpret_cast<const char*>(p), len);
        }
      }
    }
  }
  r.skip(r.remaining());
  return true;
}

bool ModuleDecoder::body(Reader& r, uint32_t index) {
  uint32_t func_index = m_->num_imported_funcs + index;
  FuncBody& fb = m_->bodies[index];
  fb.type_index = m_->func_types[func_index];
  fb.offset = r.offset();
  fb.size = r.remaining();
  Error err;
  if (!consumer_->onFunctionBody(*m_, func_index, r, fb, err)) return bodyFailed(index, err);
  return true;
}

// Body `index` is invalid (`err`, from its consumer): the decoder fails with
// the error the reference interpreter gives.
bool ModuleDecoder::bodyFailed(uint32_t index, const Error& consumer_err) {
  const FuncBody& fb = m_->bodies[index];
  Error err = consumer_err;
  // The reference interpreter decodes the whole module before it validates
  // any of it: a body that is invalid early but misses its `end` later is
  // malformed.
  if (err.kind == ErrorKind::Invalid && bodyRunsOut(fb))
    err = makeError(ErrorCode::EndOpcodeExpected, fb.offset + fb.size);
  // A body that runs out without its `end` is "END opcode expected" when
  // more code follows. The last body's reader would go on past the code
  // section, into bytes that may not have arrived yet (see resolveOverrun).
  const size_t body_end = fb.offset + fb.size;
  if (err.message == errorText(ErrorCode::EndOpcodeExpected) && body_end >= code_end_) {
    Overrun o;
    o.offset = body_end;
    o.body_end = true;
    return overrun(o);
  }
  err_ = err;
  state_ = State::Failed;
  return false;
}

std::string ModuleData::funcName(uint32_t func_index) const {
  auto it = func_names.find(func_index);
  if (it != func_names.end()) return it->second;
  for (const Export& e : exports)
    if (e.kind == ExternKind::Func && e.index == func_index) return e.name;
  return "func[" + std::to_string(func_index) + "]";
}

}  // namespace tern
