// A guest for limits_test.py, by mode:
//   yes          writes "y" lines until a write fails, then says why on
//                stderr and exits 3 (as `yes | head -1` needs)
//   sleep SECS   sleeps in one host call (poll_oneoff), then exits 0
//   accept       takes one connection on the socket the host handed in
//                (fd 3, --tcplisten / -S tcplisten), sends "hello\n", exits 0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int yes(void) {
  for (;;) {
    if (printf("y\n") < 0 || fflush(stdout) != 0) {
      fprintf(stderr, "yes: write failed: %s\n", strerror(errno));
      return 3;
    }
  }
}

static int accept_one(void) {
  int c = accept(3, NULL, NULL);
  if (c < 0) {
    fprintf(stderr, "accept: %s\n", strerror(errno));
    return 1;
  }
  const char msg[] = "hello\n";
  if (send(c, msg, sizeof msg - 1, 0) != (ssize_t)(sizeof msg - 1)) return 1;
  close(c);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "yes") == 0) return yes();
  if (strcmp(mode, "sleep") == 0 && argc > 2) {
    sleep((unsigned)atoi(argv[2]));
    return 0;
  }
  if (strcmp(mode, "accept") == 0) return accept_one();
  fprintf(stderr, "usage: limits.wasm yes | sleep SECS | accept\n");
  return 2;
}
