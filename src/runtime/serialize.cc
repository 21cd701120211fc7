// Modules compiled ahead of time (see serialize.h).
//
// A .cwasm file, little-endian, for the kind of host that wrote it:
//   the Header (below): a magic, the format, Tern's version and the layout
//     its code relies on, the CPU architecture and the CPU features the
//     code uses, the feature switches and code settings of the engine, the
//     module's hash, the payload's size and a checksum of both;
//   the payload: the module's binary and file name, then its machine code
//     as a jit::JitImage (jit/jit.h): the function table, the functions'
//     starts, position tables (backtraces) and catch tables (exception
//     handlers, jit/catch_table.h), the code itself.
// The code needs no relocation (jit/jit.h says why). The module's binary is
// what instantiation needs (types, imports, segments, names): loading
// decodes its sections again, which is fast, but a function that has code
// is neither validated nor compiled again (Tiering's precompiled mode); one
// the JIT left to the interpreter is lowered from the binary as usual.
// A loaded module is never lazy (Config::lazy); a module compiled lazily is
// compiled again eagerly to be serialized, so that the image holds every
// function's code (and no arena: jit/jit.h).
// Every field is checked against this process and engine before anything
// is placed in executable memory; any difference is an error.
#include "runtime/serialize.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "base/hash.h"
#include "decode/module_decoder.h"
#include "jit/backend.h"
#include "jit/jit.h"
#include "module/opcodes.h"
#include "platform/platform.h"
#include "runtime/objects.h"
#include "runtime/tiering.h"

namespace tern {

namespace {

constexpr char kMagic[8] = {'\0', 'T', 'E', 'R', 'N', 'C', 'W', 'A'};
constexpr uint32_t kFormat = 2;  // 2: the functions' catch tables
// Where the code starts in the file: a multiple of every page size (4, 16
// or 64 KiB), so that a mapped file's code pages can be made executable
// where they are (JitModule::adopt), with nothing else on them.
constexpr size_t kCodeAlign = 64 * 1024;

#if defined(__x86_64__)
constexpr char kArch[] = "x86_64";
#elif defined(__aarch64__)
constexpr char kArch[] = "aarch64";
#else
constexpr char kArch[] = "none";
#endif

// Settings bits: what the JIT's code depends on in Config.
constexpr uint64_t kBoundsChecks = 1, kEpoch = 2, kFuel = 4;

struct Header {
  char magic[8];
  uint32_t format;
  uint32_t header_size;
  char version[16];
  char arch[16];
  uint64_t abi;       // the layout JIT code relies on (Ctx, the helper table)
  uint64_t cpu;       // jit::backend::cpuFeatures()
  uint64_t features;  // featureBits()
  uint64_t settings;  // kBoundsChecks | kEpoch | kFuel
  uint64_t guard_bytes;
  uint64_t module_hash;   // hashBytes of the module's binary
  uint64_t payload_size;  // bytes after the header
  uint64_t checksum;      // hashBytes of the payload, seeded with that of the header before this field
};
static_assert(sizeof(Header) == 112 && std::is_trivially_copyable_v<Header>);  // tests/run/cwasm_test.py forges them

// The header this engine writes and accepts, up to module_hash.
Header expectedHeader(const Config& config) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format = kFormat;
  h.header_size = sizeof(Header);
  std::strncpy(h.version, versionString(), sizeof h.version - 1);
  std::strncpy(h.arch, kArch, sizeof h.arch - 1);
  h.abi = (uint64_t(sizeof(jit::Ctx)) << 32) | jit::operatorHelper(kOpcodeCount);
  h.cpu = jit::backend::cpuFeatures();
  h.features = featureBits(config.features);
  jit::Options o = jitOptions(config);
  h.settings = (o.bounds_checks ? kBoundsChecks : 0) | (o.epoch ? kEpoch : 0) | (o.fuel ? kFuel : 0);
  h.guard_bytes = o.guard_bytes;
  return h;
}

uint64_t checksum(const Header& h, std::span<const uint8_t> payload) {
  auto head = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&h), offsetof(Header, checksum));
  return hashBytes(payload, hashBytes(head));
}

// ---- the payload ----
class Writer {
 public:
  std::vector<uint8_t> out;
  void u32(uint32_t v) { raw(&v, 4); }
  void bytes(std::span<const uint8_t> b) {
    uint64_t n = b.size();
    raw(&n, 8);
    raw(b.data(), b.size());
  }
  void raw(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
};

// Reads fail (ok() false) rather than run past the end.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> b) : b_(b) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return at_ == b_.size(); }
  uint32_t u32() {
    uint32_t v = 0;
    if (take(4)) std::memcpy(&v, b_.data() + at_ - 4, 4);
    return v;
  }
  std::span<const uint8_t> bytes() {
    uint64_t n = 0;
    if (take(8)) std::memcpy(&n, b_.data() + at_ - 8, 8);
    if (!take(n)) return {};
    return b_.subspan(at_ - n, n);
  }

