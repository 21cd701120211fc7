// Quicksort of pseudo-random 32-bit integers: median-of-three pivot, Hoare
// partition, insertion sort below 16 elements, recursion on the smaller side
// only. Argument: n, the element count (default 2000000). The result is
// checked to be sorted and summarised by a position-weighted checksum.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

static void insertion_sort(int32_t *a, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    int32_t v = a[i];
    long j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

static inline void swap(int32_t *a, long i, long j) {
  int32_t t = a[i];
  a[i] = a[j];
  a[j] = t;
}

static void quicksort(int32_t *a, long lo, long hi) {
  while (hi - lo >= 16) {
    long mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    int32_t pivot = a[mid];
    long i = lo - 1, j = hi + 1;
    for (;;) {
      do i++;
      while (a[i] < pivot);
      do j--;
      while (a[j] > pivot);
      if (i >= j) break;
      swap(a, i, j);
    }
    if (j - lo < hi - j) {
      quicksort(a, lo, j);
      lo = j + 1;
    } else {
      quicksort(a, j + 1, hi);
      hi = j;
    }
  }
  insertion_sort(a, lo, hi);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000000;
  int32_t *a = malloc(sizeof(int32_t) * (size_t)n);
  if (!a) return 1;
  uint64_t s = 0x243F6A8885A308D3ull;
  for (long i = 0; i < n; i++) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    a[i] = (int32_t)(s >> 32);
    if (i % 5 == 0) a[i] &= 0xfff;  // some duplicates
  }
  quicksort(a, 0, n - 1);
  long unsorted = 0;
  uint64_t sum = 0;
  for (long i = 0; i < n; i++) {
    if (i > 0 && a[i - 1] > a[i]) unsorted++;
    sum += (uint64_t)(uint32_t)a[i] * (uint64_t)(i + 1);
  }
  printf("quicksort n=%ld unsorted=%ld min=%d median=%d max=%d sum=%llu\n", n, unsorted, a[0], a[n / 2], a[n - 1],
         (unsigned long long)sum);
  free(a);
  return unsorted != 0;
}
