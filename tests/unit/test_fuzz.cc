// Robustness: truncated and bit-flipped modules must be rejected with an
// Error or, if accepted, instantiate and run without crashing.
//
// Inputs: the hand-built modules of wasm_builder.h, every .wasm file in
// $TERN_TEST_WASM_DIR (wast2json output: the .json files there tell which
// modules are meant to be valid), and the files listed in
// $TERN_TEST_WASM_FILES (':'-separated).
//
// Accepted mutants are instantiated and run in a forked child process, so
// that an infinite loop (a legitimate outcome of a flip) can be stopped by a
// timer and a crash is reported with the mutation that caused it instead of
// taking the whole test binary down.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tern/tern.hpp"
#include "wasm_builder.h"

using wb::Bytes;

namespace {

tern::Engine& engine() {
  static tern::Engine e;
  return e;
}

struct Input {
  std::string name;
  Bytes bytes;
  enum Expect { Valid, Invalid, Unknown } expect = Unknown;
};

bool readFile(const std::string& path, Bytes* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

// Extracts the value of "key": "value" from one line of wast2json output.
std::string jsonField(const std::string& line, const std::string& key) {
  std::string pat = "\"" + key + "\": \"";
  size_t at = line.find(pat);
  if (at == std::string::npos) return {};
  at += pat.size();
  size_t end = line.find('"', at);
  if (end == std::string::npos) return {};
  return line.substr(at, end - at);
}

// What the .json files in `dir` say about each .wasm file: wast2json writes
// one command per line.
std::map<std::string, Input::Expect> expectations(const std::filesystem::path& dir) {
  std::map<std::string, Input::Expect> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream f(entry.path());
    std::string line;
    while (std::getline(f, line)) {
      std::string file = jsonField(line, "filename");
      if (file.empty() || file.size() < 5 || file.substr(file.size() - 5) != ".wasm") continue;
      std::string type = jsonField(line, "type");
      if (type == "module" || type == "assert_unlinkable" || type == "assert_uninstantiable") out[file] = Input::Valid;
      else if (type == "assert_invalid" || type == "assert_malformed") out[file] = Input::Invalid;
    }
  }
  return out;
}

std::vector<Input> loadInputs() {
  std::vector<Input> in;
  in.push_back({"hand:empty", wb::header(), Input::Valid});
  in.push_back({"hand:add", wb::addModule(), Input::Valid});
  in.push_back({"hand:imports-exports", wb::importsExportsModule(), Input::Valid});
  in.push_back({"hand:rich", wb::richModule(), Input::Valid});

  if (const char* dir = std::getenv("TERN_TEST_WASM_DIR"); dir && *dir) {
    auto expect = expectations(dir);
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".wasm") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& p : files) {
      Input i;
      i.name = p.filename().string();
      if (!readFile(p.string(), &i.bytes)) continue;
      auto it = expect.find(i.name);
      if (it != expect.end()) i.expect = it->second;
      in.push_back(std::move(i));
    }
  }
  if (const char* list = std::getenv("TERN_TEST_WASM_FILES"); list && *list) {
    std::stringstream ss(list);
    std::string path;
    while (std::getline(ss, path, ':')) {
      if (path.empty()) continue;
      Input i;
      i.name = std::filesystem::path(path).filename().string();
      if (!readFile(path, &i.bytes)) {
        FAIL_CHECK("cannot read " << path << " (from TERN_TEST_WASM_FILES)");
        continue;
      }
      i.expect = Input::Valid;
      in.push_back(std::move(i));
    }
  }
  // Drop byte-identical duplicates (wast2json repeats small modules).
  std::set<std::pair<size_t, uint64_t>> seen;  // (size, FNV-1a hash)
  std::vector<Input> out;
  for (Input& i : in) {
    uint64_t h = 14695981039346656037ull;
    for (uint8_t x : i.bytes) h = (h ^ x) * 1099511628211ull;
    if (seen.insert({i.bytes.size(), h}).second) out.push_back(std::move(i));
  }
  return out;
}

const std::vector<Input>& inputs() {
  static const std::vector<Input> v = loadInputs();
  return v;
}

