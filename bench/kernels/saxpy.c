// Single-precision array arithmetic, the shape of auto-vectorized numeric
// code: a*x + y, an element-wise product with a clamp (compare and select),
// a square root, and an int/float conversion, over arrays streamed from
// memory. No reductions in float (their order would change the sum): the
// checksum adds the results in double, in order. Argument: the array length
// (default 1000000); 40 passes.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

static void saxpy(float a, const float *x, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = a * x[i] + y[i];
}

static void clamp_mul(const float *x, const float *y, float *z, size_t n, float hi) {
  for (size_t i = 0; i < n; i++) {
    float v = x[i] * y[i];
    z[i] = v > hi ? hi : v < -hi ? -hi : v;
  }
}

static void root_abs(float *z, size_t n) {
  for (size_t i = 0; i < n; i++) z[i] = sqrtf(fabsf(z[i]));
}

static void quantize(const float *z, int32_t *q, size_t n) {
  for (size_t i = 0; i < n; i++) q[i] = (int32_t)(z[i] * 1000.0f);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atoi(argv[1]) : 1000000;
  float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *z = malloc(n * sizeof(float));
  int32_t *q = malloc(n * sizeof(int32_t));
  if (!x || !y || !z || !q) return 1;
  for (size_t i = 0; i < n; i++) {
    x[i] = (float)(i % 1000) * 0.001f - 0.5f;
    y[i] = (float)((i * 7) % 333) * 0.003f;
  }
  int64_t qsum = 0;
  double zsum = 0;
  for (int pass = 0; pass < 40; pass++) {
    saxpy(0.25f + 0.01f * (float)pass, x, y, n);
    clamp_mul(x, y, z, n, 0.75f);
    root_abs(z, n);
    quantize(z, q, n);
    for (size_t i = 0; i < n; i++) qsum += q[i];
    zsum += z[(size_t)pass * 7919u % n];
  }
  printf("saxpy n=%zu qsum=%lld zsum=%.6f y0=%.6f\n", n, (long long)qsum, zsum, (double)y[n / 3]);
  free(x), free(y), free(z), free(q);
  return 0;
}
