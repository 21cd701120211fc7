/* tern run vs native: clocks, randomness and files.
 *
 *   sys clock    clocks move forward and sleeping takes time
 *   sys random   getentropy gives different, non-zero bytes
 *   sys files    create, write, read, seek, stat, list, rename and remove
 *                files below the current directory (tern gets --dir .)
 *   sys escape   try to leave the preopened directory; only meaningful
 *                under tern, where every attempt must be blocked
 *
 * Output is only "ok"-style lines and data that both runs must agree on. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;

static void check(int ok, const char *what) {
  printf("%s: %s\n", what, ok ? "ok" : "FAILED");
  if (!ok) ++failures;
}

static int64_t nanos(clockid_t id) {
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0) return -1;
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void test_clock(void) {
  check(nanos(CLOCK_REALTIME) > (int64_t)1600000000 * 1000000000, "realtime after 2020");
  int64_t prev = nanos(CLOCK_MONOTONIC);
  int monotonic = prev >= 0;
  for (int i = 0; i < 1000; ++i) {
    int64_t now = nanos(CLOCK_MONOTONIC);
    if (now < prev) monotonic = 0;
    prev = now;
  }
  check(monotonic, "monotonic never goes back");
  struct timespec res;
  check(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000,
        "monotonic resolution within 1ms");
  int64_t before = nanos(CLOCK_MONOTONIC);
  struct timespec nap = {0, 20 * 1000000};
  int slept = nanosleep(&nap, NULL) == 0;
  int64_t took = nanos(CLOCK_MONOTONIC) - before;
  check(slept && took >= 19 * 1000000 && took < 5000000000, "nanosleep 20ms");
  time_t t = time(NULL);
  check(t > 1600000000, "time()");
}

static void test_random(void) {
  unsigned char a[32], b[32], zero[32];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  memset(zero, 0, sizeof zero);
  check(getentropy(a, sizeof a) == 0 && getentropy(b, sizeof b) == 0, "getentropy");
  check(memcmp(a, b, sizeof a) != 0, "two draws differ");
  check(memcmp(a, zero, sizeof a) != 0, "not all zero");
  unsigned char big[256];
  check(getentropy(big, sizeof big) == 0, "getentropy 256 bytes");
}

static int cmp(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

static void list(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    check(0, "opendir");
    return;
  }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  printf("%s:", dir);
  for (int i = 0; i < n; ++i) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void print_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("%s: cannot open (%s)\n", path, errno == ENOENT ? "ENOENT" : "other error");
    return;
  }
  char line[256];
  while (fgets(line, sizeof line, f)) printf("%s| %s", path, line);
  fclose(f);
}

static void test_files(void) {
  check(mkdir("work", 0755) == 0, "mkdir work");
  check(mkdir("work/sub", 0755) == 0, "mkdir work/sub");
  check(mkdir("work", 0755) != 0 && errno == EEXIST, "mkdir again is EEXIST");

  FILE *f = fopen("work/a.txt", "w");
  check(f != NULL, "create work/a.txt");
  if (!f) return;
  for (int i = 1; i <= 5; ++i) fprintf(f, "line %d of a.txt\n", i);
  fclose(f);

  struct stat st;
  check(stat("work/a.txt", &st) == 0 && S_ISREG(st.st_mode), "stat regular file");
  printf("size of a.txt: %lld\n", (long long)st.st_size);
  check(stat("work/sub", &st) == 0 && S_ISDIR(st.st_mode), "stat directory");
  print_file("work/a.txt");

  /* read/write in the middle, then append */
  int fd = open("work/a.txt", O_RDWR);
  check(fd >= 0, "open O_RDWR");
  check(lseek(fd, 5, SEEK_SET) == 5, "lseek SEEK_SET");
  check(write(fd, "ONE", 3) == 3, "write in the middle");
  check(lseek(fd, 0, SEEK_CUR) == 8, "lseek SEEK_CUR");
  off_t end = lseek(fd, 0, SEEK_END);
  printf("SEEK_END at %lld\n", (long long)end);
  char buf[8] = {0};
  check(pread(fd, buf, 4, 0) == 4 && memcmp(buf, "line", 4) == 0, "pread");
  check(ftruncate(fd, 40) == 0, "ftruncate");
  check(fstat(fd, &st) == 0 && st.st_size == 40, "fstat after ftruncate");
  close(fd);
  f = fopen("work/a.txt", "a");
  check(f != NULL, "fopen append");
  if (f) {
    fputs("\nappended\n", f);
    fclose(f);
  }
  print_file("work/a.txt");

  check(rename("work/a.txt", "work/sub/b.txt") == 0, "rename");
  print_file("work/a.txt");
  check(access("work/sub/b.txt", F_OK) == 0, "access renamed file");
  f = fopen("work/c.txt", "w");
  if (f) fclose(f);
  check(symlink("c.txt", "work/link") == 0, "symlink");
  char target[64] = {0};
  check(readlink("work/link", target, sizeof target - 1) == 5 && strcmp(target, "c.txt") == 0, "readlink");
  check(lstat("work/link", &st) == 0 && S_ISLNK(st.st_mode), "lstat symlink");
  list("work");
  list("work/sub");

  check(open("work/nope", O_RDONLY) < 0 && errno == ENOENT, "open missing is ENOENT");
  check(rmdir("work/sub") != 0 && errno == ENOTEMPTY, "rmdir non-empty is ENOTEMPTY");
  check(unlink("work/sub/b.txt") == 0, "unlink");
  check(unlink("work/link") == 0 && unlink("work/c.txt") == 0, "unlink more");
  check(rmdir("work/sub") == 0, "rmdir");
  check(rmdir("work") == 0, "rmdir work");
  check(access("work", F_OK) != 0 && errno == ENOENT, "all gone");
}

static void try_open(const char *path) {
  int fd = open(path, O_RDONLY);
  printf("%s: %s\n", path, fd >= 0 ? "opened" : "blocked");
  if (fd >= 0) close(fd);
}

static void test_escape(void) {
  /* The test driver creates ../outside.txt and link -> ../outside.txt */
  try_open("../outside.txt");
  try_open("inner/../../outside.txt");
  try_open("/etc/passwd");
  try_open("link");
  try_open("inside.txt");
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "clock";
  if (strcmp(mode, "clock") == 0) test_clock();
  else if (strcmp(mode, "random") == 0) test_random();
  else if (strcmp(mode, "files") == 0) test_files();
  else if (strcmp(mode, "escape") == 0) test_escape();
  else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  return failures ? 1 : 0;
}