tern::Expected<std::shared_ptr<tern::Module>> compile(const Bytes& b) {
  return tern::Module::compile(engine(), std::span<const uint8_t>(b.data(), b.size()));
}

// The spec scripts here are Wasm 2.0's: what they call invalid (two memories)
// may be valid with the features on by default (multi-memory).
tern::Expected<std::shared_ptr<tern::Module>> compileWasm20(const Bytes& b) {
  static tern::Engine wasm20([] {
    tern::Config c;
    REQUIRE_FALSE(c.features.set("all=n").has_value());
    return c;
  }());
  return tern::Module::compile(wasm20, std::span<const uint8_t>(b.data(), b.size()));
}

// Offsets at which a prefix of `b` ends exactly after a whole section (or
// after the preamble): such a prefix may itself be a valid module.
std::set<size_t> sectionBoundaries(const Bytes& b) {
  std::set<size_t> s;
  if (b.size() < 8) return s;
  s.insert(8);
  size_t p = 8;
  while (p < b.size()) {
    ++p;  // id
    uint64_t size = 0;
    unsigned shift = 0;
    bool done = false;
    while (p < b.size() && shift < 35) {
      uint8_t x = b[p++];
      size |= uint64_t(x & 0x7f) << shift;
      shift += 7;
      if (!(x & 0x80)) {
        done = true;
        break;
      }
    }
    if (!done || size > b.size() - p) break;
    p += size;
    s.insert(p);
  }
  return s;
}

const char* kindName(tern::ErrorKind k) {
  switch (k) {
    case tern::ErrorKind::Malformed: return "Malformed";
    case tern::ErrorKind::Invalid: return "Invalid";
    case tern::ErrorKind::Link: return "Link";
    case tern::ErrorKind::Trap: return "Trap";
    case tern::ErrorKind::Io: return "Io";
    case tern::ErrorKind::Unsupported: return "Unsupported";
  }
  return "?";
}

// Checks that an error from compiling `size` bytes is well-formed; returns a
// description of the problem, or "" if it is fine.
std::string errorProblem(const tern::Error& e, size_t size) {
  std::ostringstream os;
  if (e.kind != tern::ErrorKind::Malformed && e.kind != tern::ErrorKind::Invalid &&
      e.kind != tern::ErrorKind::Unsupported)
    os << "unexpected kind " << kindName(e.kind) << "; ";
  if (e.message.empty()) os << "empty message; ";
  // "Unsupported" is about the whole module and need not point at a byte.
  if (e.offset == SIZE_MAX) {
    if (e.kind != tern::ErrorKind::Unsupported) os << "no offset; ";
  } else if (e.offset > size) {
    os << "offset " << e.offset << " beyond size " << size << "; ";
  }
  if (!os.str().empty()) os << "(error was " << kindName(e.kind) << " '" << e.message << "')";
  return os.str();
}

// ---------------------------------------------------------------------------
// Running accepted modules in a child process.

struct RunRecord {
  uint8_t status;  // 'D' dummy imports failed, 'L' instantiate failed, 'I' instantiated
  uint8_t pad;
  uint16_t calls_ok;
  uint16_t calls_trapped;
  uint16_t bad_results;  // results of the wrong count or type
};
static_assert(sizeof(RunRecord) == 8);

constexpr unsigned kMaxCallsPerModule = 64;
constexpr long kRunTimeoutMicros = 250000;
constexpr rlim_t kChildAddressSpace = rlim_t(16) << 30;

RunRecord runOne(const std::shared_ptr<tern::Module>& m, bool call_exports) {
  RunRecord rec{};
  tern::Store store(engine());
  std::vector<tern::Extern> externs;
  if (!wb::makeDummyImports(store, m->imports(), &externs)) {
    rec.status = 'D';
    return rec;
  }
  auto inst = store.instantiate(m, externs);
  if (!inst.ok()) {
    rec.status = 'L';
    return rec;
  }
  rec.status = 'I';
  if (!call_exports) return rec;
  unsigned calls = 0;
  for (const tern::ExportInfo& e : m->exports()) {
    if (e.type.kind != tern::ExternKind::Func) continue;
    if (calls++ >= kMaxCallsPerModule) break;
    tern::Func* f = inst.value()->getFunc(e.name);
    if (!f) {
      ++rec.bad_results;
      continue;
    }
    std::vector<tern::Value> args = wb::zeroValues(f->type().params);
    auto r = f->call(args);
    if (!r.ok()) {
      ++rec.calls_trapped;
      continue;
    }
    ++rec.calls_ok;
    const std::vector<tern::ValType>& want = f->type().results;
    bool good = r.value().size() == want.size();
    for (size_t k = 0; good && k < want.size(); ++k) good = r.value()[k].type == want[k];
    if (!good) ++rec.bad_results;
  }
  return rec;
}

