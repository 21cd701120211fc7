// SHA-256 over a 1 MiB buffer, many times over, each digest folded back into
// the buffer so every pass depends on the one before: 32-bit rotates, adds
// and big-endian loads. Argument: passes (default 36). The round constants
// are derived at startup (fractional bits of square and cube roots of the
// first primes, by integer search) and checked against the digest of "abc".
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel.h"

static uint32_t K[64], H0[8];

static uint64_t root_bits(unsigned p, int degree) {
  // floor(p^(1/degree) * 2^32), found by binary search on x^degree <= p * 2^(32*degree).
  unsigned __int128 target = (unsigned __int128)p << (32 * degree);
  uint64_t lo = 0, hi = (uint64_t)1 << 36;
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    unsigned __int128 v = (unsigned __int128)mid * mid;
    if (degree == 3) v *= mid;
    if (v <= target) lo = mid;
    else hi = mid;
  }
  return lo;
}

static void init_constants(void) {
  unsigned primes[64], count = 0;
  for (unsigned c = 2; count < 64; c++) {
    int prime = 1;
    for (unsigned d = 2; d * d <= c; d++)
      if (c % d == 0) {
        prime = 0;
        break;
      }
    if (prime) primes[count++] = c;
  }
  for (int i = 0; i < 8; i++) H0[i] = (uint32_t)root_bits(primes[i], 2);
  for (int i = 0; i < 64; i++) K[i] = (uint32_t)root_bits(primes[i], 3);
}

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t state[8], const uint8_t *block) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++)
    w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 | (uint32_t)block[4 * t + 2] << 8 |
           block[4 * t + 3];
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int t = 0; t < 64; t++) {
    uint32_t big1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t choose = (e & f) ^ (~e & g);
    uint32_t t1 = h + big1 + choose + K[t] + w[t];
    uint32_t big0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = big0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

static void sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
  uint32_t state[8];
  memcpy(state, H0, sizeof state);
  size_t full = len / 64 * 64;
  for (size_t off = 0; off < full; off += 64) compress(state, data + off);
  uint8_t tail[128] = {0};
  size_t rest = len - full;
  memcpy(tail, data + full, rest);
  tail[rest] = 0x80;
  size_t tail_len = rest + 9 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = (uint8_t)(bits >> (8 * i));
  for (size_t off = 0; off < tail_len; off += 64) compress(state, tail + off);
  for (int i = 0; i < 8; i++) {
    out[4 * i] = (uint8_t)(state[i] >> 24);
    out[4 * i + 1] = (uint8_t)(state[i] >> 16);
    out[4 * i + 2] = (uint8_t)(state[i] >> 8);
    out[4 * i + 3] = (uint8_t)state[i];
  }
}

static void hex(const uint8_t d[32], char out[65]) {
  for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

int main(int argc, char **argv) {
  int passes = argc > 1 ? atoi(argv[1]) : 36;
  init_constants();
  uint8_t digest[32];
  char text[65];
  sha256((const uint8_t *)"abc", 3, digest);
  hex(digest, text);
  int selftest = strcmp(text, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0;

  const size_t size = 1 << 20;
  uint8_t *buf = malloc(size);
  if (!buf) return 1;
  uint32_t x = 12345;
  for (size_t i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (uint8_t)x;
  }
  for (int p = 0; p < passes; p++) {
    sha256(buf, size - (size_t)p, digest);  // odd lengths exercise the padding
    for (int i = 0; i < 32; i++) buf[((size_t)p * 4099 + (size_t)i * 131) % size] ^= digest[i];
  }
  hex(digest, text);
  printf("sha256 passes=%d selftest=%s digest=%s\n", passes, selftest ? "ok" : "FAILED", text);
  free(buf);
  return selftest ? 0 : 1;
}
