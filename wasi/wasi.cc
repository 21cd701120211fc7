// WASI preview1 host functions: the descriptor table, sandboxed path
// resolution and one handler per import. Files, directories, streams and
// sockets are vfs::Nodes (wasi/vfs.h); this file never touches a host path.
//
// Layout:
//   1. guest memory access (every pointer and length checked)
//   2. the descriptor table, clocks and randomness
//   3. path resolution (the sandbox)
//   4. handlers, grouped as in wasi/api.h
//   5. registration
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#if defined(__linux__)
#include <sys/random.h>
#endif

#include "tern/wasi.hpp"
#include "wasi/abi.h"
#include "wasi/vfs.h"

extern char** environ;

namespace tern::wasi {

using namespace abi;
using vfs::Iov;
using vfs::Node;
using vfs::NodePtr;

namespace {

// ---------------------------------------------------------------------------
// 1. Guest memory. Wasm is little-endian whatever the host is.
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

// Reads a path or symlink target. Longer than any path may be: ENAMETOOLONG
// (checked before copying, so a huge length costs nothing).
Errno readPath(const Mem& m, uint32_t ptr, uint32_t len, std::string& out) {
  if (!m.ok(ptr, len)) return kEfault;
  if (len > kMaxPathLength) return kEnametoolong;
  out.assign(reinterpret_cast<const char*>(m.at(ptr)), len);
  return kOk;
}

// At most this many buffers of an iovec array take part in one transfer
// (POSIX's IOV_MAX); the rest make it a short one, which the ABI allows.
constexpr uint32_t kMaxIovs = 1024;

// Reads an iovec array (buf, len pairs) and checks every buffer.
Errno gatherIovs(const Mem& m, uint32_t iovs, uint32_t count, std::vector<Iov>& out) {
  if (!m.ok(iovs, uint64_t(count) * kIovecSize)) return kEfault;
  out.clear();
  out.reserve(std::min(count, kMaxIovs));
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t buf = m.ld32(iovs + uint64_t(i) * kIovecSize);
    uint32_t len = m.ld32(iovs + uint64_t(i) * kIovecSize + 4);
    if (!m.ok(buf, len)) return kEfault;
    if (out.size() < kMaxIovs) out.push_back({m.at(buf), len});
  }
  return kOk;
}

void writeFilestat(const Mem& m, uint32_t p, const vfs::Stat& st) {
  std::memset(m.at(p), 0, kFilestatSize);
  m.st64(p + 0, st.dev);
  m.st64(p + 8, st.ino);
  m.st8(p + 16, st.type);
  m.st64(p + 24, st.nlink);
  m.st64(p + 32, st.size);
  m.st64(p + 40, st.atim);
  m.st64(p + 48, st.mtim);
  m.st64(p + 56, st.ctim);
}

uint64_t toNanos(const struct timespec& ts) {
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

bool hostClock(uint32_t id, clockid_t& out) {
  switch (id) {
    case 0: out = CLOCK_REALTIME; return true;
    case 1: out = CLOCK_MONOTONIC; return true;
    case 2: out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

uint64_t monotonicNow() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return toNanos(ts);
}

// The rights a descriptor of this kind can ever have.
uint64_t rightsFor(const Node& n) {
  switch (n.type()) {
    case kTypeRegularFile:
    case kTypeBlockDevice: return kFileRights;
    case kTypeDirectory: return kDirRights;
    case kTypeCharDevice: return vfs::hostIsTty(n) ? kStreamRights : kFileRights;
    case kTypeSocketStream:
    case kTypeSocketDgram: return kSocketRights;
    default: return kStreamRights;
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// 2. The descriptor table
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

  Errno clockNow(uint32_t id, uint64_t& out) {
    if (id > 3) return kEinval;
    if (opts.clocks.now) {
      out = opts.clocks.now(ClockId(id));
      return kOk;
    }
    clockid_t c = CLOCK_REALTIME;
    hostClock(id, c);
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return vfs::fromHostErrno(errno);
    out = toNanos(ts);
    return kOk;
  }
  Errno clockRes(uint32_t id, uint64_t& out) {
    if (id > 3) return kEinval;
    if (opts.clocks.resolution) {
      out = opts.clocks.resolution(ClockId(id));
      return kOk;
    }
    if (opts.clocks.now) {
      out = 1;
      return kOk;
    }
    clockid_t c = CLOCK_REALTIME;
    hostClock(id, c);
    struct timespec ts;
    if (clock_getres(c, &ts) != 0) return vfs::fromHostErrno(errno);
    out = toNanos(ts);
    return kOk;
  }
  void sleepFor(uint64_t ns) {
    if (ns == 0) return;
    if (opts.clocks.sleep) {
      opts.clocks.sleep(ns);
      return;
    }
    struct timespec ts;
    ts.tv_sec = time_t(std::min<uint64_t>(ns / 1000000000ull, INT32_MAX));
    ts.tv_nsec = long(ns % 1000000000ull);
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {
    }
  }
  Errno random(uint8_t* p, size_t len) {
    if (opts.random) {
      opts.random(std::span<uint8_t>(p, len));
      return kOk;
    }
    while (len > 0) {
#if defined(__linux__)
      ssize_t r = ::getrandom(p, len, 0);
      if (r < 0) {
        if (errno == EINTR) continue;
        return vfs::fromHostErrno(errno);
      }
#else
      size_t chunk = std::min<size_t>(len, 256);
      if (::getentropy(p, chunk) != 0) return vfs::fromHostErrno(errno);
      ssize_t r = ssize_t(chunk);
#endif
      p += r;
      len -= size_t(r);
    }
    return kOk;
  }
};

namespace {
using State = Context::State;

// Looks up a descriptor and checks that it has every right in `need`.
// Missing fd_read / fd_write means the file is not open for that: EBADF,
// as POSIX says (EISDIR for a directory); other missing rights are
// ENOTCAPABLE.
Errno getFd(State& s, uint32_t fd, uint64_t need, FdEntry*& out) {
  out = s.get(fd);
  if (!out) return kEbadf;
  uint64_t missing = need & ~out->rights;
  if (!missing) return kOk;
  if (missing & (kRightFdRead | kRightFdWrite)) {
    return out->node->type() == kTypeDirectory ? kEisdir : kEbadf;
  }
  return kEnotcapable;
}

// A directory descriptor for a path operation.
Errno getDir(State& s, uint32_t fd, uint64_t need, FdEntry*& out) {
  out = s.get(fd);
  if (!out) return kEbadf;
  if (out->node->type() != kTypeDirectory) return kEnotdir;
  if (need & ~out->rights) return kEnotcapable;
  return kOk;
}

// ---------------------------------------------------------------------------
// 3. Path resolution.
//
// A path is walked one component at a time from the directory it is
// relative to. The directories passed through stay on a stack: `..` pops it
// and fails with ENOTCAPABLE at the bottom, so it can never climb above the
// starting directory, whatever the host's `..` would be. Symlinks are
// expanded here (at most kMaxSymlinkFollows of them, else ELOOP); an
// absolute target fails with ENOTCAPABLE, a relative one is walked like the
// rest of the path, from the directory holding the link. Backends never see
// anything but single names (wasi/vfs.h).

struct Resolved {
  NodePtr dir;
  std::string name;  // empty: the path names `dir` itself
  bool trailing_slash = false;  // the object must be a directory
};

Errno checkGuestPath(std::string_view path) {
  if (path.empty()) return kEnoent;
  if (path.size() > kMaxPathLength) return kEnametoolong;
  if (path.find('\0') != std::string_view::npos) return kEilseq;
  if (path.front() == '/') return kEnotcapable;
  return kOk;
}

// Pushes the components of `path` so that the first ends up at the back.
void pushComponents(std::string_view path, std::vector<std::string>& todo) {
  size_t end = path.size();
  while (end > 0) {
    size_t slash = path.rfind('/', end - 1);
    size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    if (begin < end) todo.emplace_back(path.substr(begin, end - begin));
    if (slash == std::string_view::npos) break;
    end = slash;
  }
}

Errno resolve(const NodePtr& base, std::string_view path, bool follow, Resolved& out) {
  if (Errno e = checkGuestPath(path)) return e;
  std::vector<NodePtr> stack{base};
  std::vector<std::string> todo;
  pushComponents(path, todo);
  bool trailing = path.back() == '/';
  uint32_t links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.back());
    todo.pop_back();
    bool last = todo.empty();
    if (part == ".") continue;
    if (part == "..") {
      if (stack.size() == 1) return kEnotcapable;
      stack.pop_back();
      continue;
    }
    if (last && !follow && !trailing) {
      out = {stack.back(), std::move(part), false};
      return kOk;
    }
    NodePtr child;
    Errno e = stack.back()->lookup(part, child);
    if (e == kEnoent && last) {
      out = {stack.back(), std::move(part), trailing};
      return kOk;
    }
    if (e) return e;
    if (child->type() == kTypeSymlink) {
      if (++links > kMaxSymlinkFollows) return kEloop;
      std::string target;
      if (Errno e2 = child->readlink(target)) return e2;
      if (target.empty()) return kEnoent;
      if (target.front() == '/') return kEnotcapable;
      if (last && target.back() == '/') trailing = true;
      if (todo.size() + target.size() > 64 * kMaxPathLength) return kEnametoolong;
      pushComponents(target, todo);
      continue;
    }
    if (last) {
      if (trailing && child->type() != kTypeDirectory) return kEnotdir;
      out = {stack.back(), std::move(part), trailing};
      return kOk;
    }
    if (child->type() != kTypeDirectory) return kEnotdir;
    stack.push_back(std::move(child));
  }
  out = {stack.back(), std::string(), true};
  return kOk;
}

// Resolves the path argument of a path_* call.
Errno resolveArg(const Mem& m, const FdEntry& dir, uint32_t ptr, uint32_t len, bool follow,
                 Resolved& out) {
  std::string path;
  if (Errno e = readPath(m, ptr, len, path)) return e;
  return resolve(dir.node, path, follow, out);
}

bool decodeTimes(uint64_t atim, uint64_t mtim, uint32_t flags, vfs::Times& t) {
  if (flags & ~uint32_t(kFstAtim | kFstAtimNow | kFstMtim | kFstMtimNow)) return false;
  if ((flags & kFstAtim) && (flags & kFstAtimNow)) return false;
  if ((flags & kFstMtim) && (flags & kFstMtimNow)) return false;
  t.atim_set = flags & kFstAtim;
  t.atim_now = flags & kFstAtimNow;
  t.mtim_set = flags & kFstMtim;
  t.mtim_now = flags & kFstMtimNow;
  t.atim = atim;
  t.mtim = mtim;
  return true;
}

// ---------------------------------------------------------------------------
// 4. Handlers. Each returns a WASI errno.

// --- args and environ
Errno writeStrings(const Mem& m, const std::vector<std::string>& list, uint32_t ptrs,
                   uint32_t buf) {
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (!m.ok(ptrs, uint64_t(list.size()) * 4) || !m.ok(buf, total)) return kEfault;
  uint64_t at = buf;
  for (size_t i = 0; i < list.size(); ++i) {
    m.st32(ptrs + 4 * i, uint32_t(at));
    std::memcpy(m.at(at), list[i].data(), list[i].size());
    m.st8(at + list[i].size(), 0);
    at += list[i].size() + 1;
  }
  return kOk;
}

Errno writeSizes(const Mem& m, const std::vector<std::string>& list, uint32_t count_ptr,
                 uint32_t size_ptr) {
  if (!m.ok(count_ptr, 4) || !m.ok(size_ptr, 4)) return kEfault;
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (total > UINT32_MAX) return kEoverflow;
  m.st32(count_ptr, uint32_t(list.size()));
  m.st32(size_ptr, uint32_t(total));
  return kOk;
}

Errno argsGet(State& s, const Mem& m, const Args& a) {
  return writeStrings(m, s.opts.args, a.u32(0), a.u32(1));
}
Errno argsSizesGet(State& s, const Mem& m, const Args& a) {
  return writeSizes(m, s.opts.args, a.u32(0), a.u32(1));
}
Errno environGet(State& s, const Mem& m, const Args& a) {
  return writeStrings(m, s.opts.env, a.u32(0), a.u32(1));
}
Errno environSizesGet(State& s, const Mem& m, const Args& a) {
  return writeSizes(m, s.opts.env, a.u32(0), a.u32(1));
}

// --- clocks, randomness, scheduling
Errno clockResGet(State& s, const Mem& m, const Args& a) {
  uint32_t out = a.u32(1);
  uint64_t v = 0;
  if (Errno e = s.clockRes(a.u32(0), v)) return e;
  if (!m.ok(out, 8)) return kEfault;
  m.st64(out, v);
  return kOk;
}

Errno clockTimeGet(State& s, const Mem& m, const Args& a) {
  uint32_t out = a.u32(2);
  uint64_t v = 0;
  if (Errno e = s.clockNow(a.u32(0), v)) return e;
  if (!m.ok(out, 8)) return kEfault;
  m.st64(out, v);
  return kOk;
}

Errno randomGet(State& s, const Mem& m, const Args& a) {
  uint32_t buf = a.u32(0), len = a.u32(1);
  if (!m.ok(buf, len)) return kEfault;
  return s.random(m.at(buf), len);
}

Errno schedYield(State&, const Mem&, const Args&) {
  ::sched_yield();
  return kOk;
}

// --- descriptors
Errno fdAdvise(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  if (a.u32(3) > kAdviceNoreuse) return kEinval;
  if (e->node->type() == kTypeDirectory) return kEbadf;
  if (!(e->rights & kRightFdAdvise)) return kEnotcapable;
  return e->node->advise(a.u64(1), a.u64(2), uint8_t(a.u32(3)));
}

Errno fdAllocate(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  if (e->node->type() == kTypeDirectory) return kEbadf;
  if (!(e->rights & kRightFdAllocate)) return kEnotcapable;
  return e->node->allocate(a.u64(1), a.u64(2));
}

Errno fdClose(State& s, const Mem&, const Args& a) {
  if (!s.get(a.u32(0))) return kEbadf;
  s.fds[a.u32(0)].reset();
  return kOk;
}

Errno fdDatasync(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), kRightFdDatasync, e)) return err;
  return e->node->datasync();
}