struct RunStats {
  unsigned dummy_failed = 0, inst_failed = 0, instantiated = 0;
  unsigned calls_ok = 0, calls_trapped = 0, bad_results = 0;
  unsigned timeouts = 0, crashes = 0, not_run = 0;
  std::vector<std::string> crash_reports;
  std::vector<std::string> bad_result_reports;
};

bool writeAll(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n) {
    ssize_t w = ::write(fd, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= size_t(w);
  }
  return true;
}

[[noreturn]] void childMain(int fd, const std::vector<std::shared_ptr<tern::Module>>& mods, size_t from,
                            bool call_exports) {
#ifndef __SANITIZE_ADDRESS__
  // (AddressSanitizer maps terabytes of shadow memory: no address-space cap
  // can apply under it.)
  struct rlimit rl = {kChildAddressSpace, kChildAddressSpace};
  setrlimit(RLIMIT_AS, &rl);
#endif
  signal(SIGALRM, SIG_DFL);
  for (size_t i = from; i < mods.size(); ++i) {
    struct itimerval t = {};
    t.it_value.tv_usec = kRunTimeoutMicros;
    setitimer(ITIMER_REAL, &t, nullptr);
    RunRecord rec = runOne(mods[i], call_exports);
    struct itimerval off = {};
    setitimer(ITIMER_REAL, &off, nullptr);
    if (!writeAll(fd, &rec, sizeof rec)) _exit(3);
  }
  _exit(0);
}

// Runs every module (in order) in child processes; restarts after a timeout
// or crash with the next module. `describe(i)` names module i in reports.
// `max_timeouts` bounds the time spent on non-terminating mutants: once
// reached, the remaining modules are not run.
void runAll(const std::vector<std::shared_ptr<tern::Module>>& mods, bool call_exports,
            const std::function<std::string(size_t)>& describe, unsigned max_timeouts, RunStats* st) {
  size_t next = 0;
  unsigned timeouts_here = 0;
  while (next < mods.size()) {
    if (timeouts_here >= max_timeouts) {
      st->not_run += unsigned(mods.size() - next);
      return;
    }
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::fflush(nullptr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      childMain(fds[1], mods, next, call_exports);
    }
    close(fds[1]);
    // Read records as they come.
    std::vector<uint8_t> buf;
    uint8_t chunk[4096];
    for (;;) {
      ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buf.insert(buf.end(), chunk, chunk + n);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    size_t done = buf.size() / sizeof(RunRecord);
    for (size_t k = 0; k < done; ++k) {
      RunRecord rec;
      std::memcpy(&rec, buf.data() + k * sizeof rec, sizeof rec);
      switch (rec.status) {
        case 'D': ++st->dummy_failed; break;
        case 'L': ++st->inst_failed; break;
        default: ++st->instantiated; break;
      }
      st->calls_ok += rec.calls_ok;
      st->calls_trapped += rec.calls_trapped;
      st->bad_results += rec.bad_results;
      if (rec.bad_results && st->bad_result_reports.size() < 10) st->bad_result_reports.push_back(describe(next + k));
    }
    next += done;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && next == mods.size()) break;
    // The child stopped at module `next`.
    if (next >= mods.size()) break;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
      ++st->timeouts;
      ++timeouts_here;
    } else {
      ++st->crashes;
      std::ostringstream os;
      os << describe(next) << ": child ";
      if (WIFSIGNALED(status))
        os << "killed by signal " << WTERMSIG(status) << " (" << strsignal(WTERMSIG(status)) << ")";
      else os << "exited with status " << WEXITSTATUS(status);
      if (st->crash_reports.size() < 20) st->crash_reports.push_back(os.str());
    }
    ++next;
  }
}

