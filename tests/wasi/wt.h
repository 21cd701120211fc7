// Shared helpers of the WASI test programs (compiled for wasm32-wasi).
//
// The programs call WASI directly: through wasi-libc's __wasi_* wrappers
// where a C pointer is natural, and through the raw imports declared below
// (raw_*) where a test needs to pass any 32-bit value as a pointer or a
// length, or a path that is not NUL-terminated.
//
// Each program prints one "ok <group>" line per group of checks, a
// "FAIL file:line: ..." line for every failed check, and "PASS" at the end
// if nothing failed (exit status 0; 1 otherwise).
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

// ---------------------------------------------------------------------------
// Raw imports: every argument as the integer the ABI passes.
#define WT_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

WT_IMPORT(args_get) int32_t raw_args_get(int32_t, int32_t);
WT_IMPORT(args_sizes_get) int32_t raw_args_sizes_get(int32_t, int32_t);
WT_IMPORT(environ_get) int32_t raw_environ_get(int32_t, int32_t);
WT_IMPORT(environ_sizes_get) int32_t raw_environ_sizes_get(int32_t, int32_t);
WT_IMPORT(clock_res_get) int32_t raw_clock_res_get(int32_t, int32_t);
WT_IMPORT(clock_time_get) int32_t raw_clock_time_get(int32_t, int64_t, int32_t);
WT_IMPORT(fd_advise) int32_t raw_fd_advise(int32_t, int64_t, int64_t, int32_t);
WT_IMPORT(fd_allocate) int32_t raw_fd_allocate(int32_t, int64_t, int64_t);
WT_IMPORT(fd_close) int32_t raw_fd_close(int32_t);
WT_IMPORT(fd_datasync) int32_t raw_fd_datasync(int32_t);
WT_IMPORT(fd_fdstat_get) int32_t raw_fd_fdstat_get(int32_t, int32_t);
WT_IMPORT(fd_fdstat_set_flags) int32_t raw_fd_fdstat_set_flags(int32_t, int32_t);
WT_IMPORT(fd_fdstat_set_rights) int32_t raw_fd_fdstat_set_rights(int32_t, int64_t, int64_t);
WT_IMPORT(fd_filestat_get) int32_t raw_fd_filestat_get(int32_t, int32_t);
WT_IMPORT(fd_filestat_set_size) int32_t raw_fd_filestat_set_size(int32_t, int64_t);
WT_IMPORT(fd_filestat_set_times) int32_t raw_fd_filestat_set_times(int32_t, int64_t, int64_t, int32_t);
WT_IMPORT(fd_pread) int32_t raw_fd_pread(int32_t, int32_t, int32_t, int64_t, int32_t);
WT_IMPORT(fd_prestat_get) int32_t raw_fd_prestat_get(int32_t, int32_t);
WT_IMPORT(fd_prestat_dir_name) int32_t raw_fd_prestat_dir_name(int32_t, int32_t, int32_t);
WT_IMPORT(fd_pwrite) int32_t raw_fd_pwrite(int32_t, int32_t, int32_t, int64_t, int32_t);
WT_IMPORT(fd_read) int32_t raw_fd_read(int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(fd_readdir) int32_t raw_fd_readdir(int32_t, int32_t, int32_t, int64_t, int32_t);
WT_IMPORT(fd_renumber) int32_t raw_fd_renumber(int32_t, int32_t);
WT_IMPORT(fd_seek) int32_t raw_fd_seek(int32_t, int64_t, int32_t, int32_t);
WT_IMPORT(fd_sync) int32_t raw_fd_sync(int32_t);
WT_IMPORT(fd_tell) int32_t raw_fd_tell(int32_t, int32_t);
WT_IMPORT(fd_write) int32_t raw_fd_write(int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(path_create_directory) int32_t raw_path_create_directory(int32_t, int32_t, int32_t);
WT_IMPORT(path_filestat_get) int32_t raw_path_filestat_get(int32_t, int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(path_filestat_set_times)
int32_t raw_path_filestat_set_times(int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t);
WT_IMPORT(path_link)
int32_t raw_path_link(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(path_open)
int32_t raw_path_open(int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t, int32_t, int32_t);
WT_IMPORT(path_readlink)
int32_t raw_path_readlink(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(path_remove_directory) int32_t raw_path_remove_directory(int32_t, int32_t, int32_t);
WT_IMPORT(path_rename) int32_t raw_path_rename(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(path_symlink) int32_t raw_path_symlink(int32_t, int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(path_unlink_file) int32_t raw_path_unlink_file(int32_t, int32_t, int32_t);
WT_IMPORT(poll_oneoff) int32_t raw_poll_oneoff(int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(proc_raise) int32_t raw_proc_raise(int32_t);
WT_IMPORT(sched_yield) int32_t raw_sched_yield(void);
WT_IMPORT(random_get) int32_t raw_random_get(int32_t, int32_t);
WT_IMPORT(sock_accept) int32_t raw_sock_accept(int32_t, int32_t, int32_t);
WT_IMPORT(sock_recv) int32_t raw_sock_recv(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(sock_send) int32_t raw_sock_send(int32_t, int32_t, int32_t, int32_t, int32_t);
WT_IMPORT(sock_shutdown) int32_t raw_sock_shutdown(int32_t, int32_t);

#define P(x) ((int32_t)(uintptr_t)(x))  // a guest pointer as the ABI passes it

// ---------------------------------------------------------------------------
// Checks
static int wt_failures;

#define CHECK(cond) \
  do { \
    if (!(cond)) { \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ++wt_failures; \
    } \
  } while (0)

// `call` must return WASI errno `want`.
#define CHECK_ERR(call, want) \
  do { \
    int _got = (int)(call); \
    int _want = (int)(want); \
    if (_got != _want) { \
      printf("FAIL %s:%d: %s -> errno %d, expected %d\n", __FILE__, __LINE__, #call, _got, _want); \
      ++wt_failures; \
    } \
  } while (0)
#define CHECK_OK(call) CHECK_ERR(call, 0)

#define CHECK_EQ_U64(a, b) \
  do { \
    unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
    if (_a != _b) { \
      printf("FAIL %s:%d: %s == %s (%llu vs %llu)\n", __FILE__, __LINE__, #a, #b, _a, _b); \
      ++wt_failures; \
    } \
  } while (0)

#define CHECK_STR(a, b) \
  do { \
    const char* _a = (a); \
    const char* _b = (b); \
    if (!_a || !_b || strcmp(_a, _b) != 0) { \
      printf("FAIL %s:%d: %s == \"%s\" (got \"%s\")\n", __FILE__, __LINE__, #a, _b ? _b : "", _a ? _a : "(null)"); \
      ++wt_failures; \
    } \
  } while (0)

static inline void wt_group(const char* name) {
  printf("ok %s\n", name);
  fflush(stdout);
}

static inline int wt_done(void) {
  if (wt_failures) {
    printf("%d check(s) failed\n", wt_failures);
    return 1;
  }
  printf("PASS\n");
  return 0;
}

// ---------------------------------------------------------------------------
// Helpers
#define WT_ALL_RIGHTS ((__wasi_rights_t)((1ull << 30) - 1))
// Every right but those that need a writable descriptor: asking for fd_write,
// fd_allocate or fd_filestat_set_size on a directory is EISDIR (as in
// wasi-testsuite's path_open_preopen).
#define WT_DIR_RIGHTS \
  (WT_ALL_RIGHTS & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE))
#define WT_FILE_RW \
  (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
   __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | \
   __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE | \
   __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_POLL_FD_READWRITE)
#define WT_FILE_RO \
  (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_FILESTAT_GET | \
   __WASI_RIGHTS_POLL_FD_READWRITE)

// The descriptor of the preopened directory called `name`, or -1.
static inline __wasi_fd_t wt_preopen(const char* name) {
  for (__wasi_fd_t fd = 3; fd < 64; ++fd) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) continue;
    char buf[256];
    size_t n = ps.u.dir.pr_name_len;
    if (n >= sizeof buf) continue;
    if (__wasi_fd_prestat_dir_name(fd, (uint8_t*)buf, n) != 0) continue;
    buf[n] = 0;
    if (strcmp(buf, name) == 0) return fd;
  }
  printf("FAIL no preopen named %s\n", name);
  ++wt_failures;
  return (__wasi_fd_t)-1;
}

// path_open with an explicit length (so embedded NULs reach the host).
static inline __wasi_errno_t wt_open_ex(__wasi_fd_t dir, __wasi_lookupflags_t look, const char* path,
                                        __wasi_oflags_t oflags, __wasi_rights_t base, __wasi_fdflags_t fdflags,
                                        __wasi_fd_t* out) {
  return (__wasi_errno_t)raw_path_open((int32_t)dir, (int32_t)look, P(path), (int32_t)strlen(path), oflags,
                                       (int64_t)base, (int64_t)WT_ALL_RIGHTS, fdflags, P(out));
}

static inline __wasi_errno_t wt_open(__wasi_fd_t dir, const char* path, __wasi_oflags_t oflags, __wasi_rights_t base,
                                     __wasi_fd_t* out) {
  return wt_open_ex(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags, base, 0, out);
}

static inline __wasi_errno_t wt_write_all(__wasi_fd_t fd, const void* data, size_t len) {
  const uint8_t* p = (const uint8_t*)data;
  while (len > 0) {
    __wasi_ciovec_t iov = {p, len};
    __wasi_size_t n;
    __wasi_errno_t e = __wasi_fd_write(fd, &iov, 1, &n);
    if (e) return e;
    if (n == 0) return __WASI_ERRNO_IO;
    p += n;
    len -= n;
  }
  return 0;
}

// Creates (or truncates) `path` below `dir` with the given contents.
static inline __wasi_errno_t wt_put(__wasi_fd_t dir, const char* path, const char* contents) {
  __wasi_fd_t fd;
  __wasi_errno_t e = wt_open(dir, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, WT_FILE_RW, &fd);
  if (e) return e;
  e = wt_write_all(fd, contents, strlen(contents));
  (void)__wasi_fd_close(fd);
  return e;
}

// Reads a whole file (at most cap-1 bytes) into buf as a C string; NULL on error.
static inline const char* wt_get(__wasi_fd_t dir, const char* path, char* buf, size_t cap) {
  __wasi_fd_t fd;
  if (wt_open(dir, path, 0, WT_FILE_RO, &fd)) return NULL;
  size_t used = 0;
  for (;;) {
    __wasi_iovec_t iov = {(uint8_t*)buf + used, cap - 1 - used};
    __wasi_size_t n;
    if (__wasi_fd_read(fd, &iov, 1, &n)) {
      (void)__wasi_fd_close(fd);
      return NULL;
    }
    if (n == 0 || used + n >= cap - 1) {
      used += n;
      break;
    }
    used += n;
  }
  buf[used] = 0;
  (void)__wasi_fd_close(fd);
  return buf;
}

static inline __wasi_errno_t wt_stat(__wasi_fd_t dir, const char* path, int follow, __wasi_filestat_t* st) {
  return (__wasi_errno_t)raw_path_filestat_get((int32_t)dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, P(path),
                                               (int32_t)strlen(path), P(st));
}

static inline __wasi_errno_t wt_mkdir(__wasi_fd_t dir, const char* path) {
  return (__wasi_errno_t)raw_path_create_directory((int32_t)dir, P(path), (int32_t)strlen(path));
}
static inline __wasi_errno_t wt_rmdir(__wasi_fd_t dir, const char* path) {
  return (__wasi_errno_t)raw_path_remove_directory((int32_t)dir, P(path), (int32_t)strlen(path));
}
static inline __wasi_errno_t wt_unlink(__wasi_fd_t dir, const char* path) {
  return (__wasi_errno_t)raw_path_unlink_file((int32_t)dir, P(path), (int32_t)strlen(path));
}
static inline __wasi_errno_t wt_symlink(const char* target, __wasi_fd_t dir, const char* path) {
  return (__wasi_errno_t)raw_path_symlink(P(target), (int32_t)strlen(target), (int32_t)dir, P(path),
                                          (int32_t)strlen(path));
}
static inline __wasi_errno_t wt_rename(__wasi_fd_t d1, const char* p1, __wasi_fd_t d2, const char* p2) {
  return (__wasi_errno_t)raw_path_rename((int32_t)d1, P(p1), (int32_t)strlen(p1), (int32_t)d2, P(p2),
                                         (int32_t)strlen(p2));
}
static inline __wasi_errno_t wt_link(__wasi_fd_t d1, int follow, const char* p1, __wasi_fd_t d2, const char* p2) {
  return (__wasi_errno_t)raw_path_link((int32_t)d1, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, P(p1),
                                       (int32_t)strlen(p1), (int32_t)d2, P(p2), (int32_t)strlen(p2));
}
static inline __wasi_errno_t wt_readlink(__wasi_fd_t dir, const char* path, char* buf, size_t cap,
                                         __wasi_size_t* used) {
  return (__wasi_errno_t)raw_path_readlink((int32_t)dir, P(path), (int32_t)strlen(path), P(buf), (int32_t)cap, P(used));
}

// A fresh page at the very end of the memory, that nothing else uses; the
// memory ends at wt_mem_end() right after it (until something grows it).
static inline uint8_t* wt_last_page(void) {
  size_t old = __builtin_wasm_memory_grow(0, 1);
  if (old == (size_t)-1) return NULL;
  return (uint8_t*)(old * 65536u);
}
static inline uint32_t wt_mem_end(void) { return (uint32_t)(__builtin_wasm_memory_size(0) * 65536u); }

static inline uint64_t wt_now(__wasi_clockid_t id) {
  __wasi_timestamp_t t = 0;
  if (__wasi_clock_time_get(id, 1, &t)) return 0;
  return t;
}
