// The main program: imports the library's functions from module "lib".
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LIB(name) __attribute__((import_module("lib"), import_name(name)))

LIB("fib") int lib_fib(int n);
LIB("gcd") int lib_gcd(int a, int b);
LIB("hash32") uint32_t lib_hash32(uint32_t x);
LIB("hypotenuse") double lib_hypotenuse(double a, double b);
LIB("collatz_steps") int64_t lib_collatz_steps(int64_t n);

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 10;
  for (int i = 0; i <= n; ++i) printf("fib(%d) = %d\n", i, lib_fib(i));
  printf("gcd(1071, 462) = %d\n", lib_gcd(1071, 462));
  printf("hash32(42) = %08" PRIx32 "\n", lib_hash32(42));
  printf("hypotenuse(3, 4) = %.3f\n", lib_hypotenuse(3, 4));
  printf("collatz_steps(27) = %" PRId64 "\n", lib_collatz_steps(27));
  return lib_gcd(n, 4);
}
