// 8-bit image processing, the bread and butter of SIMD code: alpha-blend two
// RGBA images, convert the result to grayscale with integer weights, then a
// 1-2-1 horizontal blur of the gray plane. All integer arithmetic on bytes
// widened to 16 bits, so clang -msimd128 vectorizes it (extend, mul, shift,
// narrow) and every engine must agree bit for bit. Argument: the image side
// in pixels (default 1024); 12 passes, each with a different alpha.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

static void blend(const uint8_t *a, const uint8_t *b, uint8_t *out, size_t bytes, unsigned alpha) {
  unsigned inv = 256 - alpha;
  for (size_t i = 0; i < bytes; i++) out[i] = (uint8_t)((a[i] * alpha + b[i] * inv) >> 8);
}

static void gray(const uint8_t *rgba, uint8_t *g, size_t pixels) {
  for (size_t i = 0; i < pixels; i++) {
    const uint8_t *p = rgba + 4 * i;
    g[i] = (uint8_t)((p[0] * 77u + p[1] * 150u + p[2] * 29u) >> 8);
  }
}

static void blur(const uint8_t *g, uint8_t *out, size_t side) {
  for (size_t y = 0; y < side; y++) {
    const uint8_t *row = g + y * side;
    uint8_t *o = out + y * side;
    o[0] = row[0];
    o[side - 1] = row[side - 1];
    for (size_t x = 1; x + 1 < side; x++) o[x] = (uint8_t)((row[x - 1] + 2 * row[x] + row[x + 1] + 2) >> 2);
  }
}

int main(int argc, char **argv) {
  size_t side = argc > 1 ? (size_t)atoi(argv[1]) : 1024;
  if (side < 4) side = 4;
  size_t pixels = side * side, bytes = 4 * pixels;
  uint8_t *a = malloc(bytes), *b = malloc(bytes), *mix = malloc(bytes);
  uint8_t *g = malloc(pixels), *bl = malloc(pixels);
  if (!a || !b || !mix || !g || !bl) return 1;
  uint32_t seed = 12345;
  for (size_t i = 0; i < bytes; i++) {
    seed = seed * 1103515245u + 12345u;
    a[i] = (uint8_t)(seed >> 24);
    b[i] = (uint8_t)((i * 7) ^ (i >> 9));
  }
  uint64_t sum = 0;
  uint32_t hash = 2166136261u;
  for (unsigned pass = 0; pass < 12; pass++) {
    blend(a, b, mix, bytes, 16 + pass * 19);
    gray(mix, g, pixels);
    blur(g, bl, side);
    for (size_t i = 0; i < pixels; i++) sum += bl[i];
    hash = (hash ^ bl[(pass * 7919u) % pixels]) * 16777619u;
  }
  printf("blend side=%zu sum=%llu hash=%08x\n", side, (unsigned long long)sum, hash);
  free(a), free(b), free(mix), free(g), free(bl);
  return 0;
}
