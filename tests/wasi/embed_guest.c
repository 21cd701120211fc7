// The guest of embed_test.cc. The first argument picks a scenario:
//   memfs   reads /data/in.txt, writes /data/out/upper.txt, lists /data,
//           renames, removes, and writes to /host (a host directory)
//   time    prints the realtime and monotonic clocks and 8 random bytes,
//           sleeps 10 s with poll_oneoff, prints the monotonic clock again
//   fill    writes to /data/big until an error, prints the errno
//   exit N  proc_exit(N)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wt.h"

static int memfs(void) {
  FILE* in = fopen("/data/in.txt", "r");
  CHECK(in != NULL);
  if (!in) return wt_done();
  char line[256];
  CHECK(mkdir("/data/out", 0755) == 0);
  FILE* out = fopen("/data/out/upper.txt", "w");
  CHECK(out != NULL);
  int lines = 0;
  while (fgets(line, sizeof line, in)) {
    for (char* p = line; *p; ++p) *p = (char)toupper((unsigned char)*p);
    fputs(line, out);
    ++lines;
  }
  fclose(in);
  fclose(out);
  printf("lines=%d\n", lines);
  // A listing of /data, sorted by the in-memory filesystem.
  DIR* d = opendir("/data");
  CHECK(d != NULL);
  struct dirent* de;
  while (d && (de = readdir(d)))
    if (de->d_name[0] != '.') printf("entry %s%s\n", de->d_name, de->d_type == DT_DIR ? "/" : "");
  if (d) closedir(d);
  struct stat st;
  CHECK(stat("/data/in.txt", &st) == 0 && st.st_size == 12);
  CHECK(rename("/data/remove-me.txt", "/data/out/renamed.txt") == 0);
  CHECK(unlink("/data/out/renamed.txt") == 0);
  CHECK(symlink("out/upper.txt", "/data/link") == 0);
  // The host directory next to it.
  FILE* h = fopen("/host/from-guest.txt", "w");
  CHECK(h != NULL);
  if (h) {
    fputs("written by the guest\n", h);
    fclose(h);
  }
  // Renaming between the in-memory and the host filesystem is not possible.
  CHECK(rename("/data/in.txt", "/host/in.txt") == -1 && errno == EXDEV);
  fprintf(stderr, "memfs done\n");
  return wt_done();
}

static int time_scenario(void) {
  printf("realtime=%llu\n", (unsigned long long)wt_now(__WASI_CLOCKID_REALTIME));
  printf("monotonic=%llu\n", (unsigned long long)wt_now(__WASI_CLOCKID_MONOTONIC));
  __wasi_timestamp_t res;
  CHECK_OK(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res));
  printf("resolution=%llu\n", (unsigned long long)res);
  uint8_t r[8];
  CHECK_OK(__wasi_random_get(r, sizeof r));
  printf("random=");
  for (int i = 0; i < 8; ++i) printf("%02x", r[i]);
  printf("\n");
  struct timespec ten = {10, 0};
  CHECK(nanosleep(&ten, NULL) == 0);
  printf("monotonic=%llu\n", (unsigned long long)wt_now(__WASI_CLOCKID_MONOTONIC));
  return wt_done();
}

static int fill(void) {
  int fd = open("/data/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  char block[100];
  memset(block, 'b', sizeof block);
  long total = 0;
  for (;;) {
    ssize_t n = write(fd, block, sizeof block);
    if (n < 0) {
      printf("errno=%d after %ld bytes\n", errno, total);
      break;
    }
    total += n;
    if (total > 1000000) break;
  }
  close(fd);
  return wt_done();
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "memfs") == 0) return memfs();
  if (strcmp(argv[1], "time") == 0) return time_scenario();
  if (strcmp(argv[1], "fill") == 0) return fill();
  if (strcmp(argv[1], "exit") == 0) __wasi_proc_exit((__wasi_exitcode_t)atoi(argv[2]));
  return 2;
}