std::string hexPos(size_t pos, uint8_t from, uint8_t to) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "@%zu:%02x->%02x", pos, from, to);
  return buf;
}

// Deterministic mutation of `b` by the random stream `rng`; returns a
// description.
std::string mutate(Bytes& b, std::mt19937& rng) {
  auto pos = [&]() -> size_t {
    if (b.size() <= 8 || rng() % 50 == 0) return rng() % b.size();
    return 8 + rng() % (b.size() - 8);
  };
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x0b,
                                         0x41, 0x10, 0x60, 0x70, 0xfc, 0xfd, 0x0f};
  std::string d;
  uint32_t kind = rng() % 100;
  if (kind < 50) {  // one bit
    size_t p = pos();
    uint8_t old = b[p];
    b[p] ^= uint8_t(1u << (rng() % 8));
    d = "bit" + hexPos(p, old, b[p]);
  } else if (kind < 70) {  // one random byte
    size_t p = pos();
    uint8_t old = b[p];
    b[p] = uint8_t(rng());
    d = "byte" + hexPos(p, old, b[p]);
  } else if (kind < 85) {  // several random bytes
    unsigned n = 2 + rng() % 3;
    d = "bytes";
    for (unsigned k = 0; k < n; ++k) {
      size_t p = pos();
      uint8_t old = b[p];
      b[p] = uint8_t(rng());
      d += hexPos(p, old, b[p]);
    }
  } else {  // an interesting value
    size_t p = pos();
    uint8_t old = b[p];
    b[p] = kInteresting[rng() % sizeof kInteresting];
    d = "value" + hexPos(p, old, b[p]);
  }
  return d;
}

uint32_t nameSeed(const std::string& s) {
  uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ uint8_t(c)) * 16777619u;
  return h;
}

}  // namespace

TEST_CASE("fuzz: inputs load, valid ones compile and invalid ones are rejected") {
  const auto& in = inputs();
  MESSAGE("fuzz inputs: " << in.size() << " modules");
  if (!std::getenv("TERN_TEST_WASM_DIR")) MESSAGE("TERN_TEST_WASM_DIR not set: hand-built modules only");
  for (const Input& i : in) {
    CAPTURE(i.name);
    auto r = compile(i.bytes);
    if (i.expect == Input::Valid) {
      CHECK_MESSAGE(r.ok(),
                    "valid module rejected: "
                        << (r.ok() ? "" : std::string(kindName(r.error().kind)) + " '" + r.error().message + "'"));
      // Whatever compile thinks, the module must pass validation.
      std::optional<tern::Error> v = tern::Module::validate(i.bytes);
      CHECK_MESSAGE(!v.has_value(), "Module::validate rejected a valid module: " << (v ? v->message : std::string()));
    } else if (i.expect == Input::Invalid) {
      CHECK_MESSAGE(!compileWasm20(i.bytes).ok(), "invalid module accepted");
    }
    if (!r.ok()) {
      std::string p = errorProblem(r.error(), i.bytes.size());
      CHECK_MESSAGE(p.empty(), p);
    }
  }
}

