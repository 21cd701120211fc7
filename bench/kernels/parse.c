// A tokenizer over generated source-like text: identifiers, decimal and hex
// integers (with their values), quoted strings, punctuation, comments and
// line counting, one byte at a time. Argument: passes over a 2 MiB text
// (default 16); one digit of the text changes between passes.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

typedef struct {
  uint64_t int_sum;
  uint32_t ident_hash, idents, ints, strings, string_bytes, punct, comments, lines;
} Stats;

static uint32_t seed = 99991u;
static uint32_t next(uint32_t bound) {
  seed = seed * 1103515245u + 12345u;
  return (seed >> 8) % bound;
}

static size_t generate(char *out, size_t cap) {
  static const char letters[] = "abcdefghijklmnopqrstuvwxyz_0123456789";
  static const char punct[] = "=,:;()[]{}+*<>";
  static const char hexdig[] = "0123456789abcdef";
  size_t n = 0;
  while (n + 64 < cap) {
    int tokens = 4 + (int)next(10);
    for (int t = 0; t < tokens; t++) {
      switch (next(6)) {
        case 0:
        case 1: {  // identifier
          int len = 1 + (int)next(10);
          out[n++] = letters[next(26)];
          for (int i = 1; i < len; i++) out[n++] = letters[next(37)];
          break;
        }
        case 2: {  // decimal, maybe negative
          if (next(4) == 0) out[n++] = '-';
          int len = 1 + (int)next(7);
          out[n++] = (char)('1' + next(9));
          for (int i = 1; i < len; i++) out[n++] = (char)('0' + next(10));
          break;
        }
        case 3: {  // hex
          out[n++] = '0';
          out[n++] = 'x';
          int len = 1 + (int)next(8);
          for (int i = 0; i < len; i++) out[n++] = hexdig[next(16)];
          break;
        }
        case 4: {  // string
          out[n++] = '"';
          int len = (int)next(14);
          for (int i = 0; i < len; i++) out[n++] = next(5) == 0 ? ' ' : letters[next(26)];
          out[n++] = '"';
          break;
        }
        default: out[n++] = punct[next(sizeof punct - 1)];
      }
      out[n++] = next(3) == 0 ? '\t' : ' ';
    }
    if (next(8) == 0) {
      out[n++] = '#';
      int len = (int)next(20);
      for (int i = 0; i < len; i++) out[n++] = letters[next(37)];
    }
    out[n++] = '\n';
  }
  return n;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void tokenize(const unsigned char *p, const unsigned char *end, Stats *st) {
  while (p < end) {
    unsigned char c = *p;
    if (c == ' ' || c == '\t' || c == '\r') {
      p++;
    } else if (c == '\n') {
      st->lines++;
      p++;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
      uint32_t h = 2166136261u;
      while (p < end &&
             ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (*p >= '0' && *p <= '9'))) {
        h = (h ^ *p) * 16777619u;
        p++;
      }
      st->ident_hash ^= h;
      st->idents++;
    } else if ((c >= '0' && c <= '9') || (c == '-' && p + 1 < end && p[1] >= '0' && p[1] <= '9')) {
      int negative = c == '-';
      if (negative) p++;
      uint64_t v = 0;
      if (p + 1 < end && p[0] == '0' && p[1] == 'x') {
        p += 2;
        int d;
        while (p < end && (d = hexval(*p)) >= 0) {
          v = v * 16 + (uint64_t)d;
          p++;
        }
      } else {
        while (p < end && *p >= '0' && *p <= '9') {
          v = v * 10 + (uint64_t)(*p - '0');
          p++;
        }
      }
      st->int_sum += negative ? (uint64_t)0 - v : v;
      st->ints++;
    } else if (c == '"') {
      const unsigned char *start = ++p;
      while (p < end && *p != '"' && *p != '\n') p++;
      st->string_bytes += (uint32_t)(p - start);
      st->strings++;
      if (p < end && *p == '"') p++;
    } else if (c == '#') {
      while (p < end && *p != '\n') p++;
      st->comments++;
    } else {
      st->punct += c;
      p++;
    }
  }
}

int main(int argc, char **argv) {
  int passes = argc > 1 ? atoi(argv[1]) : 16;
  const size_t cap = 2u << 20;
  char *text = malloc(cap);
  if (!text) return 1;
  size_t len = generate(text, cap);
  Stats st = {0};
  for (int pass = 0; pass < passes; pass++) {
    tokenize((const unsigned char *)text, (const unsigned char *)text + len, &st);
    size_t at = ((size_t)pass * 7919u) % len;
    while (text[at] < '0' || text[at] > '9') at = (at + 1) % len;
    text[at] = (char)('0' + (text[at] - '0' + 3) % 10);
  }
  printf(
      "parse bytes=%zu passes=%d lines=%u idents=%u hash=%08x ints=%u sum=%llu strings=%u/%u punct=%u "
      "comments=%u\n",
      len, passes, st.lines, st.idents, st.ident_hash, st.ints, (unsigned long long)st.int_sum, st.strings,
      st.string_bytes, st.punct, st.comments);
  free(text);
  return 0;
}
