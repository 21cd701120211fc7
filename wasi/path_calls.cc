// WASI preview1: path resolution (the sandbox) and the path_* host
// functions.
#include <cstring>

#include "wasi/calls.h"

namespace tern::wasi {

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

namespace {

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

}  // namespace

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
Errno resolveArg(const Mem& m, const FdEntry& dir, uint32_t ptr, uint32_t len, bool follow, Resolved& out) {
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
// Handlers

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
  f.write = (want & (kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize)) || (fdflags & kFdflagAppend);
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

}  // namespace tern::wasi
