// fd_readdir: full listings, cookies, buffers too small for an entry, and
// libc's opendir/readdir on top.
#include <dirent.h>

#include "wt.h"

#define N_FILES 40

static __wasi_fd_t box;

typedef struct {
  char name[300];
  __wasi_dircookie_t next;
  __wasi_inode_t ino;
  __wasi_filetype_t type;
} entry_t;

// Parses complete entries from a buffer; returns how many, and sets
// *partial if the buffer ended inside one.
static int parse(const uint8_t* buf, size_t used, entry_t* out, int max, int* partial) {
  size_t off = 0;
  int n = 0;
  *partial = 0;
  while (off < used) {
    if (used - off < sizeof(__wasi_dirent_t)) {
      *partial = 1;
      break;
    }
    __wasi_dirent_t d;
    memcpy(&d, buf + off, sizeof d);
    if (used - off - sizeof d < d.d_namlen) {
      *partial = 1;
      break;
    }
    if (n < max) {
      memcpy(out[n].name, buf + off + sizeof d, d.d_namlen);
      out[n].name[d.d_namlen] = 0;
      out[n].next = d.d_next;
      out[n].ino = d.d_ino;
      out[n].type = d.d_type;
    }
    ++n;
    off += sizeof d + d.d_namlen;
  }
  return n;
}

static entry_t big[128];
static entry_t small[128];

static int find(entry_t* list, int n, const char* name) {
  for (int i = 0; i < n; ++i)
    if (strcmp(list[i].name, name) == 0) return i;
  return -1;
}

// A file's name, as make_listing and check_whole_listing build it; the last
// file's name stays there for check_errors.
static char name[64];
static uint8_t buf[16384];  // room for the whole listing

// N_FILES files in list/ (and the same names, empty, at the top level: not
// listed), a subdirectory and a symbolic link to it.
static void make_listing(void) {
  CHECK_OK(wt_mkdir(box, "list"));
  for (int i = 0; i < N_FILES; ++i) {
    // Names of many lengths, so entries straddle buffer boundaries.
    int len = 1 + (i * 7) % 40;
    memset(name, 'a' + i % 26, (size_t)len);
    snprintf(name + len, sizeof name - (size_t)len, "_%d", i);
    CHECK_OK(wt_put(box, name, ""));  // at the top level: not listed
    char path[96];
    snprintf(path, sizeof path, "list/%s", name);
    CHECK_OK(wt_put(box, path, "x"));
  }
  CHECK_OK(wt_mkdir(box, "list/subdir"));
  CHECK_OK(wt_symlink("subdir", box, "list/symlink"));
}

// One big buffer: everything, with the right types and inode numbers and
// distinct cookies. Returns the number of entries (left in big).
static int check_whole_listing(__wasi_fd_t dir, int total) {
  // One big buffer: everything, bufused < buf_len.
  __wasi_size_t used = 0;
  CHECK_OK(__wasi_fd_readdir(dir, buf, sizeof buf, 0, &used));
  CHECK(used < sizeof buf);
  int partial;
  int n = parse(buf, used, big, 128, &partial);
  CHECK(!partial);
  CHECK_EQ_U64(n, total);
  CHECK(find(big, n, ".") >= 0);
  CHECK(find(big, n, "..") >= 0);
  int k = find(big, n, "subdir");
  CHECK(k >= 0 && big[k].type == __WASI_FILETYPE_DIRECTORY);
  k = find(big, n, "symlink");
  CHECK(k >= 0 && big[k].type == __WASI_FILETYPE_SYMBOLIC_LINK);
  for (int i = 0; i < N_FILES; ++i) {
    int len = 1 + (i * 7) % 40;
    memset(name, 'a' + i % 26, (size_t)len);
    snprintf(name + len, sizeof name - (size_t)len, "_%d", i);
    k = find(big, n, name);
    CHECK(k >= 0);
    if (k < 0) continue;
    CHECK_EQ_U64(big[k].type, __WASI_FILETYPE_REGULAR_FILE);
    // d_ino is the file's inode number.
    __wasi_filestat_t st;
    CHECK_OK(wt_stat(dir, name, 0, &st));
    CHECK_EQ_U64(big[k].ino, st.ino);
  }
  // Cookies are distinct and each names the position after its entry.
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) CHECK(big[i].next != big[j].next);
  wt_group("fd_readdir whole listing");
  return n;
}

static void check_cookies(__wasi_fd_t dir, int n, int total) {
  // Small buffers, resuming from the cookie of the last complete entry:
  // the same entries, once each.
  __wasi_size_t used = 0;
  int partial;
  __wasi_dircookie_t cookie = 0;
  int got = 0, rounds = 0;
  static uint8_t sbuf[100];
  for (;;) {
    CHECK_OK(__wasi_fd_readdir(dir, sbuf, sizeof sbuf, cookie, &used));
    entry_t part[8];
    int m = parse(sbuf, used, part, 8, &partial);
    for (int i = 0; i < m && got < 128; ++i) small[got++] = part[i];
    if (m > 0) cookie = part[m - 1].next;
    if (used < sizeof sbuf) break;  // the end
    CHECK(partial || used == sizeof sbuf);
    if (++rounds > 1000) break;
  }
  CHECK_EQ_U64(got, total);
  for (int i = 0; i < got; ++i) {
    CHECK(find(big, n, small[i].name) >= 0);
    CHECK_EQ_U64(find(small, got, small[i].name), i);  // no duplicates
  }
  wt_group("fd_readdir cookies");
}