Errno fdSync(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), kRightFdSync, e)) return err;
  return e->node->sync();
}

Errno fdFdstatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  uint32_t out = a.u32(1);
  if (!m.ok(out, kFdstatSize)) return kEfault;
  uint16_t flags = 0;
  e->node->getFdflags(flags);
  std::memset(m.at(out), 0, kFdstatSize);
  m.st8(out + 0, e->node->type());
  m.st16(out + 2, flags);
  m.st64(out + 8, e->rights);
  m.st64(out + 16, e->inheriting);
  return kOk;
}

Errno fdFdstatSetFlags(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  uint32_t flags = a.u32(1);
  if (flags & ~uint32_t(kFdflagsAll)) return kEinval;
  if (!(e->rights & kRightFdFdstatSetFlags)) return kEnotcapable;
  // The sync flags can only be chosen when opening.
  if (flags & (kFdflagDsync | kFdflagRsync | kFdflagSync)) return kEnotsup;
  return e->node->setFdflags(uint16_t(flags));
}

Errno fdFdstatSetRights(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  uint64_t base = a.u64(1), inh = a.u64(2);
  // Rights can only be dropped.
  if ((base & ~e->rights) || (inh & ~e->inheriting)) return kEnotcapable;
  e->rights = base;
  e->inheriting = inh;
  return kOk;
}

