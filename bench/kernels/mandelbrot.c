// Mandelbrot set escape times over a grid: a double-precision inner loop
// with a data-dependent exit. Argument: n, the grid is n x n (default 1100),
// at most 200 iterations per point.
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1100;
  const int max_iter = 200;
  unsigned long long total = 0;
  unsigned hash = 2166136261u;
  int inside = 0;
  for (int py = 0; py < n; py++) {
    double ci = -1.25 + 2.5 * py / n;
    for (int px = 0; px < n; px++) {
      double cr = -2.2 + 3.0 * px / n;
      double zr = 0, zi = 0, zr2 = 0, zi2 = 0;
      int it = 0;
      while (it < max_iter && zr2 + zi2 <= 4.0) {
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        zr2 = zr * zr;
        zi2 = zi * zi;
        it++;
      }
      total += it;
      inside += it == max_iter;
      hash = (hash ^ (unsigned)it) * 16777619u;
    }
  }
  printf("mandelbrot n=%d iterations=%llu inside=%d hash=%08x\n", n, total, inside, hash);
  return 0;
}
