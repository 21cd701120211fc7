#include "link/code.h"

#include "base/leb128.h"
#include "module/opcodes.h"

namespace tern::link {

namespace {

bool isValTypeByte(uint8_t b) {
  return b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x7b || b == 0x70 || b == 0x6f;
}

class Walker {
 public:
  Walker(std::span<const uint8_t> body, const IndexMap* map, ByteWriter* out, BodyFacts* facts, std::string* err)
      : r_(body.data(), body.data() + body.size()), map_(map), out_(out), facts_(facts), err_(err) {}

  bool run() {
    // Local declarations are copied as they are.
    const uint8_t* start = r_.pos();
    uint32_t groups;
    if (!r_.u32(&groups)) return readFail();
    for (uint32_t g = 0; g < groups; ++g) {
      uint32_t n;
      uint8_t t;
      if (!r_.u32(&n) || !r_.u8(&t)) return readFail();
    }
    copy(start);
    while (!r_.atEnd())
      if (!instruction()) return false;
    return true;
  }

 private:
  bool readFail() {
    *err_ = std::string("cannot decode function body at byte ") + std::to_string(r_.offset()) + ": " +
            readStatusMessage(r_.status());
    return false;
  }
  bool fail(const std::string& msg) {
    *err_ = msg;
    return false;
  }
  // Copies the bytes from `from` to the reader's position.
  void copy(const uint8_t* from) {
    if (out_) out_->bytes(from, size_t(r_.pos() - from));
  }
  bool skipU32() {
    uint32_t v;
    const uint8_t* p = r_.pos();
    if (!r_.u32(&v)) return readFail();
    copy(p);
    return true;
  }
  bool skipBytes(size_t n) {
    const uint8_t* p = r_.pos();
    if (!r_.skip(n)) return readFail();
    copy(p);
    return true;
  }
  // Reads an index and writes its image under `space` (when rewriting).
  bool index(std::span<const uint32_t> space, const char* what, uint32_t* old = nullptr) {
    uint32_t v;
    if (!r_.u32(&v)) return readFail();
    if (old) *old = v;
    if (!out_) return true;
    if (v >= space.size()) return fail(std::string("no mapping for ") + what + " " + std::to_string(v));
    out_->u32(space[v]);
    return true;
  }
  std::span<const uint32_t> types() const { return map_ ? map_->types : std::span<const uint32_t>(); }
  std::span<const uint32_t> funcs() const { return map_ ? map_->funcs : std::span<const uint32_t>(); }
  std::span<const uint32_t> tables() const { return map_ ? map_->tables : std::span<const uint32_t>(); }
  std::span<const uint32_t> globals() const { return map_ ? map_->globals : std::span<const uint32_t>(); }
  std::span<const uint32_t> elems() const { return map_ ? map_->elems : std::span<const uint32_t>(); }
  std::span<const uint32_t> datas() const { return map_ ? map_->datas : std::span<const uint32_t>(); }
  std::span<const uint32_t> mems() const { return map_ ? map_->mems : std::span<const uint32_t>(); }
  std::span<const uint32_t> tags() const { return map_ ? map_->tags : std::span<const uint32_t>(); }

  // Alignment flags (bit 6: a memory index follows), [memory], offset. A
  // memory that becomes memory 0 keeps its index; any other gets bit 6.
  bool memArg() {
    facts_->uses_memory = true;
    uint32_t flags, mem = 0;
    if (!r_.u32(&flags)) return readFail();
    if ((flags & 0x40) && !r_.u32(&mem)) return readFail();
    if (out_) {
      if (mem >= mems().size()) return fail("no mapping for memory " + std::to_string(mem));
      uint32_t to = mems()[mem];
      if (to == 0 && !(flags & 0x40)) {
        out_->u32(flags);
      } else {
        out_->u32(flags | 0x40);
        out_->u32(to);
      }
    }
    return skipU32();  // offset
  }
  // memory.size/grow/fill/copy/init's memory (the zero byte of Wasm 2.0 is
  // index 0 as a LEB128).
  bool memIdx() {
    facts_->uses_memory = true;
    return index(mems(), "memory");
  }

