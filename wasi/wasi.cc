// WASI preview1 on POSIX hosts (Linux first; other Unixes fall back to a
// component-by-component path walk where openat2(2) is missing).
//
// Layout of this file:
//   1. constants of the preview1 ABI (errno, rights, flags, struct offsets)
//   2. guest-memory access (every pointer and length checked)
//   3. the fd table and sandboxed path resolution
//   4. one handler per import, and the table that registers them
#include "wasi/wasi.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#if defined(__linux__)
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/syscall.h>
#endif

namespace tern::wasi {
namespace {

// ---------------------------------------------------------------------------
// 1. ABI constants (values from wasi/api.h of wasi-libc)

// errno: the WASI numbering is alphabetical, unlike the host's.
constexpr uint16_t kOk = 0;
constexpr uint16_t kE2big = 1;
constexpr uint16_t kEacces = 2;
constexpr uint16_t kEaddrinuse = 3;
constexpr uint16_t kEaddrnotavail = 4;
constexpr uint16_t kEafnosupport = 5;
constexpr uint16_t kEagain = 6;
constexpr uint16_t kEalready = 7;
constexpr uint16_t kEbadf = 8;
constexpr uint16_t kEbadmsg = 9;
constexpr uint16_t kEbusy = 10;
constexpr uint16_t kEcanceled = 11;
constexpr uint16_t kEchild = 12;
constexpr uint16_t kEconnaborted = 13;
constexpr uint16_t kEconnrefused = 14;
constexpr uint16_t kEconnreset = 15;
constexpr uint16_t kEdeadlk = 16;
constexpr uint16_t kEdestaddrreq = 17;
constexpr uint16_t kEdom = 18;
constexpr uint16_t kEdquot = 19;
constexpr uint16_t kEexist = 20;
constexpr uint16_t kEfault = 21;
constexpr uint16_t kEfbig = 22;
constexpr uint16_t kEhostunreach = 23;
constexpr uint16_t kEidrm = 24;
constexpr uint16_t kEilseq = 25;
constexpr uint16_t kEinprogress = 26;
constexpr uint16_t kEintr = 27;
constexpr uint16_t kEinval = 28;
constexpr uint16_t kEio = 29;
constexpr uint16_t kEisconn = 30;
constexpr uint16_t kEisdir = 31;
constexpr uint16_t kEloop = 32;
constexpr uint16_t kEmfile = 33;
constexpr uint16_t kEmlink = 34;
constexpr uint16_t kEmsgsize = 35;
constexpr uint16_t kEmultihop = 36;
constexpr uint16_t kEnametoolong = 37;
constexpr uint16_t kEnetdown = 38;
constexpr uint16_t kEnetreset = 39;
constexpr uint16_t kEnetunreach = 40;
constexpr uint16_t kEnfile = 41;
constexpr uint16_t kEnobufs = 42;
constexpr uint16_t kEnodev = 43;
constexpr uint16_t kEnoent = 44;
constexpr uint16_t kEnoexec = 45;
constexpr uint16_t kEnolck = 46;
constexpr uint16_t kEnolink = 47;
constexpr uint16_t kEnomem = 48;
constexpr uint16_t kEnomsg = 49;
constexpr uint16_t kEnoprotoopt = 50;
constexpr uint16_t kEnospc = 51;
constexpr uint16_t kEnosys = 52;
constexpr uint16_t kEnotconn = 53;
constexpr uint16_t kEnotdir = 54;
constexpr uint16_t kEnotempty = 55;
constexpr uint16_t kEnotrecoverable = 56;
constexpr uint16_t kEnotsock = 57;
constexpr uint16_t kEnotsup = 58;
constexpr uint16_t kEnotty = 59;
constexpr uint16_t kEnxio = 60;
constexpr uint16_t kEoverflow = 61;
constexpr uint16_t kEownerdead = 62;
constexpr uint16_t kEperm = 63;
constexpr uint16_t kEpipe = 64;
constexpr uint16_t kEproto = 65;
constexpr uint16_t kEprotonosupport = 66;
constexpr uint16_t kEprototype = 67;
constexpr uint16_t kErange = 68;
constexpr uint16_t kErofs = 69;
constexpr uint16_t kEspipe = 70;
constexpr uint16_t kEsrch = 71;
constexpr uint16_t kEstale = 72;
constexpr uint16_t kEtimedout = 73;
constexpr uint16_t kEtxtbsy = 74;
constexpr uint16_t kExdev = 75;
constexpr uint16_t kEnotcapable = 76;

uint16_t fromHostErrno(int e) {
  switch (e) {
    case 0: return kOk;
    case E2BIG: return kE2big;
    case EACCES: return kEacces;
    case EADDRINUSE: return kEaddrinuse;
    case EADDRNOTAVAIL: return kEaddrnotavail;
    case EAFNOSUPPORT: return kEafnosupport;
    case EAGAIN: return kEagain;
    case EALREADY: return kEalready;
    case EBADF: return kEbadf;
    case EBADMSG: return kEbadmsg;
    case EBUSY: return kEbusy;
    case ECANCELED: return kEcanceled;
    case ECHILD: return kEchild;
    case ECONNABORTED: return kEconnaborted;
    case ECONNREFUSED: return kEconnrefused;
    case ECONNRESET: return kEconnreset;
    case EDEADLK: return kEdeadlk;
    case EDESTADDRREQ: return kEdestaddrreq;
    case EDOM: return kEdom;
    case EDQUOT: return kEdquot;
    case EEXIST: return kEexist;
    case EFAULT: return kEfault;
    case EFBIG: return kEfbig;
    case EHOSTUNREACH: return kEhostunreach;
    case EIDRM: return kEidrm;
    case EILSEQ: return kEilseq;
    case EINPROGRESS: return kEinprogress;
    case EINTR: return kEintr;
    case EINVAL: return kEinval;
    case EIO: return kEio;
    case EISCONN: return kEisconn;
    case EISDIR: return kEisdir;
    case ELOOP: return kEloop;
    case EMFILE: return kEmfile;
    case EMLINK: return kEmlink;
    case EMSGSIZE: return kEmsgsize;
    case EMULTIHOP: return kEmultihop;
    case ENAMETOOLONG: return kEnametoolong;
    case ENETDOWN: return kEnetdown;
    case ENETRESET: return kEnetreset;
    case ENETUNREACH: return kEnetunreach;
    case ENFILE: return kEnfile;
    case ENOBUFS: return kEnobufs;
    case ENODEV: return kEnodev;
    case ENOENT: return kEnoent;
    case ENOEXEC: return kEnoexec;
    case ENOLCK: return kEnolck;
    case ENOLINK: return kEnolink;
    case ENOMEM: return kEnomem;
    case ENOMSG: return kEnomsg;
    case ENOPROTOOPT: return kEnoprotoopt;
    case ENOSPC: return kEnospc;
    case ENOSYS: return kEnosys;
    case ENOTCONN: return kEnotconn;
    case ENOTDIR: return kEnotdir;
    case ENOTEMPTY: return kEnotempty;
    case ENOTRECOVERABLE: return kEnotrecoverable;
    case ENOTSOCK: return kEnotsock;
    case ENOTSUP: return kEnotsup;
    case ENOTTY: return kEnotty;
    case ENXIO: return kEnxio;
    case EOVERFLOW: return kEoverflow;
    case EOWNERDEAD: return kEownerdead;
    case EPERM: return kEperm;
    case EPIPE: return kEpipe;
    case EPROTO: return kEproto;
    case EPROTONOSUPPORT: return kEprotonosupport;
    case EPROTOTYPE: return kEprototype;
    case ERANGE: return kErange;
    case EROFS: return kErofs;
    case ESPIPE: return kEspipe;
    case ESRCH: return kEsrch;
    case ESTALE: return kEstale;
    case ETIMEDOUT: return kEtimedout;
    case ETXTBSY: return kEtxtbsy;
    case EXDEV: return kExdev;
    default: return kEio;
  }
}
uint16_t lastError() { return fromHostErrno(errno); }

// rights
constexpr uint64_t kRightFdDatasync = 1ull << 0;
constexpr uint64_t kRightFdRead = 1ull << 1;
constexpr uint64_t kRightFdSeek = 1ull << 2;
constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
constexpr uint64_t kRightFdSync = 1ull << 4;
constexpr uint64_t kRightFdTell = 1ull << 5;
constexpr uint64_t kRightFdWrite = 1ull << 6;
constexpr uint64_t kRightFdAdvise = 1ull << 7;
constexpr uint64_t kRightFdAllocate = 1ull << 8;
constexpr uint64_t kRightPathCreateDirectory = 1ull << 9;
constexpr uint64_t kRightPathCreateFile = 1ull << 10;
constexpr uint64_t kRightPathLinkSource = 1ull << 11;
constexpr uint64_t kRightPathLinkTarget = 1ull << 12;
constexpr uint64_t kRightPathOpen = 1ull << 13;
constexpr uint64_t kRightFdReaddir = 1ull << 14;
constexpr uint64_t kRightPathReadlink = 1ull << 15;
constexpr uint64_t kRightPathRenameSource = 1ull << 16;
constexpr uint64_t kRightPathRenameTarget = 1ull << 17;
constexpr uint64_t kRightPathFilestatGet = 1ull << 18;
constexpr uint64_t kRightPathFilestatSetSize = 1ull << 19;
constexpr uint64_t kRightPathFilestatSetTimes = 1ull << 20;
constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
constexpr uint64_t kRightFdFilestatSetSize = 1ull << 22;
constexpr uint64_t kRightFdFilestatSetTimes = 1ull << 23;
constexpr uint64_t kRightPathSymlink = 1ull << 24;
constexpr uint64_t kRightPathRemoveDirectory = 1ull << 25;
constexpr uint64_t kRightPathUnlinkFile = 1ull << 26;
constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;

// What each kind of descriptor can do at all.
constexpr uint64_t kFileRights =
    kRightFdDatasync | kRightFdRead | kRightFdSeek | kRightFdFdstatSetFlags | kRightFdSync |
    kRightFdTell | kRightFdWrite | kRightFdAdvise | kRightFdAllocate | kRightFdFilestatGet |
    kRightFdFilestatSetSize | kRightFdFilestatSetTimes | kRightPollFdReadwrite;
constexpr uint64_t kDirRights =
    kRightFdDatasync | kRightFdFdstatSetFlags | kRightFdSync | kRightPathCreateDirectory |
    kRightPathCreateFile | kRightPathLinkSource | kRightPathLinkTarget | kRightPathOpen |
    kRightFdReaddir | kRightPathReadlink | kRightPathRenameSource | kRightPathRenameTarget |
    kRightPathFilestatGet | kRightPathFilestatSetSize | kRightPathFilestatSetTimes |
    kRightFdFilestatGet | kRightFdFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile | kRightPollFdReadwrite;
// A terminal has no seek/tell rights: that is how wasi-libc's isatty() tells.
constexpr uint64_t kStreamRights =
    kRightFdRead | kRightFdWrite | kRightFdFdstatSetFlags | kRightFdFilestatGet |
    kRightPollFdReadwrite;

// filetype
constexpr uint8_t kTypeUnknown = 0;
constexpr uint8_t kTypeBlockDevice = 1;
constexpr uint8_t kTypeCharDevice = 2;
constexpr uint8_t kTypeDirectory = 3;
constexpr uint8_t kTypeRegularFile = 4;
// 5 is socket_dgram: host sockets are all reported as streams for now
constexpr uint8_t kTypeSocketStream = 6;
constexpr uint8_t kTypeSymlink = 7;

// fdflags
constexpr uint16_t kFdflagAppend = 1 << 0;
constexpr uint16_t kFdflagDsync = 1 << 1;
constexpr uint16_t kFdflagNonblock = 1 << 2;
constexpr uint16_t kFdflagRsync = 1 << 3;
constexpr uint16_t kFdflagSync = 1 << 4;

// oflags
constexpr uint16_t kOflagCreat = 1 << 0;
constexpr uint16_t kOflagDirectory = 1 << 1;
constexpr uint16_t kOflagExcl = 1 << 2;
constexpr uint16_t kOflagTrunc = 1 << 3;

// lookupflags
constexpr uint32_t kLookupSymlinkFollow = 1 << 0;

// fstflags
constexpr uint16_t kFstAtim = 1 << 0;
constexpr uint16_t kFstAtimNow = 1 << 1;
constexpr uint16_t kFstMtim = 1 << 2;
constexpr uint16_t kFstMtimNow = 1 << 3;

// event types and flags
constexpr uint8_t kEventClock = 0;
constexpr uint8_t kEventFdRead = 1;
constexpr uint8_t kEventFdWrite = 2;
constexpr uint16_t kEventHangup = 1 << 0;
constexpr uint16_t kSubclockAbstime = 1 << 0;

// struct sizes
constexpr uint32_t kIovecSize = 8;
constexpr uint32_t kFdstatSize = 24;
constexpr uint32_t kFilestatSize = 64;
constexpr uint32_t kPrestatSize = 8;
constexpr uint32_t kDirentHeaderSize = 24;
constexpr uint32_t kSubscriptionSize = 48;
constexpr uint32_t kEventSize = 32;

// ---------------------------------------------------------------------------
// 2. Guest memory. Wasm is little-endian whatever the host is.
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

uint8_t fileTypeOf(mode_t mode) {
  if (S_ISREG(mode)) return kTypeRegularFile;
  if (S_ISDIR(mode)) return kTypeDirectory;
  if (S_ISCHR(mode)) return kTypeCharDevice;
  if (S_ISBLK(mode)) return kTypeBlockDevice;
  if (S_ISLNK(mode)) return kTypeSymlink;
  if (S_ISSOCK(mode)) return kTypeSocketStream;
  return kTypeUnknown;  // fifos have no WASI type
}

uint8_t fileTypeOfDirent(unsigned char t) {
  switch (t) {
    case DT_REG: return kTypeRegularFile;
    case DT_DIR: return kTypeDirectory;
    case DT_CHR: return kTypeCharDevice;
    case DT_BLK: return kTypeBlockDevice;
    case DT_LNK: return kTypeSymlink;
    case DT_SOCK: return kTypeSocketStream;
    default: return kTypeUnknown;
  }
}

// The rights a descriptor of this kind can ever have.
uint64_t rightsForType(int host, uint8_t type) {
  switch (type) {
    case kTypeRegularFile:
    case kTypeBlockDevice: return kFileRights;
    case kTypeDirectory: return kDirRights;
    case kTypeCharDevice: return isatty(host) ? kStreamRights : kFileRights;
    default: return kStreamRights;
  }
}

void writeFilestat(const Mem& m, uint32_t p, const struct stat& st) {
  std::memset(m.at(p), 0, kFilestatSize);
  m.st64(p + 0, uint64_t(st.st_dev));
  m.st64(p + 8, uint64_t(st.st_ino));
  m.st8(p + 16, fileTypeOf(st.st_mode));
  m.st64(p + 24, uint64_t(st.st_nlink));
  m.st64(p + 32, uint64_t(st.st_size));
  m.st64(p + 40, toNanos(st.st_atim));
  m.st64(p + 48, toNanos(st.st_mtim));
  m.st64(p + 56, toNanos(st.st_ctim));
}

// Closes a host fd when it goes out of scope.
struct HostFd {
  int fd = -1;
  HostFd() = default;
  explicit HostFd(int f) : fd(f) {}
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  ~HostFd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

// ---------------------------------------------------------------------------
// 3. The fd table and path resolution
struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  uint8_t type = kTypeUnknown;
};

struct FdEntry {
  int host = -1;
  bool own = false;      // close `host` when the entry goes away
  bool preopen = false;  // a preopened directory; guest_path is its name
  std::string guest_path;
  uint8_t type = kTypeUnknown;
  uint64_t rights = 0, inheriting = 0;
  std::vector<DirEntry> listing;  // fd_readdir snapshot, refreshed at cookie 0
  bool listed = false;
};

struct Context::State {
  Options opts;
  std::string error;
  std::map<uint32_t, FdEntry> fds;
  bool use_openat2 = true;

