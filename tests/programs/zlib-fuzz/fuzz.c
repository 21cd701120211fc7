/* zlib's own functions called with random arguments: the library's API
 * exercised far beyond what minigzip reaches, for comparing Tern's tiers
 * with the native build.
 *
 *   zfuzz FIRST COUNT
 *
 * For each seed FIRST .. FIRST+COUNT-1 (a deterministic xorshift stream per
 * seed): random data (text-like, runs, noise, or a mix), random deflate
 * parameters (level, raw / zlib / gzip window bits 9..15, memLevel,
 * strategy), a dictionary sometimes, deflateParams changes halfway, output
 * and input handed over in random small pieces, then inflate with random
 * piece sizes (and inflateBack when the stream is raw), a corrupted copy of
 * the stream inflated to its error, compress2/uncompress2 with exact and
 * short buffers, and crc32/adler32 and their _combine functions on random
 * splits. One line per seed with sizes, return codes and checksums: the
 * line is the same on every correct platform, since deflate's output does
 * not depend on the machine's word size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zlib.h"

static uint64_t rng;

static uint32_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

static uint32_t below(uint32_t n) { return n ? next() % n : 0; }

static void fill(unsigned char* p, size_t n) {
  static const char* words[] = {"the ", "deflate ", "stream ", "window ", "of ", "a ",   "\n",
                                "int ", "return ",  "{ ",      "} ",      "0x",  "1234", "zlib "};
  int shape = (int)below(4);
  size_t i = 0;
  while (i < n) {
    int s = shape == 3 ? (int)below(3) : shape;
    size_t run = 1 + below(200);
    if (s == 0) {  // text-like
      const char* w = words[below(sizeof words / sizeof *words)];
      for (size_t k = 0; w[k] && i < n; ++k) p[i++] = (unsigned char)w[k];
    } else if (s == 1) {  // runs
      unsigned char c = (unsigned char)below(4);
      while (run-- && i < n) p[i++] = c;
    } else {  // noise, or a copy of earlier bytes
      if (i > 64 && below(2)) {
        size_t from = below((uint32_t)(i - 32));
        while (run-- && i < n) p[i++] = p[from++];
      } else {
        while (run-- && i < n) p[i++] = (unsigned char)next();
      }
    }
  }
}

static unsigned long sum_bytes(const unsigned char* p, size_t n) {
  unsigned long h = 5381;
  for (size_t i = 0; i < n; ++i) h = (h * 33) ^ p[i];
  return h & 0xffffffffUL;
}

/* inflateBack's input and output callbacks: pieces of a buffer. */
struct back_io {
  unsigned char* in;
  size_t in_len, in_pos;
  unsigned char* out;
  size_t out_cap, out_len;
};

static unsigned back_in(void* d, z_const unsigned char** buf) {
  struct back_io* io = d;
  size_t n = 1 + below(97);
  if (n > io->in_len - io->in_pos) n = io->in_len - io->in_pos;
  *buf = io->in + io->in_pos;
  io->in_pos += n;
  return (unsigned)n;
}

static int back_out(void* d, unsigned char* buf, unsigned len) {
  struct back_io* io = d;
  if (io->out_len + len > io->out_cap) return 1;
  memcpy(io->out + io->out_len, buf, len);
  io->out_len += len;
  return 0;
}