 private:
  bool take(uint64_t n) {
    if (!ok_ || n > b_.size() - at_) return ok_ = false;
    at_ += n;
    return true;
  }
  std::span<const uint8_t> b_;
  size_t at_ = 0;
  bool ok_ = true;
};

void writeImage(Writer& w, const jit::JitImage& im) {
  w.u32(uint32_t(im.table.size()));
  w.u32(im.stubs);
  w.u32(uint32_t(im.starts.size()));
  for (uint32_t at : im.table) w.u32(at);
  for (auto [at, index] : im.starts) {
    w.u32(at);
    w.u32(index);
  }
  for (const PosTable& p : im.positions) w.bytes(p.encoded());
  for (size_t i = 0; i < im.table.size(); ++i) {
    std::vector<uint32_t> words = i < im.catches.size() ? im.catches[i].encode() : std::vector<uint32_t>{};
    std::vector<uint8_t> bytes(words.size() * 4);
    if (!words.empty()) std::memcpy(bytes.data(), words.data(), bytes.size());
    w.bytes(bytes);
  }
  // Padding, so that the code starts on a kCodeAlign boundary of the file
  // (after the padding's length and its own).
  size_t at = sizeof(Header) + w.out.size() + 16;
  w.bytes(std::vector<uint8_t>((kCodeAlign - at % kCodeAlign) % kCodeAlign));
  w.bytes(im.code);
}

// The image's tables into `im`, its code into `code` (a view of the file).
bool readImage(Cursor& c, jit::JitImage& im, std::span<const uint8_t>& code) {
  uint32_t nfuncs = c.u32();
  im.stubs = c.u32();
  uint32_t nstarts = c.u32();
  if (!c.ok() || nstarts > nfuncs) return false;
  for (uint32_t i = 0; i < nfuncs && c.ok(); ++i) im.table.push_back(c.u32());
  for (uint32_t i = 0; i < nstarts && c.ok(); ++i) {
    uint32_t at = c.u32();
    im.starts.emplace_back(at, c.u32());
  }
  for (uint32_t i = 0; i < nfuncs && c.ok(); ++i) {
    std::span<const uint8_t> p = c.bytes();
    im.positions.push_back(PosTable::fromEncoded(std::vector<uint8_t>(p.begin(), p.end())));
  }
  for (uint32_t i = 0; i < nfuncs && c.ok(); ++i) {
    std::span<const uint8_t> p = c.bytes();
    std::vector<uint32_t> words(p.size() / 4);
    if (!words.empty()) std::memcpy(words.data(), p.data(), words.size() * 4);
    if (p.size() % 4 || !jit::CatchTable::decode(words, im.catches.emplace_back())) return false;
  }
  c.bytes();  // padding
  code = c.bytes();
  return c.ok() && c.atEnd();
}

// ---- checking a file against this engine ----
Error refuse(ErrorKind kind, std::string why) { return Error{kind, std::move(why), SIZE_MAX}; }

std::string field(const char* chars, size_t n) { return std::string(chars, strnlen(chars, n)); }

// "extended-const tail-call": the switches in `bits`.
std::string featureNames(uint64_t bits) {
  std::string out, names = Features::names();
  size_t i = 0, pos = 0;
  while (pos < names.size()) {
    size_t end = std::min(names.find(' ', pos), names.size());
    if (bits & (uint64_t(1) << i)) {
      if (!out.empty()) out += ' ';
      out.append(names, pos, end - pos);
    }
    pos = end + 1;
    ++i;
  }
  return out.empty() ? "none" : out;
}

std::string settingNames(const Header& h) {
  std::string out = (h.settings & kBoundsChecks) ? "bounds checks" : "guard pages of " + std::to_string(h.guard_bytes);
  if (h.settings & kEpoch) out += ", epoch interruption";
  if (h.settings & kFuel) out += ", fuel";
  return out;
}

