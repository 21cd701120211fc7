// A WASI program with its own memory that calls mm_lib.c's functions
// (module "mmlib"), which own another memory: its own buffers must not see
// the library's stores, and its output is the same linked and preloaded.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LIB(name) __attribute__((import_module("mmlib"), import_name(name)))

LIB("record") int lib_record(int v);
LIB("total") int lib_total(void);
LIB("checksum") uint32_t lib_checksum(void);
LIB("grow_pages") int lib_grow_pages(int n);

static char own[64] = "main's own data";
static int squares[32];

int main(void) {
  for (int i = 0; i < 32; ++i) squares[i] = i * i;
  int n = 0;
  for (int i = 1; i <= 40; ++i) n = lib_record(i * 3 - 7);
  printf("records: %d, total: %d\n", n, lib_total());
  printf("checksum: %08x\n", lib_checksum());
  printf("library pages: %d\n", lib_grow_pages(2));
  int sq = 0;
  for (int i = 0; i < 32; ++i) sq += squares[i];
  printf("own: %s, %zu bytes, squares: %d\n", own, strlen(own), sq);
  return 0;
}