  ~State() {
    for (auto& [n, e] : fds)
      if (e.own && e.host >= 0) ::close(e.host);
  }

  FdEntry* get(uint32_t fd) {
    auto it = fds.find(fd);
    return it == fds.end() ? nullptr : &it->second;
  }
  uint32_t freeFd() const {
    uint32_t n = 0;
    for (const auto& [k, e] : fds) {
      if (k != n) break;
      ++n;
    }
    return n;
  }
};

namespace {
using State = Context::State;

// Looks up a directory descriptor for a path operation.
uint16_t dirFd(State& s, uint32_t fd, FdEntry*& out) {
  out = s.get(fd);
  if (!out) return kEbadf;
  if (out->type != kTypeDirectory) return kEnotdir;
  return kOk;
}

// Lexical check of a guest path: relative, no NUL, and no `..` that climbs
// above the starting directory. The kernel then resolves it beneath the
// directory (openat2 RESOLVE_BENEATH), which also catches symlinks.
uint16_t checkPath(std::string_view path) {
  if (path.empty()) return kEnoent;
  if (path.find('\0') != std::string_view::npos) return kEilseq;
  if (path.front() == '/') return kEnotcapable;
  int depth = 0;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (--depth < 0) return kEnotcapable;
    } else if (!part.empty() && part != ".") {
      ++depth;
    }
    i = j + 1;
  }
  return kOk;
}

// Fallback walk without openat2: each component is opened with O_NOFOLLOW,
// so symlinks are never followed, and `..` is applied lexically.
int walkBeneath(int dirfd, std::string_view path, int flags, mode_t mode) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "..") {
      if (parts.empty()) {
        errno = EXDEV;
        return -1;
      }
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    i = j + 1;
  }
  if (!path.empty() && path.back() == '/' && !(flags & O_CREAT)) flags |= O_DIRECTORY;
  if (parts.empty()) return ::openat(dirfd, ".", flags | O_CLOEXEC, mode);
  int cur = dirfd;
  for (size_t k = 0; k + 1 < parts.size(); ++k) {
    int next = ::openat(cur, parts[k].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int saved = errno;
    if (cur != dirfd) ::close(cur);
    if (next < 0) {
      errno = saved;  // a symlink here fails with ENOTDIR: never followed
      return -1;
    }
    cur = next;
  }
  int fd = ::openat(cur, parts.back().c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  int saved = errno;
  if (cur != dirfd) ::close(cur);
  errno = saved;
  return fd;
}

// Opens `path` beneath the directory `dirfd`. Returns a host fd, or -1 with
// `err` set to a WASI errno.
int openBeneath(State& s, int dirfd, std::string_view path, int flags, mode_t mode, bool follow,
                uint16_t& err) {
  err = checkPath(path);
  if (err != kOk) return -1;
  std::string p(path);
  if (!follow) flags |= O_NOFOLLOW;
#if defined(__linux__) && defined(SYS_openat2) && !defined(TERN_WASI_NO_OPENAT2)
  if (s.use_openat2) {
    struct open_how how;
    std::memset(&how, 0, sizeof how);
    how.flags = uint64_t(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (;;) {
      long fd = ::syscall(SYS_openat2, dirfd, p.c_str(), &how, sizeof how);
      if (fd >= 0) return int(fd);
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == ENOSYS) {
        s.use_openat2 = false;
        break;
      }
      err = errno == EXDEV ? kEnotcapable : lastError();
      return -1;
    }
  }
#endif
  int fd = walkBeneath(dirfd, p, flags, mode);
  if (fd < 0) err = errno == EXDEV ? kEnotcapable : lastError();
  return fd;
}

// The directory holding the last component of a path, and that component.
struct Parent {
  HostFd dir;
  std::string name;  // keeps a trailing '/' if the path had one
};

uint16_t openParent(State& s, const FdEntry& base, std::string_view path, Parent& out) {
  uint16_t err = checkPath(path);
  if (err != kOk) return err;
  size_t end = path.size();
  while (end > 0 && path[end - 1] == '/') --end;
  size_t slash = path.rfind('/', end == 0 ? 0 : end - 1);
  std::string_view dir, last;
  if (slash == std::string_view::npos || slash >= end) {
    dir = ".";
    last = path.substr(0, end);
  } else {
    dir = path.substr(0, slash + 1);
    last = path.substr(slash + 1, end - slash - 1);
  }
  // "." and ".." as the final component would let `link/..` step out of a
  // directory that a symlink resolved to; nothing needs them here.
  if (last == "." || last == "..") return kEinval;
  int fd = openBeneath(s, base.host, dir, O_PATH | O_DIRECTORY, 0, true, err);
  if (fd < 0) return err;
  out.dir.fd = fd;
  out.name = std::string(path.substr(slash == std::string_view::npos ? 0 : slash + 1));
  return kOk;
}

bool readString(const Mem& m, uint32_t ptr, uint32_t len, std::string& out) {
  if (!m.ok(ptr, len)) return false;
  out.assign(reinterpret_cast<const char*>(m.at(ptr)), len);
  return true;
}

// Reads an iovec array (buf, len pairs) and checks every buffer.
uint16_t gatherIovs(const Mem& m, uint32_t iovs, uint32_t count, std::vector<struct iovec>& out) {
  if (!m.ok(iovs, uint64_t(count) * kIovecSize)) return kEfault;
  out.clear();
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t buf = m.ld32(iovs + uint64_t(i) * kIovecSize);
    uint32_t len = m.ld32(iovs + uint64_t(i) * kIovecSize + 4);
    if (!m.ok(buf, len)) return kEfault;
    if (len == 0 || out.size() >= IOV_MAX) continue;  // a short transfer is allowed
    out.push_back({m.at(buf), len});
  }
  return kOk;
}

