// A small WebAssembly binary writer: LEB128 encoders, the module's
// composite encodings (names, limits, types) and framed sections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tern/tern.hpp"

namespace tern::link {

class ByteWriter {
 public:
  void u8(uint8_t b) { buf_.push_back(b); }
  void u32(uint32_t v);            // unsigned LEB128, shortest form
  void s32(int32_t v) { s64(v); }  // signed LEB128, shortest form
  void s33(int64_t v) { s64(v); }
  void s64(int64_t v);
  void fixed32(uint32_t v);  // little endian
  void fixed64(uint64_t v);
  void bytes(std::span<const uint8_t> b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  void bytes(const uint8_t* p, size_t n) { buf_.insert(buf_.end(), p, p + n); }
  void name(std::string_view s);  // length-prefixed UTF-8
  void valType(ValType t) { u8(uint8_t(t)); }
  void limits(const Limits& l);
  void funcType(const FuncType& t);  // 0x60 params results
  void tableType(const TableType& t);
  void globalType(const GlobalType& t);
  // A length-prefixed blob (a function body, a subsection).
  void sized(const ByteWriter& inner) {
    u32(uint32_t(inner.size()));
    bytes(inner.data());
  }

  size_t size() const { return buf_.size(); }
  bool empty() const { return buf_.empty(); }
  std::span<const uint8_t> data() const { return buf_; }
  std::vector<uint8_t>& vec() { return buf_; }
  std::vector<uint8_t> take() { return std::move(buf_); }

 private:
  std::vector<uint8_t> buf_;
};

// Appends section `id` with `payload` (id byte, size, payload).
void appendSection(ByteWriter& module, uint8_t id, const ByteWriter& payload);

// The 8-byte module header.
void appendHeader(ByteWriter& module);

}  // namespace tern::link