Errno fdFilestatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  uint32_t out = a.u32(1);
  if (!m.ok(out, kFilestatSize)) return kEfault;
  if (!(e->rights & kRightFdFilestatGet)) return kEnotcapable;
  vfs::Stat st;
  if (Errno err = e->node->stat(st)) return err;
  writeFilestat(m, out, st);
  return kOk;
}

Errno fdFilestatSetSize(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  if (e->node->type() == kTypeDirectory) return kEisdir;
  if (!(e->rights & kRightFdFilestatSetSize)) return kEnotcapable;
  return e->node->setSize(a.u64(1));
}

Errno fdFilestatSetTimes(State& s, const Mem&, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  vfs::Times t;
  if (!decodeTimes(a.u64(1), a.u64(2), a.u32(3), t)) return kEinval;
  if (!(e->rights & kRightFdFilestatSetTimes)) return kEnotcapable;
  return e->node->setTimes(t);
}

Errno fdPread(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), kRightFdRead, e)) return err;
  uint32_t out = a.u32(4);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out, 4)) return kEfault;
  if (!(e->rights & kRightFdSeek)) return e->node->type() == kTypeRegularFile ? kEnotcapable : kEspipe;
  size_t n = 0;
  if (Errno err = e->node->pread(iov, a.u64(3), n)) return err;
  m.st32(out, uint32_t(n));
  return kOk;
}

Errno fdPwrite(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), kRightFdWrite, e)) return err;
  uint32_t out = a.u32(4);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out, 4)) return kEfault;
  if (!(e->rights & kRightFdSeek)) return e->node->type() == kTypeRegularFile ? kEnotcapable : kEspipe;
  size_t n = 0;
  if (Errno err = e->node->pwrite(iov, a.u64(3), n)) return err;
  m.st32(out, uint32_t(n));
  return kOk;
}

Errno fdRead(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), kRightFdRead, e)) return err;
  uint32_t out = a.u32(3);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out, 4)) return kEfault;
  size_t n = 0;
  if (Errno err = e->node->read(iov, n)) return err;
  m.st32(out, uint32_t(n));
  return kOk;
}

Errno fdWrite(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), kRightFdWrite, e)) return err;
  uint32_t out = a.u32(3);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out, 4)) return kEfault;
  size_t n = 0;
  if (Errno err = e->node->write(iov, n)) return err;
  m.st32(out, uint32_t(n));
  return kOk;
}

Errno fdPrestatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e || !e->preopen) return kEbadf;
  uint32_t out = a.u32(1);
  if (!m.ok(out, kPrestatSize)) return kEfault;
  std::memset(m.at(out), 0, kPrestatSize);
  m.st8(out, 0);  // preopentype: dir
  m.st32(out + 4, uint32_t(e->guest_path.size()));
  return kOk;
}