// ---------------------------------------------------------------------------
// 4. Handlers. Each returns a WASI errno.

uint16_t writeStrings(const Mem& m, const std::vector<std::string>& list, uint32_t ptrs,
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

uint16_t writeSizes(const Mem& m, const std::vector<std::string>& list, uint32_t count_ptr,
                    uint32_t size_ptr) {
  if (!m.ok(count_ptr, 4) || !m.ok(size_ptr, 4)) return kEfault;
  uint64_t total = 0;
  for (const auto& s : list) total += s.size() + 1;
  if (total > UINT32_MAX) return kEoverflow;
  m.st32(count_ptr, uint32_t(list.size()));
  m.st32(size_ptr, uint32_t(total));
  return kOk;
}

uint16_t argsGet(State& s, const Mem& m, const Args& a) {
  return writeStrings(m, s.opts.args, a.u32(0), a.u32(1));
}
uint16_t argsSizesGet(State& s, const Mem& m, const Args& a) {
  return writeSizes(m, s.opts.args, a.u32(0), a.u32(1));
}
uint16_t environGet(State& s, const Mem& m, const Args& a) {
  return writeStrings(m, s.opts.env, a.u32(0), a.u32(1));
}
uint16_t environSizesGet(State& s, const Mem& m, const Args& a) {
  return writeSizes(m, s.opts.env, a.u32(0), a.u32(1));
}

uint16_t clockResGet(State&, const Mem& m, const Args& a) {
  clockid_t id;
  if (!hostClock(a.u32(0), id)) return kEinval;
  uint32_t out = a.u32(1);
  if (!m.ok(out, 8)) return kEfault;
  struct timespec ts;
  if (clock_getres(id, &ts) != 0) return lastError();
  m.st64(out, toNanos(ts));
  return kOk;
}

uint16_t clockTimeGet(State&, const Mem& m, const Args& a) {
  clockid_t id;
  if (!hostClock(a.u32(0), id)) return kEinval;
  uint32_t out = a.u32(2);
  if (!m.ok(out, 8)) return kEfault;
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0) return lastError();
  m.st64(out, toNanos(ts));
  return kOk;
}

