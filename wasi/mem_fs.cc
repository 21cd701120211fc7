// The in-memory backend of the WASI VFS (tern::wasi::MemFs): a tree of
// inodes with POSIX semantics where WASI exposes them (hard links, unlinked
// files that stay readable while open, rename rules, timestamps from the
// embedder's clock).
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>

#include "wasi/vfs.h"

namespace tern::wasi {

using namespace abi;
using vfs::Dirent;
using vfs::Iov;
using vfs::Iovs;
using vfs::Node;
using vfs::NodePtr;
using vfs::OpenFlags;
using vfs::Stat;
using vfs::Times;

struct MemInode {
  uint64_t ino = 0;
  uint8_t type = kTypeRegularFile;
  uint64_t nlink = 0;  // names of a file or symlink
  uint64_t atim = 0, mtim = 0, ctim = 0;
  std::string data;                                                       // regular file
  std::string target;                                                     // symlink
  std::map<std::string, std::shared_ptr<MemInode>, std::less<>> entries;  // directory
  MemInode* parent = nullptr;  // directory: the one holding it (the root: itself;
                               // a removed one: none)
  bool removed = false;        // directory that has been removed
  MemFs::Impl* fs = nullptr;   // for the byte count
  ~MemInode();
};

struct MemFs::Impl {
  std::function<uint64_t()> now_fn;
  uint64_t next_ino = 1;
  uint64_t capacity = 1ull << 30;
  uint64_t used = 0;
  uint64_t dev = 0;
  std::shared_ptr<MemInode> root;

  uint64_t now() const {
    if (now_fn) return now_fn();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
  }

  std::shared_ptr<MemInode> make(uint8_t type) {
    auto n = std::make_shared<MemInode>();
    n->ino = next_ino++;
    n->type = type;
    n->fs = this;
    n->atim = n->mtim = n->ctim = now();
    return n;
  }

  // Grows or shrinks a file's contents within the capacity.
  Errno resize(MemInode& f, uint64_t size) {
    if (size > uint64_t(INT64_MAX)) return kEfbig;
    uint64_t old = f.data.size();
    if (size > old && size - old > capacity - std::min(capacity, used)) return kEnospc;
    f.data.resize(size_t(size));
    used = used - old + size;
    return kOk;
  }
};

MemInode::~MemInode() {
  if (fs) fs->used -= std::min<uint64_t>(fs->used, data.size());
}

namespace {

void touchDir(MemFs::Impl& fs, MemInode& dir) { dir.mtim = dir.ctim = fs.now(); }

void statOf(const MemFs::Impl& fs, const MemInode& n, Stat& out) {
  out.dev = fs.dev;
  out.ino = n.ino;
  out.type = n.type;
  if (n.type == kTypeDirectory) {
    uint64_t subdirs = 0;
    for (const auto& [name, child] : n.entries)
      if (child->type == kTypeDirectory) ++subdirs;
    out.nlink = n.removed ? 0 : 2 + subdirs;
    out.size = 0;
  } else {
    out.nlink = n.nlink;
    out.size = n.type == kTypeSymlink ? n.target.size() : n.data.size();
  }
  out.atim = n.atim;
  out.mtim = n.mtim;
  out.ctim = n.ctim;
}

Errno applyTimes(MemFs::Impl& fs, MemInode& n, const Times& t) {
  uint64_t now = fs.now();
  if (t.atim_now) n.atim = now;
  else if (t.atim_set) n.atim = t.atim;
  if (t.mtim_now) n.mtim = now;
  else if (t.mtim_set) n.mtim = t.mtim;
  n.ctim = now;
  return kOk;
}

Errno checkName(std::string_view name) { return name.size() > kMaxNameLength ? kEnametoolong : kOk; }

// Whether `dir` is `ancestor` or lies below it.
bool isWithin(const MemInode* dir, const MemInode* ancestor) {
  for (const MemInode* d = dir; d; d = d->parent) {
    if (d == ancestor) return true;
    if (d->parent == d) break;
  }
  return false;
}

class MemNode : public Node {
 public:
  MemNode(std::shared_ptr<MemFs::Impl> fs, std::shared_ptr<MemInode> inode)
      : fs_(std::move(fs)), inode_(std::move(inode)) {}
  uint8_t type() const override { return inode_->type; }
  const void* fsId() const override { return fs_.get(); }
  Errno stat(Stat& out) override {
    statOf(*fs_, *inode_, out);
    return kOk;
  }
  Errno setTimes(const Times& t) override { return applyTimes(*fs_, *inode_, t); }
  Errno readlink(std::string& out) override {
    if (inode_->type != kTypeSymlink) return kEinval;
    out = inode_->target;
    return kOk;
  }
  Errno getFdflags(uint16_t& out) override {
    out = fdflags_;
    return kOk;
  }
  Errno setFdflags(uint16_t f) override {
    fdflags_ = uint16_t((fdflags_ & ~(kFdflagAppend | kFdflagNonblock)) | (f & (kFdflagAppend | kFdflagNonblock)));
    return kOk;
  }
  MemInode& inode() { return *inode_; }

