/* The WASI guest of wasi.c, built to wasm32-wasi. Besides WASI it imports
 * one host function, env.twice, which the test supplies through
 * wasi_env_define. argv[1] picks what it does:
 *
 *   all CODE   prints its arguments, a few environment variables, what it read
 *              from stdin, the file /sandbox/in.txt and twice(21); writes
 *              /sandbox/out.txt; writes binary bytes to stderr and a large
 *              binary block to stdout; exits with status CODE
 *   echo       copies stdin to stdout, says "echo done" on stderr, returns 0
 *   env NAME   prints NAME=value (or "NAME unset"), returns 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((import_module("env"), import_name("twice"))) int twice(int x);

static void show_env(const char* name) {
  const char* v = getenv(name);
  if (v) printf("%s=%s\n", name, v);
  else printf("%s unset\n", name);
}

/* Reads all of stdin into a malloc'd buffer. */
static char* slurp(size_t* len) {
  size_t cap = 256, n = 0;
  char* buf = malloc(cap);
  ssize_t got;
  while ((got = read(0, buf + n, cap - n)) > 0) {
    n += (size_t)got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  *len = n;
  return buf;
}

static int all(int argc, char** argv) {
  int i;
  size_t len;
  char* in;
  char line[128];
  FILE* f;
  static unsigned char block[70000];
  static const char err_bytes[] = {'e', 'r', 'r', 0, (char)0xff, 1, 'e', 'n', 'd', '\n'};

  printf("argc=%d\n", argc);
  for (i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  show_env("CAPI_A");
  show_env("CAPI_EMPTY");
  show_env("CAPI_EQ");
  show_env("CAPI_MISSING");

  in = slurp(&len);
  printf("stdin %zu bytes: ", len);
  fwrite(in, 1, len, stdout);
  printf("|\n");
  free(in);

  f = fopen("/sandbox/in.txt", "r");
  if (f) {
    while (fgets(line, sizeof line, f)) printf("file: %s", line);
    fclose(f);
  } else {
    printf("cannot open /sandbox/in.txt\n");
  }
  f = fopen("/sandbox/out.txt", "w");
  if (f) {
    fputs("written by the guest\n", f);
    fclose(f);
  }
  /* Outside the preopen: must fail. */
  f = fopen("/sandbox/../outside.txt", "r");
  printf("escape %s\n", f ? "possible" : "blocked");
  if (f) fclose(f);

  printf("twice(21)=%d\n", twice(21));

  /* Straight to fd 2, unbuffered: a NUL and a 0xff byte among them. */
  if (write(2, err_bytes, sizeof err_bytes) != (ssize_t)sizeof err_bytes) return 99;

  /* A block larger than stdio's buffer, so it arrives in several writes. */
  for (i = 0; i < (int)sizeof block; ++i) block[i] = (unsigned char)(i * 7 + (i >> 8));
  printf("block:");
  fwrite(block, 1, sizeof block, stdout);
  printf(":end\n");
  return argc > 2 ? atoi(argv[2]) : 0;
}

static int echo(void) {
  size_t len;
  char* in = slurp(&len);
  fwrite(in, 1, len, stdout);
  free(in);
  fprintf(stderr, "echo done\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "all") == 0) return all(argc, argv);
  if (argc > 1 && strcmp(argv[1], "echo") == 0) return echo();
  if (argc > 2 && strcmp(argv[1], "env") == 0) {
    show_env(argv[2]);
    return 0;
  }
  fprintf(stderr, "wasi_guest: unknown mode\n");
  return 2;
}
