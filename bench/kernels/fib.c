// Recursive Fibonacci: almost nothing but calls, returns and a compare.
// Argument: n (default 39).
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

static unsigned fib(unsigned n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 39;
  printf("fib(%u) = %u\n", n, fib(n));
  return 0;
}
