// N-body gravity simulation, symplectic Euler steps over all pairs of a small
// system: double arithmetic, sqrt and division in a short inner loop.
// Argument: steps (default 2000000). The initial bodies come from a fixed
// pseudo-random sequence; the energy before and after is printed.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel.h"

#define NBODIES 6

typedef struct {
  double x, y, z, vx, vy, vz, m;
} Body;

static unsigned seed = 20240611u;
static double unit_rand(void) {  // in [0, 1)
  seed = seed * 1664525u + 1013904223u;
  return (double)(seed >> 8) / 16777216.0;
}

static double energy(const Body *b) {
  double e = 0;
  for (int i = 0; i < NBODIES; i++) {
    e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int j = i + 1; j < NBODIES; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

static void step(Body *b, double dt) {
  for (int i = 0; i < NBODIES; i++) {
    for (int j = i + 1; j < NBODIES; j++) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * sqrt(d2));
      double mi = b[i].m * mag, mj = b[j].m * mag;
      b[i].vx -= dx * mj;
      b[i].vy -= dy * mj;
      b[i].vz -= dz * mj;
      b[j].vx += dx * mi;
      b[j].vy += dy * mi;
      b[j].vz += dz * mi;
    }
  }
  for (int i = 0; i < NBODIES; i++) {
    b[i].x += dt * b[i].vx;
    b[i].y += dt * b[i].vy;
    b[i].z += dt * b[i].vz;
  }
}

int main(int argc, char **argv) {
  long steps = argc > 1 ? atol(argv[1]) : 2000000;
  Body b[NBODIES];
  // A heavy body at rest near the origin, lighter ones on rough orbits.
  b[0] = (Body){0, 0, 0, 0, 0, 0, 40.0};
  for (int i = 1; i < NBODIES; i++) {
    double r = 2.0 + 3.0 * i + unit_rand();
    double ang = 6.283185307179586 * unit_rand();
    double v = sqrt(40.0 / r);
    b[i].x = r * cos(ang);
    b[i].y = r * sin(ang);
    b[i].z = 0.2 * (unit_rand() - 0.5);
    b[i].vx = -v * sin(ang);
    b[i].vy = v * cos(ang);
    b[i].vz = 0.01 * (unit_rand() - 0.5);
    b[i].m = 0.01 + 0.05 * unit_rand();
  }
  // Zero the total momentum with the heavy body.
  double px = 0, py = 0, pz = 0;
  for (int i = 1; i < NBODIES; i++) {
    px += b[i].vx * b[i].m;
    py += b[i].vy * b[i].m;
    pz += b[i].vz * b[i].m;
  }
  b[0].vx = -px / b[0].m;
  b[0].vy = -py / b[0].m;
  b[0].vz = -pz / b[0].m;

  double e0 = energy(b);
  for (long s = 0; s < steps; s++) step(b, 0.001);
  double e1 = energy(b);
  printf("nbody steps=%ld e0=%.12f e1=%.12f x1=%.9f\n", steps, e0, e1, b[1].x);
  return 0;
}