 protected:
  std::shared_ptr<MemFs::Impl> fs_;
  std::shared_ptr<MemInode> inode_;
  uint16_t fdflags_ = 0;
};

class MemFileNode : public MemNode {
 public:
  MemFileNode(std::shared_ptr<MemFs::Impl> fs, std::shared_ptr<MemInode> inode, bool rd, bool wr, uint16_t fdflags)
      : MemNode(std::move(fs), std::move(inode)), read_(rd), write_(wr) {
    fdflags_ = fdflags;
  }

  Errno read(Iovs iovs, size_t& n) override {
    if (!read_) return kEbadf;
    Errno e = preadAt(iovs, pos_, n);
    if (e == kOk) pos_ += n;
    return e;
  }
  Errno pread(Iovs iovs, uint64_t off, size_t& n) override {
    if (!read_) return kEbadf;
    if (off > uint64_t(INT64_MAX)) return kEinval;
    return preadAt(iovs, off, n);
  }
  Errno write(Iovs iovs, size_t& n) override {
    if (!write_) return kEbadf;
    if (fdflags_ & kFdflagAppend) pos_ = inode_->data.size();
    Errno e = pwriteAt(iovs, pos_, n);
    if (e == kOk) pos_ += n;
    return e;
  }
  Errno pwrite(Iovs iovs, uint64_t off, size_t& n) override {
    if (!write_) return kEbadf;
    if (off > uint64_t(INT64_MAX)) return kEinval;
    // As on Linux, O_APPEND makes pwrite append too.
    if (fdflags_ & kFdflagAppend) off = inode_->data.size();
    return pwriteAt(iovs, off, n);
  }
  Errno seek(int64_t off, uint8_t whence, uint64_t& pos) override {
    int64_t base = whence == kWhenceSet ? 0 : whence == kWhenceCur ? int64_t(pos_) : int64_t(inode_->data.size());
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0) return kEinval;
    pos_ = uint64_t(base + off);
    pos = pos_;
    return kOk;
  }
  Errno sync() override { return kOk; }
  Errno datasync() override { return kOk; }
  Errno advise(uint64_t, uint64_t, uint8_t) override { return kOk; }
  Errno allocate(uint64_t off, uint64_t len) override {
    if (!write_) return kEbadf;
    if (len == 0) return kEinval;
    if (off > uint64_t(INT64_MAX) || len > uint64_t(INT64_MAX) - off) return kEfbig;
    if (off + len <= inode_->data.size()) return kOk;
    Errno e = fs_->resize(*inode_, off + len);
    if (e == kOk) inode_->ctim = fs_->now();
    return e;
  }
  Errno setSize(uint64_t size) override {
    if (!write_) return kEinval;
    Errno e = fs_->resize(*inode_, size);
    if (e == kOk) inode_->mtim = inode_->ctim = fs_->now();
    return e;
  }
  vfs::Readiness readiness(bool for_write) override {
    vfs::Readiness r;
    if (!for_write) r.nbytes = pos_ < inode_->data.size() ? inode_->data.size() - pos_ : 0;
    return r;
  }

 private:
  Errno preadAt(Iovs iovs, uint64_t off, size_t& n) {
    n = 0;
    const std::string& d = inode_->data;
    for (const Iov& v : iovs) {
      if (off >= d.size()) break;
      size_t k = std::min<uint64_t>(v.len, d.size() - off);
      std::memcpy(v.base, d.data() + off, k);
      off += k;
      n += k;
      if (k < v.len) break;
    }
    return kOk;
  }
  Errno pwriteAt(Iovs iovs, uint64_t off, size_t& n) {
    n = 0;
    size_t total = vfs::totalLength(iovs);
    if (total == 0) return kOk;
    if (off > uint64_t(INT64_MAX) - total) return kEfbig;
    if (off + total > inode_->data.size())
      if (Errno e = fs_->resize(*inode_, off + total)) return e;
    for (const Iov& v : iovs) {
      if (v.len) std::memcpy(inode_->data.data() + off, v.base, v.len);
      off += v.len;
    }
    n = total;
    inode_->mtim = inode_->ctim = fs_->now();
    return kOk;
  }

