// What the files of the WASI host functions share: guest memory access, the
// descriptor table (Context::State) and the declarations of the handlers.
//
//   wasi.cc             the Context, the descriptor table's helpers, registration
//   fd_calls.cc         fd_*
//   path_calls.cc       path resolution (the sandbox) and path_*
//   proc_calls.cc       args, environ, clocks, randomness, sched_yield, proc_raise
//   poll_sock_calls.cc  poll_oneoff and sock_*
//
// Files, directories, streams and sockets are vfs::Nodes (wasi/vfs.h); none
// of these files touches a host path.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tern/wasi.hpp"
#include "wasi/abi.h"
#include "wasi/vfs.h"

namespace tern::wasi {

// The handlers name the ABI's constants unqualified.
using namespace abi;
using vfs::Iov;
using vfs::Node;
using vfs::NodePtr;

// ---------------------------------------------------------------------------
// Guest memory. Wasm is little-endian whatever the host is.
struct Mem {
  uint8_t* base = nullptr;
  uint64_t size = 0;

  bool ok(uint64_t ptr, uint64_t len) const { return ptr <= size && len <= size - ptr; }
  uint8_t* at(uint64_t ptr) const { return base + ptr; }

  uint8_t ld8(uint64_t p) const { return base[p]; }
  uint16_t ld16(uint64_t p) const { return uint16_t(base[p] | (base[p + 1] << 8)); }
  uint32_t ld32(uint64_t p) const {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | base[p + i];
    return v;
  }
  uint64_t ld64(uint64_t p) const {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | base[p + i];
    return v;
  }
  void st8(uint64_t p, uint8_t v) const { base[p] = v; }
  void st16(uint64_t p, uint16_t v) const {
    base[p] = uint8_t(v);
    base[p + 1] = uint8_t(v >> 8);
  }
  void st32(uint64_t p, uint32_t v) const {
    for (int i = 0; i < 4; ++i) base[p + i] = uint8_t(v >> (8 * i));
  }
  void st64(uint64_t p, uint64_t v) const {
    for (int i = 0; i < 8; ++i) base[p + i] = uint8_t(v >> (8 * i));
  }
};

// The i32/i64 arguments of a call, as the unsigned values the ABI means.
struct Args {
  std::span<const Value> v;
  uint32_t u32(size_t i) const { return uint32_t(v[i].bits); }
  uint64_t u64(size_t i) const { return v[i].bits; }
};

// Reads a path or symlink target. Longer than any path may be: ENAMETOOLONG.
Errno readPath(const Mem& m, uint32_t ptr, uint32_t len, std::string& out);
// Reads an iovec array (buf, len pairs) and checks every buffer.
Errno gatherIovs(const Mem& m, uint32_t iovs, uint32_t count, std::vector<Iov>& out);
void writeFilestat(const Mem& m, uint32_t p, const vfs::Stat& st);

// ---------------------------------------------------------------------------
// The descriptor table
struct FdEntry {
  NodePtr node;
  uint64_t rights = 0, inheriting = 0;
  bool preopen = false;  // a preopened directory; guest_path is its name
  std::string guest_path;
  std::vector<vfs::Dirent> listing;  // fd_readdir snapshot, taken at cookie 0
  bool listed = false;
};

struct Context::State {
  Options opts;
  std::string error;
  std::string stdout_buf, stderr_buf;
  std::optional<int> exit_code;  // set by proc_exit and by a fatal proc_raise
  std::vector<std::optional<FdEntry>> fds;
  uint64_t random_state = 0;

  FdEntry* get(uint32_t fd) {
    if (fd >= fds.size() || !fds[fd]) return nullptr;
    return &*fds[fd];
  }
  // The lowest free number, as POSIX does.
  Errno insert(FdEntry e, uint32_t& out) {
    for (uint32_t i = 0; i < fds.size(); ++i) {
      if (!fds[i]) {
        fds[i] = std::move(e);
        out = i;
        return kOk;
      }
    }
    if (fds.size() >= kMaxFds) return kEmfile;
    fds.emplace_back(std::move(e));
    out = uint32_t(fds.size() - 1);
    return kOk;
  }
  void add(FdEntry e) {
    uint32_t ignored;
    insert(std::move(e), ignored);
  }

