// Standard streams that are not host descriptors: input from bytes or a
// reader callback, output to a buffer or a writer callback, and the null
// stream. They report the WASI file type "unknown", as a pipe would.
#include <algorithm>
#include <cstring>

#include "wasi/vfs.h"

namespace tern::wasi::vfs {

using namespace abi;

namespace {

class StreamNode : public Node {
 public:
  uint8_t type() const override { return kTypeUnknown; }
  Errno stat(Stat& out) override {
    out = Stat{};
    out.type = kTypeUnknown;
    out.nlink = 1;
    return kOk;
  }
  Errno getFdflags(uint16_t& out) override {
    out = fdflags_;
    return kOk;
  }
  Errno setFdflags(uint16_t f) override {
    fdflags_ = f & (kFdflagAppend | kFdflagNonblock);
    return kOk;
  }

 private:
  uint16_t fdflags_ = 0;
};

class BytesInput : public StreamNode {
 public:
  explicit BytesInput(std::string data) : data_(std::move(data)) {}
  Errno read(Iovs iovs, size_t& n) override {
    n = 0;
    for (const Iov& v : iovs) {
      size_t k = std::min(v.len, data_.size() - pos_);
      if (k) std::memcpy(v.base, data_.data() + pos_, k);
      pos_ += k;
      n += k;
      if (k < v.len) break;
    }
    return kOk;
  }
  Readiness readiness(bool for_write) override {
    Readiness r;
    if (!for_write) {
      r.nbytes = data_.size() - pos_;
      r.hangup = r.nbytes == 0;
    }
    return r;
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

class ReaderInput : public StreamNode {
 public:
  explicit ReaderInput(Reader r) : reader_(std::move(r)) {}
  Errno read(Iovs iovs, size_t& n) override {
    n = 0;
    for (const Iov& v : iovs) {
      if (v.len == 0) continue;
      size_t k = reader_ ? reader_(std::span<uint8_t>(v.base, v.len)) : 0;
      k = std::min(k, v.len);
      n += k;
      if (k < v.len) break;
    }
    return kOk;
  }

 private:
  Reader reader_;
};

class NullStream : public StreamNode {
 public:
  Errno read(Iovs, size_t& n) override {
    n = 0;
    return kOk;
  }
  Errno write(Iovs iovs, size_t& n) override {
    n = totalLength(iovs);
    return kOk;
  }
};

class BufferOutput : public StreamNode {
 public:
  explicit BufferOutput(std::string* buf) : buf_(buf) {}
  Errno write(Iovs iovs, size_t& n) override {
    n = 0;
    for (const Iov& v : iovs) {
      buf_->append(reinterpret_cast<const char*>(v.base), v.len);
      n += v.len;
    }
    return kOk;
  }

 private:
  std::string* buf_;
};

class WriterOutput : public StreamNode {
 public:
  explicit WriterOutput(Writer w) : writer_(std::move(w)) {}
  Errno write(Iovs iovs, size_t& n) override {
    n = 0;
    for (const Iov& v : iovs) {
      if (v.len && writer_) writer_(std::span<const uint8_t>(v.base, v.len));
      n += v.len;
    }
    return kOk;
  }

 private:
  Writer writer_;
};

}  // namespace

NodePtr makeInputStream(Stdio& spec) {
  switch (spec.kind) {
    case Stdio::Kind::Inherit: return wrapHostFd(spec.fd, false);
    case Stdio::Kind::Bytes: return std::make_shared<BytesInput>(std::move(spec.bytes));
    case Stdio::Kind::Reader: return std::make_shared<ReaderInput>(std::move(spec.reader));
    default: return std::make_shared<NullStream>();
  }
}

NodePtr makeOutputStream(Stdio& spec, std::string* buffer) {
  switch (spec.kind) {
    case Stdio::Kind::Inherit: return wrapHostFd(spec.fd, false);
    case Stdio::Kind::Buffer: return std::make_shared<BufferOutput>(buffer);
    case Stdio::Kind::Writer: return std::make_shared<WriterOutput>(std::move(spec.writer));
    default: return std::make_shared<NullStream>();
  }
}

}  // namespace tern::wasi::vfs
