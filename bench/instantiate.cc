// Instantiation benchmark: compile once, then for each request create a
// store, instantiate (through an InstancePre: imports resolved once), call a
// small export and drop the store. Prints microseconds per request, the
// median of several rounds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include "tern/tern.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: instantiate_bench MODULE.wasm [ITERATIONS]\n");
    return 2;
  }
  int iterations = argc > 2 ? std::atoi(argv[2]) : 20000;
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};

  tern::Engine engine;
  auto module = tern::Module::compile(engine, bytes);
  if (!module) {
    std::fprintf(stderr, "error: %s\n", module.error().toString().c_str());
    return 1;
  }
  tern::Linker linker;
  auto pre = linker.instantiatePre(module.value());
  if (!pre) {
    std::fprintf(stderr, "error: %s\n", pre.error().toString().c_str());
    return 1;
  }

  int64_t checksum = 0;
  auto request = [&](int i) {
    tern::Store store(engine);
    auto inst = pre.value().instantiate(store);
    if (!inst) std::abort();
    auto run = inst.value()->getFunc("run")->typed<int32_t(int32_t)>();
    checksum += run.value()(i & 15).value();
  };
  for (int i = 0; i < 1000; ++i) request(i);  // warm up: page tables, pools

  std::vector<double> rounds;
  for (int r = 0; r < 7; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iterations; ++i) request(i);
    auto t1 = std::chrono::steady_clock::now();
    rounds.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count() / iterations);
  }
  std::sort(rounds.begin(), rounds.end());
  std::printf("tern instantiate+call: %.2f us (median of %zu rounds of %d; min %.2f, max %.2f; checksum %lld)\n",
              rounds[rounds.size() / 2], rounds.size(), iterations, rounds.front(), rounds.back(),
              static_cast<long long>(checksum));
  return 0;
}
