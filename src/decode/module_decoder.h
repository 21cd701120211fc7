// Streaming module decoder: bytes arrive in chunks of any size; each section
// is decoded and validated once complete, and each function body is handed
// to a BodyConsumer as soon as its last byte arrives.
//
// The decoder knows no tier: it fills ModuleData from the sections and
// frames the code section; what happens to a body (validation only, or
// validation and code generation in one pass, for whichever tier) is the
// consumer's. The runtime's consumer is Tiering (src/runtime/tiering.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "decode/function_decoder.h"
#include "module/module.h"

namespace tern {

// Receives the module's function bodies, one at a time, in order. A
// consumer validates each body by running FunctionDecoder<Visitor> over it
// with the visitor(s) of its tier: one virtual call per body, none per
// instruction.
class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  // The body of function `func_index` (imports counted): `r` holds exactly
  // its bytes; `body` has type_index, offset and size set, and the consumer
  // fills the rest. Returns false with `err` set when the body is invalid.
  virtual bool onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body,
                              DecodeError& err) = 0;
  // After the last byte, once the whole module is known to be valid.
  // Returns false with `err` set (its offset is preset to the end of the
  // module) when the module cannot be made runnable.
  virtual bool finish(ModuleData& m, DecodeError& err) = 0;
  // Returns once no work on the module's bodies is under way, finishing or
  // dropping what is: the module is about to leave the decoder (taken, or
  // freed after an error). A consumer that works on bodies after
  // onFunctionBody returns (Tiering, compiling on several threads) reads
  // only what the sections before the code section set, and the bodies'
  // type_index, offset and size.
  virtual void settle() {}
  // How many threads may be in onFunctionBody at once, each with a
  // different body (1: one body at a time, in order). With more, a code
  // section whose bytes have all arrived, and that is big enough to be
  // worth a thread (kParallelCodeBytes), is validated on that many threads
  // (ModuleDecoder::parallelBodies); the module is accepted or refused as
  // with one, with the first invalid body's error. Not in a minimal build.
  virtual unsigned bodyThreads() const { return 1; }
};

// Validation only (Module::validate, `tern link`): every body goes through
// FunctionDecoder<NullVisitor> and keeps no code.
class ValidatingConsumer final : public BodyConsumer {
 public:
  bool onFunctionBody(const ModuleData& m, uint32_t func_index, Reader& r, FuncBody& body, DecodeError& err) override;
  bool finish(ModuleData&, DecodeError&) override { return true; }
};

class ModuleDecoder {
 public:
  // A code section smaller than this is validated on one thread whatever
  // BodyConsumer::bodyThreads says: about a millisecond of work, against the
  // tens of microseconds a thread takes to start.
  static constexpr size_t kParallelCodeBytes = 64 << 10;

  // Validates only, with the given features (tern.hpp) switched on.
  explicit ModuleDecoder(const Features& features = {});
  // Hands every body to `consumer`, which must outlive the decoder.
  explicit ModuleDecoder(BodyConsumer& consumer, const Features& features = {});
  ~ModuleDecoder();

  // Returns false once an error has been found.
  bool feed(std::span<const uint8_t> chunk);
  // The whole module at once, decoded where it lies instead of copied into
  // the decoder (a mapped file: half a megabyte of copying and page faults
  // less for Lua's module). `module` must stay valid until finish(); a
  // later feed() copies it first.
  bool feedWhole(std::span<const uint8_t> module);
  // Ends the stream. On success the module is complete and valid.
  bool finish();

  const Error& error() const { return err_; }
  std::unique_ptr<ModuleData> take();
  Error toError() const;

 private:
  enum class State : uint8_t { Header, SectionStart, CodeHeader, CodeBody, Done, Overrun, Failed };
  // A read that ran past its section or body (see resolveOverrun).
  struct Overrun {
    size_t offset = 0;     // where the read started
    uint64_t need = 0;     // bytes the read needed, or a length's value
    uint8_t leb_bits = 0;  // a LEB128 of this many bits, else fixed bytes
    bool leb_signed = false;
    bool length = false;    // the read is a length (of a vector, a name, bytes)
    bool body_end = false;  // a function body ended before its `end`
    bool custom = false;    // in a custom section's name
  };

  bool pump(bool final);
  bool parseSection(uint8_t id, Reader& r);
  bool fail(size_t off, ErrorCode code, std::string_view detail = {});
  bool failIdx(size_t off, ErrorCode code, uint64_t index);
  bool readFail(const Reader& r, bool length = false);
  bool lengthFail(size_t leb_offset, uint64_t length);
  bool overrun(const Overrun& o);
  void resolveOverrun();

  bool typeSection(Reader& r);
  bool importSection(Reader& r);
  bool functionSection(Reader& r);
  bool tableSection(Reader& r);
  bool memorySection(Reader& r);
  bool globalSection(Reader& r);
  bool exportSection(Reader& r);
  bool startSection(Reader& r);
  bool elementSection(Reader& r);
  bool dataCountSection(Reader& r);
  bool tagSection(Reader& r);
  bool readTagType(Reader& r, uint32_t* type_index);
  bool dataSection(Reader& r);
  bool customSection(Reader& r);
  bool body(Reader& r, uint32_t index);
  bool bodyFailed(uint32_t index, const Error& err);
#ifndef TERN_MINIMAL
  enum class Parallel : uint8_t { Valid, Failed, OneByOne };
  Parallel parallelBodies(unsigned threads);
#endif
  bool bodyRunsOut(const FuncBody& fb) const;

  bool readName(Reader& r, std::string* out);
  bool readValType(Reader& r, ValType* out);
  bool readRefType(Reader& r, ValType* out);
  bool readLimits(Reader& r, Limits* out, uint64_t max_allowed, ErrorCode too_big, uint8_t allowed = 1,
                  bool wide = false);
  bool readTableType(Reader& r, TableType* out);
  bool readMemoryType(Reader& r, MemoryType* out);
  bool readGlobalType(Reader& r, GlobalType* out);
  bool readConstExpr(Reader& r, ValType expect, ConstExpr* out);

  BodyConsumer* consumer_;
  State state_ = State::Header;
  std::vector<uint8_t> buf_;
  std::span<const uint8_t> whole_;  // feedWhole's bytes, used instead of buf_
  const uint8_t* bytes() const { return whole_.data() ? whole_.data() : buf_.data(); }
  size_t byteCount() const { return whole_.data() ? whole_.size() : buf_.size(); }
  size_t pos_ = 0;  // absolute offset of the first unconsumed byte
  std::unique_ptr<ModuleData> m_;
  Features features_;
  Error err_;
  Overrun overrun_;
  int last_rank_ = 0;
  uint32_t declared_funcs_ = 0;  // entries of the function section
  bool saw_function_section_ = false;
  bool saw_code_section_ = false;
  bool saw_data_section_ = false;
  bool parallel_tried_ = false;  // parallelBodies ran, or was ruled out
  uint32_t code_count_ = 0, code_done_ = 0;
  size_t code_end_ = 0;      // absolute end of the code section
  size_t code_size_at_ = 0;  // where the code section's size starts
};

}  // namespace tern