  bool instruction() {
    const uint8_t* start = r_.pos();
    uint8_t b;
    if (!r_.u8(&b)) return readFail();
    uint8_t prefix = 0;
    uint32_t code = b;
    if (b == 0xfc || b == 0xfd) {
      prefix = b;
      if (!r_.u32(&code)) return readFail();
    }
    std::optional<Opcode> op = lookupOpcode(prefix, code);
    if (!op) return fail("illegal opcode at byte " + std::to_string(r_.offset()));
    copy(start);  // the opcode itself
    switch (opInfo(*op).imm) {
      case ImmKind::None: return true;
      case ImmKind::BlockType: {
        if (r_.atEnd()) return readFail();
        uint8_t first = *r_.pos();
        if (first == 0x40 || isValTypeByte(first)) return skipBytes(1);
        int64_t t;
        if (!r_.s33(&t)) return readFail();
        if (!out_) return true;
        if (t < 0 || uint64_t(t) >= types().size()) return fail("no mapping for type " + std::to_string(t));
        out_->s33(types()[size_t(t)]);
        return true;
      }
      case ImmKind::Label: return skipU32();
      case ImmKind::BrTable: {
        const uint8_t* p = r_.pos();
        uint32_t n, t;
        if (!r_.u32(&n)) return readFail();
        for (uint64_t i = 0; i <= n; ++i)
          if (!r_.u32(&t)) return readFail();
        copy(p);
        return true;
      }
      case ImmKind::FuncIdx: {
        uint32_t f;
        if (!index(funcs(), "function", &f)) return false;
        if (*op == Opcode::RefFunc) facts_->ref_funcs.push_back(f);
        return true;
      }
      case ImmKind::CallIndirect: return index(types(), "type") && index(tables(), "table");
      case ImmKind::LocalIdx: return skipU32();
      case ImmKind::GlobalIdx: return index(globals(), "global");
      case ImmKind::TableIdx: return index(tables(), "table");
      case ImmKind::TagIdx: return index(tags(), "tag");  // throw, catch
      case ImmKind::TryTable: return fail("try_table is not supported by tern link");
      case ImmKind::MemArg: return memArg();
      case ImmKind::MemIdx: return memIdx();
      case ImmKind::I32:
      case ImmKind::I64: {
        const uint8_t* p = r_.pos();
        int64_t v;
        if (!r_.s64(&v)) return readFail();
        copy(p);
        return true;
      }
      case ImmKind::F32: return skipBytes(4);
      case ImmKind::F64: return skipBytes(8);
      case ImmKind::V128: return skipBytes(16);
      case ImmKind::SelectT: {
        const uint8_t* p = r_.pos();
        uint32_t n;
        if (!r_.u32(&n) || !r_.skip(n)) return readFail();
        copy(p);
        return true;
      }
      case ImmKind::RefType: return skipBytes(1);
      case ImmKind::MemoryInit: return index(datas(), "data segment") && memIdx();
      case ImmKind::DataIdx: return index(datas(), "data segment");
      case ImmKind::MemoryCopy: return memIdx() && memIdx();
      case ImmKind::TableInit: return index(elems(), "element segment") && index(tables(), "table");
      case ImmKind::ElemIdx: return index(elems(), "element segment");
      case ImmKind::TableCopy: return index(tables(), "table") && index(tables(), "table");
      case ImmKind::Lane2:
      case ImmKind::Lane4:
      case ImmKind::Lane8:
      case ImmKind::Lane16: return skipBytes(1);
      case ImmKind::Shuffle: return skipBytes(16);
      case ImmKind::MemArgLane2:
      case ImmKind::MemArgLane4:
      case ImmKind::MemArgLane8:
      case ImmKind::MemArgLane16: return memArg() && skipBytes(1);
    }
    return fail(std::string("unhandled immediate of ") + opName(*op));
  }

  Reader r_;
  const IndexMap* map_;
  ByteWriter* out_;
  BodyFacts* facts_;
  std::string* err_;
};

}  // namespace

bool walkBody(std::span<const uint8_t> body, const IndexMap* map, ByteWriter* out, BodyFacts* facts, std::string* err) {
  BodyFacts scratch;
  Walker w(body, map, map ? out : nullptr, facts ? facts : &scratch, err);
  return w.run();
}

}  // namespace tern::link