Errno fdPrestatDirName(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e || !e->preopen) return kEbadf;
  uint32_t buf = a.u32(1), len = a.u32(2);
  if (!m.ok(buf, len)) return kEfault;
  if (len < e->guest_path.size()) return kEnametoolong;
  std::memcpy(m.at(buf), e->guest_path.data(), e->guest_path.size());
  return kOk;
}

// Entries are numbered from 0; an entry's d_next (its cookie) is its number
// plus one, so cookie 0 starts at the beginning. The listing is taken when a
// read starts at cookie 0 and served from it until the next one, so cookies
// stay meaningful while the directory changes.
Errno fdReaddir(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  if (e->node->type() != kTypeDirectory) return kEnotdir;
  uint32_t buf = a.u32(1), len = a.u32(2), out = a.u32(4);
  uint64_t cookie = a.u64(3);
  if (!m.ok(buf, len) || !m.ok(out, 4)) return kEfault;
  if (!(e->rights & kRightFdReaddir)) return kEnotcapable;
  if (cookie == 0 || !e->listed) {
    if (Errno err = e->node->readdir(e->listing)) return err;
    e->listed = true;
  }
  uint64_t used = 0;
  for (uint64_t i = cookie; i < e->listing.size() && used < len; ++i) {
    const vfs::Dirent& d = e->listing[i];
    uint8_t header[kDirentHeaderSize] = {};
    Mem h{header, sizeof header};
    h.st64(0, i + 1);
    h.st64(8, d.ino);
    h.st32(16, uint32_t(d.name.size()));
    h.st8(20, d.type);
    // A buffer too small for the whole entry gets as much of it as fits;
    // bufused == buf_len tells the guest to retry with a larger one.
    uint64_t n = std::min<uint64_t>(kDirentHeaderSize, len - used);
    std::memcpy(m.at(buf + used), header, n);
    used += n;
    n = std::min<uint64_t>(d.name.size(), len - used);
    std::memcpy(m.at(buf + used), d.name.data(), n);
    used += n;
  }
  m.st32(out, uint32_t(used));
  return kOk;
}

Errno fdRenumber(State& s, const Mem&, const Args& a) {
  uint32_t from = a.u32(0), to = a.u32(1);
  if (!s.get(from) || !s.get(to)) return kEbadf;
  if (from == to) return kOk;
  s.fds[to] = std::move(s.fds[from]);
  s.fds[from].reset();
  return kOk;
}

Errno fdSeek(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  int64_t off = int64_t(a.u64(1));
  uint32_t whence = a.u32(2), out = a.u32(3);
  if (whence > kWhenceEnd) return kEinval;
  if (!m.ok(out, 8)) return kEfault;
  if (e->node->type() == kTypeDirectory) return kEbadf;
  // Asking where we are needs only fd_tell.
  uint64_t need = (off == 0 && whence == kWhenceCur) ? kRightFdTell : kRightFdSeek;
  if (!(e->rights & need)) return e->node->type() == kTypeRegularFile ? kEnotcapable : kEspipe;
  uint64_t pos = 0;
  if (Errno err = e->node->seek(off, uint8_t(whence), pos)) return err;
  m.st64(out, pos);
  return kOk;
}

Errno fdTell(State& s, const Mem& m, const Args& a) {
  FdEntry* e;
  if (Errno err = getFd(s, a.u32(0), 0, e)) return err;
  uint32_t out = a.u32(1);
  if (!m.ok(out, 8)) return kEfault;
  if (e->node->type() == kTypeDirectory) return kEbadf;
  if (!(e->rights & kRightFdTell)) return e->node->type() == kTypeRegularFile ? kEnotcapable : kEspipe;
  uint64_t pos = 0;
  if (Errno err = e->node->seek(0, kWhenceCur, pos)) return err;
  m.st64(out, pos);
  return kOk;
}

// --- paths
Errno pathCreateDirectory(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(0), kRightPathCreateDirectory, d)) return err;
  Resolved r;
  if (Errno err = resolveArg(m, *d, a.u32(1), a.u32(2), false, r)) return err;
  if (r.name.empty()) return kEexist;
  return r.dir->mkdirAt(r.name);
}

Errno pathFilestatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(0), kRightPathFilestatGet, d)) return err;
  bool follow = a.u32(1) & kLookupSymlinkFollow;
  uint32_t out = a.u32(4);
  std::string path;
  if (Errno e = readPath(m, a.u32(2), a.u32(3), path)) return e;
  if (!m.ok(out, kFilestatSize)) return kEfault;
  Resolved r;
  if (Errno err = resolve(d->node, path, follow, r)) return err;
  vfs::Stat st;
  Errno err = r.name.empty() ? r.dir->stat(st) : r.dir->statAt(r.name, st);
  if (err) return err;
  if (r.trailing_slash && st.type != kTypeDirectory) return kEnotdir;
  writeFilestat(m, out, st);
  return kOk;
}

Errno pathFilestatSetTimes(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(0), kRightPathFilestatSetTimes, d)) return err;
  bool follow = a.u32(1) & kLookupSymlinkFollow;
  vfs::Times t;
  Resolved r;
  if (Errno err = resolveArg(m, *d, a.u32(2), a.u32(3), follow, r)) return err;
  if (!decodeTimes(a.u64(4), a.u64(5), a.u32(6), t)) return kEinval;
  return r.name.empty() ? r.dir->setTimes(t) : r.dir->setTimesAt(r.name, t);
}

Errno pathLink(State& s, const Mem& m, const Args& a) {
  FdEntry *od, *nd;
  if (Errno err = getDir(s, a.u32(0), kRightPathLinkSource, od)) return err;
  if (Errno err = getDir(s, a.u32(4), kRightPathLinkTarget, nd)) return err;
  bool follow = a.u32(1) & kLookupSymlinkFollow;
  Resolved from, to;
  if (Errno err = resolveArg(m, *od, a.u32(2), a.u32(3), follow, from)) return err;
  if (Errno err = resolveArg(m, *nd, a.u32(5), a.u32(6), false, to)) return err;
  if (from.name.empty()) return kEperm;  // a directory
  if (to.name.empty()) return kEexist;
  if (from.trailing_slash) return kEperm;
  if (to.trailing_slash) return kEnoent;
  if (from.dir->fsId() != to.dir->fsId()) return kExdev;
  return from.dir->linkAt(from.name, *to.dir, to.name);
}