// A proper prefix that ends exactly at a section boundary is itself a
// well-formed module (e.g. the 8-byte preamble alone), so only the other
// prefixes must be rejected; boundary prefixes merely must not crash.
TEST_CASE("fuzz: every truncation is rejected") {
  unsigned total = 0, rejected = 0, boundary_accepted = 0, bad_errors = 0, stream_mismatch = 0;
  std::vector<std::string> accepted_reports, error_reports, stream_reports;
  for (const Input& in : inputs()) {
    auto base = compile(in.bytes);
    // A module that validates but cannot run here (Unsupported) is still
    // exercised through Module::validate.
    bool validate_only = !base.ok() && base.error().kind == tern::ErrorKind::Unsupported &&
                         !tern::Module::validate(in.bytes).has_value();
    if (!base.ok() && !validate_only) continue;  // prefixes of an invalid module may be valid
    const Bytes& b = in.bytes;
    std::set<size_t> boundaries = sectionBoundaries(b);
    // Every length for modules up to 32 KiB; beyond, a deterministic sample
    // that includes the start and every section boundary's neighbourhood.
    std::vector<size_t> lengths;
    if (b.size() <= 32768) {
      for (size_t n = 0; n < b.size(); ++n) lengths.push_back(n);
    } else {
      std::set<size_t> pick;
      for (size_t n = 0; n < 4096; ++n) pick.insert(n);
      for (size_t s : boundaries)
        for (size_t d = 0; d <= 6; ++d)
          if (s + d >= 3 && s + d - 3 < b.size()) pick.insert(s + d - 3);
      std::mt19937 rng(nameSeed(in.name));
      for (int k = 0; k < 4000; ++k) pick.insert(rng() % b.size());
      lengths.assign(pick.begin(), pick.end());
    }
    unsigned stream_every = b.size() <= 4096 ? 3 : 50;
    for (size_t n : lengths) {
      Bytes cut(b.begin(), b.begin() + long(n));
      ++total;
      bool boundary = boundaries.count(n) != 0;
      if (validate_only) {
        std::optional<tern::Error> v = tern::Module::validate(cut);
        if (!v) {
          if (boundary) ++boundary_accepted;
          else if (accepted_reports.size() < 10)
            accepted_reports.push_back(in.name + " cut at " + std::to_string(n) + " of " + std::to_string(b.size()) +
                                       " (validate)");
          continue;
        }
        ++rejected;
        std::string p = errorProblem(*v, n);
        if (!p.empty()) {
          ++bad_errors;
          if (error_reports.size() < 10) error_reports.push_back(in.name + " cut at " + std::to_string(n) + ": " + p);
        }
        continue;
      }
      auto r = compile(cut);
      if (r.ok() || r.error().kind == tern::ErrorKind::Unsupported) {
        if (boundary) {
          ++boundary_accepted;
        } else if (accepted_reports.size() < 10) {
          accepted_reports.push_back(in.name + " cut at " + std::to_string(n) + " of " + std::to_string(b.size()));
        }
      } else {
        ++rejected;
        std::string p = errorProblem(r.error(), n);
        if (!p.empty()) {
          ++bad_errors;
          if (error_reports.size() < 10) error_reports.push_back(in.name + " cut at " + std::to_string(n) + ": " + p);
        }
      }
      // The streamer must agree, fed in small pieces.
      if (n % stream_every == 0) {
        tern::ModuleStreamer s(engine());
        std::mt19937 rng(uint32_t(n) * 7919u + nameSeed(in.name));
        size_t at = 0;
        while (at < cut.size()) {
          size_t k = std::min(cut.size() - at, size_t(1 + rng() % 16));
          if (!s.feed(std::span<const uint8_t>(cut.data() + at, k))) break;
          at += k;
        }
        auto sr = s.finish();
        bool same = sr.ok() == r.ok();
        if (same && !sr.ok()) same = sr.error().message == r.error().message && sr.error().offset == r.error().offset;
        if (!same) {
          ++stream_mismatch;
          if (stream_reports.size() < 10) {
            std::ostringstream os;
            os << in.name << " cut at " << n << ": compile "
               << (r.ok() ? std::string("accepted") : "'" + r.error().message + "'@" + std::to_string(r.error().offset))
               << ", streamer "
               << (sr.ok() ? std::string("accepted")
                           : "'" + sr.error().message + "'@" + std::to_string(sr.error().offset));
            stream_reports.push_back(os.str());
          }
        }
      }
    }
  }
  unsigned non_boundary_accepted = total - rejected - boundary_accepted;
  MESSAGE("truncations: " << total << " tried, " << rejected << " rejected, " << boundary_accepted
                          << " accepted at section boundaries");
  std::string acc, err, str;
  for (auto& s : accepted_reports) acc += "\n  " + s;
  for (auto& s : error_reports) err += "\n  " + s;
  for (auto& s : stream_reports) str += "\n  " + s;
  CHECK(total > 0);
  CHECK_MESSAGE(non_boundary_accepted == 0, "truncated modules accepted:" << acc);
  CHECK_MESSAGE(bad_errors == 0, "errors without a plausible kind/message/offset:" << err);
  CHECK_MESSAGE(stream_mismatch == 0, "streamer disagrees with compile:" << str);
}