  // Clocks and randomness (proc_calls.cc), from Options or from the host.
  Errno clockNow(uint32_t id, uint64_t& out);
  Errno clockRes(uint32_t id, uint64_t& out);
  void sleepFor(uint64_t ns);
  Errno random(uint8_t* p, size_t len);
};

using State = Context::State;

// The rights a descriptor of this kind can ever have.
uint64_t rightsFor(const Node& n);
// Looks up a descriptor and checks that it has every right in `need`.
Errno getFd(State& s, uint32_t fd, uint64_t need, FdEntry*& out);
// A directory descriptor for a path operation.
Errno getDir(State& s, uint32_t fd, uint64_t need, FdEntry*& out);
// The host's monotonic clock in nanoseconds (proc_calls.cc).
uint64_t monotonicNow();

// ---------------------------------------------------------------------------
// Path resolution (path_calls.cc)

struct Resolved {
  NodePtr dir;
  std::string name;             // empty: the path names `dir` itself
  bool trailing_slash = false;  // the object must be a directory
};

Errno resolve(const NodePtr& base, std::string_view path, bool follow, Resolved& out);
// Resolves the path argument of a path_* call.
Errno resolveArg(const Mem& m, const FdEntry& dir, uint32_t ptr, uint32_t len, bool follow, Resolved& out);
bool decodeTimes(uint64_t atim, uint64_t mtim, uint32_t flags, vfs::Times& t);

// ---------------------------------------------------------------------------
// Handlers. Each returns a WASI errno.
Errno argsGet(State& s, const Mem& m, const Args& a);
Errno argsSizesGet(State& s, const Mem& m, const Args& a);
Errno environGet(State& s, const Mem& m, const Args& a);
Errno environSizesGet(State& s, const Mem& m, const Args& a);
Errno clockResGet(State& s, const Mem& m, const Args& a);
Errno clockTimeGet(State& s, const Mem& m, const Args& a);
Errno randomGet(State& s, const Mem& m, const Args& a);
Errno schedYield(State& s, const Mem& m, const Args& a);
Errno fdAdvise(State& s, const Mem& m, const Args& a);
Errno fdAllocate(State& s, const Mem& m, const Args& a);
Errno fdClose(State& s, const Mem& m, const Args& a);
Errno fdDatasync(State& s, const Mem& m, const Args& a);
Errno fdSync(State& s, const Mem& m, const Args& a);
Errno fdFdstatGet(State& s, const Mem& m, const Args& a);
Errno fdFdstatSetFlags(State& s, const Mem& m, const Args& a);
Errno fdFdstatSetRights(State& s, const Mem& m, const Args& a);
Errno fdFilestatGet(State& s, const Mem& m, const Args& a);
Errno fdFilestatSetSize(State& s, const Mem& m, const Args& a);
Errno fdFilestatSetTimes(State& s, const Mem& m, const Args& a);
Errno fdPread(State& s, const Mem& m, const Args& a);
Errno fdPwrite(State& s, const Mem& m, const Args& a);
Errno fdRead(State& s, const Mem& m, const Args& a);
Errno fdWrite(State& s, const Mem& m, const Args& a);
Errno fdPrestatGet(State& s, const Mem& m, const Args& a);
Errno fdPrestatDirName(State& s, const Mem& m, const Args& a);
Errno fdReaddir(State& s, const Mem& m, const Args& a);
Errno fdRenumber(State& s, const Mem& m, const Args& a);
Errno fdSeek(State& s, const Mem& m, const Args& a);
Errno fdTell(State& s, const Mem& m, const Args& a);
Errno pathCreateDirectory(State& s, const Mem& m, const Args& a);
Errno pathFilestatGet(State& s, const Mem& m, const Args& a);
Errno pathFilestatSetTimes(State& s, const Mem& m, const Args& a);
Errno pathLink(State& s, const Mem& m, const Args& a);
Errno pathOpen(State& s, const Mem& m, const Args& a);
Errno pathReadlink(State& s, const Mem& m, const Args& a);
Errno pathRemoveDirectory(State& s, const Mem& m, const Args& a);
Errno pathRename(State& s, const Mem& m, const Args& a);
Errno pathSymlink(State& s, const Mem& m, const Args& a);
Errno pathUnlinkFile(State& s, const Mem& m, const Args& a);
Errno pollOneoff(State& s, const Mem& m, const Args& a);
Errno sockAccept(State& s, const Mem& m, const Args& a);
Errno sockRecv(State& s, const Mem& m, const Args& a);
Errno sockSend(State& s, const Mem& m, const Args& a);
Errno sockShutdown(State& s, const Mem& m, const Args& a);

// proc_raise: a host function of its own, since it may end the guest.
std::optional<Trap> procRaise(std::span<const Value> args, std::span<Value> results);

}  // namespace tern::wasi
