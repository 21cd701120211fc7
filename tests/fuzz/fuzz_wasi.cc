// Fuzz target: random sequences of WASI preview1 calls with random arguments
// against the in-memory filesystem (tern::wasi::MemFs).
//
// A module built here imports every WASI function and exports, for each, a
// wrapper "w<i>" that passes its arguments through, and its memory (one page,
// growable to two). The input is a sequence of operations: write bytes into
// guest memory, grow it, or call a wrapper with arguments that are small
// numbers (descriptors, flags, lengths), pointers inside memory, pointers
// straddling its end, past it or near 2^32, or anything. Checked:
//   - every call returns an errno (0..76) or, proc_exit and proc_raise only,
//     ends the guest with an Exit trap; nothing else traps, nothing crashes
//     (ASan and UBSan watch the host);
//   - a call that succeeds had every buffer it writes or reads (kRanges)
//     inside memory;
//   - args_sizes_get, environ_sizes_get, random_get and the clock calls with
//     a valid clock fail with EFAULT exactly when one of their buffers is
//     not inside memory;
//   - nothing outside the preopened directory changes.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "gen.h"
#include "tern/tern.hpp"
#include "tern/wasi.hpp"

namespace {

using fuzzgen::Bytes;
using fuzzgen::putName;
using fuzzgen::putSection;
using fuzzgen::putU;

constexpr uint32_t kEfault = 21;
constexpr uint32_t kLastErrno = 76;

// A buffer a call uses: pointer argument `ptr`, `fixed` bytes, or `scale`
// times argument `len`.
struct Range {
  int ptr, len;
  uint32_t fixed, scale;
};
Range fixed(int ptr, uint32_t bytes) { return {ptr, -1, bytes, 0}; }
Range sized(int ptr, int len, uint32_t scale = 1) { return {ptr, len, 0, scale}; }

enum class Fault { Maybe, Exactly };  // Exactly: EFAULT iff a Range is outside memory

struct WasiFn {
  const char* name;
  const char* params;  // 'i' i32, 'I' i64; the result is an i32 errno
  std::vector<Range> ranges;
  Fault fault = Fault::Maybe;
  bool exits = false;  // no result: proc_exit
};

// Every function wasi/wasi.cc registers: a name missing there makes the
// wrapper module fail to instantiate, and the target abort on its first run.
const std::vector<WasiFn> kFns = {
    {"args_get", "ii", {}},
    {"args_sizes_get", "ii", {fixed(0, 4), fixed(1, 4)}, Fault::Exactly},
    {"environ_get", "ii", {}},
    {"environ_sizes_get", "ii", {fixed(0, 4), fixed(1, 4)}, Fault::Exactly},
    {"clock_res_get", "ii", {fixed(1, 8)}},
    {"clock_time_get", "iIi", {fixed(2, 8)}},
    {"fd_advise", "iIIi", {}},
    {"fd_allocate", "iII", {}},
    {"fd_close", "i", {}},
    {"fd_datasync", "i", {}},
    {"fd_fdstat_get", "ii", {fixed(1, 24)}},
    {"fd_fdstat_set_flags", "ii", {}},
    {"fd_fdstat_set_rights", "iII", {}},
    {"fd_filestat_get", "ii", {fixed(1, 64)}},
    {"fd_filestat_set_size", "iI", {}},
    {"fd_filestat_set_times", "iIIi", {}},
    {"fd_pread", "iiiIi", {sized(1, 2, 8), fixed(4, 4)}},
    {"fd_prestat_get", "ii", {fixed(1, 8)}},
    {"fd_prestat_dir_name", "iii", {sized(1, 2)}},
    {"fd_pwrite", "iiiIi", {sized(1, 2, 8), fixed(4, 4)}},
    {"fd_read", "iiii", {sized(1, 2, 8), fixed(3, 4)}},
    {"fd_readdir", "iiiIi", {sized(1, 2), fixed(4, 4)}},
    {"fd_renumber", "ii", {}},
    {"fd_seek", "iIii", {fixed(3, 8)}},
    {"fd_sync", "i", {}},
    {"fd_tell", "ii", {fixed(1, 8)}},
    {"fd_write", "iiii", {sized(1, 2, 8), fixed(3, 4)}},
    {"path_create_directory", "iii", {sized(1, 2)}},
    {"path_filestat_get", "iiiii", {sized(2, 3), fixed(4, 64)}},
    {"path_filestat_set_times", "iiiiIIi", {sized(2, 3)}},
    {"path_link", "iiiiiii", {sized(2, 3), sized(5, 6)}},
    {"path_open", "iiiiiIIii", {sized(2, 3), fixed(8, 4)}},
    {"path_readlink", "iiiiii", {sized(1, 2), sized(3, 4), fixed(5, 4)}},
    {"path_remove_directory", "iii", {sized(1, 2)}},
    {"path_rename", "iiiiii", {sized(1, 2), sized(4, 5)}},
    {"path_symlink", "iiiii", {sized(0, 1), sized(3, 4)}},
    {"path_unlink_file", "iii", {sized(1, 2)}},
    {"poll_oneoff", "iiii", {sized(0, 2, 48), sized(1, 2, 32), fixed(3, 4)}},
    {"sched_yield", "", {}},
    {"random_get", "ii", {sized(0, 1)}, Fault::Exactly},
    {"sock_accept", "iii", {fixed(2, 4)}},
    {"sock_recv", "iiiiii", {sized(1, 2, 8), fixed(4, 4), fixed(5, 2)}},
    {"sock_send", "iiiii", {sized(1, 2, 8), fixed(4, 4)}},
    {"sock_shutdown", "ii", {}},
    {"proc_raise", "i", {}},
    {"proc_exit", "i", {}, Fault::Maybe, true},
};

// Strings the guest's paths are made of, at fixed offsets in memory.
const char* const kStrings[] = {
    "file.txt",        "dir",  "link",     "esc", "..", "../outside/secret", "/etc/passwd", "dir/new", ".",
    "dir/../file.txt", "nope", "file.txt/"};
constexpr uint32_t kStringStride = 32;

Bytes wrapperModule() {
  Bytes out = fuzzgen::header(), s;
  putU(s, kFns.size());
  for (const WasiFn& f : kFns) {
    s.push_back(0x60);
    std::string p = f.params;
    putU(s, p.size());
    for (char c : p) s.push_back(c == 'I' ? fuzzgen::I64 : fuzzgen::I32);
    if (f.exits) {
      s.push_back(0x00);
    } else {
      s.push_back(0x01);
      s.push_back(fuzzgen::I32);
    }
  }
  putSection(out, 1, s);
  s.clear();
  putU(s, kFns.size());
  for (uint32_t i = 0; i < kFns.size(); ++i) {
    putName(s, tern::wasi::kModuleName);
    putName(s, kFns[i].name);
    s.push_back(0x00);
    putU(s, i);
  }
  putSection(out, 2, s);
  s.clear();
  putU(s, kFns.size());
  for (uint32_t i = 0; i < kFns.size(); ++i) putU(s, i);
  putSection(out, 3, s);
  putSection(out, 5, {0x01, 0x01, 0x01, 0x02});  // memory: 1 page, at most 2
  s.clear();
  putU(s, kFns.size() + 1);
  putName(s, "memory");
  s.push_back(0x02);
  s.push_back(0x00);
  for (uint32_t i = 0; i < kFns.size(); ++i) {
    putName(s, "w" + std::to_string(i));
    s.push_back(0x00);
    putU(s, kFns.size() + i);
  }
  putSection(out, 7, s);
  s.clear();
  putU(s, kFns.size());
  for (uint32_t i = 0; i < kFns.size(); ++i) {
    Bytes body = {0x00};  // no locals
    for (uint32_t p = 0; kFns[i].params[p]; ++p) {
      body.push_back(0x20);
      putU(body, p);
    }
    body.push_back(0x10);
    putU(body, i);
    body.push_back(0x0b);
    putU(s, body.size());
    s.insert(s.end(), body.begin(), body.end());
  }
  putSection(out, 10, s);
  return out;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_wasi: %s\n", what.c_str());
  std::abort();
}

tern::Engine& engine() {
  static tern::Engine* e = [] {
    tern::Config c;
    c.tier = tern::Tier::Interp;
    return new tern::Engine(c);
  }();
  return *e;
}

const std::shared_ptr<tern::Module>& wrappers() {
  static const std::shared_ptr<tern::Module> m = [] {
    Bytes bytes = wrapperModule();
    auto r = tern::Module::compile(engine(), bytes);
    if (!r) fail("the wrapper module does not compile: " + r.error().toString());
    return r.value();
  }();
  return m;
}

uint32_t argument(FuzzedDataProvider& in, uint64_t mem_size) {
  uint32_t size = uint32_t(mem_size);
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return in.ConsumeIntegralInRange<uint32_t>(0, 15);  // a descriptor, flags, a length
    case 1: return in.ConsumeIntegralInRange<uint32_t>(0, size - 1);
    case 2: return size - in.ConsumeIntegralInRange<uint32_t>(0, 16);  // straddling the end
    case 3: return size + in.ConsumeIntegralInRange<uint32_t>(0, 64);  // just past it
    case 4: return 0xffffffffu - in.ConsumeIntegralInRange<uint32_t>(0, 16);
    case 5: return in.ConsumeIntegralInRange<uint32_t>(0, 11) * kStringStride;  // a path
    case 6: return in.ConsumeIntegralInRange<uint32_t>(0, 20);                  // a path's length
    default: return in.ConsumeIntegral<uint32_t>();
  }
}