Errno pathOpen(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(0), kRightPathOpen, d)) return err;
  uint32_t lookup = a.u32(1);
  uint32_t oflags = a.u32(4);
  uint64_t want = a.u64(5), want_inh = a.u64(6);
  uint32_t fdflags = a.u32(7);
  uint32_t out = a.u32(8);
  std::string path;
  if (Errno e = readPath(m, a.u32(2), a.u32(3), path)) return e;
  if (!m.ok(out, 4)) return kEfault;
  if ((oflags & ~uint32_t(kOflagsAll)) || (fdflags & ~uint32_t(kFdflagsAll))) return kEinval;
  bool creat = oflags & kOflagCreat, excl = oflags & kOflagExcl;
  bool directory = oflags & kOflagDirectory, trunc = oflags & kOflagTrunc;
  if (creat && directory) return kEinval;
  if (creat && !(d->rights & kRightPathCreateFile)) return kEnotcapable;
  if (trunc && !(d->rights & kRightPathFilestatSetSize)) return kEnotcapable;
  // The new descriptor gets only rights the directory hands down; the rest
  // of the request is dropped, as wasmtime does.
  want &= d->inheriting;
  want_inh &= d->inheriting;

  vfs::OpenFlags f;
  f.read = want & (kRightFdRead | kRightFdReaddir);
  // Only rights that need a writable descriptor open it for writing:
  // fd_datasync works on a read-only one, and a directory's own rights
  // (which a guest may ask for again when it reopens it) include it.
  f.write = (want & (kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize)) ||
            (fdflags & kFdflagAppend);
  f.create = creat;
  f.excl = excl;
  f.trunc = trunc;
  f.directory = directory;
  f.fdflags = uint16_t(fdflags);
  // A directory is never opened for writing: asking for that is EISDIR,
  // with or without O_DIRECTORY (below, and in the backends' openAt).

  // O_CREAT|O_EXCL never follows a final symlink: it must fail with EEXIST.
  bool follow = (lookup & kLookupSymlinkFollow) && !(creat && excl);
  Resolved r;
  if (Errno err = resolve(d->node, path, follow, r)) return err;
  NodePtr node;
  if (r.name.empty()) {
    if (creat && excl) return kEexist;
    if (f.write || trunc) return kEisdir;
    if (Errno err = r.dir->reopen(f, node)) return err;
  } else {
    if (r.trailing_slash) {
      vfs::Stat st;
      if (r.dir->statAt(r.name, st) != kOk) return creat ? kEisdir : kEnoent;
      f.directory = true;
      if (f.write) return kEisdir;
    }
    if (Errno err = r.dir->openAt(r.name, f, node)) return err;
  }
  FdEntry e;
  e.node = std::move(node);
  e.rights = want & rightsFor(*e.node);
  e.inheriting = want_inh;
  uint32_t fd;
  if (Errno err = s.insert(std::move(e), fd)) return err;
  m.st32(out, fd);
  return kOk;
}

Errno pathReadlink(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(0), kRightPathReadlink, d)) return err;
  uint32_t buf = a.u32(3), len = a.u32(4), out = a.u32(5);
  std::string path;
  if (Errno e = readPath(m, a.u32(1), a.u32(2), path)) return e;
  if (!m.ok(buf, len) || !m.ok(out, 4)) return kEfault;
  Resolved r;
  if (Errno err = resolve(d->node, path, false, r)) return err;
  if (r.name.empty() || r.trailing_slash) return kEinval;  // a directory, not a link
  std::string target;
  if (Errno err = r.dir->readlinkAt(r.name, target)) return err;
  // Like readlink(2), a short buffer gets a truncated target.
  size_t n = std::min<size_t>(target.size(), len);
  std::memcpy(m.at(buf), target.data(), n);
  m.st32(out, uint32_t(n));
  return kOk;
}

Errno pathRemoveDirectory(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(0), kRightPathRemoveDirectory, d)) return err;
  Resolved r;
  if (Errno err = resolveArg(m, *d, a.u32(1), a.u32(2), false, r)) return err;
  if (r.name.empty()) return kEinval;  // "." or "x/..": not removable by that name
  return r.dir->rmdirAt(r.name);
}

Errno pathRename(State& s, const Mem& m, const Args& a) {
  FdEntry *od, *nd;
  if (Errno err = getDir(s, a.u32(0), kRightPathRenameSource, od)) return err;
  if (Errno err = getDir(s, a.u32(3), kRightPathRenameTarget, nd)) return err;
  Resolved from, to;
  if (Errno err = resolveArg(m, *od, a.u32(1), a.u32(2), false, from)) return err;
  if (Errno err = resolveArg(m, *nd, a.u32(4), a.u32(5), false, to)) return err;
  if (from.name.empty() || to.name.empty()) return kEbusy;
  if (from.dir->fsId() != to.dir->fsId()) return kExdev;
  if (from.trailing_slash || to.trailing_slash) {
    vfs::Stat st;
    if (Errno err = from.dir->statAt(from.name, st)) return err;
    if (st.type != kTypeDirectory) return kEnotdir;
  }
  return from.dir->renameAt(from.name, *to.dir, to.name);
}

Errno pathSymlink(State& s, const Mem& m, const Args& a) {
  std::string target;
  if (Errno e = readPath(m, a.u32(0), a.u32(1), target)) return e;
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(2), kRightPathSymlink, d)) return err;
  if (target.find('\0') != std::string::npos) return kEilseq;
  if (target.empty()) return kEnoent;
  // An absolute target could only ever point outside the sandbox.
  if (target.front() == '/') return kEnotcapable;
  Resolved r;
  if (Errno err = resolveArg(m, *d, a.u32(3), a.u32(4), false, r)) return err;
  if (r.name.empty()) return kEexist;
  if (r.trailing_slash) {
    vfs::Stat st;
    return r.dir->statAt(r.name, st) == kOk ? kEexist : kEnoent;
  }
  return r.dir->symlinkAt(target, r.name);
}

Errno pathUnlinkFile(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (Errno err = getDir(s, a.u32(0), kRightPathUnlinkFile, d)) return err;
  Resolved r;
  if (Errno err = resolveArg(m, *d, a.u32(1), a.u32(2), false, r)) return err;
  if (r.name.empty()) return kEisdir;
  if (r.trailing_slash) return kEisdir;  // resolve() checked it is a directory
  return r.dir->unlinkAt(r.name);
}

