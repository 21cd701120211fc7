// The code section's bodies on several threads when the consumer allows it
// (parallelBodies), and whether an invalid body misses its `end` too
// (bodyRunsOut, for bodyFailed's error); ValidatingConsumer. The rest of
// ModuleDecoder is in module_decoder.cc (body and bodyFailed there, next to
// the state machine that calls them: a minimal build inlines them).
#include <atomic>
#include <mutex>
#include <system_error>
#include <thread>

#include "decode/module_decoder.h"
#include "decode/scan.h"

namespace tern {

// Whether the body's instructions, followed by nesting only, run out before
// the `end` that closes the function. False when some instruction does not
// decode (then the validator's error stands).
bool ModuleDecoder::bodyRunsOut(const FuncBody& fb) const {
  Reader r(bytes() + fb.offset, bytes() + fb.offset + fb.size, fb.offset);
  uint32_t groups, n;
  uint8_t t;
  if (!r.u32(&groups)) return false;
  for (uint32_t g = 0; g < groups; ++g)
    if (!r.u32(&n) || !r.u8(&t)) return false;
  size_t depth = 1;
  while (depth > 0) {
    if (r.atEnd()) return true;
    Opcode op;
    uint32_t index;
    if (!scanInstruction(r, &op, &index)) return false;
    if (op == Opcode::Block || op == Opcode::Loop || op == Opcode::If) ++depth;
    else if (op == Opcode::End) --depth;
  }
  return false;
}

#ifndef TERN_MINIMAL
// The code section, all of it at hand from pos_ (its first body's size) to
// code_end_, validated on `threads` threads, this one included. Its frames
// (each body's size) are read first, here: when one does not fit, the
// bodies go one by one instead (OneByOne), so that the error is the one the
// frame gets after the valid bodies before it. Then chunks of consecutive
// bodies go to whichever thread is free, in order; a thread stops at a body
// past one that failed, and the failure with the lowest index is the
// module's (Failed), as if the bodies had gone one by one. Valid: every body
// passed, and pos_ is past the last.
ModuleDecoder::Parallel ModuleDecoder::parallelBodies(unsigned threads) {
  constexpr size_t kChunkBytes = 16 << 10;
  const uint8_t* base = bytes();
  std::vector<uint32_t> chunks{0};  // the first body of each chunk, then code_count_
  size_t p = pos_, chunk_bytes = 0;
  for (uint32_t i = 0; i < code_count_; ++i) {
    Reader cr(base + p, base + code_end_, p);
    uint32_t size;
    if (!cr.u32(&size) || cr.offset() + size > code_end_) return Parallel::OneByOne;
    FuncBody& fb = m_->bodies[i];
    fb.type_index = m_->func_types[m_->num_imported_funcs + i];
    fb.offset = cr.offset();
    fb.size = size;
    p = fb.offset + size;
    chunk_bytes += size;
    if (chunk_bytes >= kChunkBytes && i + 1 < code_count_) {
      chunks.push_back(i + 1);
      chunk_bytes = 0;
    }
  }
  chunks.push_back(code_count_);

  const size_t num_chunks = chunks.size() - 1;
  std::atomic<size_t> next_chunk{0};
  std::atomic<uint32_t> failed{UINT32_MAX};  // the lowest index known to fail
  std::mutex mu;                             // failed's writers, and err
  Error err;
  auto work = [&] {
    for (;;) {
      size_t c = next_chunk.fetch_add(1, std::memory_order_relaxed);
      if (c >= num_chunks) return;
      for (uint32_t i = chunks[c]; i < chunks[c + 1]; ++i) {
        // Chunks are taken in order: every later one starts past it too.
        if (i > failed.load(std::memory_order_relaxed)) return;
        FuncBody& fb = m_->bodies[i];
        Reader br(base + fb.offset, base + fb.offset + fb.size, fb.offset);
        Error e;
        if (consumer_->onFunctionBody(*m_, m_->num_imported_funcs + i, br, fb, e)) continue;
        std::lock_guard<std::mutex> lock(mu);
        if (i < failed.load(std::memory_order_relaxed)) {
          failed.store(i, std::memory_order_relaxed);
          err = std::move(e);
        }
        return;
      }
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads && t < num_chunks; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: fewer do the work
    }
  }
  work();
  for (std::thread& t : helpers) t.join();

  uint32_t f = failed.load(std::memory_order_relaxed);
  if (f != UINT32_MAX) {
    code_done_ = f;
    bodyFailed(f, err);
    return Parallel::Failed;
  }
  code_done_ = code_count_;
  pos_ = p;
  return Parallel::Valid;
}
#endif

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

}  // namespace tern