bool inside(const Range& r, const std::vector<tern::Value>& args, uint64_t mem_size) {
  uint64_t ptr = uint32_t(args[r.ptr].bits);
  uint64_t len = r.len < 0 ? r.fixed : uint64_t(uint32_t(args[r.len].bits)) * r.scale;
  return ptr <= mem_size && len <= mem_size - ptr;
}

std::string describe(const WasiFn& f, const std::vector<tern::Value>& args) {
  std::string s = std::string(f.name) + "(";
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + std::to_string(args[i].bits);
  return s + ")";
}

// One call; false when the guest has exited.
bool call(FuzzedDataProvider& in, tern::Instance& inst, tern::Memory& mem) {
  uint32_t index = in.ConsumeIntegralInRange<uint32_t>(0, uint32_t(kFns.size() - 1));
  const WasiFn& f = kFns[index];
  std::vector<tern::Value> args;
  for (const char* p = f.params; *p; ++p) {
    if (*p == 'I')
      args.push_back(tern::Value::i64(in.ConsumeBool() ? in.ConsumeIntegralInRange<int64_t>(0, 4096)
                                                       : in.ConsumeIntegral<int64_t>()));
    else args.push_back(tern::Value::i32(int32_t(argument(in, mem.size()))));
  }
  uint64_t size = mem.size();
  auto r = inst.getFunc("w" + std::to_string(index))->call(args);
  if (!r) {
    if (r.error().kind == tern::TrapKind::Exit && (f.exits || std::string(f.name) == "proc_raise")) return false;
    fail(describe(f, args) + " trapped: " + r.error().message);
  }
  if (f.exits) fail(describe(f, args) + " returned");
  uint32_t err = uint32_t(r.value().at(0).bits);
  if (err > kLastErrno) fail(describe(f, args) + " returned errno " + std::to_string(err));
  bool all_inside = true;
  for (const Range& range : f.ranges) all_inside &= inside(range, args, size);
  if (err == 0 && !all_inside) fail(describe(f, args) + " succeeded with a buffer outside memory");
  bool exact = f.fault == Fault::Exactly ||
               (std::string(f.name).rfind("clock_", 0) == 0 && uint32_t(args[0].bits) <= 3);
  if (exact && (err == kEfault) != !all_inside)
    fail(describe(f, args) + " returned errno " + std::to_string(err) +
         (all_inside ? " with every buffer inside memory" : " with a buffer outside memory"));
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  auto fs = std::make_shared<tern::wasi::MemFs>([] { return uint64_t(1'700'000'000) * 1'000'000'000; });
  fs->setCapacity(1 << 20);
  bool ok = fs->addDir("/box/dir") && fs->addFile("/box/file.txt", "hello\n") &&
            fs->addSymlink("/box/link", "file.txt") && fs->addSymlink("/box/esc", "../outside/secret") &&
            fs->addFile("/outside/secret", "secret\n");
  if (!ok) fail("cannot build the in-memory filesystem");

  tern::wasi::Options opts;
  opts.args = {"prog", "an argument"};
  opts.env = {"A=1", "EMPTY="};
  opts.mounts.push_back(tern::wasi::Preopen::memory(fs, "/sandbox", "/box"));
  opts.in = tern::wasi::Stdio::fromBytes("some input\n");
  opts.out = tern::wasi::Stdio::null();
  opts.err = tern::wasi::Stdio::null();
  opts.clocks = tern::wasi::deterministicClocks();
  opts.random = tern::wasi::deterministicRandom(1);

  tern::Store store(engine());
  tern::Linker linker;
  auto ctx = tern::wasi::addToLinker(linker, store, std::move(opts));
  if (!ctx->error().empty()) fail("wasi setup: " + ctx->error());
  auto inst = linker.instantiate(store, wrappers());
  if (!inst) fail("the wrapper module does not instantiate: " + inst.error().toString());
  tern::Memory& mem = *(*inst)->getMemory("memory");
  for (uint32_t i = 0; i < std::size(kStrings); ++i)
    std::memcpy(mem.data() + i * kStringStride, kStrings[i], std::strlen(kStrings[i]));

  for (int ops = 0; ops < 64 && in.remaining_bytes() > 0; ++ops) {
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
      case 0: {  // bytes into memory
        uint32_t at = in.ConsumeIntegralInRange<uint32_t>(0, uint32_t(mem.size() - 1));
        std::vector<uint8_t> bytes = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, 64));
        size_t n = std::min<size_t>(bytes.size(), mem.size() - at);
        if (n) std::memcpy(mem.data() + at, bytes.data(), n);
        break;
      }
      case 1: mem.grow(1); break;  // fails past two pages
      default:
        if (!call(in, **inst, mem)) ops = 64;
        break;
    }
  }
  if (fs->readFile("/outside/secret") != std::string("secret\n") || !fs->listDir("/outside") ||
      fs->listDir("/outside")->size() != 1)
    fail("the guest changed something outside its preopened directory");
  return 0;
}