uint16_t fdAdvise(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint64_t off = a.u64(1), len = a.u64(2);
  if (off > uint64_t(INT64_MAX) || len > uint64_t(INT64_MAX)) return kEinval;
  int advice;
  switch (a.u32(3)) {
    case 0: advice = POSIX_FADV_NORMAL; break;
    case 1: advice = POSIX_FADV_SEQUENTIAL; break;
    case 2: advice = POSIX_FADV_RANDOM; break;
    case 3: advice = POSIX_FADV_WILLNEED; break;
    case 4: advice = POSIX_FADV_DONTNEED; break;
    case 5: advice = POSIX_FADV_NOREUSE; break;
    default: return kEinval;
  }
  if (e->type == kTypeDirectory) return kEbadf;
  return fromHostErrno(posix_fadvise(e->host, off_t(off), off_t(len), advice));
}

uint16_t fdAllocate(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint64_t off = a.u64(1), len = a.u64(2);
  if (off > uint64_t(INT64_MAX) || len > uint64_t(INT64_MAX)) return kEinval;
  if (e->type == kTypeDirectory) return kEbadf;
  return fromHostErrno(posix_fallocate(e->host, off_t(off), off_t(len)));
}

uint16_t fdClose(State& s, const Mem&, const Args& a) {
  auto it = s.fds.find(a.u32(0));
  if (it == s.fds.end()) return kEbadf;
  if (it->second.own && it->second.host >= 0) ::close(it->second.host);
  s.fds.erase(it);
  return kOk;
}

uint16_t fdDatasync(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  return ::fdatasync(e->host) == 0 ? kOk : lastError();
}

uint16_t fdSync(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  return ::fsync(e->host) == 0 ? kOk : lastError();
}