// --- poll_oneoff
constexpr uint32_t kMaxPollSubscriptions = 1u << 16;

Errno pollOneoff(State& s, const Mem& m, const Args& a) {
  uint32_t in = a.u32(0), outp = a.u32(1), n = a.u32(2), count_ptr = a.u32(3);
  if (!m.ok(in, uint64_t(n) * kSubscriptionSize) || !m.ok(outp, uint64_t(n) * kEventSize) ||
      !m.ok(count_ptr, 4))
    return kEfault;
  if (n == 0) return kEinval;
  // Far more than anything polls at once; keeps the host's memory bounded.
  if (n > kMaxPollSubscriptions) return kEinval;

  struct Event {
    bool fired = false;
    uint64_t userdata = 0;
    Errno error = kOk;
    uint8_t type = 0;
    uint64_t nbytes = 0;
    uint16_t flags = 0;
  };
  std::vector<Event> events(n);
  struct Clock {
    uint32_t sub;
    uint64_t wait;  // nanoseconds from now
  };
  std::vector<Clock> clocks;
  std::vector<uint32_t> fd_subs;  // subscription of each pollfd
  std::vector<struct pollfd> pfds;
  bool immediate = false;

  // Read every subscription before writing any event: the arrays may overlap.
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t p = in + uint64_t(i) * kSubscriptionSize;
    Event& ev = events[i];
    ev.userdata = m.ld64(p);
    ev.type = m.ld8(p + 8);
    if (ev.type == kEventClock) {
      uint32_t id = m.ld32(p + 16);
      uint64_t timeout = m.ld64(p + 24);
      uint16_t flags = m.ld16(p + 40);
      uint64_t wait = timeout;
      if (flags & kSubclockAbstime) {
        uint64_t now = 0;
        if (Errno err = s.clockNow(id, now)) {
          ev.fired = immediate = true;
          ev.error = err;
          continue;
        }
        wait = timeout > now ? timeout - now : 0;
      } else if (id > 3) {
        ev.fired = immediate = true;
        ev.error = kEinval;
        continue;
      }
      clocks.push_back({i, wait});
    } else if (ev.type == kEventFdRead || ev.type == kEventFdWrite) {
      bool wr = ev.type == kEventFdWrite;
      FdEntry* e = s.get(m.ld32(p + 16));
      if (!e) {
        ev.fired = immediate = true;
        ev.error = kEbadf;
        continue;
      }
      if (!(e->rights & kRightPollFdReadwrite) ||
          !(e->rights & (wr ? kRightFdWrite : kRightFdRead))) {
        ev.fired = immediate = true;
        ev.error = kEnotcapable;
        continue;
      }
      int host = e->node->pollFd();
      if (host >= 0) {
        fd_subs.push_back(i);
        pfds.push_back({host, short(wr ? POLLOUT : POLLIN), 0});
        continue;
      }
      vfs::Readiness r = e->node->readiness(wr);
      if (r.ready) {
        ev.fired = immediate = true;
        ev.nbytes = r.nbytes;
        if (r.hangup) ev.flags |= kEventHangup;
      }
    } else {
      return kEinval;
    }
  }

  uint64_t wait = UINT64_MAX;
  for (const Clock& c : clocks) wait = std::min(wait, c.wait);
  if (immediate) wait = 0;

  uint64_t start = monotonicNow();
  bool fd_fired = false;
  if (pfds.empty()) {
    if (wait != UINT64_MAX) s.sleepFor(wait);
    // With nothing to wait for at all the guest would sleep forever.
    else if (!immediate) return kEinval;
  } else {
    int r;
    for (;;) {
      int ms = -1;
      if (wait != UINT64_MAX) {
        uint64_t elapsed = monotonicNow() - start;
        uint64_t left = wait > elapsed ? wait - elapsed : 0;
        ms = int(std::min<uint64_t>((left + 999999) / 1000000, INT_MAX));
      }
      r = ::poll(pfds.data(), pfds.size(), ms);
      if (r >= 0) break;
      if (errno != EINTR) return vfs::fromHostErrno(errno);
    }
    for (size_t k = 0; k < pfds.size(); ++k) {
      short re = pfds[k].revents;
      if (!re) continue;
      Event& ev = events[fd_subs[k]];
      ev.fired = fd_fired = true;
      if (re & POLLNVAL) {
        ev.error = kEbadf;
        continue;
      }
      if (re & POLLHUP) ev.flags |= kEventHangup;
      if (re & POLLERR) ev.error = kEio;
      if (ev.type == kEventFdRead) {
        int avail = 0;
        if (::ioctl(pfds[k].fd, FIONREAD, &avail) == 0 && avail > 0) ev.nbytes = uint64_t(avail);
      }
    }
  }

  if (!pfds.empty() || s.opts.clocks.sleep == nullptr) {
    uint64_t elapsed = monotonicNow() - start;
    for (const Clock& c : clocks) {
      // With no descriptor ready the earliest clock has expired, whatever
      // the rounding of poll's timeout.
      if (c.wait <= elapsed || (!immediate && !fd_fired && c.wait == wait))
        events[c.sub].fired = true;
    }
  } else {
    for (const Clock& c : clocks)
      if (c.wait <= wait) events[c.sub].fired = true;
  }

  uint32_t k = 0;
  for (const Event& ev : events) {
    if (!ev.fired) continue;
    uint64_t p = outp + uint64_t(k) * kEventSize;
    std::memset(m.at(p), 0, kEventSize);
    m.st64(p, ev.userdata);
    m.st16(p + 8, ev.error);
    m.st8(p + 10, ev.type);
    m.st64(p + 16, ev.nbytes);
    m.st16(p + 24, ev.flags);
    ++k;
  }
  m.st32(count_ptr, k);
  return kOk;
}

// --- sockets
bool isSocket(const FdEntry& e) {
  uint8_t t = e.node->type();
  return t == kTypeSocketStream || t == kTypeSocketDgram;
}

