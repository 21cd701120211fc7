// WASI preview1 host functions: the Context (options, the standard streams,
// the preopened directories and sockets in the descriptor table), the
// descriptor table's helpers, guest memory access and the registration of
// every handler. The handlers themselves are in *_calls.cc (see
// wasi/calls.h).
#include <algorithm>
#include <cstring>

#include "wasi/calls.h"

extern char** environ;

namespace tern::wasi {

// ---------------------------------------------------------------------------
// Guest memory

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

// ---------------------------------------------------------------------------
// The descriptor table

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

namespace {

// ---------------------------------------------------------------------------
// Registration

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

namespace {

// Whether `name` is a function to define: every one without a module, else
// only those the module imports from wasi_snapshot_preview1.
bool wanted(const std::vector<ImportInfo>* imports, std::string_view name) {
  if (!imports) return true;
  for (const ImportInfo& i : *imports)
    if (i.name == name && i.module == kModuleName) return true;
  return false;
}

// addToLinker's two forms: `imports` null defines every function.
std::unique_ptr<Context> defineWasi(Linker& linker, Store& store, Options opts,
                                    const std::vector<ImportInfo>* imports) {
  auto ctx = std::make_unique<Context>(std::move(opts));
  State* st = &stateOf(*ctx);
  const std::string prefix = std::string(kModuleName) + ".";
  for (const Def& d : kDefs) {
    if (!wanted(imports, d.name)) continue;
    FuncType type;
    for (const char* c = d.params; *c; ++c) type.params.push_back(*c == 'I' ? ValType::I64 : ValType::I32);
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
  if (wanted(imports, "proc_exit")) {
    Func* exit_fn = store.createHostFunc(
        FuncType{{ValType::I32}, {}},
        [st](Caller&, std::span<const Value> args, std::span<Value>) -> std::optional<Trap> {
          st->exit_code = int(uint32_t(args[0].bits));
          return Trap::exit(*st->exit_code);
        },
        prefix + "proc_exit");
    linker.define(kModuleName, "proc_exit", Extern(exit_fn));
  }
  if (wanted(imports, "proc_raise")) {
    Func* raise_fn = store.createHostFunc(
        FuncType{{ValType::I32}, {ValType::I32}},
        [st](Caller&, std::span<const Value> args, std::span<Value> results) {
          std::optional<Trap> t = procRaise(args, results);
          if (t && t->kind == TrapKind::Exit) st->exit_code = t->exit_code;
          return t;
        },
        prefix + "proc_raise");
    linker.define(kModuleName, "proc_raise", Extern(raise_fn));
  }
  return ctx;
}

}  // namespace

std::unique_ptr<Context> addToLinker(Linker& linker, Store& store, Options opts) {
  return defineWasi(linker, store, std::move(opts), nullptr);
}

std::unique_ptr<Context> addToLinker(Linker& linker, Store& store, Options opts, const Module& module) {
  std::vector<ImportInfo> imports = module.imports();
  return defineWasi(linker, store, std::move(opts), &imports);
}

}  // namespace tern::wasi
