// Load time of a .cwasm against compiling the module, on one thread: what
// `tern compile` saves each start of a big module (SQLite, Lua).
//
//   cwasm_load FILE.wasm... [--iterations N]
//
// For each module: Module::compile from its bytes, Module::serialize, and
// Module::deserialize from the image, each N times (default 20) after one
// warm-up, timing each call alone by the wall clock; prints the medians:
//   speedtest1.wasm: compile 48.1 ms, deserialize 1.9 ms (25.3x faster); .wasm 1.2 MB, .cwasm 3.4 MB
// Files are read into memory first: the disk is not measured.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tern/tern.hpp"

namespace {

template <class F>
double medianMs(int n, F&& f) {
  f();  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 20;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) iterations = std::max(1, std::atoi(argv[++i]));
    else files.push_back(argv[i]);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: cwasm_load FILE.wasm... [--iterations N]\n");
    return 2;
  }
  tern::Engine engine;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto m = tern::Module::compile(engine, bytes);
    if (!m) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), m.error().toString().c_str());
      return 1;
    }
    auto image = m.value()->serialize();
    if (!image) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), image.error().toString().c_str());
      return 1;
    }
    bool ok = true;
    double compile = medianMs(iterations, [&] { ok &= tern::Module::compile(engine, bytes).ok(); });
    double load = medianMs(iterations, [&] { ok &= tern::Module::deserialize(engine, *image).ok(); });
    if (!ok) {
      std::fprintf(stderr, "%s: a compile or load failed\n", path.c_str());
      return 1;
    }
    std::string name = path.substr(path.find_last_of('/') + 1);
    std::printf("%s: compile %.2f ms, deserialize %.2f ms (%.1fx faster); .wasm %.2f MB, .cwasm %.2f MB\n",
                name.c_str(), compile, load, compile / load, bytes.size() / 1e6, image->size() / 1e6);
  }
  return 0;
}