namespace {

// Feeds the mutant `m` to a ModuleStreamer in random chunks: it must come to
// the same verdict as compile (`r`), with the same error message and offset or
// the same numbers of imports and exports. A disagreement is counted and, for
// the first ten, reported under `label`.
void compareWithStreamer(const Bytes& m, const tern::Expected<std::shared_ptr<tern::Module>>& r, std::mt19937& rng,
                         const std::string& label, unsigned& mismatches, std::vector<std::string>& reports) {
  tern::ModuleStreamer s(engine());
  size_t at = 0;
  while (at < m.size()) {
    size_t c = std::min(m.size() - at, size_t(1 + rng() % 64));
    if (!s.feed(std::span<const uint8_t>(m.data() + at, c))) break;
    at += c;
  }
  auto sr = s.finish();
  bool same = sr.ok() == r.ok();
  if (same && !sr.ok()) same = sr.error().message == r.error().message && sr.error().offset == r.error().offset;
  if (same && sr.ok())
    same = sr.value()->exports().size() == r.value()->exports().size() &&
           sr.value()->imports().size() == r.value()->imports().size();
  if (!same) {
    ++mismatches;
    if (reports.size() < 10) {
      std::ostringstream os;
      os << label << ": compile "
         << (r.ok() ? std::string("accepted") : "'" + r.error().message + "'@" + std::to_string(r.error().offset))
         << ", streamer "
         << (sr.ok() ? std::string("accepted") : "'" + sr.error().message + "'@" + std::to_string(sr.error().offset));
      reports.push_back(os.str());
    }
  }
}

// Counts an error (of a module of `size` bytes) without a plausible kind,
// message or offset, and reports the first ten under `label`.
void noteErrorProblem(const tern::Error& e, size_t size, const std::string& label, unsigned& bad_errors,
                      std::vector<std::string>& reports) {
  std::string p = errorProblem(e, size);
  if (!p.empty()) {
    ++bad_errors;
    if (reports.size() < 10) reports.push_back(label + ": " + p);
  }
}

}  // namespace

