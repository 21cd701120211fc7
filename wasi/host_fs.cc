// The host backend of the WASI VFS: directories and files reached through
// host descriptors, the host fds handed in as stdio, and host sockets.
//
// Directory nodes hold a descriptor (O_PATH for the ones only walked
// through) and do everything with the *at() calls on one component name
// that never follow a final symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so a
// name can only ever mean an entry of that very directory.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "wasi/vfs.h"

namespace tern::wasi::vfs {

using namespace abi;

Errno fromHostErrno(int e) {
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
#if defined(EOPNOTSUPP) && EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return kEnotsup;
#endif
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

size_t totalLength(Iovs iovs) {
  size_t n = 0;
  for (const Iov& v : iovs) n += v.len;
  return n;
}

namespace {

Errno lastError() { return fromHostErrno(errno); }

uint64_t toNanos(const struct timespec& ts) { return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec); }

uint8_t fileTypeOf(mode_t mode) {
  if (S_ISREG(mode)) return kTypeRegularFile;
  if (S_ISDIR(mode)) return kTypeDirectory;
  if (S_ISCHR(mode)) return kTypeCharDevice;
  if (S_ISBLK(mode)) return kTypeBlockDevice;
  if (S_ISLNK(mode)) return kTypeSymlink;
  if (S_ISSOCK(mode)) return kTypeSocketStream;
  return kTypeUnknown;  // a fifo has no WASI type
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

void fillStat(const struct stat& st, Stat& out) {
  out.dev = uint64_t(st.st_dev);
  out.ino = uint64_t(st.st_ino);
  out.type = fileTypeOf(st.st_mode);
  out.nlink = uint64_t(st.st_nlink);
  out.size = uint64_t(st.st_size);
  out.atim = toNanos(st.st_atim);
  out.mtim = toNanos(st.st_mtim);
  out.ctim = toNanos(st.st_ctim);
}

void toTimespecs(const Times& t, struct timespec ts[2]) {
  auto one = [](bool set, bool now, uint64_t v, struct timespec& out) {
    out.tv_sec = 0;
    if (now) {
      out.tv_nsec = UTIME_NOW;
    } else if (set) {
      out.tv_sec = time_t(v / 1000000000ull);
      out.tv_nsec = long(v % 1000000000ull);
    } else {
      out.tv_nsec = UTIME_OMIT;
    }
  };
  one(t.atim_set, t.atim_now, t.atim, ts[0]);
  one(t.mtim_set, t.mtim_now, t.mtim, ts[1]);
}

// At most IOV_MAX buffers per call; the rest makes a short transfer, which
// the ABI allows.
std::vector<struct iovec> hostIovs(Iovs iovs) {
  std::vector<struct iovec> v;
  v.reserve(std::min<size_t>(iovs.size(), IOV_MAX));
  for (const Iov& b : iovs) {
    if (b.len == 0) continue;
    if (v.size() == IOV_MAX) break;
    v.push_back({b.base, b.len});
  }
  return v;
}

// Whether a component name is acceptable to the host at all.
Errno checkName(std::string_view name) {
  if (name.size() > kMaxNameLength) return kEnametoolong;
  return kOk;
}

class HostNode : public Node {
 public:
  HostNode(int fd, bool own, uint8_t type) : fd_(fd), own_(own), type_(type) {}
  ~HostNode() override {
    if (own_ && fd_ >= 0) ::close(fd_);
  }
  uint8_t type() const override { return type_; }
  const void* fsId() const override { return &kHostFsId; }
  int fd() const { return fd_; }

  Errno stat(Stat& out) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return lastError();
    fillStat(st, out);
    return kOk;
  }

  Errno setTimes(const Times& t) override {
    struct timespec ts[2];
    toTimespecs(t, ts);
    if (::futimens(fd_, ts) == 0) return kOk;
    if (errno != EBADF || type_ != kTypeDirectory) return lastError();
    // A directory walked through is an O_PATH descriptor, which futimens
    // refuses: open the directory itself for that.
    int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return lastError();
    Errno e = ::futimens(fd, ts) == 0 ? kOk : lastError();
    ::close(fd);
    return e;
  }

  Errno read(Iovs iovs, size_t& n) override {
    auto v = hostIovs(iovs);
    if (v.empty()) return zeroLengthCheck(n);
    ssize_t r;
    do r = ::readv(fd_, v.data(), int(v.size()));
    while (r < 0 && errno == EINTR);
    if (r < 0) return lastError();
    n = size_t(r);
    return kOk;
  }
  Errno write(Iovs iovs, size_t& n) override {
    // A peer that went away must not kill the host with SIGPIPE.
    if (type_ == kTypeSocketStream || type_ == kTypeSocketDgram) return send(iovs, n);
    auto v = hostIovs(iovs);
    if (v.empty()) return zeroLengthCheck(n);
    ssize_t r;
    do r = ::writev(fd_, v.data(), int(v.size()));
    while (r < 0 && errno == EINTR);
    if (r < 0) return lastError();
    n = size_t(r);
    return kOk;
  }
  Errno pread(Iovs iovs, uint64_t off, size_t& n) override {
    if (off > uint64_t(INT64_MAX)) return kEinval;
    auto v = hostIovs(iovs);
    if (v.empty()) {
      n = 0;
      return kOk;
    }
    ssize_t r;
    do r = ::preadv(fd_, v.data(), int(v.size()), off_t(off));
    while (r < 0 && errno == EINTR);
    if (r < 0) return lastError();
    n = size_t(r);
    return kOk;
  }
  Errno pwrite(Iovs iovs, uint64_t off, size_t& n) override {
    if (off > uint64_t(INT64_MAX)) return kEinval;
    auto v = hostIovs(iovs);
    if (v.empty()) {
      n = 0;
      return kOk;
    }
    ssize_t r;
    do r = ::pwritev(fd_, v.data(), int(v.size()), off_t(off));
    while (r < 0 && errno == EINTR);
    if (r < 0) return lastError();
    n = size_t(r);
    return kOk;
  }
  Errno seek(int64_t off, uint8_t whence, uint64_t& pos) override {
    int w = whence == kWhenceSet ? SEEK_SET : whence == kWhenceCur ? SEEK_CUR : SEEK_END;
    off_t r = ::lseek(fd_, off_t(off), w);
    if (r < 0) return lastError();
    pos = uint64_t(r);
    return kOk;
  }
  Errno sync() override { return ::fsync(fd_) == 0 ? kOk : lastError(); }
  Errno datasync() override { return ::fdatasync(fd_) == 0 ? kOk : lastError(); }
  Errno advise(uint64_t off, uint64_t len, uint8_t advice) override {
    if (off > uint64_t(INT64_MAX) || len > uint64_t(INT64_MAX)) return kEinval;
    static const int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
    return fromHostErrno(::posix_fadvise(fd_, off_t(off), off_t(len), kAdvice[advice]));
  }
  Errno allocate(uint64_t off, uint64_t len) override {
    if (off > uint64_t(INT64_MAX) || len > uint64_t(INT64_MAX) - off) return kEfbig;
    if (len == 0) return kEinval;
    return fromHostErrno(::posix_fallocate(fd_, off_t(off), off_t(len)));
  }
  Errno setSize(uint64_t size) override {
    if (size > uint64_t(INT64_MAX)) return kEfbig;
    return ::ftruncate(fd_, off_t(size)) == 0 ? kOk : lastError();
  }
  Errno getFdflags(uint16_t& out) override {
    out = 0;
    int fl = ::fcntl(fd_, F_GETFL);
    if (fl < 0) return kOk;
    if (fl & O_APPEND) out |= kFdflagAppend;
    if (fl & O_NONBLOCK) out |= kFdflagNonblock;
#ifdef O_DSYNC
    if (fl & O_DSYNC) out |= kFdflagDsync;
#endif
    if ((fl & O_SYNC) == O_SYNC) out |= kFdflagSync;
#if defined(O_RSYNC) && O_RSYNC != O_SYNC
    if (fl & O_RSYNC) out |= kFdflagRsync;
#endif
    return kOk;
  }
  Errno setFdflags(uint16_t flags) override {
    int fl = ::fcntl(fd_, F_GETFL);
    if (fl < 0) return lastError();
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & kFdflagAppend) fl |= O_APPEND;
    if (flags & kFdflagNonblock) fl |= O_NONBLOCK;
    return ::fcntl(fd_, F_SETFL, fl) == 0 ? kOk : lastError();
  }
  int pollFd() const override { return fd_; }

  // --- directories
  Errno lookup(std::string_view name, NodePtr& out) override {
    if (Errno e = checkName(name)) return e;
    std::string n(name);
    int fd = ::openat(fd_, n.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return lastError();
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      Errno e = lastError();
      ::close(fd);
      return e;
    }
    out = std::make_shared<HostNode>(fd, true, fileTypeOf(st.st_mode));
    return kOk;
  }

  Errno openAt(std::string_view name, const OpenFlags& f, NodePtr& out) override {
    if (Errno e = checkName(name)) return e;
    int flags = f.write ? (f.read ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (f.create) flags |= O_CREAT;
    if (f.excl) flags |= O_EXCL;
    if (f.trunc) flags |= O_TRUNC;
    if (f.directory) flags |= O_DIRECTORY;
    flags |= hostFdflags(f.fdflags);
    std::string n(name);
    int fd;
    do fd = ::openat(fd_, n.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0666);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      // O_NOFOLLOW on a symlink: ELOOP, as POSIX says (some kernels say
      // EMLINK, and Linux with O_DIRECTORY says ENOTDIR).
      if (errno == EMLINK) return kEloop;
      if (errno == ENOTDIR && f.directory) {
        struct stat st;
        if (::fstatat(fd_, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) return kEloop;
        errno = ENOTDIR;
      }
      return lastError();
    }
    return wrapOpened(fd, out);
  }

  Errno reopen(const OpenFlags& f, NodePtr& out) override {
    if (f.write) return kEisdir;
    int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | hostFdflags(f.fdflags));
    if (fd < 0) return lastError();
    return wrapOpened(fd, out);
  }

  Errno statAt(std::string_view name, Stat& out) override {
    if (Errno e = checkName(name)) return e;
    struct stat st;
    if (::fstatat(fd_, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return lastError();
    fillStat(st, out);
    return kOk;
  }
  Errno setTimesAt(std::string_view name, const Times& t) override {
    if (Errno e = checkName(name)) return e;
    struct timespec ts[2];
    toTimespecs(t, ts);
    return ::utimensat(fd_, std::string(name).c_str(), ts, AT_SYMLINK_NOFOLLOW) == 0 ? kOk : lastError();
  }
  Errno mkdirAt(std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    return ::mkdirat(fd_, std::string(name).c_str(), 0777) == 0 ? kOk : lastError();
  }
  Errno rmdirAt(std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    if (::unlinkat(fd_, std::string(name).c_str(), AT_REMOVEDIR) == 0) return kOk;
    // Linux says EEXIST or ENOTEMPTY for a directory with entries.
    return errno == EEXIST ? kEnotempty : lastError();
  }
  Errno unlinkAt(std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    if (::unlinkat(fd_, std::string(name).c_str(), 0) == 0) return kOk;
    // POSIX allows EPERM for a directory; EISDIR says what happened.
    if (errno == EPERM) {
      struct stat st;
      if (::fstatat(fd_, std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
        return kEisdir;
      errno = EPERM;
    }
    return lastError();
  }
  Errno symlinkAt(std::string_view target, std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    return ::symlinkat(std::string(target).c_str(), fd_, std::string(name).c_str()) == 0 ? kOk : lastError();
  }
  Errno readlinkAt(std::string_view name, std::string& out) override {
    if (Errno e = checkName(name)) return e;
    return readlinkOf(fd_, std::string(name).c_str(), out);
  }
  Errno readlink(std::string& out) override {
    if (type_ != kTypeSymlink) return kEinval;
    return readlinkOf(fd_, "", out);
  }
  Errno renameAt(std::string_view name, Node& dir, std::string_view new_name) override {
    if (Errno e = checkName(name)) return e;
    if (Errno e = checkName(new_name)) return e;
    auto& d = static_cast<HostNode&>(dir);
    return ::renameat(fd_, std::string(name).c_str(), d.fd_, std::string(new_name).c_str()) == 0 ? kOk : lastError();
  }
  Errno linkAt(std::string_view name, Node& dir, std::string_view new_name) override {
    if (Errno e = checkName(name)) return e;
    if (Errno e = checkName(new_name)) return e;
    auto& d = static_cast<HostNode&>(dir);
    return ::linkat(fd_, std::string(name).c_str(), d.fd_, std::string(new_name).c_str(), 0) == 0 ? kOk : lastError();
  }
  Errno readdir(std::vector<Dirent>& out) override {
    int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return lastError();
    DIR* d = ::fdopendir(fd);
    if (!d) {
      Errno e = lastError();
      ::close(fd);
      return e;
    }
    out.clear();
    errno = 0;
    while (struct dirent* de = ::readdir(d)) {
      out.push_back({de->d_name, uint64_t(de->d_ino), fileTypeOfDirent(de->d_type)});
      errno = 0;
    }
    Errno e = errno ? lastError() : kOk;
    ::closedir(d);
    return e;
  }

  // --- sockets
  Errno accept(uint16_t fdflags, NodePtr& out) override {
    if (type_ != kTypeSocketStream && type_ != kTypeSocketDgram) return kEnotsock;
    int flags = SOCK_CLOEXEC;
    if (fdflags & kFdflagNonblock) flags |= SOCK_NONBLOCK;
    int fd;
    do fd = ::accept4(fd_, nullptr, nullptr, flags);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return lastError();
    out = std::make_shared<HostNode>(fd, true, kTypeSocketStream);
    return kOk;
  }
  Errno recv(Iovs iovs, uint16_t riflags, size_t& n, uint16_t& roflags) override {
    if (type_ != kTypeSocketStream && type_ != kTypeSocketDgram) return kEnotsock;
    auto v = hostIovs(iovs);
    struct msghdr msg;
    std::memset(&msg, 0, sizeof msg);
    msg.msg_iov = v.data();
    msg.msg_iovlen = v.size();
    int flags = 0;
    if (riflags & kRiflagRecvPeek) flags |= MSG_PEEK;
    if (riflags & kRiflagRecvWaitall) flags |= MSG_WAITALL;
    ssize_t r;
    do r = ::recvmsg(fd_, &msg, flags);
    while (r < 0 && errno == EINTR);
    if (r < 0) return lastError();
    n = size_t(r);
    roflags = (msg.msg_flags & MSG_TRUNC) ? kRoflagRecvDataTruncated : 0;
    return kOk;
  }
  Errno send(Iovs iovs, size_t& n) override {
    if (type_ != kTypeSocketStream && type_ != kTypeSocketDgram) return kEnotsock;
    auto v = hostIovs(iovs);
    struct msghdr msg;
    std::memset(&msg, 0, sizeof msg);
    msg.msg_iov = v.data();
    msg.msg_iovlen = v.size();
    ssize_t r;
    do r = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    if (r < 0) return lastError();
    n = size_t(r);
    return kOk;
  }
  Errno shutdown(uint8_t how) override {
    if (type_ != kTypeSocketStream && type_ != kTypeSocketDgram) return kEnotsock;
    int h = how == (kSdflagRd | kSdflagWr) ? SHUT_RDWR : how == kSdflagRd ? SHUT_RD : SHUT_WR;
    return ::shutdown(fd_, h) == 0 ? kOk : lastError();
  }

 private:
  static inline const char kHostFsId = 0;

  // A zero-length read or write still reports a bad descriptor.
  Errno zeroLengthCheck(size_t& n) {
    n = 0;
    if (::fcntl(fd_, F_GETFL) < 0) return lastError();
    return kOk;
  }

  static int hostFdflags(uint16_t f) {
    int flags = 0;
    if (f & kFdflagAppend) flags |= O_APPEND;
    if (f & kFdflagNonblock) flags |= O_NONBLOCK;
    if (f & kFdflagDsync) flags |= O_DSYNC;
    if (f & kFdflagSync) flags |= O_SYNC;
#ifdef O_RSYNC
    if (f & kFdflagRsync) flags |= O_RSYNC;
#endif
    return flags;
  }

  static Errno wrapOpened(int fd, NodePtr& out) {
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      Errno e = lastError();
      ::close(fd);
      return e;
    }
    out = std::make_shared<HostNode>(fd, true, fileTypeOf(st.st_mode));
    return kOk;
  }

  static Errno readlinkOf(int dirfd, const char* name, std::string& out) {
    std::vector<char> buf(256);
    for (;;) {
      ssize_t n = ::readlinkat(dirfd, name, buf.data(), buf.size());
      if (n < 0) return errno == ENOENT && !*name ? kEinval : lastError();
      if (size_t(n) < buf.size()) {
        out.assign(buf.data(), size_t(n));
        return kOk;
      }
      if (buf.size() >= (1u << 20)) return kEnametoolong;
      buf.resize(buf.size() * 2);
    }
  }

  int fd_;
  bool own_;
  uint8_t type_;
};

}  // namespace

NodePtr openHostDir(const std::string& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open directory '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  return std::make_shared<HostNode>(fd, true, kTypeDirectory);
}

NodePtr wrapHostFd(int fd, bool own) {
  struct stat st;
  uint8_t type = kTypeUnknown;
  if (::fstat(fd, &st) == 0) {
    type = fileTypeOf(st.st_mode);
    if (S_ISSOCK(st.st_mode)) {
      int t = 0;
      socklen_t len = sizeof t;
      if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &len) == 0 && t == SOCK_DGRAM) type = kTypeSocketDgram;
    }
  }
  return std::make_shared<HostNode>(fd, own, type);
}

bool hostIsTty(const Node& node) {
  auto* h = dynamic_cast<const HostNode*>(&node);
  return h && ::isatty(h->fd());
}

}  // namespace tern::wasi::vfs

// ---------------------------------------------------------------------------
// Listening sockets for --tcplisten

namespace tern::wasi {

int listenTcp(const std::string& host_port, std::string& error) {
  std::string host, port;
  if (!host_port.empty() && host_port[0] == '[') {
    size_t close = host_port.find(']');
    if (close == std::string::npos || close + 1 >= host_port.size() || host_port[close + 1] != ':') {
      error = "expected [IPV6]:PORT, got '" + host_port + "'";
      return -1;
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
  } else {
    size_t colon = host_port.rfind(':');
    if (colon == std::string::npos) {
      error = "expected HOST:PORT, got '" + host_port + "'";
      return -1;
    }
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoul(port) > 65535) {
    error = "expected HOST:PORT with a port number from 0 to 65535, got '" + host_port + "'";
    return -1;
  }
  struct addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  struct addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    error = "cannot resolve '" + host + "': " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  std::string last = "no address";
  for (struct addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 128) == 0) break;
    last = std::strerror(errno);
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) error = "cannot listen on '" + host_port + "': " + last;
  return fd;
}

}  // namespace tern::wasi
