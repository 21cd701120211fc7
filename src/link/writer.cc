#include "link/writer.h"

namespace tern::link {

void ByteWriter::u32(uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    buf_.push_back(b);
  } while (v);
}

void ByteWriter::s64(int64_t v) {
  for (;;) {
    uint8_t b = uint8_t(v & 0x7f);
    v >>= 7;  // arithmetic shift: the sign is kept
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    if (!done) b |= 0x80;
    buf_.push_back(b);
    if (done) return;
  }
}

void ByteWriter::fixed32(uint32_t v) {
  for (int i = 0; i < 4; ++i) buf_.push_back(uint8_t(v >> (8 * i)));
}

void ByteWriter::fixed64(uint64_t v) {
  for (int i = 0; i < 8; ++i) buf_.push_back(uint8_t(v >> (8 * i)));
}

void ByteWriter::name(std::string_view s) {
  u32(uint32_t(s.size()));
  buf_.insert(buf_.end(), s.begin(), s.end());
}

void ByteWriter::limits(const Limits& l) {
  u8(l.max ? 1 : 0);
  u32(uint32_t(l.min));
  if (l.max) u32(uint32_t(*l.max));
}

void ByteWriter::funcType(const FuncType& t) {
  u8(0x60);
  u32(uint32_t(t.params.size()));
  for (ValType v : t.params) valType(v);
  u32(uint32_t(t.results.size()));
  for (ValType v : t.results) valType(v);
}

void ByteWriter::tableType(const TableType& t) {
  valType(t.elem);
  limits(t.limits);
}

void ByteWriter::globalType(const GlobalType& t) {
  valType(t.type);
  u8(t.mut ? 1 : 0);
}

void appendSection(ByteWriter& module, uint8_t id, const ByteWriter& payload) {
  module.u8(id);
  module.sized(payload);
}

void appendHeader(ByteWriter& module) {
  static const uint8_t kHeader[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  module.bytes(kHeader, sizeof kHeader);
}

}  // namespace tern::link
