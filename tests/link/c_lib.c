// A library built without libc: pure functions, exported with --export-all.
// It never touches linear memory, so `tern link` can drop the memory the
// toolchain gives it and keep the main program's.
#include <stdint.h>

int fib(int n) {
  int a = 0, b = 1;
  for (int i = 0; i < n; ++i) {
    int t = a + b;
    a = b;
    b = t;
  }
  return a;
}

int gcd(int a, int b) {
  while (b != 0) {
    int t = a % b;
    a = b;
    b = t;
  }
  return a < 0 ? -a : a;
}

uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

double hypotenuse(double a, double b) { return __builtin_sqrt(a * a + b * b); }

int64_t collatz_steps(int64_t n) {
  int64_t steps = 0;
  while (n > 1) {
    n = (n & 1) ? 3 * n + 1 : n / 2;
    ++steps;
  }
  return steps;
}
