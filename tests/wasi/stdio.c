// stdin, stdout and stderr as the embedder or the command line set them up.
//   stdio.wasm upper   stdin upper-cased to stdout, a line to stderr
//   stdio.wasm cat     stdin copied to stdout in odd-sized pieces
#include <ctype.h>
#include <unistd.h>

#include "wt.h"

static void descriptors(void) {
  __wasi_fdstat_t fs;
  CHECK_OK(__wasi_fd_fdstat_get(0, &fs));
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_READ);
  CHECK(fs.fs_filetype != __WASI_FILETYPE_DIRECTORY);
  CHECK_OK(__wasi_fd_fdstat_get(1, &fs));
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE);
  CHECK_OK(__wasi_fd_fdstat_get(2, &fs));
  CHECK(fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE);
  // Not terminals when the harness runs us.
  CHECK(!isatty(0));
  CHECK(!isatty(1));
  // A stream (pipe or in-memory) cannot seek.
  __wasi_filesize_t pos;
  CHECK_OK(__wasi_fd_fdstat_get(0, &fs));
  if (fs.fs_filetype != __WASI_FILETYPE_REGULAR_FILE) {
    CHECK(!(fs.fs_rights_base & __WASI_RIGHTS_FD_SEEK));
    CHECK(__wasi_fd_seek(0, 1, __WASI_WHENCE_SET, &pos) != 0);
  }
  __wasi_prestat_t ps;
  CHECK_ERR(__wasi_fd_prestat_get(0, &ps), __WASI_ERRNO_BADF);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  descriptors();
  static uint8_t buf[70000];
  size_t total = 0;
  if (strcmp(argv[1], "upper") == 0) {
    for (;;) {
      __wasi_iovec_t iov = {buf, sizeof buf};
      __wasi_size_t n;
      CHECK_OK(__wasi_fd_read(0, &iov, 1, &n));
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) buf[i] = (uint8_t)toupper(buf[i]);
      CHECK_OK(wt_write_all(1, buf, n));
      total += n;
    }
    char line[64];
    snprintf(line, sizeof line, "stderr: %zu bytes\n", total);
    CHECK_OK(wt_write_all(2, line, strlen(line)));
  } else if (strcmp(argv[1], "cat") == 0) {
    // Reads of 1, 2, 3, ... bytes into two buffers; writes of the same.
    size_t want = 1;
    for (;;) {
      size_t first = want / 2;
      __wasi_iovec_t iov[2] = {{buf, first}, {buf + first, want - first}};
      __wasi_size_t n;
      CHECK_OK(__wasi_fd_read(0, iov, 2, &n));
      if (n == 0) break;
      CHECK_OK(wt_write_all(1, buf, n));
      total += n;
      want = want % 5000 + 1;
    }
  } else {
    return 2;
  }
  return wt_done();
}
