/* Tern's demo program: a WASI command that shows what a guest can see.
 *
 *   tern run --env NAME=Ada build/hello.wasm one two
 *   echo "some text" | tern run build/hello.wasm --stdin
 *   tern run build/hello.wasm --exit 3; echo $?
 *
 * Arguments:
 *   --stdin     count the lines, words and bytes of standard input
 *   --exit N    finish with exit status N (through exit(), i.e. proc_exit)
 *   --primes N  how many primes to print (default 10)
 *   anything else is just listed
 *
 * Build: clang --target=wasm32-wasi -O2 -o hello.wasm hello.c
 * It is plain C, so `cc hello.c` gives the same program natively. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a, so the output shows that guest arithmetic is right. */
static uint32_t fnv1a(const char *s, uint32_t h) {
  for (; *s; ++s) {
    h ^= (unsigned char)*s;
    h *= 16777619u;
  }
  return h;
}

static void print_primes(int count) {
  printf("first %d primes:", count);
  int found = 0;
  for (int n = 2; found < count; ++n) {
    int prime = 1;
    for (int d = 2; d * d <= n; ++d) {
      if (n % d == 0) {
        prime = 0;
        break;
      }
    }
    if (prime) {
      printf(" %d", n);
      ++found;
    }
  }
  printf("\n");
}

static void count_stdin(void) {
  char buf[4096];
  size_t n;
  unsigned long lines = 0, words = 0, bytes = 0;
  int in_word = 0;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    for (size_t i = 0; i < n; ++i) {
      unsigned char c = (unsigned char)buf[i];
      if (c == '\n') ++lines;
      if (isspace(c)) {
        in_word = 0;
      } else if (!in_word) {
        in_word = 1;
        ++words;
      }
    }
    bytes += n;
  }
  printf("stdin: %lu lines, %lu words, %lu bytes\n", lines, words, bytes);
}

int main(int argc, char **argv) {
  const char *name = getenv("NAME");
  printf("Hello, %s! This is a WebAssembly program.\n", name ? name : "world");

  int primes = 10, exit_code = 0, read_stdin = 0;
  printf("argc = %d\n", argc);
  uint32_t hash = 2166136261u;
  for (int i = 0; i < argc; ++i) {
    printf("  argv[%d] = \"%s\"\n", i, argv[i]);
    if (i > 0) hash = fnv1a(argv[i], hash);
    if (strcmp(argv[i], "--stdin") == 0) {
      read_stdin = 1;
    } else if (strcmp(argv[i], "--exit") == 0 && i + 1 < argc) {
      exit_code = atoi(argv[i + 1]);
    } else if (strcmp(argv[i], "--primes") == 0 && i + 1 < argc) {
      primes = atoi(argv[i + 1]);
      if (primes < 0) primes = 0;
      if (primes > 10000) primes = 10000;
    }
  }
  printf("fnv1a(argv[1..]) = 0x%08x\n", (unsigned)hash);
  print_primes(primes);
  if (read_stdin) count_stdin();
  if (exit_code != 0) {
    fflush(stdout); /* keep the two streams in order on a pipe */
    fprintf(stderr, "hello: exiting with status %d\n", exit_code);
    exit(exit_code);
  }
  return 0;
}
