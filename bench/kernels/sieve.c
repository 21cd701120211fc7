// Sieve of Eratosthenes over a byte array, repeated: a tight store loop with
// a variable stride, then a counting pass. Argument: limit (default
// 4000000); the sieve runs 12 times, each time up to a slightly smaller
// limit so no pass can be skipped.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel.h"

static unsigned sieve(unsigned char *composite, unsigned limit) {
  memset(composite, 0, limit + 1);
  for (unsigned p = 2; p * p <= limit; p++) {
    if (composite[p]) continue;
    for (unsigned m = p * p; m <= limit; m += p) composite[m] = 1;
  }
  unsigned count = 0;
  for (unsigned i = 2; i <= limit; i++) count += !composite[i];
  return count;
}

int main(int argc, char **argv) {
  unsigned limit = argc > 1 ? (unsigned)atoi(argv[1]) : 4000000;
  unsigned char *composite = malloc(limit + 1);
  if (!composite) return 1;
  unsigned long long total = 0;
  unsigned last = 0;
  for (unsigned pass = 0; pass < 12; pass++) {
    unsigned shrink = pass * 1000 < limit / 2 ? pass * 1000 : 0;
    last = sieve(composite, limit - shrink);
    total += last;
  }
  printf("sieve limit=%u primes=%u total=%llu\n", limit, last, total);
  free(composite);
  return 0;
}