Errno sockAccept(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t flags = a.u32(1), out = a.u32(2);
  if (!m.ok(out, 4)) return kEfault;
  if (!isSocket(*e)) return kEnotsock;
  if (flags & ~uint32_t(kFdflagNonblock)) return kEinval;
  if (!(e->rights & kRightSockAccept)) return kEnotcapable;
  NodePtr conn;
  if (Errno err = e->node->accept(uint16_t(flags), conn)) return err;
  FdEntry c;
  c.node = std::move(conn);
  c.rights = kSocketRights & ~kRightSockAccept;
  c.inheriting = 0;
  uint32_t fd;
  if (Errno err = s.insert(std::move(c), fd)) return err;
  m.st32(out, fd);
  return kOk;
}

Errno sockRecv(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t riflags = a.u32(3), out_len = a.u32(4), out_flags = a.u32(5);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out_len, 4) || !m.ok(out_flags, 2)) return kEfault;
  if (!isSocket(*e)) return kEnotsock;
  if (riflags & ~uint32_t(kRiflagRecvPeek | kRiflagRecvWaitall)) return kEinval;
  if (!(e->rights & kRightFdRead)) return kEnotcapable;
  size_t n = 0;
  uint16_t ro = 0;
  if (Errno err = e->node->recv(iov, uint16_t(riflags), n, ro)) return err;
  m.st32(out_len, uint32_t(n));
  m.st16(out_flags, ro);
  return kOk;
}

Errno sockSend(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t siflags = a.u32(3), out = a.u32(4);
  std::vector<Iov> iov;
  if (Errno err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  if (!m.ok(out, 4)) return kEfault;
  if (!isSocket(*e)) return kEnotsock;
  if (siflags != 0) return kEinval;  // no send flags are defined
  if (!(e->rights & kRightFdWrite)) return kEnotcapable;
  size_t n = 0;
  if (Errno err = e->node->send(iov, n)) return err;
  m.st32(out, uint32_t(n));
  return kOk;
}

Errno sockShutdown(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t how = a.u32(1);
  if (!isSocket(*e)) return kEnotsock;
  if (how == 0 || (how & ~uint32_t(kSdflagRd | kSdflagWr))) return kEinval;
  if (!(e->rights & kRightSockShutdown)) return kEnotcapable;
  return e->node->shutdown(uint8_t(how));
}

// ---------------------------------------------------------------------------
// 5. Registration

using Handler = Errno (*)(State&, const Mem&, const Args&);
struct Def {
  const char* name;
  const char* params;  // 'i' = i32, 'I' = i64; the result is one i32 errno
  Handler fn;
};

constexpr Def kDefs[] = {
    {"args_get", "ii", argsGet},
    {"args_sizes_get", "ii", argsSizesGet},
    {"environ_get", "ii", environGet},
    {"environ_sizes_get", "ii", environSizesGet},
    {"clock_res_get", "ii", clockResGet},
    {"clock_time_get", "iIi", clockTimeGet},
    {"fd_advise", "iIIi", fdAdvise},
    {"fd_allocate", "iII", fdAllocate},
    {"fd_close", "i", fdClose},
    {"fd_datasync", "i", fdDatasync},
    {"fd_fdstat_get", "ii", fdFdstatGet},
    {"fd_fdstat_set_flags", "ii", fdFdstatSetFlags},
    {"fd_fdstat_set_rights", "iII", fdFdstatSetRights},
    {"fd_filestat_get", "ii", fdFilestatGet},
    {"fd_filestat_set_size", "iI", fdFilestatSetSize},
    {"fd_filestat_set_times", "iIIi", fdFilestatSetTimes},
    {"fd_pread", "iiiIi", fdPread},
    {"fd_prestat_get", "ii", fdPrestatGet},
    {"fd_prestat_dir_name", "iii", fdPrestatDirName},
    {"fd_pwrite", "iiiIi", fdPwrite},
    {"fd_read", "iiii", fdRead},
    {"fd_readdir", "iiiIi", fdReaddir},
    {"fd_renumber", "ii", fdRenumber},
    {"fd_seek", "iIii", fdSeek},
    {"fd_sync", "i", fdSync},
    {"fd_tell", "ii", fdTell},
    {"fd_write", "iiii", fdWrite},
    {"path_create_directory", "iii", pathCreateDirectory},
    {"path_filestat_get", "iiiii", pathFilestatGet},
    {"path_filestat_set_times", "iiiiIIi", pathFilestatSetTimes},
    {"path_link", "iiiiiii", pathLink},
    {"path_open", "iiiiiIIii", pathOpen},
    {"path_readlink", "iiiiii", pathReadlink},
    {"path_remove_directory", "iii", pathRemoveDirectory},
    {"path_rename", "iiiiii", pathRename},
    {"path_symlink", "iiiii", pathSymlink},
    {"path_unlink_file", "iii", pathUnlinkFile},
    {"poll_oneoff", "iiii", pollOneoff},
    {"sched_yield", "", schedYield},
    {"random_get", "ii", randomGet},
    {"sock_accept", "iii", sockAccept},
    {"sock_recv", "iiiiii", sockRecv},
    {"sock_send", "iiiii", sockSend},
    {"sock_shutdown", "ii", sockShutdown},
};

const char* const kSignalNames[] = {
    "NONE", "HUP",  "INT",  "QUIT", "ILL",  "TRAP", "ABRT", "BUS",    "FPE",  "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM", "CHLD", "CONT", "STOP",   "TSTP", "TTIN", "TTOU",
    "URG",  "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS"};

// proc_raise: signals whose default action is to be ignored (and signal 0)
// do nothing; the stop signals are not supported; every other signal ends
// the guest as a signal ends a process, with exit status 128 + the signal.
std::optional<Trap> procRaise(std::span<const Value> args, std::span<Value> results) {
  uint32_t sig = uint32_t(args[0].bits);
  if (sig > 30) {
    results[0] = Value::i32(kEinval);
    return std::nullopt;
  }
  switch (sig) {
    case 0:   // none
    case 16:  // CHLD
    case 17:  // CONT
    case 22:  // URG
    case 27:  // WINCH
      results[0] = Value::i32(kOk);
      return std::nullopt;
    case 18: case 19: case 20: case 21:  // STOP, TSTP, TTIN, TTOU
      results[0] = Value::i32(kEnotsup);
      return std::nullopt;
    default: {
      Trap t = Trap::exit(int(128 + sig));
      t.message = std::string("guest raised SIG") + kSignalNames[sig];
      return t;
    }
  }
}

FdEntry streamEntry(NodePtr node, uint64_t drop) {
  FdEntry e;
  e.node = std::move(node);
  e.rights = rightsFor(*e.node);
  if (e.node->type() == kTypeDirectory) e.rights = kStreamRights;
  e.rights &= ~drop;
  return e;
}

}  // namespace