// The header of `file` checked against `want` (this engine's); on success
// the payload follows it in `file`.
std::optional<Error> checkHeader(std::span<const uint8_t> file, const Header& want, Header& h) {
  if (file.size() < sizeof kMagic || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
    return refuse(ErrorKind::Malformed, "not a .cwasm file (it does not start with Tern's .cwasm magic)");
  if (file.size() < sizeof(Header)) return refuse(ErrorKind::Malformed, "truncated .cwasm file (its header is cut)");
  std::memcpy(&h, file.data(), sizeof h);
  if (h.format != kFormat || h.header_size != sizeof(Header))
    return refuse(ErrorKind::Unsupported, "a .cwasm file of format " + std::to_string(h.format) +
                                              "; this Tern reads format " + std::to_string(kFormat) +
                                              ": compile it again");
  uint64_t have = file.size() - sizeof(Header);
  if (have < h.payload_size)
    return refuse(ErrorKind::Malformed, "truncated .cwasm file (" + std::to_string(file.size()) + " bytes of " +
                                            std::to_string(sizeof(Header) + h.payload_size) + ")");
  if (have > h.payload_size) return refuse(ErrorKind::Malformed, "damaged .cwasm file (bytes after its end)");
  if (checksum(h, file.subspan(sizeof(Header))) != h.checksum)
    return refuse(ErrorKind::Malformed, "damaged .cwasm file (its checksum does not match its contents)");
  std::string again = ": compile it again with this Tern and these settings";
  if (field(h.version, sizeof h.version) != versionString() || h.abi != want.abi)
    return refuse(ErrorKind::Unsupported, "the .cwasm file was compiled by another version of Tern (" +
                                              field(h.version, sizeof h.version) + "), this is " + versionString() +
                                              again);
  if (field(h.arch, sizeof h.arch) != kArch)
    return refuse(ErrorKind::Unsupported,
                  "the .cwasm file was compiled for " + field(h.arch, sizeof h.arch) + ", this host is " + kArch);
  if (h.cpu != want.cpu)
    return refuse(ErrorKind::Unsupported, "the .cwasm file was compiled for CPU features '" +
                                              jit::backend::cpuFeatureNames(h.cpu) + "', this CPU's are '" +
                                              jit::backend::cpuFeatureNames(want.cpu) + "'" + again);
  if (h.features != want.features)
    return refuse(ErrorKind::Unsupported, "the .cwasm file was compiled with the features '" +
                                              featureNames(h.features) + "', this engine has '" +
                                              featureNames(want.features) + "'" + again);
  if (h.settings != want.settings || (!(h.settings & kBoundsChecks) && h.guard_bytes != want.guard_bytes))
    return refuse(ErrorKind::Unsupported, "the .cwasm file's code was compiled with " + settingNames(h) +
                                              ", this engine's uses " + settingNames(want) + again);
  return std::nullopt;
}

// A .cwasm file mapped into memory (platform::mapFile), until its code
// takes it (JitModule::adopt).
struct Mapping {
  void* p = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (p) platform::release(p, size);
  }
};

// Loads a checked .cwasm; `name`, when given, replaces the file name it
// recorded (for backtraces). When `file` is `mapping`, its code is made
// executable where it lies, if the system lets it.
Expected<std::shared_ptr<Module>> load(Engine& engine, std::span<const uint8_t> file, const std::string* name,
                                       Mapping* mapping = nullptr) {
  Header h;
  if (auto e = checkHeader(file, expectedHeader(engine.config()), h)) return *e;
  Cursor c(file.subspan(sizeof(Header)));
  std::span<const uint8_t> wasm = c.bytes(), file_name = c.bytes();
  jit::JitImage image;
  std::span<const uint8_t> machine_code;
  if (!readImage(c, image, machine_code) || hashBytes(wasm) != h.module_hash)
    return refuse(ErrorKind::Malformed, "damaged .cwasm file (its contents are inconsistent)");
  size_t nfuncs = image.table.size();
  std::shared_ptr<jit::JitModule> code;
  if (mapping && (code = jit::JitModule::adopt(mapping->p, mapping->size, machine_code, image))) mapping->p = nullptr;
  if (!code) code = jit::JitModule::load(machine_code, std::move(image));
  if (!code)
    return refuse(ErrorKind::Unsupported, jit::available() ? "cannot place the .cwasm file's code in executable memory"
                                                           : "this build of Tern has no JIT for this host");
  WasmBytes bytes = WasmBytes::copy(wasm);
  Tiering tiering(engine.config(), code);
  ModuleDecoder dec(tiering, engine.config().features);
  dec.feedWhole(bytes.span());
  std::string path = name ? *name : std::string(file_name.begin(), file_name.end());
  auto mod = finishModule(engine, dec, path, bytes);
  if (mod && moduleData(**mod).func_types.size() != nfuncs)
    return refuse(ErrorKind::Malformed, "damaged .cwasm file (its code does not match its module)");
  return mod;
}

