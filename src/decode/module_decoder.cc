#include "decode/module_decoder.h"

#include <cstring>
#include <unordered_set>

namespace tern {

namespace {

// Section ids in their required order (data count sits between element and
// code).
int sectionRank(uint8_t id) {
  switch (id) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    case 4: return 4;
    case 5: return 5;
    case 6: return 6;
    case 7: return 7;
    case 8: return 8;
    case 9: return 9;
    case 12: return 10;
    case 10: return 11;
    case 11: return 12;
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

ModuleDecoder::ModuleDecoder() : consumer_(&validator_), m_(std::make_unique<ModuleData>()) {}
ModuleDecoder::ModuleDecoder(BodyConsumer& consumer) : consumer_(&consumer), m_(std::make_unique<ModuleData>()) {}
ModuleDecoder::~ModuleDecoder() = default;

Error ModuleDecoder::toError() const {
  Error e;
  e.kind = err_.malformed ? ErrorKind::Malformed : ErrorKind::Invalid;
  e.message = err_.message;
  e.offset = err_.offset;
  return e;
}

bool ModuleDecoder::fail(bool malformed, size_t off, const char* msg) {
  if (state_ != State::Failed) {
    err_.malformed = malformed;
    err_.message = msg;
    err_.offset = off;
    state_ = State::Failed;
  }
  return false;
}

bool ModuleDecoder::failIdx(size_t off, const char* msg, uint64_t index) {
  bool first = state_ != State::Failed;
  fail(false, off, msg);
  if (first) err_.message.append(1, ' ').append(std::to_string(index));
  return false;
}

bool ModuleDecoder::readFail(const Reader& r) {
  return fail(true, r.errorOffset(), readStatusMessage(r.status()));
}

bool ModuleDecoder::feed(std::span<const uint8_t> chunk) {
  if (state_ == State::Failed) return false;
  buf_.insert(buf_.end(), chunk.begin(), chunk.end());
  return pump(false);
}

bool ModuleDecoder::finish() {
  if (state_ == State::Failed) return false;
  if (!pump(true)) return false;
  size_t end = buf_.size();
  if (state_ == State::Header) return fail(true, end, "unexpected end");
  if (state_ == State::CodeHeader || state_ == State::CodeBody) return fail(true, end, "unexpected end");
  if (declared_funcs_ != code_count_ && (declared_funcs_ != 0 || saw_code_section_))
    return fail(true, end, "function and code section have inconsistent lengths");
  if (m_->data_count && !saw_data_section_ && *m_->data_count != 0)
    return fail(true, end, "data count and data section have inconsistent lengths");
  DecodeError err;
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
    const uint8_t* base = buf_.data();
    const uint8_t* end = base + buf_.size();
    Reader r(base + pos_, end, pos_);
    switch (state_) {
      case State::Failed: return false;
      case State::Done: return true;
      case State::Header: {
        if (r.remaining() < 8) {
          if (!final) return true;
          // Report what we can see of a short header.
          if (r.remaining() >= 4 && std::memcmp(r.pos(), "\0asm", 4) == 0)
            return fail(true, buf_.size(), "unexpected end");
          return fail(true, 0, r.remaining() < 4 ? "unexpected end" : "magic header not detected");
        }
        if (std::memcmp(r.pos(), "\0asm", 4) != 0) return fail(true, 0, "magic header not detected");
        uint32_t version;
        std::memcpy(&version, r.pos() + 4, 4);
        if (version != 1) return fail(true, 4, "unknown binary version");
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
        if (id > 12) return fail(true, start, "malformed section id");
        int rank = id == 0 ? 0 : sectionRank(id);
        if (id != 0 && rank <= last_rank_) return fail(true, start, "unexpected content after last section");
        size_t payload = r.offset();
        if (id == 10 || r.remaining() >= size) {
          // The section is consumed now (or, for code, entered): from here
          // on its rank orders the sections that follow.
          if (id != 0) last_rank_ = rank;
        }
        if (id == 10) {
          saw_code_section_ = true;
          code_end_ = payload + size;
          pos_ = payload;
          state_ = State::CodeHeader;
          break;
        }
        if (r.remaining() < size) {
          if (!final) return true;
          return fail(true, buf_.size(), "unexpected end of section or function");
        }
        Reader sec(r.pos(), r.pos() + size, payload);
        if (!parseSection(id, sec)) return false;
        if (!sec.atEnd()) return fail(true, sec.offset(), "section size mismatch");
        pos_ = payload + size;
        break;
      }
      case State::CodeHeader: {
        if (code_end_ > buf_.size() && final) {
          // Truncated code section: still decode what is there, for the
          // most precise message, but never past the buffer.
        }
        const uint8_t* lim = base + std::min(code_end_, buf_.size());
        Reader cr(base + pos_, lim, pos_);
        uint32_t count;
        if (!cr.u32(&count)) {
          if (cr.status() == ReadStatus::UnexpectedEnd && !final && code_end_ > buf_.size()) return true;
          if (cr.status() == ReadStatus::UnexpectedEnd && code_end_ <= buf_.size())
            return fail(true, cr.errorOffset(), "unexpected end of section or function");
          return readFail(cr);
        }
        if (count != declared_funcs_)
          return fail(true, pos_, "function and code section have inconsistent lengths");
        code_count_ = count;
        code_done_ = 0;
        m_->bodies.resize(count);
        // Function indices that ref.func may name are known now: every
        // section that can declare them precedes the code section.
        pos_ = cr.offset();
        state_ = State::CodeBody;
        break;
      }
      case State::CodeBody: {
        if (code_done_ == code_count_) {
          if (pos_ != code_end_) return fail(true, pos_, "section size mismatch");
          state_ = State::SectionStart;
          break;
        }
        const uint8_t* lim = base + std::min(code_end_, buf_.size());
        Reader cr(base + pos_, lim, pos_);
        size_t body_start = pos_;
        uint32_t size;
        if (!cr.u32(&size)) {
          if (cr.status() == ReadStatus::UnexpectedEnd && !final && code_end_ > buf_.size()) return true;
          if (cr.status() == ReadStatus::UnexpectedEnd)
            return fail(true, cr.errorOffset(), "unexpected end of section or function");
          return readFail(cr);
        }
        size_t body_off = cr.offset();
        if (body_off + size > code_end_) return fail(true, body_off, "unexpected end of section or function");
        if (body_off + size > buf_.size()) {
          if (!final) return true;
          return fail(true, buf_.size(), "unexpected end");
        }
        (void)body_start;
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
  }
  return fail(true, r.offset(), "malformed section id");
}

// ---------------------------------------------------------------------------
// Small readers

bool ModuleDecoder::readName(Reader& r, std::string* out) {
  uint32_t n;
  if (!r.u32(&n)) return readFail(r);
  const uint8_t* p;
  if (!r.bytes(n, &p)) return fail(true, r.offset(), "unexpected end");
  if (!validUtf8(p, n)) return fail(true, r.offset() - n, "malformed UTF-8 encoding");
  out->assign(reinterpret_cast<const char*>(p), n);
  return true;
}

bool ModuleDecoder::readValType(Reader& r, ValType* out) {
  uint8_t b;
  if (!r.u8(&b)) return readFail(r);
  if (!isValType(b)) return fail(true, r.offset() - 1, "malformed value type");
  *out = ValType(b);
  return true;
}

bool ModuleDecoder::readRefType(Reader& r, ValType* out) {
  uint8_t b;
  if (!r.u8(&b)) return readFail(r);
  if (b != 0x70 && b != 0x6f) return fail(true, r.offset() - 1, "malformed reference type");
  *out = ValType(b);
  return true;
}

bool ModuleDecoder::readLimits(Reader& r, Limits* out, uint64_t max_allowed, const char* too_big) {
  uint8_t flags;
  if (!r.u8(&flags)) return readFail(r);
  if (flags > 1) return fail(true, r.offset() - 1, "integer too large");
  uint32_t min;
  if (!r.u32(&min)) return readFail(r);
  out->min = min;
  if (flags & 1) {
    uint32_t max;
    if (!r.u32(&max)) return readFail(r);
    out->max = max;
  }
  if (out->min > max_allowed || (out->max && *out->max > max_allowed)) return fail(false, r.offset(), too_big);
  if (out->max && out->min > *out->max)
    return fail(false, r.offset(), "size minimum must not be greater than maximum");
  return true;
}

bool ModuleDecoder::readTableType(Reader& r, TableType* out) {
  if (!readRefType(r, &out->elem)) return false;
  return readLimits(r, &out->limits, 0xffffffffull, "table size must be at most 2^32-1");
}

bool ModuleDecoder::readMemoryType(Reader& r, MemoryType* out) {
  return readLimits(r, &out->limits, 65536, "memory size must be at most 65536 pages (4GiB)");
}

bool ModuleDecoder::readGlobalType(Reader& r, GlobalType* out) {
  if (!readValType(r, &out->type)) return false;
  uint8_t mut;
  if (!r.u8(&mut)) return readFail(r);
  if (mut > 1) return fail(true, r.offset() - 1, "malformed mutability");
  out->mut = mut == 1;
  return true;
}

// Wasm 2.0 constant expressions: one constant, ref.null, ref.func or
// global.get of an imported immutable global, then `end`.
bool ModuleDecoder::readConstExpr(Reader& r, ValType expect, ConstExpr* out) {
  ValType got = kUnknown;
  int count = 0;
  for (;;) {
    size_t off = r.offset();
    uint8_t op;
    if (!r.u8(&op)) return readFail(r);
    if (op == 0x0b) break;
    ++count;
    switch (op) {
      case 0x41: {
        int32_t v;
        if (!r.s32(&v)) return readFail(r);
        out->kind = ConstExpr::Value;
        out->value = Value::i32(v);
        got = ValType::I32;
        break;
      }
      case 0x42: {
        int64_t v;
        if (!r.s64(&v)) return readFail(r);
        out->kind = ConstExpr::Value;
        out->value = Value::i64(v);
        got = ValType::I64;
        break;
      }
      case 0x43: {
        uint32_t v;
        if (!r.fixed32(&v)) return readFail(r);
        out->kind = ConstExpr::Value;
        out->value = Value::f32Bits(v);
        got = ValType::F32;
        break;
      }
      case 0x44: {
        uint64_t v;
        if (!r.fixed64(&v)) return readFail(r);
        out->kind = ConstExpr::Value;
        out->value = Value::f64Bits(v);
        got = ValType::F64;
        break;
      }
      case 0xd0: {
        ValType t;
        if (!readRefType(r, &t)) return false;
        out->kind = ConstExpr::Value;
        out->value = Value::nullRef(t);
        got = t;
        break;
      }
      case 0xd2: {
        uint32_t f;
        if (!r.u32(&f)) return readFail(r);
        if (f >= m_->func_types.size()) return failIdx(off, "unknown function", f);
        out->kind = ConstExpr::RefFunc;
        out->index = f;
        if (f >= m_->declared_refs.size()) m_->declared_refs.resize(f + 1);
        m_->declared_refs[f] = true;
        got = ValType::FuncRef;
        break;
      }
      case 0x23: {
        uint32_t g;
        if (!r.u32(&g)) return readFail(r);
        if (g >= m_->num_imported_globals) return failIdx(off, "unknown global", g);
        if (m_->globals[g].mut) return fail(false, off, "constant expression required");
        out->kind = ConstExpr::GlobalGet;
        out->index = g;
        got = m_->globals[g].type;
        break;
      }
      case 0xfd: {
        uint32_t sub;
        if (!r.u32(&sub)) return readFail(r);
        if (sub != 12) return fail(false, off, "constant expression required");
        uint64_t lo, hi;
        if (!r.fixed64(&lo) || !r.fixed64(&hi)) return readFail(r);
        out->kind = ConstExpr::Value;
        out->value = Value::v128({lo, hi});
        got = ValType::V128;
        m_->uses_simd = true;
        break;
      }
      default: {
        // A known instruction that is not constant is invalid; an unknown
        // byte is malformed.
        if (op == 0xfc || lookupOpcode(0, op)) return fail(false, off, "constant expression required");
        return fail(true, off, "illegal opcode");
      }
    }
  }
  if (count != 1 || got != expect) return fail(false, r.offset(), "type mismatch");
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
    if (form != 0x60) return fail(true, r.offset() - 1, "integer representation too long");
    FuncType ft;
    for (auto* vec : {&ft.params, &ft.results}) {
      uint32_t c;
      if (!r.u32(&c)) return readFail(r);
      if (c > r.remaining()) return fail(true, r.offset(), "unexpected end");
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
        if (im.func_type >= m_->types.size()) return fail(false, off, "unknown type");
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
        if (m_->memories.size() > 1) return fail(false, off, "multiple memories");
        break;
      case 3:
        if (!readGlobalType(r, &im.global)) return false;
        m_->globals.push_back(im.global);
        ++m_->num_imported_globals;
        break;
      default: return fail(true, off - 1, "malformed import kind");
    }
    im.kind = ExternKind(kind);
    m_->imports.push_back(std::move(im));
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
    if (t >= m_->types.size()) return fail(false, off, "unknown type");
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
    if (m_->memories.size() > 1) return fail(false, off, "multiple memories");
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
        if (ex.index >= m_->func_types.size()) return fail(false, off, "unknown function");
        if (ex.index >= m_->declared_refs.size()) m_->declared_refs.resize(ex.index + 1);
        m_->declared_refs[ex.index] = true;
        break;
      case 1:
        if (ex.index >= m_->tables.size()) return fail(false, off, "unknown table");
        break;
      case 2:
        if (ex.index >= m_->memories.size()) return fail(false, off, "unknown memory");
        break;
      case 3:
        if (ex.index >= m_->globals.size()) return fail(false, off, "unknown global");
        break;
      default: return fail(true, off, "malformed export kind");
    }
    ex.kind = ExternKind(kind);
    if (!seen.insert(ex.name).second) return fail(false, off, "duplicate export name");
    m_->exports.push_back(std::move(ex));
  }
  return true;
}

bool ModuleDecoder::startSection(Reader& r) {
  size_t off = r.offset();
  uint32_t f;
  if (!r.u32(&f)) return readFail(r);
  if (f >= m_->func_types.size()) return failIdx(off, "unknown function", f);
  const FuncType& ft = m_->funcType(f);
  if (!ft.params.empty() || !ft.results.empty()) return fail(false, off, "start function");
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
    if (flags > 7) return fail(true, off, "malformed elements segment kind");
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
        uint8_t kind;
        if (!r.u8(&kind)) return readFail(r);
        if (kind != 0) return fail(true, r.offset() - 1, "malformed element kind");
        seg.type = ValType::FuncRef;
      }
    }
    uint32_t count;
    if (!r.u32(&count)) return readFail(r);
    if (count > r.remaining()) return fail(true, r.offset(), "unexpected end");
    seg.items.reserve(count);
    for (uint32_t k = 0; k < count; ++k) {
      ConstExpr e;
      if (exprs) {
        if (!readConstExpr(r, seg.type, &e)) return false;
      } else {
        size_t foff = r.offset();
        uint32_t f;
        if (!r.u32(&f)) return readFail(r);
        if (f >= m_->func_types.size()) return fail(false, foff, "unknown function");
        e.kind = ConstExpr::RefFunc;
        e.index = f;
        if (f >= m_->declared_refs.size()) m_->declared_refs.resize(f + 1);
        m_->declared_refs[f] = true;
      }
      seg.items.push_back(e);
    }
    if (seg.mode == SegmentMode::Active) {
      if (seg.table >= m_->tables.size()) return failIdx(off, "unknown table", seg.table);
      if (m_->tables[seg.table].elem != seg.type) return fail(false, off, "type mismatch");
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
  if (m_->data_count && *m_->data_count != n)
    return fail(true, r.offset(), "data count and data section have inconsistent lengths");
  for (uint32_t i = 0; i < n; ++i) {
    size_t off = r.offset();
    uint32_t flags;
    if (!r.u32(&flags)) return readFail(r);
    DataSegment seg;
    if (flags == 1) {
      seg.mode = SegmentMode::Passive;
    } else if (flags == 0 || flags == 2) {
      if (flags == 2 && !r.u32(&seg.memory)) return readFail(r);
      if (!readConstExpr(r, ValType::I32, &seg.offset)) return false;
      if (seg.memory >= m_->memories.size()) return failIdx(off, "unknown memory", seg.memory);
    } else {
      return fail(true, off, "malformed data segment kind");
    }
    uint32_t len;
    if (!r.u32(&len)) return readFail(r);
    const uint8_t* p;
    if (!r.bytes(len, &p)) return fail(true, r.offset(), "unexpected end of section or function");
    seg.bytes.assign(p, p + len);
    m_->datas.push_back(std::move(seg));
  }
  return true;
}

bool ModuleDecoder::customSection(Reader& r) {
  std::string name;
  if (!readName(r, &name)) return false;
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
  if (m_->declared_refs.size() < m_->func_types.size()) m_->declared_refs.resize(m_->func_types.size());
  DecodeError err;
  if (!consumer_->onFunctionBody(*m_, func_index, r, fb, err)) {
    // A body that runs out without its `end` is "END opcode expected" when
    // more code follows, and the end of the section when it is the last.
    if (err.message == "END opcode expected" && r.offset() + r.remaining() >= code_end_)
      err.message = "unexpected end of section or function";
    err_ = err;
    state_ = State::Failed;
    return false;
  }
  return true;
}

bool ValidatingConsumer::onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body,
                                        DecodeError& err) {
  NullVisitor v;
  FunctionDecoder<NullVisitor> dec(m, func_index, v);
  if (!dec.decode(r, &body.locals)) {
    err = dec.error();
    return false;
  }
  return true;
}

std::string ModuleData::funcName(uint32_t func_index) const {
  auto it = func_names.find(func_index);
  if (it != func_names.end()) return it->second;
  for (const Export& e : exports)
    if (e.kind == ExternKind::Func && e.index == func_index) return e.name;
  return "func[" + std::to_string(func_index) + "]";
}

}  // namespace tern
