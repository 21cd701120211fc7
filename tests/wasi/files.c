// The fd_* functions on files in the preopened directory /sandbox (which
// starts out holding only the two links the harness puts there).
#include "wt.h"

static __wasi_fd_t box;

static void prestat(void) {
  __wasi_prestat_t ps;
  CHECK_OK(__wasi_fd_prestat_get(box, &ps));
  CHECK_EQ_U64(ps.tag, __WASI_PREOPENTYPE_DIR);
  CHECK_EQ_U64(ps.u.dir.pr_name_len, 8);
  char name[16];
  memset(name, '#', sizeof name);
  CHECK_OK(__wasi_fd_prestat_dir_name(box, (uint8_t*)name, 8));
  CHECK(memcmp(name, "/sandbox#", 9) == 0);                       // exactly 8 bytes, no NUL
  CHECK_OK(__wasi_fd_prestat_dir_name(box, (uint8_t*)name, 12));  // longer is fine
  CHECK_ERR(__wasi_fd_prestat_dir_name(box, (uint8_t*)name, 7), __WASI_ERRNO_NAMETOOLONG);
  CHECK_ERR(raw_fd_prestat_dir_name(box, -4, 8), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_prestat_get(box, -4), __WASI_ERRNO_FAULT);
  CHECK_ERR(__wasi_fd_prestat_get(1, &ps), __WASI_ERRNO_BADF);     // not a preopen
  CHECK_ERR(__wasi_fd_prestat_get(1000, &ps), __WASI_ERRNO_BADF);  // not open
  __wasi_fd_t other = wt_preopen("/other");
  CHECK(other != box);
  wt_group("fd_prestat_get fd_prestat_dir_name");
}