TEST_CASE("fuzz: random byte flips are rejected or run without crashing") {
  RunStats st;
  unsigned flips = 0, rejected = 0, accepted = 0, unsupported = 0, bad_errors = 0, validate_mismatch = 0,
           stream_mismatch = 0, modules = 0, modules_without_rejections = 0;
  std::map<std::string, unsigned> messages;
  std::vector<std::string> error_reports, validate_reports, stream_reports, no_reject_reports;
  unsigned timeout_budget = 40;  // over the whole test: bounds the time lost to infinite loops

  for (const Input& in : inputs()) {
    auto base = compile(in.bytes);
    bool validate_only = !base.ok() && base.error().kind == tern::ErrorKind::Unsupported &&
                         !tern::Module::validate(in.bytes).has_value();
    if ((!base.ok() && !validate_only) || in.bytes.size() <= 8) continue;
    ++modules;
    const Bytes& b = in.bytes;
    unsigned n_flips = unsigned(std::min<size_t>(1500, 200 + 4 * b.size()));
    std::mt19937 rng(0x7e57 ^ nameSeed(in.name));

    // Job 0 is the unmutated module: if it does not terminate with dummy
    // imports (e.g. a WASI program looping on a dummy fd_write), mutants
    // are only instantiated, not called.
    std::vector<std::shared_ptr<tern::Module>> jobs;
    if (!validate_only) jobs.push_back(base.value());
    std::vector<std::string> job_names = {in.name + " (unmutated)"};
    unsigned rejected_here = 0;

    for (unsigned k = 0; k < n_flips; ++k) {
      Bytes m = b;
      std::string what = mutate(m, rng);
      if (m == b) continue;
      ++flips;
      if (validate_only) {
        // Decode and validate only: no code can be generated for this module.
        std::optional<tern::Error> v = tern::Module::validate(m);
        if (!v) {
          ++accepted;
          continue;
        }
        ++rejected;
        ++rejected_here;
        ++messages[v->message.substr(0, 60)];
        noteErrorProblem(*v, m.size(), in.name + " " + what, bad_errors, error_reports);
        continue;
      }
      auto r = compile(m);
      std::optional<tern::Error> v = tern::Module::validate(m);
      bool compile_rejects = !r.ok() && r.error().kind != tern::ErrorKind::Unsupported;
      if (v.has_value() != compile_rejects) {
        ++validate_mismatch;
        if (validate_reports.size() < 10)
          validate_reports.push_back(in.name + " " + what + ": compile " + (r.ok() ? "accepted" : "rejected") +
                                     ", validate " + (v ? "rejected" : "accepted"));
      }
      if (k % 8 == 0) compareWithStreamer(m, r, rng, in.name + " " + what, stream_mismatch, stream_reports);
      if (!r.ok() && r.error().kind == tern::ErrorKind::Unsupported) {
        ++unsupported;
        noteErrorProblem(r.error(), m.size(), in.name + " " + what, bad_errors, error_reports);
        continue;
      }
      if (!r.ok()) {
        ++rejected;
        ++rejected_here;
        ++messages[r.error().message.substr(0, 60)];
        noteErrorProblem(r.error(), m.size(), in.name + " " + what, bad_errors, error_reports);
        continue;
      }
      ++accepted;
      jobs.push_back(r.value());
      job_names.push_back(in.name + " " + what);
    }
    if (n_flips >= 100 && rejected_here == 0) {
      ++modules_without_rejections;
      no_reject_reports.push_back(in.name);
    }

    if (validate_only) continue;
    // Run the unmutated module alone first to decide whether to call exports.
    RunStats base_st;
    runAll(
        {jobs[0]}, true, [&](size_t) { return job_names[0]; }, 1, &base_st);
    bool call_exports = base_st.timeouts == 0;
    st.crashes += base_st.crashes;
    st.crash_reports.insert(st.crash_reports.end(), base_st.crash_reports.begin(), base_st.crash_reports.end());
    jobs.erase(jobs.begin());
    job_names.erase(job_names.begin());
    unsigned before = st.timeouts;
    unsigned per_module = std::min(5u, timeout_budget);
    runAll(
        jobs, call_exports, [&](size_t i) { return job_names[i]; }, per_module, &st);
    timeout_budget -= std::min(timeout_budget, st.timeouts - before);
  }

  std::ostringstream summary;
  summary << "flips: " << flips << " over " << modules << " modules; " << rejected << " rejected, " << unsupported
          << " unsupported, " << accepted << " accepted; of those " << st.instantiated << " instantiated, "
          << st.inst_failed << " failed to instantiate, " << st.dummy_failed << " had unsatisfiable imports, "
          << st.not_run << " not run; calls: " << st.calls_ok << " returned, " << st.calls_trapped << " trapped; "
          << st.timeouts << " timeouts, " << st.crashes << " crashes";
  MESSAGE(summary.str());
  std::vector<std::pair<unsigned, std::string>> top;
  for (auto& [msg, count] : messages) top.push_back({count, msg});
  std::sort(top.rbegin(), top.rend());
  std::string top_msgs;
  for (size_t k = 0; k < top.size() && k < 12; ++k)
    top_msgs += "\n  " + std::to_string(top[k].first) + "  " + top[k].second;
  MESSAGE("most common rejection messages:" << top_msgs);

  auto lines = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += "\n  " + x;
    return s;
  };
  CHECK(flips > 1000);
  CHECK(rejected > 0);
  CHECK(accepted > 0);
  CHECK_MESSAGE(modules_without_rejections == 0, "modules where no flip was rejected:" << lines(no_reject_reports));
  CHECK_MESSAGE(st.crashes == 0, "crashes:" << lines(st.crash_reports));
  CHECK_MESSAGE(bad_errors == 0, "errors without a plausible kind/message/offset:" << lines(error_reports));
  CHECK_MESSAGE(validate_mismatch == 0, "Module::validate disagrees with compile:" << lines(validate_reports));
  CHECK_MESSAGE(stream_mismatch == 0, "streamer disagrees with compile:" << lines(stream_reports));
  CHECK_MESSAGE(st.bad_results == 0,
                "calls returning the wrong number or types of values:" << lines(st.bad_result_reports));
  CHECK(st.instantiated > 0);
  CHECK(st.calls_ok > 0);
}
