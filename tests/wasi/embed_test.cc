// The WASI embedding API (include/tern/wasi.hpp), exercised the way an
// embedder uses it: stdin from a buffer or a reader callback, stdout and
// stderr captured in buffers or writer callbacks, an in-memory filesystem
// filled before the run and read back after it, a host directory next to
// it, injected clocks and randomness, exit codes, and a listening socket
// handed in.
//
// The guests are built by meson into TERN_WASI_TEST_DIR; the tier comes
// from TERN_WASI_TIER (default interp).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tern/tern.hpp"
#include "tern/wasi.hpp"

namespace fs = std::filesystem;
using tern::wasi::MemFs;
using tern::wasi::Options;
using tern::wasi::Preopen;
using tern::wasi::Stdio;

namespace {

std::string wasmPath(const std::string& name) {
  const char* dir = std::getenv("TERN_WASI_TEST_DIR");
  return std::string(dir ? dir : ".") + "/" + name + ".wasm";
}

tern::Config tierConfig() {
  tern::Config c;
  const char* t = std::getenv("TERN_WASI_TIER");
  std::string tier = t ? t : "interp";
  c.tier = tier == "jit" ? tern::Tier::Jit : tier == "auto" ? tern::Tier::Auto : tern::Tier::Interp;
  return c;
}

struct RunResult {
  int status = -1;       // the guest's exit code (0 when _start returns), 134 for a trap
  std::string trap;      // the trap's message, if it trapped
  std::string out, err;  // Context::stdoutData / stderrData
  std::string setup_error;
  std::optional<int> exit_code;  // Context::exitCode() after the run
};

// Compiles `wasm`, links WASI with `opts` and calls _start.
RunResult run(const std::string& wasm, Options opts) {
  RunResult r;
  tern::Engine engine(tierConfig());
  auto module = tern::Module::compileFile(engine, wasmPath(wasm));
  REQUIRE_MESSAGE(module.ok(), (module.ok() ? "" : module.error().toString()));
  tern::Store store(engine);
  tern::Linker linker;
  auto ctx = tern::wasi::addToLinker(linker, store, std::move(opts));
  r.setup_error = ctx->error();
  auto inst = linker.instantiate(store, *module);
  REQUIRE(inst.ok());
  auto res = (*inst)->getFunc("_start")->call({});
  if (res.ok()) {
    r.status = 0;
  } else if (res.error().kind == tern::TrapKind::Exit) {
    r.status = res.error().exit_code;
  } else {
    r.status = 134;
    r.trap = res.error().message;
  }
  r.out = ctx->stdoutData();
  r.err = ctx->stderrData();
  r.exit_code = ctx->exitCode();
  return r;
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/tern-embed-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("stdin from a buffer, stdout and stderr captured in buffers") {
  Options o;
  o.args = {"stdio.wasm", "upper"};
  o.in = Stdio::fromBytes("Hello from the embedder.\nSecond line.\n");
  o.out = Stdio::toBuffer();
  o.err = Stdio::toBuffer();
  RunResult r = run("stdio", std::move(o));
  CHECK(r.status == 0);
  CHECK(r.out == "HELLO FROM THE EMBEDDER.\nSECOND LINE.\nPASS\n");
  CHECK(r.err == "stderr: 38 bytes\n");
}

TEST_CASE("stdin from a reader callback, stdout to a writer callback") {
  // 200 KB of input, handed out in pieces of varying size.
  std::string input;
  for (int i = 0; i < 10000; ++i) input += "line " + std::to_string(i) + " of the input\n";
  size_t pos = 0, calls = 0;
  Options o;
  o.args = {"stdio.wasm", "cat"};
  o.in = Stdio::fromReader([&](std::span<uint8_t> buf) -> size_t {
    ++calls;
    size_t n = std::min({buf.size(), input.size() - pos, size_t(1 + calls % 777)});
    std::memcpy(buf.data(), input.data() + pos, n);
    pos += n;
    return n;
  });
  std::string out;
  o.out = Stdio::toWriter([&](std::span<const uint8_t> d) { out.append(d.begin(), d.end()); });
  o.err = Stdio::null();
  RunResult r = run("stdio", std::move(o));
  CHECK(r.status == 0);
  CHECK(pos == input.size());
  CHECK(calls > 100);
  CHECK(out.size() == input.size() + 5);
  CHECK(out == input + "PASS\n");
  CHECK(r.out.empty());  // nothing was captured in the buffer
}

TEST_CASE("a guest against an in-memory filesystem and a host directory") {
  auto mem = std::make_shared<MemFs>();
  REQUIRE(mem->addFile("/data/in.txt", "abc\ndef\nghi\n"));
  REQUIRE(mem->addFile("/data/remove-me.txt", "bye"));
  REQUIRE(mem->addDir("/data/empty"));
  REQUIRE(mem->addFile("/private/secret", "not for the guest"));
  TempDir host;
  Options o;
  o.args = {"embed_guest.wasm", "memfs"};
  o.mounts.push_back(Preopen::memory(mem, "/data", "/data"));
  o.mounts.push_back(Preopen::host(host.path.string(), "/host"));
  o.out = Stdio::toBuffer();
  o.err = Stdio::toBuffer();
  RunResult r = run("embed_guest", std::move(o));
  CHECK(r.status == 0);
  CHECK(r.setup_error.empty());
  CHECK(r.out ==
        "lines=3\n"
        "entry empty/\n"
        "entry in.txt\n"
        "entry out/\n"
        "entry remove-me.txt\n"
        "PASS\n");
  CHECK(r.err == "memfs done\n");
  // What the guest left behind, read back through the API.
  CHECK(mem->readFile("/data/out/upper.txt") == std::string("ABC\nDEF\nGHI\n"));
  CHECK(mem->listDir("/data") == std::vector<std::string>{"empty", "in.txt", "link", "out"});
  CHECK(mem->listDir("/data/out") == std::vector<std::string>{"upper.txt"});
  CHECK(mem->readSymlink("/data/link") == std::string("out/upper.txt"));
  CHECK(mem->isDir("/data/out"));
  CHECK(!mem->exists("/data/remove-me.txt"));
  CHECK(mem->readFile("/private/secret") == std::string("not for the guest"));
  std::ifstream f(host.path / "from-guest.txt");
  std::string line;
  std::getline(f, line);
  CHECK(line == "written by the guest");
}

TEST_CASE("the in-memory filesystem's capacity") {
  auto mem = std::make_shared<MemFs>();
  REQUIRE(mem->addDir("/data"));
  mem->setCapacity(1000);
  Options o;
  o.args = {"embed_guest.wasm", "fill"};
  o.mounts.push_back(Preopen::memory(mem, "/data", "/data"));
  o.out = Stdio::toBuffer();
  RunResult r = run("embed_guest", std::move(o));
  CHECK(r.status == 0);
  CHECK(r.out == "errno=51 after 1000 bytes\nPASS\n");  // ENOSPC
  CHECK(mem->bytesUsed() == 1000);
  CHECK(mem->readFile("/data/big")->size() == 1000);
}

TEST_CASE("injected clocks and randomness make runs reproducible") {
  auto once = [] {
    Options o;
    o.args = {"embed_guest.wasm", "time"};
    o.clocks = tern::wasi::deterministicClocks(1'600'000'000'000'000'000ull);
    o.random = tern::wasi::deterministicRandom(42);
    o.out = Stdio::toBuffer();
    return run("embed_guest", std::move(o));
  };
  auto t0 = std::chrono::steady_clock::now();
  RunResult a = once();
  RunResult b = once();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  CHECK(a.status == 0);
  CHECK(a.out == b.out);
  // Two 10-second sleeps took no real time.
  CHECK(elapsed < std::chrono::seconds(5));
  // realtime starts at the given instant; monotonic advances 1 µs a reading
  // and by the 10 s the guest slept.
  CHECK(a.out.rfind("realtime=1600000000000001000\nmonotonic=2000\nresolution=1000\nrandom=", 0) == 0);
  size_t last = a.out.rfind("monotonic=");
  REQUIRE(last != std::string::npos);
  uint64_t mono = std::stoull(a.out.substr(last + 10));
  CHECK(mono >= 10'000'000'000ull);
  CHECK(mono < 10'001'000'000ull);
  CHECK(endsWith(a.out, "PASS\n"));
  // Another seed, other bytes.
  Options o;
  o.args = {"embed_guest.wasm", "time"};
  o.clocks = tern::wasi::deterministicClocks(1'600'000'000'000'000'000ull);
  o.random = tern::wasi::deterministicRandom(43);
  o.out = Stdio::toBuffer();
  RunResult c = run("embed_guest", std::move(o));
  CHECK(c.out != a.out);
}

TEST_CASE("arguments, environment and exit codes") {
  Options o;
  o.args = {"args_env.wasm", "one", "two words", "", "\xc3\xbcn\xc3\xaf", "--flag"};
  o.env = {"TERN_A=alpha", "TERN_EMPTY=", "TERN_EQ=a=b"};
  o.out = Stdio::toBuffer();
  RunResult r = run("args_env", std::move(o));
  CHECK(r.status == 0);
  CHECK(endsWith(r.out, "PASS\n"));
  CHECK_FALSE(r.exit_code.has_value());  // _start returned: no proc_exit

  Options e;
  e.args = {"embed_guest.wasm", "exit", "42"};
  RunResult re = run("embed_guest", std::move(e));
  CHECK(re.status == 42);
  CHECK(re.exit_code == std::optional<int>(42));

  Options t;
  t.args = {"proc.wasm", "raise-term"};
  t.out = Stdio::toBuffer();
  RunResult rt = run("proc", std::move(t));
  CHECK(rt.status == 128 + 15);
  CHECK(rt.exit_code == std::optional<int>(128 + 15));
  CHECK(rt.out == "raising\n");
}

TEST_CASE("addToLinker for one module defines only what it imports") {
  tern::Engine engine(tierConfig());
  auto module = tern::Module::compileFile(engine, wasmPath("args_env"));
  REQUIRE(module.ok());
  std::vector<std::string> imported;
  for (const tern::ImportInfo& i : (*module)->imports())
    if (i.module == "wasi_snapshot_preview1") imported.push_back(i.name);
  REQUIRE_FALSE(imported.empty());
  tern::Store store(engine);
  tern::Linker only, all;
  Options o;
  o.args = {"args_env.wasm", "one", "two words", "", "\xc3\xbcn\xc3\xaf", "--flag"};
  o.env = {"TERN_A=alpha", "TERN_EMPTY=", "TERN_EQ=a=b"};
  o.out = Stdio::toBuffer();
  auto ctx = tern::wasi::addToLinker(only, store, std::move(o), **module);
  auto full = tern::wasi::addToLinker(all, store, Options{});
  for (const std::string& name : imported) CHECK(only.lookup("wasi_snapshot_preview1", name).has_value());
  // Functions args_env does not import: defined by the full form only.
  int others = 0;
  for (const char* name : {"path_symlink", "sock_accept", "poll_oneoff", "fd_readdir", "proc_raise"}) {
    if (std::find(imported.begin(), imported.end(), name) != imported.end()) continue;
    ++others;
    CHECK_FALSE(only.lookup("wasi_snapshot_preview1", name).has_value());
    CHECK(all.lookup("wasi_snapshot_preview1", name).has_value());
  }
  CHECK(others > 0);
  auto inst = only.instantiate(store, *module);
  REQUIRE(inst.ok());
  CHECK((*inst)->getFunc("_start")->call({}).ok());
  CHECK(endsWith(ctx->stdoutData(), "PASS\n"));
}

TEST_CASE("Options::inheritEnv copies the host environment") {
  ::setenv("TERN_EMBED_TEST_VAR", "visible", 1);
  Options o;
  o.inheritEnv();
  bool found = false;
  for (const auto& e : o.env) found |= e == "TERN_EMBED_TEST_VAR=visible";
  CHECK(found);
}

TEST_CASE("setup errors are reported, not fatal") {
  auto mem = std::make_shared<MemFs>();
  Options o;
  o.mounts.push_back(Preopen::memory(mem, "/x", "/no/such/dir"));
  o.mounts.push_back(Preopen::host("/no/such/host/dir", "/y"));
  tern::wasi::Context ctx(std::move(o));
  CHECK(ctx.error().find("/no/such/dir") != std::string::npos);
  CHECK(ctx.error().find("/no/such/host/dir") != std::string::npos);
  std::string err;
  CHECK(tern::wasi::listenTcp("nonsense", err) == -1);
  CHECK(!err.empty());
  CHECK(tern::wasi::listenTcp("127.0.0.1:99999", err) == -1);
}

TEST_CASE("MemFs, filled and read back by the embedder") {
  MemFs m;
  CHECK(m.addFile("/a/b/c.txt", "c"));
  CHECK(m.isDir("/a/b"));
  CHECK(m.addFile("/a/b/c.txt", "replaced"));
  CHECK(m.readFile("/a/b/c.txt") == std::string("replaced"));
  CHECK(!m.addFile("/a/b/c.txt/x", "under a file"));
  CHECK(!m.addDir("/a/b/c.txt"));
  CHECK(m.addSymlink("/a/l", "b/c.txt"));
  CHECK(!m.addSymlink("/a/l", "again"));
  CHECK(m.readSymlink("/a/l") == std::string("b/c.txt"));
  CHECK(!m.readFile("/a/l"));  // symlinks are not followed here
  CHECK(!m.addFile("/a/../x", "no dot-dot"));
  CHECK(m.listDir("/a") == std::vector<std::string>{"b", "l"});
  CHECK(!m.listDir("/a/b/c.txt"));
  CHECK(m.bytesUsed() == 8);
  CHECK(m.exists("/"));
}

TEST_CASE("a listening socket handed in through the API") {
  std::string err;
  int lsn = tern::wasi::listenTcp("127.0.0.1:0", err);
  REQUIRE(lsn >= 0);
  struct sockaddr_in addr;
  socklen_t alen = sizeof addr;
  REQUIRE(::getsockname(lsn, reinterpret_cast<sockaddr*>(&addr), &alen) == 0);
  int port = ntohs(addr.sin_port);

  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::string client_got, client_error;
  std::thread client([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return ready; })) return;
    lock.unlock();
    int c = ::socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in to = {};
    to.sin_family = AF_INET;
    to.sin_port = htons(uint16_t(port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      client_error = "connect failed";
      ::close(c);
      return;
    }
    auto sendAll = [&](const char* s) { (void)!::send(c, s, std::strlen(s), 0); };
    sendAll("ping 1234567890");
    char buf[64];
    while (client_got.size() < 17) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      client_got.append(buf, size_t(n));
    }
    sendAll("x");
    if (::recv(c, buf, sizeof buf, 0) != 0) client_error = "no end of stream";
    sendAll("after");
    ::close(c);
  });

  TempDir box;
  Options o;
  o.args = {"sockets.wasm"};
  o.mounts.push_back(Preopen::host(box.path.string(), "/sandbox"));
  o.sockets.push_back(lsn);
  std::string out;
  o.out = Stdio::toWriter([&](std::span<const uint8_t> d) {
    out.append(d.begin(), d.end());
    if (out.find("ready\n") != std::string::npos) {
      std::lock_guard<std::mutex> lock(mu);
      ready = true;
      cv.notify_all();
    }
  });
  RunResult r = run("sockets", std::move(o));
  client.join();
  CHECK(r.status == 0);
  CHECK(client_error == "");
  CHECK(client_got == "pongvia fd_write\n");
  CHECK(endsWith(out, "PASS\n"));
  INFO(out);
}