// ---------------------------------------------------------------------------
// Context and helpers

void Options::inheritEnv() {
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
}

Clocks deterministicClocks(uint64_t realtime_start_ns) {
  auto t = std::make_shared<uint64_t>(0);
  Clocks c;
  c.now = [t, realtime_start_ns](ClockId id) {
    *t += 1000;
    return id == ClockId::Realtime ? realtime_start_ns + *t : *t;
  };
  c.resolution = [](ClockId) -> uint64_t { return 1000; };
  c.sleep = [t](uint64_t ns) { *t += ns; };
  return c;
}

Random deterministicRandom(uint64_t seed) {
  auto state = std::make_shared<uint64_t>(seed ? seed : 0x9e3779b97f4a7c15ull);
  return [state](std::span<uint8_t> buf) {
    for (uint8_t& b : buf) {
      uint64_t x = *state;
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      *state = x;
      b = uint8_t(x >> 24);
    }
  };
}

Context::Context(Options opts) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.opts = std::move(opts);
  Options& o = s.opts;
  bool in_virtual = o.in.kind != Stdio::Kind::Inherit;
  bool out_virtual = o.out.kind != Stdio::Kind::Inherit;
  bool err_virtual = o.err.kind != Stdio::Kind::Inherit;
  bool in_null = o.in.kind == Stdio::Kind::Null;
  s.add(streamEntry(vfs::makeInputStream(o.in), in_virtual && !in_null ? kRightFdWrite : 0));
  s.add(streamEntry(vfs::makeOutputStream(o.out, &s.stdout_buf), out_virtual ? kRightFdRead : 0));
  s.add(streamEntry(vfs::makeOutputStream(o.err, &s.stderr_buf), err_virtual ? kRightFdRead : 0));

  auto addPreopen = [&](NodePtr dir, const std::string& guest) {
    FdEntry e;
    e.node = std::move(dir);
    e.preopen = true;
    e.guest_path = guest;
    e.rights = kDirRights;
    e.inheriting = kDirRights | kFileRights;
    s.add(std::move(e));
  };
  auto fail = [&](const std::string& msg) {
    if (!s.error.empty()) s.error += '\n';
    s.error += msg;
  };
  for (const auto& [host, guest] : o.preopens) {
    std::string err;
    if (NodePtr dir = vfs::openHostDir(host, err)) addPreopen(std::move(dir), guest);
    else fail(err);
  }
  for (const Preopen& p : o.mounts) {
    if (p.memfs) {
      if (NodePtr dir = vfs::memFsDir(implOf(*p.memfs), p.memfs_dir)) addPreopen(std::move(dir), p.guest_path);
      else fail("in-memory filesystem has no directory '" + p.memfs_dir + "'");
      continue;
    }
    std::string err;
    if (NodePtr dir = vfs::openHostDir(p.host_dir, err)) addPreopen(std::move(dir), p.guest_path);
    else fail(err);
  }
  // Sockets come after the preopens: wasi-libc looks for preopens from fd 3
  // up and stops at the first descriptor that is not one.
  for (int fd : o.sockets) {
    FdEntry e;
    e.node = vfs::wrapHostFd(fd, true);
    e.rights = kSocketRights;
    s.add(std::move(e));
  }
}

Context::~Context() = default;
Context::State& stateOf(Context& ctx) { return *ctx.state_; }

const std::string& Context::error() const { return state_->error; }
const Options& Context::options() const { return state_->opts; }
const std::string& Context::stdoutData() const { return state_->stdout_buf; }
const std::string& Context::stderrData() const { return state_->stderr_buf; }
std::optional<int> Context::exitCode() const { return state_->exit_code; }

std::unique_ptr<Context> addToLinker(Linker& linker, Store& store, Options opts) {
  auto ctx = std::make_unique<Context>(std::move(opts));
  State* st = &stateOf(*ctx);
  const std::string prefix = std::string(kModuleName) + ".";
  for (const Def& d : kDefs) {
    FuncType type;
    for (const char* c = d.params; *c; ++c)
      type.params.push_back(*c == 'I' ? ValType::I64 : ValType::I32);
    type.results.push_back(ValType::I32);
    Handler fn = d.fn;
    HostFn host = [st, fn](Caller& caller, std::span<const Value> args,
                           std::span<Value> results) -> std::optional<Trap> {
      Mem m;
      if (Memory* mem = caller.memory()) {
        m.base = mem->data();
        m.size = mem->data() ? mem->size() : 0;
      }
      results[0] = Value::i32(int32_t(fn(*st, m, Args{args})));
      return std::nullopt;
    };
    Func* f = store.createHostFunc(type, std::move(host), prefix + d.name);
    linker.define(kModuleName, d.name, Extern(f));
  }
  // proc_exit has no result: it unwinds the guest with an Exit trap.
  Func* exit_fn = store.createHostFunc(
      FuncType{{ValType::I32}, {}},
      [st](Caller&, std::span<const Value> args, std::span<Value>) -> std::optional<Trap> {
        st->exit_code = int(uint32_t(args[0].bits));
        return Trap::exit(*st->exit_code);
      },
      prefix + "proc_exit");
  linker.define(kModuleName, "proc_exit", Extern(exit_fn));
  Func* raise_fn = store.createHostFunc(
      FuncType{{ValType::I32}, {ValType::I32}},
      [st](Caller&, std::span<const Value> args, std::span<Value> results) {
        std::optional<Trap> t = procRaise(args, results);
        if (t && t->kind == TrapKind::Exit) st->exit_code = t->exit_code;
        return t;
      },
      prefix + "proc_raise");
  linker.define(kModuleName, "proc_raise", Extern(raise_fn));
  return ctx;
}

}  // namespace tern::wasi
