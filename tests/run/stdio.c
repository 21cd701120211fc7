/* tern run vs native: standard input and output.
 *
 *   stdio upper   copy stdin to stdout in upper case
 *   stdio stats   print line, word and byte counts and a checksum of stdin
 *   stdio rev     print the lines of stdin in reverse order
 *
 * Every mode also writes one line to stderr, which the comparison ignores. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(size_t *len) {
  size_t cap = 1 << 12, n = 0;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  for (;;) {
    if (n == cap) {
      cap *= 2;
      char *grown = realloc(buf, cap);
      if (!grown) {
        free(buf);
        return NULL;
      }
      buf = grown;
    }
    size_t got = fread(buf + n, 1, cap - n, stdin);
    if (got == 0) break;
    n += got;
  }
  *len = n;
  return buf;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "upper";
  fprintf(stderr, "stdio: mode %s\n", mode);
  if (strcmp(mode, "upper") == 0) {
    int c;
    while ((c = getchar()) != EOF) putchar(toupper(c));
    return 0;
  }
  size_t len = 0;
  char *data = slurp(&len);
  if (!data) {
    fprintf(stderr, "out of memory\n");
    return 1;
  }
  if (strcmp(mode, "stats") == 0) {
    unsigned long lines = 0, words = 0;
    uint32_t sum = 0;
    int in_word = 0;
    for (size_t i = 0; i < len; ++i) {
      unsigned char c = (unsigned char)data[i];
      sum = (sum << 5 | sum >> 27) ^ c;
      if (c == '\n') ++lines;
      if (isspace(c)) in_word = 0;
      else if (!in_word) in_word = 1, ++words;
    }
    printf("lines %lu\nwords %lu\nbytes %lu\nsum %08x\n", lines, words, (unsigned long)len, (unsigned)sum);
  } else if (strcmp(mode, "rev") == 0) {
    size_t end = len;
    if (end > 0 && data[end - 1] == '\n') --end;
    while (end > 0) {
      size_t start = end;
      while (start > 0 && data[start - 1] != '\n') --start;
      fwrite(data + start, 1, end - start, stdout);
      putchar('\n');
      end = start > 0 ? start - 1 : 0;
    }
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    free(data);
    return 2;
  }
  free(data);
  return 0;
}