uint16_t fdFdstatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t out = a.u32(1);
  if (!m.ok(out, kFdstatSize)) return kEfault;
  uint16_t flags = 0;
  int fl = ::fcntl(e->host, F_GETFL);
  if (fl >= 0) {
    if (fl & O_APPEND) flags |= kFdflagAppend;
    if (fl & O_NONBLOCK) flags |= kFdflagNonblock;
#ifdef O_DSYNC
    if (fl & O_DSYNC) flags |= kFdflagDsync;
#endif
    if ((fl & O_SYNC) == O_SYNC) flags |= kFdflagSync;
#if defined(O_RSYNC) && O_RSYNC != O_SYNC
    if (fl & O_RSYNC) flags |= kFdflagRsync;
#endif
  }
  std::memset(m.at(out), 0, kFdstatSize);
  m.st8(out + 0, e->type);
  m.st16(out + 2, flags);
  m.st64(out + 8, e->rights);
  m.st64(out + 16, e->inheriting);
  return kOk;
}

uint16_t fdFdstatSetFlags(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t flags = a.u32(1);
  if (flags & ~uint32_t(kFdflagAppend | kFdflagDsync | kFdflagNonblock | kFdflagRsync |
                        kFdflagSync))
    return kEinval;
  if (flags & (kFdflagDsync | kFdflagRsync | kFdflagSync)) return kEnotsup;
  int fl = ::fcntl(e->host, F_GETFL);
  if (fl < 0) return lastError();
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (flags & kFdflagAppend) fl |= O_APPEND;
  if (flags & kFdflagNonblock) fl |= O_NONBLOCK;
  return ::fcntl(e->host, F_SETFL, fl) == 0 ? kOk : lastError();
}

uint16_t fdFdstatSetRights(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint64_t base = a.u64(1), inh = a.u64(2);
  if ((base & ~e->rights) || (inh & ~e->inheriting)) return kEnotcapable;
  e->rights = base;
  e->inheriting = inh;
  return kOk;
}

uint16_t fdFilestatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t out = a.u32(1);
  if (!m.ok(out, kFilestatSize)) return kEfault;
  struct stat st;
  if (::fstat(e->host, &st) != 0) return lastError();
  writeFilestat(m, out, st);
  return kOk;
}

uint16_t fdFilestatSetSize(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint64_t size = a.u64(1);
  if (size > uint64_t(INT64_MAX)) return kEinval;
  return ::ftruncate(e->host, off_t(size)) == 0 ? kOk : lastError();
}

// Fills utimensat()'s pair from fst_flags; false if the flags contradict.
bool makeTimes(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2]) {
  if (flags & ~uint32_t(kFstAtim | kFstAtimNow | kFstMtim | kFstMtimNow)) return false;
  if ((flags & kFstAtim) && (flags & kFstAtimNow)) return false;
  if ((flags & kFstMtim) && (flags & kFstMtimNow)) return false;
  auto one = [](uint64_t t, bool set, bool now, struct timespec& out) {
    out.tv_sec = 0;
    if (now) {
      out.tv_nsec = UTIME_NOW;
    } else if (set) {
      out.tv_sec = time_t(t / 1000000000ull);
      out.tv_nsec = long(t % 1000000000ull);
    } else {
      out.tv_nsec = UTIME_OMIT;
    }
  };
  one(atim, flags & kFstAtim, flags & kFstAtimNow, ts[0]);
  one(mtim, flags & kFstMtim, flags & kFstMtimNow, ts[1]);
  return true;
}

uint16_t fdFilestatSetTimes(State& s, const Mem&, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  struct timespec ts[2];
  if (!makeTimes(a.u64(1), a.u64(2), a.u32(3), ts)) return kEinval;
  return ::futimens(e->host, ts) == 0 ? kOk : lastError();
}

uint16_t fdPread(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  if (!(e->rights & kRightFdRead)) return e->type == kTypeDirectory ? kEisdir : kEnotcapable;
  uint64_t off = a.u64(3);
  uint32_t out = a.u32(4);
  if (off > uint64_t(INT64_MAX)) return kEinval;
  if (!m.ok(out, 4)) return kEfault;
  std::vector<struct iovec> iov;
  if (uint16_t err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  ssize_t n;
  do n = ::preadv(e->host, iov.data(), int(iov.size()), off_t(off));
  while (n < 0 && errno == EINTR);
  if (n < 0) return lastError();
  m.st32(out, uint32_t(n));
  return kOk;
}

uint16_t fdPwrite(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  if (!(e->rights & kRightFdWrite)) return e->type == kTypeDirectory ? kEisdir : kEnotcapable;
  uint64_t off = a.u64(3);
  uint32_t out = a.u32(4);
  if (off > uint64_t(INT64_MAX)) return kEinval;
  if (!m.ok(out, 4)) return kEfault;
  std::vector<struct iovec> iov;
  if (uint16_t err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  ssize_t n;
  do n = ::pwritev(e->host, iov.data(), int(iov.size()), off_t(off));
  while (n < 0 && errno == EINTR);
  if (n < 0) return lastError();
  m.st32(out, uint32_t(n));
  return kOk;
}

uint16_t fdPrestatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e || !e->preopen) return kEbadf;
  uint32_t out = a.u32(1);
  if (!m.ok(out, kPrestatSize)) return kEfault;
  std::memset(m.at(out), 0, kPrestatSize);
  m.st8(out, 0);  // preopentype dir
  m.st32(out + 4, uint32_t(e->guest_path.size()));
  return kOk;
}

uint16_t fdPrestatDirName(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e || !e->preopen) return kEbadf;
  uint32_t buf = a.u32(1), len = a.u32(2);
  if (!m.ok(buf, len)) return kEfault;
  if (len < e->guest_path.size()) return kEnametoolong;
  std::memcpy(m.at(buf), e->guest_path.data(), e->guest_path.size());
  return kOk;
}