static void check_small_buffers(__wasi_fd_t dir, int total) {
  // A buffer smaller than one entry's header gets filled completely; the
  // entry is cut off there.
  __wasi_size_t used = 0;
  int partial, n;
  uint8_t tiny[10];
  memset(tiny, 0xee, sizeof tiny);
  CHECK_OK(__wasi_fd_readdir(dir, tiny, sizeof tiny, 0, &used));
  CHECK_EQ_U64(used, sizeof tiny);
  __wasi_dircookie_t first_next;
  memcpy(&first_next, tiny, 8);
  CHECK_EQ_U64(first_next, big[0].next);
  // Room for the header but not the whole name.
  uint8_t hdr[sizeof(__wasi_dirent_t) + 1];
  CHECK_OK(__wasi_fd_readdir(dir, hdr, sizeof hdr, 0, &used));
  CHECK_EQ_U64(used, sizeof hdr);
  // A zero-length buffer, a cookie past the end.
  CHECK_OK(__wasi_fd_readdir(dir, buf, 0, 0, &used));
  CHECK_EQ_U64(used, 0);
  CHECK_OK(__wasi_fd_readdir(dir, buf, sizeof buf, 100000, &used));
  CHECK_EQ_U64(used, 0);
  // Resuming in the middle returns exactly the rest.
  CHECK_OK(__wasi_fd_readdir(dir, buf, sizeof buf, big[9].next, &used));
  n = parse(buf, used, small, 128, &partial);
  CHECK_EQ_U64(n, total - 10);
  if (n > 0) CHECK_STR(small[0].name, big[10].name);
  wt_group("fd_readdir small buffers");
}

static void check_errors(__wasi_fd_t dir) {
  // Errors.
  __wasi_size_t used = 0;
  CHECK_ERR(raw_fd_readdir(dir, -16, 64, 0, P(&used)), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_readdir(dir, P(buf), 64, 0, -4), __WASI_ERRNO_FAULT);
  CHECK_ERR(raw_fd_readdir(dir, (int32_t)(wt_mem_end() - 8), 64, 0, P(&used)), __WASI_ERRNO_FAULT);
  CHECK_ERR(__wasi_fd_readdir(1000, buf, 64, 0, &used), __WASI_ERRNO_BADF);
  __wasi_fd_t file;
  CHECK_OK(wt_open(box, name, 0, WT_FILE_RO, &file));
  CHECK_ERR(__wasi_fd_readdir(file, buf, 64, 0, &used), __WASI_ERRNO_NOTDIR);
  CHECK_OK(__wasi_fd_close(file));
  __wasi_fd_t noread;
  CHECK_OK(wt_open(box, "list", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_PATH_OPEN, &noread));
  CHECK_ERR(__wasi_fd_readdir(noread, buf, 64, 0, &used), __WASI_ERRNO_NOTCAPABLE);
  CHECK_OK(__wasi_fd_close(noread));
  wt_group("fd_readdir errors");
}

static void check_after_changes(__wasi_fd_t dir, int total) {
  // A new listing starts at cookie 0 and sees changes.
  CHECK_OK(wt_put(box, "list/late-arrival", ""));
  CHECK_OK(wt_unlink(box, "list/symlink"));
  __wasi_size_t used = 0;
  int partial;
  CHECK_OK(__wasi_fd_readdir(dir, buf, sizeof buf, 0, &used));
  int n = parse(buf, used, big, 128, &partial);
  CHECK_EQ_U64(n, total);
  CHECK(find(big, n, "late-arrival") >= 0);
  CHECK(find(big, n, "symlink") < 0);
  CHECK_OK(__wasi_fd_close(dir));
  wt_group("fd_readdir after changes");
}

static void check_libc_readdir(int total) {
  // libc's readdir on top of it.
  DIR* d = opendir("/sandbox/list/subdir");
  CHECK(d != NULL);
  if (d) {
    int count = 0;
    while (readdir(d)) ++count;
    CHECK_EQ_U64(count, 2);
    closedir(d);
  }
  d = opendir("/sandbox/list");
  CHECK(d != NULL);
  if (d) {
    int count = 0, found = 0;
    struct dirent* de;
    while ((de = readdir(d))) {
      ++count;
      if (strcmp(de->d_name, "late-arrival") == 0) found = de->d_type == DT_REG;
    }
    CHECK_EQ_U64(count, total);
    CHECK(found);
    closedir(d);
  }
  wt_group("opendir readdir");
}

int main(void) {
  box = wt_preopen("/sandbox");
  make_listing();
  const int total = N_FILES + 2 + 2;  // files, subdir, symlink, "." and ".."

  __wasi_fd_t dir;
  CHECK_OK(wt_open(
      box, "list", __WASI_OFLAGS_DIRECTORY,
      __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_FILESTAT_GET | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READ,
      &dir));
  int n = check_whole_listing(dir, total);
  check_cookies(dir, n, total);
  check_small_buffers(dir, total);
  check_errors(dir);
  check_after_changes(dir, total);
  check_libc_readdir(total);
  return wt_done();
}