  bool read_, write_;
  uint64_t pos_ = 0;
};

class MemDirNode : public MemNode {
 public:
  using MemNode::MemNode;

  Errno lookup(std::string_view name, NodePtr& out) override {
    if (Errno e = checkName(name)) return e;
    auto child = find(name);
    if (!child) return kEnoent;
    if (child->type == kTypeDirectory) out = std::make_shared<MemDirNode>(fs_, child);
    else out = std::make_shared<MemNode>(fs_, child);
    return kOk;
  }

  Errno openAt(std::string_view name, const OpenFlags& f, NodePtr& out) override {
    if (Errno e = checkName(name)) return e;
    auto child = find(name);
    if (child) {
      if (f.create && f.excl) return kEexist;
      if (child->type == kTypeSymlink) return kEloop;  // never followed here
      if (f.directory && child->type != kTypeDirectory) return kEnotdir;
      if (child->type == kTypeDirectory) {
        if (f.write || f.trunc) return kEisdir;
        auto d = std::make_shared<MemDirNode>(fs_, child);
        d->fdflags_ = f.fdflags;
        out = d;
        return kOk;
      }
      if (f.trunc && !child->data.empty()) {
        fs_->resize(*child, 0);
        child->mtim = child->ctim = fs_->now();
      }
    } else {
      if (!f.create) return kEnoent;
      if (inode_->removed) return kEnoent;
      child = fs_->make(kTypeRegularFile);
      child->nlink = 1;
      inode_->entries.emplace(std::string(name), child);
      touchDir(*fs_, *inode_);
    }
    out = std::make_shared<MemFileNode>(fs_, child, f.read, f.write, f.fdflags);
    return kOk;
  }

  Errno reopen(const OpenFlags& f, NodePtr& out) override {
    if (f.write || f.trunc) return kEisdir;
    auto d = std::make_shared<MemDirNode>(fs_, inode_);
    d->fdflags_ = f.fdflags;
    out = d;
    return kOk;
  }

  Errno statAt(std::string_view name, Stat& out) override {
    if (Errno e = checkName(name)) return e;
    auto child = find(name);
    if (!child) return kEnoent;
    statOf(*fs_, *child, out);
    return kOk;
  }
  Errno setTimesAt(std::string_view name, const Times& t) override {
    if (Errno e = checkName(name)) return e;
    auto child = find(name);
    if (!child) return kEnoent;
    return applyTimes(*fs_, *child, t);
  }
  Errno mkdirAt(std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    if (find(name)) return kEexist;
    if (inode_->removed) return kEnoent;
    auto d = fs_->make(kTypeDirectory);
    d->parent = inode_.get();
    inode_->entries.emplace(std::string(name), d);
    touchDir(*fs_, *inode_);
    return kOk;
  }
  Errno rmdirAt(std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    auto it = inode_->entries.find(name);
    if (it == inode_->entries.end()) return kEnoent;
    MemInode& d = *it->second;
    if (d.type != kTypeDirectory) return kEnotdir;
    if (!d.entries.empty()) return kEnotempty;
    d.removed = true;
    d.parent = nullptr;  // may go away before this one does
    d.ctim = fs_->now();
    inode_->entries.erase(it);
    touchDir(*fs_, *inode_);
    return kOk;
  }
  Errno unlinkAt(std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    auto it = inode_->entries.find(name);
    if (it == inode_->entries.end()) return kEnoent;
    MemInode& f = *it->second;
    if (f.type == kTypeDirectory) return kEisdir;
    --f.nlink;
    f.ctim = fs_->now();
    inode_->entries.erase(it);
    touchDir(*fs_, *inode_);
    return kOk;
  }
  Errno symlinkAt(std::string_view target, std::string_view name) override {
    if (Errno e = checkName(name)) return e;
    if (find(name)) return kEexist;
    if (inode_->removed) return kEnoent;
    if (target.size() > kMaxPathLength) return kEnametoolong;
    auto l = fs_->make(kTypeSymlink);
    l->target = std::string(target);
    l->nlink = 1;
    inode_->entries.emplace(std::string(name), l);
    touchDir(*fs_, *inode_);
    return kOk;
  }
  Errno readlinkAt(std::string_view name, std::string& out) override {
    if (Errno e = checkName(name)) return e;
    auto child = find(name);
    if (!child) return kEnoent;
    if (child->type != kTypeSymlink) return kEinval;
    out = child->target;
    return kOk;
  }

