// Loops clang -O3 -msimd128 turns into SIMD code (tests/jit/meson.build
// builds it so, and natively): integer lanes of every width with
// saturation, averages, min/max, abs, shifts, popcount, widening
// multiplies and extensions; f32/f64 arithmetic, rounding, sqrt and
// conversions; reductions. The output, a hash of every result, must be
// the native build's (run/compare.py, on the JIT tier). Nothing here has
// undefined or implementation-defined behaviour, so both builds agree.
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#define N 1003
static uint32_t s = 12345;
static uint32_t rnd(void) {
  s = s * 1664525u + 1013904223u;
  return s ^ (s >> 13);
}
int8_t a8[N], b8[N], c8[N];
uint8_t u8[N], v8[N], w8[N];
int16_t a16[N], b16[N], c16[N];
uint16_t u16[N], v16[N];
int32_t a32[N], b32[N], c32[N];
uint32_t u32[N], v32[N];
int64_t a64[N], b64[N], c64[N];
uint64_t u64[N];
float fa[N], fb[N], fc[N];
double da[N], db[N], dc[N];
static uint64_t h = 1469598103934665603ull;
static void mix(const void* p, size_t n) {
  const uint8_t* q = p;
  for (size_t i = 0; i < n; i++) {
    h ^= q[i];
    h *= 1099511628211ull;
  }
}
#define MIX(x) mix(x, sizeof(x))
static void init(void) {
  for (int i = 0; i < N; i++) {
    a8[i] = rnd();
    b8[i] = rnd();
    u8[i] = rnd();
    v8[i] = rnd();
    a16[i] = rnd();
    b16[i] = rnd();
    u16[i] = rnd();
    v16[i] = rnd();
    a32[i] = rnd();
    b32[i] = rnd() >> (rnd() & 31);
    u32[i] = rnd();
    v32[i] = rnd();
    a64[i] = ((uint64_t)rnd() << 32) | rnd();
    b64[i] = ((uint64_t)rnd() << 32) | rnd();
    u64[i] = a64[i] ^ b64[i];
    fa[i] = (float)(int32_t)rnd() / (float)(rnd() | 1);
    fb[i] = (float)(int32_t)rnd() * 1e-3f;
    da[i] = (double)(int32_t)rnd() / 7.0;
    db[i] = (double)rnd() * 1e-2;
    if (i % 17 == 0) {
      fa[i] = NAN;
      da[i] = -0.0;
    }
    if (i % 23 == 0) {
      fb[i] = INFINITY;
      db[i] = 3e10;
      fa[i] = 5e9f;
    }
  }
}
int main(void) {
  init();
  for (int r = 0; r < 3; r++) {
    for (int i = 0; i < N; i++) c8[i] = a8[i] + b8[i] * 3;
    MIX(c8);
    for (int i = 0; i < N; i++) {
      int v = u8[i] + v8[i];
      w8[i] = v > 255 ? 255 : v;
    }
    MIX(w8);
    for (int i = 0; i < N; i++) {
      int v = a8[i] - b8[i];
      c8[i] = v < -128 ? -128 : v > 127 ? 127 : v;
    }
    MIX(c8);
    for (int i = 0; i < N; i++) w8[i] = (u8[i] + v8[i] + 1) >> 1;
    MIX(w8);
    for (int i = 0; i < N; i++) c8[i] = a8[i] < b8[i] ? a8[i] : b8[i];
    MIX(c8);
    for (int i = 0; i < N; i++) w8[i] = u8[i] > v8[i] ? u8[i] : v8[i];
    MIX(w8);
    for (int i = 0; i < N; i++) c8[i] = abs(a8[i]);
    MIX(c8);
    for (int i = 0; i < N; i++) c8[i] = a8[i] >> (r + 1);
    MIX(c8);
    for (int i = 0; i < N; i++) w8[i] = u8[i] >> (r + 2);
    MIX(w8);
    for (int i = 0; i < N; i++) w8[i] = u8[i] << (r + 1);
    MIX(w8);
    for (int i = 0; i < N; i++) w8[i] = __builtin_popcount(u8[i]);
    MIX(w8);
    for (int i = 0; i < N; i++) c16[i] = a16[i] * b16[i] + a8[i];
    MIX(c16);
    for (int i = 0; i < N; i++) c16[i] = (int16_t)((a8[i] * b8[i]));
    MIX(c16);
    for (int i = 0; i < N; i++) c16[i] = a16[i] >> 3 ^ (u16[i] >> 5);
    MIX(c16);
    for (int i = 0; i < N; i++) c32[i] = a16[i] * (int32_t)b16[i];
    MIX(c32);
    for (int i = 0; i < N; i++) c32[i] = u16[i] * (uint32_t)v16[i];
    MIX(c32);
    for (int i = 0; i < N; i++) c32[i] = a32[i] * b32[i] - (a32[i] >> 7);
    MIX(c32);
    for (int i = 0; i < N; i++) c32[i] = a32[i] < b32[i] ? a32[i] : b32[i];
    MIX(c32);
    for (int i = 0; i < N; i++) u32[i] = u32[i] > v32[i] ? u32[i] - v32[i] : v32[i] - u32[i];
    MIX(u32);
    for (int i = 0; i < N; i++) c64[i] = a64[i] * b64[i] + (a64[i] >> 11);
    MIX(c64);
    for (int i = 0; i < N; i++) c64[i] = (int64_t)a32[i] * b32[i];
    MIX(c64);
    for (int i = 0; i < N; i++) c64[i] = a64[i] < b64[i] ? -1 : 1;
    MIX(c64);
    for (int i = 0; i < N; i++) c64[i] = llabs(a64[i]) >> (r + 1);
    MIX(c64);
    for (int i = 0; i < N; i++) u64[i] = u64[i] >> (r + 3) | (u64[i] << 2);
    MIX(u64);
    for (int i = 0; i < N; i++) fc[i] = fa[i] * fb[i] + fa[i] / (fb[i] + 1.0f);
    MIX(fc);
    for (int i = 0; i < N; i++)
      fc[i] = sqrtf(fabsf(fa[i])) - floorf(fb[i]) + ceilf(fa[i]) + truncf(fb[i]) + nearbyintf(fa[i]);
    MIX(fc);
    for (int i = 0; i < N; i++) fc[i] = fa[i] < fb[i] ? fa[i] : fb[i];
    MIX(fc);

    for (int i = 0; i < N; i++) c32[i] = (int32_t)(fb[i] < 1e9f && fb[i] > -1e9f ? fb[i] : 0.0f);
    MIX(c32);
    for (int i = 0; i < N; i++) fc[i] = (float)a32[i] + (float)u32[i];
    MIX(fc);
    for (int i = 0; i < N; i++) dc[i] = da[i] * db[i] - da[i] / (db[i] + 2.0);
    MIX(dc);
    for (int i = 0; i < N; i++) dc[i] = fabs(da[i]) + -db[i] + sqrt(fabs(db[i])) + floor(da[i]) + round(db[i]);
    MIX(dc);
    for (int i = 0; i < N; i++) dc[i] = (double)a32[i] + (double)u32[i] + (double)fa[i];
    MIX(dc);
    for (int i = 0; i < N; i++) fc[i] = (float)da[i];
    MIX(fc);
    for (int i = 0; i < N; i++) c32[i] = (int32_t)(db[i] * 1e-5);
    MIX(c32);
    for (int i = 0; i < N; i++) c32[i] = u8[i] + a16[i] + (a8[i] == b8[i]) + (a16[i] > b16[i]);
    MIX(c32);
    {
      int64_t sum = 0;
      for (int i = 0; i < N; i++) sum += a32[i];
      mix(&sum, 8);
    }
    {
      int32_t sum = 0;
      for (int i = 0; i < N; i++) sum += a16[i] * b16[i];
      mix(&sum, 4);
    }
    {
      uint32_t sum = 0;
      for (int i = 0; i < N; i++) sum += u8[i];
      mix(&sum, 4);
    }
    {
      float sum = 0;
      for (int i = 0; i < N; i++) sum += fb[i] * 0.5f;
      mix(&sum, 4);
    }
    {
      int any = 0;
      for (int i = 0; i < N; i++) any |= (a8[i] == 77);
      mix(&any, 4);
    }
    for (int i = 0; i < N; i++) {
      a8[i] ^= c8[(i * 7) % N];
      a16[i] += c16[(i * 3) % N];
      a32[i] ^= c32[i];
      fa[i] += fc[i] * 1e-3f;
    }
  }
  printf("%016llx\n", (unsigned long long)h);
  return 0;
}
