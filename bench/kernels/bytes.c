// Byte-string work that auto-vectorizes: ASCII lower-casing (compare, select),
// counting a byte (compare, widen, add), the sum of 16-bit values and the
// minimum and maximum of 32-bit ones (integer reductions: their order does
// not change the result). Argument: the buffer length in bytes (default
// 4000000); 30 passes.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

static void lower(const uint8_t *in, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t c = in[i];
    out[i] = (uint8_t)(c - 'A' < 26u ? c | 0x20 : c);
  }
}

static uint32_t count(const uint8_t *s, size_t n, uint8_t c) {
  uint32_t k = 0;
  for (size_t i = 0; i < n; i++) k += s[i] == c;
  return k;
}

static uint64_t sum16(const uint16_t *v, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s += v[i];
  return s;
}

static void minmax(const int32_t *v, size_t n, int32_t *lo, int32_t *hi) {
  int32_t a = v[0], b = v[0];
  for (size_t i = 0; i < n; i++) {
    a = v[i] < a ? v[i] : a;
    b = v[i] > b ? v[i] : b;
  }
  *lo = a, *hi = b;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atoi(argv[1]) : 4000000;
  n &= ~(size_t)3;
  if (n < 16) n = 16;
  uint8_t *text = malloc(n), *low = malloc(n);
  if (!text || !low) return 1;
  uint32_t seed = 7;
  for (size_t i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    text[i] = (uint8_t)(32 + (seed >> 25) % 95);
  }
  uint64_t total = 0, s16 = 0;
  int64_t spread = 0;
  for (int pass = 0; pass < 30; pass++) {
    text[(size_t)pass * 104729u % n] = (uint8_t)('A' + pass);
    lower(text, low, n);
    total += count(low, n, (uint8_t)('a' + pass % 26));
    s16 += sum16((const uint16_t *)low, n / 2);
    int32_t lo, hi;
    minmax((const int32_t *)low, n / 4, &lo, &hi);
    spread += (int64_t)hi - lo;
  }
  printf("bytes n=%zu count=%llu sum16=%llu spread=%lld\n", n, (unsigned long long)total,
         (unsigned long long)s16, (long long)spread);
  free(text), free(low);
  return 0;
}