  Errno renameAt(std::string_view name, Node& dir, std::string_view new_name) override {
    if (Errno e = checkName(name)) return e;
    if (Errno e = checkName(new_name)) return e;
    MemInode& to = static_cast<MemDirNode&>(dir).inode();
    auto it = inode_->entries.find(name);
    if (it == inode_->entries.end()) return kEnoent;
    std::shared_ptr<MemInode> src = it->second;
    if (to.removed) return kEnoent;
    auto dit = to.entries.find(new_name);
    std::shared_ptr<MemInode> dst = dit == to.entries.end() ? nullptr : dit->second;
    if (dst == src) return kOk;  // two names of one file: nothing to do
    if (src->type == kTypeDirectory) {
      if (dst && dst->type != kTypeDirectory) return kEnotdir;
      if (dst && !dst->entries.empty()) return kEnotempty;
      if (isWithin(&to, src.get())) return kEinval;  // into itself
    } else if (dst && dst->type == kTypeDirectory) {
      return kEisdir;
    }
    uint64_t now = fs_->now();
    if (dst) {
      if (dst->type == kTypeDirectory) {
        dst->removed = true;
        dst->parent = nullptr;
      } else {
        --dst->nlink;
      }
      dst->ctim = now;
      to.entries.erase(dit);
    }
    inode_->entries.erase(it);
    to.entries.emplace(std::string(new_name), src);
    if (src->type == kTypeDirectory) src->parent = &to;
    src->ctim = now;
    touchDir(*fs_, *inode_);
    touchDir(*fs_, to);
    return kOk;
  }

  Errno linkAt(std::string_view name, Node& dir, std::string_view new_name) override {
    if (Errno e = checkName(name)) return e;
    if (Errno e = checkName(new_name)) return e;
    MemInode& to = static_cast<MemDirNode&>(dir).inode();
    auto src = find(name);
    if (!src) return kEnoent;
    if (src->type == kTypeDirectory) return kEperm;
    if (to.entries.count(new_name)) return kEexist;
    if (to.removed) return kEnoent;
    to.entries.emplace(std::string(new_name), src);
    ++src->nlink;
    src->ctim = fs_->now();
    touchDir(*fs_, to);
    return kOk;
  }

  Errno readdir(std::vector<Dirent>& out) override {
    out.clear();
    out.push_back({".", inode_->ino, kTypeDirectory});
    const MemInode* parent = inode_->parent ? inode_->parent : inode_.get();
    out.push_back({"..", parent->ino, kTypeDirectory});
    for (const auto& [name, child] : inode_->entries) out.push_back({name, child->ino, child->type});
    return kOk;
  }

 private:
  std::shared_ptr<MemInode> find(std::string_view name) const {
    auto it = inode_->entries.find(name);
    return it == inode_->entries.end() ? nullptr : it->second;
  }
};

// Splits an embedder's absolute path; false on "." or "..".
bool splitPath(std::string_view path, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part == "." || part == "..") return false;
    if (!part.empty()) out.emplace_back(part);
    i = j + 1;
  }
  return true;
}

MemInode* walk(MemInode* dir, const std::vector<std::string>& parts, size_t count) {
  for (size_t k = 0; k < count && dir; ++k) {
    if (dir->type != kTypeDirectory) return nullptr;
    auto it = dir->entries.find(parts[k]);
    dir = it == dir->entries.end() ? nullptr : it->second.get();
  }
  return dir;
}

}  // namespace

// ---------------------------------------------------------------------------
// The embedder's side

MemFs::MemFs(std::function<uint64_t()> now) : impl_(std::make_shared<Impl>()) {
  static std::atomic<uint64_t> next_dev{0x7e40000};
  impl_->now_fn = std::move(now);
  impl_->dev = next_dev.fetch_add(1);
  impl_->root = impl_->make(kTypeDirectory);
  impl_->root->parent = impl_->root.get();
}

