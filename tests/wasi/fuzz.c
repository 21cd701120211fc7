// Every WASI function called with bad, borderline and random pointers and
// lengths. The host must answer each call with an errno and never crash.
//
// Part 1 checks, function by function, that a pointer or length reaching
// past the end of memory gives EFAULT. Part 2 makes many calls with random
// arguments. Writable in-range pointers always point into an arena at the
// very end of memory, so the host's writes cannot clobber this program's
// own stack and heap; iovec and subscription arrays placed there are filled
// with entries built the same way.
#include "wt.h"

#define ARENA_PAGES 4
#define EFAULT_ __WASI_ERRNO_FAULT

static uint32_t A, E;  // arena start, memory end
static __wasi_fd_t box, dir, file;
static uint64_t rng = 0x2545f4914f6cdd1dull;
static unsigned long calls;

static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}
static uint64_t rnd64(void) { return ((uint64_t)rnd() << 32) | rnd(); }

// A pointer: in the arena, at or around the end of memory, or far beyond.
static uint32_t ptr(void) {
  switch (rnd() % 12) {
    case 0: return E;
    case 1: return E - 1;
    case 2: return E - 4;
    case 3: return E - 8;
    case 4: return 0xffffffffu;
    case 5: return 0x80000000u;
    case 6: return E + rnd() % 4096;
    case 7: return E + 1 + rnd() % (0xffffffffu - E);
    default: return A + rnd() % (E - A);
  }
}

// A length for a buffer at p: empty, small, exactly to the end of memory,
// one past it, or huge.
static uint32_t len(uint32_t p) {
  switch (rnd() % 9) {
    case 0: return 0;
    case 1: return 1;
    case 2: return rnd() % 64;
    case 3: return p < E ? E - p : rnd();
    case 4: return p < E ? E - p + 1 : 1;
    case 5: return 0xffffffffu;
    case 6: return 0x80000000u;
    case 7: return rnd();
    default: return rnd() % 4096;
  }
}

static int32_t fd_arg(void) {
  switch (rnd() % 6) {
    case 0: return (int32_t)dir;
    case 1:
    case 2: return (int32_t)file;
    case 3: return 999;
    case 4: return -1;
    default: return (int32_t)(rnd() % 16);  // includes stdio and the preopens
  }
}

// Only fds that are safe to read from, write to and change.
static int32_t safe_fd(void) {
  int32_t fd = fd_arg();
  return (fd >= 0 && fd < 3) || fd == (int32_t)box ? (int32_t)file : fd;
}

// Random bytes over the whole arena at first, then over a random window.
static void fill_arena(int all) {
  uint32_t words = (E - A) / 4;
  uint32_t from = all ? 0 : rnd() % words;
  uint32_t count = all ? words : 1024;
  uint32_t* w = (uint32_t*)(uintptr_t)A;
  for (uint32_t i = from; i < from + count && i < words; ++i) w[i] = rnd();
}

// An iovec array at p with n entries (only the part inside the arena).
static void put_iovs(uint32_t p, uint32_t n) {
  for (uint32_t i = 0; i < n && p >= A && p < E && (E - p) / 8 > i; ++i) {
    uint32_t b = ptr();
    uint32_t l = rnd() % 4 == 0 ? len(b) : (b < E ? rnd() % (E - b + 1) : rnd() % 64);
    memcpy((void*)(uintptr_t)(p + 8 * i), &b, 4);
    memcpy((void*)(uintptr_t)(p + 8 * i + 4), &l, 4);
  }
}

// Subscriptions at p that never block: clocks with timeout 0, or
// descriptors among the safe ones.
static void put_subs(uint32_t p, uint32_t n) {
  for (uint32_t i = 0; i < n && p >= A && p < E && (E - p) / 48 > i; ++i) {
    uint8_t* s = (uint8_t*)(uintptr_t)(p + 48 * i);
    memset(s + 8, 0, 40);
    s[8] = (uint8_t)(rnd() % 4);  // 3: an unknown type
    uint32_t id = s[8] == 0 ? rnd() % 6 : (uint32_t)safe_fd();
    if (s[8] == 1 && id == (uint32_t)file) id = (uint32_t)dir;
    memcpy(s + 16, &id, 4);
    uint16_t flags = (uint16_t)(rnd() % 2);  // abstime with timeout 0 is past
    memcpy(s + 40, &flags, 2);
  }
}

