// Compile throughput of Tern on one thread: megabytes of code section per
// second that Module::compile turns into runnable code (decode, validate,
// lower for the interpreter and, on the jit tier, emit machine code), every
// function up front: lazy compilation is off.
//
//   compile_bench FILE.wasm [--tier=jit|interp] [--iterations N] [--threads N]
//
// --threads N compiles on N threads (Config::compile_threads; without it,
// one: the calling thread alone), and the CPU time is then the process's,
// every thread's work counted.
//
// Compiles the module a few times to warm up, then N times (default: as many
// as fit in about two seconds, at least 10) timing each compile alone, by the
// wall clock and by the thread's CPU clock (which a busy machine disturbs
// less), and prints the medians as one line:
//   tern jit compile: 41.2 MB/s (code section 61234 bytes, 180 of 180 functions JIT-compiled;
//   median 1.486 ms of 200; by cpu time 43.0 MB/s)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <time.h>
#include <vector>

#include "module/module.h"
#include "runtime/objects.h"
#include "tern/tern.hpp"

namespace {

// Size of the code section's payload (section id 10), or 0 when there is none.
size_t codeSectionSize(const std::vector<uint8_t>& b) {
  size_t pos = 8;  // magic and version
  while (pos < b.size()) {
    uint8_t id = b[pos++];
    uint64_t size = 0;
    for (int shift = 0; pos < b.size(); shift += 7) {
      uint8_t byte = b[pos++];
      size |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
      if (shift > 28) return 0;
    }
    if (id == 10) return size_t(size);
    pos += size;
  }
  return 0;
}

double cpuSeconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

int usage() {
  std::fprintf(stderr, "usage: compile_bench FILE.wasm [--tier=jit|interp] [--iterations N] [--threads N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* file = nullptr;
  tern::Tier tier = tern::Tier::Jit;
  int iterations = 0;
  int threads = 0;  // 0: not given (one thread)
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--tier=jit") {
      tier = tern::Tier::Jit;
    } else if (a == "--tier=interp") {
      tier = tern::Tier::Interp;
    } else if (a == "--iterations" && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
      if (threads < 1) return usage();
    } else if (a.rfind("--", 0) == 0 || file) {
      return usage();
    } else {
      file = argv[i];
    }
  }
  if (!file) return usage();
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "error: cannot read %s\n", file);
    return 2;
  }
  // Read in one go: byte by byte, reading a 1 MB module took about as many
  // instructions as a tenth of its compile, which blurred profiles.
  in.seekg(0, std::ios::end);
  std::vector<uint8_t> bytes(size_t(std::max<std::streamoff>(in.tellg(), 0)));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size()));
  if (!in) {
    std::fprintf(stderr, "error: cannot read %s\n", file);
    return 2;
  }
  size_t code_bytes = codeSectionSize(bytes);
  if (code_bytes == 0) {
    std::fprintf(stderr, "error: %s has no code section\n", file);
    return 1;
  }

  tern::Config config;
  config.tier = tier;
  // Every body compiled now, as the throughput means: lazily, compile would
  // only validate. One thread unless --threads says more.
  config.lazy = false;
  config.compile_threads = threads ? uint32_t(threads) : 1;
  clockid_t clock = threads > 1 ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_THREAD_CPUTIME_ID;
  tern::Engine engine(config);
  using Clock = std::chrono::steady_clock;
  size_t funcs = 0, jitted = 0;
  double cpu = 0;  // of the last compile
  auto compileOnce = [&]() -> double {
    double c0 = cpuSeconds(clock);
    auto t0 = Clock::now();
    auto module = tern::Module::compile(engine, bytes);
    auto t1 = Clock::now();
    cpu = cpuSeconds(clock) - c0;
    if (!module) {
      std::fprintf(stderr, "error: %s: %s\n", file, module.error().toString().c_str());
      std::exit(1);
    }
    const tern::ModuleData& m = tern::moduleData(*module.value());
    funcs = m.bodies.size();
    jitted = 0;
    if (m.jit)
      for (const tern::FuncBody& body : m.bodies) jitted += body.tier == tern::FuncTier::Jit;
    return std::chrono::duration<double>(t1 - t0).count();  // the module is freed outside the timing
  };

  double warm = 0;
  for (int i = 0; i < 3; ++i) warm = compileOnce();
  if (iterations <= 0) iterations = std::clamp(int(2.0 / std::max(warm, 1e-6)), 10, 1000);
  std::vector<double> times, cpus;
  times.reserve(size_t(iterations));
  cpus.reserve(size_t(iterations));
  for (int i = 0; i < iterations; ++i) {
    times.push_back(compileOnce());
    cpus.push_back(cpu);
  }
  std::sort(times.begin(), times.end());
  std::sort(cpus.begin(), cpus.end());
  double median = times[times.size() / 2], cpu_median = cpus[cpus.size() / 2];
  const char* name = tier == tern::Tier::Jit ? "jit" : "interp";
  std::string detail = std::to_string(funcs) + " functions";
  if (tier == tern::Tier::Jit) detail = std::to_string(jitted) + " of " + detail + " JIT-compiled";
  if (threads) detail += ", " + std::to_string(threads) + (threads > 1 ? " threads" : " thread");
  std::printf("tern %s compile: %.1f MB/s (code section %zu bytes, %s; median %.3f ms of %zu; by cpu time %.1f MB/s)\n",
              name, double(code_bytes) / median / 1e6, code_bytes, detail.c_str(), median * 1e3, times.size(),
              double(code_bytes) / cpu_median / 1e6);
  return 0;
}