static void read_write(void) {
  __wasi_fd_t fd;
  CHECK_OK(wt_open(box, "data.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, WT_FILE_RW, &fd));
  // Gathered write from three buffers, one of them empty.
  __wasi_ciovec_t out[3] = {{(const uint8_t*)"Hello, ", 7},
                            {(const uint8_t*)"", 0},
                            {(const uint8_t*)"WASI world!\n", 12}};
  __wasi_size_t n = 0;
  CHECK_OK(__wasi_fd_write(fd, out, 3, &n));
  CHECK_EQ_U64(n, 19);
  __wasi_filesize_t pos = 99;
  CHECK_OK(__wasi_fd_tell(fd, &pos));
  CHECK_EQ_U64(pos, 19);
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  CHECK_EQ_U64(pos, 0);
  // Scattered read into two buffers.
  char a[5], b[64];
  memset(b, 0, sizeof b);
  __wasi_iovec_t in[2] = {{(uint8_t*)a, 5}, {(uint8_t*)b, sizeof b - 1}};
  CHECK_OK(__wasi_fd_read(fd, in, 2, &n));
  CHECK_EQ_U64(n, 19);
  CHECK(memcmp(a, "Hello", 5) == 0);
  CHECK_STR(b, ", WASI world!\n");
  CHECK_OK(__wasi_fd_read(fd, in, 2, &n));  // at the end: 0 bytes
  CHECK_EQ_U64(n, 0);
  // Seek relative to the current position and to the end.
  CHECK_OK(__wasi_fd_seek(fd, -6, __WASI_WHENCE_END, &pos));
  CHECK_EQ_U64(pos, 13);
  CHECK_OK(__wasi_fd_seek(fd, -6, __WASI_WHENCE_CUR, &pos));
  CHECK_EQ_U64(pos, 7);
  CHECK_ERR(__wasi_fd_seek(fd, -8, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_fd_seek(fd, 0, 3, P(&pos)), __WASI_ERRNO_INVAL);
  CHECK_ERR(raw_fd_seek(fd, 0, __WASI_WHENCE_SET, -8), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_tell(fd, -2), __WASI_ERRNO_FAULT);
  // Seeking past the end and writing leaves a hole of zeros.
  CHECK_OK(__wasi_fd_seek(fd, 25, __WASI_WHENCE_SET, &pos));
  CHECK_OK(wt_write_all(fd, "!", 1));
  // pread / pwrite do not move the position.
  CHECK_OK(__wasi_fd_tell(fd, &pos));
  CHECK_EQ_U64(pos, 26);
  char buf[32];
  memset(buf, 'x', sizeof buf);
  __wasi_iovec_t piov = {(uint8_t*)buf, sizeof buf};
  CHECK_OK(__wasi_fd_pread(fd, &piov, 1, 17, &n));
  CHECK_EQ_U64(n, 9);
  CHECK(memcmp(buf, "!\n\0\0\0\0\0\0!", 9) == 0);
  __wasi_ciovec_t pw = {(const uint8_t*)"WASM", 4};
  CHECK_OK(__wasi_fd_pwrite(fd, &pw, 1, 7, &n));
  CHECK_EQ_U64(n, 4);
  CHECK_OK(__wasi_fd_tell(fd, &pos));
  CHECK_EQ_U64(pos, 26);
  CHECK_OK(__wasi_fd_pread(fd, &piov, 1, 0, &n));
  CHECK_EQ_U64(n, 26);
  CHECK(memcmp(buf, "Hello, WASM world!\n", 19) == 0);
  CHECK_OK(__wasi_fd_pread(fd, &piov, 1, 1000, &n));  // past the end
  CHECK_EQ_U64(n, 0);
  // Bad iovecs and result pointers.
  CHECK_ERR(raw_fd_read(fd, -8, 1, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_write(fd, P(out), 0x20000000, P(&n)), __WASI_ERRNO_FAULT);
  __wasi_iovec_t bad = {(uint8_t*)(uintptr_t)0xfffffff0u, 64};
  CHECK_ERR(raw_fd_read(fd, P(&bad), 1, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_write(fd, P(&bad), 1, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_pread(fd, P(&bad), 1, 0, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_pwrite(fd, P(&bad), 1, 0, P(&n)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_write(fd, P(out), 1, -1), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_pread(fd, P(&piov), 1, 0, -3), __WASI_ERRNO_FAULT);
  // Bad descriptors.
  CHECK_ERR(__wasi_fd_write(1000, out, 1, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_read(-1, in, 1, &n), __WASI_ERRNO_BADF);
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_ERR(__wasi_fd_close(fd), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_tell(fd, &pos), __WASI_ERRNO_BADF);
  wt_group("fd_read fd_write fd_pread fd_pwrite fd_seek fd_tell fd_close");

  // Access modes: a read-only descriptor cannot write and vice versa.
  CHECK_OK(wt_open(box, "data.txt", 0, WT_FILE_RO, &fd));
  CHECK_ERR(__wasi_fd_write(fd, out, 1, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_pwrite(fd, out, 1, 0, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(wt_open(box, "data.txt", 0, __WASI_RIGHTS_FD_WRITE, &fd));
  CHECK_ERR(__wasi_fd_read(fd, in, 1, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(fd));
  wt_group("access modes");
}

static void stat_size_times(void) {
  __wasi_fd_t fd;
  CHECK_OK(wt_open(box, "sized", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, WT_FILE_RW, &fd));
  CHECK_OK(wt_write_all(fd, "0123456789", 10));
  __wasi_filestat_t st, pst;
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ_U64(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK_EQ_U64(st.size, 10);
  CHECK_EQ_U64(st.nlink, 1);
  CHECK(st.ino != 0);
  CHECK_OK(wt_stat(box, "sized", 1, &pst));
  CHECK_EQ_U64(pst.ino, st.ino);
  CHECK_EQ_U64(pst.dev, st.dev);
  CHECK_ERR(raw_fd_filestat_get(fd, -64), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_filestat_get(fd, (int32_t)(wt_mem_end() - 63)), __WASI_ERRNO_FAULT);
  // Truncate, then extend with zeros.
  CHECK_OK(__wasi_fd_filestat_set_size(fd, 4));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ_U64(st.size, 4);
  CHECK_OK(__wasi_fd_filestat_set_size(fd, 8));
  char buf[16];
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf};
  __wasi_size_t n;
  CHECK_OK(__wasi_fd_pread(fd, &iov, 1, 0, &n));
  CHECK_EQ_U64(n, 8);
  CHECK(memcmp(buf, "0123\0\0\0\0", 8) == 0);
  CHECK_ERR(__wasi_fd_filestat_set_size(fd, 0x8000000000000000ull), __WASI_ERRNO_FBIG);
  // fd_allocate grows the file, never shrinks it.
  CHECK_OK(__wasi_fd_allocate(fd, 0, 100));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ_U64(st.size, 100);
  CHECK_OK(__wasi_fd_allocate(fd, 10, 5));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ_U64(st.size, 100);
  CHECK_ERR(__wasi_fd_allocate(fd, 0, 0), __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_fd_allocate(fd, 0x7fffffffffffffffull, 2), __WASI_ERRNO_FBIG);
  // fd_advise accepts every advice and rejects others.
  for (__wasi_advice_t adv = 0; adv <= __WASI_ADVICE_NOREUSE; ++adv) CHECK_OK(__wasi_fd_advise(fd, 0, 100, adv));
  CHECK_ERR(__wasi_fd_advise(fd, 0, 100, 6), __WASI_ERRNO_INVAL);
  CHECK_OK(__wasi_fd_sync(fd));
  CHECK_OK(__wasi_fd_datasync(fd));
  CHECK_ERR(__wasi_fd_sync(1000), __WASI_ERRNO_BADF);
  wt_group("fd_filestat_get fd_filestat_set_size fd_allocate fd_advise fd_sync fd_datasync");

  // Timestamps: explicit values read back exactly; "now" is now.
  const uint64_t atim = 1000000000ull * 1500000000ull + 123456789ull;
  const uint64_t mtim = 1000000000ull * 1400000000ull + 987654321ull;
  CHECK_OK(__wasi_fd_filestat_set_times(fd, atim, mtim, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ_U64(st.atim, atim);
  CHECK_EQ_U64(st.mtim, mtim);
  // Only mtim now; atim stays.
  uint64_t before = wt_now(__WASI_CLOCKID_REALTIME);
  CHECK_OK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK_EQ_U64(st.atim, atim);
  CHECK(st.mtim + 50000000ull >= before && st.mtim <= wt_now(__WASI_CLOCKID_REALTIME) + 50000000ull);
  CHECK(st.ctim + 50000000ull >= before);
  // Writing updates mtim.
  CHECK_OK(__wasi_fd_filestat_set_times(fd, atim, mtim, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  CHECK_OK(wt_write_all(fd, "more", 4));
  CHECK_OK(__wasi_fd_filestat_get(fd, &st));
  CHECK(st.mtim > mtim);
  // Contradicting or unknown flags.
  CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
            __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
            __WASI_ERRNO_INVAL);
  CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, 16), __WASI_ERRNO_INVAL);
  CHECK_OK(__wasi_fd_close(fd));
  wt_group("fd_filestat_set_times");
}

static void fdstat(void) {
  __wasi_fdstat_t fs;
  // The preopen: a directory with path rights and no read right.
  CHECK_OK(__wasi_fd_fdstat_get(box, &fs));
  CHECK_EQ_U64(fs.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN);
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_READDIR);
  CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_FD_READ));
  CHECK(fs.fs_rights_inheriting & __WASI_RIGHTS_FD_READ);
  CHECK_ERR(raw_fd_fdstat_get(box, -24), __WASI_ERRNO_FAULT);
  CHECK_ERR(__wasi_fd_fdstat_get(1000, &fs), __WASI_ERRNO_BADF);

  // Operations that need a file fail on a directory.
  char c;
  __wasi_iovec_t iov = {(uint8_t*)&c, 1};
  __wasi_size_t n;
  __wasi_filesize_t pos;
  CHECK_ERR(__wasi_fd_read(box, &iov, 1, &n), __WASI_ERRNO_ISDIR);
  CHECK_ERR(__wasi_fd_write(box, (__wasi_ciovec_t*)&iov, 1, &n), __WASI_ERRNO_ISDIR);
  CHECK_ERR(__wasi_fd_seek(box, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_tell(box, &pos), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_filestat_set_size(box, 0), __WASI_ERRNO_ISDIR);

  // A file opened for appending says so, and appends.
  __wasi_fd_t fd;
  CHECK_OK(wt_put(box, "log", "one\n"));
  CHECK_OK(wt_open_ex(box, 0, "log", 0, WT_FILE_RW, __WASI_FDFLAGS_APPEND, &fd));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
  CHECK_EQ_U64(fs.fs_filetype, __WASI_FILETYPE_REGULAR_FILE);
  CHECK(fs.fs_flags & __WASI_FDFLAGS_APPEND);
  CHECK((fs.fs_rights_base & WT_FILE_RW) == WT_FILE_RW);
  CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN));  // a file has no path rights
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  CHECK_OK(wt_write_all(fd, "two\n", 4));
  // fd_fdstat_set_flags turns appending off: the next write lands at 0.
  CHECK_OK(__wasi_fd_fdstat_set_flags(fd, 0));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
  CHECK(!(fs.fs_flags & __WASI_FDFLAGS_APPEND));
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  CHECK_OK(wt_write_all(fd, "ONE\n", 4));
  CHECK_OK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_NONBLOCK));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
  CHECK(fs.fs_flags & __WASI_FDFLAGS_NONBLOCK);
  CHECK_ERR(__wasi_fd_fdstat_set_flags(fd, 0x20), __WASI_ERRNO_INVAL);
  CHECK_OK(__wasi_fd_close(fd));
  char buf[64];
  CHECK_STR(wt_get(box, "log", buf, sizeof buf), "ONE\ntwo\n");
  wt_group("fd_fdstat_get fd_fdstat_set_flags");

  // Rights can be dropped, never regained; a dropped right makes its
  // operation fail.
  CHECK_OK(wt_open(box, "log", 0, WT_FILE_RW, &fd));
  CHECK_OK(__wasi_fd_fdstat_set_rights(fd, WT_FILE_RW & ~(__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_WRITE), 0));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
  CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
  CHECK_ERR(__wasi_fd_seek(fd, 1, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos));  // fd_tell suffices for this
  CHECK_ERR(__wasi_fd_write(fd, (__wasi_ciovec_t*)&iov, 1, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_fdstat_set_rights(fd, WT_FILE_RW, 0), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_fdstat_set_rights(fd, 0, 0));
  CHECK_ERR(__wasi_fd_read(fd, &iov, 1, &n), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_filestat_get(fd, (__wasi_filestat_t*)buf), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_sync(fd), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_advise(fd, 0, 0, 0), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_allocate(fd, 0, 1), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_filestat_set_times(fd, 0, 0, 0), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_fdstat_set_flags(fd, 0), __WASI_ERRNO_NOTCAPABLE);
  CHECK_ERR(__wasi_fd_tell(fd, &pos), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(fd));
  // A directory whose rights lose path_open opens nothing more.
  __wasi_fd_t sub;
  CHECK_OK(wt_mkdir(box, "rights"));
  CHECK_OK(wt_open(box, "rights", __WASI_OFLAGS_DIRECTORY, WT_DIR_RIGHTS, &sub));
  CHECK_OK(wt_put(sub, "f", "x"));
  CHECK_OK(__wasi_fd_fdstat_get(sub, &fs));
  CHECK_OK(__wasi_fd_fdstat_set_rights(sub, fs.fs_rights_base & ~__WASI_RIGHTS_PATH_CREATE_FILE,
                                       fs.fs_rights_inheriting & ~__WASI_RIGHTS_FD_WRITE));
  CHECK_ERR(wt_open(sub, "g", __WASI_OFLAGS_CREAT, WT_FILE_RW, &fd), __WASI_ERRNO_NOTCAPABLE);
  // Rights the directory does not hand down are not granted.
  CHECK_OK(wt_open(sub, "f", 0, WT_FILE_RW, &fd));
  CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
  CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE));
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_READ);
  CHECK_ERR(__wasi_fd_write(fd, (__wasi_ciovec_t*)&iov, 1, &n), __WASI_ERRNO_BADF);
  CHECK_OK(__wasi_fd_close(fd));
  CHECK_OK(__wasi_fd_fdstat_get(sub, &fs));
  CHECK_OK(__wasi_fd_fdstat_set_rights(sub, fs.fs_rights_base & ~__WASI_RIGHTS_PATH_OPEN, 0));
  CHECK_ERR(wt_open(sub, "f", 0, WT_FILE_RO, &fd), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(sub));
  wt_group("fd_fdstat_set_rights");
}

static void renumber(void) {
  __wasi_fd_t a, b;
  CHECK_OK(wt_put(box, "ra", "file a"));
  CHECK_OK(wt_put(box, "rb", "file b"));
  CHECK_OK(wt_open(box, "ra", 0, WT_FILE_RO, &a));
  CHECK_OK(wt_open(box, "rb", 0, WT_FILE_RO, &b));
  // b now refers to what a did; a is closed.
  CHECK_OK(__wasi_fd_renumber(a, b));
  char buf[16] = {0};
  __wasi_iovec_t iov = {(uint8_t*)buf, sizeof buf - 1};
  __wasi_size_t n;
  CHECK_OK(__wasi_fd_read(b, &iov, 1, &n));
  CHECK_STR(buf, "file a");
  CHECK_ERR(__wasi_fd_read(a, &iov, 1, &n), __WASI_ERRNO_BADF);
  CHECK_OK(__wasi_fd_renumber(b, b));
  CHECK_ERR(__wasi_fd_renumber(a, b), __WASI_ERRNO_BADF);
  CHECK_ERR(__wasi_fd_renumber(b, 1000), __WASI_ERRNO_BADF);
  // The lowest free number is reused.
  __wasi_fd_t c;
  CHECK_OK(wt_open(box, "ra", 0, WT_FILE_RO, &c));
  CHECK_EQ_U64(c, a);
  CHECK_OK(__wasi_fd_close(c));
  CHECK_OK(__wasi_fd_close(b));
  wt_group("fd_renumber");
}

static void stdio(void) {
  __wasi_fdstat_t fs;
  for (__wasi_fd_t fd = 0; fd < 3; ++fd) {
    CHECK_OK(__wasi_fd_fdstat_get(fd, &fs));
    CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_PATH_OPEN));
  }
  CHECK_OK(__wasi_fd_fdstat_get(1, &fs));
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE);
  __wasi_filestat_t st;
  CHECK_OK(__wasi_fd_filestat_get(1, &st));
  wt_group("stdio descriptors");
}

int main(void) {
  box = wt_preopen("/sandbox");
  prestat();
  read_write();
  stat_size_times();
  fdstat();
  renumber();
  stdio();
  return wt_done();
}