uint16_t fdRead(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  if (!(e->rights & kRightFdRead)) return e->type == kTypeDirectory ? kEisdir : kEnotcapable;
  uint32_t out = a.u32(3);
  if (!m.ok(out, 4)) return kEfault;
  std::vector<struct iovec> iov;
  if (uint16_t err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  ssize_t n;
  do n = ::readv(e->host, iov.data(), int(iov.size()));
  while (n < 0 && errno == EINTR);
  if (n < 0) return lastError();
  m.st32(out, uint32_t(n));
  return kOk;
}

uint16_t fdWrite(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  if (!(e->rights & kRightFdWrite)) return e->type == kTypeDirectory ? kEisdir : kEnotcapable;
  uint32_t out = a.u32(3);
  if (!m.ok(out, 4)) return kEfault;
  std::vector<struct iovec> iov;
  if (uint16_t err = gatherIovs(m, a.u32(1), a.u32(2), iov)) return err;
  ssize_t n;
  do n = ::writev(e->host, iov.data(), int(iov.size()));
  while (n < 0 && errno == EINTR);
  if (n < 0) return lastError();
  m.st32(out, uint32_t(n));
  return kOk;
}

uint16_t loadListing(FdEntry& e) {
  int fd = ::openat(e.host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return lastError();
  DIR* d = ::fdopendir(fd);
  if (!d) {
    uint16_t err = lastError();
    ::close(fd);
    return err;
  }
  e.listing.clear();
  errno = 0;
  while (struct dirent* de = ::readdir(d)) {
    e.listing.push_back({de->d_name, uint64_t(de->d_ino), fileTypeOfDirent(de->d_type)});
    errno = 0;
  }
  uint16_t err = errno ? lastError() : kOk;
  ::closedir(d);
  e.listed = err == kOk;
  return err;
}

uint16_t fdReaddir(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  if (e->type != kTypeDirectory) return kEnotdir;
  if (!(e->rights & kRightFdReaddir)) return kEnotcapable;
  uint32_t buf = a.u32(1), len = a.u32(2), out = a.u32(4);
  uint64_t cookie = a.u64(3);
  if (!m.ok(buf, len) || !m.ok(out, 4)) return kEfault;
  if (cookie == 0 || !e->listed)
    if (uint16_t err = loadListing(*e)) return err;
  uint64_t used = 0;
  for (uint64_t i = cookie; i < e->listing.size() && used < len; ++i) {
    const DirEntry& d = e->listing[i];
    uint8_t header[kDirentHeaderSize] = {};
    Mem h{header, sizeof header};
    h.st64(0, i + 1);
    h.st64(8, d.ino);
    h.st32(16, uint32_t(d.name.size()));
    h.st8(20, d.type);
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

uint16_t fdRenumber(State& s, const Mem&, const Args& a) {
  uint32_t from = a.u32(0), to = a.u32(1);
  FdEntry* src = s.get(from);
  FdEntry* dst = s.get(to);
  if (!src || !dst) return kEbadf;
  if (from == to) return kOk;
  if (dst->own && dst->host >= 0) ::close(dst->host);
  *dst = std::move(*src);
  s.fds.erase(from);
  return kOk;
}

uint16_t fdSeek(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  int64_t off = int64_t(a.u64(1));
  uint32_t out = a.u32(3);
  int whence;
  switch (a.u32(2)) {
    case 0: whence = SEEK_SET; break;
    case 1: whence = SEEK_CUR; break;
    case 2: whence = SEEK_END; break;
    default: return kEinval;
  }
  if (!m.ok(out, 8)) return kEfault;
  if (e->type == kTypeDirectory) return kEbadf;
  off_t r = ::lseek(e->host, off_t(off), whence);
  if (r < 0) return lastError();
  m.st64(out, uint64_t(r));
  return kOk;
}

uint16_t fdTell(State& s, const Mem& m, const Args& a) {
  FdEntry* e = s.get(a.u32(0));
  if (!e) return kEbadf;
  uint32_t out = a.u32(1);
  if (!m.ok(out, 8)) return kEfault;
  if (e->type == kTypeDirectory) return kEbadf;
  off_t r = ::lseek(e->host, 0, SEEK_CUR);
  if (r < 0) return lastError();
  m.st64(out, uint64_t(r));
  return kOk;
}

uint16_t pathCreateDirectory(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(0), d)) return err;
  std::string path;
  if (!readString(m, a.u32(1), a.u32(2), path)) return kEfault;
  Parent p;
  if (uint16_t err = openParent(s, *d, path, p)) return err == kEinval ? kEexist : err;
  return ::mkdirat(p.dir.fd, p.name.c_str(), 0777) == 0 ? kOk : lastError();
}

uint16_t pathFilestatGet(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(0), d)) return err;
  bool follow = a.u32(1) & kLookupSymlinkFollow;
  std::string path;
  if (!readString(m, a.u32(2), a.u32(3), path)) return kEfault;
  uint32_t out = a.u32(4);
  if (!m.ok(out, kFilestatSize)) return kEfault;
  uint16_t err;
  HostFd fd(openBeneath(s, d->host, path, O_PATH, 0, follow, err));
  if (fd.fd < 0) return err;
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) return lastError();
  writeFilestat(m, out, st);
  return kOk;
}

std::string procPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

uint16_t pathFilestatSetTimes(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(0), d)) return err;
  bool follow = a.u32(1) & kLookupSymlinkFollow;
  std::string path;
  if (!readString(m, a.u32(2), a.u32(3), path)) return kEfault;
  struct timespec ts[2];
  if (!makeTimes(a.u64(4), a.u64(5), a.u32(6), ts)) return kEinval;
  if (!follow) {
    Parent p;
    if (uint16_t err = openParent(s, *d, path, p)) return err;
    return ::utimensat(p.dir.fd, p.name.c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? kOk
                                                                                : lastError();
  }
  // Resolve beneath first, then touch the object through its fd.
  uint16_t err;
  HostFd fd(openBeneath(s, d->host, path, O_PATH, 0, true, err));
  if (fd.fd < 0) return err;
  return ::utimensat(AT_FDCWD, procPath(fd.fd).c_str(), ts, 0) == 0 ? kOk : lastError();
}

uint16_t pathLink(State& s, const Mem& m, const Args& a) {
  FdEntry *od, *nd;
  if (uint16_t err = dirFd(s, a.u32(0), od)) return err;
  bool follow = a.u32(1) & kLookupSymlinkFollow;
  std::string old_path, new_path;
  if (!readString(m, a.u32(2), a.u32(3), old_path)) return kEfault;
  if (uint16_t err = dirFd(s, a.u32(4), nd)) return err;
  if (!readString(m, a.u32(5), a.u32(6), new_path)) return kEfault;
  Parent np;
  if (uint16_t err = openParent(s, *nd, new_path, np)) return err;
  if (follow) {
    uint16_t err;
    HostFd fd(openBeneath(s, od->host, old_path, O_PATH, 0, true, err));
    if (fd.fd < 0) return err;
    return ::linkat(AT_FDCWD, procPath(fd.fd).c_str(), np.dir.fd, np.name.c_str(),
                    AT_SYMLINK_FOLLOW) == 0
               ? kOk
               : lastError();
  }
  Parent op;
  if (uint16_t err = openParent(s, *od, old_path, op)) return err;
  return ::linkat(op.dir.fd, op.name.c_str(), np.dir.fd, np.name.c_str(), 0) == 0 ? kOk
                                                                                : lastError();
}

