// WASI preview1: the fd_* host functions, on the descriptor table of
// wasi/calls.h.
#include <algorithm>
#include <cstring>

#include "wasi/calls.h"

namespace tern::wasi {

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

}  // namespace tern::wasi
