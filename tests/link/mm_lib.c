// A library with a memory of its own (built without libc, --export-all):
// a log of values and a string in its data segment, at addresses that
// overlap the main program's. Linked with mm_main.c, its memory becomes
// memory 1 and every one of its loads and stores must address it.
#include <stdint.h>

static const char kGreeting[] = "the library's own data";
static int log_values[256];
static int log_count;

int record(int v) {
  log_values[log_count & 255] = v;
  return ++log_count;
}

int total(void) {
  int sum = 0;
  for (int i = 0; i < log_count && i < 256; ++i) sum += log_values[i];
  return sum;
}

// FNV-1a over the greeting and the logged values.
uint32_t checksum(void) {
  uint32_t h = 2166136261u;
  for (const char* p = kGreeting; *p; ++p) h = (h ^ (uint8_t)*p) * 16777619u;
  for (int i = 0; i < log_count && i < 256; ++i) h = (h ^ (uint32_t)log_values[i]) * 16777619u;
  return h;
}

// The library's memory size in pages, after growing it by `n`.
int grow_pages(int n) {
  __builtin_wasm_memory_grow(0, n);
  return (int)__builtin_wasm_memory_size(0);
}