#define EXPECT_FAULT(call) \
  do { \
    int _e = (int)(call); \
    ++calls; \
    if (_e != EFAULT_) { \
      printf("FAIL %s:%d: %s -> errno %d, expected EFAULT\n", __FILE__, __LINE__, #call, _e); \
      ++wt_failures; \
    } \
  } while (0)

// Part 1: for each function, one pointer or length at a time made bad,
// everything else valid.
static void targeted(void) {
  uint8_t* g = (uint8_t*)(uintptr_t)A;  // good scratch space
  uint32_t G = A;
  const uint32_t bad[] = {E, E - 1, E - 3, 0xfffffffcu, 0x80000000u};
  const char* name = "fz-target";
  int32_t nl = (int32_t)strlen(name);
  memcpy(g + 1024, name, (size_t)nl);
  uint32_t NAME = G + 1024;
  for (size_t k = 0; k < sizeof bad / sizeof *bad; ++k) {
    uint32_t b = bad[k];
    EXPECT_FAULT(raw_args_sizes_get((int32_t)b, (int32_t)G));
    EXPECT_FAULT(raw_args_sizes_get((int32_t)G, (int32_t)b));
    EXPECT_FAULT(raw_args_get((int32_t)b, (int32_t)G));
    EXPECT_FAULT(raw_args_get((int32_t)G, (int32_t)b));
    EXPECT_FAULT(raw_environ_sizes_get((int32_t)b, (int32_t)G));
    EXPECT_FAULT(raw_environ_get((int32_t)G, (int32_t)b));  // the harness sets one variable
    EXPECT_FAULT(raw_clock_res_get(0, (int32_t)b));
    EXPECT_FAULT(raw_clock_time_get(1, 0, (int32_t)b));
    EXPECT_FAULT(raw_random_get((int32_t)b, 16));
    EXPECT_FAULT(raw_fd_fdstat_get(file, (int32_t)b));
    EXPECT_FAULT(raw_fd_filestat_get(file, (int32_t)b));
    EXPECT_FAULT(raw_fd_prestat_get(box, (int32_t)b));
    EXPECT_FAULT(raw_fd_prestat_dir_name(box, (int32_t)b, 8));
    EXPECT_FAULT(raw_fd_seek(file, 0, 0, (int32_t)b));
    EXPECT_FAULT(raw_fd_tell(file, (int32_t)b));
    EXPECT_FAULT(raw_fd_readdir(dir, (int32_t)b, 64, 0, (int32_t)G));
    EXPECT_FAULT(raw_fd_readdir(dir, (int32_t)G, 64, 0, (int32_t)b));
    // iovec arrays that reach past the end, and iovecs whose buffer does.
    EXPECT_FAULT(raw_fd_read(file, (int32_t)b, 1, (int32_t)G));
    EXPECT_FAULT(raw_fd_write(file, (int32_t)b, 1, (int32_t)G));
    EXPECT_FAULT(raw_fd_pread(file, (int32_t)b, 1, 0, (int32_t)G));
    EXPECT_FAULT(raw_fd_pwrite(file, (int32_t)b, 1, 0, (int32_t)G));
    uint32_t iov[2] = {b, 16};
    memcpy(g, iov, 8);
    EXPECT_FAULT(raw_fd_read(file, (int32_t)G, 1, (int32_t)G + 64));
    EXPECT_FAULT(raw_fd_write(file, (int32_t)G, 1, (int32_t)G + 64));
    EXPECT_FAULT(raw_fd_pread(file, (int32_t)G, 1, 0, (int32_t)G + 64));
    EXPECT_FAULT(raw_fd_pwrite(file, (int32_t)G, 1, 0, (int32_t)G + 64));
    iov[0] = G + 256;
    iov[1] = 4;
    memcpy(g, iov, 8);
    EXPECT_FAULT(raw_fd_read(file, (int32_t)G, 1, (int32_t)b));
    EXPECT_FAULT(raw_fd_write(file, (int32_t)G, 1, (int32_t)b));
    EXPECT_FAULT(raw_fd_pread(file, (int32_t)G, 1, 0, (int32_t)b));
    EXPECT_FAULT(raw_fd_pwrite(file, (int32_t)G, 1, 0, (int32_t)b));
    // Paths that reach past the end.
    EXPECT_FAULT(raw_path_create_directory(dir, (int32_t)b, 8));
    EXPECT_FAULT(raw_path_remove_directory(dir, (int32_t)b, 8));
    EXPECT_FAULT(raw_path_unlink_file(dir, (int32_t)b, 8));
    EXPECT_FAULT(raw_path_filestat_get(dir, 0, (int32_t)b, 8, (int32_t)G));
    EXPECT_FAULT(raw_path_filestat_get(dir, 0, (int32_t)NAME, nl, (int32_t)b));
    EXPECT_FAULT(raw_path_filestat_set_times(dir, 0, (int32_t)b, 8, 0, 0, 0));
    EXPECT_FAULT(raw_path_open(dir, 0, (int32_t)b, 8, 1, -1, -1, 0, (int32_t)G));
    EXPECT_FAULT(raw_path_open(dir, 0, (int32_t)NAME, nl, 1, -1, -1, 0, (int32_t)b));
    EXPECT_FAULT(raw_path_readlink(dir, (int32_t)b, 8, (int32_t)G, 64, (int32_t)G + 64));
    EXPECT_FAULT(raw_path_readlink(dir, (int32_t)NAME, nl, (int32_t)b, 64, (int32_t)G + 64));
    EXPECT_FAULT(raw_path_readlink(dir, (int32_t)NAME, nl, (int32_t)G, 64, (int32_t)b));
    EXPECT_FAULT(raw_path_symlink((int32_t)b, 8, dir, (int32_t)NAME, nl));
    EXPECT_FAULT(raw_path_symlink((int32_t)NAME, nl, dir, (int32_t)b, 8));
    EXPECT_FAULT(raw_path_rename(dir, (int32_t)b, 8, dir, (int32_t)NAME, nl));
    EXPECT_FAULT(raw_path_rename(dir, (int32_t)NAME, nl, dir, (int32_t)b, 8));
    EXPECT_FAULT(raw_path_link(dir, 0, (int32_t)b, 8, dir, (int32_t)NAME, nl));
    EXPECT_FAULT(raw_path_link(dir, 0, (int32_t)NAME, nl, dir, (int32_t)b, 8));
    EXPECT_FAULT(raw_poll_oneoff((int32_t)b, (int32_t)G, 1, (int32_t)G + 4096));
    EXPECT_FAULT(raw_poll_oneoff((int32_t)G, (int32_t)b, 1, (int32_t)G + 4096));
    EXPECT_FAULT(raw_poll_oneoff((int32_t)G, (int32_t)G + 2048, 1, (int32_t)b));
    EXPECT_FAULT(raw_sock_accept(file, 0, (int32_t)b));
    EXPECT_FAULT(raw_sock_recv(file, (int32_t)b, 1, 0, (int32_t)G, (int32_t)G + 8));
    EXPECT_FAULT(raw_sock_recv(file, (int32_t)G + 512, 0, 0, (int32_t)b, (int32_t)G + 8));
    EXPECT_FAULT(raw_sock_send(file, (int32_t)b, 1, 0, (int32_t)G));
    EXPECT_FAULT(raw_sock_send(file, (int32_t)G + 512, 0, 0, (int32_t)b));
  }
  // Lengths that reach past the end from a valid pointer.
  EXPECT_FAULT(raw_random_get((int32_t)(E - 8), 9));
  EXPECT_FAULT(raw_random_get((int32_t)G, -1));
  EXPECT_FAULT(raw_fd_read(file, (int32_t)G, 0x20000000, (int32_t)G));
  EXPECT_FAULT(raw_path_open(dir, 0, (int32_t)(E - 4), 5, 0, 0, 0, 0, (int32_t)G));
  EXPECT_FAULT(raw_fd_readdir(dir, (int32_t)G, (int32_t)(E - G + 1), 0, (int32_t)G));
  EXPECT_FAULT(raw_fd_prestat_dir_name(box, (int32_t)(E - 4), 8));
  EXPECT_FAULT(raw_poll_oneoff((int32_t)G, (int32_t)G + 2048, 0x1000000, (int32_t)G + 4096));
  wt_group("EFAULT for every pointer");
}

// Part 2: random arguments.
static void random_calls(int rounds) {
  int max_errno = 0;
  for (int r = 0; r < rounds; ++r) {
    if (r % 64 == 0) fill_arena(r == 0);
    uint32_t p1 = ptr(), p2 = ptr(), p3 = ptr(), p4 = ptr();
    uint32_t l1 = len(p1), l2 = len(p2), n = rnd() % 4 == 0 ? rnd() : rnd() % 8;
    int32_t fd = safe_fd();
    int e = 0;
    switch (rnd() % 45) {
      case 0: e = raw_args_get((int32_t)p1, (int32_t)p2); break;
      case 1: e = raw_args_sizes_get((int32_t)p1, (int32_t)p2); break;
      case 2: e = raw_environ_get((int32_t)p1, (int32_t)p2); break;
      case 3: e = raw_environ_sizes_get((int32_t)p1, (int32_t)p2); break;
      case 4: e = raw_clock_res_get((int32_t)(rnd() % 6), (int32_t)p1); break;
      case 5: e = raw_clock_time_get((int32_t)rnd(), (int64_t)rnd64(), (int32_t)p1); break;
      case 6: e = raw_fd_advise(fd, (int64_t)rnd64(), (int64_t)rnd64(), (int32_t)(rnd() % 8)); break;
      case 7: e = raw_fd_allocate(fd == (int32_t)file ? 999 : fd, (int64_t)rnd64(), (int64_t)(rnd() % 4096)); break;
      case 8: e = raw_fd_close(rnd() % 2 ? 999 : -7); break;
      case 9: e = raw_fd_datasync(rnd() % 16 ? 999 : fd); break;  // real syncs are slow
      case 10: e = raw_fd_fdstat_get(fd_arg(), (int32_t)p1); break;
      case 11: e = raw_fd_fdstat_set_flags(fd, (int32_t)(rnd() % 64)); break;
      case 12: {
        __wasi_fd_t t;
        if (wt_open(box, "fz/victim", __WASI_OFLAGS_CREAT, WT_FILE_RW, &t) == 0) {
          e = raw_fd_fdstat_set_rights((int32_t)t, (int64_t)rnd64(), (int64_t)rnd64());
          (void)__wasi_fd_close(t);
        }
        break;
      }
      case 13: e = raw_fd_filestat_get(fd_arg(), (int32_t)p1); break;
      case 14: e = raw_fd_filestat_set_size(fd, (int64_t)(rnd() % 2 ? rnd() % 100000 : rnd64())); break;
      case 15: e = raw_fd_filestat_set_times(fd, (int64_t)rnd64(), (int64_t)rnd64(), (int32_t)(rnd() % 32)); break;
      case 16:
        put_iovs(p1, n);
        e = raw_fd_pread(fd, (int32_t)p1, (int32_t)n, (int64_t)(rnd() % 2 ? rnd() : rnd64()), (int32_t)p2);
        break;
      case 17: e = raw_fd_prestat_get(fd_arg(), (int32_t)p1); break;
      case 18: e = raw_fd_prestat_dir_name(fd_arg(), (int32_t)p1, (int32_t)l1); break;
      case 19:
        put_iovs(p1, n);
        e = raw_fd_pwrite(fd, (int32_t)p1, (int32_t)n, (int64_t)(rnd() % 1000000), (int32_t)p2);
        break;
      case 20:
        put_iovs(p1, n);
        e = raw_fd_read(fd, (int32_t)p1, (int32_t)n, (int32_t)p2);
        break;
      case 21:
        e = raw_fd_readdir(fd, (int32_t)p1, (int32_t)l1, (int64_t)(rnd() % 2 ? rnd() % 64 : rnd64()), (int32_t)p2);
        break;
      case 22: e = raw_fd_renumber(rnd() % 2 ? 999 : (int32_t)file, rnd() % 2 ? -1 : 998); break;
      case 23:
        e = raw_fd_seek(fd, (int64_t)(rnd() % 2 ? (int64_t)(rnd() % 1000) - 500 : (int64_t)rnd64()),
                        (int32_t)(rnd() % 4), (int32_t)p1);
        break;
      case 24: e = raw_fd_sync(rnd() % 16 ? -1 : fd); break;
      case 25: e = raw_fd_tell(fd, (int32_t)p1); break;
      case 26:
        put_iovs(p1, n);
        e = raw_fd_write(fd, (int32_t)p1, (int32_t)n, (int32_t)p2);
        break;
      case 27: e = raw_path_create_directory(fd, (int32_t)p1, (int32_t)l1); break;
      case 28: e = raw_path_filestat_get(fd, (int32_t)(rnd() % 4), (int32_t)p1, (int32_t)l1, (int32_t)p2); break;
      case 29:
        e = raw_path_filestat_set_times(fd, (int32_t)(rnd() % 4), (int32_t)p1, (int32_t)l1, (int64_t)rnd64(),
                                        (int64_t)rnd64(), (int32_t)(rnd() % 32));
        break;
      case 30:
        e = raw_path_link(fd, (int32_t)(rnd() % 2), (int32_t)p1, (int32_t)l1, safe_fd(), (int32_t)p2, (int32_t)l2);
        break;
      case 31: {
        int32_t out = (int32_t)(rnd() % 2 ? p3 : A);
        e = raw_path_open(fd, (int32_t)(rnd() % 2), (int32_t)p1, (int32_t)l1, (int32_t)(rnd() % 32) & ~8,
                          (int64_t)rnd64(), (int64_t)rnd64(), (int32_t)(rnd() % 64), out);
        if (e == 0 && out == (int32_t)A) {
          uint32_t opened;
          memcpy(&opened, (void*)(uintptr_t)A, 4);
          (void)raw_fd_close((int32_t)opened);
        }
        break;
      }
      case 32: e = raw_path_readlink(fd, (int32_t)p1, (int32_t)l1, (int32_t)p2, (int32_t)l2, (int32_t)p3); break;
      case 33: e = raw_path_remove_directory(fd, (int32_t)p1, (int32_t)l1); break;
      case 34: e = raw_path_rename(fd, (int32_t)p1, (int32_t)l1, safe_fd(), (int32_t)p2, (int32_t)l2); break;
      case 35: e = raw_path_symlink((int32_t)p1, (int32_t)l1, fd, (int32_t)p2, (int32_t)l2); break;
      case 36: e = raw_path_unlink_file(fd, (int32_t)p1, (int32_t)l1); break;
      case 37:
        put_subs(p1, n);
        e = raw_poll_oneoff((int32_t)p1, (int32_t)p2, (int32_t)n, (int32_t)p3);
        break;
      case 38: e = raw_proc_raise((int32_t)(31 + rnd() % 1000)); break;
      case 39: e = rnd() % 16 ? raw_clock_res_get(9, (int32_t)p1) : raw_sched_yield(); break;
      case 40: e = raw_random_get((int32_t)p1, (int32_t)(rnd() % 3 ? l1 % 65536 : l1)); break;
      case 41: e = raw_sock_accept(fd, (int32_t)(rnd() % 8), (int32_t)p1); break;
      case 42:
        put_iovs(p1, n);
        e = raw_sock_recv(fd, (int32_t)p1, (int32_t)n, (int32_t)(rnd() % 8), (int32_t)p2, (int32_t)p4);
        break;
      case 43:
        put_iovs(p1, n);
        e = raw_sock_send(fd, (int32_t)p1, (int32_t)n, (int32_t)(rnd() % 4), (int32_t)p2);
        break;
      case 44: e = raw_sock_shutdown(fd, (int32_t)(rnd() % 8)); break;
    }
    ++calls;
    if (e < 0 || e > 76) {
      printf("FAIL round %d: errno %d out of range\n", r, e);
      ++wt_failures;
    }
    if (e > max_errno) max_errno = e;
  }
  wt_group("random arguments");
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20000;
  box = wt_preopen("/sandbox");
  CHECK_OK(wt_mkdir(box, "fz"));
  CHECK_OK(wt_open(box, "fz", __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &dir));
  CHECK_OK(wt_open(box, "fz/file", __WASI_OFLAGS_CREAT, WT_FILE_RW, &file));
  CHECK_OK(wt_write_all(file, "some content for reading\n", 25));
  CHECK_OK(wt_symlink("file", dir, "fz-target"));
  size_t old = __builtin_wasm_memory_grow(0, ARENA_PAGES);
  CHECK(old != (size_t)-1);
  A = (uint32_t)(old * 65536u);
  E = wt_mem_end();
  CHECK(E == A + ARENA_PAGES * 65536u);
  targeted();
  random_calls(rounds);
  // Everything still works afterwards.
  __wasi_fdstat_t fs;
  CHECK_OK(__wasi_fd_fdstat_get(box, &fs));
  char buf[64];
  CHECK_STR(wt_get(box, "fz-check", buf, sizeof buf) == NULL ? "missing" : buf, "missing");
  CHECK_OK(wt_put(box, "fz-check", "alive"));
  CHECK_STR(wt_get(box, "fz-check", buf, sizeof buf), "alive");
  printf("%lu calls\n", calls);
  return wt_done();
}
