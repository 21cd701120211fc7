// A minimal embedding of Tern: a minimal build (meson setup -Dminimal=true)
// linked with its own platform file (platform_malloc.cc, malloc and free
// only) instead of the POSIX one. Compiles a module from the byte array
// below, calls its export sum_squares(n), prints the result, then reads past
// the end of the guest's memory to show that the trap comes from the
// interpreter's own bounds check (this build installs no signal handler).
//
//   min_platform [N]       prints "sum_squares(N) = ..." (N = 10 by default)
//
// The top-level meson.build builds it in a minimal build and runs it as the
// test `min-platform` (check.py computes the expected sums); the README says
// what it costs in size.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "tern/tern.hpp"

namespace {

// The module, as wat2wasm writes it from this text:
//
//   (module
//     (memory (export "memory") 1)
//     (func $square (param $x i32) (result i32)
//       (i32.mul (local.get $x) (local.get $x)))
//     ;; Stores 1*1, 2*2, ... n*n at 4, 8, ... 4n, grows the memory first if they
//     ;; do not fit, then sums them back from memory.
//     (func (export "sum_squares") (param $n i32) (result i64)
//       (local $i i32) (local $sum i64)
//       (if (i32.gt_u (i32.mul (i32.add (local.get $n) (i32.const 1)) (i32.const 4))
//                     (i32.shl (memory.size) (i32.const 16)))
//         (then (drop (memory.grow
//           (i32.add (i32.shr_u (i32.mul (local.get $n) (i32.const 4)) (i32.const 16)) (i32.const 1))))))
//       (local.set $i (i32.const 1))
//       (block $done
//         (loop $store
//           (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
//           (i32.store (i32.shl (local.get $i) (i32.const 2)) (call $square (local.get $i)))
//           (local.set $i (i32.add (local.get $i) (i32.const 1)))
//           (br $store)))
//       (local.set $i (i32.const 1))
//       (block $done
//         (loop $sum
//           (br_if $done (i32.gt_u (local.get $i) (local.get $n)))
//           (local.set $sum (i64.add (local.get $sum) (i64.load32_u (i32.shl (local.get $i) (i32.const 2)))))
//           (local.set $i (i32.add (local.get $i) (i32.const 1)))
//           (br $sum)))
//       (local.get $sum))
//     (func (export "load") (param $addr i32) (result i32)
//       (i32.load (local.get $addr))))
const uint8_t kModule[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0b, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f,
    0x01, 0x7e, 0x03, 0x04, 0x03, 0x00, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x1f, 0x03, 0x06, 0x6d, 0x65,
    0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00, 0x0b, 0x73, 0x75, 0x6d, 0x5f, 0x73, 0x71, 0x75, 0x61, 0x72, 0x65, 0x73, 0x00,
    0x01, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x02, 0x0a, 0x86, 0x01, 0x03, 0x07, 0x00, 0x20, 0x00, 0x20, 0x00, 0x6c,
    0x0b, 0x74, 0x02, 0x01, 0x7f, 0x01, 0x7e, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x41, 0x04, 0x6c, 0x3f, 0x00, 0x41, 0x10,
    0x74, 0x4b, 0x04, 0x40, 0x20, 0x00, 0x41, 0x04, 0x6c, 0x41, 0x10, 0x76, 0x41, 0x01, 0x6a, 0x40, 0x00, 0x1a, 0x0b,
    0x41, 0x01, 0x21, 0x01, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4b, 0x0d, 0x01, 0x20, 0x01, 0x41, 0x02,
    0x74, 0x20, 0x01, 0x10, 0x00, 0x36, 0x02, 0x00, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b, 0x0b,
    0x41, 0x01, 0x21, 0x01, 0x02, 0x40, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x4b, 0x0d, 0x01, 0x20, 0x02, 0x20, 0x01,
    0x41, 0x02, 0x74, 0x35, 0x02, 0x00, 0x7c, 0x21, 0x02, 0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01, 0x0c, 0x00, 0x0b,
    0x0b, 0x20, 0x02, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b,
};

}  // namespace

int main(int argc, char** argv) {
  int32_t n = argc > 1 ? int32_t(std::strtol(argv[1], nullptr, 10)) : 10;

  tern::Engine engine;
  auto module = tern::Module::compile(engine, std::span<const uint8_t>(kModule, sizeof kModule));
  if (!module) {
    std::fprintf(stderr, "min_platform: cannot compile the module: %s\n", module.error().toString().c_str());
    return 1;
  }
  tern::Store store(engine);
  auto instance = store.instantiate(*module, {});
  if (!instance) {
    std::fprintf(stderr, "min_platform: cannot instantiate the module: %s\n", instance.error().toString().c_str());
    return 1;
  }

  tern::Func* sum_squares = (*instance)->getFunc("sum_squares");
  tern::Func* load = (*instance)->getFunc("load");
  if (!sum_squares || !load) {
    std::fprintf(stderr, "min_platform: the module lacks an export\n");
    return 1;
  }
  tern::Value args[] = {tern::Value::i32(n)};
  auto sum = sum_squares->call(args);
  if (!sum) {
    std::fprintf(stderr, "min_platform: sum_squares(%d) trapped: %s\n", n, sum.error().toString().c_str());
    return 1;
  }
  std::printf("sum_squares(%d) = %lld\n", n, static_cast<long long>(sum.value()[0].asI64()));

  // One past the memory's last 4-byte word: a trap, and the host goes on.
  tern::Memory* memory = (*instance)->getMemory("memory");
  uint64_t size = memory ? memory->size() : 0;
  tern::Value past[] = {tern::Value::i32(int32_t(uint32_t(size - 3)))};
  auto r = load->call(past);
  if (r) {
    std::fprintf(stderr, "min_platform: load(%llu) did not trap\n", static_cast<unsigned long long>(size - 3));
    return 1;
  }
  std::printf("load(%llu) trapped: %s\n", static_cast<unsigned long long>(size - 3), r.error().message.c_str());
  return 0;
}
