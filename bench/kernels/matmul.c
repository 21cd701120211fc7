// Dense double-precision matrix multiply, C = A * B, in i-k-j order (row of
// B streamed, row of C accumulated). Argument: n, the matrix dimension
// (default 600). Prints a sum over C and one element, which must agree bit
// for bit everywhere (no fast-math, fixed summation order).
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 600;
  double *a = malloc(sizeof(double) * n * n);
  double *b = malloc(sizeof(double) * n * n);
  double *c = calloc((size_t)n * n, sizeof(double));
  if (!a || !b || !c) return 1;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < n; j++) {
      a[i * n + j] = (double)((i * 7 + j * 3) % 17) / 16.0 - 0.5;
      b[i * n + j] = (double)((i * 5 + j * 11) % 23) / 8.0 - 1.25;
    }
  }
  for (int i = 0; i < n; i++) {
    double *crow = c + (size_t)i * n;
    for (int k = 0; k < n; k++) {
      double aik = a[i * n + k];
      const double *brow = b + (size_t)k * n;
      for (int j = 0; j < n; j++) crow[j] += aik * brow[j];
    }
  }
  double sum = 0, diag = 0;
  for (int i = 0; i < n; i++) {
    diag += c[i * n + i];
    for (int j = 0; j < n; j++) sum += c[i * n + j] * (double)((i ^ j) & 3);
  }
  printf("matmul n=%d sum=%.6f trace=%.6f c[n/2][n/3]=%.6f\n", n, sum, diag, c[(n / 2) * n + n / 3]);
  free(a);
  free(b);
  free(c);
  return 0;
}
