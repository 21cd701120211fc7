// All benchmark kernels in one module, the largest one the compile-throughput
// measurement uses. meson compiles each kernel with -Dmain=kernel_NAME and
// links the objects with this dispatcher:  all.wasm NAME [ARG]
#include <stdio.h>
#include <string.h>

#define KERNELS(X) \
  X(crc32) X(fib) X(hashtable) X(interp) X(mandelbrot) X(matmul) X(nbody) X(parse) X(quicksort) X(sha256) X(sieve)

#define DECLARE(name) int kernel_##name(int argc, char **argv);
KERNELS(DECLARE)

int main(int argc, char **argv) {
  if (argc >= 2) {
#define DISPATCH(name) \
  if (strcmp(argv[1], #name) == 0) return kernel_##name(argc - 1, argv + 1);
    KERNELS(DISPATCH)
  }
  fprintf(stderr, "usage: all.wasm KERNEL [ARG]\n");
  return 2;
}