// A whole file, read into a buffer of its size (no copy, no zero-filling:
// a .cwasm of a big module is megabytes).
Expected<WasmBytes> readFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return refuse(ErrorKind::Io, "cannot open " + path);
  long size = std::fseek(f, 0, SEEK_END) == 0 ? std::ftell(f) : -1;
  bool ok = size >= 0 && std::fseek(f, 0, SEEK_SET) == 0;
  auto buffer = std::make_shared_for_overwrite<uint8_t[]>(ok ? size_t(size) : 0);
  if (ok) ok = std::fread(buffer.get(), 1, size_t(size), f) == size_t(size);
  std::fclose(f);
  if (!ok) return refuse(ErrorKind::Io, "cannot read " + path);
  return WasmBytes{std::move(buffer), size_t(size)};
}

// A .cwasm file, mapped (its code then runs where it lies in the mapping),
// else read.
Expected<std::shared_ptr<Module>> loadFile(Engine& engine, const std::string& path, const std::string* name) {
  Mapping m;
  if ((m.p = platform::mapFile(path.c_str(), &m.size)))
    return load(engine, std::span<const uint8_t>(static_cast<const uint8_t*>(m.p), m.size), name, &m);
  auto bytes = readFile(path);
  if (!bytes) return bytes.error();
  return load(engine, bytes->span(), name);
}

// Writes `bytes` to `path` as one step: into a file of its own, then
// renamed over `path`, so a reader never sees half of it.
bool writeAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  static std::atomic<uint32_t> counter{0};
  std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" +
                    std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()) % 100000) + "-" +
                    std::to_string(counter++);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = std::fclose(f) == 0 && ok;
  if (ok && std::rename(tmp.c_str(), path.c_str()) == 0) return true;
  std::remove(tmp.c_str());
  return false;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Expected<std::vector<uint8_t>> Module::serialize() const {
  const ModuleData& md = moduleData(*this);
  if (!md.jit || !md.bytes.data)
    return refuse(ErrorKind::Unsupported,
                  "the module has no machine code to serialize (it runs in the interpreter: the interpreter tier, or "
                  "no JIT for this host)");
  if (md.lazy) {
    // Compiled lazily: some code is not there yet, or lies in the arena
    // outside the image. A .cwasm holds every function's code, so the
    // module is compiled again, eagerly, and that is what is written.
    auto eager = compileBytes(engine(), md.bytes.span(), md.file_name, /*lazy=*/false);
    if (!eager) return eager.error();
    if (moduleData(**eager).lazy) return refuse(ErrorKind::Unsupported, "the module could not be compiled eagerly");
    return (*eager)->serialize();
  }
  Writer w;
  w.bytes(md.bytes.span());
  w.bytes(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(md.file_name.data()), md.file_name.size()));
  writeImage(w, md.jit->image());
  Header h = expectedHeader(engine().config());
  h.module_hash = hashBytes(md.bytes.span());
  h.payload_size = w.out.size();
  h.checksum = checksum(h, w.out);
  std::vector<uint8_t> out(sizeof h);
  std::memcpy(out.data(), &h, sizeof h);
  out.insert(out.end(), w.out.begin(), w.out.end());
  return out;
}

Expected<std::shared_ptr<Module>> Module::deserialize(Engine& engine, std::span<const uint8_t> bytes) {
  return load(engine, bytes, nullptr);
}

Expected<std::shared_ptr<Module>> Module::deserializeFile(Engine& engine, const std::string& path) {
  return loadFile(engine, path, nullptr);
}

bool Module::isPrecompiled(std::span<const uint8_t> bytes) {
  return bytes.size() >= sizeof kMagic && std::memcmp(bytes.data(), kMagic, sizeof kMagic) == 0;
}

Expected<std::shared_ptr<Module>> compileCached(Engine& engine, std::span<const uint8_t> bytes,
                                                const std::string& path) {
  const Config& config = engine.config();
  if (config.tier == Tier::Interp || !jit::available()) return compileBytes(engine, bytes, path);
  // One entry per module and everything its code depends on: the name is
  // the module's hash and the hash of the header that records the rest.
  Header h = expectedHeader(config);
  h.module_hash = hashBytes(bytes);
  auto head = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&h), offsetof(Header, payload_size));
  std::string entry = config.cache_dir + "/" + hex(h.module_hash) + "-" + hex(hashBytes(head)) + ".cwasm";
  std::string name = path.substr(path.find_last_of('/') + 1);
  {
    auto mod = loadFile(engine, entry, &name);
    // The same hash and the same bytes: a hash collision is not a hit.
    if (mod && std::ranges::equal(moduleData(**mod).bytes.span(), bytes)) return mod;
  }
  // Compiled whole (never lazily): what the entry stores is every function's
  // code.
  auto mod = compileBytes(engine, bytes, path, /*lazy=*/false);
  if (!mod) return mod;
  if (auto image = (*mod)->serialize()) {
    std::error_code ec;
    std::filesystem::create_directories(config.cache_dir, ec);
    writeAtomically(entry, *image);
  }
  return mod;
}

}  // namespace tern