static void one(uint32_t seed) {
  rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)seed * 0x100000001b3ULL);
  for (int i = 0; i < 4; ++i) next();
  size_t n = below(4) == 0 ? below(64) : 1 + below(48 * 1024);
  unsigned char* data = malloc(n + 1);
  fill(data, n);

  int level = (int)below(11) - 1;
  int kind = (int)below(3);  // 0 raw, 1 zlib, 2 gzip
  int wbits = 9 + (int)below(7);
  int window = kind == 0 ? -wbits : kind == 1 ? wbits : wbits + 16;
  int mem = 1 + (int)below(9);
  int strategy = (int)below(5);
  unsigned char dict[300];
  size_t dict_len = kind != 2 && below(3) == 0 ? 1 + below(sizeof dict) : 0;
  fill(dict, sizeof dict);

  z_stream zs;
  memset(&zs, 0, sizeof zs);
  int rc = deflateInit2(&zs, level, Z_DEFLATED, window, mem, strategy);
  printf("seed %u n=%zu level=%d window=%d mem=%d strategy=%d dict=%zu init=%d", seed, n, level, window, mem, strategy,
         dict_len, rc);
  if (rc != Z_OK) {
    printf("\n");
    free(data);
    return;
  }
  if (dict_len) printf(" setdict=%d", deflateSetDictionary(&zs, dict, (uInt)dict_len));
  size_t cap = deflateBound(&zs, (uLong)n) + 64;
  unsigned char* comp = malloc(cap);
  zs.next_in = data;
  zs.next_out = comp;
  size_t fed = 0;
  int changed = 0;
  for (;;) {
    size_t piece = 1 + below(below(2) ? 64 : 8192);
    if (piece > n - fed) piece = n - fed;
    zs.avail_in = (uInt)piece;
    fed += piece;
    size_t room = cap - (size_t)(zs.next_out - comp);
    zs.avail_out = (uInt)(room < 1 + (size_t)below(4096) ? room : 1 + below(4096));
    int flush = fed == n ? Z_FINISH : below(16) == 0 ? (below(2) ? Z_SYNC_FLUSH : Z_FULL_FLUSH) : Z_NO_FLUSH;
    if (!changed && fed > n / 2 && below(2)) {
      changed = 1;
      int lv2 = (int)below(10), st2 = (int)below(5);
      zs.avail_out = (uInt)(cap - (size_t)(zs.next_out - comp));
      printf(" params(%d,%d)=%d", lv2, st2, deflateParams(&zs, lv2, st2));
    }
    rc = deflate(&zs, flush);
    fed -= zs.avail_in;  // what deflate did not take is offered again
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    if ((size_t)(zs.next_out - comp) >= cap) break;
  }
  size_t clen = (size_t)(zs.next_out - comp);
  printf(" deflate=%d clen=%zu adler=%08lx", rc, clen, zs.adler & 0xffffffffUL);
  deflateEnd(&zs);

  /* Inflate in random pieces. */
  unsigned char* back = malloc(n + 16);
  memset(&zs, 0, sizeof zs);
  rc = inflateInit2(&zs, below(4) == 0 && kind != 0 ? 32 + 15 : window);
  if (rc == Z_OK && kind == 0 && dict_len) rc = inflateSetDictionary(&zs, dict, (uInt)dict_len);  // raw: up front
  zs.next_in = comp;
  zs.next_out = back;
  size_t used = 0;
  int irc = rc;
  while (rc == Z_OK) {
    size_t piece = 1 + below(512);
    if (piece > clen - used) piece = clen - used;
    zs.avail_in = (uInt)piece;
    size_t room = n + 16 - (size_t)(zs.next_out - back);
    zs.avail_out = (uInt)(room < 1 + (size_t)below(2048) ? room : 1 + below(2048));
    irc = inflate(&zs, below(8) == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
    used += piece - zs.avail_in;
    if (irc == Z_NEED_DICT) irc = inflateSetDictionary(&zs, dict, (uInt)dict_len);
    if (irc == Z_STREAM_END || (irc != Z_OK && irc != Z_BUF_ERROR)) break;
    if (used >= clen && zs.avail_out) break;
  }
  size_t blen = (size_t)(zs.next_out - back);
  printf(" inflate=%d blen=%zu same=%d", irc, blen, blen == n && memcmp(back, data, n) == 0);
  inflateEnd(&zs);

  /* inflateBack on a raw stream. */
  if (kind == 0 && wbits == 15 && !dict_len) {
    unsigned char* win = malloc(1u << 15);
    struct back_io io = {comp, clen, 0, back, n + 16, 0};
    memset(&zs, 0, sizeof zs);
    rc = inflateBackInit(&zs, 15, win);
    if (rc == Z_OK) rc = inflateBack(&zs, back_in, &io, back_out, &io);
    printf(" back=%d same=%d", rc, io.out_len == n && memcmp(back, data, n) == 0);
    inflateBackEnd(&zs);
    free(win);
  }

  /* A damaged copy: every outcome is fine as long as it is deterministic. */
  if (clen > 4) {
    for (int k = 1 + (int)below(3); k > 0; --k) comp[below((uint32_t)clen)] ^= (unsigned char)(1u << below(8));
    memset(&zs, 0, sizeof zs);
    rc = inflateInit2(&zs, window);
    if (rc == Z_OK && kind == 0 && dict_len) rc = inflateSetDictionary(&zs, dict, (uInt)dict_len);
    zs.next_in = comp;
    zs.avail_in = (uInt)clen;
    zs.next_out = back;
    zs.avail_out = (uInt)(n + 16);
    rc = rc == Z_OK ? inflate(&zs, Z_FINISH) : rc;
    printf(" damaged=%d out=%lu sum=%08lx", rc, zs.total_out, sum_bytes(back, zs.total_out));
    inflateEnd(&zs);
  }

  /* compress2 / uncompress2, with a destination too short half the time. */
  uLongf dlen = compressBound((uLong)n);
  unsigned char* c2 = malloc(dlen);
  rc = compress2(c2, &dlen, data, (uLong)n, level);
  uLongf ulen = below(2) ? (uLongf)n : (uLongf)(n / 2);
  uLong slen = dlen;
  int urc = uncompress2(back, &ulen, c2, &slen);
  printf(" compress2=%d/%lu uncompress2=%d/%lu/%lu", rc, (unsigned long)dlen, urc, (unsigned long)ulen, slen);
  free(c2);

  /* Checksums over a random split, combined. */
  size_t cut = below((uint32_t)n + 1);
  uLong c1 = crc32(seed, data, (uInt)cut), c2r = crc32(0, data + cut, (uInt)(n - cut));
  uLong a1 = adler32(1, data, (uInt)cut), a2 = adler32(1, data + cut, (uInt)(n - cut));
  printf(" crc=%08lx/%08lx adler=%08lx/%08lx\n", crc32_combine(c1, c2r, (z_off_t)(n - cut)) & 0xffffffffUL,
         crc32(seed, data, (uInt)n) & 0xffffffffUL, adler32_combine(a1, a2, (z_off_t)(n - cut)) & 0xffffffffUL,
         adler32(1, data, (uInt)n) & 0xffffffffUL);
  free(back);
  free(comp);
  free(data);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: zfuzz FIRST COUNT\n");
    return 2;
  }
  uint32_t first = (uint32_t)strtoul(argv[1], 0, 10), count = (uint32_t)strtoul(argv[2], 0, 10);
  for (uint32_t s = first; s < first + count; ++s) one(s);
  printf("zlib %s: %u seeds\n", zlibVersion(), count);
  return 0;
}