uint16_t pathOpen(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(0), d)) return err;
  bool follow = a.u32(1) & kLookupSymlinkFollow;
  std::string path;
  if (!readString(m, a.u32(2), a.u32(3), path)) return kEfault;
  uint32_t oflags = a.u32(4);
  uint64_t want = a.u64(5), want_inh = a.u64(6);
  uint32_t fdflags = a.u32(7);
  uint32_t out = a.u32(8);
  if (!m.ok(out, 4)) return kEfault;
  if (!(d->rights & kRightPathOpen)) return kEnotcapable;

  bool rd = want & (kRightFdRead | kRightFdReaddir);
  bool wr = (want & (kRightFdWrite | kRightFdDatasync | kRightFdAllocate |
                     kRightFdFilestatSetSize)) ||
            (fdflags & kFdflagAppend);
  // A directory is never opened for writing; its rights say what it can do.
  if (oflags & kOflagDirectory) wr = false;
  int flags = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (oflags & kOflagCreat) flags |= O_CREAT;
  if (oflags & kOflagDirectory) flags |= O_DIRECTORY;
  if (oflags & kOflagExcl) flags |= O_EXCL;
  if (oflags & kOflagTrunc) flags |= O_TRUNC;
  if (fdflags & kFdflagAppend) flags |= O_APPEND;
  if (fdflags & kFdflagNonblock) flags |= O_NONBLOCK;
  if (fdflags & kFdflagDsync) flags |= O_DSYNC;
  if (fdflags & kFdflagSync) flags |= O_SYNC;
#ifdef O_RSYNC
  if (fdflags & kFdflagRsync) flags |= O_RSYNC;
#endif
  if ((oflags & kOflagCreat) && !(d->rights & kRightPathCreateFile)) return kEnotcapable;

  uint16_t err;
  int fd = openBeneath(s, d->host, path, flags, 0666, follow, err);
  if (fd < 0) return err;
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    err = lastError();
    ::close(fd);
    return err;
  }
  FdEntry e;
  e.host = fd;
  e.own = true;
  e.type = fileTypeOf(st.st_mode);
  e.rights = want & rightsForType(fd, e.type) & d->inheriting;
  e.inheriting = want_inh & d->inheriting;
  uint32_t n = s.freeFd();
  s.fds[n] = std::move(e);
  m.st32(out, n);
  return kOk;
}

uint16_t pathReadlink(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(0), d)) return err;
  std::string path;
  if (!readString(m, a.u32(1), a.u32(2), path)) return kEfault;
  uint32_t buf = a.u32(3), len = a.u32(4), out = a.u32(5);
  if (!m.ok(buf, len) || !m.ok(out, 4)) return kEfault;
  Parent p;
  if (uint16_t err = openParent(s, *d, path, p)) return err;
  ssize_t n = ::readlinkat(p.dir.fd, p.name.c_str(), reinterpret_cast<char*>(m.at(buf)), len);
  if (n < 0) return lastError();
  m.st32(out, uint32_t(n));
  return kOk;
}

uint16_t pathRemoveDirectory(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(0), d)) return err;
  std::string path;
  if (!readString(m, a.u32(1), a.u32(2), path)) return kEfault;
  Parent p;
  if (uint16_t err = openParent(s, *d, path, p)) return err;
  return ::unlinkat(p.dir.fd, p.name.c_str(), AT_REMOVEDIR) == 0 ? kOk : lastError();
}

uint16_t pathRename(State& s, const Mem& m, const Args& a) {
  FdEntry *od, *nd;
  if (uint16_t err = dirFd(s, a.u32(0), od)) return err;
  std::string old_path, new_path;
  if (!readString(m, a.u32(1), a.u32(2), old_path)) return kEfault;
  if (uint16_t err = dirFd(s, a.u32(3), nd)) return err;
  if (!readString(m, a.u32(4), a.u32(5), new_path)) return kEfault;
  Parent op, np;
  if (uint16_t err = openParent(s, *od, old_path, op)) return err;
  if (uint16_t err = openParent(s, *nd, new_path, np)) return err;
  return ::renameat(op.dir.fd, op.name.c_str(), np.dir.fd, np.name.c_str()) == 0 ? kOk
                                                                                  : lastError();
}

uint16_t pathSymlink(State& s, const Mem& m, const Args& a) {
  std::string target, path;
  if (!readString(m, a.u32(0), a.u32(1), target)) return kEfault;
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(2), d)) return err;
  if (!readString(m, a.u32(3), a.u32(4), path)) return kEfault;
  if (target.find('\0') != std::string::npos) return kEilseq;
  if (target.empty()) return kEnoent;
  if (target.front() == '/') return kEnotcapable;  // would point outside any preopen
  Parent p;
  if (uint16_t err = openParent(s, *d, path, p)) return err;
  return ::symlinkat(target.c_str(), p.dir.fd, p.name.c_str()) == 0 ? kOk : lastError();
}

uint16_t pathUnlinkFile(State& s, const Mem& m, const Args& a) {
  FdEntry* d;
  if (uint16_t err = dirFd(s, a.u32(0), d)) return err;
  std::string path;
  if (!readString(m, a.u32(1), a.u32(2), path)) return kEfault;
  Parent p;
  if (uint16_t err = openParent(s, *d, path, p)) return err;
  return ::unlinkat(p.dir.fd, p.name.c_str(), 0) == 0 ? kOk : lastError();
}

