// The small virtual filesystem under Tern's WASI layer.
//
// Every guest descriptor refers to a Node: an open file, directory, stream
// or socket. Backends implement Node:
//   host_fs.cc   host directories and files (openat and friends), host fds
//                handed in for stdio, host sockets
//   mem_fs.cc    the in-memory filesystem (tern::wasi::MemFs)
//   streams.cc   stdio from bytes or a reader, to a buffer or a writer
//
// Path resolution is not a backend's business: path_calls.cc walks each path one
// component at a time, keeping the directories it went through on a stack,
// applies `..` by popping that stack (never below the starting directory)
// and expands symlinks itself. A backend therefore only ever sees a single
// component name: never empty, never "." or "..", never containing '/' and
// never to be followed if it is a symlink. That is what makes the sandbox
// hold on every backend alike.
//
// All methods return a WASI errno (abi::kOk on success). The defaults say
// "this kind of node cannot do that".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tern/wasi.hpp"
#include "wasi/abi.h"

namespace tern::wasi::vfs {

using abi::Errno;

struct Stat {
  uint64_t dev = 0, ino = 0;
  uint8_t type = abi::kTypeUnknown;
  uint64_t nlink = 0, size = 0;
  uint64_t atim = 0, mtim = 0, ctim = 0;
};

struct Dirent {
  std::string name;
  uint64_t ino = 0;
  uint8_t type = abi::kTypeUnknown;
};

// One guest buffer, already checked against the guest's memory.
struct Iov {
  uint8_t* base = nullptr;
  size_t len = 0;
};
using Iovs = std::span<const Iov>;
size_t totalLength(Iovs iovs);

// fd_filestat_set_times / path_filestat_set_times, decoded.
struct Times {
  bool atim_set = false, atim_now = false;
  bool mtim_set = false, mtim_now = false;
  uint64_t atim = 0, mtim = 0;
};

struct OpenFlags {
  bool read = false, write = false;
  bool create = false, excl = false, trunc = false, directory = false;
  uint16_t fdflags = 0;
};

// Readiness for poll_oneoff of a node that is not a host fd.
struct Readiness {
  bool ready = true;
  uint64_t nbytes = 0;
  bool hangup = false;
};

class Node;
using NodePtr = std::shared_ptr<Node>;

class Node {
 public:
  virtual ~Node() = default;
  virtual uint8_t type() const = 0;
  // Two nodes with the same filesystem id can rename and link between them.
  virtual const void* fsId() const { return this; }

  virtual Errno stat(Stat& out) = 0;
  virtual Errno setTimes(const Times&) { return abi::kEbadf; }

  // Open files and streams.
  virtual Errno read(Iovs, size_t&) { return abi::kEbadf; }
  virtual Errno write(Iovs, size_t&) { return abi::kEbadf; }
  virtual Errno pread(Iovs, uint64_t, size_t&) { return abi::kEspipe; }
  virtual Errno pwrite(Iovs, uint64_t, size_t&) { return abi::kEspipe; }
  virtual Errno seek(int64_t, uint8_t, uint64_t&) { return abi::kEspipe; }
  virtual Errno sync() { return abi::kEinval; }
  virtual Errno datasync() { return abi::kEinval; }
  virtual Errno advise(uint64_t, uint64_t, uint8_t) { return abi::kEspipe; }
  virtual Errno allocate(uint64_t, uint64_t) { return abi::kEspipe; }
  virtual Errno setSize(uint64_t) { return abi::kEinval; }
  virtual Errno getFdflags(uint16_t& out) {
    out = 0;
    return abi::kOk;
  }
  virtual Errno setFdflags(uint16_t) { return abi::kOk; }
  // A host fd that poll(2) can wait on, or -1: then readiness() answers.
  virtual int pollFd() const { return -1; }
  virtual Readiness readiness(bool /*for_write*/) { return {}; }

  // Directories. `name` is one component (see the top of this file); no
  // method follows a symlink named by `name`.
  // Opens `name` for walking through it or looking at it: a directory, or a
  // symlink (whose target readlink() gives), or anything else.
  virtual Errno lookup(std::string_view, NodePtr&) { return abi::kEnotdir; }
  virtual Errno openAt(std::string_view, const OpenFlags&, NodePtr&) { return abi::kEnotdir; }
  // Opens this directory itself again ("." as the last path component).
  virtual Errno reopen(const OpenFlags&, NodePtr&) { return abi::kEnotdir; }
  virtual Errno statAt(std::string_view, Stat&) { return abi::kEnotdir; }
  virtual Errno setTimesAt(std::string_view, const Times&) { return abi::kEnotdir; }
  virtual Errno mkdirAt(std::string_view) { return abi::kEnotdir; }
  virtual Errno rmdirAt(std::string_view) { return abi::kEnotdir; }
  virtual Errno unlinkAt(std::string_view) { return abi::kEnotdir; }
  virtual Errno symlinkAt(std::string_view /*target*/, std::string_view) { return abi::kEnotdir; }
  virtual Errno readlinkAt(std::string_view, std::string&) { return abi::kEnotdir; }
  // Callers make sure `dir` has the same fsId() (else EXDEV).
  virtual Errno renameAt(std::string_view, Node& /*dir*/, std::string_view) { return abi::kEnotdir; }
  virtual Errno linkAt(std::string_view, Node& /*dir*/, std::string_view) { return abi::kEnotdir; }
  // Every entry, "." and ".." included, in a stable order.
  virtual Errno readdir(std::vector<Dirent>&) { return abi::kEnotdir; }
  // This node's symlink target, if it is a symlink (from lookup()).
  virtual Errno readlink(std::string&) { return abi::kEinval; }

  // Sockets.
  virtual Errno accept(uint16_t /*fdflags*/, NodePtr&) { return abi::kEnotsock; }
  virtual Errno recv(Iovs, uint16_t /*riflags*/, size_t&, uint16_t& /*roflags*/) { return abi::kEnotsock; }
  virtual Errno send(Iovs, size_t&) { return abi::kEnotsock; }
  virtual Errno shutdown(uint8_t /*sdflags*/) { return abi::kEnotsock; }
};

// host_fs.cc
Errno fromHostErrno(int e);
// Opens a host directory as a preopen; nullptr with `error` set on failure.
NodePtr openHostDir(const std::string& path, std::string& error);
// Wraps a host fd (stdio handed in, a socket); `own` closes it with the node.
NodePtr wrapHostFd(int fd, bool own);
// Whether a host fd is a terminal (for the rights of stdio).
bool hostIsTty(const Node& node);

// mem_fs.cc: the directory `path` of a MemFs; nullptr if there is none.
NodePtr memFsDir(const std::shared_ptr<MemFs::Impl>& fs, std::string_view path);

// streams.cc; `buffer` receives Stdio::Kind::Buffer output.
NodePtr makeInputStream(Stdio& spec);
NodePtr makeOutputStream(Stdio& spec, std::string* buffer);

}  // namespace tern::wasi::vfs