MemFs::~MemFs() = default;
const std::shared_ptr<MemFs::Impl>& implOf(const MemFs& fs) { return fs.impl_; }

namespace {
// The directory that will hold the last component, creating parents.
MemInode* parentFor(MemFs::Impl& fs, std::string_view path, std::string& last) {
  std::vector<std::string> parts;
  if (!splitPath(path, parts) || parts.empty()) return nullptr;
  MemInode* dir = fs.root.get();
  for (size_t k = 0; k + 1 < parts.size(); ++k) {
    auto it = dir->entries.find(parts[k]);
    if (it == dir->entries.end()) {
      auto d = fs.make(kTypeDirectory);
      d->parent = dir;
      it = dir->entries.emplace(parts[k], d).first;
    }
    if (it->second->type != kTypeDirectory) return nullptr;
    dir = it->second.get();
  }
  last = parts.back();
  return dir;
}

const MemInode* findPath(const MemFs::Impl& fs, std::string_view path) {
  std::vector<std::string> parts;
  if (!splitPath(path, parts)) return nullptr;
  return walk(fs.root.get(), parts, parts.size());
}
}  // namespace

bool MemFs::addDir(std::string_view path) {
  std::vector<std::string> parts;
  if (!splitPath(path, parts)) return false;
  if (parts.empty()) return true;
  std::string last;
  MemInode* dir = parentFor(*impl_, path, last);
  if (!dir) return false;
  auto it = dir->entries.find(last);
  if (it != dir->entries.end()) return it->second->type == kTypeDirectory;
  auto d = impl_->make(kTypeDirectory);
  d->parent = dir;
  dir->entries.emplace(last, d);
  return true;
}

bool MemFs::addFile(std::string_view path, std::string_view contents) {
  std::string last;
  MemInode* dir = parentFor(*impl_, path, last);
  if (!dir) return false;
  auto it = dir->entries.find(last);
  std::shared_ptr<MemInode> f;
  if (it != dir->entries.end()) {
    if (it->second->type != kTypeRegularFile) return false;
    f = it->second;
  } else {
    f = impl_->make(kTypeRegularFile);
    f->nlink = 1;
    dir->entries.emplace(last, f);
  }
  if (impl_->resize(*f, contents.size()) != kOk) return false;
  if (!contents.empty()) std::memcpy(f->data.data(), contents.data(), contents.size());
  return true;
}

bool MemFs::addSymlink(std::string_view path, std::string_view target) {
  std::string last;
  MemInode* dir = parentFor(*impl_, path, last);
  if (!dir || dir->entries.count(last)) return false;
  auto l = impl_->make(kTypeSymlink);
  l->target = std::string(target);
  l->nlink = 1;
  dir->entries.emplace(last, l);
  return true;
}

std::optional<std::string> MemFs::readFile(std::string_view path) const {
  const MemInode* n = findPath(*impl_, path);
  if (!n || n->type != kTypeRegularFile) return std::nullopt;
  return n->data;
}

std::optional<std::vector<std::string>> MemFs::listDir(std::string_view path) const {
  const MemInode* n = findPath(*impl_, path);
  if (!n || n->type != kTypeDirectory) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& [name, child] : n->entries) names.push_back(name);
  return names;
}

std::optional<std::string> MemFs::readSymlink(std::string_view path) const {
  const MemInode* n = findPath(*impl_, path);
  if (!n || n->type != kTypeSymlink) return std::nullopt;
  return n->target;
}

bool MemFs::exists(std::string_view path) const { return findPath(*impl_, path) != nullptr; }

bool MemFs::isDir(std::string_view path) const {
  const MemInode* n = findPath(*impl_, path);
  return n && n->type == kTypeDirectory;
}

void MemFs::setCapacity(uint64_t bytes) { impl_->capacity = bytes; }
uint64_t MemFs::bytesUsed() const { return impl_->used; }

namespace vfs {
NodePtr memFsDir(const std::shared_ptr<MemFs::Impl>& fs, std::string_view path) {
  std::vector<std::string> parts;
  if (!splitPath(path, parts)) return nullptr;
  std::shared_ptr<MemInode> dir = fs->root;
  for (const auto& p : parts) {
    auto it = dir->entries.find(p);
    if (it == dir->entries.end() || it->second->type != kTypeDirectory) return nullptr;
    dir = it->second;
  }
  return std::make_shared<MemDirNode>(fs, dir);
}
}  // namespace vfs

}  // namespace tern::wasi