uint16_t pollOneoff(State& s, const Mem& m, const Args& a) {
  uint32_t in = a.u32(0), outp = a.u32(1), n = a.u32(2), count_ptr = a.u32(3);
  if (n == 0) return kEinval;
  if (!m.ok(in, uint64_t(n) * kSubscriptionSize) || !m.ok(outp, uint64_t(n) * kEventSize) ||
      !m.ok(count_ptr, 4))
    return kEfault;

  struct Event {
    uint64_t userdata;
    uint16_t error;
    uint8_t type;
    uint64_t nbytes;
    uint16_t flags;
  };
  struct Clock {
    uint64_t userdata;
    uint64_t wait;  // nanoseconds from now
  };
  struct FdSub {
    uint64_t userdata;
    uint8_t type;
    size_t pfd;
  };
  std::vector<Event> events;
  std::vector<Clock> clocks;
  std::vector<FdSub> fd_subs;
  std::vector<struct pollfd> pfds;

  // Read every subscription before writing any event: the arrays may overlap.
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t p = in + uint64_t(i) * kSubscriptionSize;
    uint64_t userdata = m.ld64(p);
    uint8_t tag = m.ld8(p + 8);
    if (tag == kEventClock) {
      clockid_t id;
      uint64_t timeout = m.ld64(p + 24);
      uint16_t flags = m.ld16(p + 40);
      if (!hostClock(m.ld32(p + 16), id)) {
        events.push_back({userdata, kEinval, kEventClock, 0, 0});
        continue;
      }
      uint64_t wait = timeout;
      if (flags & kSubclockAbstime) {
        struct timespec ts;
        clock_gettime(id, &ts);
        uint64_t now = toNanos(ts);
        wait = timeout > now ? timeout - now : 0;
      }
      clocks.push_back({userdata, wait});
    } else if (tag == kEventFdRead || tag == kEventFdWrite) {
      FdEntry* e = s.get(m.ld32(p + 16));
      if (!e) {
        events.push_back({userdata, kEbadf, tag, 0, 0});
        continue;
      }
      fd_subs.push_back({userdata, tag, pfds.size()});
      pfds.push_back({e->host, short(tag == kEventFdRead ? POLLIN : POLLOUT), 0});
    } else {
      return kEinval;
    }
  }

  uint64_t wait = UINT64_MAX;
  for (const Clock& c : clocks) wait = std::min(wait, c.wait);
  if (!events.empty()) wait = 0;
  uint64_t start = monotonicNow();

  if (pfds.empty()) {
    if (wait != UINT64_MAX && wait > 0) {
      struct timespec ts;
      ts.tv_sec = time_t(std::min<uint64_t>(wait / 1000000000ull, INT32_MAX));
      ts.tv_nsec = long(wait % 1000000000ull);
      while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {
      }
    }
  } else {
    for (;;) {
      int ms = -1;
      if (wait != UINT64_MAX) {
        uint64_t elapsed = monotonicNow() - start;
        uint64_t left = wait > elapsed ? wait - elapsed : 0;
        ms = int(std::min<uint64_t>((left + 999999) / 1000000, INT_MAX));
      }
      int r = ::poll(pfds.data(), pfds.size(), ms);
      if (r >= 0) break;
      if (errno != EINTR) return lastError();
    }
    for (const FdSub& f : fd_subs) {
      short re = pfds[f.pfd].revents;
      if (!re) continue;
      Event ev{f.userdata, kOk, f.type, 0, 0};
      if (re & POLLNVAL) {
        ev.error = kEbadf;
      } else {
        if (re & POLLHUP) ev.flags |= kEventHangup;
        if (f.type == kEventFdRead) {
          int avail = 0;
          if (::ioctl(pfds[f.pfd].fd, FIONREAD, &avail) == 0 && avail > 0) ev.nbytes = avail;
        }
      }
      events.push_back(ev);
    }
  }

  uint64_t elapsed = monotonicNow() - start;
  bool any_fd_event = events.size() > 0;
  for (const Clock& c : clocks) {
    // With no fd ready the earliest clock has expired, whatever the rounding.
    if (c.wait <= elapsed || (!any_fd_event && c.wait == wait))
      events.push_back({c.userdata, kOk, kEventClock, 0, 0});
  }

  uint32_t k = 0;
  for (const Event& ev : events) {
    if (k == n) break;
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

uint16_t schedYield(State&, const Mem&, const Args&) {
  ::sched_yield();
  return kOk;
}

uint16_t randomGet(State&, const Mem& m, const Args& a) {
  uint32_t buf = a.u32(0), len = a.u32(1);
  if (!m.ok(buf, len)) return kEfault;
  uint8_t* p = m.at(buf);
  size_t left = len;
  while (left > 0) {
#if defined(__linux__)
    ssize_t r = ::getrandom(p, left, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      return lastError();
    }
#else
    size_t chunk = std::min<size_t>(left, 256);
    if (::getentropy(p, chunk) != 0) return lastError();
    ssize_t r = ssize_t(chunk);
#endif
    p += r;
    left -= size_t(r);
  }
  return kOk;
}

uint16_t notImplemented(State&, const Mem&, const Args&) { return kEnosys; }

using Handler = uint16_t (*)(State&, const Mem&, const Args&);
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
    // Not provided: sockets (no socket can be preopened yet) and signals.
    {"proc_raise", "i", notImplemented},
    {"sock_accept", "iii", notImplemented},
    {"sock_recv", "iiiiii", notImplemented},
    {"sock_send", "iiiii", notImplemented},
    {"sock_shutdown", "ii", notImplemented},
};

FdEntry stdioEntry(int host) {
  FdEntry e;
  e.host = host;
  e.own = false;
  struct stat st;
  e.type = ::fstat(host, &st) == 0 ? fileTypeOf(st.st_mode) : kTypeUnknown;
  e.rights = rightsForType(host, e.type);
  if (e.type == kTypeDirectory) e.rights = kStreamRights;
  e.inheriting = 0;
  return e;
}

}  // namespace

Context::Context(Options opts) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.opts = std::move(opts);
  s.fds[0] = stdioEntry(s.opts.stdin_fd);
  s.fds[1] = stdioEntry(s.opts.stdout_fd);
  s.fds[2] = stdioEntry(s.opts.stderr_fd);
  for (const auto& [host, guest] : s.opts.preopens) {
    int fd = ::open(host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (!s.error.empty()) s.error += '\n';
      s.error += "cannot open directory '" + host + "': " + std::strerror(errno);
      continue;
    }
    FdEntry e;
    e.host = fd;
    e.own = true;
    e.preopen = true;
    e.guest_path = guest;
    e.type = kTypeDirectory;
    e.rights = kDirRights;
    e.inheriting = kDirRights | kFileRights;
    s.fds[s.freeFd()] = std::move(e);
  }
}

Context::~Context() = default;

const std::string& Context::error() const { return state_->error; }
const Options& Context::options() const { return state_->opts; }

std::unique_ptr<Context> addToLinker(Linker& linker, Store& store, Options opts) {
  auto ctx = std::make_unique<Context>(std::move(opts));
  State* st = &ctx->state();
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
    Func* f = store.createHostFunc(type, std::move(host), std::string(kModuleName) + "." + d.name);
    linker.define(kModuleName, d.name, Extern(f));
  }
  // proc_exit has no result: it unwinds the guest with an Exit trap.
  FuncType exit_type{{ValType::I32}, {}};
  Func* exit_fn = store.createHostFunc(
      exit_type,
      [](Caller&, std::span<const Value> args, std::span<Value>) -> std::optional<Trap> {
        return Trap::exit(int(uint32_t(args[0].bits)));
      },
      std::string(kModuleName) + ".proc_exit");
  linker.define(kModuleName, "proc_exit", Extern(exit_fn));
  return ctx;
}

}  // namespace tern::wasi
