// Open-addressing hash table of 32-bit keys and values: linear probing,
// multiplicative hashing, deletion by backward shift (no tombstones). A
// pseudo-random mix of inserts/increments, lookups and deletes over a fixed
// key universe. Argument: operations (default 8000000).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

typedef struct {
  uint32_t key;  // 0 marks an empty slot
  uint32_t value;
} Slot;

static Slot *slots;
static uint32_t mask, count;
static int shift;

static inline uint32_t home(uint32_t key) { return (key * 0x9E3779B1u) >> shift; }

static void add(uint32_t key, uint32_t delta) {
  uint32_t i = home(key);
  for (;;) {
    if (slots[i].key == key) {
      slots[i].value += delta;
      return;
    }
    if (slots[i].key == 0) {
      slots[i].key = key;
      slots[i].value = delta;
      count++;
      return;
    }
    i = (i + 1) & mask;
  }
}

static int lookup(uint32_t key, uint32_t *value) {
  for (uint32_t i = home(key);; i = (i + 1) & mask) {
    if (slots[i].key == key) {
      *value = slots[i].value;
      return 1;
    }
    if (slots[i].key == 0) return 0;
  }
}

static int erase(uint32_t key) {
  uint32_t i = home(key);
  while (slots[i].key != key) {
    if (slots[i].key == 0) return 0;
    i = (i + 1) & mask;
  }
  // Pull later entries of the probe run back into the hole while they may
  // legally sit there (their home is at or before the hole).
  uint32_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    uint32_t k = slots[j].key;
    if (k == 0) break;
    if (((j - home(k)) & mask) >= ((j - i) & mask)) {
      slots[i] = slots[j];
      i = j;
    }
  }
  slots[i].key = 0;
  slots[i].value = 0;
  count--;
  return 1;
}

int main(int argc, char **argv) {
  long ops = argc > 1 ? atol(argv[1]) : 8000000;
  const uint32_t universe = 1u << 18;
  shift = 32 - 19;  // 2^19 slots: load factor at most 1/2
  mask = (1u << 19) - 1;
  slots = calloc(mask + 1, sizeof(Slot));
  if (!slots) return 1;
  uint32_t rng = 88172645u;
  uint64_t found_sum = 0;
  uint32_t hits = 0, misses = 0, erased = 0;
  for (long n = 0; n < ops; n++) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    uint32_t key = ((rng >> 3) % universe + 1) * 2246822519u;
    uint32_t v;
    switch (rng & 7) {
      case 0:
      case 1:
      case 2:
      case 3: add(key, (uint32_t)n); break;
      case 4:
      case 5:
      case 7:
        if (lookup(key, &v)) {
          hits++;
          found_sum += v;
        } else {
          misses++;
        }
        break;
      case 6: erased += (uint32_t)erase(key); break;
    }
  }
  uint32_t fold = 0;
  for (uint32_t i = 0; i <= mask; i++) fold = (fold * 31 + slots[i].key) ^ slots[i].value;
  printf("hashtable ops=%ld count=%u hits=%u misses=%u erased=%u sum=%llu fold=%08x\n", ops, count, hits, misses,
         erased, (unsigned long long)found_sum, fold);
  free(slots);
  return 0;
}
